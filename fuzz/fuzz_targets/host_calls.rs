//! Arbitrary sequences of host calls with arbitrary arguments, as a hostile guest could make them:
//! stale and foreign handles, huge lengths, odd flags, malformed addresses, garbage certificates and
//! ciphertext. The host must answer with errors, never panic; and once the store's state is dropped,
//! the process must hold no more descriptors than before (no leaked socket, poller or waker).
//!
//! Each run starts with real traffic: bytes queued on a TCP connection, a UDP socket and a
//! socketpair, so that receives with every combination of MSG_* flags find data. Built with
//! `--cfg fuzzing`, the host fills receive buffers with `pysock::net::UNWRITTEN` rather than zeros;
//! the fuzz target never sends that byte, so finding it in what a receive returned means the host
//! handed over memory the kernel did not write.
//!
//! The policy is loopback-only, so nothing leaves the machine, and no wait may block.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use pysock::bindings::pysock::net::net::{
    ByteOption, Events, Host, HostEpoll, HostSocket, OptionBytes, ShutdownHow, Sockopt, Watched,
};
use pysock::bindings::pysock::net::tls::{HostConfig, HostConnection, HostSession, ProtocolVersion, VerifyMode};
use pysock::bindings::pysock::net::types::{Family, Incoming, IpAddress, IpSocketAddress, Kind, SocketAddress};
use pysock::net::{Epoll, MAX_RECV, Socket, UNWRITTEN};
use pysock::tls::{TlsConfig, TlsConnection, TlsSession};
use pysock::{NetworkPolicy, PysockCtx, PysockCtxView, Quotas};
use std::sync::OnceLock;
use wasmtime::component::{Resource, ResourceTable};

#[derive(Arbitrary, Debug)]
struct Addr {
    v6: bool,
    octets: [u8; 16],
    port: u16,
    flowinfo: u32,
    scope_id: u32,
}

impl Addr {
    fn wit(&self) -> IpSocketAddress {
        let o = self.octets;
        let address = if self.v6 {
            let s = |i: usize| u16::from_be_bytes([o[i], o[i + 1]]);
            IpAddress::V6((s(0), s(2), s(4), s(6), s(8), s(10), s(12), s(14)))
        } else {
            IpAddress::V4((o[0], o[1], o[2], o[3]))
        };
        IpSocketAddress { address, port: self.port, flowinfo: self.flowinfo, scope_id: self.scope_id }
    }
}

/// Flags as a guest passes them: any combination of Linux's MSG_* bits, or any number at all.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct MsgFlags {
    bits: u16,
    raw: Option<i32>,
}

const MSG_TRUNC: i32 = 0x20;

/// Linux's MSG_* bits: OOB, PEEK, DONTROUTE, CTRUNC, TRUNC, DONTWAIT, EOR, WAITALL, CONFIRM,
/// ERRQUEUE, NOSIGNAL, MORE, FASTOPEN, CMSG_CLOEXEC, ZEROCOPY.
const MSG: [i32; 15] = [
    0x1, 0x2, 0x4, 0x8, MSG_TRUNC, 0x40, 0x80, 0x100, 0x800, 0x2000, 0x4000, 0x8000, 0x2000_0000, 0x4000_0000,
    0x400_0000,
];

impl MsgFlags {
    fn value(self) -> i32 {
        self.raw.unwrap_or_else(|| MSG.iter().enumerate().filter(|(i, _)| self.bits & (1 << i) != 0).fold(0, |f, (_, b)| f | b))
    }
}

/// Bytes to send, without the byte that marks unwritten buffer space.
fn clean(mut data: Vec<u8>) -> Vec<u8> {
    for b in &mut data {
        if *b == UNWRITTEN {
            *b = !UNWRITTEN;
        }
    }
    data
}

