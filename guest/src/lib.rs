//! The pysock guest: CPython's `_socket` and `select` semantics as a WebAssembly component.
//!
//! The logic lives in [`socket`], [`select`] and [`timeout`], generic over [`host::Host`] so it runs
//! natively under `cargo test`; this file only binds it to the component's exports.



pub mod bindings {
    wit_bindgen::generate!({ world: "guest", path: "../wit", generate_all });
}

pub mod addr;
pub mod ciphers;
pub mod errno;
pub mod host;
pub mod select;
pub mod socket;
pub mod ssl;
pub mod x509;
pub mod timeout;

use bindings::exports::pysock::net::select as py_select;
use bindings::exports::pysock::net::socket::{self as py, Address, AddressInfo, Error, OptionValue};
use host::WitHost;
use socket::{Core, Outgoing, SockObj};
use std::cell::RefCell;

thread_local! {
    static CORE: RefCell<Core<WitHost>> = RefCell::new(Core::new(WitHost));
}

fn core<T>(f: impl FnOnce(&mut Core<WitHost>) -> T) -> T {
    CORE.with(|c| f(&mut c.borrow_mut()))
}

/// The exported socket resource: one Python socket object.
pub struct PySocket(RefCell<SockObj>);

impl PySocket {
    fn obj(&self) -> SockObj {
        self.0.borrow().clone()
    }
}

impl Drop for PySocket {
    /// A socket object that is garbage-collected unclosed closes its descriptor, as CPython's does.
    fn drop(&mut self) {
        let fd = self.0.borrow().fd;
        if fd >= 0 {
            let _ = CORE.try_with(|c| c.borrow_mut().close_fd(fd));
        }
    }
}

struct Component;

impl py::Guest for Component {
    type Socket = PySocket;

    fn getdefaulttimeout() -> Option<f64> {
        core(|c| c.default_timeout)
    }
    fn setdefaulttimeout(timeout: Option<f64>) -> Result<(), Error> {
        let t = socket::parse_timeout(timeout)?;
        core(|c| c.default_timeout = t);
        Ok(())
    }
    fn socketpair(family: i32, type_: i32, proto: i32) -> Result<(py::Socket, py::Socket), Error> {
        let (a, b) = core(|c| c.socketpair(family, type_, proto))?;
        Ok((py::Socket::new(PySocket(RefCell::new(a))), py::Socket::new(PySocket(RefCell::new(b)))))
    }
    fn dup(fd: i32) -> Result<i32, Error> {
        core(|c| c.dup(fd))
    }
    fn close(fd: i32) -> Result<(), Error> {
        core(|c| c.close_fd(fd))
    }
    fn getaddrinfo(
        host: Option<String>,
        port: Option<String>,
        family: i32,
        type_: i32,
        proto: i32,
        flags: i32,
    ) -> Result<Vec<AddressInfo>, Error> {
        core(|c| c.getaddrinfo(host.as_deref(), port.as_deref(), family, type_, proto, flags))
    }
    fn getnameinfo(address: Address, flags: i32) -> Result<(String, String), Error> {
        core(|c| c.getnameinfo(&address, flags))
    }
    fn gethostbyname(name: String) -> Result<String, Error> {
        core(|c| c.gethostbyname(&name))
    }
    fn gethostbyname_ex(name: String) -> Result<(String, Vec<String>, Vec<String>), Error> {
        core(|c| c.gethostbyname_ex(&name))
    }
    fn gethostbyaddr(address: String) -> Result<(String, Vec<String>, Vec<String>), Error> {
        core(|c| c.gethostbyaddr(&address))
    }
    fn gethostname() -> Result<String, Error> {
        use host::Host;
        core(|c| c.host.host_name()).map_err(errno::os)
    }
    fn inet_aton(text: String) -> Result<Vec<u8>, Error> {
        socket::inet_aton(&text)
    }
    fn inet_ntoa(packed: Vec<u8>) -> Result<String, Error> {
        socket::inet_ntoa(&packed)
    }
    fn inet_pton(family: i32, text: String) -> Result<Vec<u8>, Error> {
        socket::inet_pton(family, &text)
    }
    fn inet_ntop(family: i32, packed: Vec<u8>) -> Result<String, Error> {
        socket::inet_ntop(family, &packed)
    }
}

