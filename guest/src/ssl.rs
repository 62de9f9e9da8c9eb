//! `_ssl`: CPython's SSLContext rules and the I/O loop of an SSL socket, over the host's TLS engine.
//!
//! The engine (host `pysock:net/tls`) is sans-I/O. An SSL socket's call moves ciphertext between
//! it and the socket until the engine can answer: flush what the engine wants to send, feed it what
//! the socket received, repeat. The socket's timeout mode applies as in CPython's `_ssl.c`: one
//! deadline for the whole call, and a non-blocking socket raises SSLWantReadError/SSLWantWriteError
//! where it would have waited.
#![forbid(unsafe_code)]

use crate::ciphers;
use crate::errno::{Error, SslError, SslErrorKind, os, value};
use crate::host::{Errno, Events, FillError, Host, ProtocolVersion, Tls, TlsConfig, TlsConnection, TlsError, TlsErrorKind, TlsSession, VerifyMode};
use crate::socket::{Core, SockObj};
use crate::timeout::{self, CallError, Mode};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

/// OpenSSL's and CPython's numbers for the constants the adapter exposes.
pub mod constants {
    pub const PROTOCOL_TLS: i32 = 2;
    pub const PROTOCOL_TLSV1: i32 = 3;
    pub const PROTOCOL_TLSV1_1: i32 = 4;
    pub const PROTOCOL_TLSV1_2: i32 = 5;
    pub const PROTOCOL_TLS_CLIENT: i32 = 16;
    pub const PROTOCOL_TLS_SERVER: i32 = 17;
    pub const CERT_NONE: i32 = 0;
    pub const CERT_OPTIONAL: i32 = 1;
    pub const CERT_REQUIRED: i32 = 2;
    pub const PROTO_MINIMUM_SUPPORTED: i32 = -2;
    pub const PROTO_MAXIMUM_SUPPORTED: i32 = -1;
    pub const PROTO_SSLV3: i32 = 0x300;
    pub const PROTO_TLSV1: i32 = 0x301;
    pub const PROTO_TLSV1_1: i32 = 0x302;
    pub const PROTO_TLSV1_2: i32 = 0x303;
    pub const PROTO_TLSV1_3: i32 = 0x304;
    pub const OP_NO_TLSV1_2: u64 = 0x0800_0000;
    pub const OP_NO_TLSV1_3: u64 = 0x2000_0000;
    pub const OP_NO_TICKET: u64 = 0x4000;
    pub const ALERT_DESCRIPTION_HANDSHAKE_FAILURE: u8 = 40;
    /// What CPython's SSLContext() sets: OP_ALL | OP_NO_SSLv3 | OP_NO_COMPRESSION |
    /// OP_CIPHER_SERVER_PREFERENCE | OP_ENABLE_MIDDLEBOX_COMPAT | OP_NO_TLSv1 | OP_NO_TLSv1_1 | ...
    pub const DEFAULT_OPTIONS: u64 = 0x8000_0050 | 0x0200_0000 | 0x0002_0000 | 0x0040_0000 | 0x0010_0000;
}
use constants::*;

/// Where `load_verify_locations` found PEM text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustSource {
    Cafile,
    Capath,
    Cadata,
}

/// Ciphertext moved per socket call.
const CHUNK: u32 = 64 * 1024;

/// An `ssl` exception from OpenSSL's SSL library; with no reason, a status OpenSSL reports without
/// an error code (want-read) or, as SSLError, one of `_ssl`'s own checks.
pub fn ssl_error(kind: SslErrorKind, reason: &str, message: &str) -> Error {
    library_error(kind, if reason.is_empty() { "" } else { "SSL" }, reason, message)
}

/// An `ssl` exception from one of OpenSSL's libraries ("SSL", "X509", "PEM"): `[library: reason]`.
pub fn library_error(kind: SslErrorKind, library: &str, reason: &str, message: &str) -> Error {
    Error::Ssl(SslError {
        kind,
        library: library.into(),
        reason: reason.into(),
        message: message.into(),
        verify_code: 0,
        verify_message: String::new(),
    })
}

/// A host engine error as the `ssl` exception.
pub fn from_engine(e: TlsError) -> Error {
    let kind = match e.kind {
        TlsErrorKind::Ssl => SslErrorKind::Ssl,
        TlsErrorKind::ZeroReturn => SslErrorKind::ZeroReturn,
        TlsErrorKind::WantRead => SslErrorKind::WantRead,
        TlsErrorKind::Eof => SslErrorKind::Eof,
        TlsErrorKind::CertVerification => SslErrorKind::CertVerification,
    };
    Error::Ssl(SslError {
        kind,
        library: e.library,
        reason: e.reason,
        message: e.message,
        verify_code: e.verify_code,
        verify_message: e.verify_message,
    })
}

/// A host engine error from setting up a context, as the `ssl` exception: an SSLError numbered
/// as OpenSSL numbers its reason.
fn from_setup(e: TlsError) -> Error {
    match from_engine(e) {
        Error::Ssl(e) if e.kind == SslErrorKind::Ssl => Error::Ssl(SslError { kind: SslErrorKind::Queued, ..e }),
        other => other,
    }
}

/// The errno of a [`SslErrorKind::Queued`] error: ERR_GET_REASON of the error OpenSSL leaves last on
/// its queue, which `_ssl.c` reports for a context's failures (116 for a key that does not match
/// its certificate; a PEM file that will not load is ERR_R_PEM_LIB, 9 with OpenSSL's "common
/// reason" flag). A reason pysock has no number for reads as SSL_ERROR_SSL, as a connection's do.
pub fn reason_number(e: &SslError) -> i32 {
    const COMMON: i32 = 0x80000;
    match (e.library.as_str(), e.reason.as_str(), e.message.as_str()) {
        ("X509", "KEY_VALUES_MISMATCH", _) => 116,
        ("X509", "NO_CERTIFICATE_OR_CRL_FOUND", _) => 136,
        ("X509", "INVALID_DIRECTORY", _) => 113,
        ("PEM", "NO_START_LINE", _) => 108,
        ("SSL", "WRONG_SSL_VERSION", _) => 266,
        ("SSL", "NOT_SERVER", _) => 284,
        (_, "", "PEM lib") => COMMON | 9,
        _ => 1,
    }
}

