//! The `pysock:net/net` interface: non-blocking kernel sockets, one readiness wait, and name lookup.
//!
//! Every socket is non-blocking from birth and is registered with the store's `mio::Poll`, which
//! `wait` sleeps on. mio is edge-triggered and an edge may have been consumed by an earlier wait, so
//! the answer to "what is ready" always comes from poll(2) with a zero timeout over the requested
//! sockets: that reports exactly Linux's bits (POLLHUP on a fresh TCP socket, POLLERR after a refused
//! connect), and the mio wait only decides when to look again.

use crate::bindings::pysock::net::net::{
    AddressInfo, Events, Host, HostSocket, ShutdownHow, Sockopt,
};
use crate::bindings::pysock::net::types::{Errno, Family, GaiError, IpAddress, IpSocketAddress, Kind};
use crate::{PysockCtxView, errno, sys};
use socket2::{Domain, Protocol, SockAddr, Type};
use std::ffi::CString;
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};
use wasmtime::component::Resource;

/// The most bytes one `recv` hands back, whatever length the guest asked for: a guest's
/// `recv(2**31)` must not make the host allocate 2 GiB. Larger than any datagram.
pub const MAX_RECV: usize = 4 << 20;

/// A kernel socket owned by the guest through a resource handle.
pub struct Socket {
    inner: socket2::Socket,
    family: Family,
    kind: Kind,
}

impl Socket {
    fn new(inner: socket2::Socket, family: Family, kind: Kind, ctx: &mut PysockCtxView<'_>) -> Result<Self, Errno> {
        inner.set_nonblocking(true).map_err(|e| errno::from_io(&e))?;
        let fd = inner.as_raw_fd();
        ctx.ctx
            .poll
            .registry()
            .register(&mut mio::unix::SourceFd(&fd), mio::Token(fd as usize), mio::Interest::READABLE | mio::Interest::WRITABLE)
            .map_err(|e| errno::from_io(&e))?;
        ctx.ctx.open_sockets += 1;
        Ok(Socket { inner, family, kind })
    }
}

type R<T> = wasmtime::Result<Result<T, Errno>>;

fn io<T>(r: std::io::Result<T>) -> Result<T, Errno> {
    r.map_err(|e| errno::from_io(&e))
}

pub(crate) fn to_std(a: &IpSocketAddress) -> SocketAddr {
    match a.address {
        IpAddress::V4((a0, a1, a2, a3)) => SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(a0, a1, a2, a3), a.port)),
        IpAddress::V6((a0, a1, a2, a3, a4, a5, a6, a7)) => SocketAddr::V6(SocketAddrV6::new(
            Ipv6Addr::new(a0, a1, a2, a3, a4, a5, a6, a7),
            a.port,
            a.flowinfo,
            a.scope_id,
        )),
    }
}

pub(crate) fn from_std(a: SocketAddr) -> IpSocketAddress {
    match a {
        SocketAddr::V4(v4) => {
            let [a0, a1, a2, a3] = v4.ip().octets();
            IpSocketAddress { address: IpAddress::V4((a0, a1, a2, a3)), port: v4.port(), flowinfo: 0, scope_id: 0 }
        }
        SocketAddr::V6(v6) => {
            let s = v6.ip().segments();
            IpSocketAddress {
                address: IpAddress::V6((s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])),
                port: v6.port(),
                flowinfo: v6.flowinfo(),
                scope_id: v6.scope_id(),
            }
        }
    }
}

fn family_number(f: Option<Family>) -> i32 {
    match f {
        None => libc::AF_UNSPEC,
        Some(Family::Inet) => libc::AF_INET,
        Some(Family::Inet6) => libc::AF_INET6,
        Some(Family::Unix) => libc::AF_UNIX,
    }
}