/// What a receive of at most `max` bytes with `flags` returned: only bytes the kernel wrote, no
/// more than asked for, and a count that exceeds them only with MSG_TRUNC.
fn check_received(got: &Incoming, max: u64, flags: i32) {
    let data = &got.data;
    assert!(!data.contains(&UNWRITTEN), "a receive returned a byte the kernel did not write: {data:?}");
    assert!(data.len() as u64 <= max.min(MAX_RECV as u64), "{} bytes for a receive of {max}", data.len());
    assert!(got.length >= data.len() as u64, "count {} below the {} bytes returned", got.length, data.len());
    assert!(flags & MSG_TRUNC != 0 || got.length == data.len() as u64, "count {} for {} bytes", got.length, data.len());
}

/// One run: the bytes queued before the calls (on a TCP connection, a UDP socket, a socketpair).
#[derive(Arbitrary, Debug)]
struct Input {
    queued: [Vec<u8>; 3],
    calls: Vec<Call>,
}

#[derive(Arbitrary, Debug)]
enum Call {
    Create { family: u8, dgram: bool, protocol: i32 },
    Pair { dgram: bool },
    Bind { s: u8, a: Addr },
    Listen { s: u8, backlog: i32 },
    Connect { s: u8, a: Addr },
    Disconnect { s: u8 },
    Accept { s: u8 },
    Send { s: u8, data: Vec<u8>, flags: MsgFlags },
    SendTo { s: u8, data: Vec<u8>, flags: MsgFlags, a: Addr },
    Recv { s: u8, max: u64, flags: MsgFlags },
    RecvFrom { s: u8, max: u64, flags: MsgFlags },
    Shutdown { s: u8, how: u8 },
    Addresses { s: u8 },
    GetOption { s: u8, opt: u8 },
    SetOption { s: u8, opt: u8, value: i64 },
    GetOptionBytes { s: u8, congestion: bool, length: u32 },
    SetOptionBytes { s: u8, congestion: bool, value: Result<Vec<u8>, u32> },
    TakeError { s: u8 },
    Duplicate { s: u8 },
    Drop { s: u8 },
    Wait { which: Vec<(u8, u8)>, input: u8, micros: u16 },
    Resolve { host: Option<String>, service: Option<String>, family: u8, dgram: Option<bool>, protocol: i32, flags: i32 },
    NameInfo { a: Addr, flags: i32 },
    Explain,
    /// The embedder's limits, and a program lowering them (resource.setrlimit's RLIMIT_NOFILE and
    /// RLIMIT_AS), after which every later call runs under what it set.
    SetLimits { sockets: u16, memory: u64 },
    EpollCreate,
    /// `s` none: the guest's stdin.
    EpollCtl { e: u8, s: Option<u8>, op: u8, key: u32, mask: u32 },
    EpollWait { e: u8, max: u32, micros: u16 },
    EpollDrop { e: u8 },
    TlsConfig { server: bool },
    TlsTrust { c: u8, pem: Vec<u8>, der: bool },
    TlsIdentity { c: u8, chain: Vec<u8>, key: Vec<u8>, password: Option<Vec<u8>> },
    TlsSettings { c: u8, verify: u8, check_hostname: bool, min13: bool, max13: bool, alpn: Vec<Vec<u8>> },
    TlsOpen { c: u8, name: Option<String> },
    TlsReceive { t: u8, data: Vec<u8> },
    TlsTransmit { t: u8, max: u32 },
    TlsRead { t: u8, max: u32 },
    TlsWrite { t: u8, data: Vec<u8> },
    TlsInfo { t: u8 },
    TlsClose { t: u8 },
    TlsDrop { t: u8 },
    TlsServerOptions { c: u8, ciphers: Vec<String>, tickets: bool, tls13_tickets: u32, sni: bool, curve: String, key_log: bool },
    TlsHello { t: u8, c: u8, refuse: Option<u8> },
    TlsTakeSession { t: u8 },
    TlsOfferSession { t: u8, k: u8 },
    TlsSessionInfo { k: u8 },
    TlsSessionDrop { k: u8 },
}