/// The versions rustls can negotiate within `minimum..=maximum` (TLSVersion values), or None when
/// none: rustls has nothing below TLS 1.2.
fn effective_versions(minimum: i32, maximum: i32) -> Option<(ProtocolVersion, ProtocolVersion)> {
    let lo = if minimum == PROTO_TLSV1_3 { ProtocolVersion::Tls13 } else { ProtocolVersion::Tls12 };
    let hi = match maximum {
        PROTO_MAXIMUM_SUPPORTED | PROTO_TLSV1_3 => ProtocolVersion::Tls13,
        PROTO_TLSV1_2 => ProtocolVersion::Tls12,
        _ => return None,
    };
    (lo == hi || lo == ProtocolVersion::Tls12).then_some((lo, hi))
}

/// Whether `protocol` is one of the deprecated fixed-version methods (PROTOCOL_TLSv1...): its
/// versions cannot change and it serves either side.
fn fixed_version(protocol: i32) -> bool {
    (PROTOCOL_TLSV1..=PROTOCOL_TLSV1_2).contains(&protocol)
}

/// `_ssl._SSLContext`, over the host engine `T`.
pub struct Context<T: Tls> {
    protocol: i32,
    verify_mode: Cell<i32>,
    check_hostname: Cell<bool>,
    minimum: Cell<i32>,
    maximum: Cell<i32>,
    options: Cell<u64>,
    /// `set_ciphers`' TLS 1.2 choice, as indexes into [`ciphers::SUITES`].
    tls12_suites: RefCell<Vec<usize>>,
    num_tickets: Cell<i64>,
    /// Trust anchors read from a capath folder (see [`Context::load_verify_pem`]).
    looked_up: RefCell<Vec<Vec<u8>>>,
    /// Names this context for sessions: a session resumes only on the context that made it.
    serial: u64,
    config: T::Config,
}

thread_local! {
    static CONTEXTS_MADE: Cell<u64> = const { Cell::new(0) };
}

impl<T: Tls> Context<T> {
    pub fn new(protocol: i32) -> Self {
        let server = protocol == PROTOCOL_TLS_SERVER;
        let client = protocol == PROTOCOL_TLS_CLIENT;
        let ctx = Context {
            protocol,
            verify_mode: Cell::new(if client { CERT_REQUIRED } else { CERT_NONE }),
            check_hostname: Cell::new(client),
            // What OpenSSL reports: a fixed-version method keeps the full range and restricts below it.
            minimum: Cell::new(if fixed_version(protocol) { PROTO_MINIMUM_SUPPORTED } else { PROTO_TLSV1_2 }),
            maximum: Cell::new(PROTO_MAXIMUM_SUPPORTED),
            options: Cell::new(DEFAULT_OPTIONS),
            tls12_suites: RefCell::new(Vec::new()),
            num_tickets: Cell::new(2),
            looked_up: RefCell::new(Vec::new()),
            serial: CONTEXTS_MADE.with(|n| {
                n.set(n.get() + 1);
                n.get()
            }),
            config: T::Config::new(server),
        };
        ctx.push_settings();
        // CPython's SSLContext() starts from its own cipher string, which always selects something.
        let _ = ctx.set_ciphers(ciphers::DEFAULT);
        ctx
    }

    pub fn protocol(&self) -> i32 {
        self.protocol
    }

    /// `load_cert_chain("pysock-identity:NAME")`: an identity the embedder holds; its key never
    /// enters the sandbox.
    pub fn use_host_identity(&self, name: &str) -> Result<(), Error> {
        self.config.use_host_identity(name).map_err(from_engine)
    }

    /// `load_cert_chain` once the face has read the files: certificate chain and key, PEM.
    pub fn load_cert_chain(&self, chain_pem: &[u8], key_pem: &[u8], password: Option<&[u8]>) -> Result<(), Error> {
        self.config.set_identity(chain_pem, key_pem, password).map_err(from_setup)
    }

    /// `set_default_verify_paths`: adds what the embedder configured for default contexts. The host
    /// adds a CA file's certificates first and then those only a CA directory holds, which, as
    /// capath's, are remembered as looked up.
    pub fn load_default_trust(&self) -> Result<(), Error> {
        let before = self.config.trust_anchors().len();
        let held = self.config.add_default_trust().map_err(from_engine)? as usize;
        let added = self.config.trust_anchors().into_iter().skip(before + held);
        self.looked_up.borrow_mut().extend(added);
        Ok(())
    }

    /// `keylog_filename` set or cleared: the face owns the file and after each TLS call appends
    /// what [`Context::take_key_log`] hands it.
    pub fn set_key_log(&self, enabled: bool) {
        self.config.set_key_log(enabled)
    }

    /// NSS key log lines recorded since the last call.
    pub fn take_key_log(&self) -> Vec<String> {
        self.config.take_key_log()
    }