impl py::GuestSocket for PySocket {
    fn create(family: i32, type_: i32, proto: i32, fileno: Option<i32>) -> Result<py::Socket, Error> {
        let obj = core(|c| c.create(family, type_, proto, fileno))?;
        Ok(py::Socket::new(PySocket(RefCell::new(obj))))
    }
    fn family(&self) -> i32 {
        self.0.borrow().family
    }
    fn type_(&self) -> i32 {
        self.0.borrow().kind
    }
    fn proto(&self) -> i32 {
        self.0.borrow().proto
    }
    fn fileno(&self) -> i32 {
        self.0.borrow().fd
    }
    fn close(&self) -> Result<(), Error> {
        let fd = std::mem::replace(&mut self.0.borrow_mut().fd, -1);
        if fd < 0 {
            return Ok(());
        }
        // Another object made with socket(fileno=) may have closed the descriptor already: EBADF,
        // as CPython raises.
        core(|c| c.close_fd(fd))
    }
    fn detach(&self) -> i32 {
        std::mem::replace(&mut self.0.borrow_mut().fd, -1)
    }
    fn bind(&self, address: Address) -> Result<(), Error> {
        core(|c| c.bind(&self.obj(), &address))
    }
    fn listen(&self, backlog: Option<i32>) -> Result<(), Error> {
        core(|c| c.listen(&self.obj(), backlog))
    }
    fn accept(&self) -> Result<(i32, Address), Error> {
        core(|c| c.accept(&self.obj()))
    }
    fn connect(&self, address: Address) -> Result<(), Error> {
        core(|c| c.connect(&self.obj(), &address))
    }
    fn connect_ex(&self, address: Address) -> Result<(), Error> {
        core(|c| c.connect_ex(&self.obj(), &address))
    }
    fn send(&self, data: Vec<u8>, flags: i32) -> Result<u64, Error> {
        core(|c| c.send(&self.obj(), Outgoing::Bytes(&data), flags))
    }
    fn sendall(&self, data: Vec<u8>, flags: i32) -> Result<(), Error> {
        core(|c| c.sendall(&self.obj(), Outgoing::Bytes(&data), flags))
    }
    fn send_staged(&self, len: u64, flags: i32) -> Result<u64, Error> {
        core(|c| c.send(&self.obj(), Outgoing::Staged(len as usize), flags))
    }
    fn sendall_staged(&self, len: u64, flags: i32) -> Result<(), Error> {
        core(|c| c.sendall(&self.obj(), Outgoing::Staged(len as usize), flags))
    }
    fn recv_staged(&self, bufsize: i64, flags: i32) -> Result<bindings::pysock::net::types::Received, Error> {
        core(|c| c.recv_staged(&self.obj(), bufsize, flags))
    }
    fn sendto(&self, data: Vec<u8>, flags: i32, address: Address) -> Result<u64, Error> {
        core(|c| c.sendto(&self.obj(), &data, flags, &address))
    }
    fn recv(&self, bufsize: i64, flags: i32) -> Result<Vec<u8>, Error> {
        core(|c| c.recv(&self.obj(), bufsize, flags))
    }
    fn recvfrom(&self, bufsize: i64, flags: i32) -> Result<(Vec<u8>, Option<Address>), Error> {
        core(|c| c.recvfrom(&self.obj(), bufsize, flags))
    }
    fn recv_into(&self, nbytes: i64, flags: i32) -> Result<bindings::pysock::net::types::Incoming, Error> {
        core(|c| c.recv_into(&self.obj(), nbytes, flags))
    }
    fn recvfrom_into(&self, nbytes: i64, flags: i32) -> Result<(bindings::pysock::net::types::Incoming, Option<Address>), Error> {
        core(|c| c.recvfrom_into(&self.obj(), nbytes, flags, "recvfrom_into"))
    }
    fn shutdown(&self, how: i32) -> Result<(), Error> {
        core(|c| c.shutdown(&self.obj(), how))
    }
    fn getsockname(&self) -> Result<Address, Error> {
        core(|c| c.getsockname(&self.obj()))
    }
    fn getpeername(&self) -> Result<Address, Error> {
        core(|c| c.getpeername(&self.obj()))
    }
    fn setsockopt(&self, level: i32, name: i32, value: OptionValue) -> Result<(), Error> {
        core(|c| c.setsockopt(&self.obj(), level, name, &value))
    }
    fn getsockopt(&self, level: i32, name: i32, buflen: Option<i64>) -> Result<OptionValue, Error> {
        core(|c| c.getsockopt(&self.obj(), level, name, buflen))
    }
    fn settimeout(&self, timeout: Option<f64>) -> Result<(), Error> {
        core(|c| c.settimeout(&mut self.0.borrow_mut(), timeout))
    }
    fn gettimeout(&self) -> Option<f64> {
        self.0.borrow().timeout
    }
    fn setblocking(&self, blocking: bool) -> Result<(), Error> {
        core(|c| c.setblocking(&mut self.0.borrow_mut(), blocking))
    }
    fn getblocking(&self) -> Result<bool, Error> {
        Ok(self.0.borrow().timeout != Some(0.0))
    }
}