const SOCKOPTS: [Sockopt; 38] = {
    use Sockopt::*;
    [
        Reuseaddr, Reuseport, Keepalive, Broadcast, Rcvbuf, Sndbuf, Linger, Oobinline, Rcvlowat, Sndlowat,
        Rcvtimeo, Sndtimeo, TcpNodelay, TcpKeepidle, TcpKeepintvl, TcpKeepcnt, Ipv6V6only, IpTtl, IpTos,
        IpMulticastTtl, IpMulticastLoop, Ipv6UnicastHops, Acceptconn, SockType, Domain, Protocol, SockError,
        TcpMaxseg, TcpCork, TcpSyncnt, TcpLinger2, TcpDeferAccept, TcpWindowClamp, TcpQuickack, TcpUserTimeout,
        TcpFastopen, TcpNotsentLowat, Priority,
    ]
};

fn byte_option(congestion: bool) -> ByteOption {
    if congestion { ByteOption::TcpCongestion } else { ByteOption::TcpInfo }
}

fn events(bits: u8) -> Events {
    let all = [
        Events::READABLE,
        Events::PRIORITY,
        Events::WRITABLE,
        Events::ERROR,
        Events::HANGUP,
        Events::INVALID,
        Events::READ_HANGUP,
    ];
    all.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).fold(Events::empty(), |acc, (_, e)| acc | *e)
}

/// Handle `i` of `reps`, or a forged one (a rep the table never gave, or gave to another type).
fn pick(reps: &[u32], i: u8) -> u32 {
    reps.get(i as usize).copied().unwrap_or(i as u32 * 7)
}

/// The descriptors a store's pysock state can own — sockets, epoll instances, eventfds — by name.
/// Files that libraries open once per process (/dev/urandom, /etc/hosts caches) are not counted.
fn pysock_fds() -> Vec<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .filter(|t| t.starts_with("socket:") || t == "anon_inode:[eventpoll]" || t == "anon_inode:[eventfd]")
        .collect()
}

fn baseline_fds() -> usize {
    static BASE: OnceLock<usize> = OnceLock::new();
    *BASE.get_or_init(|| pysock_fds().len())
}

/// 127.0.0.1, port 0.
fn loopback_any_port() -> IpSocketAddress {
    IpSocketAddress { address: IpAddress::V4((127, 0, 0, 1)), port: 0, flowinfo: 0, scope_id: 0 }
}

/// Real traffic before the calls: a TCP connection (client, server end, listener), a UDP receiver
/// and its sender, and a socketpair, each with `queued` bytes sent; returns their handles in that
/// order (some may be missing if the machine refuses).
fn prelude(v: &mut PysockCtxView<'_>, queued: [Vec<u8>; 3]) -> Vec<u32> {
    let mut reps = Vec::new();
    let [tcp_data, udp_data, pair_data] = queued.map(clean);
    let wait = |v: &mut PysockCtxView<'_>, s: &Resource<Socket>, e: Events| {
        drop(Host::wait(v, vec![(Resource::new_borrow(s.rep()), e)], Events::empty(), Some(1_000_000_000)))
    };
    let borrow = |r: &Resource<Socket>| Resource::<Socket>::new_borrow(r.rep());
    if let (Ok(listener), Ok(client)) =
        (HostSocket::create(v, Family::Inet, Kind::Stream, 0), HostSocket::create(v, Family::Inet, Kind::Stream, 0))
    {
        let _ = v.bind(borrow(&listener), loopback_any_port());
        let _ = v.listen(borrow(&listener), 1);
        if let Ok(Some(address)) = v.local_address(borrow(&listener)) {
            let _ = v.connect(borrow(&client), address);
            wait(v, &client, Events::WRITABLE);
            wait(v, &listener, Events::READABLE);
            if let Ok((server, _)) = v.accept(borrow(&listener)) {
                let _ = v.send(&borrow(&client), &tcp_data, 0, None, false);
                reps.extend([client.rep(), server.rep(), listener.rep()]);
            }
        }
    }
    if let (Ok(receiver), Ok(sender)) =
        (HostSocket::create(v, Family::Inet, Kind::Dgram, 0), HostSocket::create(v, Family::Inet, Kind::Dgram, 0))
    {
        let _ = v.bind(borrow(&receiver), loopback_any_port());
        if let Ok(Some(address)) = v.local_address(borrow(&receiver)) {
            let _ = v.send(&borrow(&sender), &udp_data, 0, Some(&SocketAddress::Ip(address)), false);
        }
        reps.extend([receiver.rep(), sender.rep()]);
    }
    if let Ok((a, b)) = HostSocket::pair(v, Kind::Stream) {
        let _ = v.send(&borrow(&a), &pair_data, 0, None, false);
        reps.extend([a.rep(), b.rep()]);
    }
    reps
}