    /// Mirrors the Python-visible settings into the host config.
    fn push_settings(&self) {
        self.config.set_verify_mode(match self.verify_mode.get() {
            CERT_NONE => VerifyMode::None,
            CERT_OPTIONAL => VerifyMode::Optional,
            _ => VerifyMode::Required,
        });
        self.config.set_check_hostname(self.check_hostname.get());
        let (mut minimum, mut maximum) = (self.minimum.get(), self.maximum.get());
        match self.protocol {
            PROTOCOL_TLSV1_2 => (minimum, maximum) = (PROTO_TLSV1_2, PROTO_TLSV1_2),
            PROTOCOL_TLSV1 | PROTOCOL_TLSV1_1 => (minimum, maximum) = (PROTO_TLSV1, PROTO_TLSV1_1),
            _ => {}
        }
        let options = self.options.get();
        if options & OP_NO_TLSV1_2 != 0 && minimum != PROTO_TLSV1_3 {
            minimum = PROTO_TLSV1_3;
        }
        if options & OP_NO_TLSV1_3 != 0 && matches!(maximum, PROTO_MAXIMUM_SUPPORTED | PROTO_TLSV1_3) {
            maximum = PROTO_TLSV1_2;
        }
        // An empty range reaches the host as one, and fails when a connection opens.
        let (lo, hi) = effective_versions(minimum, maximum).unwrap_or((ProtocolVersion::Tls13, ProtocolVersion::Tls12));
        self.config.set_versions(lo, hi);
        let tickets = u32::try_from(self.num_tickets.get()).unwrap_or(u32::MAX);
        self.config.set_tickets(options & OP_NO_TICKET == 0, tickets);
    }

    pub fn verify_mode(&self) -> i32 {
        self.verify_mode.get()
    }

    pub fn set_verify_mode(&self, mode: i32) -> Result<(), Error> {
        if !(CERT_NONE..=CERT_REQUIRED).contains(&mode) {
            return Err(value("invalid value for verify_mode"));
        }
        if mode == CERT_NONE && self.check_hostname.get() {
            return Err(value("Cannot set verify_mode to CERT_NONE when check_hostname is enabled."));
        }
        self.verify_mode.set(mode);
        self.push_settings();
        Ok(())
    }

    pub fn check_hostname(&self) -> bool {
        self.check_hostname.get()
    }

    pub fn set_check_hostname(&self, check: bool) {
        if check && self.verify_mode.get() == CERT_NONE {
            self.verify_mode.set(CERT_REQUIRED);
        }
        self.check_hostname.set(check);
        self.push_settings();
    }

    pub fn minimum_version(&self) -> i32 {
        self.minimum.get()
    }

    pub fn maximum_version(&self) -> i32 {
        self.maximum.get()
    }

    /// CPython accepts and reports every TLSVersion; the versions rustls lacks (SSLv3, TLS 1.0, 1.1)
    /// leave nothing to negotiate below TLS 1.2.
    pub fn set_version(&self, minimum: bool, v: i32) -> Result<(), Error> {
        let known = [PROTO_MINIMUM_SUPPORTED, PROTO_MAXIMUM_SUPPORTED, PROTO_SSLV3, PROTO_TLSV1, PROTO_TLSV1_1, PROTO_TLSV1_2, PROTO_TLSV1_3];
        if !known.contains(&v) {
            return Err(value(&format!("Unsupported TLS/SSL version 0x{v:x}")));
        }
        if fixed_version(self.protocol) {
            return Err(value("The context's protocol doesn't support modification of highest and lowest version."));
        }
        // As CPython: the far end of the range names the version there (OpenSSL 3.0 has TLS 1.0).
        let v = match (minimum, v) {
            (false, PROTO_MINIMUM_SUPPORTED) => PROTO_TLSV1,
            (true, PROTO_MAXIMUM_SUPPORTED) => PROTO_TLSV1_3,
            _ => v,
        };
        if minimum { self.minimum.set(v) } else { self.maximum.set(v) }
        self.push_settings();
        Ok(())
    }

    pub fn options(&self) -> u64 {
        self.options.get()
    }

    pub fn set_options(&self, options: u64) {
        self.options.set(options);
        self.push_settings();
    }

    pub fn set_alpn_protocols(&self, wire: &[u8]) -> Result<(), Error> {
        let mut protocols = Vec::new();
        let mut rest = wire;
        while let Some((&len, tail)) = rest.split_first() {
            let len = len as usize;
            if len == 0 || tail.len() < len {
                // _ssl.c reads any failure of SSL_CTX_set_alpn_protos, which refuses a malformed
                // list, as running out of memory.
                return Err(Error::NoMemory);
            }
            protocols.push(tail[..len].to_vec());
            rest = &tail[len..];
        }
        self.config.set_alpn(&protocols);
        Ok(())
    }

    /// `load_verify_locations`: CA certificates in PEM. cadata's failures read as CPython words
    /// them. OpenSSL looks capath's certificates up only when verifying, so `cert_store_stats()`
    /// and `get_ca_certs()` leave them out; here they are trusted at once and remembered as such.
    pub fn load_verify_pem(&self, pem: &[u8], source: TrustSource) -> Result<(), Error> {
        let before = if source == TrustSource::Capath { self.config.trust_anchors().len() } else { 0 };
        match self.config.add_trust_pem(pem) {
            Err(_) if source == TrustSource::Cadata => {
                Err(ssl_error(SslErrorKind::None, "", "no start line: cadata does not contain a certificate"))
            }
            Err(e) => Err(from_setup(e)),
            Ok(_) if source == TrustSource::Capath => {
                self.looked_up.borrow_mut().extend(self.config.trust_anchors().into_iter().skip(before));
                Ok(())
            }
            Ok(_) => Ok(()),
        }
    }

    /// `load_verify_locations(cadata=bytes)`: DER certificates back to back.
    pub fn load_verify_der(&self, der: &[u8]) -> Result<(), Error> {
        let not_der = || ssl_error(SslErrorKind::None, "", "not enough data: cadata does not contain a certificate");
        let certs = crate::x509::split_der(der).filter(|c| !c.is_empty()).ok_or_else(not_der)?;
        for cert in certs {
            self.config.add_trust_der(cert).map_err(|_| not_der())?;
        }
        Ok(())
    }

