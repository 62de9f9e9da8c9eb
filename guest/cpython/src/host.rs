//! The guest logic's host ([`pysock_guest::host`]) over this component's `pysock:net` imports.
//!
//! The WIT types and the core's are the same shapes under two names; `same_enum!` writes each
//! conversion from one list of variants.

use crate::bindings::pysock::net::{data, net, tls, types};
use pysock_guest::host::{self as core, Errno, Events, Family, GaiError, IpSocketAddress, Kind, Received};
use std::mem::MaybeUninit;
use std::time::Duration;

/// Linux's (and WASI CPython's) number for SIGINT.
const SIGINT: i32 = 2;

/// `From` both ways between a WIT enum and the core's enum of the same variants.
macro_rules! same_enum {
    ($wit:ty, $core:ty, [$($v:ident),* $(,)?]) => {
        impl From<$wit> for Core<$core> {
            fn from(w: $wit) -> Self {
                Core(match w { $(<$wit>::$v => <$core>::$v),* })
            }
        }
        impl From<$core> for Wit<$wit> {
            fn from(c: $core) -> Self {
                Wit(match c { $(<$core>::$v => <$wit>::$v),* })
            }
        }
    };
}

/// A value converted to the core's type, or to the WIT's: the orphan rule keeps `From` between
/// two foreign types out of reach, so conversions go through these wrappers.
struct Core<T>(T);
struct Wit<T>(T);

fn core<W, C>(w: W) -> C
where
    Core<C>: From<W>,
{
    Core::<C>::from(w).0
}

fn wit<C, W>(c: C) -> W
where
    Wit<W>: From<C>,
{
    Wit::<W>::from(c).0
}

same_enum!(types::Errno, Errno, [
    Eacces, Eaddrinuse, Eaddrnotavail, Eafnosupport, Eagain, Ealready, Ebadf, Econnaborted,
    Econnrefused, Econnreset, Edestaddrreq, Ehostdown, Ehostunreach, Eintr, Einprogress, Einval,
    Eio, Eisconn, Emfile, Emsgsize, Enametoolong, Enetdown, Enetreset, Enetunreach, Enfile,
    Enobufs, Enoent, Enomem, Enoprotoopt, Enotconn, Enotsock, Eopnotsupp, Eperm, Epipe,
    Eprotonosupport, Eprototype, Erange, Eshutdown, Esocktnosupport, Etimedout, Eoverflow,
    Enosys, Efault, Eexist, Edom, Enxio, Edeadlk, Enolck, Enodev, Enotty, Enotdir,
]);
same_enum!(types::GaiError, GaiError, [
    EaiAddrfamily, EaiAgain, EaiBadflags, EaiFail, EaiFamily, EaiMemory, EaiNodata, EaiNoname,
    EaiService, EaiSocktype, EaiSystem, EaiOverflow,
]);
same_enum!(types::Family, Family, [Inet, Inet6, Unix]);
same_enum!(types::Kind, Kind, [Stream, Dgram, Seqpacket]);
same_enum!(net::ShutdownHow, core::ShutdownHow, [Read, Write, Both]);
same_enum!(net::Queue, core::Queue, [Unread, Unsent]);
same_enum!(net::InterfaceQuery, core::InterfaceQuery, [
    Name, Index, StatusFlags, Address, DestinationAddress, BroadcastAddress, Netmask, PrivateFlags,
    Metric, Mtu, TransmitQueueLength, DeviceMap, HardwareAddress,
]);
same_enum!(net::Sockopt, core::Sockopt, [
    Reuseaddr, Reuseport, Keepalive, Broadcast, Rcvbuf, Sndbuf, Linger, Oobinline, Rcvlowat,
    Sndlowat, Rcvtimeo, Sndtimeo, TcpNodelay, TcpKeepidle, TcpKeepintvl, TcpKeepcnt,
    Ipv6V6only, IpTtl, IpTos, IpMulticastTtl, IpMulticastLoop, Ipv6UnicastHops,
    Acceptconn, SockType, Domain, Protocol, SockError, TcpMaxseg, TcpCork, TcpSyncnt, TcpLinger2,
    TcpDeferAccept, TcpWindowClamp, TcpQuickack, TcpUserTimeout, TcpFastopen, TcpNotsentLowat,
    Priority, Dontroute, IncomingCpu, IpBindAddressNoPort, Mark, IpTransparent,
    IpPktinfo, IpRecvttl, IpRecvtos, Ipv6Recvpktinfo, Ipv6Recvhoplimit, Ipv6Recvtclass,
]);
same_enum!(net::ByteOption, core::ByteOption, [
    TcpInfo, TcpCongestion, IpMulticastIf, Ipv6Tclass, Ipv6MulticastHops, Ipv6MulticastLoop, Ipv6MulticastIf, Ipv6Dontfrag,
    BindToDevice,
]);
same_enum!(tls::ErrorKind, core::TlsErrorKind, [Ssl, ZeroReturn, WantRead, Eof, CertVerification]);
same_enum!(tls::ProtocolVersion, core::ProtocolVersion, [Tls12, Tls13]);
same_enum!(tls::VerifyMode, core::VerifyMode, [None, Optional, Required]);

