//! The host side as the guest's logic sees it. `WitHost` forwards to the `pysock:net/net` imports;
//! unit tests substitute a scripted host, so timeouts and retry loops are tested natively.
#![forbid(unsafe_code)]

use crate::bindings::pysock::net::net::{self, AddressInfo, Events, ShutdownHow, Sockopt};
use crate::bindings::pysock::net::types::{Errno, Family, GaiError, Incoming, IpSocketAddress, Kind, Received};
use std::time::Duration;

/// Which epoll_ctl(2) operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpollOp {
    Add,
    Modify,
    Remove,
}

/// Non-blocking socket operations, one bounded wait, epoll instances, a monotonic clock and name
/// lookup.
pub trait Host {
    type Socket;
    type Epoll;
    fn epoll_create(&self) -> Result<Self::Epoll, Errno>;
    /// `key` and `mask` are ignored by [`EpollOp::Remove`].
    fn epoll_ctl(&self, ep: &Self::Epoll, op: EpollOp, s: &Self::Socket, key: u32, mask: u32) -> Result<(), Errno>;
    /// Up to `max` (key, EPOLL* bits) pairs; `None` waits without limit.
    fn epoll_wait(&self, ep: &Self::Epoll, max: u32, timeout: Option<Duration>) -> Result<Vec<(u32, u32)>, Errno>;
    fn create(&self, family: Family, kind: Kind, protocol: i32) -> Result<Self::Socket, Errno>;
    fn pair(&self) -> Result<(Self::Socket, Self::Socket), Errno>;
    fn bind(&self, s: &Self::Socket, a: &IpSocketAddress) -> Result<(), Errno>;
    fn listen(&self, s: &Self::Socket, backlog: i32) -> Result<(), Errno>;
    fn connect(&self, s: &Self::Socket, a: &IpSocketAddress) -> Result<(), Errno>;
    fn disconnect(&self, s: &Self::Socket) -> Result<(), Errno>;
    fn accept(&self, s: &Self::Socket) -> Result<(Self::Socket, Option<IpSocketAddress>), Errno>;
    fn send(&self, s: &Self::Socket, data: &[u8], flags: i32) -> Result<u32, Errno>;
    fn send_to(&self, s: &Self::Socket, data: &[u8], flags: i32, a: &IpSocketAddress) -> Result<u32, Errno>;
    /// The bytes the kernel wrote and the count it returned (larger with MSG_TRUNC).
    fn recv(&self, s: &Self::Socket, max: u64, flags: i32) -> Result<Incoming, Errno>;
    fn recv_from(&self, s: &Self::Socket, max: u64, flags: i32) -> Result<(Incoming, Option<IpSocketAddress>), Errno>;
    /// `send` of the bytes the adapter staged in the host, from `offset` on.
    fn send_staged(&self, s: &Self::Socket, offset: u64, flags: i32) -> Result<u32, Errno>;
    /// `recv` for a large buffer: up to `inline_max` bytes come back here, more stay in the host's
    /// staging area for the adapter to collect.
    fn recv_staged(&self, s: &Self::Socket, max: u64, flags: i32, inline_max: u32) -> Result<Received, Errno>;
    fn shutdown(&self, s: &Self::Socket, how: ShutdownHow) -> Result<(), Errno>;
    fn local_address(&self, s: &Self::Socket) -> Result<Option<IpSocketAddress>, Errno>;
    fn remote_address(&self, s: &Self::Socket) -> Result<Option<IpSocketAddress>, Errno>;
    fn get_option(&self, s: &Self::Socket, o: Sockopt) -> Result<i64, Errno>;
    fn set_option(&self, s: &Self::Socket, o: Sockopt, v: i64) -> Result<(), Errno>;
    fn take_error(&self, s: &Self::Socket) -> Result<Option<Errno>, Errno>;
    fn duplicate(&self, s: &Self::Socket) -> Result<Self::Socket, Errno>;
    /// poll(2) over `sockets`; `None` waits without limit.
    fn wait(&self, sockets: &[(&Self::Socket, Events)], timeout: Option<Duration>) -> Result<Vec<(u32, Events)>, Errno>;
    /// Monotonic time since an arbitrary origin.
    fn now(&self) -> Duration;
    fn resolve(
        &self,
        host: Option<&str>,
        service: Option<&str>,
        family: Option<Family>,
        kind: Option<Kind>,
        protocol: i32,
        flags: i32,
    ) -> Result<Vec<AddressInfo>, GaiError>;
    fn name_info(&self, a: &IpSocketAddress, flags: i32) -> Result<(String, String), GaiError>;
    fn host_name(&self) -> Result<String, Errno>;
}

