//! The `pysock:net/tls` interface: a sans-I/O TLS engine on rustls, shaped for CPython's `ssl`.
//!
//! Nothing here touches a socket or mio. A [`TlsConnection`] takes ciphertext in (`receive`) and
//! hands ciphertext out (`transmit`); the guest moves those bytes over a socket for an SSL socket or
//! through MemoryBIOs for an SSLObject. That keeps the engine testable over in-memory pipes and
//! lets one implementation serve both of CPython's TLS objects.
//!
//! Verification follows CPython's two knobs rather than rustls' single verifier: `verify_mode`
//! decides whether the peer's chain must lead to a trust anchor, `check_hostname` whether the
//! certificate must name the server. Failures carry OpenSSL's verify codes, which CPython users read.

mod legacy_pem;
mod sessions;

use crate::PysockCtxView;
use crate::bindings::pysock::net::tls::{
    ClientHello, Error, ErrorKind, FillError, HostConfig, HostConnection, HostSession, ProtocolVersion, SessionStats as Stats,
    VerifyMode,
};
use crate::error::{NetError, guarded};
use rustls::server::{Accepted, Acceptor, ProducesTickets};
pub use sessions::TlsSession;
use sessions::{ConnectionStore, ServerCache, SessionStats, count};
use std::sync::OnceLock;
use std::sync::atomic::Ordering;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::io::{Read, Write};
use std::sync::Arc;
use wasmtime::component::Resource;

/// The most bytes one `read` or `transmit` hands back, whatever length the guest asked for.
const MAX_CHUNK: u32 = 1 << 20;

/// OpenSSL's verify codes that rustls' certificate errors correspond to.
mod verify_code {
    pub const CERT_NOT_YET_VALID: i32 = 9;
    pub const CERT_HAS_EXPIRED: i32 = 10;
    pub const DEPTH_ZERO_SELF_SIGNED_CERT: i32 = 18;
    pub const SELF_SIGNED_CERT_IN_CHAIN: i32 = 19;
    pub const CERT_SIGNATURE_FAILURE: i32 = 7;
    pub const UNABLE_TO_GET_ISSUER_CERT_LOCALLY: i32 = 20;
    pub const CERT_REVOKED: i32 = 23;
    pub const INVALID_PURPOSE: i32 = 26;
    /// OpenSSL 3.0 numbers "invalid CA certificate" (a chain through a certificate without the CA
    /// flag) 79.
    pub const INVALID_CA: i32 = 79;
    pub const HOSTNAME_MISMATCH: i32 = 62;
    pub const IP_ADDRESS_MISMATCH: i32 = 64;
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A fatal alert record as sent before encryption starts (a refused ClientHello).
fn plaintext_alert(description: u8) -> [u8; 7] {
    [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description]
}

/// An `ssl.SSLError` (or subclass) value from OpenSSL's SSL library; with no reason, a status
/// such as want-read that OpenSSL reports without an error code.
pub fn error(kind: ErrorKind, reason: &str, message: &str) -> Error {
    error_in(if reason.is_empty() { "" } else { "SSL" }, kind, reason, message)
}

/// An error that OpenSSL reports from another library (X509, PEM).
pub fn error_in(library: &str, kind: ErrorKind, reason: &str, message: &str) -> Error {
    Error {
        kind,
        library: library.into(),
        reason: reason.into(),
        message: message.into(),
        verify_code: 0,
        verify_message: String::new(),
    }
}

/// What default contexts in the sandbox trust: the embedder's choice, since the sandbox has no
/// system store of its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DefaultTrust {
    /// Nothing: sandboxed code trusts only the CAs it loads itself.
    #[default]
    None,
    /// The certificates in a PEM bundle on the host.
    PemFile(std::path::PathBuf),
    /// The host's system store (rustls-native-certs: SSL_CERT_FILE, SSL_CERT_DIR, or the platform's).
    System,
}

/// The default trust anchors, read from their source on first use and then kept.
pub struct TrustAnchors {
    source: DefaultTrust,
    loaded: Option<Result<DefaultAnchors, String>>,
}

/// What `set_default_verify_paths` adds, in DER. OpenSSL reads its CA file when a context loads the
/// defaults but looks a certificate in its CA directory up only while verifying one, so
/// `cert_store_stats()` and `get_ca_certs()` count the file's certificates alone. rustls has no
/// such lookup: the directory's others are trusted at once, and the guest is told which they are.
#[derive(Clone, Debug, Default)]
pub struct DefaultAnchors {
    /// Held at once (a CA file's), as OpenSSL's X509_STORE holds them.
    pub held: Vec<Vec<u8>>,
    /// Found only in a CA directory.
    pub looked_up: Vec<Vec<u8>>,
}

impl TrustAnchors {
    pub fn new(source: DefaultTrust) -> Self {
        TrustAnchors { source, loaded: None }
    }

    /// The anchors, or why the configured source could not be read.
    pub fn get(&mut self) -> Result<&DefaultAnchors, String> {
        let source = &self.source;
        let loaded = self.loaded.get_or_insert_with(|| match source {
            DefaultTrust::None => Ok(DefaultAnchors::default()),
            DefaultTrust::PemFile(path) => {
                let pem = std::fs::read(path).map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
                let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok).map(|c| c.to_vec()).collect();
                if certs.is_empty() {
                    return Err(format!("no PEM certificates in the CA file {}", path.display()));
                }
                Ok(DefaultAnchors { held: certs, looked_up: Vec::new() })
            }
            DefaultTrust::System => {
                let found = rustls_native_certs::load_native_certs();
                if found.certs.is_empty() {
                    return Err(format!("no system CA certificates found ({:?})", found.errors.first()));
                }
                // The file OpenSSL would read: SSL_CERT_FILE, or the platform's bundle.
                let file = openssl_probe::probe().cert_file;
                let held: Vec<Vec<u8>> = rustls_native_certs::load_certs_from_paths(file.as_deref(), None)
                    .certs
                    .into_iter()
                    .map(|c| c.to_vec())
                    .collect();
                let looked_up = found.certs.into_iter().map(|c| c.to_vec()).filter(|c| !held.contains(c)).collect();
                Ok(DefaultAnchors { held, looked_up })
            }
        });
        match loaded {
            Ok(v) => Ok(v),
            Err(e) => Err(e.clone()),
        }
    }
}

/// Settings shared by connections (OpenSSL's SSL_CTX).
pub struct TlsConfig {
    server_side: bool,
    roots: Vec<CertificateDer<'static>>,
    identity: Option<(Vec<CertificateDer<'static>>, Arc<PrivateKeyDer<'static>>)>,
    verify_mode: VerifyMode,
    check_hostname: bool,
    versions: (ProtocolVersion, ProtocolVersion),
    alpn: Vec<Vec<u8>>,
    /// `set_ciphers`' TLS 1.2 choice, most preferred first; None keeps rustls' own.
    tls12_suites: Option<Vec<rustls::SupportedCipherSuite>>,
    tickets: (bool, u32),
    sni_callback: bool,
    /// `set_ecdh_curve`'s group, when rustls has it.
    group: Option<rustls::NamedGroup>,
    stats: Arc<SessionStats>,
    server_cache: Arc<ServerCache>,
    /// Made once per context, as OpenSSL's ticket keys are.
    ticketer: OnceLock<Arc<dyn ProducesTickets>>,
    /// The client settings, built once and reset by every setter: rustls resumes a session only
    /// with the same verifier and client-certificate resolver that established it.
    client: OnceLock<Arc<rustls::ClientConfig>>,
    /// `keylog_filename`'s lines, when set.
    key_log: Option<Arc<KeyLogLines>>,
}

/// Secrets as NSS key log lines (what OpenSSL's keylog callback writes and Wireshark reads), kept
/// for the guest, which owns the file.
#[derive(Debug, Default)]
struct KeyLogLines(std::sync::Mutex<Vec<String>>);

impl rustls::KeyLog for KeyLogLines {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let line = format!("{label} {} {}", hex(client_random), hex(secret));
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }
}

impl TlsConfig {
    /// CPython's defaults for PROTOCOL_TLS_CLIENT and PROTOCOL_TLS_SERVER.
    pub fn new(server_side: bool) -> TlsConfig {
        let stats = Arc::new(SessionStats::default());
        TlsConfig {
            server_side,
            roots: Vec::new(),
            identity: None,
            verify_mode: if server_side { VerifyMode::None } else { VerifyMode::Required },
            check_hostname: !server_side,
            versions: (ProtocolVersion::Tls12, ProtocolVersion::Tls13),
            alpn: Vec::new(),
            tls12_suites: None,
            tickets: (true, 2),
            sni_callback: false,
            group: None,
            server_cache: Arc::new(ServerCache::new(stats.clone())),
            stats,
            ticketer: OnceLock::new(),
            client: OnceLock::new(),
            key_log: None,
        }
    }

    /// Forgets the built client settings; the next connection builds them from the new ones.
    fn changed(&mut self) {
        self.client = OnceLock::new();
    }

    pub fn set_tls12_ciphers(&mut self, names: &[String]) {
        let all = provider().cipher_suites.clone();
        let chosen = names
            .iter()
            .filter_map(|n| all.iter().find(|s| s.version() == &rustls::version::TLS12 && openssl_cipher_name(s.suite()).0 == n))
            .copied()
            .collect();
        self.tls12_suites = Some(chosen);
        self.changed();
    }

    pub fn set_tickets(&mut self, enabled: bool, tls13_count: u32) {
        self.tickets = (enabled, tls13_count);
    }

    pub fn set_key_log(&mut self, enabled: bool) {
        self.key_log = enabled.then(Arc::default);
        self.changed();
    }