impl PysockCtxView<'_> {
    /// EACCES unless the policy admits `addr`; the guest explains the refusal to the user.
    fn check(&self, addr: &SocketAddr) -> Result<(), Errno> {
        if self.ctx.policy.allows_ip(addr.ip()) { Ok(()) } else { Err(Errno::Eacces) }
    }

    /// EMFILE once the embedder's socket limit is reached.
    fn check_quota(&self, more: usize) -> Result<(), Errno> {
        if self.ctx.open_sockets + more > self.ctx.max_sockets { Err(Errno::Emfile) } else { Ok(()) }
    }

    fn socket(&mut self, r: &Resource<Socket>) -> wasmtime::Result<&mut Socket> {
        Ok(self.table.get_mut(r)?)
    }
}

/// The (level, name) pair of a typed option.
fn sockopt_level_name(opt: Sockopt) -> (i32, i32) {
    use Sockopt::*;
    match opt {
        Reuseaddr => (libc::SOL_SOCKET, libc::SO_REUSEADDR),
        Reuseport => (libc::SOL_SOCKET, libc::SO_REUSEPORT),
        Keepalive => (libc::SOL_SOCKET, libc::SO_KEEPALIVE),
        Broadcast => (libc::SOL_SOCKET, libc::SO_BROADCAST),
        Rcvbuf => (libc::SOL_SOCKET, libc::SO_RCVBUF),
        Sndbuf => (libc::SOL_SOCKET, libc::SO_SNDBUF),
        Linger => (libc::SOL_SOCKET, libc::SO_LINGER),
        Oobinline => (libc::SOL_SOCKET, libc::SO_OOBINLINE),
        Rcvlowat => (libc::SOL_SOCKET, libc::SO_RCVLOWAT),
        Sndlowat => (libc::SOL_SOCKET, libc::SO_SNDLOWAT),
        Rcvtimeo => (libc::SOL_SOCKET, libc::SO_RCVTIMEO),
        Sndtimeo => (libc::SOL_SOCKET, libc::SO_SNDTIMEO),
        TcpNodelay => (libc::IPPROTO_TCP, libc::TCP_NODELAY),
        TcpKeepidle => (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE),
        TcpKeepintvl => (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL),
        TcpKeepcnt => (libc::IPPROTO_TCP, libc::TCP_KEEPCNT),
        Ipv6V6only => (libc::IPPROTO_IPV6, libc::IPV6_V6ONLY),
        IpTtl => (libc::IPPROTO_IP, libc::IP_TTL),
        IpTos => (libc::IPPROTO_IP, libc::IP_TOS),
        IpMulticastTtl => (libc::IPPROTO_IP, libc::IP_MULTICAST_TTL),
        IpMulticastLoop => (libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP),
        Ipv6UnicastHops => (libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS),
        Acceptconn => (libc::SOL_SOCKET, libc::SO_ACCEPTCONN),
        SockType => (libc::SOL_SOCKET, libc::SO_TYPE),
        Domain => (libc::SOL_SOCKET, libc::SO_DOMAIN),
        Protocol => (libc::SOL_SOCKET, libc::SO_PROTOCOL),
        SockError => (libc::SOL_SOCKET, libc::SO_ERROR),
    }
}

fn events_to_poll(e: Events) -> i16 {
    let mut bits = 0;
    if e.contains(Events::READABLE) { bits |= libc::POLLIN; }
    if e.contains(Events::PRIORITY) { bits |= libc::POLLPRI; }
    if e.contains(Events::WRITABLE) { bits |= libc::POLLOUT; }
    if e.contains(Events::READ_HANGUP) { bits |= libc::POLLRDHUP; }
    bits
}

fn events_from_poll(bits: i16) -> Events {
    let mut e = Events::empty();
    for (bit, flag) in [
        (libc::POLLIN, Events::READABLE),
        (libc::POLLPRI, Events::PRIORITY),
        (libc::POLLOUT, Events::WRITABLE),
        (libc::POLLERR, Events::ERROR),
        (libc::POLLHUP, Events::HANGUP),
        (libc::POLLNVAL, Events::INVALID),
        (libc::POLLRDHUP, Events::READ_HANGUP),
    ] {
        if bits & bit != 0 {
            e |= flag;
        }
    }
    e
}