    /// The trust store's certificates with whether each is a CA, as OpenSSL's X509_check_ca says.
    fn trust_store(&self) -> Vec<(Vec<u8>, bool)> {
        let looked_up = self.looked_up.borrow();
        let anchors = self.config.trust_anchors().into_iter().filter(|der| !looked_up.contains(der));
        anchors.map(|der| {
            let ca = crate::x509::decode(&der).is_some_and(|c| c.is_ca);
            (der, ca)
        }).collect()
    }

    /// `cert_store_stats()`: (x509, x509_ca).
    pub fn cert_store_stats(&self) -> (u32, u32) {
        let store = self.trust_store();
        (store.len() as u32, store.iter().filter(|(_, ca)| *ca).count() as u32)
    }

    /// `get_ca_certs()`: the CA certificates of the trust store, in DER.
    pub fn ca_certificates(&self) -> Vec<Vec<u8>> {
        self.trust_store().into_iter().filter(|(_, ca)| *ca).map(|(der, _)| der).collect()
    }

    /// The chain `get_verified_chain()` reports: the peer's certificates, then the trust anchors
    /// that issued the last one, up to a self-signed root.
    pub fn verified_chain(&self, peer: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let anchors: Vec<(Vec<u8>, crate::x509::Certificate)> =
            self.config.trust_anchors().into_iter().filter_map(|der| crate::x509::decode(&der).map(|c| (der, c))).collect();
        let mut chain = peer;
        for _ in 0..anchors.len() {
            let Some(last) = chain.last().and_then(|der| crate::x509::decode(der)) else { break };
            if last.issuer == last.subject {
                break;
            }
            match anchors.iter().find(|(der, c)| c.subject == last.issuer && !chain.contains(der)) {
                Some((der, _)) => chain.push(der.clone()),
                None => break,
            }
        }
        chain
    }

    /// `set_ecdh_curve`: the adapter checked the name is one OpenSSL knows.
    pub fn set_ecdh_curve(&self, name: &str) {
        self.config.set_ecdh_curve(name);
    }

    /// `set_ciphers`: OpenSSL's cipher-list language over rustls' suites (see [`ciphers`]).
    pub fn set_ciphers(&self, cipherlist: &str) -> Result<(), Error> {
        let chosen = ciphers::select(cipherlist)
            .ok_or_else(|| ssl_error(SslErrorKind::Ssl, "", "No cipher can be selected."))?;
        let names: Vec<String> = chosen.iter().map(|&i| ciphers::SUITES[i].name.to_string()).collect();
        self.config.set_tls12_ciphers(&names);
        *self.tls12_suites.borrow_mut() = chosen;
        Ok(())
    }