    pub fn take_key_log(&self) -> Vec<String> {
        let Some(lines) = &self.key_log else { return Vec::new() };
        std::mem::take(&mut *lines.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn set_sni_callback(&mut self, enabled: bool) {
        self.sni_callback = enabled;
    }

    /// OpenSSL's curve names for the groups rustls implements; other curves keep rustls' groups.
    pub fn set_ecdh_curve(&mut self, name: &str) {
        self.group = match name {
            "X25519" | "x25519" => Some(rustls::NamedGroup::X25519),
            "prime256v1" | "secp256r1" | "P-256" => Some(rustls::NamedGroup::secp256r1),
            "secp384r1" | "P-384" => Some(rustls::NamedGroup::secp384r1),
            _ => None,
        };
        self.changed();
    }

    pub fn session_stats(&self) -> Stats {
        let s = &self.stats;
        let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            number: self.server_cache.len() as u64,
            connect: get(&s.connect),
            connect_good: get(&s.connect_good),
            accept: get(&s.accept),
            accept_good: get(&s.accept_good),
            hits: get(&s.hits),
            misses: get(&s.misses),
            cache_full: get(&s.cache_full),
        }
    }

    /// The crypto provider with `set_ciphers`' TLS 1.2 suites, and only the suites of the versions
    /// in use: an OpenSSL client limited to TLS 1.2 offers no TLS 1.3 suites, and servers see that
    /// in `shared_ciphers()`.
    fn suites(&self) -> Arc<CryptoProvider> {
        let mut p = rustls::crypto::ring::default_provider();
        if let Some(tls12) = &self.tls12_suites {
            p.cipher_suites.retain(|s| s.version() == &rustls::version::TLS13);
            p.cipher_suites.extend(tls12.iter().copied());
        }
        if let Some(group) = self.group {
            p.kx_groups.retain(|g| g.name() == group);
        }
        let (lo, hi) = self.versions;
        p.cipher_suites.retain(|s| {
            let tls13 = s.version() == &rustls::version::TLS13;
            if tls13 { hi == ProtocolVersion::Tls13 } else { lo == ProtocolVersion::Tls12 }
        });
        Arc::new(p)
    }

    pub fn add_trust_pem(&mut self, pem: &[u8]) -> Result<u32, Error> {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|_| error_in("X509", ErrorKind::Ssl, "", "PEM lib"))?;
            self.add_trust_der(cert.to_vec())?;
            added += 1;
        }
        if added == 0 {
            return Err(error_in("X509", ErrorKind::Ssl, "NO_CERTIFICATE_OR_CRL_FOUND", "no certificate or crl found"));
        }
        Ok(added)
    }

    pub fn add_trust_der(&mut self, der: Vec<u8>) -> Result<(), Error> {
        let cert = CertificateDer::from(der);
        // Parse it now, so a bad certificate fails at load time as in OpenSSL, not at handshake.
        RootCertStore::empty()
            .add(cert.clone())
            .map_err(|_| error_in("X509", ErrorKind::Ssl, "", "PEM lib"))?;
        if !self.roots.contains(&cert) {
            self.roots.push(cert);
        }
        self.changed();
        Ok(())
    }

    /// Adds the default anchors, the held ones first, and returns how many of the certificates it
    /// added are held: those after them are the looked-up ones.
    pub fn add_default_anchors(&mut self, anchors: DefaultAnchors) -> u32 {
        let before = self.roots.len();
        for der in anchors.held {
            // A system store can hold certificates webpki cannot parse; OpenSSL skips those too.
            let _ = self.add_trust_der(der);
        }
        let held = self.roots.len() - before;
        for der in anchors.looked_up {
            let _ = self.add_trust_der(der);
        }
        held as u32
    }

    pub fn set_identity(&mut self, chain_pem: &[u8], key_pem: &[u8], password: Option<&[u8]>) -> Result<(), Error> {
        let chain: Vec<_> = CertificateDer::pem_slice_iter(chain_pem).filter_map(Result::ok).collect();
        if chain.is_empty() {
            return Err(error_in("SSL", ErrorKind::Ssl, "", "PEM lib"));
        }
        let key = private_key(key_pem, password)?;
        // Check that the key belongs to the certificate, as SSL_CTX_check_private_key does.
        let signer = provider()
            .key_provider
            .load_private_key(key.clone_key())
            .map_err(|_| error_in("SSL", ErrorKind::Ssl, "", "PEM lib"))?;
        let certified = rustls::sign::CertifiedKey::new(chain.clone(), signer);
        if certified.keys_match().is_err() {
            return Err(error_in("X509", ErrorKind::Ssl, "KEY_VALUES_MISMATCH", "key values mismatch"));
        }
        self.identity = Some((chain, Arc::new(key)));
        self.changed();
        Ok(())
    }

    /// CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED.
    pub fn set_verify_mode(&mut self, mode: VerifyMode) {
        self.verify_mode = mode;
        self.changed();
    }

    pub fn set_check_hostname(&mut self, check: bool) {
        self.check_hostname = check;
        self.changed();
    }

    /// minimum_version and maximum_version; a range with nothing in it fails when a connection opens.
    pub fn set_versions(&mut self, minimum: ProtocolVersion, maximum: ProtocolVersion) {
        self.versions = (minimum, maximum);
        self.changed();
    }

    pub fn set_alpn(&mut self, protocols: Vec<Vec<u8>>) {
        self.alpn = protocols;
        self.changed();
    }

    /// The chain a side sends: `chain`, as `load_cert_chain()` loaded it, or, when that is the
    /// certificate alone, the certificate and its issuers among the trusted certificates, up to
    /// one that issued itself, as OpenSSL completes it (its "auto chain"). A peer that trusts only
    /// the root can then follow a server's chain through an intermediate the server trusts.
    fn chain_to_send(&self, chain: &[CertificateDer<'static>]) -> Vec<CertificateDer<'static>> {
        let mut sent = chain.to_vec();
        if let [leaf] = chain {
            let mut last: &[u8] = leaf;
            while !der::is_self_issued(last) && sent.len() < 10 {
                let Some(issuer) = self.roots.iter().find(|t| der::may_have_issued(t, last)) else { break };
                sent.push(issuer.clone());
                last = issuer;
            }
        }
        sent
    }

    /// The trust anchors in DER, in the order they were added.
    pub fn trust_anchors(&self) -> Vec<Vec<u8>> {
        self.roots.iter().map(|c| c.to_vec()).collect()
    }

    fn root_store(&self) -> RootCertStore {
        let mut store = RootCertStore::empty();
        for cert in &self.roots {
            let _ = store.add(cert.clone());
        }
        store
    }

    fn protocol_versions(&self) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, Error> {
        let all = [(ProtocolVersion::Tls12, &rustls::version::TLS12), (ProtocolVersion::Tls13, &rustls::version::TLS13)];
        let rank = |v: ProtocolVersion| if v == ProtocolVersion::Tls12 { 0 } else { 1 };
        let (lo, hi) = (rank(self.versions.0), rank(self.versions.1));
        let chosen: Vec<_> = all.iter().filter(|(v, _)| (lo..=hi).contains(&rank(*v))).map(|(_, s)| *s).collect();
        if chosen.is_empty() {
            return Err(error(ErrorKind::Ssl, "NO_PROTOCOLS_AVAILABLE", "no protocols available"));
        }
        Ok(chosen)
    }

    /// The client settings, shared by this context's connections until a setter changes them.
    fn client_config(&self) -> Result<Arc<rustls::ClientConfig>, Error> {
        if let Some(c) = self.client.get() {
            return Ok(c.clone());
        }
        let c = Arc::new(self.build_client_config()?);
        let _ = self.client.set(c.clone());
        Ok(c)
    }

    fn build_client_config(&self) -> Result<rustls::ClientConfig, Error> {
        let verifier = Arc::new(PythonServerVerifier {
            roots: Arc::new(self.root_store()),
            trusted: self.roots.clone().into(),
            verify: self.verify_mode != VerifyMode::None,
            check_hostname: self.check_hostname,
            algorithms: provider().signature_verification_algorithms,
        });
        let builder = rustls::ClientConfig::builder_with_provider(self.suites())
            .with_protocol_versions(&self.protocol_versions()?)
            .map_err(|e| tls_error(&e, None))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match &self.identity {
            Some((chain, key)) => builder
                .with_client_auth_cert(self.chain_to_send(chain), key.clone_key())
                .map_err(|e| tls_error(&e, None))?,
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = self.alpn.clone();
        if let Some(lines) = &self.key_log {
            config.key_log = lines.clone();
        }
        Ok(config)
    }

    fn server_config(&self) -> Result<rustls::ServerConfig, Error> {
        let Some((chain, key)) = &self.identity else {
            // OpenSSL fails the handshake this way when a server context has no certificate.
            return Err(error(ErrorKind::Ssl, "NO_SHARED_CIPHER", "no shared cipher"));
        };
        let builder = rustls::ServerConfig::builder_with_provider(self.suites())
            .with_protocol_versions(&self.protocol_versions()?)
            .map_err(|e| tls_error(&e, None))?;
        let builder = if self.verify_mode == VerifyMode::None {
            builder.with_no_client_auth()
        } else {
            let roots = Arc::new(self.root_store());
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(roots, provider());
            let verifier = if self.verify_mode == VerifyMode::Optional { verifier.allow_unauthenticated() } else { verifier };
            let verifier = verifier
                .build()
                .map_err(|_| error(ErrorKind::Ssl, "NO_CERTIFICATE_OR_CRL_FOUND", "no client certificate CA names"))?;
            builder.with_client_cert_verifier(Arc::new(PythonClientVerifier { inner: verifier, trusted: self.roots.clone().into() }))
        };
        let mut config = builder.with_single_cert(self.chain_to_send(chain), key.clone_key()).map_err(|e| tls_error(&e, None))?;
        config.alpn_protocols = self.alpn.clone();
        // OP_CIPHER_SERVER_PREFERENCE, which CPython's contexts set.
        config.ignore_client_order = true;
        config.session_storage = self.server_cache.clone();
        let (tickets, tls13_count) = self.tickets;
        if tickets {
            if let Some(t) = self.ticketer.get().cloned().or_else(|| rustls::crypto::ring::Ticketer::new().ok()) {
                config.ticketer = self.ticketer.get_or_init(|| t).clone();
            }
        }
        config.send_tls13_tickets = tls13_count as usize;
        if let Some(lines) = &self.key_log {
            config.key_log = lines.clone();
        }
        Ok(config)
    }
}

/// The private key in `pem`: plain (PKCS#8, PKCS#1, SEC1), encrypted PKCS#8 as OpenSSL 3 writes it,
/// or OpenSSL's traditional encryption (see [`legacy_pem`]), opened with `password`. A wrong or
/// missing password fails as OpenSSL's does.
fn private_key(pem: &[u8], password: Option<&[u8]>) -> Result<PrivateKeyDer<'static>, Error> {
    use pkcs8::der::Decode;
    let pem_lib = || error_in("SSL", ErrorKind::Ssl, "", "PEM lib");
    let no_password = || error(ErrorKind::Ssl, "BAD_PASSWORD_READ", "the private key is encrypted and no password was given");
    let text = std::str::from_utf8(pem).map_err(|_| pem_lib())?;
    const BEGIN: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    const END: &str = "-----END ENCRYPTED PRIVATE KEY-----";
    let Some(start) = text.find(BEGIN) else {
        if legacy_pem::is_legacy_encrypted(text) {
            return legacy_pem::decrypt(text, password).map_err(|e| match e {
                legacy_pem::LegacyPemError::Malformed => pem_lib(),
                legacy_pem::LegacyPemError::NoPassword => no_password(),
                // OpenSSL's queue ends with PEM lib, under its "bad decrypt", and CPython reports the last.
                legacy_pem::LegacyPemError::BadDecrypt => pem_lib(),
            });
        }
        return PrivateKeyDer::from_pem_slice(pem).map_err(|_| pem_lib());
    };
    let block = &text[start..text[start..].find(END).map(|e| start + e + END.len()).ok_or_else(pem_lib)?];
    let (_, der) = pkcs8::der::pem::decode_vec(block.as_bytes()).map_err(|_| pem_lib())?;
    let encrypted = pkcs8::EncryptedPrivateKeyInfo::from_der(&der).map_err(|_| pem_lib())?;
    let password = password.ok_or_else(no_password)?;
    let plain = encrypted.decrypt(password).map_err(|_| pem_lib())?;
    Ok(PrivateKeyDer::Pkcs8(plain.as_bytes().to_vec().into()))
}

/// A server-certificate check with CPython's two settings (see the module docs).
#[derive(Debug)]
struct PythonServerVerifier {
    roots: Arc<RootCertStore>,
    /// The same certificates as `roots`, whole, for [`Peer::as_openssl_says`].
    trusted: Arc<[CertificateDer<'static>]>,
    verify: bool,
    check_hostname: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PythonServerVerifier {
    /// webpki's verdict on the peer's chain at `now`, with OpenSSL's where webpki refuses what
    /// OpenSSL accepts or names a failure differently.
    fn verify_at(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = if self.roots.is_empty() {
            Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))
        } else {
            let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(self.roots.clone(), provider())
                .build()
                .map_err(|e| rustls::Error::General(e.to_string()))?;
            inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        };
        let peer = Peer { trusted: &self.trusted, end_entity, intermediates, purpose: Purpose::TlsServer, now };
        peer.as_openssl_says(result.map(drop), self.check_hostname.then_some(server_name)).map(|()| ServerCertVerified::assertion())
    }
}

/// A client-certificate check: webpki's, with OpenSSL's verdict where the two differ
/// ([`Peer::as_openssl_says`]).
#[derive(Debug)]
struct PythonClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    trusted: Arc<[CertificateDer<'static>]>,
}

impl ClientCertVerifier for PythonClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let peer = Peer { trusted: &self.trusted, end_entity, intermediates, purpose: Purpose::TlsClient, now };
        let verdict = self.inner.verify_client_cert(end_entity, intermediates, now).map(drop);
        peer.as_openssl_says(verdict, None).map(|()| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// What a certificate is presented for, as OpenSSL's purpose checks name it.
#[derive(Clone, Copy)]
enum Purpose {
    TlsServer,
    TlsClient,
}

/// A peer's certificates as a verifier is given them, and what they are checked for.
struct Peer<'a> {
    trusted: &'a [CertificateDer<'a>],
    end_entity: &'a CertificateDer<'a>,
    intermediates: &'a [CertificateDer<'a>],
    purpose: Purpose,
    now: UnixTime,
}