/// A WIT errno as the core's (for the modules that call the host directly, too).
pub(crate) fn errno(e: types::Errno) -> Errno {
    core(e)
}

fn address_to_core(a: types::IpSocketAddress) -> IpSocketAddress {
    let address = match a.address {
        types::IpAddress::V4(o) => core::IpAddress::V4(o),
        types::IpAddress::V6(s) => core::IpAddress::V6(s),
    };
    IpSocketAddress { address, port: a.port, flowinfo: a.flowinfo, scope_id: a.scope_id }
}

fn address_to_wit(a: &IpSocketAddress) -> types::IpSocketAddress {
    let address = match a.address {
        core::IpAddress::V4(o) => types::IpAddress::V4(o),
        core::IpAddress::V6(s) => types::IpAddress::V6(s),
    };
    types::IpSocketAddress { address, port: a.port, flowinfo: a.flowinfo, scope_id: a.scope_id }
}

fn socket_address_to_core(a: types::SocketAddress) -> core::SocketAddress {
    match a {
        types::SocketAddress::Ip(ip) => core::SocketAddress::Ip(address_to_core(ip)),
        types::SocketAddress::Path(path) => core::SocketAddress::Path(path),
    }
}

fn socket_address_to_wit(a: &core::SocketAddress) -> types::SocketAddress {
    match a {
        core::SocketAddress::Ip(ip) => types::SocketAddress::Ip(address_to_wit(ip)),
        core::SocketAddress::Path(path) => types::SocketAddress::Path(path.clone()),
    }
}

fn nanos(t: Option<Duration>) -> Option<u64> {
    t.map(|t| u64::try_from(t.as_nanos()).unwrap_or(u64::MAX))
}

fn tls_error(e: tls::Error) -> core::TlsError {
    core::TlsError {
        kind: core(e.kind),
        library: e.library,
        reason: e.reason,
        message: e.message,
        verify_code: e.verify_code,
        verify_message: e.verify_message,
    }
}

/// The host behind this component's imports.
pub struct WitHost;

impl WitHost {
    /// Why the host, not the kernel, refused the last call that failed (its policy, a quota).
    pub fn explain() -> Option<String> {
        net::explain()
    }
}

/// A socket as this extension holds it: its handle, and the host's number for it, which the data
/// path's calls take in place of a borrowed handle (`socket.id` in the WIT).
pub struct Socket {
    handle: net::Socket,
    id: u32,
}

impl Socket {
    fn new(handle: net::Socket) -> Socket {
        let id = handle.id();
        Socket { handle, id }
    }
}

thread_local! {
    /// Whether the call running now ends for a Python signal handler, to run it and call again.
    static HANDS_BACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The running call's kept deadline ([`core::Host::keep_deadline`]).
    static KEPT_DEADLINE: std::cell::Cell<Option<Duration>> = const { std::cell::Cell::new(None) };
}