    /// `get_ciphers()`: the TLS 1.3 suites, then the TLS 1.2 ones `set_ciphers` chose.
    pub fn ciphers(&self) -> Vec<&'static ciphers::Suite> {
        let tls13 = ciphers::SUITES.iter().filter(|s| s.tls13);
        tls13.chain(self.tls12_suites.borrow().iter().map(|&i| &ciphers::SUITES[i])).collect()
    }

    pub fn set_sni_callback(&self, present: bool) -> Result<(), Error> {
        if self.protocol == PROTOCOL_TLS_CLIENT {
            return Err(value("sni_callback cannot be set on TLS_CLIENT context"));
        }
        self.config.set_sni_callback(present);
        Ok(())
    }

    pub fn num_tickets(&self) -> i64 {
        self.num_tickets.get()
    }

    pub fn set_num_tickets(&self, count: i64) -> Result<(), Error> {
        if count < 0 {
            return Err(value("value must be non-negative"));
        }
        if self.protocol != PROTOCOL_TLS_SERVER {
            return Err(value("SSLContext is not a server context."));
        }
        self.num_tickets.set(count);
        self.push_settings();
        Ok(())
    }

    /// `session_stats()`, in OpenSSL's order; renegotiation and timeouts never happen here.
    pub fn session_stats(&self) -> Vec<(String, u64)> {
        let s = self.config.session_stats();
        [
            ("number", s.number),
            ("connect", s.connect),
            ("connect_good", s.connect_good),
            ("connect_renegotiate", 0),
            ("accept", s.accept),
            ("accept_good", s.accept_good),
            ("accept_renegotiate", 0),
            ("hits", s.hits),
            ("misses", s.misses),
            ("timeouts", 0),
            ("cache_full", s.cache_full),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// `_ssl.SSLSession`: a host session and the context it came from.
pub struct SslSession<T: Tls> {
    session: T::Session,
    context: u64,
}

impl<T: Tls> SslSession<T> {
    pub fn id(&self) -> Vec<u8> {
        self.session.id()
    }
    pub fn time(&self) -> u64 {
        self.session.time()
    }
    pub fn timeout(&self) -> u32 {
        self.session.timeout()
    }
    pub fn ticket_lifetime_hint(&self) -> u32 {
        self.session.ticket_lifetime_hint()
    }
    pub fn has_ticket(&self) -> bool {
        self.session.has_ticket()
    }
}

/// `_ssl.MemoryBIO`: bytes in one direction between an SSLObject and whatever carries them.
#[derive(Default)]
pub struct Bio {
    buf: Vec<u8>,
    eof: bool,
}

/// A MemoryBIO shared by its Python object and the SSLObject that uses it.
pub type SharedBio = Rc<RefCell<Bio>>;

impl Bio {
    pub fn pending(&self) -> u64 {
        self.buf.len() as u64
    }

    /// CPython's `eof`: write_eof() was called and nothing is left to read.
    pub fn eof(&self) -> bool {
        self.eof && self.buf.is_empty()
    }

    pub fn read(&mut self, size: i64) -> Vec<u8> {
        let n = if size < 0 { self.buf.len() } else { (size as usize).min(self.buf.len()) };
        self.buf.drain(..n).collect()
    }

    pub fn write(&mut self, data: &[u8]) -> Result<u64, Error> {
        if self.eof {
            return Err(ssl_error(SslErrorKind::Ssl, "", "cannot write() after write_eof()"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len() as u64)
    }

    pub fn write_eof(&mut self) {
        self.eof = true;
    }
}

/// `_ssl._SSLSocket`: one TLS session over a socket, or over two MemoryBIOs (an SSLObject).
pub struct SslSocket<T: Tls> {
    conn: T::Connection,
    server_side: bool,
    server_hostname: Option<String>,
    verify: Cell<bool>,
    /// The context it was made with, for [`SslSession`]s.
    context: u64,
    /// The context's suites in its order, for a server's `shared_ciphers()`.
    ciphers: RefCell<Vec<&'static ciphers::Suite>>,
    /// What `sni_callback` refused with (or the chosen context's failure): raised once the alert is out.
    refused: RefCell<Option<Error>>,
    /// (incoming, outgoing) for an SSLObject.
    bios: Option<(SharedBio, SharedBio)>,
    /// Plaintext of an interrupted `write` that the engine already took. OpenSSL's contract is that
    /// the caller retries with the same buffer after SSLWantWriteError; the retry must finish it, not
    /// encrypt it again.
    in_flight: Cell<Option<usize>>,
    /// `unwrap()` sent close_notify: writes are refused and a closed read is an error, not `b''`
    /// (OpenSSL's SSL_SENT_SHUTDOWN).
    shut_down: Cell<bool>,
    /// A handshake, read or write failed for good (OpenSSL's fatal state), and how: later calls
    /// raise what OpenSSL gives in that state, whatever the first error was (see `after_failure`).
    broken: Cell<Option<Failure>>,
}

/// How a session failed for good.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Failure {
    /// This side found the fault (and sent the fatal alert), or the transport ended.
    Here,
    /// The peer's fatal alert ended it. OpenSSL marks that as the peer's shutdown
    /// (SSL_RECEIVED_SHUTDOWN) with no warning alert stored, which SSL_get_error reads as
    /// SSL_ERROR_ZERO_RETURN from then on.
    PeerAlert,
}

impl Failure {
    fn of(e: &SslError) -> Option<Failure> {
        match e.kind {
            // OpenSSL names a received alert's reason `<version>_ALERT_<alert>`.
            SslErrorKind::Ssl if e.reason.contains("_ALERT_") => Some(Failure::PeerAlert),
            SslErrorKind::Ssl | SslErrorKind::CertVerification | SslErrorKind::Eof => Some(Failure::Here),
            _ => None,
        }
    }
}

impl<T: Tls> SslSocket<T> {
    pub fn wrap_bio(
        ctx: &Context<T>,
        incoming: SharedBio,
        outgoing: SharedBio,
        server_side: bool,
        server_hostname: Option<String>,
    ) -> Result<Self, Error> {
        let mut s = SslSocket::wrap(ctx, server_side, server_hostname)?;
        s.bios = Some((incoming, outgoing));
        Ok(s)
    }

    pub fn wrap(ctx: &Context<T>, server_side: bool, server_hostname: Option<String>) -> Result<Self, Error> {
        if server_side != (ctx.protocol == PROTOCOL_TLS_SERVER) && ctx.protocol != PROTOCOL_TLS && !fixed_version(ctx.protocol) {
            let which = if server_side { "server" } else { "client" };
            return Err(value(&format!("Cannot create a {which} socket with a PROTOCOL_TLS_{} context", if server_side { "CLIENT" } else { "SERVER" })));
        }
        let conn = T::Connection::open(&ctx.config, server_hostname.as_deref()).map_err(from_engine)?;
        Ok(SslSocket {
            conn,
            server_side,
            server_hostname,
            verify: Cell::new(ctx.verify_mode.get() != CERT_NONE),
            context: ctx.serial,
            ciphers: RefCell::new(ctx.ciphers()),
            refused: RefCell::new(None),
            bios: None,
            in_flight: Cell::new(None),
            shut_down: Cell::new(false),
            broken: Cell::new(None),
        })
    }

    pub fn server_side(&self) -> bool {
        self.server_side
    }

    /// Decrypted bytes ready to read (`pending()`).
    pub fn pending(&self) -> u32 {
        self.conn.pending()
    }

    /// "TLSv1.3" or "TLSv1.2" once the handshake is done.
    pub fn version(&self) -> Option<&'static str> {
        if self.conn.is_handshaking() {
            return None;
        }
        self.conn.protocol_version().map(|v| match v {
            ProtocolVersion::Tls13 => "TLSv1.3",
            ProtocolVersion::Tls12 => "TLSv1.2",
        })
    }

    /// `verify_client_post_handshake()`, whose checks come in SSL_verify_client_post_handshake's
    /// order. rustls cannot ask for a client's certificate after the handshake, so a TLS 1.3 server
    /// that passes them says so.
    pub fn verify_client_post_handshake(&self) -> Result<(), Error> {
        let refused = |reason: &str, message: &str| Err(ssl_error(SslErrorKind::Queued, reason, message));
        if self.version() != Some("TLSv1.3") {
            return refused("WRONG_SSL_VERSION", "wrong ssl version");
        }
        if !self.server_side {
            return refused("NOT_SERVER", "not server");
        }
        Err(library_error(SslErrorKind::Ssl, "SSL", "", "post-handshake authentication is not supported"))
    }

    /// `cipher()`: OpenSSL's name of the suite, the protocol and the secret bits.
    pub fn cipher(&self) -> Option<(String, String, u32)> {
        self.conn.cipher()
    }

    pub fn selected_alpn_protocol(&self) -> Option<String> {
        self.conn.alpn_protocol().map(|p| String::from_utf8_lossy(&p).into_owned())
    }

    /// The peer's certificate chain in DER, leaf first; empty before the handshake.
    pub fn peer_certificates(&self) -> Vec<Vec<u8>> {
        self.conn.peer_certificates()
    }

    pub fn server_hostname(&self) -> Option<String> {
        self.server_hostname.clone()
    }

    /// Whether the peer's certificate was checked (a client with verification, or a server that
    /// asked for and received a client certificate).
    pub fn verified(&self) -> bool {
        self.verify.get() && !self.conn.is_handshaking() && !self.conn.peer_certificates().is_empty()
    }

    /// After an `sni_callback` pause: continue as `ctx` says (the callback may have switched it).
    pub fn choose_context(&self, ctx: &Context<T>) {
        self.verify.set(ctx.verify_mode.get() != CERT_NONE);
        *self.ciphers.borrow_mut() = ctx.ciphers();
        if let Err(e) = self.conn.accept_hello(&ctx.config) {
            *self.refused.borrow_mut() = Some(from_engine(e));
        }
    }

    /// After an `sni_callback` pause: it returned `alert` (OpenSSL takes any int; others become
    /// handshake_failure).
    pub fn refuse_handshake(&self, alert: i64) {
        let alert = u8::try_from(alert).unwrap_or(ALERT_DESCRIPTION_HANDSHAKE_FAILURE);
        *self.refused.borrow_mut() = Some(from_engine(self.conn.refuse_hello(alert)));
    }

    /// Raised where the handshake would wait: it cannot go on until the adapter ran `sni_callback`,
    /// or the callback refused.
    fn check_paused(&self) -> Result<(), Error> {
        if let Some(e) = &*self.refused.borrow() {
            return Err(e.clone());
        }
        match self.conn.client_hello() {
            Some(server_name) => Err(Error::SniCallback(server_name)),
            None => Ok(()),
        }
    }

    /// `session = ...`, with CPython's checks in CPython's order.
    pub fn set_session(&self, session: &SslSession<T>) -> Result<(), Error> {
        if session.context != self.context {
            return Err(value("Session refers to a different SSLContext."));
        }
        if self.server_side {
            return Err(value("Cannot set session for server-side SSLSocket."));
        }
        if !self.conn.is_handshaking() {
            return Err(value("Cannot set session after handshake."));
        }
        // Once the ClientHello is out OpenSSL takes the session and cannot use it; so do we.
        let _ = self.conn.set_session(&session.session);
        Ok(())
    }

    pub fn session(&self) -> Option<SslSession<T>> {
        Some(SslSession { session: self.conn.session()?, context: self.context })
    }

    pub fn session_reused(&self) -> bool {
        self.conn.session_reused()
    }

    /// `shared_ciphers()`: on a server after the handshake, its suites that the client offered, in
    /// the server's order; None otherwise, as OpenSSL knows the client's list only on a server.
    pub fn shared_ciphers(&self) -> Option<Vec<(String, String, u32)>> {
        if !self.server_side || self.conn.is_handshaking() {
            return None;
        }
        let offered = self.conn.offered_ciphers();
        let ours = self.ciphers.borrow();
        let shared = ours.iter().filter(|s| offered.iter().any(|o| o == s.name));
        Some(shared.map(|s| (s.name.to_string(), s.protocol().to_string(), s.bits)).collect())
    }
}

/// Where one SSL call moves ciphertext: its socket (with the mode and the call's one deadline), or
/// an SSLObject's MemoryBIOs, which never wait.
enum Io<'a, H: Host> {
    Socket { core: &'a Core<H>, sock: &'a H::Socket, mode: Mode, deadline: Option<Duration>, op: Op },
    Bio { incoming: SharedBio, outgoing: SharedBio },
}

/// Which SSL call is running, for CPython's timeout messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Handshake,
    Read,
    Write,
}

