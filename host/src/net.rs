//! The `pysock:net/net` interface: non-blocking kernel sockets, one readiness wait, and name lookup.
//!
//! Every socket is non-blocking from birth and is registered with the store's `mio::Poll`, which
//! `wait` sleeps on. mio is edge-triggered and an edge may have been consumed by an earlier wait, so
//! the answer to "what is ready" always comes from poll(2) with a zero timeout over the requested
//! sockets: that reports exactly Linux's bits (POLLHUP on a fresh TCP socket, POLLERR after a refused
//! connect), and the mio wait only decides when to look again.

use crate::bindings::pysock::net::net::{
    AddressInfo, ByteOption, CpuTimes, Events, Host, HostEpoll, HostSocket, InterfaceQuery, IntervalTimer, Message, OptionBytes, Queue, ResourceLimit, SandboxLimits, ShutdownHow, Sockopt,
    Watched,
};
use crate::bindings::pysock::net::types::{Errno, Family, GaiError, Incoming, IpAddress, IpSocketAddress, Kind, SocketAddress};
use crate::error::{NetError, guarded};
use crate::policy::Op;
use crate::{PysockCtxView, audit, errno, sys};
use socket2::{Domain, Protocol, SockAddr, Type};
use std::ffi::{CString, OsStr};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wasmtime::component::Resource;

/// The most bytes one `recv` hands back, whatever length the guest asked for: a guest's
/// `recv(2**31)` must not make the host allocate 2 GiB. Larger than any datagram.
pub const MAX_RECV: usize = 4 << 20;

/// The most ciphertext one `fill-from` reads: a few TLS records.
const TLS_CHUNK: u64 = 64 * 1024;

/// A recv(2) into the guest's own buffer, settled ([`PysockCtxView::plan_recv_into`]) and made as
/// the host lowers `data.recv-into`'s result, where it can reach the guest's memory (`crate::data`).
pub(crate) struct ReceiveInto {
    pub fd: std::os::fd::RawFd,
    /// At most this many bytes of the guest's buffer: the received-bytes quota's allowance.
    pub len: usize,
    pub flags: i32,
    /// MSG_TRUNC on a TCP socket: the kernel discards bytes and writes none.
    pub discards: bool,
    /// Where the bytes taken off the socket are counted, for the quota; none for a peek or
    /// without a quota.
    pub counted: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    /// The kernel sockets the receive takes from, `fd` the first of them.
    pub watched: KernelSockets,
    /// For a receive that waits as a blocking socket's does: what may end the wait (a stopped
    /// guest, a SIGINT). None: nothing there is EAGAIN.
    pub waits: Option<crate::Interrupter>,
}

/// A socket's kernel sockets that a receive takes from and waits on: its own, and a dual-stack
/// stand-in's companion.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KernelSockets {
    fds: [RawFd; 2],
    len: usize,
}

impl KernelSockets {
    pub(crate) fn fds(&self) -> &[RawFd] {
        &self.fds[..self.len]
    }

    /// The one a receive takes from now: the first that holds something (a datagram from an IPv6
    /// peer or from an IPv4 one), else the socket's own, whose empty queue answers EAGAIN.
    pub(crate) fn readable(&self) -> std::io::Result<RawFd> {
        if self.len == 1 {
            return Ok(self.fds[0]);
        }
        let mut polled = self.fds.map(|fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
        sys::poll_now(&mut polled)?;
        Ok(if polled[0].revents == 0 && polled[1].revents != 0 { self.fds[1] } else { self.fds[0] })
    }
}

/// What a receive buffer holds where the kernel did not write: zeros, so a miscount could only
/// ever show the guest zeros. Under the fuzzer it is a marker that the fuzz target looks for in
/// every byte a receive returns (and never sends itself).
pub const UNWRITTEN: u8 = if cfg!(fuzzing) { 0xA5 } else { 0 };

/// The send flags a guest may pass: MSG_FASTOPEN would turn a send into a connection that the
/// connect rules and quotas never saw, so it is refused as an unsupported operation.
fn send_flags(flags: i32) -> Result<i32, Errno> {
    if flags & libc::MSG_FASTOPEN != 0 {
        return Err(Errno::Eopnotsupp);
    }
    // MSG_NOSIGNAL: a send on a broken connection must be EPIPE for the guest, never SIGPIPE here.
    // MSG_ZEROCOPY goes: the kernel honours it only after SO_ZEROCOPY, which a guest cannot set, so
    // the guest sees the same result; and if it ever applied, the kernel would read the host's
    // buffer after send(2) returned, when the host has already freed it.
    Ok((flags | libc::MSG_NOSIGNAL) & !libc::MSG_ZEROCOPY)
}

/// What [`PysockCtxView::prepare_send`] settled for one send.
pub(crate) struct Outgoing {
    /// The socket's descriptor, valid while the resource is in the table.
    pub fd: std::os::fd::RawFd,
    /// How many bytes the quota lets go.
    pub allowed: usize,
    /// The flags for the kernel.
    pub flags: i32,
    /// The destination of a sendto(2), judged by the policy.
    pub to: Option<SockAddr>,
    /// An AF_UNIX destination's socket file, opened beneath its folder, which `to` names as
    /// `/proc/self/fd/N`: open until the send is done, never read.
    pub _through: Option<Arc<std::os::fd::OwnedFd>>,
    /// For a blocking socket's send: waits for room until every byte went, as send(2) would.
    pub waits: Option<crate::Interrupter>,
}

impl Outgoing {
    /// The send(2) or sendto(2) itself, of at most the allowed bytes of `bytes`.
    pub(crate) fn send(&self, bytes: &[u8]) -> Result<usize, NetError> {
        self.send_carrying(bytes, &[])
    }

    /// [`Outgoing::send`] with an SCM_RIGHTS message carrying `fds`, which go with the first byte.
    fn send_carrying(&self, bytes: &[u8], fds: &[RawFd]) -> Result<usize, NetError> {
        let bytes = &bytes[..self.allowed.min(bytes.len())];
        let send = |from: usize| match from {
            0 if !fds.is_empty() => sys::send_with_descriptors(self.fd, bytes, self.flags, self.to.as_ref(), fds),
            _ => sys::send(self.fd, &bytes[from..], self.flags, self.to.as_ref()),
        };
        match &self.waits {
            Some(wake) => wake.send_waiting(self.fd, bytes.len(), send),
            None => Ok(send(0)?),
        }
    }
}

/// A kernel socket owned by the guest through a resource handle.
pub struct Socket {
    inner: socket2::Socket,
    family: Family,
    kind: Kind,
    /// Counted against the listening-sockets quota.
    listening: bool,
    /// Counted against the new-connections quota: a stream socket connects once, however often the
    /// guest calls connect to learn how it went.
    connect_counted: bool,
    /// Bound to loopback in place of the wildcard the guest asked for (see `judge_bind`), so its
    /// local address reads as the wildcard until a connection fixes it.
    wildcard: bool,
    /// A dual-stack IPv6 socket standing in for the wildcard binds ::1, and this second kernel
    /// socket, of the same type and protocol, binds ::ffff:127.0.0.1 on the same port, so that
    /// peers of either loopback reach it as natively. It listens, accepts, receives, waits and
    /// closes with `inner`; a datagram to an IPv4 peer leaves from it; connect() keeps whichever
    /// of the two reaches the peer and closes the other.
    companion: Option<socket2::Socket>,
    /// Bound ::1 standing in for a dual-stack wildcard: binding ::1 turned IPV6_V6ONLY on in the
    /// kernel, while the guest's socket, bound to '::', has it off, as natively (with or without the
    /// companion, which connect() may have closed).
    dual_stack_stand_in: bool,
    /// Registered with the store's poller, which a wait blocks on. Only a socket some wait has had
    /// to block for is: on a registered socket every packet also wakes the poller's queue in the
    /// kernel (measured with native CPython: 2.8 -> 2.9 us for a 64-byte loopback round trip),
    /// which sockets that never wait (a blocking socket whose data is there) need not pay.
    polled: bool,
    /// SO_RCVTIMEO and SO_SNDTIMEO set to a negative time, shared with the socket's duplicates.
    fails_at_once: Arc<FailsAtOnce>,
    /// For an AF_UNIX socket bound by path, the directory its kernel name goes through, kept open
    /// while the socket (or a duplicate, or a connection it accepted) is, so that the name stays
    /// the guest's (see `unix_paths`).
    named_in: Option<Arc<std::os::fd::OwnedFd>>,
}

/// Which of a socket's blocking calls fail at once. Linux's `sock_set_timeout` keeps a negative
/// SO_RCVTIMEO or SO_SNDTIMEO as a zero timeout: each blocking receive (or send) then returns as a
/// non-blocking one does, EAGAIN or a partial count, while getsockopt reads back 0, the same as no
/// limit. The host's kernel sockets are non-blocking and its waits read the limit from the kernel,
/// which cannot tell the two apart, so the host keeps this itself. Per open socket, as the kernel's
/// value is: duplicates share it, accepted connections start with the listener's.
#[derive(Debug, Default)]
struct FailsAtOnce {
    receives: AtomicBool,
    sends: AtomicBool,
}

impl FailsAtOnce {
    fn of(&self, timeout: Sockopt) -> &AtomicBool {
        if timeout == Sockopt::Rcvtimeo { &self.receives } else { &self.sends }
    }

    fn receives(&self) -> bool {
        self.receives.load(Ordering::Relaxed)
    }

    fn sends(&self) -> bool {
        self.sends.load(Ordering::Relaxed)
    }