/// A call whose waits end for a Python signal handler ([`core::Signalled::HandBack`]), for its
/// caller to run the handler and make the call again (`crate::restarting`), with the deadline it had.
#[derive(Default)]
pub(crate) struct HandingBack {
    kept_deadline: Option<Duration>,
}

impl HandingBack {
    /// Runs (or runs again) the call. The deadline it keeps when handed back is for the next run
    /// alone: a handler's own calls, which run in between, neither see nor change it.
    pub(crate) fn run<T>(&mut self, call: impl FnOnce() -> T) -> T {
        let hands_back = HANDS_BACK.replace(true);
        let outer = KEPT_DEADLINE.replace(self.kept_deadline.take());
        let got = call();
        self.kept_deadline = KEPT_DEADLINE.replace(outer);
        HANDS_BACK.set(hands_back);
        got
    }
}

impl core::Host for WitHost {
    type Socket = Socket;
    type Epoll = net::Epoll;
    type Tls = WitTls;

    fn epoll_create(&self) -> Result<net::Epoll, Errno> {
        net::Epoll::create().map_err(errno)
    }
    fn epoll_ctl(&self, ep: &net::Epoll, op: core::EpollOp, w: core::Watched<'_, Socket>, key: u32, mask: u32) -> Result<(), Errno> {
        let w = match w {
            core::Watched::Socket(s) => net::Watched::Socket(&s.handle),
            core::Watched::Input => net::Watched::Input,
        };
        match op {
            core::EpollOp::Add => ep.add(&w, key, mask),
            core::EpollOp::Modify => ep.modify(&w, key, mask),
            core::EpollOp::Remove => ep.remove(&w),
        }
        .map_err(errno)
    }
    fn epoll_wait(&self, ep: &net::Epoll, max: u32, timeout: Option<Duration>) -> Result<Vec<(u32, u32)>, Errno> {
        ep.wait(max, nanos(timeout)).map_err(errno)
    }
    fn create(&self, family: Family, kind: Kind, protocol: i32) -> Result<Socket, Errno> {
        net::Socket::create(wit(family), wit(kind), protocol).map(Socket::new).map_err(errno)
    }
    fn pair(&self, kind: Kind) -> Result<(Socket, Socket), Errno> {
        let (a, b) = net::Socket::pair(wit(kind)).map_err(errno)?;
        Ok((Socket::new(a), Socket::new(b)))
    }
    fn bind(&self, s: &Socket, a: &IpSocketAddress) -> Result<(), Errno> {
        s.handle.bind(address_to_wit(a)).map_err(errno)
    }
    fn listen(&self, s: &Socket, backlog: i32) -> Result<(), Errno> {
        s.handle.listen(backlog).map_err(errno)
    }
    fn connect(&self, s: &Socket, a: &IpSocketAddress) -> Result<(), Errno> {
        s.handle.connect(address_to_wit(a)).map_err(errno)
    }
    fn disconnect(&self, s: &Socket) -> Result<(), Errno> {
        s.handle.disconnect().map_err(errno)
    }
    fn bind_path(&self, s: &Socket, path: &[u8], name: &[u8]) -> Result<(), Errno> {
        s.handle.bind_path(path, name).map_err(errno)
    }
    fn connect_path(&self, s: &Socket, path: &[u8], wait: bool) -> Result<(), Errno> {
        s.handle.connect_path(path, wait).map_err(errno)
    }
    fn path_name(&self, s: &Socket, peer: bool) -> Result<Vec<u8>, Errno> {
        s.handle.path_name(peer).map_err(errno)
    }
    fn accept(&self, s: &Socket) -> Result<(Socket, Option<IpSocketAddress>), Errno> {
        let (conn, peer) = s.handle.accept().map_err(errno)?;
        Ok((Socket::new(conn), peer.map(address_to_core)))
    }
    fn send(&self, s: &Socket, bytes: &[u8], flags: i32) -> Result<u32, Errno> {
        data::send(s.id, bytes, flags, false).map_err(errno)
    }
    fn send_waiting(&self, s: &Socket, bytes: &[u8], flags: i32) -> Result<u32, Errno> {
        data::send(s.id, bytes, flags, true).map_err(errno)
    }
    fn send_to(&self, s: &Socket, bytes: &[u8], flags: i32, a: &core::SocketAddress) -> Result<u32, Errno> {
        data::send_to(s.id, bytes, flags, &socket_address_to_wit(a), false).map_err(errno)
    }
    fn send_to_waiting(&self, s: &Socket, bytes: &[u8], flags: i32, a: &core::SocketAddress) -> Result<u32, Errno> {
        data::send_to(s.id, bytes, flags, &socket_address_to_wit(a), true).map_err(errno)
    }
    fn recv(&self, s: &Socket, into: &mut [MaybeUninit<u8>], flags: i32) -> Result<Received, Errno> {
        crate::landing::recv(s.id, into, flags, false).map_err(errno)
    }
    fn recv_waiting(&self, s: &Socket, into: &mut [MaybeUninit<u8>], flags: i32) -> Result<Received, Errno> {
        crate::landing::recv(s.id, into, flags, true).map_err(errno)
    }
    fn recv_from(&self, s: &Socket, into: &mut [MaybeUninit<u8>], flags: i32) -> Result<(Received, Option<core::SocketAddress>), Errno> {
        recv_from(s, into, flags, false)
    }
    fn recv_from_waiting(&self, s: &Socket, into: &mut [MaybeUninit<u8>], flags: i32) -> Result<(Received, Option<core::SocketAddress>), Errno> {
        recv_from(s, into, flags, true)
    }
    fn send_with_descriptors(&self, s: &Socket, bytes: &[u8], flags: i32, descriptors: &[(&Socket, u64)], to: Option<&core::SocketAddress>, wait: bool) -> Result<u32, Errno> {
        let passed: Vec<(&net::Socket, u64)> = descriptors.iter().map(|(d, word)| (&d.handle, *word)).collect();
        s.handle.send_with_descriptors(bytes, flags, &passed, to.map(socket_address_to_wit).as_ref(), wait).map_err(errno)
    }
    fn receive_with_descriptors(&self, s: &Socket, into: &mut [MaybeUninit<u8>], flags: i32, control_room: u32, wait: bool) -> Result<core::Message<Socket>, Errno> {
        let got = s.handle.receive_with_descriptors(into.len() as u64, flags, control_room, wait).map_err(errno)?;
        // A message on a socketpair is small next to a stream's bulk: copied over, as datagrams are.
        let n = got.data.data.len().min(into.len());
        for (slot, byte) in into.iter_mut().zip(&got.data.data[..n]) {
            slot.write(*byte);
        }
        Ok(core::Message {
            received: Received { written: n, length: got.data.length },
            from: got.address.map(socket_address_to_core),
            descriptors: got.descriptors.into_iter().map(|(handle, word)| (Socket::new(handle), word)).collect(),
            control: got.control,
            flags: got.flags,
        })
    }
    fn shutdown(&self, s: &Socket, how: core::ShutdownHow) -> Result<(), Errno> {
        s.handle.shutdown(wit(how)).map_err(errno)
    }
    fn local_address(&self, s: &Socket) -> Result<Option<IpSocketAddress>, Errno> {
        Ok(s.handle.local_address().map_err(errno)?.map(address_to_core))
    }
    fn remote_address(&self, s: &Socket) -> Result<Option<IpSocketAddress>, Errno> {
        Ok(s.handle.remote_address().map_err(errno)?.map(address_to_core))
    }
    fn get_option(&self, s: &Socket, o: core::Sockopt) -> Result<i64, Errno> {
        s.handle.get_option(wit(o)).map_err(errno)
    }
    fn set_option(&self, s: &Socket, o: core::Sockopt, v: i64) -> Result<(), Errno> {
        s.handle.set_option(wit(o), v).map_err(errno)
    }
    fn get_option_bytes(&self, s: &Socket, o: core::ByteOption, length: u32) -> Result<Vec<u8>, Errno> {
        s.handle.get_option_bytes(wit(o), length).map_err(errno)
    }
    fn set_option_bytes(&self, s: &Socket, o: core::ByteOption, v: core::OptionBytes<'_>) -> Result<(), Errno> {
        let v = match v {
            core::OptionBytes::Bytes(b) => net::OptionBytes::Bytes(b.to_vec()),
            core::OptionBytes::Null(len) => net::OptionBytes::Null(len),
        };
        s.handle.set_option_bytes(wit(o), &v).map_err(errno)
    }
    fn take_error(&self, s: &Socket) -> Result<Option<Errno>, Errno> {
        Ok(s.handle.take_error().map_err(errno)?.map(errno))
    }
    fn duplicate(&self, s: &Socket) -> Result<Socket, Errno> {
        s.handle.duplicate().map(Socket::new).map_err(errno)
    }
    fn queued(&self, s: &Socket, queue: core::Queue) -> Result<u32, Errno> {
        s.handle.queued(wit(queue)).map_err(errno)
    }
    fn at_mark(&self, s: &Socket) -> Result<bool, Errno> {
        s.handle.at_mark().map_err(errno)
    }
    fn query_interface(&self, s: &Socket, query: core::InterfaceQuery, ifreq: &[u8; core::IFREQ_SIZE]) -> Result<[u8; core::IFREQ_SIZE], Errno> {
        let answer = s.handle.query_interface(wit(query), ifreq).map_err(errno)?;
        answer.as_slice().try_into().map_err(|_| Errno::Efault)
    }
    fn wait(&self, sockets: &[(&Socket, Events)], input: Events, timeout: Option<Duration>) -> Result<Vec<(u32, Events)>, Errno> {
        let list: Vec<(&net::Socket, net::Events)> =
            sockets.iter().map(|(s, e)| (&s.handle, net::Events::from_bits_retain(e.bits()))).collect();
        let ready = net::wait(&list, net::Events::from_bits_retain(input.bits()), nanos(timeout)).map_err(errno)?;
        Ok(ready.into_iter().map(|(i, e)| (i, Events::from_bits(e.bits()))).collect())
    }
    fn keep_deadline(&self, deadline: Duration) {
        KEPT_DEADLINE.set(Some(deadline));
    }
    fn resumed_deadline(&self) -> Option<Duration> {
        KEPT_DEADLINE.take()
    }
    fn check_signals(&self) -> core::Signalled {
        // The host ended a wait for the signals it names (SIGINT, SIGALRM). No Python code runs
        // here: a handler may use sockets, and this call is inside one.
        pyo3::Python::attach(|py| match handle_signals(py, net::take_signals()) {
            Ok(outcome) => outcome,
            Err(e) => {
                e.restore(py);
                core::Signalled::Raised
            }
        })
    }
    fn now(&self) -> Duration {
        use std::sync::OnceLock;
        static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
        ORIGIN.get_or_init(std::time::Instant::now).elapsed()
    }
    fn resolve(
        &self,
        host: Option<&str>,
        service: Option<&str>,
        family: Option<Family>,
        socket_type: i32,
        protocol: i32,
        flags: i32,
    ) -> Result<Vec<core::AddressInfo>, GaiError> {
        let list = net::resolve(host, service, family.map(wit), socket_type, protocol, flags).map_err(core)?;
        Ok(list
            .into_iter()
            .map(|a| core::AddressInfo {
                family: core(a.family),
                socket_type: a.socket_type,
                protocol: a.protocol,
                canonical_name: a.canonical_name,
                address: address_to_core(a.address),
            })
            .collect())
    }
    fn name_info(&self, a: &IpSocketAddress, flags: i32) -> Result<(String, String), GaiError> {
        net::name_info(address_to_wit(a), flags).map_err(core)
    }
    fn host_name(&self) -> Result<String, Errno> {
        net::host_name().map_err(errno)
    }
    fn interfaces(&self) -> Result<Vec<(u32, String)>, Errno> {
        net::interfaces().map_err(errno)
    }
    fn claim_descriptor(&self, unused: &dyn Fn(i32) -> bool) -> Result<Option<i32>, Errno> {
        crate::descriptors::claim(unused).map(Some)
    }
    fn release_descriptor(&self, fd: i32) {
        crate::descriptors::release(fd)
    }
    fn is_open_file(&self, fd: i32) -> bool {
        crate::descriptors::is_open_file(fd)
    }
    fn number_on_linux(&self, fd: i32) -> i32 {
        crate::descriptors::number_on_linux(fd)
    }
}