/// A `select.poll()` object: registrations in insertion order, as CPython's dict keeps them.
pub struct PyPoll(RefCell<Vec<(i32, u16)>>);

impl py_select::Guest for Component {
    type PollObject = PyPoll;
    type Epoll = PyEpoll;

    fn select(
        read: Vec<i32>,
        write: Vec<i32>,
        except: Vec<i32>,
        timeout: Option<f64>,
    ) -> Result<(Vec<u32>, Vec<u32>, Vec<u32>), Error> {
        let [r, w, x] = core(|c| c.select([&read, &write, &except], timeout))?;
        Ok((r, w, x))
    }
}

use select::check_fd;

impl py_select::GuestPollObject for PyPoll {
    fn new() -> Self {
        PyPoll(RefCell::new(Vec::new()))
    }
    fn register(&self, fd: i32, mask: u16) -> Result<(), Error> {
        check_fd(fd)?;
        let mut regs = self.0.borrow_mut();
        match regs.iter_mut().find(|(f, _)| *f == fd) {
            Some(r) => r.1 = mask,
            None => regs.push((fd, mask)),
        }
        Ok(())
    }
    fn modify(&self, fd: i32, mask: u16) -> Result<(), Error> {
        check_fd(fd)?;
        match self.0.borrow_mut().iter_mut().find(|(f, _)| *f == fd) {
            Some(r) => {
                r.1 = mask;
                Ok(())
            }
            None => Err(errno::os(bindings::pysock::net::types::Errno::Enoent)),
        }
    }
    fn unregister(&self, fd: i32) -> Result<(), Error> {
        check_fd(fd)?;
        let mut regs = self.0.borrow_mut();
        match regs.iter().position(|(f, _)| *f == fd) {
            Some(i) => {
                regs.remove(i);
                Ok(())
            }
            None => Err(Error::Key(fd)),
        }
    }
    fn poll(&self, timeout: Option<f64>) -> Result<Vec<(i32, u16)>, Error> {
        let regs = self.0.borrow().clone();
        core(|c| c.poll(&regs, timeout))
    }
}

/// A `select.epoll()` object: its descriptor in the guest's table, `None` once closed.
pub struct PyEpoll(std::cell::Cell<Option<i32>>);

impl Drop for PyEpoll {
    /// An epoll object collected unclosed closes its descriptor, as CPython's does.
    fn drop(&mut self) {
        if let Some(fd) = self.0.take() {
            let _ = CORE.try_with(|c| c.borrow_mut().close_fd(fd));
        }
    }
}