/// The real host, through the component's imports.
pub struct WitHost;

impl Host for WitHost {
    type Socket = net::Socket;
    type Epoll = net::Epoll;
    fn epoll_create(&self) -> Result<net::Epoll, Errno> {
        net::Epoll::create()
    }
    fn epoll_ctl(&self, ep: &net::Epoll, op: EpollOp, s: &net::Socket, key: u32, mask: u32) -> Result<(), Errno> {
        match op {
            EpollOp::Add => ep.add(s, key, mask),
            EpollOp::Modify => ep.modify(s, key, mask),
            EpollOp::Remove => ep.remove(s),
        }
    }
    fn epoll_wait(&self, ep: &net::Epoll, max: u32, timeout: Option<Duration>) -> Result<Vec<(u32, u32)>, Errno> {
        ep.wait(max, timeout.map(|t| u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)))
    }
    fn create(&self, family: Family, kind: Kind, protocol: i32) -> Result<net::Socket, Errno> {
        net::Socket::create(family, kind, protocol)
    }
    fn pair(&self) -> Result<(net::Socket, net::Socket), Errno> {
        net::Socket::pair()
    }
    fn bind(&self, s: &net::Socket, a: &IpSocketAddress) -> Result<(), Errno> {
        s.bind(*a)
    }
    fn listen(&self, s: &net::Socket, backlog: i32) -> Result<(), Errno> {
        s.listen(backlog)
    }
    fn connect(&self, s: &net::Socket, a: &IpSocketAddress) -> Result<(), Errno> {
        s.connect(*a)
    }
    fn disconnect(&self, s: &net::Socket) -> Result<(), Errno> {
        s.disconnect()
    }
    fn accept(&self, s: &net::Socket) -> Result<(net::Socket, Option<IpSocketAddress>), Errno> {
        s.accept()
    }
    fn send(&self, s: &net::Socket, data: &[u8], flags: i32) -> Result<u32, Errno> {
        s.send(data, flags)
    }
    fn send_to(&self, s: &net::Socket, data: &[u8], flags: i32, a: &IpSocketAddress) -> Result<u32, Errno> {
        s.send_to(data, flags, *a)
    }
    fn recv(&self, s: &net::Socket, max: u64, flags: i32) -> Result<Incoming, Errno> {
        s.recv(max, flags)
    }
    fn recv_from(&self, s: &net::Socket, max: u64, flags: i32) -> Result<(Incoming, Option<IpSocketAddress>), Errno> {
        s.recv_from(max, flags)
    }
    fn send_staged(&self, s: &net::Socket, offset: u64, flags: i32) -> Result<u32, Errno> {
        s.send_staged(offset, flags)
    }
    fn recv_staged(&self, s: &net::Socket, max: u64, flags: i32, inline_max: u32) -> Result<Received, Errno> {
        s.recv_staged(max, flags, inline_max)
    }
    fn shutdown(&self, s: &net::Socket, how: ShutdownHow) -> Result<(), Errno> {
        s.shutdown(how)
    }
    fn local_address(&self, s: &net::Socket) -> Result<Option<IpSocketAddress>, Errno> {
        s.local_address()
    }
    fn remote_address(&self, s: &net::Socket) -> Result<Option<IpSocketAddress>, Errno> {
        s.remote_address()
    }
    fn get_option(&self, s: &net::Socket, o: Sockopt) -> Result<i64, Errno> {
        s.get_option(o)
    }
    fn set_option(&self, s: &net::Socket, o: Sockopt, v: i64) -> Result<(), Errno> {
        s.set_option(o, v)
    }
    fn take_error(&self, s: &net::Socket) -> Result<Option<Errno>, Errno> {
        s.take_error()
    }
    fn duplicate(&self, s: &net::Socket) -> Result<net::Socket, Errno> {
        s.duplicate()
    }
    fn wait(&self, sockets: &[(&net::Socket, Events)], timeout: Option<Duration>) -> Result<Vec<(u32, Events)>, Errno> {
        net::wait(sockets, timeout.map(|t| u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)))
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
        kind: Option<Kind>,
        protocol: i32,
        flags: i32,
    ) -> Result<Vec<AddressInfo>, GaiError> {
        net::resolve(host, service, family, kind, protocol, flags)
    }
    fn name_info(&self, a: &IpSocketAddress, flags: i32) -> Result<(String, String), GaiError> {
        net::name_info(*a, flags)
    }
    fn host_name(&self) -> Result<String, Errno> {
        net::host_name()
    }
}