/// The host's TLS engine behind this component's `pysock:net/tls` import.
pub struct WitTls;

impl core::Tls for WitTls {
    type Socket = Socket;
    type Config = tls::Config;
    type Connection = tls::Connection;
    type Session = tls::Session;
}

impl core::TlsConfig for tls::Config {
    type Session = tls::Session;
    fn new(server_side: bool) -> Self {
        tls::Config::new(server_side)
    }
    fn add_trust_pem(&self, pem: &[u8]) -> Result<u32, core::TlsError> {
        tls::Config::add_trust_pem(self, pem).map_err(tls_error)
    }
    fn add_trust_der(&self, der: &[u8]) -> Result<(), core::TlsError> {
        tls::Config::add_trust_der(self, der).map_err(tls_error)
    }
    fn add_default_trust(&self) -> Result<u32, core::TlsError> {
        tls::Config::add_default_trust(self).map_err(tls_error)
    }
    fn trust_anchors(&self) -> Vec<Vec<u8>> {
        tls::Config::trust_anchors(self)
    }
    fn use_host_identity(&self, name: &str) -> Result<(), core::TlsError> {
        tls::Config::use_host_identity(self, name).map_err(tls_error)
    }
    fn set_identity(&self, chain_pem: &[u8], key_pem: &[u8], password: Option<&[u8]>) -> Result<(), core::TlsError> {
        tls::Config::set_identity(self, chain_pem, key_pem, password).map_err(tls_error)
    }
    fn set_verify_mode(&self, mode: core::VerifyMode) {
        tls::Config::set_verify_mode(self, wit(mode))
    }
    fn set_check_hostname(&self, check: bool) {
        tls::Config::set_check_hostname(self, check)
    }
    fn set_versions(&self, minimum: core::ProtocolVersion, maximum: core::ProtocolVersion) {
        tls::Config::set_versions(self, wit(minimum), wit(maximum))
    }
    fn set_alpn(&self, protocols: &[Vec<u8>]) {
        tls::Config::set_alpn(self, protocols)
    }
    fn set_tls12_ciphers(&self, names: &[String]) {
        tls::Config::set_tls12_ciphers(self, names)
    }
    fn set_tickets(&self, enabled: bool, tls13_count: u32) {
        tls::Config::set_tickets(self, enabled, tls13_count)
    }
    fn set_sni_callback(&self, enabled: bool) {
        tls::Config::set_sni_callback(self, enabled)
    }
    fn set_ecdh_curve(&self, name: &str) {
        tls::Config::set_ecdh_curve(self, name)
    }
    fn session_stats(&self) -> core::SessionStats {
        let s = tls::Config::session_stats(self);
        core::SessionStats {
            number: s.number,
            connect: s.connect,
            connect_good: s.connect_good,
            accept: s.accept,
            accept_good: s.accept_good,
            hits: s.hits,
            misses: s.misses,
            cache_full: s.cache_full,
        }
    }
    fn set_key_log(&self, enabled: bool) {
        tls::Config::set_key_log(self, enabled)
    }
    fn take_key_log(&self) -> Vec<String> {
        tls::Config::take_key_log(self)
    }
}