impl py_select::GuestEpoll for PyEpoll {
    fn create(sizehint: i64, flags: i64) -> Result<py_select::Epoll, Error> {
        let fd = core(|c| c.epoll_create(sizehint, flags))?;
        Ok(py_select::Epoll::new(PyEpoll(std::cell::Cell::new(Some(fd)))))
    }
    fn fileno(&self) -> Result<i32, Error> {
        self.0.get().ok_or_else(|| errno::value("I/O operation on closed epoll object"))
    }
    fn closed(&self) -> bool {
        self.0.get().is_none()
    }
    fn close(&self) {
        if let Some(fd) = self.0.take() {
            let _ = core(|c| c.close_fd(fd));
        }
    }
    fn register(&self, fd: i32, mask: u32) -> Result<(), Error> {
        core(|c| c.epoll_ctl(self.0.get(), host::EpollOp::Add, fd, mask))
    }
    fn modify(&self, fd: i32, mask: u32) -> Result<(), Error> {
        core(|c| c.epoll_ctl(self.0.get(), host::EpollOp::Modify, fd, mask))
    }
    fn unregister(&self, fd: i32) -> Result<(), Error> {
        core(|c| c.epoll_ctl(self.0.get(), host::EpollOp::Remove, fd, 0))
    }
    fn poll(&self, timeout: Option<f64>, maxevents: i64) -> Result<Vec<(i32, u32)>, Error> {
        core(|c| c.epoll_poll(self.0.get(), timeout, maxevents))
    }
}

use bindings::exports::pysock::net::ssl as py_ssl;

/// The exported MemoryBIO: its buffer is shared with the SSLObject that uses it.
pub struct PyBio(ssl::SharedBio);

impl py_ssl::GuestMemoryBio for PyBio {
    fn new() -> Self {
        PyBio(Default::default())
    }
    fn pending(&self) -> u64 {
        self.0.borrow().pending()
    }
    fn eof(&self) -> bool {
        self.0.borrow().eof()
    }
    fn read(&self, size: i64) -> Vec<u8> {
        self.0.borrow_mut().read(size)
    }
    fn write(&self, data: Vec<u8>) -> Result<u64, Error> {
        self.0.borrow_mut().write(&data)
    }
    fn write_eof(&self) {
        self.0.borrow_mut().write_eof()
    }
}

/// The socket object behind an SSL socket's call, if it passed one (an SSLObject passes none).
fn sock_obj(sock: &Option<py::SocketBorrow<'_>>) -> Option<SockObj> {
    sock.as_ref().map(|s| s.get::<PySocket>().obj())
}

impl py_ssl::Guest for Component {
    type Context = ssl::Context;
    type SslSocket = ssl::SslSocket;
    type MemoryBio = PyBio;
    type SslSession = ssl::SslSession;

    fn decode_certificate(der: Vec<u8>) -> Result<py_ssl::Certificate, Error> {
        let c = x509::decode(&der).ok_or_else(not_a_certificate)?;
        Ok(py_ssl::Certificate {
            subject: c.subject,
            issuer: c.issuer,
            version: c.version,
            serial_number: c.serial_number,
            not_before: c.not_before,
            not_after: c.not_after,
            subject_alt_name: c
                .subject_alt_name
                .into_iter()
                .map(|n| match n {
                    x509::AltName::Text(k, v) => py_ssl::AltName::Text((k, v)),
                    x509::AltName::DirName(rdns) => py_ssl::AltName::DirName(rdns),
                })
                .collect(),
            ocsp: c.ocsp,
            ca_issuers: c.ca_issuers,
            crl_distribution_points: c.crl_distribution_points,
        })
    }

    fn certificate_name(der: Vec<u8>) -> Result<String, Error> {
        Ok(x509::rfc2253(&x509::decode(&der).ok_or_else(not_a_certificate)?.subject))
    }
}

fn not_a_certificate() -> Error {
    Error::Ssl(py::SslError {
        kind: py::SslErrorKind::Ssl,
        library: "X509".into(),
        reason: "NOT_ENOUGH_DATA".into(),
        message: "not enough data".into(),
        verify_code: 0,
        verify_message: String::new(),
    })
}