/// Receives into a fresh buffer of at most `MAX_RECV` bytes.
fn recv_buf(max_len: u64, f: impl FnOnce(&mut [MaybeUninit<u8>]) -> std::io::Result<usize>) -> Result<Vec<u8>, Errno> {
    let len = (max_len.min(MAX_RECV as u64)) as usize;
    let mut buf: Vec<u8> = Vec::with_capacity(len);
    let n = io(f(&mut buf.spare_capacity_mut()[..len]))?;
    sys::assume_init_len(&mut buf, n);
    Ok(buf)
}

impl HostSocket for PysockCtxView<'_> {
    fn create(&mut self, family: Family, kind: Kind, protocol: i32) -> R<Resource<Socket>> {
        let mut attempt = || -> Result<Socket, Errno> {
            self.check_quota(1)?;
            let domain = match family {
                Family::Inet => Domain::IPV4,
                Family::Inet6 => Domain::IPV6,
                Family::Unix => return Err(Errno::Eafnosupport),
            };
            let ty = match kind {
                Kind::Stream => Type::STREAM,
                Kind::Dgram => Type::DGRAM,
            };
            let proto = (protocol != 0).then(|| Protocol::from(protocol));
            let inner = io(socket2::Socket::new(domain, ty.cloexec(), proto))?;
            Socket::new(inner, family, kind, self)
        };
        Ok(match attempt() {
            Ok(s) => Ok(self.table.push(s)?),
            Err(e) => Err(e),
        })
    }

    fn pair(&mut self) -> R<(Resource<Socket>, Resource<Socket>)> {
        if let Err(e) = self.check_quota(2) {
            return Ok(Err(e));
        }
        let (a, b) = match io(socket2::Socket::pair(Domain::UNIX, Type::STREAM.cloexec(), None)) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let a = match Socket::new(a, Family::Unix, Kind::Stream, self) {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let a = self.table.push(a)?;
        match Socket::new(b, Family::Unix, Kind::Stream, self) {
            Ok(b) => {
                let b = self.table.push(b)?;
                Ok(Ok((a, b)))
            }
            Err(e) => {
                HostSocket::drop(self, a)?;
                Ok(Err(e))
            }
        }
    }

    fn bind(&mut self, this: Resource<Socket>, address: IpSocketAddress) -> R<()> {
        let addr = to_std(&address);
        if let Err(e) = self.check(&addr) {
            return Ok(Err(e));
        }
        Ok(io(self.socket(&this)?.inner.bind(&SockAddr::from(addr))))
    }

    fn listen(&mut self, this: Resource<Socket>, backlog: i32) -> R<()> {
        Ok(io(self.socket(&this)?.inner.listen(backlog)))
    }

    fn connect(&mut self, this: Resource<Socket>, address: IpSocketAddress) -> R<()> {
        let addr = to_std(&address);
        if let Err(e) = self.check(&addr) {
            return Ok(Err(e));
        }
        Ok(io(self.socket(&this)?.inner.connect(&SockAddr::from(addr))))
    }

    fn disconnect(&mut self, this: Resource<Socket>) -> R<()> {
        Ok(io(sys::disconnect(self.socket(&this)?.inner.as_fd())))
    }

    fn accept(&mut self, this: Resource<Socket>) -> R<(Resource<Socket>, Option<IpSocketAddress>)> {
        if let Err(e) = self.check_quota(1) {
            return Ok(Err(e));
        }
        let s = self.socket(&this)?;
        let (family, kind) = (s.family, s.kind);
        let (conn, peer) = match io(s.inner.accept()) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let peer = peer.as_socket().map(from_std);
        Ok(match Socket::new(conn, family, kind, self) {
            Ok(s) => Ok((self.table.push(s)?, peer)),
            Err(e) => Err(e),
        })
    }

    fn send(&mut self, this: Resource<Socket>, data: Vec<u8>, flags: i32) -> R<u32> {
        Ok(io(self.socket(&this)?.inner.send_with_flags(&data, flags | libc::MSG_NOSIGNAL)).map(|n| n as u32))
    }

    fn send_to(&mut self, this: Resource<Socket>, data: Vec<u8>, flags: i32, address: IpSocketAddress) -> R<u32> {
        let addr = to_std(&address);
        if let Err(e) = self.check(&addr) {
            return Ok(Err(e));
        }
        Ok(io(self.socket(&this)?.inner.send_to_with_flags(&data, &SockAddr::from(addr), flags | libc::MSG_NOSIGNAL)).map(|n| n as u32))
    }

    fn recv(&mut self, this: Resource<Socket>, max_len: u64, flags: i32) -> R<Vec<u8>> {
        let s = self.socket(&this)?;
        Ok(recv_buf(max_len, |buf| s.inner.recv_with_flags(buf, flags)))
    }

    fn recv_from(&mut self, this: Resource<Socket>, max_len: u64, flags: i32) -> R<(Vec<u8>, Option<IpSocketAddress>)> {
        let s = self.socket(&this)?;
        let mut from = None;
        let data = recv_buf(max_len, |buf| {
            let (n, addr) = s.inner.recv_from_with_flags(buf, flags)?;
            from = addr.as_socket().map(from_std);
            Ok(n)
        });
        Ok(data.map(|d| (d, from)))
    }

    fn shutdown(&mut self, this: Resource<Socket>, how: ShutdownHow) -> R<()> {
        let how = match how {
            ShutdownHow::Read => std::net::Shutdown::Read,
            ShutdownHow::Write => std::net::Shutdown::Write,
            ShutdownHow::Both => std::net::Shutdown::Both,
        };
        Ok(io(self.socket(&this)?.inner.shutdown(how)))
    }

    fn local_address(&mut self, this: Resource<Socket>) -> R<Option<IpSocketAddress>> {
        Ok(io(self.socket(&this)?.inner.local_addr()).map(|a| a.as_socket().map(from_std)))
    }

    fn remote_address(&mut self, this: Resource<Socket>) -> R<Option<IpSocketAddress>> {
        Ok(io(self.socket(&this)?.inner.peer_addr()).map(|a| a.as_socket().map(from_std)))
    }

    fn get_option(&mut self, this: Resource<Socket>, name: Sockopt) -> R<i64> {
        let fd = self.socket(&this)?.inner.as_fd();
        Ok(if name == Sockopt::Linger {
            io(sys::getsockopt_linger(fd)).map(|(on, secs)| ((on as i64) << 32) | secs as u32 as i64)
        } else {
            let (level, opt) = sockopt_level_name(name);
            io(sys::getsockopt_int(fd, level, opt)).map(i64::from)
        })
    }

    fn set_option(&mut self, this: Resource<Socket>, name: Sockopt, value: i64) -> R<()> {
        let fd = self.socket(&this)?.inner.as_fd();
        Ok(if name == Sockopt::Linger {
            io(sys::setsockopt_linger(fd, (value >> 32) as i32, value as i32))
        } else {
            let (level, opt) = sockopt_level_name(name);
            match i32::try_from(value) {
                Ok(v) => io(sys::setsockopt_int(fd, level, opt, v)),
                Err(_) => Err(Errno::Einval),
            }
        })
    }

    fn take_error(&mut self, this: Resource<Socket>) -> R<Option<Errno>> {
        Ok(io(self.socket(&this)?.inner.take_error()).map(|e| e.map(|e| errno::from_io(&e))))
    }

    fn duplicate(&mut self, this: Resource<Socket>) -> R<Resource<Socket>> {
        if let Err(e) = self.check_quota(1) {
            return Ok(Err(e));
        }
        let s = self.socket(&this)?;
        let (family, kind) = (s.family, s.kind);
        let dup = match io(s.inner.try_clone()) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        Ok(match Socket::new(dup, family, kind, self) {
            Ok(s) => Ok(self.table.push(s)?),
            Err(e) => Err(e),
        })
    }

    fn drop(&mut self, rep: Resource<Socket>) -> wasmtime::Result<()> {
        let socket = self.table.delete(rep)?;
        let fd = socket.inner.as_raw_fd();
        // Deregister before close: a dup of this descriptor would otherwise keep the registration alive.
        let _ = self.ctx.poll.registry().deregister(&mut mio::unix::SourceFd(&fd));
        self.ctx.open_sockets -= 1;
        drop(socket);
        Ok(())
    }
}