impl Peer<'_> {
    /// webpki's `verdict` on the peer's chain, or OpenSSL's where the two differ: a peer's own
    /// certificate with the CA flag, which webpki refuses ([`Peer::verify_ca_flagged`]); a chain
    /// that reaches no trusted certificate, which OpenSSL names after where it ends
    /// ([`untrusted_chain_error`]); and a signature that fails because webpki tried an issuer
    /// whose key identifier OpenSSL would have seen differs ([`chain_to_trust`]). `name` is the
    /// server's name when it is checked.
    fn as_openssl_says(&self, verdict: Result<(), rustls::Error>, name: Option<&ServerName<'_>>) -> Result<(), rustls::Error> {
        let openssl = match verdict {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(refusal))) if is_ca_refusal(&refusal) => {
                self.verify_ca_flagged(name)
            }
            Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
                Err(untrusted_chain_error(self.end_entity, self.intermediates))
            }
            Err(rustls::Error::InvalidCertificate(CertificateError::BadSignature)) => {
                Err(chain_to_trust(self.trusted, self.end_entity, self.intermediates).err().unwrap_or(CertificateError::BadSignature))
            }
            other => return other,
        };
        openssl.map_err(rustls::Error::InvalidCertificate)
    }

    /// A peer's certificate that has the CA flag, which webpki refuses as a peer's own
    /// (`CaUsedAsEndEntity`) and OpenSSL checks like any other. The usual ones come from
    /// `openssl req -x509`, which marks what it makes a CA: a self-signed certificate trusted as
    /// itself with `cafile=`, or one that a trusted CA issued with `-CA`. This checks them in
    /// OpenSSL's order: a chain to a trusted certificate (following issuer names through the peer's
    /// certificates), the purpose, the issuers' CA flags, the name (`name`, when the host name is
    /// checked), then from the top down each signature and the dates. A certificate trusted as
    /// itself has no signature to check: the handshake proves that the peer holds its key.
    fn verify_ca_flagged(&self, name: Option<&ServerName<'_>>) -> Result<(), CertificateError> {
        let chain = chain_to_trust(self.trusted, self.end_entity, self.intermediates)?;
        let end_entity = self.end_entity;
        if !der::suits(end_entity, self.purpose) {
            return Err(CertificateError::InvalidPurpose);
        }
        if chain.iter().skip(1).any(|link| !der::may_issue(link.cert)) {
            return Err(CertificateError::Other(rustls::OtherError(Arc::new(webpki::Error::EndEntityUsedAsCa))));
        }
        if name.is_some_and(|name| !names(end_entity, name)) {
            return Err(CertificateError::NotValidForName);
        }
        let now = i64::try_from(self.now.as_secs()).unwrap_or(i64::MAX);
        for link in chain.iter().rev() {
            if let Some(keys) = &link.issuer_keys {
                if !keys.iter().any(|key| signed_by(link.cert, key)) {
                    return Err(CertificateError::BadSignature);
                }
            }
            let (not_before, not_after) = der::validity(link.cert).ok_or(CertificateError::BadEncoding)?;
            if now < not_before {
                return Err(CertificateError::NotValidYet);
            }
            if now > not_after {
                return Err(CertificateError::Expired);
            }
        }
        Ok(())
    }
}

/// One certificate of a chain and the public keys (SubjectPublicKeyInfo contents) of the
/// certificates that may have signed it: a trusted one's, or the next one's up the chain. None
/// when the certificate is trusted itself.
struct Link<'a> {
    cert: &'a [u8],
    issuer_keys: Option<Vec<&'a [u8]>>,
}

/// The chain from `end_entity` up to a trusted certificate, as OpenSSL builds it: each step finds
/// the certificate's issuer ([`der::may_have_issued`]) among the trusted certificates first, else
/// among `intermediates` (at most 10 steps: the sender chooses the list), up to one that issued
/// itself. A chain that reaches no trusted certificate fails as OpenSSL says
/// ([`untrusted_chain_error`]).
fn chain_to_trust<'a>(
    trusted: &'a [CertificateDer<'a>],
    end_entity: &'a CertificateDer<'a>,
    intermediates: &'a [CertificateDer<'a>],
) -> Result<Vec<Link<'a>>, CertificateError> {
    if trusts_itself(trusted, end_entity) {
        return Ok(vec![Link { cert: end_entity, issuer_keys: None }]);
    }
    let mut chain = Vec::new();
    let mut cert: &[u8] = end_entity;
    // A certificate that issued itself is trusted only as itself (OpenSSL looks it up, whole).
    while !der::is_self_issued(cert) && chain.len() < 10 {
        let issuers: Vec<&[u8]> =
            trusted.iter().filter(|t| der::may_have_issued(t, cert)).filter_map(|t| der::public_key_info(t)).collect();
        if !issuers.is_empty() {
            chain.push(Link { cert, issuer_keys: Some(issuers) });
            return Ok(chain);
        }
        let Some(next) = intermediates.iter().find(|c| der::may_have_issued(c, cert)) else { break };
        chain.push(Link { cert, issuer_keys: Some(der::public_key_info(next).into_iter().collect()) });
        cert = next;
    }
    Err(untrusted_chain_error(end_entity, intermediates))
}

/// Whether `cert`'s signature verifies with the public key `key_info` (SubjectPublicKeyInfo
/// contents), by one of the algorithms rustls verifies handshakes with.
fn signed_by(cert: &[u8], key_info: &[u8]) -> bool {
    let (Some((signed, algorithm, signature)), Some((key_algorithm, key))) = (der::signed_parts(cert), der::public_key(key_info)) else {
        return false;
    };
    provider().signature_verification_algorithms.all.iter().any(|a| {
        a.public_key_alg_id().as_ref() == key_algorithm
            && a.signature_alg_id().as_ref() == algorithm
            && a.verify_signature(key, signed, signature).is_ok()
    })
}

/// Whether `cert` is one of the trusted certificates: the same subject and public key.
fn trusts_itself(trusted: &[CertificateDer<'_>], cert: &[u8]) -> bool {
    let (Some((_, subject)), Some(key)) = (der::issuer_and_subject(cert), der::public_key_info(cert)) else { return false };
    trusted.iter().any(|t| der::issuer_and_subject(t).is_some_and(|(_, s)| s == subject) && der::public_key_info(t) == Some(key))
}

/// Whether the error is webpki's refusal of a CA certificate as a peer's own.
fn is_ca_refusal(e: &rustls::OtherError) -> bool {
    e.0.downcast_ref::<webpki::Error>() == Some(&webpki::Error::CaUsedAsEndEntity)
}

/// Whether the verdict is about the certificate's dates.
fn is_dates_error(e: &rustls::Error) -> bool {
    matches!(
        e,
        rustls::Error::InvalidCertificate(
            CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. }
        )
    )
}

/// Whether the verdict is that the certificate does not name the server.
fn is_name_error(e: &rustls::Error) -> bool {
    matches!(e, rustls::Error::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }))
}

/// Whether `cert` names `server_name` (a DNS name in its subjectAltName, or an IP address).
fn names(cert: &CertificateDer<'_>, server_name: &ServerName<'_>) -> bool {
    webpki::EndEntityCert::try_from(cert).is_ok_and(|c| c.verify_is_valid_for_subject_name(server_name).is_ok())
}

impl ServerCertVerifier for PythonServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self.verify {
            return Ok(ServerCertVerified::assertion());
        }
        let result = match self.verify_at(end_entity, intermediates, server_name, ocsp, now) {
            // OpenSSL checks the chain, the purpose and the name before the dates; webpki checks
            // the dates first. A certificate that fails both fails as OpenSSL says: on the other
            // check, found by asking again at a time the certificate was valid. One that never was
            // (made with `openssl x509 -days -1`) gets the checks that need no time.
            Err(dates) if is_dates_error(&dates) => {
                let other = match der::validity(end_entity) {
                    Some((not_before, not_after)) if not_before <= not_after => {
                        let then = UnixTime::since_unix_epoch(std::time::Duration::from_secs(not_before.max(0).unsigned_abs()));
                        self.verify_at(end_entity, intermediates, server_name, ocsp, then).err()
                    }
                    _ if der::is_self_issued(end_entity) && !trusts_itself(&self.trusted, end_entity) => {
                        Some(rustls::Error::InvalidCertificate(untrusted_chain_error(end_entity, intermediates)))
                    }
                    _ => (!names(end_entity, server_name)).then_some(rustls::Error::InvalidCertificate(CertificateError::NotValidForName)),
                };
                match other {
                    Some(other) if !is_dates_error(&other) && (self.check_hostname || !is_name_error(&other)) => Err(other),
                    _ => Err(dates),
                }
            }
            other => other,
        };
        match result {
            Err(name) if is_name_error(&name) && !self.check_hostname => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Why OpenSSL says a chain that reaches no trusted certificate failed: it follows issuers through
/// the certificates the peer sent, and a self-signed one at the end gets a code of its own.
#[derive(Debug)]
struct SelfSigned {
    /// The peer's own certificate is the self-signed one (18), not one above it (19).
    depth_zero: bool,
}

impl std::fmt::Display for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.depth_zero { "self-signed certificate" } else { "self-signed certificate in certificate chain" })
    }
}