impl py_ssl::GuestContext for ssl::Context {
    fn new(protocol: i32) -> Self {
        ssl::Context::new(protocol)
    }
    fn protocol(&self) -> i32 {
        ssl::Context::protocol(self)
    }
    fn verify_mode(&self) -> i32 {
        ssl::Context::verify_mode(self)
    }
    fn set_verify_mode(&self, mode: i32) -> Result<(), Error> {
        ssl::Context::set_verify_mode(self, mode)
    }
    fn check_hostname(&self) -> bool {
        ssl::Context::check_hostname(self)
    }
    fn set_check_hostname(&self, check: bool) {
        ssl::Context::set_check_hostname(self, check)
    }
    fn minimum_version(&self) -> i32 {
        ssl::Context::minimum_version(self)
    }
    fn set_minimum_version(&self, version: i32) -> Result<(), Error> {
        self.set_version(true, version)
    }
    fn maximum_version(&self) -> i32 {
        ssl::Context::maximum_version(self)
    }
    fn set_maximum_version(&self, version: i32) -> Result<(), Error> {
        self.set_version(false, version)
    }
    fn options(&self) -> u64 {
        ssl::Context::options(self)
    }
    fn set_options(&self, options: u64) {
        ssl::Context::set_options(self, options)
    }
    fn load_verify_pem(&self, pem: Vec<u8>, source: ssl::TrustSource) -> Result<(), Error> {
        ssl::Context::load_verify_pem(self, &pem, source)
    }
    fn load_verify_der(&self, der: Vec<u8>) -> Result<(), Error> {
        ssl::Context::load_verify_der(self, &der)
    }
    fn load_host_identity(&self, name: String) -> Result<(), Error> {
        self.config.use_host_identity(&name).map_err(ssl::from_engine)
    }
    fn load_default_trust(&self) -> Result<(), Error> {
        self.config.add_default_trust().map(|_| ()).map_err(ssl::from_engine)
    }
    fn ca_certificates(&self) -> Vec<Vec<u8>> {
        ssl::Context::ca_certificates(self)
    }
    fn cert_store_stats(&self) -> (u32, u32) {
        ssl::Context::cert_store_stats(self)
    }
    fn set_ecdh_curve(&self, name: String) {
        ssl::Context::set_ecdh_curve(self, &name)
    }
    fn load_cert_chain(&self, chain_pem: Vec<u8>, key_pem: Vec<u8>, password: Option<Vec<u8>>) -> Result<(), Error> {
        self.config.set_identity(&chain_pem, &key_pem, password.as_deref()).map_err(ssl::from_engine)
    }
    fn set_alpn_protocols(&self, wire: Vec<u8>) -> Result<(), Error> {
        ssl::Context::set_alpn_protocols(self, &wire)
    }
    fn set_ciphers(&self, ciphers: String) -> Result<(), Error> {
        ssl::Context::set_ciphers(self, &ciphers)
    }
    fn get_ciphers(&self) -> Vec<py_ssl::Cipher> {
        self.ciphers()
            .into_iter()
            .map(|s| py_ssl::Cipher {
                id: s.id,
                name: s.name.into(),
                protocol: s.protocol().into(),
                description: s.description(),
                strength_bits: s.bits,
                alg_bits: s.bits,
                aead: true,
                symmetric: s.symmetric.into(),
                digest: None,
                kea: format!("kx-{}", if s.tls13 { "any" } else { "ecdhe" }),
                auth: format!("auth-{}", s.auth.to_lowercase()),
            })
            .collect()
    }
    fn set_sni_callback(&self, present: bool) -> Result<(), Error> {
        ssl::Context::set_sni_callback(self, present)
    }
    fn num_tickets(&self) -> i64 {
        ssl::Context::num_tickets(self)
    }
    fn set_num_tickets(&self, count: i64) -> Result<(), Error> {
        ssl::Context::set_num_tickets(self, count)
    }
    fn session_stats(&self) -> Vec<(String, u64)> {
        ssl::Context::session_stats(self)
    }
    fn set_key_log(&self, enabled: bool) {
        self.config.set_key_log(enabled)
    }
    fn take_key_log(&self) -> Vec<String> {
        self.config.take_key_log()
    }
}

impl py_ssl::GuestSslSession for ssl::SslSession {
    fn id(&self) -> Vec<u8> {
        self.session.id()
    }
    fn time(&self) -> u64 {
        self.session.time()
    }
    fn timeout(&self) -> u32 {
        self.session.timeout()
    }
    fn ticket_lifetime_hint(&self) -> u32 {
        self.session.ticket_lifetime_hint()
    }
    fn has_ticket(&self) -> bool {
        self.session.has_ticket()
    }
}