impl core::TlsConnection for tls::Connection {
    type Config = tls::Config;
    type Session = tls::Session;
    type Socket = Socket;
    fn open(config: &tls::Config, server_name: Option<&str>) -> Result<Self, core::TlsError> {
        tls::Connection::open(config, server_name).map_err(tls_error)
    }
    fn set_session(&self, session: &tls::Session) -> Result<(), core::TlsError> {
        tls::Connection::set_session(self, session).map_err(tls_error)
    }
    fn session(&self) -> Option<tls::Session> {
        tls::Connection::session(self)
    }
    fn session_reused(&self) -> bool {
        tls::Connection::session_reused(self)
    }
    fn offered_ciphers(&self) -> Vec<String> {
        tls::Connection::offered_ciphers(self)
    }
    fn client_hello(&self) -> Option<Option<String>> {
        tls::Connection::client_hello(self).map(|hello| hello.server_name)
    }
    fn accept_hello(&self, config: &tls::Config) -> Result<(), core::TlsError> {
        tls::Connection::accept_hello(self, config).map_err(tls_error)
    }
    fn refuse_hello(&self, alert: u8) -> core::TlsError {
        tls_error(tls::Connection::refuse_hello(self, alert))
    }
    fn receive(&self, ciphertext: &[u8]) -> Result<(), core::TlsError> {
        tls::Connection::receive(self, ciphertext).map_err(tls_error)
    }
    fn transmit(&self, max_len: u32) -> Vec<u8> {
        tls::Connection::transmit(self, max_len)
    }
    fn flush_to(&self, socket: &Socket) -> Result<bool, Errno> {
        tls::Connection::flush_to(self, &socket.handle).map_err(errno)
    }
    fn fill_from(&self, socket: &Socket, wait: bool) -> Result<u32, core::FillError> {
        tls::Connection::fill_from(self, &socket.handle, wait).map_err(|e| match e {
            tls::FillError::Socket(e) => core::FillError::Socket(errno(e)),
            tls::FillError::Engine(e) => core::FillError::Engine(tls_error(e)),
        })
    }
    fn is_handshaking(&self) -> bool {
        tls::Connection::is_handshaking(self)
    }
    fn read(&self, max_len: u32) -> Result<Vec<u8>, core::TlsError> {
        tls::Connection::read(self, max_len).map_err(tls_error)
    }
    fn pending(&self) -> u32 {
        tls::Connection::pending(self)
    }
    fn write(&self, plaintext: &[u8]) -> Result<u32, core::TlsError> {
        tls::Connection::write(self, plaintext).map_err(tls_error)
    }
    fn close(&self) {
        tls::Connection::close(self)
    }
    fn peer_certificates(&self) -> Vec<Vec<u8>> {
        tls::Connection::peer_certificates(self)
    }
    fn protocol_version(&self) -> Option<core::ProtocolVersion> {
        tls::Connection::protocol_version(self).map(core)
    }
    fn cipher(&self) -> Option<(String, String, u32)> {
        tls::Connection::cipher(self)
    }
    fn alpn_protocol(&self) -> Option<Vec<u8>> {
        tls::Connection::alpn_protocol(self)
    }
}