impl Op {
    fn timed_out(self) -> Error {
        let what = match self {
            Op::Handshake => "handshake",
            Op::Read => "read",
            Op::Write => "write",
        };
        Error::Timeout(format!("The {what} operation timed out"))
    }
}

/// A socket's error in a read or write, as CPython reports it: SSL_read_ex and SSL_write_ex return 0
/// with no OpenSSL error queued, which `_ssl.c` reads as SSLEOFError, the errno lost (a reset
/// connection's `recv` is `b''` with `suppress_ragged_eofs`). The session is not failed: the next
/// call tries the socket again. pysock's own refusals (a quota) keep their OSError.
fn socket_error_as_eof(e: Error) -> Error {
    match e {
        Error::Os(os) if !os.host_reason => ssl_error(SslErrorKind::Eof, "", "EOF occurred in violation of protocol"),
        other => other,
    }
}

fn want_read() -> Error {
    ssl_error(SslErrorKind::WantRead, "", "The operation did not complete (read)")
}

impl<'a, H: Host> Io<'a, H> {
    fn new(core: &'a Core<H>, obj: Option<&SockObj>, ssl: &SslSocket<H::Tls>, op: Op) -> Result<Self, Error> {
        if let Some((incoming, outgoing)) = &ssl.bios {
            return Ok(Io::Bio { incoming: incoming.clone(), outgoing: outgoing.clone() });
        }
        let obj = obj.ok_or_else(|| value("Underlying socket connection gone"))?;
        let sock = core.get(obj.fd).ok_or_else(|| os(Errno::Ebadf))?;
        let mode = Mode::of(obj.timeout);
        let deadline = match mode {
            Mode::Deadline(t) => Some(timeout::deadline(&core.host, t)),
            _ => None,
        };
        Ok(Io::Socket { core, sock, mode, deadline, op })
    }

    fn blocked(e: CallError, kind: SslErrorKind, op: Op) -> Error {
        match e {
            CallError::Os(Errno::Eagain) if kind == SslErrorKind::WantRead => want_read(),
            CallError::Os(Errno::Eagain) => ssl_error(kind, "", "The operation did not complete (write)"),
            CallError::Os(code) => os(code),
            CallError::Timeout => op.timed_out(),
            CallError::Raised => Error::Raised,
            CallError::HandBack => Error::HandBack,
        }
    }