fuzz_target!(|input: Input| {
    let Input { queued, calls } = input;
    let base = baseline_fds();
    {
        let quotas = Quotas { sockets: 32, ..Default::default() };
        let mut ctx = PysockCtx::builder().network(NetworkPolicy::loopback()).quotas(quotas).build().unwrap();
        let mut table = ResourceTable::new();
        let mut v = PysockCtxView { ctx: &mut ctx, table: &mut table };
        let mut socks = prelude(&mut v, queued);
        let (mut configs, mut conns) = (Vec::<u32>::new(), Vec::<u32>::new());
        let mut sessions = Vec::<u32>::new();
        let mut epolls = Vec::<u32>::new();
        let b = |reps: &[u32], i: u8| Resource::<Socket>::new_borrow(pick(reps, i));
        for call in calls.into_iter().take(64) {
            match call {
                Call::Create { family, dgram, protocol } => {
                    let family = [Family::Inet, Family::Inet6, Family::Unix][family as usize % 3];
                    let kind = if dgram { Kind::Dgram } else { Kind::Stream };
                    if let Ok(r) = HostSocket::create(&mut v, family, kind, protocol) {
                        socks.push(r.rep());
                    }
                }
                Call::Pair { dgram } => {
                    let kind = if dgram { Kind::Dgram } else { Kind::Stream };
                    if let Ok((a, b)) = HostSocket::pair(&mut v, kind) {
                        socks.extend([a.rep(), b.rep()]);
                    }
                }
                Call::Bind { s, a } => drop(v.bind(b(&socks, s), a.wit())),
                Call::Listen { s, backlog } => drop(v.listen(b(&socks, s), backlog)),
                Call::Connect { s, a } => drop(v.connect(b(&socks, s), a.wit())),
                Call::Disconnect { s } => drop(v.disconnect(b(&socks, s))),
                Call::Accept { s } => {
                    if let Ok((r, _)) = v.accept(b(&socks, s)) {
                        socks.push(r.rep());
                    }
                }
                Call::Send { s, data, flags } => drop(v.send(&b(&socks, s), &clean(data), flags.value(), None, false)),
                Call::SendTo { s, data, flags, a } => drop(v.send(&b(&socks, s), &clean(data), flags.value(), Some(&SocketAddress::Ip(a.wit())), false)),
                Call::Recv { s, max, flags } | Call::RecvFrom { s, max, flags } => {
                    if let Ok((got, _)) = v.recv_from(&b(&socks, s), max, flags.value(), false) {
                        check_received(&got, max, flags.value());
                    }
                }
                Call::Shutdown { s, how } => {
                    let how = [ShutdownHow::Read, ShutdownHow::Write, ShutdownHow::Both][how as usize % 3];
                    drop(v.shutdown(b(&socks, s), how))
                }
                Call::Addresses { s } => {
                    drop(v.local_address(b(&socks, s)));
                    drop(v.remote_address(b(&socks, s)));
                    drop(HostSocket::id(&mut v, b(&socks, s)));
                }
                Call::GetOption { s, opt } => drop(v.get_option(b(&socks, s), SOCKOPTS[opt as usize % SOCKOPTS.len()])),
                Call::SetOption { s, opt, value } => {
                    drop(v.set_option(b(&socks, s), SOCKOPTS[opt as usize % SOCKOPTS.len()], value))
                }
                Call::GetOptionBytes { s, congestion, length } => drop(v.get_option_bytes(b(&socks, s), byte_option(congestion), length)),
                Call::SetOptionBytes { s, congestion, value } => {
                    let value = value.map_or_else(OptionBytes::Null, OptionBytes::Bytes);
                    drop(v.set_option_bytes(b(&socks, s), byte_option(congestion), value))
                }
                Call::TakeError { s } => drop(v.take_error(b(&socks, s))),
                Call::Duplicate { s } => {
                    if let Ok(r) = v.duplicate(b(&socks, s)) {
                        socks.push(r.rep());
                    }
                }
                Call::Drop { s } => {
                    let rep = pick(&socks, s);
                    let _ = HostSocket::drop(&mut v, Resource::new_own(rep));
                    socks.retain(|r| *r != rep);
                }
                Call::Wait { which, input, micros } => {
                    let list: Vec<_> = which
                        .iter()
                        .take(16)
                        .map(|(s, e)| (b(&socks, *s), events(*e)))
                        .collect();
                    // Never unbounded: a fuzz input must not hang the run.
                    drop(Host::wait(&mut v, list, events(input), Some(u64::from(micros.min(2000)) * 1000)));
                }
                Call::Resolve { host, service, family, dgram, protocol, flags } => {
                    let family = [None, Some(Family::Inet), Some(Family::Inet6), Some(Family::Unix)][family as usize % 4];
                    // Linux's SOCK_DGRAM, SOCK_STREAM, or 0 for any type.
                    let socket_type = dgram.map_or(0, |d| if d { 2 } else { 1 });
                    drop(v.resolve(host, service, family, socket_type, protocol, flags));
                }
                Call::NameInfo { a, flags } => drop(v.name_info(a.wit(), flags)),
                Call::Explain => drop(v.explain()),
                Call::SetLimits { sockets, memory } => {
                    drop(v.limits());
                    drop(v.set_limits(sockets.into(), memory));
                }
                Call::EpollCreate => {
                    if let Ok(r) = HostEpoll::create(&mut v) {
                        epolls.push(r.rep());
                    }
                }
                Call::EpollCtl { e, s, op, key, mask } => {
                    let ep = Resource::<Epoll>::new_borrow(pick(&epolls, e));
                    let w = || s.map_or(Watched::Input, |s| Watched::Socket(b(&socks, s)));
                    drop(match op % 3 {
                        0 => v.add(ep, w(), key, mask),
                        1 => v.modify(ep, w(), key, mask),
                        _ => v.remove(ep, w()),
                    })
                }
                Call::EpollWait { e, max, micros } => {
                    let ep = Resource::<Epoll>::new_borrow(pick(&epolls, e));
                    drop(HostEpoll::wait(&mut v, ep, max, Some(u64::from(micros.min(2000)) * 1000)))
                }
                Call::EpollDrop { e } => {
                    let rep = pick(&epolls, e);
                    let _ = HostEpoll::drop(&mut v, Resource::new_own(rep));
                    epolls.retain(|r| *r != rep);
                }
                Call::TlsConfig { server } => {
                    if let Ok(r) = HostConfig::new(&mut v, server) {
                        configs.push(r.rep());
                    }
                }
                Call::TlsTrust { c, pem, der } => {
                    let r = Resource::<TlsConfig>::new_borrow(pick(&configs, c));
                    if der { drop(v.add_trust_der(r, pem)) } else { drop(v.add_trust_pem(r, pem)) }
                }
                Call::TlsIdentity { c, chain, key, password } => {
                    drop(v.set_identity(Resource::new_borrow(pick(&configs, c)), chain, key, password))
                }
                Call::TlsSettings { c, verify, check_hostname, min13, max13, alpn } => {
                    let r = || Resource::<TlsConfig>::new_borrow(pick(&configs, c));
                    let mode = [VerifyMode::None, VerifyMode::Optional, VerifyMode::Required][verify as usize % 3];
                    let version = |v13| if v13 { ProtocolVersion::Tls13 } else { ProtocolVersion::Tls12 };
                    drop(v.set_verify_mode(r(), mode));
                    drop(v.set_check_hostname(r(), check_hostname));
                    drop(v.set_versions(r(), version(min13), version(max13)));
                    drop(v.set_alpn(r(), alpn));
                }
                Call::TlsOpen { c, name } => {
                    if let Ok(Ok(t)) = HostConnection::open(&mut v, Resource::new_borrow(pick(&configs, c)), name) {
                        conns.push(t.rep());
                    }
                }
                Call::TlsReceive { t, data } => drop(v.receive(Resource::new_borrow(pick(&conns, t)), data)),
                Call::TlsTransmit { t, max } => drop(v.transmit(Resource::new_borrow(pick(&conns, t)), max)),
                Call::TlsRead { t, max } => drop(HostConnection::read(&mut v, Resource::new_borrow(pick(&conns, t)), max)),
                Call::TlsWrite { t, data } => drop(HostConnection::write(&mut v, Resource::new_borrow(pick(&conns, t)), data)),
                Call::TlsInfo { t } => {
                    let r = || Resource::<TlsConnection>::new_borrow(pick(&conns, t));
                    drop(v.is_handshaking(r()));
                    drop(v.pending(r()));
                    drop(v.peer_certificates(r()));
                    drop(v.protocol_version(r()));
                    drop(v.cipher(r()));
                    drop(v.alpn_protocol(r()));
                }
                Call::TlsClose { t } => drop(v.close(Resource::new_borrow(pick(&conns, t)))),
                Call::TlsDrop { t } => {
                    let rep = pick(&conns, t);
                    let _ = HostConnection::drop(&mut v, Resource::new_own(rep));
                    conns.retain(|r| *r != rep);
                }
                Call::TlsServerOptions { c, ciphers, tickets, tls13_tickets, sni, curve, key_log } => {
                    let r = || Resource::<TlsConfig>::new_borrow(pick(&configs, c));
                    drop(v.set_tls12_ciphers(r(), ciphers));
                    drop(v.set_tickets(r(), tickets, tls13_tickets));
                    drop(v.set_sni_callback(r(), sni));
                    drop(v.set_ecdh_curve(r(), curve));
                    drop(v.set_key_log(r(), key_log));
                    drop(v.take_key_log(r()));
                    drop(v.session_stats(r()));
                }
                Call::TlsHello { t, c, refuse } => {
                    let r = || Resource::<TlsConnection>::new_borrow(pick(&conns, t));
                    drop(v.client_hello(r()));
                    match refuse {
                        Some(alert) => drop(v.refuse_hello(r(), alert)),
                        None => drop(v.accept_hello(r(), Resource::new_borrow(pick(&configs, c)))),
                    }
                }
                Call::TlsTakeSession { t } => {
                    if let Ok(Some(k)) = v.session(Resource::new_borrow(pick(&conns, t))) {
                        sessions.push(k.rep());
                    }
                    drop(v.session_reused(Resource::new_borrow(pick(&conns, t))));
                    drop(v.offered_ciphers(Resource::new_borrow(pick(&conns, t))));
                }
                Call::TlsOfferSession { t, k } => {
                    drop(v.set_session(Resource::new_borrow(pick(&conns, t)), Resource::new_borrow(pick(&sessions, k))))
                }
                Call::TlsSessionInfo { k } => {
                    let r = || Resource::<TlsSession>::new_borrow(pick(&sessions, k));
                    drop(HostSession::id(&mut v, r()));
                    drop(v.time(r()));
                    drop(v.timeout(r()));
                    drop(v.ticket_lifetime_hint(r()));
                    drop(v.has_ticket(r()));
                }
                Call::TlsSessionDrop { k } => {
                    let rep = pick(&sessions, k);
                    let _ = HostSession::drop(&mut v, Resource::new_own(rep));
                    sessions.retain(|r| *r != rep);
                }
            }
        }
        // The store's end: the table and the context go, taking every socket with them.
    }
    let now = pysock_fds();
    assert!(now.len() <= base, "descriptors leaked: {now:?} open, {base} at the start");
});