impl core::TlsSession for tls::Session {
    fn id(&self) -> Vec<u8> {
        tls::Session::id(self)
    }
    fn time(&self) -> u64 {
        tls::Session::time(self)
    }
    fn timeout(&self) -> u32 {
        tls::Session::timeout(self)
    }
    fn ticket_lifetime_hint(&self) -> u32 {
        tls::Session::ticket_lifetime_hint(self)
    }
    fn has_ticket(&self) -> bool {
        tls::Session::has_ticket(self)
    }
}

/// `pysock:net/data.recv-from` into `into`; with `wait`, the host waits for a datagram or bytes as
/// a blocking socket's recvfrom(2) does.
fn recv_from(s: &Socket, into: &mut [MaybeUninit<u8>], flags: i32, wait: bool) -> Result<(Received, Option<core::SocketAddress>), Errno> {
    let (got, from) = data::recv_from(s.id, into.len() as u64, flags, wait).map_err(errno)?;
    // Datagrams are small: their bytes are copied over from the list the binding made.
    let n = got.data.len().min(into.len());
    for (slot, byte) in into.iter_mut().zip(&got.data[..n]) {
        slot.write(*byte);
    }
    Ok((Received { written: n, length: got.length }, from.map(socket_address_to_core)))
}

/// What CPython's PyErr_CheckSignals would do with each of `signals`, by the program's handler for
/// it, found as `signal.getsignal` reports it ([`signalled`]): what a running call is to do (a
/// handler found: Pending or HandBack, as the call has it), or the exception one raised. Every
/// signal is handled (a handler tripped, or the run ended) before that exception is given.
pub(crate) fn handle_signals(py: pyo3::Python<'_>, signals: Vec<u8>) -> pyo3::PyResult<core::Signalled> {
    let mut outcome = core::Signalled::Ignored;
    let mut raised = None;
    for signal in signals {
        match signalled(py, i32::from(signal)) {
            Ok(core::Signalled::Ignored) => {}
            Ok(handled) => outcome = handled,
            Err(e) => raised = raised.or(Some(e)),
        }
    }
    raised.map_or(Ok(outcome), Err)
}