    /// Sends everything the engine wants sent: into the outgoing MemoryBIO, or (in the host) on
    /// the socket, waiting as the socket's mode says while it cannot take more.
    fn flush(&mut self, ssl: &SslSocket<H::Tls>) -> Result<(), Error> {
        match self {
            Io::Bio { outgoing, .. } => loop {
                let ciphertext = ssl.conn.transmit(CHUNK);
                if ciphertext.is_empty() {
                    return Ok(());
                }
                outgoing.borrow_mut().buf.extend_from_slice(&ciphertext);
            },
            Io::Socket { core, sock, mode, deadline, op } => {
                let sock = *sock;
                let all_sent = || match ssl.conn.flush_to(sock) {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(Errno::Eagain),
                    Err(e) => Err(e),
                };
                timeout::ssl_call(&core.host, sock, Events::WRITABLE, *mode, *deadline, all_sent)
                    .map_err(|e| Self::blocked(e, SslErrorKind::WantWrite, *op))
            }
        }
    }

    /// On a socket with a timeout, waits until it takes more or the call's deadline passes, as
    /// CPython's write does before SSL_write (PySSL_select); other modes do not wait here.
    fn wait_writable(&mut self) -> Result<(), Error> {
        match self {
            Io::Socket { core, sock, mode: mode @ Mode::Deadline(_), deadline, op } => {
                timeout::wait(&core.host, *sock, Events::WRITABLE, *mode, deadline)
                    .map_err(|e| Self::blocked(e, SslErrorKind::WantWrite, *op))
            }
            _ => Ok(()),
        }
    }

    /// Sends what the transport takes now, for a read: waiting for our own writes to drain could
    /// deadlock two peers that both have full buffers, and SSL_read does not wait for them either.
    fn flush_some(&mut self, ssl: &SslSocket<H::Tls>) -> Result<(), Error> {
        match self.flush(ssl) {
            Err(Error::Ssl(e)) if e.kind == SslErrorKind::WantWrite => Ok(()),
            other => other,
        }
    }

    /// Feeds the engine what the transport has; an empty read tells it the transport ended.
    fn fill(&mut self, ssl: &SslSocket<H::Tls>) -> Result<(), Error> {
        ssl.check_paused()?;
        let received = match self {
            Io::Bio { incoming, .. } => {
                let data = {
                    let mut bio = incoming.borrow_mut();
                    if bio.buf.is_empty() && !bio.eof {
                        return Err(want_read());
                    }
                    std::mem::take(&mut bio.buf)
                };
                ssl.conn.receive(&data)
            }
            Io::Socket { core, sock, mode, deadline, op } => {
                let sock = *sock;
                // A blocking socket's bytes are waited for in the host's receive, as `recv`'s are.
                let waits = *mode == Mode::Blocking;
                // The socket's errors drive the wait; the engine's come back as a value.
                let from_socket = || match ssl.conn.fill_from(sock, waits) {
                    Ok(_) => Ok(Ok(())),
                    Err(FillError::Socket(e)) => Err(e),
                    Err(FillError::Engine(e)) => Ok(Err(e)),
                };
                timeout::ssl_call(&core.host, sock, Events::READABLE, *mode, *deadline, from_socket)
                    .map_err(|e| Self::blocked(e, SslErrorKind::WantRead, *op))?
            }
        };
        if let Err(e) = received {
            // The engine may have an alert for the peer; pass it on if the transport takes it.
            let _ = self.flush(ssl);
            return Err(from_engine(e));
        }
        ssl.check_paused()
    }
}

impl<H: Host> Core<H> {
    /// Records whether `ssl`'s socket has decrypted bytes waiting after a call. OpenSSL keeps the
    /// rest of a record after a short read, and select() on the socket then says "not readable"
    /// although recv() would return data; pysock's select and poll count those bytes as readable.
    fn note_tls_buffered(&self, obj: Option<&SockObj>, ssl: &SslSocket<H::Tls>) {
        let Some(obj) = obj.filter(|_| ssl.bios.is_none()) else { return };
        let mut buffered = self.tls_buffered.borrow_mut();
        if ssl.conn.pending() > 0 {
            buffered.insert(obj.fd);
        } else {
            buffered.remove(&obj.fd);
        }
    }

    /// Notes a fatal failure of `result` in `ssl` (see [`SslSocket::broken`]).
    fn fatal<T>(ssl: &SslSocket<H::Tls>, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(Error::Ssl(e)) = &result {
            if let Some(failure) = Failure::of(e) {
                ssl.broken.set(Some(failure));
            }
        }
        result
    }

    /// What a call on a broken session raises instead of doing anything. After the peer's alert,
    /// SSL_ERROR_ZERO_RETURN (a read of it is `b''`, in [`Self::ssl_read`]). Otherwise CPython's
    /// reading of SSL_ERROR_SYSCALL with no error queued: SSL_read_ex and SSL_write_ex return 0,
    /// which is SSLEOFError; SSL_do_handshake returns -1, which is SSLEOFError on a socket (no
    /// errno) and SSLSyscallError on an SSLObject (no socket).
    fn after_failure(ssl: &SslSocket<H::Tls>, op: Op) -> Result<(), Error> {
        match ssl.broken.get() {
            None => Ok(()),
            Some(Failure::PeerAlert) => {
                Err(ssl_error(SslErrorKind::ZeroReturn, "", "TLS/SSL connection has been closed (EOF)"))
            }
            Some(Failure::Here) if op == Op::Handshake && ssl.bios.is_some() => {
                Err(ssl_error(SslErrorKind::Syscall, "", "Some I/O error occurred"))
            }
            Some(Failure::Here) => Err(ssl_error(SslErrorKind::Eof, "", "EOF occurred in violation of protocol")),
        }
    }