impl std::error::Error for SelfSigned {}

/// UnknownIssuer, or [`SelfSigned`] when following issuers from `end_entity` through `intermediates`
/// ends at a certificate that issued itself (at most 10 steps: the sender chooses the list).
fn untrusted_chain_error(end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> CertificateError {
    let mut current: &[u8] = end_entity;
    for depth in 0..10 {
        if der::is_self_issued(current) {
            return CertificateError::Other(rustls::OtherError(Arc::new(SelfSigned { depth_zero: depth == 0 })));
        }
        match intermediates.iter().find(|c| der::may_have_issued(c, current)) {
            Some(next) => current = next,
            None => break,
        }
    }
    CertificateError::UnknownIssuer
}

/// Just enough DER to find a certificate's names: bounds-checked, no allocation.
mod der {
    /// One tag-length-value at the start of `input`: (tag, contents, what follows).
    fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (first as usize, rest)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            (rest[..n].iter().fold(0usize, |acc, &b| acc << 8 | b as usize), &rest[n..])
        };
        (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
    }

    /// The fields of an X.509 certificate's tbsCertificate after its version, with their tags
    /// (RFC 5280: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
    /// serial, signature, issuer, validity, subject, subjectPublicKeyInfo, [1] OPTIONAL,
    /// [2] OPTIONAL, [3] extensions OPTIONAL } ... }).
    fn fields(cert: &[u8]) -> Option<Vec<(u8, &[u8])>> {
        let (_, certificate, _) = tlv(cert)?;
        let (_, mut tbs, _) = tlv(certificate)?;
        let mut fields = Vec::with_capacity(10);
        while !tbs.is_empty() {
            let (tag, contents, rest) = tlv(tbs)?;
            if !(fields.is_empty() && tag == 0xa0) {
                fields.push((tag, contents));
            }
            tbs = rest;
        }
        (fields.len() >= 6).then_some(fields)
    }

    /// The encoded issuer and subject Names of an X.509 certificate.
    pub fn issuer_and_subject(cert: &[u8]) -> Option<(&[u8], &[u8])> {
        let fields = fields(cert)?;
        Some((fields[2].1, fields[4].1))
    }

    /// Whether the certificate names itself as its issuer.
    pub fn is_self_issued(cert: &[u8]) -> bool {
        issuer_and_subject(cert).is_some_and(|(issuer, subject)| issuer == subject)
    }

    /// Whether `issuer` may have issued `cert`, as OpenSSL's `check_issued` decides before it
    /// checks any signature: `cert` names it as its issuer, and `cert`'s authorityKeyIdentifier, if
    /// any, is `issuer`'s subjectKeyIdentifier, if any. A CA whose key was made anew under the old
    /// name is not the issuer of what the old key signed.
    pub fn may_have_issued(issuer: &[u8], cert: &[u8]) -> bool {
        const SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
        const AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
        let (Some((_, subject)), Some((named, _))) = (issuer_and_subject(issuer), issuer_and_subject(cert)) else { return false };
        // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
        let authority_key = extension(cert, AUTHORITY_KEY_ID)
            .and_then(tlv)
            .and_then(|(_, fields, _)| tlv(fields))
            .and_then(|(tag, id, _)| (tag == 0x80).then_some(id));
        let subject_key = extension(issuer, SUBJECT_KEY_ID).and_then(tlv).map(|(_, id, _)| id);
        subject == named && !matches!((authority_key, subject_key), (Some(a), Some(s)) if a != s)
    }

    /// The certificate's subjectPublicKeyInfo (its contents, as a trust anchor keeps it).
    pub fn public_key_info(cert: &[u8]) -> Option<&[u8]> {
        Some(fields(cert)?[5].1)
    }

    /// A subjectPublicKeyInfo's algorithm (AlgorithmIdentifier contents) and key.
    pub fn public_key(key_info: &[u8]) -> Option<(&[u8], &[u8])> {
        let (_, algorithm, rest) = tlv(key_info)?;
        Some((algorithm, bit_string(rest)?))
    }

    /// What a certificate's signature covers (the encoded tbsCertificate), its algorithm
    /// (AlgorithmIdentifier contents) and the signature.
    pub fn signed_parts(cert: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
        const SEQUENCE: u8 = 0x30;
        let (SEQUENCE, certificate, _) = tlv(cert)? else { return None };
        let (SEQUENCE, _, after) = tlv(certificate)? else { return None };
        let signed = &certificate[..certificate.len() - after.len()];
        let (SEQUENCE, algorithm, rest) = tlv(after)? else { return None };
        Some((signed, algorithm, bit_string(rest)?))
    }

    /// The bytes of a BIT STRING with no unused bits at the start of `input`.
    fn bit_string(input: &[u8]) -> Option<&[u8]> {
        let (tag, contents, _) = tlv(input)?;
        let (&unused, bits) = contents.split_first()?;
        (tag == 0x03 && unused == 0).then_some(bits)
    }

    /// Whether the certificate may issue others, as OpenSSL's `X509_check_ca` decides for a v3
    /// certificate: basicConstraints says it is a CA, and a keyUsage, if any, allows keyCertSign.
    pub fn may_issue(cert: &[u8]) -> bool {
        const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
        let is_ca = extension(cert, BASIC_CONSTRAINTS)
            .and_then(tlv)
            .and_then(|(_, constraints, _)| tlv(constraints))
            .is_some_and(|(tag, value, _)| tag == 0x01 && value.first().is_some_and(|&b| b != 0));
        // keyCertSign is bit 5: 0x04 in the first byte.
        is_ca && key_usage(cert).is_none_or(|uses| uses & 0x04 != 0)
    }

    /// The first eight bits of the certificate's keyUsage (digitalSignature is 0x80), if it has
    /// one; 0 when it cannot be read, which allows nothing.
    fn key_usage(cert: &[u8]) -> Option<u8> {
        const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
        let value = extension(cert, KEY_USAGE)?;
        Some(tlv(value).filter(|(tag, _, _)| *tag == 0x03).and_then(|(_, bits, _)| bits.get(1).copied()).unwrap_or(0))
    }

    /// The certificate's notBefore and notAfter, in seconds since 1970.
    pub fn validity(cert: &[u8]) -> Option<(i64, i64)> {
        let validity = fields(cert)?[3].1;
        let (tag, not_before, rest) = tlv(validity)?;
        let not_before = time(tag, not_before)?;
        let (tag, not_after, _) = tlv(rest)?;
        Some((not_before, time(tag, not_after)?))
    }

    /// A UTCTime (YYMMDDHHMMSSZ, years 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ), the two
    /// forms RFC 5280 allows, in seconds since 1970.
    fn time(tag: u8, text: &[u8]) -> Option<i64> {
        let digits = |at: usize, n: usize| -> Option<i64> {
            let part = text.get(at..at + n)?;
            part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |acc, d| acc * 10 + i64::from(d - b'0')))
        };
        let (year, at) = match (tag, text.len()) {
            (0x17, 13) => (digits(0, 2).map(|y| if y >= 50 { 1900 + y } else { 2000 + y })?, 2),
            (0x18, 15) => (digits(0, 4)?, 4),
            _ => return None,
        };
        if text.last() != Some(&b'Z') {
            return None;
        }
        let [month, day, hour, minute, second] = [0, 2, 4, 6, 8].map(|i| digits(at + i, 2));
        let (month, day) = (month?, day?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        // Days from 1970-01-01 to year-month-day in the proleptic Gregorian calendar
        // (Howard Hinnant's days_from_civil).
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        let days = era * 146_097 + day_of_era - 719_468;
        Some(days * 86_400 + hour? * 3_600 + minute? * 60 + second?)
    }

    /// The value of the extension `oid` (its encoded OID contents), if the certificate has it.
    fn extension<'a>(cert: &'a [u8], oid: &[u8]) -> Option<&'a [u8]> {
        let (_, explicit) = fields(cert)?.into_iter().find(|(tag, _)| *tag == 0xa3)?;
        let (_, mut list, _) = tlv(explicit)?;
        while !list.is_empty() {
            let (_, extension, rest) = tlv(list)?;
            list = rest;
            let (_, id, mut after) = tlv(extension)?;
            if id != oid {
                continue;
            }
            let (tag, contents, rest) = tlv(after)?;
            if tag == 0x01 {
                after = rest; // `critical`
            } else {
                return (tag == 0x04).then_some(contents);
            }
            let (tag, contents, _) = tlv(after)?;
            return (tag == 0x04).then_some(contents);
        }
        None
    }

    /// Whether a peer may present `cert` as its own for `purpose`, as OpenSSL's purpose checks
    /// (`check_purpose_ssl_server`, `check_purpose_ssl_client`) decide from the extensions: a
    /// keyUsage must allow a signature or key agreement (or, for a server, key encipherment), and
    /// an extendedKeyUsage must include serverAuth or clientAuth.
    pub fn suits(cert: &[u8], purpose: super::Purpose) -> bool {
        const EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
        // id-kp-serverAuth and id-kp-clientAuth: 1.3.6.1.5.5.7.3.1 and .2.
        const SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
        const CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
        // digitalSignature, keyEncipherment and keyAgreement are bits 0, 2 and 4 of the first byte.
        let (key_uses, usage) = match purpose {
            super::Purpose::TlsServer => (0x80 | 0x20 | 0x08, SERVER_AUTH),
            super::Purpose::TlsClient => (0x80 | 0x08, CLIENT_AUTH),
        };
        if key_usage(cert).is_some_and(|uses| uses & key_uses == 0) {
            return false;
        }
        if let Some(value) = extension(cert, EXTENDED_KEY_USAGE) {
            let Some((_, mut purposes, _)) = tlv(value) else { return false };
            while let Some((_, oid, rest)) = tlv(purposes) {
                if oid == usage {
                    return true;
                }
                purposes = rest;
            }
            return false;
        }
        true
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn times_read_as_seconds_since_1970() {
            assert_eq!(super::time(0x17, b"700101000000Z"), Some(0));
            assert_eq!(super::time(0x17, b"491231235959Z"), Some(2_524_607_999));
            assert_eq!(super::time(0x17, b"500101000000Z"), Some(-631_152_000));
            assert_eq!(super::time(0x18, b"20991231235959Z"), Some(4_102_444_799));
            assert_eq!(super::time(0x18, b"20240229120000Z"), Some(1_709_208_000));
            assert_eq!(super::time(0x17, b"2401011200Z"), None);
            assert_eq!(super::time(0x17, b"241301000000Z"), None);
            assert_eq!(super::time(0x18, b"20240101000000+"), None);
        }
    }
}