impl Host for PysockCtxView<'_> {
    fn wait(&mut self, sockets: Vec<(Resource<Socket>, Events)>, timeout_ns: Option<u64>) -> R<Vec<(u32, Events)>> {
        let mut fds = Vec::with_capacity(sockets.len());
        for (r, interest) in &sockets {
            let fd = self.table.get(r)?.inner.as_raw_fd();
            fds.push(libc::pollfd { fd, events: events_to_poll(*interest), revents: 0 });
        }
        // A timeout too large to represent as a deadline is as good as none.
        let deadline = timeout_ns.and_then(|ns| Instant::now().checked_add(Duration::from_nanos(ns)));
        loop {
            let ready = match io(sys::poll_now(&mut fds)) {
                Ok(n) => n,
                Err(e) => return Ok(Err(e)),
            };
            if ready > 0 {
                return Ok(Ok(fds
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.revents != 0)
                    .map(|(i, p)| (i as u32, events_from_poll(p.revents)))
                    .collect()));
            }
            let slice = match deadline {
                Some(d) => match d.saturating_duration_since(Instant::now()) {
                    left if left.is_zero() => return Ok(Ok(Vec::new())),
                    left => Some(left),
                },
                None => None,
            };
            let ctx = &mut *self.ctx;
            if let Err(e) = ctx.poll.poll(&mut ctx.events, slice) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Ok(Err(errno::from_io(&e)));
                }
            }
        }
    }

    fn resolve(
        &mut self,
        host: Option<String>,
        service: Option<String>,
        family: Option<Family>,
        kind: Option<Kind>,
        protocol: i32,
        flags: i32,
    ) -> wasmtime::Result<Result<Vec<AddressInfo>, GaiError>> {
        let flags = if self.ctx.policy.resolves_names(host.as_deref()) { flags } else { flags | libc::AI_NUMERICHOST };
        let (Ok(host_c), Ok(service_c)) = (host.map(CString::new).transpose(), service.map(CString::new).transpose()) else {
            return Ok(Err(GaiError::EaiNoname));
        };
        let socktype = match kind {
            None => 0,
            Some(Kind::Stream) => libc::SOCK_STREAM,
            Some(Kind::Dgram) => libc::SOCK_DGRAM,
        };
        let list = match sys::getaddrinfo(host_c.as_deref(), service_c.as_deref(), family_number(family), socktype, protocol, flags) {
            Ok(list) => list,
            Err(code) => return Ok(Err(errno::gai_from_raw(code))),
        };
        Ok(Ok(list
            .into_iter()
            .filter_map(|a| {
                let kind = match a.socktype {
                    libc::SOCK_STREAM => Kind::Stream,
                    libc::SOCK_DGRAM => Kind::Dgram,
                    _ => return None,
                };
                let family = if a.family == libc::AF_INET6 { Family::Inet6 } else { Family::Inet };
                Some(AddressInfo { family, kind, protocol: a.protocol, canonical_name: a.canonname, address: from_std(a.address) })
            })
            .collect()))
    }

    fn name_info(&mut self, address: IpSocketAddress, flags: i32) -> wasmtime::Result<Result<(String, String), GaiError>> {
        let addr = to_std(&address);
        let flags = if self.ctx.policy.reverse_resolves(addr.ip()) { flags } else { flags | libc::NI_NUMERICHOST };
        Ok(sys::getnameinfo(addr, flags).map_err(errno::gai_from_raw))
    }

    fn host_name(&mut self) -> R<String> {
        Ok(io(sys::gethostname()))
    }
}