    pub fn ssl_handshake(&self, obj: Option<&SockObj>, ssl: &SslSocket<H::Tls>) -> Result<(), Error> {
        let mut io = Io::new(self, obj, ssl, Op::Handshake)?;
        Self::after_failure(ssl, Op::Handshake)?;
        Self::fatal(ssl, self.handshake(&mut io, obj, ssl))
    }

    fn handshake(&self, io: &mut Io<'_, H>, obj: Option<&SockObj>, ssl: &SslSocket<H::Tls>) -> Result<(), Error> {
        let result = loop {
            if let Err(e) = io.flush(ssl) {
                break Err(e);
            }
            if !ssl.conn.is_handshaking() {
                break Ok(());
            }
            if let Err(e) = io.fill(ssl) {
                break Err(e);
            }
        };
        // Application data can arrive with the last handshake flight.
        self.note_tls_buffered(obj, ssl);
        result
    }

    pub fn ssl_read(&self, obj: Option<&SockObj>, ssl: &SslSocket<H::Tls>, len: i64) -> Result<Vec<u8>, Error> {
        if len < 0 {
            return Err(value("size should not be negative"));
        }
        let mut io = Io::new(self, obj, ssl, Op::Read)?;
        match Self::after_failure(ssl, Op::Read) {
            // As a clean close_notify reads (below).
            Err(Error::Ssl(e)) if e.kind == SslErrorKind::ZeroReturn && !ssl.shut_down.get() => return Ok(Vec::new()),
            other => other?,
        }
        Self::fatal(ssl, self.read(&mut io, obj, ssl, len)).map_err(socket_error_as_eof)
    }

    fn read(&self, io: &mut Io<'_, H>, obj: Option<&SockObj>, ssl: &SslSocket<H::Tls>, len: i64) -> Result<Vec<u8>, Error> {
        let result = loop {
            match ssl.conn.read(len.min(u32::MAX as i64) as u32) {
                Ok(data) => break Ok(data),
                // A clean close_notify reads as b'' while this side has not sent its own (CPython
                // checks for SSL_RECEIVED_SHUTDOWN alone); after unwrap() it is SSLZeroReturnError.
                Err(e) if e.kind == TlsErrorKind::ZeroReturn && !ssl.shut_down.get() => break Ok(Vec::new()),
                Err(e) if e.kind == TlsErrorKind::WantRead => {
                    if let Err(e) = io.flush_some(ssl).and_then(|()| io.fill(ssl)) {
                        break Err(e);
                    }
                }
                Err(e) => break Err(from_engine(e)),
            }
        };
        self.note_tls_buffered(obj, ssl);
        result
    }

    pub fn ssl_write(&self, obj: Option<&SockObj>, ssl: &SslSocket<H::Tls>, data: &[u8]) -> Result<u64, Error> {
        let mut io = Io::new(self, obj, ssl, Op::Write)?;
        if ssl.shut_down.get() {
            return Err(ssl_error(SslErrorKind::Ssl, "PROTOCOL_IS_SHUTDOWN", "protocol is shutdown"));
        }
        if ssl.in_flight.get().is_some_and(|taken| taken > data.len()) {
            // A retry with less than the engine already took from the first buffer: OpenSSL fails
            // it (checking before its fatal state) rather than count bytes as written that never were.
            io.wait_writable()?;
            return Self::fatal(ssl, Err(ssl_error(SslErrorKind::Ssl, "BAD_LENGTH", "bad length")));
        }
        Self::after_failure(ssl, Op::Write)?;
        Self::fatal(ssl, self.write(&mut io, ssl, data)).map_err(socket_error_as_eof)
    }

    fn write(&self, io: &mut Io<'_, H>, ssl: &SslSocket<H::Tls>, data: &[u8]) -> Result<u64, Error> {
        if ssl.conn.is_handshaking() {
            loop {
                io.flush(ssl)?;
                if !ssl.conn.is_handshaking() {
                    break;
                }
                io.fill(ssl)?;
            }
        }
        let mut taken = ssl.in_flight.take().unwrap_or(0);
        loop {
            // Recorded before each flush: a WantWriteError leaves it for the retry.
            ssl.in_flight.set(Some(taken));
            io.flush(ssl)?;
            if taken >= data.len() {
                break;
            }
            taken += ssl.conn.write(&data[taken..]).map_err(from_engine)? as usize;
        }
        ssl.in_flight.set(None);
        Ok(taken as u64)
    }

    /// `unwrap()`: send close_notify, then wait for the peer's.
    pub fn ssl_shutdown(&self, obj: Option<&SockObj>, ssl: &SslSocket<H::Tls>) -> Result<(), Error> {
        let mut io = Io::new(self, obj, ssl, Op::Read)?;
        // OpenSSL's fatal state counts as "in init" too.
        if ssl.conn.is_handshaking() || ssl.broken.get().is_some() {
            return Err(ssl_error(SslErrorKind::Ssl, "SHUTDOWN_WHILE_IN_INIT", "shutdown while in init"));
        }
        ssl.conn.close();
        ssl.shut_down.set(true);
        io.flush(ssl)?;
        loop {
            match ssl.conn.read(CHUNK) {
                Ok(data) if data.is_empty() => {}
                // The program's data, unread when it asked to shut down, or sent by the peer before
                // its own close_notify: OpenSSL fails the session rather than drop it.
                Ok(_) => {
                    let unread = ssl_error(SslErrorKind::Ssl, "APPLICATION_DATA_AFTER_CLOSE_NOTIFY", "application data after close notify");
                    return Self::fatal(ssl, Err(unread));
                }
                Err(e) if e.kind == TlsErrorKind::WantRead => io.fill(ssl)?,
                Err(e) if matches!(e.kind, TlsErrorKind::ZeroReturn | TlsErrorKind::Eof) => return Ok(()),
                Err(e) => return Err(from_engine(e)),
            }
        }
    }
}