/// Where a connection's handshake stands.
enum Engine {
    /// A server whose context has an `sni_callback`, before the whole ClientHello arrived.
    AwaitingHello(Box<Acceptor>),
    /// The ClientHello is in; the guest runs `sni_callback`, then accepts or refuses.
    Hello(Box<Accepted>),
    Running(rustls::Connection),
    /// The ClientHello was refused; only the alert remains to send.
    Refused,
}

/// One TLS session (OpenSSL's SSL).
pub struct TlsConnection {
    engine: Engine,
    server_side: bool,
    server_name: Option<String>,
    /// The first fatal error: rustls repeats it, and so does OpenSSL.
    failed: Option<Error>,
    /// Ciphertext received but not yet taken: rustls stops taking it while its decrypted-plaintext
    /// buffer is full, and takes more as the plaintext is read.
    backlog: Vec<u8>,
    /// The transport ended; rustls is told once the backlog is taken.
    transport_ended: bool,
    /// An alert rustls did not queue itself (a refused ClientHello).
    alert: Vec<u8>,
    /// Whether any ciphertext went out: a client can change the session it offers until then.
    transmitted: bool,
    stats: Arc<SessionStats>,
    /// A client's settings and name, to start over when the program sets a session.
    client: Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>,
    store: Option<Arc<ConnectionStore>>,
    /// The session a client offers (before the handshake) or the established one (after).
    session: Option<TlsSession>,
    established: bool,
    /// A server's own settings, or None while `sni_callback` is to choose them.
    own: Option<Result<Arc<rustls::ServerConfig>, Error>>,
    /// The suites the client offered (a server's `shared_ciphers()`).
    offered: Vec<rustls::CipherSuite>,
    /// The first bytes the peer sent, up to a record header's five: to tell a peer that does not
    /// speak TLS (see [`not_tls`]).
    first_bytes: Vec<u8>,
}

/// The error for a peer whose first record is not TLS at all (its header's major version is not
/// 3), as OpenSSL names it, or None for one that is. OpenSSL sends no alert to such a peer, and a
/// server names a plain HTTP request or proxy request for what it is.
fn not_tls(first_bytes: &[u8], server_side: bool) -> Option<Error> {
    if first_bytes.len() < 5 || first_bytes[1] == 3 {
        return None;
    }
    let starts = |prefix: &[u8]| first_bytes.starts_with(prefix);
    let (reason, message) = if server_side && [&b"GET "[..], b"POST ", b"HEAD ", b"PUT "].into_iter().any(starts) {
        ("HTTP_REQUEST", "http request")
    } else if server_side && starts(b"CONNE") {
        ("HTTPS_PROXY_REQUEST", "https proxy request")
    } else {
        ("WRONG_VERSION_NUMBER", "wrong version number")
    };
    Some(error(ErrorKind::Ssl, reason, message))
}

impl TlsConnection {
    pub fn open(config: &TlsConfig, server_name: Option<&str>) -> Result<TlsConnection, Error> {
        let (mut client, mut own) = (None, None);
        // A server reads the ClientHello first (for sni_callback and shared_ciphers()).
        let engine = if config.server_side {
            // A server context without a certificate fails at the handshake, as OpenSSL's does.
            if !config.sni_callback {
                own = Some(config.server_config().map(Arc::new));
            }
            count(&config.stats.accept);
            Engine::AwaitingHello(Box::default())
        } else {
            let mut settings = config.client_config()?;
            // Without a name there is no SNI and nothing to match; CPython allows that unless
            // check_hostname is on, which ssl.py enforces before we get here. OpenSSL sends any
            // name up to 255 bytes; rustls only valid DNS names and addresses. A name rustls
            // refuses ("-x") goes without SNI, and the certificate check, which compares the name
            // the program gave (tls_error), finds no match, as OpenSSL's would.
            if server_name.is_some_and(|n| n.len() > 255) {
                return Err(error(ErrorKind::Ssl, "SSL3_EXT_INVALID_SERVERNAME", "ssl3 ext invalid servername"));
            }
            let name = match server_name.map(|n| ServerName::try_from(n.to_string())) {
                Some(Ok(name)) => name,
                _ => {
                    let mut unnamed = (*settings).clone();
                    unnamed.enable_sni = false;
                    settings = Arc::new(unnamed);
                    ServerName::IpAddress(std::net::Ipv4Addr::UNSPECIFIED.into())
                }
            };
            client = Some((settings, name));
            Engine::Refused
        };
        let mut conn = TlsConnection {
            engine,
            server_side: config.server_side,
            server_name: server_name.map(str::to_string),
            failed: None,
            backlog: Vec::new(),
            transport_ended: false,
            alert: Vec::new(),
            transmitted: false,
            stats: config.stats.clone(),
            client,
            store: None,
            session: None,
            established: false,
            own,
            offered: Vec::new(),
            first_bytes: Vec::new(),
        };
        if !conn.server_side {
            count(&conn.stats.connect);
            conn.start_client(None)?;
        }
        Ok(conn)
    }

    /// (Re)starts a client's handshake, offering `session`: rustls writes the ClientHello, with
    /// what it resumes, as soon as the connection exists.
    fn start_client(&mut self, session: Option<TlsSession>) -> Result<(), Error> {
        let Some((settings, name)) = &self.client else { return Ok(()) };
        let store = Arc::new(ConnectionStore::new(session.as_ref().map(|s| s.pool.clone())));
        let mut settings = (**settings).clone();
        settings.resumption = rustls::client::Resumption::store(store.clone());
        let conn = rustls::ClientConnection::new(Arc::new(settings), name.clone())
            .map_err(|e| tls_error(&e, self.server_name.as_deref()))?;
        self.engine = Engine::Running(conn.into());
        self.store = Some(store);
        self.session = session;
        Ok(())
    }

    pub fn set_session(&mut self, session: &TlsSession) -> Result<(), Error> {
        if self.server_side || self.transmitted || self.established {
            return Err(error(ErrorKind::Ssl, "BAD_STATE", "a session can only be set on a client before its handshake"));
        }
        self.start_client(Some(session.clone()))
    }

    pub fn session(&self) -> Option<TlsSession> {
        self.session.clone()
    }

    pub fn session_reused(&self) -> bool {
        self.running().is_some_and(|c| c.handshake_kind() == Some(rustls::HandshakeKind::Resumed))
    }

    fn running(&self) -> Option<&rustls::Connection> {
        match &self.engine {
            Engine::Running(c) => Some(c),
            _ => None,
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        self.failed = Some(e.clone());
        e
    }

    pub fn receive(&mut self, ciphertext: &[u8]) -> Result<(), Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if ciphertext.is_empty() {
            self.transport_ended = true;
        }
        let wanted = 5usize.saturating_sub(self.first_bytes.len()).min(ciphertext.len());
        self.first_bytes.extend_from_slice(&ciphertext[..wanted]);
        self.backlog.extend_from_slice(ciphertext);
        self.take_backlog()
    }

    /// Gives the engine as much of the backlog as it takes and processes it; then, if the transport
    /// ended and nothing is left, tells rustls so (read_tls of nothing).
    fn take_backlog(&mut self) -> Result<(), Error> {
        let backlog = std::mem::take(&mut self.backlog);
        let mut rest = &backlog[..];
        let mut result = Ok(());
        let not_tls = not_tls(&self.first_bytes, self.server_side);
        while !rest.is_empty() {
            match &mut self.engine {
                Engine::AwaitingHello(acceptor) => {
                    match acceptor.read_tls(&mut rest) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    match acceptor.accept() {
                        Ok(None) => {}
                        Ok(Some(accepted)) => {
                            self.offered = accepted.client_hello().cipher_suites().to_vec();
                            match self.own.clone() {
                                // No sni_callback: go on with the context's own settings.
                                Some(Ok(settings)) => {
                                    if let Err(e) = self.start_server(accepted, settings) {
                                        result = Err(e);
                                        break;
                                    }
                                }
                                Some(Err(e)) => {
                                    let alert = rustls::AlertDescription::HandshakeFailure.into();
                                    self.alert.extend_from_slice(&plaintext_alert(alert));
                                    result = Err(e);
                                    break;
                                }
                                None => {
                                    self.engine = Engine::Hello(Box::new(accepted));
                                    break;
                                }
                            }
                        }
                        Err((e, mut alert)) => {
                            result = match not_tls {
                                Some(not_tls) => Err(not_tls),
                                None => {
                                    let _ = alert.write_all(&mut self.alert);
                                    Err(tls_error(&e, None))
                                }
                            };
                            break;
                        }
                    }
                }
                Engine::Running(conn) => {
                    match conn.read_tls(&mut rest) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    if let Err(e) = conn.process_new_packets() {
                        result = match not_tls {
                            Some(not_tls) => {
                                // rustls queued an alert; drop it unsent.
                                while conn.wants_write() && conn.write_tls(&mut std::io::sink()).is_ok_and(|n| n > 0) {}
                                Err(not_tls)
                            }
                            None => Err(tls_error(&e, self.server_name.as_deref())),
                        };
                        break;
                    }
                }
                Engine::Hello(_) | Engine::Refused => break,
            }
        }
        self.backlog = rest.to_vec();
        if let Err(e) = result {
            return Err(self.fail(e));
        }
        if self.backlog.is_empty() && self.transport_ended {
            match &mut self.engine {
                Engine::Running(conn) => {
                    let _ = conn.read_tls(&mut &b""[..]);
                    // rustls notes the end and waits on; a handshake that it cuts short can never
                    // finish, and OpenSSL fails it at once.
                    if conn.is_handshaking() {
                        let e = error(ErrorKind::Eof, "UNEXPECTED_EOF_WHILE_READING", "EOF occurred in violation of protocol");
                        return Err(self.fail(e));
                    }
                }
                Engine::AwaitingHello(_) => {
                    let e = error(ErrorKind::Eof, "UNEXPECTED_EOF_WHILE_READING", "EOF occurred in violation of protocol");
                    return Err(self.fail(e));
                }
                _ => {}
            }
        }
        self.note_established();
        Ok(())
    }

