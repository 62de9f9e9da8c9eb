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
use crate::error::NetError;
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

type NetResult<T> = Result<T, NetError>;

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
    /// The kernel address for `a`, or EACCES unless the policy admits it; the guest explains the
    /// refusal to the user.
    fn check(&self, a: &IpSocketAddress) -> Result<SockAddr, Errno> {
        let addr = to_std(a);
        if self.ctx.policy.allows_ip(addr.ip()) { Ok(SockAddr::from(addr)) } else { Err(Errno::Eacces) }
    }

    /// EMFILE once the embedder's socket limit is reached.
    fn check_quota(&self, more: usize) -> Result<(), Errno> {
        if self.ctx.open_sockets + more > self.ctx.max_sockets { Err(Errno::Emfile) } else { Ok(()) }
    }

    fn socket(&mut self, r: &Resource<Socket>) -> Result<&mut Socket, NetError> {
        Ok(self.table.get_mut(r)?)
    }

    /// Makes a new kernel socket the guest's: non-blocking, registered with the store's poller,
    /// counted against the quota, and in the resource table.
    fn adopt(&mut self, inner: socket2::Socket, family: Family, kind: Kind) -> NetResult<Resource<Socket>> {
        inner.set_nonblocking(true)?;
        let fd = inner.as_raw_fd();
        self.ctx.poll.registry().register(
            &mut mio::unix::SourceFd(&fd),
            mio::Token(fd as usize),
            mio::Interest::READABLE | mio::Interest::WRITABLE,
        )?;
        self.ctx.open_sockets += 1;
        Ok(self.table.push(Socket { inner, family, kind })?)
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
fn recv_buf(max_len: u64, f: impl FnOnce(&mut [MaybeUninit<u8>]) -> std::io::Result<usize>) -> std::io::Result<Vec<u8>> {
    let len = (max_len.min(MAX_RECV as u64)) as usize;
    let mut buf: Vec<u8> = Vec::with_capacity(len);
    let n = f(&mut buf.spare_capacity_mut()[..len])?;
    sys::assume_init_len(&mut buf, n);
    Ok(buf)
}

impl HostSocket for PysockCtxView<'_> {
    fn create(&mut self, family: Family, kind: Kind, protocol: i32) -> NetResult<Resource<Socket>> {
        self.check_quota(1)?;
        let domain = match family {
            Family::Inet => Domain::IPV4,
            Family::Inet6 => Domain::IPV6,
            Family::Unix => return Err(Errno::Eafnosupport.into()),
        };
        let ty = match kind {
            Kind::Stream => Type::STREAM,
            Kind::Dgram => Type::DGRAM,
        };
        let proto = (protocol != 0).then(|| Protocol::from(protocol));
        let inner = socket2::Socket::new(domain, ty.cloexec(), proto)?;
        self.adopt(inner, family, kind)
    }

    fn pair(&mut self) -> NetResult<(Resource<Socket>, Resource<Socket>)> {
        self.check_quota(2)?;
        let (a, b) = socket2::Socket::pair(Domain::UNIX, Type::STREAM.cloexec(), None)?;
        let a = self.adopt(a, Family::Unix, Kind::Stream)?;
        match self.adopt(b, Family::Unix, Kind::Stream) {
            Ok(b) => Ok((a, b)),
            Err(e) => {
                HostSocket::drop(self, a).map_err(NetError::Trap)?;
                Err(e)
            }
        }
    }

    fn bind(&mut self, this: Resource<Socket>, address: IpSocketAddress) -> NetResult<()> {
        let addr = self.check(&address)?;
        Ok(self.socket(&this)?.inner.bind(&addr)?)
    }

    fn listen(&mut self, this: Resource<Socket>, backlog: i32) -> NetResult<()> {
        Ok(self.socket(&this)?.inner.listen(backlog)?)
    }

    fn connect(&mut self, this: Resource<Socket>, address: IpSocketAddress) -> NetResult<()> {
        let addr = self.check(&address)?;
        Ok(self.socket(&this)?.inner.connect(&addr)?)
    }

    fn disconnect(&mut self, this: Resource<Socket>) -> NetResult<()> {
        Ok(sys::disconnect(self.socket(&this)?.inner.as_fd())?)
    }

    fn accept(&mut self, this: Resource<Socket>) -> NetResult<(Resource<Socket>, Option<IpSocketAddress>)> {
        self.check_quota(1)?;
        let s = self.socket(&this)?;
        let (family, kind) = (s.family, s.kind);
        let (conn, peer) = s.inner.accept()?;
        Ok((self.adopt(conn, family, kind)?, peer.as_socket().map(from_std)))
    }

    fn send(&mut self, this: Resource<Socket>, data: Vec<u8>, flags: i32) -> NetResult<u32> {
        // MSG_NOSIGNAL: a send on a broken connection must be EPIPE for the guest, never SIGPIPE here.
        Ok(self.socket(&this)?.inner.send_with_flags(&data, flags | libc::MSG_NOSIGNAL)? as u32)
    }

    fn send_to(&mut self, this: Resource<Socket>, data: Vec<u8>, flags: i32, address: IpSocketAddress) -> NetResult<u32> {
        let addr = self.check(&address)?;
        Ok(self.socket(&this)?.inner.send_to_with_flags(&data, &addr, flags | libc::MSG_NOSIGNAL)? as u32)
    }

    fn recv(&mut self, this: Resource<Socket>, max_len: u64, flags: i32) -> NetResult<Vec<u8>> {
        let s = self.socket(&this)?;
        Ok(recv_buf(max_len, |buf| s.inner.recv_with_flags(buf, flags))?)
    }

    fn recv_from(&mut self, this: Resource<Socket>, max_len: u64, flags: i32) -> NetResult<(Vec<u8>, Option<IpSocketAddress>)> {
        let s = self.socket(&this)?;
        let mut from = None;
        let data = recv_buf(max_len, |buf| {
            let (n, addr) = s.inner.recv_from_with_flags(buf, flags)?;
            from = addr.as_socket().map(from_std);
            Ok(n)
        })?;
        Ok((data, from))
    }

    fn shutdown(&mut self, this: Resource<Socket>, how: ShutdownHow) -> NetResult<()> {
        let how = match how {
            ShutdownHow::Read => std::net::Shutdown::Read,
            ShutdownHow::Write => std::net::Shutdown::Write,
            ShutdownHow::Both => std::net::Shutdown::Both,
        };
        Ok(self.socket(&this)?.inner.shutdown(how)?)
    }

    fn local_address(&mut self, this: Resource<Socket>) -> NetResult<Option<IpSocketAddress>> {
        Ok(self.socket(&this)?.inner.local_addr()?.as_socket().map(from_std))
    }

    fn remote_address(&mut self, this: Resource<Socket>) -> NetResult<Option<IpSocketAddress>> {
        Ok(self.socket(&this)?.inner.peer_addr()?.as_socket().map(from_std))
    }

    fn get_option(&mut self, this: Resource<Socket>, name: Sockopt) -> NetResult<i64> {
        let fd = self.socket(&this)?.inner.as_fd();
        if name == Sockopt::Linger {
            let (on, secs) = sys::getsockopt_linger(fd)?;
            return Ok(((on as i64) << 32) | secs as u32 as i64);
        }
        let (level, opt) = sockopt_level_name(name);
        Ok(sys::getsockopt_int(fd, level, opt)?.into())
    }

    fn set_option(&mut self, this: Resource<Socket>, name: Sockopt, value: i64) -> NetResult<()> {
        let fd = self.socket(&this)?.inner.as_fd();
        if name == Sockopt::Linger {
            return Ok(sys::setsockopt_linger(fd, (value >> 32) as i32, value as i32)?);
        }
        let (level, opt) = sockopt_level_name(name);
        let value = i32::try_from(value).map_err(|_| Errno::Einval)?;
        Ok(sys::setsockopt_int(fd, level, opt, value)?)
    }

    fn take_error(&mut self, this: Resource<Socket>) -> NetResult<Option<Errno>> {
        Ok(self.socket(&this)?.inner.take_error()?.map(|e| errno::from_io(&e)))
    }

    fn duplicate(&mut self, this: Resource<Socket>) -> NetResult<Resource<Socket>> {
        self.check_quota(1)?;
        let s = self.socket(&this)?;
        let (family, kind) = (s.family, s.kind);
        let dup = s.inner.try_clone()?;
        self.adopt(dup, family, kind)
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
    fn wait(&mut self, sockets: Vec<(Resource<Socket>, Events)>, timeout_ns: Option<u64>) -> NetResult<Vec<(u32, Events)>> {
        let mut fds = Vec::with_capacity(sockets.len());
        for (r, interest) in &sockets {
            let fd = self.table.get(r)?.inner.as_raw_fd();
            fds.push(libc::pollfd { fd, events: events_to_poll(*interest), revents: 0 });
        }
        // A timeout too large to represent as a deadline is as good as none.
        let deadline = timeout_ns.and_then(|ns| Instant::now().checked_add(Duration::from_nanos(ns)));
        loop {
            if sys::poll_now(&mut fds)? > 0 {
                return Ok(fds
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.revents != 0)
                    .map(|(i, p)| (i as u32, events_from_poll(p.revents)))
                    .collect());
            }
            let slice = match deadline {
                Some(d) => match d.saturating_duration_since(Instant::now()) {
                    left if left.is_zero() => return Ok(Vec::new()),
                    left => Some(left),
                },
                None => None,
            };
            let ctx = &mut *self.ctx;
            if let Err(e) = ctx.poll.poll(&mut ctx.events, slice) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(e.into());
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

    fn host_name(&mut self) -> NetResult<String> {
        Ok(sys::gethostname()?)
    }
}