/// What `signal` comes to by the program's handler for it: KeyboardInterrupt for SIGINT's default
/// handler; a Python handler to trip ([`trip_found_handlers`]); the run ended for SIG_DFL; nothing
/// for SIG_IGN.
fn signalled(py: pyo3::Python<'_>, signal: i32) -> pyo3::PyResult<core::Signalled> {
    use pyo3::prelude::*;
    let module = py.import("signal")?;
    let handler = module.call_method1("getsignal", (signal,))?;
    if signal == SIGINT && handler.is(&module.getattr("default_int_handler")?) {
        return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err(()));
    }
    if handler.is_callable() {
        FOUND_HANDLERS.set(FOUND_HANDLERS.get() | 1 << signal);
        return Ok(if HANDS_BACK.get() { core::Signalled::HandBack } else { core::Signalled::Pending });
    }
    match handler.extract::<i64>() {
        Ok(0) => match end_as_killed_by(py, signal)? {},
        _ => Ok(core::Signalled::Ignored),
    }
}

/// Ends the run as `signal`, left at SIG_DFL, ends a native process (SIGINT and the timers' SIGALRM,
/// SIGVTALRM and SIGPROF from the host; any that ends a process from `signal.raise_signal` and `os.kill`): where it stands, with
/// no cleanup, no atexit and no flush, and a shell reports 128 + the signal. WASI's exit takes
/// only success or failure; its exit-with-code, which pysock's launcher imports, takes the status.
pub(crate) fn end_as_killed_by(py: pyo3::Python<'_>, signal: i32) -> pyo3::PyResult<std::convert::Infallible> {
    use pyo3::prelude::*;
    let status = 128 + signal;
    if let Ok(exit) = py.import("wit_world.imports.exit") {
        exit.call_method1("exit_with_code", (status,))?;
    }
    py.import("os")?.call_method1("_exit", (status,))?;
    unreachable!("os._exit returned")
}

thread_local! {
    /// The signals whose Python handlers `check_signals` found, to trip once the core is free.
    static FOUND_HANDLERS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Trips the signals whose Python handlers `check_signals` found, as their C handlers would: the
/// interpreter runs each at its next check, which a call made through `crate::restarting` makes at
/// once, and any other once it has returned. Not inside `check_signals`, which runs inside a call
/// into the core: tripping writes the signal's number to `signal.set_wakeup_fd`'s descriptor,
/// which may be a socket (asyncio's self-pipe, for `loop.add_signal_handler`), and that write is
/// a call into the core too.
pub(crate) fn trip_found_handlers() {
    let found = FOUND_HANDLERS.get();
    if found == 0 {
        return;
    }
    FOUND_HANDLERS.set(0);
    pyo3::Python::attach(|py| {
        use pyo3::prelude::*;
        for signal in (0..64).filter(|n| found & 1 << n != 0) {
            let tripped = py.import("_thread").and_then(|t| t.call_method1("interrupt_main", (signal,)));
            if let Err(e) = tripped {
                e.write_unraisable(py, None);
            }
        }
    });
}