    /// Once, when the handshake completes: counts it and settles which session the connection has.
    fn note_established(&mut self) {
        if self.established || self.running().is_none_or(|c| c.is_handshaking()) {
            return;
        }
        self.established = true;
        let resumed = self.session_reused();
        if self.server_side {
            count(&self.stats.accept_good);
            if resumed {
                count(&self.stats.hits);
            }
            self.session = Some(TlsSession::new(Default::default()));
            return;
        }
        count(&self.stats.connect_good);
        if resumed {
            count(&self.stats.hits);
        }
        let Some(store) = &self.store else { return };
        let offered = self.session.take();
        self.session = Some(match offered {
            // A resumed TLS 1.2 session keeps its id, as OpenSSL's does; TLS 1.3 names each
            // connection's session anew, but it shares the offered one's tickets.
            Some(s) if resumed && self.protocol_version() == Some(ProtocolVersion::Tls12) => {
                store.join_offered();
                s
            }
            Some(_) if resumed => TlsSession::new(store.join_offered()),
            _ => TlsSession::new(store.fresh()),
        });
    }

    /// For a server, OpenSSL's names of the suites the client offered, in the client's order.
    pub fn offered_ciphers(&self) -> Vec<String> {
        let known = self.offered.iter().map(|&s| openssl_cipher_name(s)).filter(|(_, bits)| *bits > 0);
        known.map(|(name, _)| name.to_string()).collect()
    }

    pub fn client_hello(&self) -> Option<ClientHello> {
        match &self.engine {
            Engine::Hello(accepted) => {
                Some(ClientHello { server_name: accepted.client_hello().server_name().map(str::to_string) })
            }
            _ => None,
        }
    }

    /// Continues after `sni_callback` with the settings and certificate of `config`.
    pub fn accept_hello(&mut self, config: &TlsConfig) -> Result<(), Error> {
        self.accept_hello_with(config.server_config())
    }

    fn accept_hello_with(&mut self, settings: Result<rustls::ServerConfig, Error>) -> Result<(), Error> {
        let accepted = match std::mem::replace(&mut self.engine, Engine::Refused) {
            Engine::Hello(accepted) => accepted,
            other => {
                self.engine = other;
                return Err(error(ErrorKind::Ssl, "BAD_STATE", "no ClientHello is waiting"));
            }
        };
        let settings = match settings {
            Ok(s) => s,
            Err(e) => {
                self.alert.extend_from_slice(&plaintext_alert(rustls::AlertDescription::HandshakeFailure.into()));
                return Err(self.fail(e));
            }
        };
        self.start_server(*accepted, Arc::new(settings)).map_err(|e| self.fail(e))?;
        self.take_backlog()
    }

    /// Goes on from the ClientHello with `settings`.
    fn start_server(&mut self, accepted: Accepted, mut settings: Arc<rustls::ServerConfig>) -> Result<(), Error> {
        // CPython's ALPN callback answers "no acknowledgement" when the lists share nothing, so
        // OpenSSL goes on without a protocol where rustls would end the handshake.
        let offered: Option<Vec<&[u8]>> = accepted.client_hello().alpn().map(Iterator::collect);
        if let Some(offered) = offered {
            if !settings.alpn_protocols.is_empty() && !settings.alpn_protocols.iter().any(|p| offered.contains(&p.as_slice())) {
                let mut without = (*settings).clone();
                without.alpn_protocols.clear();
                settings = Arc::new(without);
            }
        }
        match accepted.into_connection(settings) {
            Ok(conn) => {
                let mut conn = rustls::Connection::from(conn);
                // Records that came with the ClientHello are in the connection already.
                let processed = conn.process_new_packets().map(|_| ()).map_err(|e| tls_error(&e, None));
                self.engine = Engine::Running(conn);
                processed
            }
            Err((e, mut alert)) => {
                let _ = alert.write_all(&mut self.alert);
                Err(tls_error(&e, None))
            }
        }
    }

    /// Ends a paused handshake with `alert`; the server's call fails as OpenSSL's does when the
    /// servername callback refuses.
    pub fn refuse_hello(&mut self, alert: u8) -> Error {
        if matches!(self.engine, Engine::Hello(_)) {
            self.engine = Engine::Refused;
            self.alert.extend_from_slice(&plaintext_alert(alert));
        }
        let e = error(ErrorKind::Ssl, "CALLBACK_FAILED", "callback failed");
        self.fail(e)
    }