    /// A new connection's: the listener's, as the kernel copies a listener's timeouts.
    fn inherited(&self) -> Arc<FailsAtOnce> {
        Arc::new(FailsAtOnce { receives: AtomicBool::new(self.receives()), sends: AtomicBool::new(self.sends()) })
    }
}

/// What the host keeps of a socket it sent in an SCM_RIGHTS message, for the socket that arrives:
/// the kernel passes the open socket itself, as a dup(2) would make it, and none of the host's own
/// state, which [`HostSocket::duplicate`] copies.
struct Carried {
    /// The guest's word for it (see `carried` in the WIT).
    word: u64,
    wildcard: bool,
    dual_stack_stand_in: bool,
    fails_at_once: Arc<FailsAtOnce>,
}

/// How many sent sockets [`InFlight`] remembers.
const IN_FLIGHT: usize = 1024;

/// The sockets sent in SCM_RIGHTS messages, by kernel identity (st_dev, st_ino), the latest
/// [`IN_FLIGHT`] of them. A socket the kernel drops unreceived (its receiver closed, or a receive
/// without room for it) keeps its entry until newer ones push it out; a socket whose entry went
/// arrives as a plain one (word 0, no wildcard address), so a guest that sends more than that many
/// sockets before it receives them loses only that.
#[derive(Default)]
pub(crate) struct InFlight {
    order: std::collections::VecDeque<(u64, u64)>,
    carried: std::collections::HashMap<(u64, u64), Carried>,
}

impl InFlight {
    fn sent(&mut self, identity: (u64, u64), carried: Carried) {
        if self.carried.insert(identity, carried).is_none() {
            self.order.push_back(identity);
            if self.order.len() > IN_FLIGHT
                && let Some(oldest) = self.order.pop_front()
            {
                self.carried.remove(&oldest);
            }
        }
    }
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
    /// Judges `op` on `a`: records the decision in the audit log and returns the kernel address, or
    /// EACCES with the reason left for the guest's message.
    fn judge(&mut self, op: Op, a: &IpSocketAddress) -> Result<SockAddr, Errno> {
        let addr = to_std(a);
        let ctx = &mut *self.ctx;
        ctx.refusal = None;
        let verdict = ctx.policy.decide(op, addr, &ctx.admissions, Instant::now());
        ctx.audit.record(&audit::Event {
            op: op.name(),
            address: Some(addr),
            name: None,
            local: None,
            allowed: verdict.allowed,
            rule: verdict.reason(),
            addresses: &[],
        });
        if verdict.allowed {
            return Ok(SockAddr::from(addr));
        }
        let why = match verdict.rule {
            Some(rule) => format!("denied by the rule `{}`", rule.text),
            None => ctx.policy.hint(op, addr),
        };
        ctx.refusal = Some(format!("pysock's network policy does not allow {} {} ({why})", op.gerund(), addr));
        Err(Errno::Eacces)
    }

    /// Judges a bind. A wildcard bind means "every interface I may use": when the policy refuses the
    /// wildcard but allows loopback, loopback is what the kernel binds, so the listener is reachable
    /// from loopback and nowhere else. Otherwise the address is judged as it is.
    ///
    /// For the IPv6 wildcard that is ::1, unless the socket is dual-stack (`dual_stack`:
    /// IPV6_V6ONLY off, Linux's default, which `create_server(..., dualstack_ipv6=True)` and
    /// http.server also ask for), taking IPv4 peers too: then it binds ::1 and ::ffff:127.0.0.1
    /// (with a companion socket), or the one of them the policy allows.
    fn judge_bind(&mut self, a: &IpSocketAddress, dual_stack: bool) -> Result<Bind, Errno> {
        let addr = to_std(a);
        let ctx = &*self.ctx;
        let now = Instant::now();
        let allowed = |ip: IpAddr| ctx.policy.decide(Op::Bind, SocketAddr::new(ip, addr.port()), &ctx.admissions, now).allowed;
        if !addr.ip().is_unspecified() || allowed(addr.ip()) {
            return Ok(Bind::Named(self.judge(Op::Bind, a)?));
        }
        let (v4, v6) = (IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST));
        let mapped = IpAddr::V6(Ipv4Addr::LOCALHOST.to_ipv6_mapped());
        let on = |ip: IpAddr| from_std(SocketAddr::new(ip, addr.port()));
        let choice = match addr {
            SocketAddr::V4(_) if allowed(v4) => Some(v4),
            SocketAddr::V6(_) if dual_stack && allowed(mapped) && allowed(v6) => {
                return Ok(Bind::BothLoopbacks { v6: self.judge(Op::Bind, &on(v6))?, v4: self.judge(Op::Bind, &on(mapped))? });
            }
            SocketAddr::V6(_) if dual_stack && allowed(mapped) => Some(mapped),
            SocketAddr::V6(_) if allowed(v6) => Some(v6),
            _ => None,
        };
        match choice {
            Some(ip) => Ok(Bind::StandIn(self.judge(Op::Bind, &on(ip))?)),
            None => Ok(Bind::Named(self.judge(Op::Bind, a)?)),
        }
    }

    /// Binds `this` as `judge_bind` decided.
    fn bind_as_judged(&mut self, this: &Resource<Socket>, bind: Bind) -> NetResult<()> {
        let s = self.socket(this)?;
        match bind {
            Bind::Named(addr) => {
                s.inner.bind(&addr)?;
                s.wildcard = false;
            }
            Bind::StandIn(addr) => {
                s.inner.bind(&addr)?;
                s.wildcard = true;
            }
            Bind::BothLoopbacks { v6, v4 } => {
                s.companion = Some(both_loopbacks(&s.inner, &v6, &v4)?);
                s.wildcard = true;
                s.dual_stack_stand_in = true;
            }
        }
        Ok(())
    }

    /// EAFNOSUPPORT unless `this` is an AF_UNIX socket, as the kernel answers a path given to
    /// another family's.
    fn unix_socket(&mut self, this: &Resource<Socket>) -> NetResult<()> {
        if self.socket(this)?.family != Family::Unix {
            return Err(Errno::Eafnosupport.into());
        }
        Ok(())
    }

    /// Where the kernel finds the guest's AF_UNIX `path` for `op`, or a refusal, recorded in the
    /// audit log (as the path the guest named) and left for the guest's message.
    fn unix_target(
        &mut self,
        path: &[u8],
        op: &str,
        find: impl FnOnce(&crate::unix_paths::UnixFolders, &[u8]) -> Result<crate::unix_paths::Target, crate::unix_paths::Refused>,
    ) -> NetResult<crate::unix_paths::Target> {
        let ctx = &mut *self.ctx;
        ctx.refusal = None;
        let found = find(&ctx.unix_folders, path);
        let refusal = match &found {
            Err(crate::unix_paths::Refused::Policy(why)) => Some(why.clone()),
            _ => None,
        };
        ctx.audit.record(&audit::Event {
            op,
            address: None,
            name: Some(&String::from_utf8_lossy(path)),
            local: None,
            allowed: refusal.is_none(),
            rule: if refusal.is_none() { "a folder the sandbox may write" } else { "outside the folders the sandbox may write" },
            addresses: &[],
        });
        if let Some(why) = refusal {
            let action = if op == "send" { "sending to an AF_UNIX socket".into() } else { format!("{op}ing an AF_UNIX socket") };
            ctx.refusal = Some(format!("pysock does not allow {action} there: {why}"));
        }
        Ok(found?)
    }

    /// Fails with `errno`, leaving `why` (which quota) for the guest's message.
    fn refuse(&mut self, errno: Errno, why: String) -> NetError {
        self.ctx.refusal = Some(format!("pysock quota: {why}"));
        NetError::Errno(errno)
    }

    /// EMFILE once the embedder's socket limit, or the program's lower RLIMIT_NOFILE, is reached.
    fn check_quota(&mut self, more: usize) -> Result<(), NetError> {
        self.ctx.refusal = None;
        let quota = self.ctx.quotas.sockets;
        let limit = self.ctx.socket_limit.min(quota);
        if self.ctx.usage.sockets + more > limit {
            let whose = if limit < quota { ", the RLIMIT_NOFILE the program set" } else { "" };
            return Err(self.refuse(Errno::Emfile, format!("at most {limit} open socket(s){whose}")));
        }
        Ok(())
    }

    /// ENOBUFS past the new-connections-per-second quota; `take` spends the allowance.
    fn check_rate(&mut self, take: bool) -> Result<(), NetError> {
        let rate = &mut self.ctx.usage.connections;
        if if take { rate.take() } else { rate.available() } {
            return Ok(());
        }
        let limit = self.ctx.quotas.connections_per_second;
        Err(self.refuse(Errno::Enobufs, format!("at most {limit} new connections per second")))
    }

    /// The host's network interfaces, index and name, that the sandbox may see: all of them under
    /// a policy that reaches everything, otherwise the loopback ones only, as a process in a
    /// network namespace of its own sees.
    fn visible_interfaces(&self) -> NetResult<Vec<(u32, String)>> {
        let mut interfaces = sys::if_nameindex()?;
        if !self.ctx.policy.reaches_everything() {
            let loopback = sys::loopback_interfaces()?;
            interfaces.retain(|(_, name)| loopback.contains(name));
        }
        Ok(interfaces)
    }

    /// The socket `r` names. The data path's calls name sockets by number (`socket.id`), which the
    /// guest may get wrong, so a number that is no open socket is EBADF, as a closed fd would be.
    fn socket(&mut self, r: &Resource<Socket>) -> Result<&mut Socket, NetError> {
        self.table.get_mut(r).map_err(|_| Errno::Ebadf.into())
    }

    /// Makes a new kernel socket the guest's: counted against the quota, and in the resource table.
    /// `inner` is non-blocking already (created with SOCK_NONBLOCK, or a dup sharing its file
    /// status). It joins the store's poller only when a wait first needs it to.
    fn adopt(&mut self, inner: socket2::Socket, family: Family, kind: Kind) -> NetResult<Resource<Socket>> {
        self.ctx.usage.sockets += 1;
        Ok(self.table.push(Socket {
            inner,
            family,
            kind,
            listening: false,
            connect_counted: false,
            wildcard: false,
            companion: None,
            dual_stack_stand_in: false,
            polled: false,
            fails_at_once: Arc::default(),
            named_in: None,
        })?)
    }