impl py_ssl::GuestSslSocket for ssl::SslSocket {
    fn wrap(context: py_ssl::ContextBorrow<'_>, server_side: bool, server_hostname: Option<String>) -> Result<py_ssl::SslSocket, Error> {
        let s = ssl::SslSocket::wrap(context.get::<ssl::Context>(), server_side, server_hostname)?;
        Ok(py_ssl::SslSocket::new(s))
    }
    fn wrap_bio(
        context: py_ssl::ContextBorrow<'_>,
        incoming: py_ssl::MemoryBioBorrow<'_>,
        outgoing: py_ssl::MemoryBioBorrow<'_>,
        server_side: bool,
        server_hostname: Option<String>,
    ) -> Result<py_ssl::SslSocket, Error> {
        let (i, o) = (incoming.get::<PyBio>().0.clone(), outgoing.get::<PyBio>().0.clone());
        let s = ssl::SslSocket::wrap_bio(context.get::<ssl::Context>(), i, o, server_side, server_hostname)?;
        Ok(py_ssl::SslSocket::new(s))
    }
    fn do_handshake(&self, sock: Option<py::SocketBorrow<'_>>) -> Result<(), Error> {
        core(|c| c.ssl_handshake(sock_obj(&sock).as_ref(), self))
    }
    fn read(&self, sock: Option<py::SocketBorrow<'_>>, len: i64) -> Result<Vec<u8>, Error> {
        core(|c| c.ssl_read(sock_obj(&sock).as_ref(), self, len))
    }
    fn write(&self, sock: Option<py::SocketBorrow<'_>>, data: Vec<u8>) -> Result<u64, Error> {
        core(|c| c.ssl_write(sock_obj(&sock).as_ref(), self, &data))
    }
    fn pending(&self) -> u32 {
        self.conn.pending()
    }
    fn shutdown(&self, sock: Option<py::SocketBorrow<'_>>) -> Result<(), Error> {
        core(|c| c.ssl_shutdown(sock_obj(&sock).as_ref(), self))
    }
    fn peer_certificates(&self) -> Vec<Vec<u8>> {
        self.conn.peer_certificates()
    }
    fn version(&self) -> Option<String> {
        use bindings::pysock::net::tls::ProtocolVersion;
        if self.conn.is_handshaking() {
            return None;
        }
        self.conn.protocol_version().map(|v| match v {
            ProtocolVersion::Tls13 => "TLSv1.3".to_string(),
            ProtocolVersion::Tls12 => "TLSv1.2".to_string(),
        })
    }
    fn cipher(&self) -> Option<(String, String, u32)> {
        self.conn.cipher()
    }
    fn selected_alpn_protocol(&self) -> Option<String> {
        self.conn.alpn_protocol().map(|p| String::from_utf8_lossy(&p).into_owned())
    }
    fn server_side(&self) -> bool {
        ssl::SslSocket::server_side(self)
    }
    fn server_hostname(&self) -> Option<String> {
        ssl::SslSocket::server_hostname(self)
    }
    fn verified(&self) -> bool {
        ssl::SslSocket::verified(self)
    }
    fn choose_context(&self, context: py_ssl::ContextBorrow<'_>) {
        ssl::SslSocket::choose_context(self, context.get::<ssl::Context>())
    }
    fn refuse_handshake(&self, alert: i64) {
        ssl::SslSocket::refuse_handshake(self, alert)
    }
    fn set_session(&self, session: py_ssl::SslSessionBorrow<'_>) -> Result<(), Error> {
        ssl::SslSocket::set_session(self, session.get::<ssl::SslSession>())
    }
    fn session(&self) -> Option<py_ssl::SslSession> {
        ssl::SslSocket::session(self).map(py_ssl::SslSession::new)
    }
    fn session_reused(&self) -> bool {
        ssl::SslSocket::session_reused(self)
    }
    fn shared_ciphers(&self) -> Option<Vec<(String, String, u32)>> {
        ssl::SslSocket::shared_ciphers(self)
    }
    fn verified_chain(&self, context: py_ssl::ContextBorrow<'_>) -> Vec<Vec<u8>> {
        if !self.verified() {
            return Vec::new();
        }
        context.get::<ssl::Context>().verified_chain(self.conn.peer_certificates())
    }
}

// Only the WebAssembly build exports the component's functions: a native build (unit tests, fuzz/) links
// the logic as a library, and the export names are not valid native symbols.
#[cfg(target_arch = "wasm32")]
bindings::export!(Component with_types_in bindings);