    pub fn transmit(&mut self, max_len: u32) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.alert);
        let limit = max_len.min(MAX_CHUNK) as usize;
        if let Engine::Running(conn) = &mut self.engine {
            while conn.wants_write() && out.len() < limit {
                let mut chunk = Vec::new();
                if conn.write_tls(&mut chunk).unwrap_or(0) == 0 {
                    break;
                }
                out.extend_from_slice(&chunk);
            }
        }
        self.transmitted |= !out.is_empty();
        out
    }

    /// Sends the ciphertext pending for the peer through `send` (the socket's sendmsg(2), given
    /// every pending buffer at once): true once all of it went, false when `send` would block with
    /// some left. rustls keeps what a short or refused send left, so nothing is lost or sent twice.
    pub fn flush_to(&mut self, send: &mut dyn FnMut(&[std::io::IoSlice<'_>]) -> std::io::Result<usize>) -> std::io::Result<bool> {
        let would_block = |e: &std::io::Error| e.kind() == std::io::ErrorKind::WouldBlock;
        // An alert the engine queued itself goes first.
        while !self.alert.is_empty() {
            match send(&[std::io::IoSlice::new(&self.alert)]) {
                Ok(n) => drop(self.alert.drain(..n.min(self.alert.len()))),
                Err(e) if would_block(&e) => return Ok(false),
                Err(e) => return Err(e),
            }
            self.transmitted = true;
        }
        let Engine::Running(conn) = &mut self.engine else { return Ok(true) };
        struct Socket<'a>(&'a mut dyn FnMut(&[std::io::IoSlice<'_>]) -> std::io::Result<usize>);
        impl std::io::Write for Socket<'_> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                (self.0)(&[std::io::IoSlice::new(buf)])
            }
            // rustls hands over every pending record here at once.
            fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                (self.0)(bufs)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        while conn.wants_write() {
            match conn.write_tls(&mut Socket(send)) {
                // send(2) never takes nothing from a non-empty buffer; were it to, waiting would never end.
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(_) => self.transmitted = true,
                Err(e) if would_block(&e) => return Ok(false),
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    pub fn read(&mut self, max_len: u32) -> Result<Vec<u8>, Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let want_read = || error(ErrorKind::WantRead, "", "The operation did not complete (read)");
        let mut buf = vec![0; max_len.min(MAX_CHUNK) as usize];
        let Engine::Running(conn) = &mut self.engine else { return Err(want_read()) };
        let mut result = conn.reader().read(&mut buf);
        // Out of plaintext but holding ciphertext: let rustls take more and look again.
        if matches!(&result, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock) && !self.backlog.is_empty() {
            self.take_backlog()?;
            let Engine::Running(conn) = &mut self.engine else { return Err(want_read()) };
            result = conn.reader().read(&mut buf);
        }
        match result {
            Ok(0) if !buf.is_empty() => {
                Err(error(ErrorKind::ZeroReturn, "", "TLS/SSL connection has been closed (EOF)"))
            }
            Ok(n) => {
                buf.truncate(n);
                Ok(buf)
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Err(want_read()),
            Err(_) => Err(error(ErrorKind::Eof, "UNEXPECTED_EOF_WHILE_READING", "EOF occurred in violation of protocol")),
        }
    }

    pub fn pending(&mut self) -> u32 {
        match &mut self.engine {
            Engine::Running(conn) => conn.process_new_packets().map(|s| s.plaintext_bytes_to_read() as u32).unwrap_or(0),
            _ => 0,
        }
    }

    pub fn write(&mut self, plaintext: &[u8]) -> Result<u32, Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Engine::Running(conn) = &mut self.engine else {
            return Err(error(ErrorKind::WantRead, "", "The operation did not complete (read)"));
        };
        conn.writer()
            .write(plaintext)
            .map(|n| n as u32)
            .map_err(|_| error(ErrorKind::Ssl, "PROTOCOL_IS_SHUTDOWN", "protocol is shutdown"))
    }

    pub fn close(&mut self) {
        if let Engine::Running(conn) = &mut self.engine {
            conn.send_close_notify();
        }
    }

    pub fn is_handshaking(&self) -> bool {
        self.running().is_none_or(|c| c.is_handshaking())
    }

    pub fn peer_certificates(&self) -> Vec<Vec<u8>> {
        let chain = self.running().and_then(|c| c.peer_certificates());
        chain.map(|c| c.iter().map(|c| c.to_vec()).collect()).unwrap_or_default()
    }

    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        match self.running()?.protocol_version()? {
            rustls::ProtocolVersion::TLSv1_3 => Some(ProtocolVersion::Tls13),
            _ => Some(ProtocolVersion::Tls12),
        }
    }

    pub fn cipher(&self) -> Option<(String, String, u32)> {
        // OpenSSL's current cipher exists from the hello that chose it, before the handshake ends
        // (and after one that failed later).
        let conn = self.running()?;
        let suite = conn.negotiated_cipher_suite()?;
        let (name, bits) = openssl_cipher_name(suite.suite());
        let version = if self.protocol_version()? == ProtocolVersion::Tls13 { "TLSv1.3" } else { "TLSv1.2" };
        Some((name.to_string(), version.to_string(), bits))
    }

    pub fn alpn_protocol(&self) -> Option<Vec<u8>> {
        self.running()?.alpn_protocol().map(<[u8]>::to_vec)
    }
}

/// OpenSSL's name and secret bits for the suites rustls offers.
fn openssl_cipher_name(suite: rustls::CipherSuite) -> (&'static str, u32) {
    use rustls::CipherSuite::*;
    match suite {
        TLS13_AES_256_GCM_SHA384 => ("TLS_AES_256_GCM_SHA384", 256),
        TLS13_AES_128_GCM_SHA256 => ("TLS_AES_128_GCM_SHA256", 128),
        TLS13_CHACHA20_POLY1305_SHA256 => ("TLS_CHACHA20_POLY1305_SHA256", 256),
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => ("ECDHE-ECDSA-AES256-GCM-SHA384", 256),
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => ("ECDHE-ECDSA-AES128-GCM-SHA256", 128),
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => ("ECDHE-ECDSA-CHACHA20-POLY1305", 256),
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => ("ECDHE-RSA-AES256-GCM-SHA384", 256),
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => ("ECDHE-RSA-AES128-GCM-SHA256", 128),
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => ("ECDHE-RSA-CHACHA20-POLY1305", 256),
        _ => ("UNKNOWN", 0),
    }
}

/// A rustls error as the `ssl` exception CPython raises for OpenSSL's equivalent.
fn tls_error(e: &rustls::Error, server_name: Option<&str>) -> Error {
    use rustls::Error as E;
    match e {
        E::InvalidCertificate(cert) => {
            let (code, text) = match cert {
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                    let name = server_name.unwrap_or("");
                    // OpenSSL checks an IP address against the IP SANs, with a code of its own.
                    if name.parse::<std::net::IpAddr>().is_ok() {
                        (verify_code::IP_ADDRESS_MISMATCH, format!("IP address mismatch, certificate is not valid for '{name}'."))
                    } else {
                        (verify_code::HOSTNAME_MISMATCH, format!("Hostname mismatch, certificate is not valid for '{name}'."))
                    }
                }
                CertificateError::UnknownIssuer => {
                    (verify_code::UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "unable to get local issuer certificate".into())
                }
                CertificateError::Other(other) if other.0.downcast_ref::<webpki::Error>() == Some(&webpki::Error::EndEntityUsedAsCa) => {
                    (verify_code::INVALID_CA, "invalid CA certificate".into())
                }
                CertificateError::Other(other) if other.0.downcast_ref::<SelfSigned>().is_some() => {
                    let depth_zero = other.0.downcast_ref::<SelfSigned>().is_some_and(|s| s.depth_zero);
                    let code = if depth_zero {
                        verify_code::DEPTH_ZERO_SELF_SIGNED_CERT
                    } else {
                        verify_code::SELF_SIGNED_CERT_IN_CHAIN
                    };
                    (code, other.0.to_string())
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    (verify_code::CERT_HAS_EXPIRED, "certificate has expired".into())
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    (verify_code::CERT_NOT_YET_VALID, "certificate is not yet valid".into())
                }
                CertificateError::BadSignature => (verify_code::CERT_SIGNATURE_FAILURE, "certificate signature failure".into()),
                CertificateError::Revoked => (verify_code::CERT_REVOKED, "certificate revoked".into()),
                CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                    (verify_code::INVALID_PURPOSE, "unsuitable certificate purpose".into())
                }
                other => (0, format!("{other:?}")),
            };
            Error {
                kind: ErrorKind::CertVerification,
                library: "SSL".into(),
                reason: "CERTIFICATE_VERIFY_FAILED".into(),
                message: format!("certificate verify failed: {text}"),
                verify_code: code,
                verify_message: text,
            }
        }
        E::AlertReceived(alert) => {
            let reason = alert_reason(*alert);
            error(ErrorKind::Ssl, &reason, &reason.to_lowercase().replace('_', " "))
        }
        E::NoApplicationProtocol => error(ErrorKind::Ssl, "NO_APPLICATION_PROTOCOL", "no application protocol"),
        E::DecryptError => error(ErrorKind::Ssl, "DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "decryption failed or bad record mac"),
        E::PeerIncompatible(rustls::PeerIncompatible::NoCipherSuitesInCommon) => {
            error(ErrorKind::Ssl, "NO_SHARED_CIPHER", "no shared cipher")
        }
        E::PeerIncompatible(_) => error(ErrorKind::Ssl, "UNSUPPORTED_PROTOCOL", "unsupported protocol"),
        E::InvalidMessage(_) => error(ErrorKind::Ssl, "WRONG_VERSION_NUMBER", "wrong version number"),
        E::NoCertificatesPresented => {
            error(ErrorKind::Ssl, "PEER_DID_NOT_RETURN_A_CERTIFICATE", "peer did not return a certificate")
        }
        other => error(ErrorKind::Ssl, "SSL_ERROR", &other.to_string()),
    }
}

/// OpenSSL's reason name for a received alert.
fn alert_reason(alert: rustls::AlertDescription) -> String {
    use rustls::AlertDescription::*;
    let (prefix, name) = match alert {
        HandshakeFailure => ("SSLV3", "HANDSHAKE_FAILURE"),
        BadCertificate => ("SSLV3", "BAD_CERTIFICATE"),
        UnsupportedCertificate => ("SSLV3", "UNSUPPORTED_CERTIFICATE"),
        CertificateRevoked => ("SSLV3", "CERTIFICATE_REVOKED"),
        CertificateExpired => ("SSLV3", "CERTIFICATE_EXPIRED"),
        CertificateUnknown => ("SSLV3", "CERTIFICATE_UNKNOWN"),
        UnexpectedMessage => ("SSLV3", "UNEXPECTED_MESSAGE"),
        UnknownCA => ("TLSV1", "UNKNOWN_CA"),
        ProtocolVersion => ("TLSV1", "PROTOCOL_VERSION"),
        DecodeError => ("TLSV1", "DECODE_ERROR"),
        DecryptError => ("TLSV1", "DECRYPT_ERROR"),
        InternalError => ("TLSV1", "INTERNAL_ERROR"),
        AccessDenied => ("TLSV1", "ACCESS_DENIED"),
        NoApplicationProtocol => ("TLSV1", "NO_APPLICATION_PROTOCOL"),
        UnrecognisedName => ("TLSV1", "UNRECOGNIZED_NAME"),
        CertificateRequired => ("TLSV13", "CERTIFICATE_REQUIRED"),
        _ => ("TLSV1", "ALERT"),
    };
    format!("{prefix}_ALERT_{name}")
}

type R<T> = wasmtime::Result<T>;

impl HostConfig for PysockCtxView<'_> {
    guarded! { "config";
        fn new(&mut self, server_side: bool) -> R<Resource<TlsConfig>> {
            Ok(self.table.push(TlsConfig::new(server_side))?)
        }
        fn add_trust_pem(&mut self, this: Resource<TlsConfig>, pem: Vec<u8>) -> R<Result<u32, Error>> {
            Ok(self.table.get_mut(&this)?.add_trust_pem(&pem))
        }
        fn add_trust_der(&mut self, this: Resource<TlsConfig>, der: Vec<u8>) -> R<Result<(), Error>> {
            Ok(self.table.get_mut(&this)?.add_trust_der(der))
        }
        fn add_default_trust(&mut self, this: Resource<TlsConfig>) -> R<Result<u32, Error>> {
            let anchors = match self.ctx.default_trust.get() {
                Ok(a) => a.clone(),
                Err(e) => return Ok(Err(error(ErrorKind::Ssl, "SYSTEM_LIB", &e))),
            };
            Ok(Ok(self.table.get_mut(&this)?.add_default_anchors(anchors)))
        }
        fn use_host_identity(&mut self, this: Resource<TlsConfig>, name: String) -> R<Result<(), Error>> {
            let Some((chain, key)) = self.ctx.identities.get(&name) else {
                let known: Vec<&String> = self.ctx.identities.keys().collect();
                let message = format!("no host identity named '{name}' (the embedder registers them: pysock python --tls-identity NAME=CERT,KEY; registered: {known:?})");
                return Ok(Err(error(ErrorKind::Ssl, "NO_SUCH_IDENTITY", &message)));
            };
            let (chain, key) = (chain.clone(), key.clone());
            Ok(self.table.get_mut(&this)?.set_identity(&chain, &key, None))
        }
        fn trust_anchors(&mut self, this: Resource<TlsConfig>) -> R<Vec<Vec<u8>>> {
            Ok(self.table.get(&this)?.trust_anchors())
        }
        fn set_identity(&mut self, this: Resource<TlsConfig>, chain_pem: Vec<u8>, key_pem: Vec<u8>, password: Option<Vec<u8>>) -> R<Result<(), Error>> {
            Ok(self.table.get_mut(&this)?.set_identity(&chain_pem, &key_pem, password.as_deref()))
        }
        fn set_verify_mode(&mut self, this: Resource<TlsConfig>, mode: VerifyMode) -> R<()> {
            Ok(self.table.get_mut(&this)?.set_verify_mode(mode))
        }
        fn set_check_hostname(&mut self, this: Resource<TlsConfig>, check: bool) -> R<()> {
            Ok(self.table.get_mut(&this)?.set_check_hostname(check))
        }
        fn set_versions(&mut self, this: Resource<TlsConfig>, minimum: ProtocolVersion, maximum: ProtocolVersion) -> R<()> {
            Ok(self.table.get_mut(&this)?.set_versions(minimum, maximum))
        }
        fn set_alpn(&mut self, this: Resource<TlsConfig>, protocols: Vec<Vec<u8>>) -> R<()> {
            if let Some(bad) = protocols.iter().find(|p| !(1..=255).contains(&p.len())) {
                wasmtime::bail!("pysock: set-alpn was given a {}-byte protocol name; TLS allows 1 to 255 bytes", bad.len());
            }
            Ok(self.table.get_mut(&this)?.set_alpn(protocols))
        }
        fn set_tls12_ciphers(&mut self, this: Resource<TlsConfig>, names: Vec<String>) -> R<()> {
            Ok(self.table.get_mut(&this)?.set_tls12_ciphers(&names))
        }
        fn set_tickets(&mut self, this: Resource<TlsConfig>, enabled: bool, tls13_count: u32) -> R<()> {
            Ok(self.table.get_mut(&this)?.set_tickets(enabled, tls13_count))
        }
        fn set_sni_callback(&mut self, this: Resource<TlsConfig>, enabled: bool) -> R<()> {
            Ok(self.table.get_mut(&this)?.set_sni_callback(enabled))
        }
        fn set_ecdh_curve(&mut self, this: Resource<TlsConfig>, name: String) -> R<()> {
            Ok(self.table.get_mut(&this)?.set_ecdh_curve(&name))
        }
        fn set_key_log(&mut self, this: Resource<TlsConfig>, enabled: bool) -> R<()> {
            Ok(self.table.get_mut(&this)?.set_key_log(enabled))
        }
        fn take_key_log(&mut self, this: Resource<TlsConfig>) -> R<Vec<String>> {
            Ok(self.table.get(&this)?.take_key_log())
        }
        fn session_stats(&mut self, this: Resource<TlsConfig>) -> R<Stats> {
            Ok(self.table.get(&this)?.session_stats())
        }
        fn drop(&mut self, rep: Resource<TlsConfig>) -> R<()> {
            self.table.delete(rep)?;
            Ok(())
        }
    }
}

/// Replaces the generated `connection.write` and `connection.receive` with the same calls taking
/// their bytes from the guest's memory: `write` hands them to rustls where they lie, `receive`
/// takes them as [`CopiedBytes`](crate::data::CopiedBytes) (one memcpy, where the generated lift
/// goes a byte at a time; rustls keeps ciphertext it cannot take yet). `linker` allows shadowing
/// for the two and not afterwards.
pub(crate) fn add_bulk_to_linker<T: crate::PysockView + 'static>(linker: &mut wasmtime::component::Linker<T>) -> wasmtime::Result<()> {
    use crate::data::CopiedBytes;
    use wasmtime::StoreContextMut;
    use wasmtime::component::WasmList;
    linker.allow_shadowing(true);
    let mut tls = linker.instance("pysock:net/tls@0.1.0")?;
    tls.func_wrap(
        "[method]connection.write",
        |mut store: StoreContextMut<'_, T>, (this, plaintext): (Resource<TlsConnection>, WasmList<u8>)| {
            crate::error::guard("connection.write", || {
                let guest = plaintext.as_le_slice(&store);
                let (at, len) = (guest.as_ptr(), guest.len());
                let conn = store.data_mut().pysock().table.get_mut(&this)?;
                // SAFETY: `at..at + len` is the list's bytes in the guest's linear memory, which the
                // lift checked lie inside it. The memory is the instance's mapping, not part of the
                // host state `data_mut` borrows (as `Memory::data_and_store_mut` has it for core
                // memories), and it neither moves nor changes while this call runs: the guest cannot
                // run, and rustls, the only code here, never touches it. So the bytes are read in
                // place, once, by rustls as it encrypts them into a record; the Vec the generated
                // lift made was a whole extra copy of every byte written (12 % of a TLS bulk send).
                #[allow(unsafe_code)]
                let plaintext = unsafe { std::slice::from_raw_parts(at, len) };
                Ok((conn.write(plaintext),))
            })
        },
    )?;
    tls.func_wrap(
        "[method]connection.receive",
        |mut store: StoreContextMut<'_, T>, (this, ciphertext): (Resource<TlsConnection>, CopiedBytes)| {
            HostConnection::receive(&mut store.data_mut().pysock(), this, ciphertext.0).map(|r| (r,))
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

impl HostConnection for PysockCtxView<'_> {
    guarded! { "connection";
        fn open(&mut self, config: Resource<TlsConfig>, server_name: Option<String>) -> R<Result<Resource<TlsConnection>, Error>> {
            let limit = self.ctx.quotas.tls_sessions;
            if self.ctx.usage.tls_sessions >= limit {
                // What OpenSSL reports when SSL_new cannot allocate a session.
                return Ok(Err(error(ErrorKind::Ssl, "MALLOC_FAILURE", &format!("pysock quota: at most {limit} TLS session(s)"))));
            }
            let opened = TlsConnection::open(self.table.get(&config)?, server_name.as_deref());
            Ok(match opened {
                Ok(c) => {
                    self.ctx.usage.tls_sessions += 1;
                    Ok(self.table.push(c)?)
                }
                Err(e) => Err(e),
            })
        }
        fn receive(&mut self, this: Resource<TlsConnection>, ciphertext: Vec<u8>) -> R<Result<(), Error>> {
            Ok(self.table.get_mut(&this)?.receive(&ciphertext))
        }
        fn transmit(&mut self, this: Resource<TlsConnection>, max_len: u32) -> R<Vec<u8>> {
            Ok(self.table.get_mut(&this)?.transmit(max_len))
        }
        fn flush_to(&mut self, this: Resource<TlsConnection>, socket: Resource<crate::net::Socket>) -> Result<bool, NetError> {
            self.flush_tls(&this, &socket)
        }
        fn fill_from(&mut self, this: Resource<TlsConnection>, socket: Resource<crate::net::Socket>, wait: bool) -> R<Result<u32, FillError>> {
            self.fill_tls(&this, &socket, wait)
        }
        fn is_handshaking(&mut self, this: Resource<TlsConnection>) -> R<bool> {
            Ok(self.table.get(&this)?.is_handshaking())
        }
        fn read(&mut self, this: Resource<TlsConnection>, max_len: u32) -> R<Result<Vec<u8>, Error>> {
            Ok(self.table.get_mut(&this)?.read(max_len))
        }
        fn pending(&mut self, this: Resource<TlsConnection>) -> R<u32> {
            Ok(self.table.get_mut(&this)?.pending())
        }
        fn write(&mut self, this: Resource<TlsConnection>, plaintext: Vec<u8>) -> R<Result<u32, Error>> {
            Ok(self.table.get_mut(&this)?.write(&plaintext))
        }
        fn close(&mut self, this: Resource<TlsConnection>) -> R<()> {
            self.table.get_mut(&this)?.close();
            Ok(())
        }
        fn peer_certificates(&mut self, this: Resource<TlsConnection>) -> R<Vec<Vec<u8>>> {
            Ok(self.table.get(&this)?.peer_certificates())
        }
        fn protocol_version(&mut self, this: Resource<TlsConnection>) -> R<Option<ProtocolVersion>> {
            Ok(self.table.get(&this)?.protocol_version())
        }
        fn cipher(&mut self, this: Resource<TlsConnection>) -> R<Option<(String, String, u32)>> {
            Ok(self.table.get(&this)?.cipher())
        }
        fn alpn_protocol(&mut self, this: Resource<TlsConnection>) -> R<Option<Vec<u8>>> {
            Ok(self.table.get(&this)?.alpn_protocol())
        }
        fn set_session(&mut self, this: Resource<TlsConnection>, session: Resource<TlsSession>) -> R<Result<(), Error>> {
            let session = self.table.get(&session)?.clone();
            Ok(self.table.get_mut(&this)?.set_session(&session))
        }
        fn session(&mut self, this: Resource<TlsConnection>) -> R<Option<Resource<TlsSession>>> {
            let Some(session) = self.table.get(&this)?.session() else { return Ok(None) };
            Ok(Some(self.table.push(session)?))
        }
        fn session_reused(&mut self, this: Resource<TlsConnection>) -> R<bool> {
            Ok(self.table.get(&this)?.session_reused())
        }
        fn client_hello(&mut self, this: Resource<TlsConnection>) -> R<Option<ClientHello>> {
            Ok(self.table.get(&this)?.client_hello())
        }
        fn accept_hello(&mut self, this: Resource<TlsConnection>, config: Resource<TlsConfig>) -> R<Result<(), Error>> {
            let settings = self.table.get(&config)?.server_config();
            Ok(self.table.get_mut(&this)?.accept_hello_with(settings))
        }
        fn offered_ciphers(&mut self, this: Resource<TlsConnection>) -> R<Vec<String>> {
            Ok(self.table.get(&this)?.offered_ciphers())
        }
        fn refuse_hello(&mut self, this: Resource<TlsConnection>, alert: u8) -> R<Error> {
            Ok(self.table.get_mut(&this)?.refuse_hello(alert))
        }
        fn drop(&mut self, rep: Resource<TlsConnection>) -> R<()> {
            self.table.delete(rep)?;
            self.ctx.usage.tls_sessions -= 1;
            Ok(())
        }
    }
}