    /// Makes a socket that arrived in an SCM_RIGHTS message the guest's, with what the host kept of
    /// it when it was sent ([`InFlight`]), and the guest's word for it. Only the guest's own sockets
    /// can arrive (see `send-with-descriptors` in the WIT); anything else closes, refused.
    fn adopt_arrival(&mut self, fd: std::os::fd::OwnedFd) -> NetResult<(Resource<Socket>, u64)> {
        self.check_quota(1)?;
        let inner = socket2::Socket::from(fd);
        let family = match inner.domain()? {
            Domain::IPV4 => Family::Inet,
            Domain::IPV6 => Family::Inet6,
            Domain::UNIX => Family::Unix,
            _ => return Err(Errno::Eopnotsupp.into()),
        };
        let kind = match inner.r#type()? {
            Type::STREAM => Kind::Stream,
            Type::DGRAM => Kind::Dgram,
            Type::SEQPACKET => Kind::Seqpacket,
            _ => return Err(Errno::Eopnotsupp.into()),
        };
        let identity = sys::identity(inner.as_fd())?;
        let r = self.adopt(inner, family, kind)?;
        let Some(kept) = self.ctx.in_flight.carried.get(&identity) else { return Ok((r, 0)) };
        let (word, wildcard, stand_in, fails_at_once) = (kept.word, kept.wildcard, kept.dual_stack_stand_in, kept.fails_at_once.clone());
        let s = self.socket(&r)?;
        (s.wildcard, s.dual_stack_stand_in, s.fails_at_once) = (wildcard, stand_in, fails_at_once);
        Ok((r, word))
    }

    /// How many of `len` bytes the byte quota `used`/`limit` lets through; ENOBUFS when none.
    fn byte_allowance(&mut self, len: usize, sending: bool) -> Result<usize, NetError> {
        self.ctx.refusal = None;
        let (used, limit, what) = if sending {
            (self.ctx.usage.bytes_sent, self.ctx.quotas.bytes_sent, "sent")
        } else {
            (self.ctx.usage.bytes_received.load(std::sync::atomic::Ordering::Relaxed), self.ctx.quotas.bytes_received, "received")
        };
        let left = limit.saturating_sub(used);
        if left == 0 && len > 0 {
            return Err(self.refuse(Errno::Enobufs, format!("at most {limit} bytes {what}")));
        }
        Ok(len.min(usize::try_from(left).unwrap_or(usize::MAX)))
    }

    /// Everything a send settles before it touches the bytes: the policy for a destination, the
    /// flags, the sent-bytes quota. How many of `len` bytes may go, to where, on which descriptor.
    pub(crate) fn prepare_send(&mut self, this: &Resource<Socket>, len: usize, flags: i32, to: Option<&SocketAddress>, wait: bool) -> NetResult<Outgoing> {
        let (to, through) = match to {
            Some(SocketAddress::Ip(a)) => (Some(self.judge(Op::Send, a)?), None),
            Some(SocketAddress::Path(path)) => {
                self.unix_socket(this)?;
                let target = self.unix_target(path, "send", |folders, path| folders.connect_target(path))?;
                (Some(SockAddr::unix(OsStr::from_bytes(&target.kernel_path))?), Some(target.through))
            }
            None => (None, None),
        };
        let flags = send_flags(flags)?;
        let allowed = self.byte_allowance(len, true)?;
        let waits = wait.then(|| self.ctx.interrupter.clone());
        let s = self.socket(this)?;
        let waits = waits.filter(|_| !s.fails_at_once.sends());
        if allowed < len && (s.kind != Kind::Stream || to.is_some()) {
            // A datagram (or a sequenced packet) goes whole or not at all.
            return Err(NetError::Errno(Errno::Enobufs));
        }
        Ok(Outgoing { fd: s.sending(to.as_ref()).as_raw_fd(), allowed, flags, to, _through: through, waits })
    }

    /// Counts what a send took against the sent-bytes quota.
    pub(crate) fn count_sent(&mut self, n: usize) {
        self.ctx.usage.bytes_sent = self.ctx.usage.bytes_sent.saturating_add(n as u64);
    }

    /// `pysock:net/data.send` (or `send-to`, with `to`) of bytes the caller holds, for callers that
    /// drive the host without a guest (tests, fuzzing). The guest's own sends lend the bytes from
    /// its memory instead (`crate::data`); both settle, send and count the same way. With `wait`,
    /// as a blocking socket's send (see `send` in the WIT).
    pub fn send(&mut self, this: &Resource<Socket>, bytes: &[u8], flags: i32, to: Option<&SocketAddress>, wait: bool) -> NetResult<u32> {
        let out = self.prepare_send(this, bytes.len(), flags, to, wait)?;
        let sent = out.send(bytes)?;
        self.count_sent(sent);
        Ok(sent as u32)
    }

    /// `pysock:net/tls.connection.flush-to`: the engine's pending ciphertext goes out on the socket
    /// as the socket's own sends do (the same flags, the sent-bytes quota), never through the guest.
    pub(crate) fn flush_tls(&mut self, conn: &Resource<crate::tls::TlsConnection>, socket: &Resource<Socket>) -> NetResult<bool> {
        let fd = self.socket(socket)?.inner.as_raw_fd();
        let flags = send_flags(0)?;
        let left = self.byte_allowance(usize::MAX, true)?;
        let mut sent = 0usize;
        let result = self.table.get_mut(conn)?.flush_to(&mut |buffers| {
            let allowed = left - sent;
            if allowed == 0 {
                return Err(std::io::Error::from_raw_os_error(libc::ENOBUFS));
            }
            // The buffers cut to what the quota still allows.
            let mut within = Vec::with_capacity(buffers.len());
            let mut room = allowed;
            for b in buffers {
                if room == 0 {
                    break;
                }
                let n = b.len().min(room);
                within.push(std::io::IoSlice::new(&b[..n]));
                room -= n;
            }
            sys::send_vectored(fd, &within, flags).inspect(|k| sent += k)
        });
        self.count_sent(sent);
        match result {
            Ok(done) => Ok(done),
            // The quota ran out part way: refused as a send would be, with its reason.
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) && sent == left => self.byte_allowance(1, true).map(|_| false),
            Err(e) => Err(e.into()),
        }
    }

    /// `pysock:net/tls.connection.fill-from`: what the socket has (at most [`TLS_CHUNK`] bytes)
    /// goes to the engine, received as the socket's own receives are (the received-bytes quota),
    /// waiting for it with `wait` as they do.
    pub(crate) fn fill_tls(
        &mut self,
        conn: &Resource<crate::tls::TlsConnection>,
        socket: &Resource<Socket>,
        wait: bool,
    ) -> wasmtime::Result<Result<u32, crate::bindings::pysock::net::tls::FillError>> {
        use crate::bindings::pysock::net::tls::FillError;
        let got = match self.recv_from(socket, TLS_CHUNK, 0, wait) {
            Ok((got, _)) => got,
            Err(NetError::Errno(e)) => return Ok(Err(FillError::Socket(e))),
            Err(NetError::Trap(t)) => return Err(t),
        };
        Ok(match self.table.get_mut(conn)?.receive(&got.data) {
            Ok(()) => Ok(got.length as u32),
            Err(e) => Err(FillError::Engine(e)),
        })
    }

    /// `pysock:net/data.recv-from` (and `recv`): recvfrom(2) under the received-bytes quota, what
    /// the guest receives and from whom. With `wait`, one that finds nothing waits, as a blocking
    /// socket's does (see `recv-into` in the WIT).
    pub fn recv_from(&mut self, this: &Resource<Socket>, max_len: u64, flags: i32, wait: bool) -> NetResult<(Incoming, Option<SocketAddress>)> {
        let max_len = self.recv_allowance(max_len, flags)?;
        let wake = wait.then(|| self.ctx.interrupter.clone());
        let socket = self.socket(this)?;
        let wake = wake.filter(|_| !socket.fails_at_once.receives());
        let (got, from) = match wake {
            Some(wake) => wake.receive_waiting(socket.watched().fds(), || socket.receive(max_len, flags))?,
            None => socket.receive(max_len, flags)?,
        };
        self.count_received(&got, flags);
        Ok((got, from.map(|from| self.sender_address(from))))
    }

    /// A sender's address as the guest sees it: an AF_UNIX name as `path-name` reports a peer's.
    fn sender_address(&self, from: sys::Sender) -> SocketAddress {
        match from {
            sys::Sender::Ip(a) => SocketAddress::Ip(from_std(a)),
            sys::Sender::Unix(name) => SocketAddress::Path(self.ctx.unix_folders.guest_name(&name)),
        }
    }

    /// `pysock:net/data.recv-into` of at most `len` bytes: everything but the system call, which
    /// needs the guest's memory and so runs as the result is lowered.
    pub(crate) fn plan_recv_into(&mut self, this: &Resource<Socket>, len: usize, flags: i32, wait: bool) -> NetResult<ReceiveInto> {
        let len = (self.recv_allowance(len as u64, flags)? as usize).min(MAX_RECV);
        // Nothing to count without a quota: the count only ever serves one.
        let counted = (flags & libc::MSG_PEEK == 0 && self.ctx.quotas.bytes_received != u64::MAX).then(|| self.ctx.usage.bytes_received.clone());
        let waits = wait.then(|| self.ctx.interrupter.clone());
        let socket = self.socket(this)?;
        let watched = socket.watched();
        Ok(ReceiveInto {
            fd: watched.readable()?,
            watched,
            len,
            flags,
            discards: socket.discards(flags),
            counted,
            waits: waits.filter(|_| !socket.fails_at_once.receives()),
        })
    }

    /// The length a recv may ask for under the received-bytes quota; a peek takes nothing.
    fn recv_allowance(&mut self, max_len: u64, flags: i32) -> Result<u64, NetError> {
        if flags & libc::MSG_PEEK != 0 || self.ctx.quotas.bytes_received == u64::MAX {
            return Ok(max_len);
        }
        let len = max_len.min(MAX_RECV as u64) as usize;
        Ok(self.byte_allowance(len, false)? as u64)
    }

    /// Counts what a recv took off the socket: the kernel's count, which with MSG_TRUNC includes
    /// bytes it discarded rather than wrote.
    fn count_received(&mut self, got: &Incoming, flags: i32) {
        if flags & libc::MSG_PEEK == 0 {
            self.ctx.usage.bytes_received.fetch_add(got.length, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// SO_RCVTIMEO or SO_SNDTIMEO: a `struct timeval`, in microseconds over the WIT.
fn is_timeout(opt: Sockopt) -> bool {
    matches!(opt, Sockopt::Rcvtimeo | Sockopt::Sndtimeo)
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
        TcpMaxseg => (libc::IPPROTO_TCP, libc::TCP_MAXSEG),
        TcpCork => (libc::IPPROTO_TCP, libc::TCP_CORK),
        TcpSyncnt => (libc::IPPROTO_TCP, libc::TCP_SYNCNT),
        TcpLinger2 => (libc::IPPROTO_TCP, libc::TCP_LINGER2),
        TcpDeferAccept => (libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT),
        TcpWindowClamp => (libc::IPPROTO_TCP, libc::TCP_WINDOW_CLAMP),
        TcpQuickack => (libc::IPPROTO_TCP, libc::TCP_QUICKACK),
        TcpUserTimeout => (libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT),
        TcpFastopen => (libc::IPPROTO_TCP, libc::TCP_FASTOPEN),
        TcpNotsentLowat => (libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT),
        Priority => (libc::SOL_SOCKET, libc::SO_PRIORITY),
        Dontroute => (libc::SOL_SOCKET, libc::SO_DONTROUTE),
        IncomingCpu => (libc::SOL_SOCKET, libc::SO_INCOMING_CPU),
        IpBindAddressNoPort => (libc::IPPROTO_IP, libc::IP_BIND_ADDRESS_NO_PORT),
        Mark => (libc::SOL_SOCKET, libc::SO_MARK),
        IpTransparent => (libc::IPPROTO_IP, libc::IP_TRANSPARENT),
        IpPktinfo => (libc::IPPROTO_IP, libc::IP_PKTINFO),
        IpRecvttl => (libc::IPPROTO_IP, libc::IP_RECVTTL),
        IpRecvtos => (libc::IPPROTO_IP, libc::IP_RECVTOS),
        Ipv6Recvpktinfo => (libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO),
        Ipv6Recvhoplimit => (libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT),
        Ipv6Recvtclass => (libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS),
    }
}

fn byte_option_level_name(opt: ByteOption) -> (i32, i32) {
    match opt {
        ByteOption::TcpInfo => (libc::IPPROTO_TCP, libc::TCP_INFO),
        ByteOption::TcpCongestion => (libc::IPPROTO_TCP, libc::TCP_CONGESTION),
        ByteOption::IpMulticastIf => (libc::IPPROTO_IP, libc::IP_MULTICAST_IF),
        ByteOption::Ipv6Tclass => (libc::IPPROTO_IPV6, libc::IPV6_TCLASS),
        ByteOption::Ipv6MulticastHops => (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS),
        ByteOption::Ipv6MulticastLoop => (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP),
        ByteOption::Ipv6MulticastIf => (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_IF),
        ByteOption::Ipv6Dontfrag => (libc::IPPROTO_IPV6, libc::IPV6_DONTFRAG),
        ByteOption::BindToDevice => (libc::SOL_SOCKET, libc::SO_BINDTODEVICE),
    }
}

/// The most bytes a byte option's getsockopt may ask for, as CPython's own limit.
const MOST_OPTION_BYTES: u32 = 1024;

/// The sandbox sets options as an unprivileged process would, whatever the host's privileges: a
/// host running as root would otherwise let it raise SO_PRIORITY past 6 or, through TCP_CONGESTION,
/// make the kernel load a module (`tcp_NAME`), or mark its packets for the host's routing and
/// firewall (SO_MARK), or bind to addresses that are not the host's (IP_TRANSPARENT). So SO_PRIORITY
/// above 6, any SO_MARK, a non-zero IP_TRANSPARENT and a congestion control algorithm outside
/// `net.ipv4.tcp_allowed_congestion_control` are refused as the kernel refuses an unprivileged
/// caller: EPERM, or ENOENT for an algorithm the kernel does not have. So is SO_BINDTODEVICE on a
/// socket already bound to an interface (`set_option_bytes`), which needs CAP_NET_RAW.
fn unprivileged_check(opt: Sockopt, value: i64) -> Result<(), Errno> {
    match opt {
        Sockopt::Priority if !(0..=6).contains(&value) => Err(Errno::Eperm),
        Sockopt::Mark => Err(Errno::Eperm),
        Sockopt::IpTransparent if value != 0 => Err(Errno::Eperm),
        _ => Ok(()),
    }
}

/// The congestion control algorithm a TCP_CONGESTION value names, read as the kernel reads it (at
/// most 15 bytes, up to a NUL), checked as for an unprivileged caller (see [`unprivileged_check`]).
/// Values the kernel refuses before it looks the name up (none, or a null pointer) pass through.
fn check_congestion_name(value: &OptionBytes) -> Result<(), Errno> {
    let OptionBytes::Bytes(bytes) = value else { return Ok(()) };
    if bytes.is_empty() {
        return Ok(());
    }
    let read = &bytes[..bytes.len().min(15)];
    let name = &read[..read.iter().position(|&b| b == 0).unwrap_or(read.len())];
    let listed = |file: &str| {
        std::fs::read_to_string(format!("/proc/sys/net/ipv4/{file}"))
            .is_ok_and(|list| list.split_whitespace().any(|n| n.as_bytes() == name))
    };
    if listed("tcp_allowed_congestion_control") {
        Ok(())
    } else if listed("tcp_available_congestion_control") {
        Err(Errno::Eperm)
    } else {
        Err(Errno::Enoent)
    }
}

/// The interface an SO_BINDTODEVICE value names, read as sock_setbindtodevice reads it (at most 15
/// bytes, up to a NUL); empty unbinds. A null pointer reads nothing here: the kernel refuses it
/// (EFAULT) unless it is said to be empty, which unbinds too.
fn device_name(value: &OptionBytes) -> &[u8] {
    let OptionBytes::Bytes(bytes) = value else { return &[] };
    let read = &bytes[..bytes.len().min(libc::IFNAMSIZ - 1)];
    &read[..read.iter().position(|&b| b == 0).unwrap_or(read.len())]
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

/// Where a bind goes, as `judge_bind` decided.
enum Bind {
    /// The address the guest named.
    Named(SockAddr),
    /// A loopback address in place of the wildcard.
    StandIn(SockAddr),
    /// A dual-stack IPv6 socket's wildcard: ::1 for the socket, ::ffff:127.0.0.1 for its
    /// companion.
    BothLoopbacks { v6: SockAddr, v4: SockAddr },
}

/// Binds `inner` to `v6` and a new companion socket to `v4` on the same port: the port asked for or,
/// for port 0, one free for both (a few tries: the kernel's choice for the companion may be taken on
/// ::1). On failure `inner` is left unbound, as a failed bind leaves a socket.
fn both_loopbacks(inner: &socket2::Socket, v6: &SockAddr, v4: &SockAddr) -> std::io::Result<socket2::Socket> {
    let (Some(v6), Some(v4)) = (v6.as_socket(), v4.as_socket()) else {
        return Err(std::io::ErrorKind::InvalidInput.into());
    };
    let tries = if v6.port() == 0 { 8 } else { 1 };
    let mut last = std::io::Error::from(std::io::ErrorKind::AddrInUse);
    for _ in 0..tries {
        let companion = socket2::Socket::new(Domain::IPV6, inner.r#type()?.nonblocking().cloexec(), inner.protocol()?)?;
        companion.set_only_v6(false)?;
        companion.set_reuse_address(inner.reuse_address()?)?;
        companion.set_reuse_port(inner.reuse_port()?)?;
        companion.bind(&v4.into())?;
        let port = companion.local_addr()?.as_socket().map_or(0, |a| a.port());
        match inner.bind(&SocketAddr::new(v6.ip(), port).into()) {
            Ok(()) => return Ok(companion),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// Takes a kernel socket off the store's poller before it closes: a dup of its descriptor would
/// otherwise keep the registration alive.
fn leave_poller(poll: &mio::Poll, k: &socket2::Socket) {
    let _ = poll.registry().deregister(&mut mio::unix::SourceFd(&k.as_raw_fd()));
}

/// Whether an IPv6 socket's peer `to` is an IPv4 one (::ffff:a.b.c.d).
fn is_ipv4_peer(to: &SockAddr) -> bool {
    to.as_socket_ipv6().is_some_and(|a| a.ip().to_ipv4_mapped().is_some())
}

impl Socket {
    /// The kernel sockets behind this one: `inner`, and the companion of a dual-stack stand-in.
    fn kernel_sockets(&self) -> impl Iterator<Item = &socket2::Socket> {
        std::iter::once(&self.inner).chain(self.companion.as_ref())
    }

    /// Whether a wildcard bind takes IPv4 peers too: an IPv6 socket with IPV6_V6ONLY off, as the
    /// kernel has it now (Linux's default, or what the guest set).
    fn dual_stack(&self) -> bool {
        self.family == Family::Inet6 && self.inner.only_v6().is_ok_and(|only| !only)
    }

    /// The kernel sockets a receive takes from ([`KernelSockets`]).
    fn watched(&self) -> KernelSockets {
        match &self.companion {
            Some(companion) => KernelSockets { fds: [self.inner.as_raw_fd(), companion.as_raw_fd()], len: 2 },
            None => KernelSockets { fds: [self.inner.as_raw_fd(), -1], len: 1 },
        }
    }

    /// The kernel socket a receive takes from now ([`KernelSockets::readable`]).
    fn receiving(&self) -> std::io::Result<&socket2::Socket> {
        let fd = self.watched().readable()?;
        Ok(match &self.companion {
            Some(companion) if companion.as_raw_fd() == fd => companion,
            _ => &self.inner,
        })
    }

    /// The kernel socket a send to `to` leaves from: the companion for an IPv4 peer (::1 cannot
    /// reach it), else `inner`.
    fn sending(&self, to: Option<&SockAddr>) -> &socket2::Socket {
        match &self.companion {
            Some(companion) if to.is_some_and(is_ipv4_peer) => companion,
            _ => &self.inner,
        }
    }

    /// Before a connect to `to`: keeps, of a dual-stack stand-in's two kernel sockets, the one that
    /// reaches `to`, as the kernel fixes a wildcard-bound socket's address on connect, and returns
    /// the other, for the caller to close. A listener keeps both: connect() fails on it.
    fn keep_the_one_reaching(&mut self, to: &SockAddr) -> Option<socket2::Socket> {
        if self.listening {
            return None;
        }
        let companion = self.companion.take()?;
        Some(if is_ipv4_peer(to) { std::mem::replace(&mut self.inner, companion) } else { companion })
    }

    /// How many bytes of a `len`-byte buffer a recv(2) that returned `n` with `flags` wrote.
    /// Without MSG_TRUNC the count is what was copied. With it, Linux returns a datagram's full
    /// length but copies only what fits (udp(7), unix(7)); a TCP socket discards the bytes without
    /// copying any (tcp(7)), except from the error queue, which copies as without the flag; an
    /// AF_UNIX stream ignores the flag.
    fn bytes_written(&self, n: usize, len: usize, flags: i32) -> usize {
        if self.discards(flags) { 0 } else { n.min(len) }
    }

    /// Whether a receive with `flags` discards the bytes it counts (MSG_TRUNC on TCP) rather than
    /// writing them.
    fn discards(&self, flags: i32) -> bool {
        flags & libc::MSG_TRUNC != 0 && flags & libc::MSG_ERRQUEUE == 0 && self.kind == Kind::Stream && self.family != Family::Unix
    }

    /// One recvfrom(2) of at most `max_len` bytes (capped at [`MAX_RECV`]), as the guest receives
    /// it, with the sender's address when the socket reports one.
    fn receive(&self, max_len: u64, flags: i32) -> std::io::Result<(Incoming, Option<sys::Sender>)> {
        let len = max_len.min(MAX_RECV as u64) as usize;
        if flags & libc::MSG_TRUNC == 0 {
            // The kernel's count is what it copied: the buffer holds exactly that.
            let (data, from) = sys::recv_from_new(self.receiving()?.as_fd(), len, flags)?;
            let length = data.len() as u64;
            return Ok((Incoming { data, length }, from));
        }
        // With MSG_TRUNC the count is not what was written. The buffer is filled first, so that if
        // the kernel wrote less than `bytes_written` says, the guest would see `UNWRITTEN`, never
        // what this memory held before.
        let mut buf = vec![UNWRITTEN; len];
        let (n, from) = sys::recv_from(self.receiving()?.as_fd(), &mut buf, flags)?;
        buf.truncate(self.bytes_written(n, len, flags));
        Ok((Incoming { data: buf, length: n as u64 }, from))
    }
}

impl HostSocket for PysockCtxView<'_> {
    guarded! { "socket";
        fn create(&mut self, family: Family, kind: Kind, protocol: i32) -> NetResult<Resource<Socket>> {
            self.check_quota(1)?;
            let domain = match family {
                Family::Inet => Domain::IPV4,
                Family::Inet6 => Domain::IPV6,
                // Inert without an address: the guest cannot name a path, and listen() is refused.
                Family::Unix => Domain::UNIX,
            };
            let ty = match (family, kind) {
                (_, Kind::Stream) => Type::STREAM,
                (_, Kind::Dgram) => Type::DGRAM,
                (Family::Unix, Kind::Seqpacket) => Type::SEQPACKET,
                // SCTP's, which the policy does not judge.
                (_, Kind::Seqpacket) => return Err(Errno::Esocktnosupport.into()),
            };
            // TCP, UDP and UDP-Lite (UDP's addressing with partial checksums) only: other protocols
            // (ICMP, SCTP, raw) are outside what the policy judges.
            let proto = match (kind, protocol) {
                (_, 0) => None,
                (Kind::Stream, libc::IPPROTO_TCP)
                | (Kind::Dgram, libc::IPPROTO_UDP)
                | (Kind::Dgram, libc::IPPROTO_UDPLITE) => Some(Protocol::from(protocol)),
                _ => return Err(Errno::Eprotonosupport.into()),
            };
            let inner = socket2::Socket::new(domain, ty.nonblocking().cloexec(), proto)?;
            self.adopt(inner, family, kind)
        }

        fn id(&mut self, this: Resource<Socket>) -> wasmtime::Result<u32> {
            Ok(this.rep())
        }

        fn pair(&mut self, kind: Kind) -> NetResult<(Resource<Socket>, Resource<Socket>)> {
            self.check_quota(2)?;
            let ty = match kind {
                Kind::Stream => Type::STREAM,
                Kind::Dgram => Type::DGRAM,
                Kind::Seqpacket => Type::SEQPACKET,
            };
            let (a, b) = socket2::Socket::pair(Domain::UNIX, ty.nonblocking().cloexec(), None)?;
            let a = self.adopt(a, Family::Unix, kind)?;
            match self.adopt(b, Family::Unix, kind) {
                Ok(b) => Ok((a, b)),
                Err(e) => {
                    HostSocket::drop(self, a).map_err(NetError::Trap)?;
                    Err(e)
                }
            }
        }

        fn bind(&mut self, this: Resource<Socket>, address: IpSocketAddress) -> NetResult<()> {
            let dual_stack = self.socket(&this)?.dual_stack();
            let bind = self.judge_bind(&address, dual_stack)?;
            self.bind_as_judged(&this, bind)
        }

        fn listen(&mut self, this: Resource<Socket>, backlog: i32) -> NetResult<()> {
            let s = self.socket(&this)?;
            let (family, listening) = (s.family, s.listening);
            if family == Family::Unix && s.named_in.is_none() && s.inner.local_addr()?.as_pathname().is_none() {
                // listen() would autobind an abstract name, which every program of the host's
                // network namespace could reach.
                self.ctx.refusal = Some("pysock's sandbox does not give AF_UNIX sockets abstract names: bind the socket to a path first".into());
                return Err(Errno::Eacces.into());
            }
            // listen() on a socket never bound binds the wildcard address: judge it as that bind,
            // and bind loopback first where that is what the wildcard means.
            let local = s.inner.local_addr()?.as_socket();
            let dual_stack = s.dual_stack();
            if let Some(local) = local.filter(|a| a.port() == 0) {
                let wildcard = SocketAddr::new(if local.is_ipv4() { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { IpAddr::V6(Ipv6Addr::UNSPECIFIED) }, 0);
                match self.judge_bind(&from_std(wildcard), dual_stack)? {
                    // The kernel binds the wildcard itself as it starts listening.
                    Bind::Named(_) => {}
                    bind => self.bind_as_judged(&this, bind)?,
                }
            }
            self.ctx.refusal = None;
            let limit = self.ctx.quotas.listeners;
            if !listening && self.ctx.usage.listeners >= limit {
                return Err(self.refuse(Errno::Emfile, format!("at most {limit} listening socket(s)")));
            }
            let s = self.socket(&this)?;
            for k in s.kernel_sockets() {
                k.listen(backlog)?;
            }
            if !s.listening {
                s.listening = true;
                self.ctx.usage.listeners += 1;
            }
            Ok(())
        }

        fn connect(&mut self, this: Resource<Socket>, address: IpSocketAddress) -> NetResult<()> {
            let addr = self.judge(Op::Connect, &address)?;
            let s = self.socket(&this)?;
            if s.kind == Kind::Stream && !s.connect_counted {
                self.check_rate(true)?;
                self.socket(&this)?.connect_counted = true;
            }
            let s = self.socket(&this)?;
            let polled = s.polled;
            if let Some(other) = s.keep_the_one_reaching(&addr)
                && polled
            {
                leave_poller(&self.ctx.poll, &other);
            }
            Ok(self.socket(&this)?.inner.connect(&addr)?)
        }

        fn bind_path(&mut self, this: Resource<Socket>, path: Vec<u8>, name: Vec<u8>) -> NetResult<()> {
            self.unix_socket(&this)?;
            let target = self.unix_target(&path, "bind", |folders, path| folders.bind_target(path))?;
            let s = self.socket(&this)?;
            s.inner.bind(&SockAddr::unix(OsStr::from_bytes(&target.kernel_path))?)?;
            target.finish_bind()?;
            s.named_in = Some(target.through.clone());
            self.ctx.unix_folders.remember(&target, name);
            Ok(())
        }

        fn connect_path(&mut self, this: Resource<Socket>, path: Vec<u8>, wait: bool) -> NetResult<()> {
            self.unix_socket(&this)?;
            let target = self.unix_target(&path, "connect", |folders, path| folders.connect_target(path))?;
            // The file stays open (`target`) until connect(2) has found the socket it names.
            let address = SockAddr::unix(OsStr::from_bytes(&target.kernel_path))?;
            let wake = wait.then(|| self.ctx.interrupter.clone());
            let s = self.socket(&this)?;
            match wake {
                Some(wake) => wake.connect_waiting(s.inner.as_raw_fd(), || s.inner.connect(&address)),
                None => Ok(s.inner.connect(&address)?),
            }
        }

        fn path_name(&mut self, this: Resource<Socket>, peer: bool) -> NetResult<Vec<u8>> {
            let s = self.socket(&this)?;
            let kernel = if peer { s.inner.peer_addr()? } else { s.inner.local_addr()? };
            Ok(match (kernel.as_pathname(), kernel.as_abstract_namespace()) {
                (Some(path), _) => self.ctx.unix_folders.guest_name(path.as_os_str().as_bytes()),
                (None, Some(name)) => [&[0u8][..], name].concat(),
                (None, None) => Vec::new(),
            })
        }

        fn disconnect(&mut self, this: Resource<Socket>) -> NetResult<()> {
            Ok(sys::disconnect(self.socket(&this)?.inner.as_fd())?)
        }

        fn accept(&mut self, this: Resource<Socket>) -> NetResult<(Resource<Socket>, Option<IpSocketAddress>)> {
            self.check_quota(1)?;
            // Only a connection actually taken spends the rate allowance; polling for one does not.
            self.check_rate(false)?;
            let s = self.socket(&this)?;
            let (family, kind, fails_at_once, named_in) = (s.family, s.kind, s.fails_at_once.inherited(), s.named_in.clone());
            let (conn, peer) = match (sys::accept_nonblocking(s.inner.as_fd()), &s.companion) {
                (Err(e), Some(companion)) if e.kind() == std::io::ErrorKind::WouldBlock => sys::accept_nonblocking(companion.as_fd())?,
                (taken, _) => taken?,
            };
            let local = conn.local_addr().ok().and_then(|a| a.as_socket());
            self.ctx.usage.connections.take();
            let peer = peer.as_socket();
            if family != Family::Unix {
                self.ctx.audit.record(&audit::Event {
                    op: "accept",
                    address: peer,
                    name: None,
                    local,
                    allowed: true,
                    rule: "the listener's bind",
                    addresses: &[],
                });
            }
            let r = self.adopt(conn, family, kind)?;
            let taken = self.socket(&r)?;
            (taken.fails_at_once, taken.named_in) = (fails_at_once, named_in);
            Ok((r, peer.map(from_std)))
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
            let s = self.socket(&this)?;
            let mut local = s.inner.local_addr()?.as_socket();
            if let Some(a) = local.as_mut().filter(|_| s.wildcard && s.inner.peer_addr().is_err()) {
                a.set_ip(if a.is_ipv4() { Ipv4Addr::UNSPECIFIED.into() } else { Ipv6Addr::UNSPECIFIED.into() });
            }
            Ok(local.map(from_std))
        }

        fn remote_address(&mut self, this: Resource<Socket>) -> NetResult<Option<IpSocketAddress>> {
            Ok(self.socket(&this)?.inner.peer_addr()?.as_socket().map(from_std))
        }

        fn get_option(&mut self, this: Resource<Socket>, name: Sockopt) -> NetResult<i64> {
            let s = self.socket(&this)?;
            if name == Sockopt::Ipv6V6only && s.dual_stack_stand_in {
                return Ok(0);
            }
            let fd = s.inner.as_fd();
            if name == Sockopt::Linger {
                let (on, secs) = sys::getsockopt_linger(fd)?;
                return Ok(((on as i64) << 32) | secs as u32 as i64);
            }
            let (level, opt) = sockopt_level_name(name);
            if is_timeout(name) {
                if s.fails_at_once.of(name).load(Ordering::Relaxed) {
                    return Ok(-1);
                }
                return Ok(sys::getsockopt_timeout(fd.as_raw_fd(), opt)?);
            }
            Ok(sys::getsockopt_int(fd, level, opt)?.into())
        }

        fn set_option(&mut self, this: Resource<Socket>, name: Sockopt, value: i64) -> NetResult<()> {
            if is_timeout(name) {
                self.ctx.interrupter.socket_timeouts_set();
            }
            // A companion takes the listener's options too (accepted sockets inherit them); the
            // socket itself goes first, and its answer is the guest's.
            for k in self.socket(&this)?.kernel_sockets() {
                let fd = k.as_fd();
                if name == Sockopt::Linger {
                    sys::setsockopt_linger(fd, (value >> 32) as i32, value as i32)?;
                    continue;
                }
                let (level, opt) = sockopt_level_name(name);
                if is_timeout(name) {
                    // The kernel keeps it, rounded to its clock, and the host's waits read it there;
                    // a negative one is kept below.
                    sys::setsockopt_timeout(fd, opt, value.max(0))?;
                    continue;
                }
                let value = i32::try_from(value).map_err(|_| Errno::Einval)?;
                unprivileged_check(name, value.into())?;
                sys::setsockopt_int(fd, level, opt, value)?;
            }
            if is_timeout(name) {
                // A negative value is the guest's negative time (see `FailsAtOnce`).
                self.socket(&this)?.fails_at_once.of(name).store(value < 0, Ordering::Relaxed);
            }
            Ok(())
        }

        fn get_option_bytes(&mut self, this: Resource<Socket>, name: ByteOption, length: u32) -> NetResult<Vec<u8>> {
            if !(1..=MOST_OPTION_BYTES).contains(&length) {
                return Err(Errno::Einval.into());
            }
            let (level, opt) = byte_option_level_name(name);
            Ok(sys::getsockopt_bytes(self.socket(&this)?.inner.as_fd(), level, opt, length as usize)?)
        }

        fn set_option_bytes(&mut self, this: Resource<Socket>, name: ByteOption, value: OptionBytes) -> NetResult<()> {
            let (level, opt) = byte_option_level_name(name);
            let socket = self.socket(&this)?;
            // Only a TCP socket looks the name up; the kernel refuses the others itself (a UDP
            // socket ENOPROTOOPT, an AF_UNIX one EOPNOTSUPP).
            if name == ByteOption::TcpCongestion && socket.kind == Kind::Stream && socket.family != Family::Unix {
                check_congestion_name(&value)?;
            }
            // A null pointer said to be longer than nothing is the kernel's to refuse (EFAULT).
            if name == ByteOption::BindToDevice && !matches!(value, OptionBytes::Null(1..)) {
                let device = device_name(&value);
                if !device.is_empty() && !self.visible_interfaces()?.iter().any(|(_, name)| name.as_bytes() == device) {
                    return Err(Errno::Enodev.into()); // the host's other interfaces are no business of the sandbox
                }
                let socket = self.socket(&this)?;
                let bound = sys::getsockopt_bytes(socket.inner.as_fd(), level, opt, libc::IFNAMSIZ)?;
                if !bound.is_empty() {
                    return Err(Errno::Eperm.into()); // see `unprivileged_check`
                }
            }
            let socket = self.socket(&this)?;
            let bytes = match &value {
                OptionBytes::Bytes(b) => Ok(b.as_slice()),
                OptionBytes::Null(len) => Err(*len),
            };
            for k in socket.kernel_sockets() {
                sys::setsockopt_bytes(k.as_fd(), level, opt, bytes)?;
            }
            Ok(())
        }

        fn take_error(&mut self, this: Resource<Socket>) -> NetResult<Option<Errno>> {
            Ok(self.socket(&this)?.inner.take_error()?.map(|e| errno::from_io(&e)))
        }

        fn duplicate(&mut self, this: Resource<Socket>) -> NetResult<Resource<Socket>> {
            self.check_quota(1)?;
            let s = self.socket(&this)?;
            let (family, kind, wildcard, stand_in, fails_at_once, named_in) =
                (s.family, s.kind, s.wildcard, s.dual_stack_stand_in, s.fails_at_once.clone(), s.named_in.clone());
            let dup = s.inner.try_clone()?;
            let companion = s.companion.as_ref().map(socket2::Socket::try_clone).transpose()?;
            let r = self.adopt(dup, family, kind)?;
            let copy = self.socket(&r)?;
            (copy.wildcard, copy.companion, copy.dual_stack_stand_in, copy.fails_at_once, copy.named_in) =
                (wildcard, companion, stand_in, fails_at_once, named_in);
            Ok(r)
        }

        fn queued(&mut self, this: Resource<Socket>, queue: Queue) -> NetResult<u32> {
            let request = match queue {
                Queue::Unread => libc::FIONREAD,
                Queue::Unsent => libc::TIOCOUTQ,
            };
            Ok(sys::ioctl_int(self.socket(&this)?.inner.as_fd(), request)? as u32)
        }

        fn at_mark(&mut self, this: Resource<Socket>) -> NetResult<bool> {
            Ok(sys::ioctl_int(self.socket(&this)?.inner.as_fd(), sys::SIOCATMARK)? != 0)
        }

        fn query_interface(&mut self, this: Resource<Socket>, query: InterfaceQuery, ifreq: Vec<u8>) -> NetResult<Vec<u8>> {
            let mut ifreq: [u8; sys::IFREQ_SIZE] = ifreq.as_slice().try_into().map_err(|_| Errno::Efault)?;
            let visible = self.visible_interfaces()?;
            let request = interface_request(query);
            let fd = self.socket(&this)?.inner.as_fd();
            if visible.iter().any(|(index, name)| names_interface(&ifreq, query, *index, name)) {
                sys::ioctl_ifreq(fd, request, &mut ifreq)?;
                return Ok(ifreq.to_vec());
            }
            // An interface the sandbox cannot see never reaches the kernel: it would answer for the
            // host's interface, and for a name it does not know a privileged host's kernel loads a
            // module of that name (dev_load). The same request about the loopback interface, which
            // every network namespace has, says whether this socket's family looks interfaces up
            // for it at all: where it does, the hidden one is missing (ENODEV); where it does not,
            // the kernel's refusal (ENOTTY, EINVAL) does not depend on the name.
            let loopback = sys::loopback_interfaces()?;
            let Some((index, name)) = visible.iter().find(|(_, name)| loopback.contains(name)) else {
                return Err(Errno::Enodev.into());
            };
            let mut probe = [0u8; sys::IFREQ_SIZE];
            probe[..name.len()].copy_from_slice(name.as_bytes());
            probe[16..20].copy_from_slice(&index.to_ne_bytes());
            sys::ioctl_ifreq(fd, request, &mut probe)?;
            Err(Errno::Enodev.into())
        }

        fn send_with_descriptors(
            &mut self,
            this: Resource<Socket>,
            data: Vec<u8>,
            flags: i32,
            descriptors: Vec<(Resource<Socket>, u64)>,
            address: Option<SocketAddress>,
            wait: bool,
        ) -> NetResult<u32> {
            let mut fds = Vec::with_capacity(descriptors.len());
            let mut carried = Vec::with_capacity(descriptors.len());
            for (r, word) in &descriptors {
                let s = self.socket(r)?;
                if s.companion.is_some() {
                    self.ctx.refusal = Some(
                        "pysock's sandbox cannot pass a socket bound to the dual-stack wildcard under --allow-loopback \
                         (two sockets of the host's stand in for it); bind '::1' or '127.0.0.1' instead"
                            .into(),
                    );
                    return Err(Errno::Eopnotsupp.into());
                }
                fds.push(s.inner.as_raw_fd());
                let state = Carried { word: *word, wildcard: s.wildcard, dual_stack_stand_in: s.dual_stack_stand_in, fails_at_once: s.fails_at_once.clone() };
                carried.push((sys::identity(s.inner.as_fd())?, state));
            }
            let out = self.prepare_send(&this, data.len(), flags, address.as_ref(), wait)?;
            let sent = out.send_carrying(&data, &fds)?;
            self.count_sent(sent);
            for (identity, state) in carried {
                self.ctx.in_flight.sent(identity, state);
            }
            Ok(sent as u32)
        }

        fn receive_with_descriptors(&mut self, this: Resource<Socket>, max_len: u64, flags: i32, control_length: u32, wait: bool) -> NetResult<Message> {
            let len = self.recv_allowance(max_len, flags)?.min(MAX_RECV as u64) as usize;
            let wake = wait.then(|| self.ctx.interrupter.clone());
            let socket = self.socket(&this)?;
            let wake = wake.filter(|_| !socket.fails_at_once.receives());
            // Filled first, as in `Socket::receive`: bytes the kernel did not write read as these.
            let mut buf = vec![UNWRITTEN; len];
            let mut receive = || sys::recv_with_descriptors(socket.receiving()?.as_fd(), &mut buf, flags, control_length as usize);
            let got = match wake {
                Some(wake) => wake.receive_waiting(socket.watched().fds(), receive)?,
                None => receive()?,
            };
            buf.truncate(socket.bytes_written(got.length, len, flags));
            let data = Incoming { data: buf, length: got.length as u64 };
            self.count_received(&data, flags);
            let mut msg_flags = got.flags;
            let mut descriptors = Vec::with_capacity(got.descriptors.len());
            for fd in got.descriptors {
                // Past the socket quota the rest close, as the kernel closes what it cannot
                // install, and say so as it does: MSG_CTRUNC.
                match self.adopt_arrival(fd) {
                    Ok(arrived) => descriptors.push(arrived),
                    Err(_) => msg_flags |= libc::MSG_CTRUNC,
                }
            }
            Ok(Message { data, address: got.from.map(|from| self.sender_address(from)), descriptors, control: got.control, flags: msg_flags })
        }

        fn drop(&mut self, rep: Resource<Socket>) -> wasmtime::Result<()> {
            let socket = self.table.delete(rep)?;
            if socket.polled {
                for k in socket.kernel_sockets() {
                    leave_poller(&self.ctx.poll, k);
                }
            }
            self.ctx.usage.sockets -= 1;
            if socket.listening {
                self.ctx.usage.listeners -= 1;
            }
            drop(socket);
            Ok(())
        }
    }
}

/// An epoll instance the guest owns; it also watches the store's interrupter, level-triggered.
pub struct Epoll {
    fd: std::os::fd::OwnedFd,
    events: Vec<libc::epoll_event>,
    /// How many dual-stack listeners with a companion were added: each has two descriptors under one
    /// key, whose events a wait then reports as one, as the guest registered one socket.
    companions: usize,
}

/// The key of the interrupter's registration; guest keys are u32 descriptor numbers, never this.
const INTERRUPT_KEY: u64 = u64::MAX;

/// The most events one epoll wait returns, whatever the guest asked for.
const MAX_EPOLL_EVENTS: u32 = 1 << 16;

impl PysockCtxView<'_> {
    fn epoll_ctl(&mut self, this: &Resource<Epoll>, op: i32, watched: &Watched, key: u64, mask: u32) -> NetResult<()> {
        let epoll = self.table.get(this)?.fd.as_fd();
        match watched {
            Watched::Socket(s) => {
                // A companion reports under the same key: the guest sees one listener.
                for k in self.table.get(s)?.kernel_sockets() {
                    sys::epoll_ctl(epoll, op, k.as_fd(), mask, key)?;
                }
            }
            // The kernel's answers stand: EPERM for a regular file, as python3 gets for one.
            Watched::Input if self.ctx.inherited_stdin => sys::epoll_ctl(epoll, op, std::io::stdin().as_fd(), mask, key)?,
            Watched::Input => return Err(Errno::Eperm.into()),
        }
        Ok(())
    }

    /// Whether `watched` is a dual-stack listener with a companion (two descriptors, one key).
    fn has_companion(&self, watched: &Watched) -> NetResult<bool> {
        Ok(match watched {
            Watched::Socket(s) => self.table.get(s)?.companion.is_some(),
            Watched::Input => false,
        })
    }
}

impl HostEpoll for PysockCtxView<'_> {
    guarded! { "epoll";
        fn create(&mut self) -> NetResult<Resource<Epoll>> {
            // An epoll instance is a descriptor too: it counts against the same quota as sockets.
            self.check_quota(1)?;
            let fd = sys::epoll_create()?;
            sys::epoll_ctl(fd.as_fd(), libc::EPOLL_CTL_ADD, self.ctx.interrupter.fd(), libc::EPOLLIN as u32, INTERRUPT_KEY)?;
            self.ctx.usage.sockets += 1;
            Ok(self.table.push(Epoll { fd, events: Vec::new(), companions: 0 })?)
        }

        fn add(&mut self, this: Resource<Epoll>, w: Watched, key: u32, mask: u32) -> NetResult<()> {
            self.epoll_ctl(&this, libc::EPOLL_CTL_ADD, &w, key.into(), mask)?;
            if self.has_companion(&w)? {
                self.table.get_mut(&this)?.companions += 1;
            }
            Ok(())
        }

        fn modify(&mut self, this: Resource<Epoll>, w: Watched, key: u32, mask: u32) -> NetResult<()> {
            self.epoll_ctl(&this, libc::EPOLL_CTL_MOD, &w, key.into(), mask)
        }

        fn remove(&mut self, this: Resource<Epoll>, w: Watched) -> NetResult<()> {
            self.epoll_ctl(&this, libc::EPOLL_CTL_DEL, &w, 0, 0)?;
            if self.has_companion(&w)? {
                let epoll = self.table.get_mut(&this)?;
                epoll.companions = epoll.companions.saturating_sub(1);
            }
            Ok(())
        }

        fn wait(&mut self, this: Resource<Epoll>, max_events: u32, timeout_ns: Option<u64>) -> NetResult<Vec<(u32, u32)>> {
            let deadline = timeout_ns.and_then(|ns| Instant::now().checked_add(Duration::from_nanos(ns)));
            let interrupted = self.ctx.interrupter.clone();
            let epoll = self.table.get_mut(&this)?;
            // One slot more than asked, for the interrupter's event.
            let want = max_events.clamp(1, MAX_EPOLL_EVENTS) as usize + 1;
            if epoll.events.capacity() < want {
                epoll.events.reserve(want - epoll.events.len());
            }
            loop {
                interrupted.check()?;
                let timeout_ms = match deadline {
                    None => -1,
                    Some(d) => {
                        let left = d.saturating_duration_since(Instant::now());
                        // Round up, so a wait never returns empty-handed before its time.
                        i32::try_from(left.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX)
                    }
                };
                match sys::epoll_wait(epoll.fd.as_fd(), &mut epoll.events, timeout_ms) {
                    Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                    Err(e) => return Err(e.into()),
                    Ok(()) => {}
                }
                let mut ready: Vec<(u32, u32)> = Vec::with_capacity(epoll.events.len());
                for e in epoll.events.iter().filter(|e| e.u64 != INTERRUPT_KEY).take(want - 1) {
                    let (key, events) = (e.u64 as u32, e.events);
                    match ready.iter_mut().find(|(k, _)| epoll.companions > 0 && *k == key) {
                        Some((_, merged)) => *merged |= events,
                        None => ready.push((key, events)),
                    }
                }
                if !ready.is_empty() || timeout_ms == 0 || deadline.is_some_and(|d| Instant::now() >= d) {
                    return Ok(ready);
                }
            }
        }

        fn drop(&mut self, rep: Resource<Epoll>) -> wasmtime::Result<()> {
            self.table.delete(rep)?;
            self.ctx.usage.sockets -= 1;
            Ok(())
        }
    }
}

/// What is left of a wait until `deadline` (`Some(None)`: no limit), or `None` once it has passed.
fn time_left(deadline: Option<Instant>) -> Option<Option<Duration>> {
    match deadline {
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now());
            (!left.is_zero()).then_some(Some(left))
        }
        None => Some(None),
    }
}

/// A timer's (time left, interval) in nanoseconds, as `set-timer` and `get-timer` give them.
fn nanos_pair((left, interval): (Duration, Duration)) -> (u64, u64) {
    (nanos(left), nanos(interval))
}

/// A length of time in nanoseconds, as the WIT's u64 carries it.
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl From<IntervalTimer> for crate::timers::Which {
    fn from(which: IntervalTimer) -> Self {
        match which {
            IntervalTimer::Real => crate::timers::Which::Real,
            IntervalTimer::Virtual => crate::timers::Which::Virtual,
            IntervalTimer::Profiling => crate::timers::Which::Profiling,
        }
    }
}

impl Host for PysockCtxView<'_> {
    fn get_timer(&mut self, which: IntervalTimer) -> wasmtime::Result<(u64, u64)> {
        Ok(nanos_pair(self.ctx.interrupter.timer(which.into())))
    }

    fn cpu_time(&mut self) -> wasmtime::Result<CpuTimes> {
        // A host function runs on the guest's thread.
        let used = crate::timers::GuestThread::current().map(|t| t.cpu_time()).unwrap_or_default();
        Ok(CpuTimes { running_ns: nanos(used.running), user_ns: nanos(used.user), system_ns: nanos(used.system) })
    }

    fn limits(&mut self) -> wasmtime::Result<SandboxLimits> {
        let sockets = ResourceLimit { soft: self.ctx.socket_limit as u64, hard: self.ctx.quotas.sockets as u64 };
        let memory = ResourceLimit { soft: self.ctx.memory.soft(), hard: self.ctx.memory.hard() };
        Ok(SandboxLimits { sockets, memory })
    }

    fn take_signals(&mut self) -> wasmtime::Result<Vec<u8>> {
        Ok(self.ctx.interrupter.take_signals())
    }

    guarded! { "net";
        fn wait(&mut self, sockets: Vec<(Resource<Socket>, Events)>, input: Events, timeout_ns: Option<u64>) -> NetResult<Vec<(u32, Events)>> {
            // One entry per kernel socket, with the index of the guest's socket it belongs to.
            let mut fds = Vec::with_capacity(sockets.len() + 1);
            let mut owners = Vec::with_capacity(sockets.len() + 1);
            for (i, (r, interest)) in sockets.iter().enumerate() {
                for k in self.table.get(r)?.kernel_sockets() {
                    fds.push(libc::pollfd { fd: k.as_raw_fd(), events: events_to_poll(*interest), revents: 0 });
                    owners.push(i as u32);
                }
            }
            let input_index = sockets.len() as u32;
            // A stdin not known to be this process's is not waited on: the guest's read of it does
            // not wait here, so it is ready at once, as poll(2) reports a regular file.
            let mut input_now = Events::empty();
            if input != Events::empty() {
                if self.ctx.inherited_stdin {
                    fds.push(libc::pollfd { fd: libc::STDIN_FILENO, events: events_to_poll(input), revents: 0 });
                    owners.push(input_index);
                } else {
                    input_now = input & (Events::READABLE | Events::WRITABLE);
                }
            }
            // A timeout too large to represent as a deadline is as good as none.
            let deadline = timeout_ns.and_then(|ns| Instant::now().checked_add(Duration::from_nanos(ns)));
            loop {
                self.ctx.interrupter.check()?;
                if sys::poll_now(&mut fds)? > 0 || input_now != Events::empty() {
                    let mut ready: Vec<(u32, Events)> = Vec::new();
                    for (p, &owner) in fds.iter().zip(&owners).filter(|(p, _)| p.revents != 0) {
                        match ready.last_mut() {
                            Some((last, events)) if *last == owner => *events |= events_from_poll(p.revents),
                            _ => ready.push((owner, events_from_poll(p.revents))),
                        }
                    }
                    if input_now != Events::empty() {
                        ready.push((input_index, input_now));
                    }
                    return Ok(ready);
                }
                let Some(slice) = time_left(deadline) else {
                    return Ok(Vec::new());
                };
                for (r, _) in &sockets {
                    let socket = self.table.get_mut(r)?;
                    if !socket.polled {
                        // Registering reports readiness that arrived since poll_now just looked,
                        // so nothing that happened in between is missed.
                        for k in socket.kernel_sockets() {
                            let fd = k.as_raw_fd();
                            let (token, interest) = (mio::Token(fd as usize), mio::Interest::READABLE | mio::Interest::WRITABLE);
                            self.ctx.poll.registry().register(&mut mio::unix::SourceFd(&fd), token, interest)?;
                        }
                        socket.polled = true;
                    }
                }
                if input != Events::empty() && !self.ctx.stdin_polled {
                    let (token, interest) = (mio::Token(libc::STDIN_FILENO as usize), mio::Interest::READABLE | mio::Interest::WRITABLE);
                    match self.ctx.poll.registry().register(&mut mio::unix::SourceFd(&libc::STDIN_FILENO), token, interest) {
                        // epoll refuses regular files, which poll(2) reports ready at once, so
                        // poll_now has just said so; should one not, it counts as ready.
                        Err(e) if e.raw_os_error() == Some(libc::EPERM) => input_now = input & (Events::READABLE | Events::WRITABLE),
                        Err(e) => return Err(e.into()),
                        Ok(()) => self.ctx.stdin_polled = true,
                    }
                    if input_now != Events::empty() {
                        continue;
                    }
                }
                self.ctx.poll_once(slice)?;
            }
        }

        fn set_limits(&mut self, sockets: u64, memory: u64) -> NetResult<()> {
            if sockets > self.ctx.quotas.sockets as u64 || memory > self.ctx.memory.hard() {
                return Err(Errno::Einval.into());
            }
            self.ctx.socket_limit = sockets as usize;
            self.ctx.memory.set_soft(memory);
            Ok(())
        }

        fn set_timer(&mut self, which: IntervalTimer, value_ns: u64, interval_ns: u64) -> NetResult<(u64, u64)> {
            let (value, interval) = (Duration::from_nanos(value_ns), Duration::from_nanos(interval_ns));
            let was = self.ctx.interrupter.set_timer(which.into(), value, interval).map_err(|_| Errno::Enomem)?;
            Ok(nanos_pair(was))
        }

        fn resolve(
            &mut self,
            host: Option<String>,
            service: Option<String>,
            family: Option<Family>,
            socket_type: i32,
            protocol: i32,
            flags: i32,
        ) -> wasmtime::Result<Result<Vec<AddressInfo>, GaiError>> {
            self.ctx.refusal = None;
            let (Ok(host_c), Ok(service_c)) = (host.clone().map(CString::new).transpose(), service.map(CString::new).transpose()) else {
                return Ok(Err(GaiError::EaiNoname));
            };
            let lookup = |host: Option<&std::ffi::CStr>, flags: i32| {
                sys::getaddrinfo(host, service_c.as_deref(), family_number(family), socket_type, protocol, flags)
            };
            // A numeric address (in any spelling glibc reads: 127.1, 0x7f000001) needs no name service
            // and admits nothing; rules judge it when it is used.
            let numeric = lookup(host_c.as_deref(), flags | libc::AI_NUMERICHOST);
            // EAI_NONAME there may be the service's (a name under AI_NUMERICSERV): the host is a
            // name only if it fails without the service too.
            let host_is_name = |host: &std::ffi::CStr| {
                sys::getaddrinfo(Some(host), None, family_number(family), socket_type, protocol, libc::AI_NUMERICHOST).is_err()
            };
            let (Some(name), Some(host_cstr), Err(libc::EAI_NONAME)) = (host.as_deref(), host_c.as_deref(), &numeric) else {
                return Ok(numeric.map(to_address_infos).map_err(errno::gai_from_raw));
            };
            if !host_is_name(host_cstr) {
                return Ok(numeric.map(to_address_infos).map_err(errno::gai_from_raw));
            }
            let ctx = &mut *self.ctx;
            let own_name_verdict = sys::gethostname().ok().and_then(|own| ctx.policy.may_resolve_own_name(name, &own));
            let own_name = own_name_verdict.is_some();
            let verdict = own_name_verdict.unwrap_or_else(|| ctx.policy.may_resolve(name));
            let rule = verdict.reason().to_string();
            if !verdict.allowed {
                ctx.audit.record(&audit::Event { op: "resolve", address: None, name: Some(name), local: None, allowed: false, rule: &rule, addresses: &[] });
                ctx.refusal = Some(match verdict.rule {
                    Some(r) => format!("pysock's network policy does not allow resolving {name:?} (denied by the rule `{}`)", r.text),
                    None => format!(
                        "pysock's network policy does not allow resolving {name:?} (no rule names it; run with --allow {name}, --allow-loopback for localhost, or --allow-net)"
                    ),
                });
                return Ok(Err(GaiError::EaiNoname));
            }
            let result = if let Some(ips) = ctx.policy.pinned(name) {
                // The embedder's answer, spelled out numerically so service, family and type apply.
                let mut all = Vec::new();
                for ip in ips {
                    // An address's text has no NUL, so this never skips one.
                    let Ok(literal) = CString::new(ip.to_string()) else { continue };
                    if let Ok(list) = lookup(Some(&literal), (flags | libc::AI_NUMERICHOST) & !libc::AI_CANONNAME) {
                        all.extend(list);
                    }
                }
                if let (Some(first), true) = (all.first_mut(), flags & libc::AI_CANONNAME != 0) {
                    first.canonname = name.to_string();
                }
                if all.is_empty() { Err(libc::EAI_NONAME) } else { Ok(all) }
            } else {
                let _slot = match &ctx.quotas.lookups {
                    None => None,
                    Some(slots) => match slots.try_acquire() {
                        Some(slot) => Some(slot),
                        None => {
                            ctx.refusal = Some(format!("pysock quota: at most {} name lookups at once", slots.limit()));
                            return Ok(Err(GaiError::EaiAgain));
                        }
                    },
                };
                lookup(host_c.as_deref(), flags)
            };
            let result = match result {
                Ok(all) if own_name => {
                    let canonical = all.first().map(|a| a.canonname.clone()).unwrap_or_default();
                    let mut kept: Vec<_> = all.into_iter().filter(|a| ctx.policy.reaches_loopback(a.address.ip())).collect();
                    match kept.first_mut() {
                        Some(first) => {
                            first.canonname = canonical;
                            Ok(kept)
                        }
                        None => {
                            ctx.refusal = Some(format!(
                                "pysock's network policy does not allow resolving {name:?}: it is this machine's name, and none of its addresses is a loopback one the rules allow (run with --allow {name} or --allow-net)"
                            ));
                            Err(libc::EAI_NONAME)
                        }
                    }
                }
                other => other,
            };
            let mut ips: Vec<IpAddr> = Vec::new();
            for a in result.iter().flatten() {
                if !ips.contains(&a.address.ip()) {
                    ips.push(a.address.ip());
                }
            }
            let now = Instant::now();
            ctx.admissions.admit(name, ips.iter().copied(), now + ctx.policy.ttl(), now);
            ctx.audit.record(&audit::Event { op: "resolve", address: None, name: Some(name), local: None, allowed: true, rule: &rule, addresses: &ips });
            Ok(result.map(to_address_infos).map_err(errno::gai_from_raw))
        }

        fn name_info(&mut self, address: IpSocketAddress, flags: i32) -> wasmtime::Result<Result<(String, String), GaiError>> {
            let addr = to_std(&address);
            let flags = if self.ctx.policy.reverse_resolves(addr.ip()) { flags } else { flags | libc::NI_NUMERICHOST };
            Ok(sys::getnameinfo(addr, flags).map_err(errno::gai_from_raw))
        }

        fn host_name(&mut self) -> NetResult<String> {
            Ok(sys::gethostname()?)
        }

        fn interfaces(&mut self) -> NetResult<Vec<(u32, String)>> {
            self.visible_interfaces()
        }

        fn explain(&mut self) -> wasmtime::Result<Option<String>> {
            Ok(self.ctx.refusal.take())
        }
    }
}

/// The ioctl(2) request for `query`.
fn interface_request(query: InterfaceQuery) -> libc::Ioctl {
    use InterfaceQuery::*;
    match query {
        Name => libc::SIOCGIFNAME,
        Index => libc::SIOCGIFINDEX,
        StatusFlags => libc::SIOCGIFFLAGS,
        Address => libc::SIOCGIFADDR,
        DestinationAddress => libc::SIOCGIFDSTADDR,
        BroadcastAddress => libc::SIOCGIFBRDADDR,
        Netmask => libc::SIOCGIFNETMASK,
        PrivateFlags => libc::SIOCGIFPFLAGS,
        Metric => libc::SIOCGIFMETRIC,
        Mtu => libc::SIOCGIFMTU,
        TransmitQueueLength => libc::SIOCGIFTXQLEN,
        DeviceMap => libc::SIOCGIFMAP,
        HardwareAddress => libc::SIOCGIFHWADDR,
    }
}

/// Whether `ifreq` names the interface `index`, `name` for `query`: SIOCGIFNAME by the index after
/// the name field, the rest by the name, which the kernel reads up to its first NUL and at most
/// IFNAMSIZ - 1 bytes.
fn names_interface(ifreq: &[u8; sys::IFREQ_SIZE], query: InterfaceQuery, index: u32, name: &str) -> bool {
    if query == InterfaceQuery::Name {
        return ifreq[16..20] == index.to_ne_bytes();
    }
    let field = &ifreq[..libc::IFNAMSIZ - 1];
    let given = &field[..field.iter().position(|&b| b == 0).unwrap_or(field.len())];
    given == name.as_bytes()
}

fn to_address_infos(list: Vec<sys::AddrInfo>) -> Vec<AddressInfo> {
    list.into_iter()
        .map(|a| {
            let family = if a.family == libc::AF_INET6 { Family::Inet6 } else { Family::Inet };
            AddressInfo { family, socket_type: a.socktype, protocol: a.protocol, canonical_name: a.canonname, address: from_std(a.address) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NetworkPolicy, PysockCtx};
    use wasmtime::component::ResourceTable;

    /// An embedder that did not say its guest's stdin is this process's: stdin is ready at once,
    /// as a regular file is, beside whatever sockets are ready too, and epoll refuses it (EPERM).
    #[test]
    fn a_stdin_the_host_does_not_know_is_always_ready() {
        let mut ctx = PysockCtx::builder().network(NetworkPolicy::loopback()).build().unwrap();
        let mut table = ResourceTable::new();
        let mut v = PysockCtxView { ctx: &mut ctx, table: &mut table };
        let (a, b) = HostSocket::pair(&mut v, Kind::Stream).ok().unwrap();
        let borrow = |r: &Resource<Socket>| Resource::<Socket>::new_borrow(r.rep());
        let both = Events::READABLE | Events::WRITABLE;
        let ready = Host::wait(&mut v, vec![(borrow(&a), Events::READABLE), (borrow(&b), Events::WRITABLE)], both, None).ok().unwrap();
        assert_eq!(ready, vec![(1, Events::WRITABLE), (2, both)], "the writable socket and stdin, without waiting");
        let ready = Host::wait(&mut v, vec![], Events::READABLE, Some(0)).ok().unwrap();
        assert_eq!(ready, vec![(0, Events::READABLE)]);
        let ep = HostEpoll::create(&mut v).ok().unwrap();
        let refused = HostEpoll::add(&mut v, Resource::new_borrow(ep.rep()), Watched::Input, 0, libc::EPOLLIN as u32);
        assert!(matches!(refused, Err(NetError::Errno(Errno::Eperm))), "refused as a regular file is");
    }
}