impl HostSession for PysockCtxView<'_> {
    guarded! { "session";
        fn id(&mut self, this: Resource<TlsSession>) -> R<Vec<u8>> {
            Ok(self.table.get(&this)?.id.to_vec())
        }
        fn time(&mut self, this: Resource<TlsSession>) -> R<u64> {
            Ok(self.table.get(&this)?.time)
        }
        fn timeout(&mut self, _: Resource<TlsSession>) -> R<u32> {
            Ok(sessions::LIFETIME_SECS)
        }
        fn ticket_lifetime_hint(&mut self, _: Resource<TlsSession>) -> R<u32> {
            Ok(sessions::LIFETIME_SECS)
        }
        fn has_ticket(&mut self, this: Resource<TlsSession>) -> R<bool> {
            Ok(self.table.get(&this)?.has_ticket())
        }
        fn drop(&mut self, rep: Resource<TlsSession>) -> R<()> {
            self.table.delete(rep)?;
            Ok(())
        }
    }
}

impl crate::bindings::pysock::net::tls::Host for PysockCtxView<'_> {}

#[cfg(test)]
mod tests {
    use super::der::{issuer_and_subject, may_have_issued, may_issue, public_key_info};
    use rustls::pki_types::CertificateDer;

    /// The conformance suite's certificate `name` (ca.pem, or cert.pem, which the CA issued), from
    /// the shared folder: PYSOCK_SHARED (scripts/shared.sh), else ../shared beside the checkout.
    fn conformance_cert(name: &str) -> CertificateDer<'static> {
        use rustls::pki_types::pem::PemObject;
        let shared = std::env::var_os("PYSOCK_SHARED").map(std::path::PathBuf::from);
        let shared = shared.unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
        CertificateDer::from_pem_file(shared.join("conformance/certs").join(name)).unwrap()
    }

    /// What the chain check reads: the CA may issue, signed the leaf and itself, and the leaf is
    /// neither; and any truncation of the leaf, or any byte of it changed, reads as no issuer and
    /// no valid signature rather than a panic or a read past the end (the peer chooses these bytes).
    #[test]
    fn issuers_and_signatures_are_read_from_any_bytes() {
        let (ca, leaf) = (conformance_cert("ca.pem"), conformance_cert("cert.pem"));
        let ca_key = public_key_info(&ca).unwrap();
        assert!(may_issue(&ca) && !may_issue(&leaf));
        assert!(may_have_issued(&ca, &leaf) && may_have_issued(&ca, &ca) && !may_have_issued(&leaf, &ca));
        assert!(super::signed_by(&leaf, ca_key) && super::signed_by(&ca, ca_key));
        assert!(!super::signed_by(&leaf, public_key_info(&leaf).unwrap()));
        for len in 0..leaf.len() {
            let cut = &leaf[..len];
            assert!(!may_have_issued(&ca, cut) && !may_issue(cut) && !super::signed_by(cut, ca_key), "truncated at {len}");
        }
        for at in 0..leaf.len() {
            let mut changed = leaf.to_vec();
            changed[at] ^= 0xff;
            assert!(!super::signed_by(&changed, ca_key), "byte {at} changed");
            let _ = (may_have_issued(&ca, &changed), may_issue(&changed), super::der::suits(&changed, super::Purpose::TlsServer));
        }
    }

    /// A certificate's names are found, and any truncation of it yields None rather than a panic or
    /// a read past the end (the peer chooses these bytes).
    #[test]
    fn certificate_names_are_found_and_truncations_refused() {
        let cert = conformance_cert("ca.pem");
        let (issuer, subject) = issuer_and_subject(&cert).unwrap();
        assert_eq!(issuer, subject, "the conformance CA is self-signed");
        assert!(!issuer.is_empty());
        for len in 0..cert.len() {
            assert!(issuer_and_subject(&cert[..len]).is_none(), "truncated at {len}");
        }
    }

    /// Default anchors go in held first, and the count returned covers only the held certificates
    /// this call added, so the guest can tell the looked-up ones (the ones after them) apart even
    /// when a held one was already trusted.
    #[test]
    fn default_anchors_report_how_many_held_ones_they_added() {
        let (ca, leaf) = (conformance_cert("ca.pem").to_vec(), conformance_cert("cert.pem").to_vec());
        let mut config = super::TlsConfig::new(false);
        let anchors = super::DefaultAnchors { held: vec![ca.clone()], looked_up: vec![leaf.clone()] };
        assert_eq!(config.add_default_anchors(anchors.clone()), 1);
        assert_eq!(config.trust_anchors(), vec![ca.clone(), leaf.clone()]);
        let mut again = super::TlsConfig::new(false);
        again.add_trust_der(ca.clone()).unwrap();
        assert_eq!(again.add_default_anchors(anchors), 0, "the CA was already held");
        assert_eq!(again.trust_anchors(), vec![ca, leaf]);
    }

}
