//! The host as the guest's logic sees it: plain Rust types and two traits, [`Host`] (sockets, one
//! readiness wait, epoll, name lookup) and [`Tls`] (the sans-I/O TLS engine).
//!
//! They mirror the `pysock:net` WIT interfaces (`wit/host.wit`, `wit/tls.wit`) but belong to no
//! bindings: the CPython extension implements them over its WIT imports (`guest/cpython`), and unit
//! tests implement them with a scripted host, so every rule here runs natively under `cargo test`.
#![forbid(unsafe_code)]

use std::mem::MaybeUninit;
use std::time::Duration;

/// The POSIX error names CPython's `socket`, `select` and `ssl` raise. Names, not numbers: Linux's
/// ECONNREFUSED is 111, wasi-libc's 14; each interpreter maps a name to its own `errno` module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Errno {
    Eacces, Eaddrinuse, Eaddrnotavail, Eafnosupport, Eagain, Ealready, Ebadf, Econnaborted,
    Econnrefused, Econnreset, Edestaddrreq, Ehostdown, Ehostunreach, Eintr, Einprogress, Einval,
    Eio, Eisconn, Emfile, Emsgsize, Enametoolong, Enetdown, Enetreset, Enetunreach, Enfile,
    Enobufs, Enoent, Enomem, Enoprotoopt, Enotconn, Enotsock, Eopnotsupp, Eperm, Epipe,
    Eprotonosupport, Eprototype, Erange, Eshutdown, Esocktnosupport, Etimedout, Eoverflow,
    Enosys, Efault, Eexist, Edom, Enxio, Edeadlk, Enolck, Enodev, Enotty, Enotdir,
}

/// getaddrinfo(3) and getnameinfo(3) failures, for `socket.gaierror`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GaiError {
    EaiAddrfamily, EaiAgain, EaiBadflags, EaiFail, EaiFamily, EaiMemory, EaiNodata, EaiNoname,
    EaiService, EaiSocktype, EaiSystem, EaiOverflow,
}

/// Address families the host offers; `Unix` only as `socketpair()` ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Inet,
    Inet6,
    Unix,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Stream,
    Dgram,
    /// AF_UNIX's only.
    Seqpacket,
}

/// An IP address: four octets, or eight 16-bit groups in host order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpAddress {
    V4((u8, u8, u8, u8)),
    V6((u16, u16, u16, u16, u16, u16, u16, u16)),
}

/// A `sockaddr_in` or `sockaddr_in6`; `flowinfo` and `scope_id` are 0 for IPv4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpSocketAddress {
    pub address: IpAddress,
    pub port: u16,
    pub flowinfo: u32,
    pub scope_id: u32,
}

/// Where a datagram goes or came from: an IP socket address, or an AF_UNIX socket's path (to
/// send to: absolute, as the program sees its files; a sender's: as its program bound it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketAddress {
    Ip(IpSocketAddress),
    Path(Vec<u8>),
}

/// poll(2) event bits, with Linux's meaning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Events(u8);

impl Events {
    pub const READABLE: Events = Events(1);
    pub const PRIORITY: Events = Events(1 << 1);
    pub const WRITABLE: Events = Events(1 << 2);
    pub const ERROR: Events = Events(1 << 3);
    pub const HANGUP: Events = Events(1 << 4);
    pub const INVALID: Events = Events(1 << 5);
    pub const READ_HANGUP: Events = Events(1 << 6);

    pub const fn empty() -> Events {
        Events(0)
    }

    pub const fn bits(self) -> u8 {
        self.0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn from_bits(bits: u8) -> Events {
        Events(bits & 0x7f)
    }

    pub const fn contains(self, other: Events) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn intersects(self, other: Events) -> bool {
        self.0 & other.0 != 0
    }

    /// These events without any of `other`'s.
    pub const fn without(self, other: Events) -> Events {
        Events(self.0 & !other.0)
    }
}

impl std::ops::BitOr for Events {
    type Output = Events;
    fn bitor(self, other: Events) -> Events {
        Events(self.0 | other.0)
    }
}

impl std::ops::BitAnd for Events {
    type Output = Events;
    fn bitand(self, other: Events) -> Events {
        Events(self.0 & other.0)
    }
}

impl std::ops::BitOrAssign for Events {
    fn bitor_assign(&mut self, other: Events) {
        self.0 |= other.0;
    }
}

/// A socket option the host gets and sets as an integer; `Linger` packs `l_onoff` in bit 32 and
/// `l_linger` in the low 32 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sockopt {
    Reuseaddr, Reuseport, Keepalive, Broadcast, Rcvbuf, Sndbuf, Linger, Oobinline, Rcvlowat,
    Sndlowat, Rcvtimeo, Sndtimeo, TcpNodelay, TcpKeepidle, TcpKeepintvl, TcpKeepcnt,
    Ipv6V6only, IpTtl, IpTos, IpMulticastTtl, IpMulticastLoop, Ipv6UnicastHops,
    Acceptconn, SockType, Domain, Protocol, SockError, TcpMaxseg, TcpCork, TcpSyncnt, TcpLinger2,
    TcpDeferAccept, TcpWindowClamp, TcpQuickack, TcpUserTimeout, TcpFastopen, TcpNotsentLowat,
    Priority, Dontroute, IncomingCpu, IpBindAddressNoPort, Mark, IpTransparent,
    IpPktinfo, IpRecvttl, IpRecvtos, Ipv6Recvpktinfo, Ipv6Recvhoplimit, Ipv6Recvtclass,
}

/// A socket option whose value is bytes the kernel writes or reads as they stand: `struct tcp_info`,
/// the congestion control algorithm's name, IP_MULTICAST_IF's address, IPv6's integer options
/// beyond v6only and unicast hops, whose null or short values the kernel reads option by option,
/// and SO_BINDTODEVICE's interface name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOption {
    TcpInfo,
    TcpCongestion,
    IpMulticastIf,
    Ipv6Tclass,
    Ipv6MulticastHops,
    Ipv6MulticastLoop,
    Ipv6MulticastIf,
    Ipv6Dontfrag,
    BindToDevice,
}

/// A value for [`Host::set_option_bytes`]: bytes, or a null pointer said to be this long, which the
/// kernel refuses as it refuses a program's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionBytes<'a> {
    Bytes(&'a [u8]),
    Null(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownHow {
    Read,
    Write,
    Both,
}

/// One of a socket's two queues, as ioctl(2) counts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    /// SIOCINQ (FIONREAD): bytes the program may read; a datagram socket's next datagram.
    Unread,
    /// SIOCOUTQ (TIOCOUTQ): bytes the kernel holds to send.
    Unsent,
}

/// What ioctl(2)'s SIOCGIF* requests read of a network interface, through Linux's 40-byte
/// `struct ifreq` ([`IFREQ_SIZE`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterfaceQuery {
    /// SIOCGIFNAME: the name of the interface whose index the ifreq holds.
    Name,
    Index,
    StatusFlags,
    Address,
    DestinationAddress,
    BroadcastAddress,
    Netmask,
    PrivateFlags,
    Metric,
    Mtu,
    TransmitQueueLength,
    DeviceMap,
    HardwareAddress,
}

/// The size of Linux's `struct ifreq` on 64-bit machines: the name field (16 bytes), then the
/// answer's union.
pub const IFREQ_SIZE: usize = 40;

/// One getaddrinfo(3) result.
#[derive(Clone, Debug, PartialEq)]
pub struct AddressInfo {
    pub family: Family,
    /// Linux's SOCK_* number: stream, datagram, or raw (glibc lists all three).
    pub socket_type: i32,
    pub protocol: i32,
    pub canonical_name: String,
    pub address: IpSocketAddress,
}

/// What one recv(2) gave: how many bytes the kernel wrote to the start of the memory it was given,
/// and the count it returned, which is larger with MSG_TRUNC (a datagram's full length; on TCP,
/// bytes discarded without being written).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Received {
    pub written: usize,
    pub length: u64,
}

/// What one recvmsg(2) with room for control messages gave ([`Host::receive_with_descriptors`]).
#[derive(Debug)]
pub struct Message<S> {
    pub received: Received,
    pub from: Option<SocketAddress>,
    /// The sockets an SCM_RIGHTS message brought, each with the word it was sent with (0: unknown).
    pub descriptors: Vec<(S, u64)>,
    /// Every other control message, (level, type, data), as the kernel wrote it.
    pub control: Vec<(i32, i32, Vec<u8>)>,
    /// recvmsg(2)'s msg_flags (MSG_CTRUNC: descriptors that did not fit were closed).
    pub flags: i32,
}

/// Which epoll_ctl(2) operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpollOp {
    Add,
    Modify,
    Remove,
}

/// What an epoll instance watches ([`Host::epoll_ctl`]).
pub enum Watched<'a, S> {
    Socket(&'a S),
    /// The program's standard input, descriptor 0.
    Input,
}

/// What a signal (SIGINT, SIGALRM) comes to, by the handler the program has for it ([`Host::check_signals`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Signalled {
    /// SIG_IGN: the wait goes on.
    Ignored,
    /// The handler raised (`signal.default_int_handler`: KeyboardInterrupt), and the interpreter
    /// holds the exception: the call ends with it.
    Raised,
    /// The handler is Python code, which the interpreter runs once the call returns (code that may
    /// use sockets cannot run inside a socket call here): a readiness wait (select, poll, epoll)
    /// returns at once with nothing ready so that it runs soon; a socket call waits on.
    Pending,
    /// The handler is Python code, and the caller runs it outside the core and makes the call
    /// again, as CPython does for a blocking system call since PEP 475: the call ends with
    /// [`CallError::HandBack`](crate::timeout::CallError::HandBack).
    HandBack,
}

/// A blocking socket's call for a host that cannot wait inside it: `call`, and each time it finds
/// nothing to do (EAGAIN), wait for `s` to turn ready for `interest` and call again.
fn until_ready<H: Host + ?Sized, T>(host: &H, s: &H::Socket, interest: Events, mut call: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    loop {
        match call() {
            Err(Errno::Eagain) => {
                host.wait(&[(s, interest)], Events::empty(), None)?;
            }
            got => return got,
        }
    }
}

/// Non-blocking socket operations, one bounded wait, epoll instances, a monotonic clock and name
/// lookup: `pysock:net/net`. Nothing here blocks except the waits, which take a limit.
pub trait Host {
    type Socket;
    type Epoll;
    /// The TLS engine: `pysock:net/tls`, whose connections move ciphertext on these sockets.
    type Tls: Tls<Socket = Self::Socket>;
    fn epoll_create(&self) -> Result<Self::Epoll, Errno>;
    /// `key` and `mask` are ignored by [`EpollOp::Remove`]. EPERM for an input the host cannot
    /// watch, as epoll(7) refuses a regular file.
    fn epoll_ctl(&self, ep: &Self::Epoll, op: EpollOp, w: Watched<'_, Self::Socket>, key: u32, mask: u32) -> Result<(), Errno>;
    /// Up to `max` (key, EPOLL* bits) pairs; `None` waits without limit.
    fn epoll_wait(&self, ep: &Self::Epoll, max: u32, timeout: Option<Duration>) -> Result<Vec<(u32, u32)>, Errno>;
    fn create(&self, family: Family, kind: Kind, protocol: i32) -> Result<Self::Socket, Errno>;
    fn pair(&self, kind: Kind) -> Result<(Self::Socket, Self::Socket), Errno>;
    fn bind(&self, s: &Self::Socket, a: &IpSocketAddress) -> Result<(), Errno>;
    fn listen(&self, s: &Self::Socket, backlog: i32) -> Result<(), Errno>;
    fn connect(&self, s: &Self::Socket, a: &IpSocketAddress) -> Result<(), Errno>;
    fn disconnect(&self, s: &Self::Socket) -> Result<(), Errno>;
    /// bind(2) of an AF_UNIX socket to `path` (absolute, as the guest sees its files), which its
    /// program called `name`: what [`Host::path_name`] reports from then on.
    fn bind_path(&self, s: &Self::Socket, path: &[u8], name: &[u8]) -> Result<(), Errno>;
    /// connect(2) of an AF_UNIX socket to `path` (absolute); it completes at once or fails.
    fn connect_path(&self, s: &Self::Socket, path: &[u8], wait: bool) -> Result<(), Errno>;
    /// An AF_UNIX socket's name, or its peer's: as its program named it; empty when unnamed, with a
    /// leading NUL when abstract.
    fn path_name(&self, s: &Self::Socket, peer: bool) -> Result<Vec<u8>, Errno>;
    fn accept(&self, s: &Self::Socket) -> Result<(Self::Socket, Option<IpSocketAddress>), Errno>;
    fn send(&self, s: &Self::Socket, data: &[u8], flags: i32) -> Result<u32, Errno>;
    /// [`Host::send`] as a blocking socket's send(2): it waits for room until every byte went
    /// (fewer only when a SIGINT or an error came after some), EINTR when a SIGINT came first.
    /// This default sends, waits for room and sends the rest through the host's other calls; a
    /// host that can wait inside its send does it in one call.
    fn send_waiting(&self, s: &Self::Socket, data: &[u8], flags: i32) -> Result<u32, Errno> {
        let mut sent = 0;
        loop {
            match until_ready(self, s, Events::WRITABLE, || self.send(s, &data[sent..], flags)) {
                Ok(n) => {
                    sent += n as usize;
                    if n == 0 || sent >= data.len() {
                        return Ok(sent as u32);
                    }
                }
                Err(e) if sent == 0 => return Err(e),
                Err(_) => return Ok(sent as u32),
            }
        }
    }
    fn send_to(&self, s: &Self::Socket, data: &[u8], flags: i32, a: &SocketAddress) -> Result<u32, Errno>;
    /// [`Host::send_to`] as a blocking socket's sendto(2), as [`Host::send_waiting`] is send(2).
    fn send_to_waiting(&self, s: &Self::Socket, data: &[u8], flags: i32, a: &SocketAddress) -> Result<u32, Errno> {
        until_ready(self, s, Events::WRITABLE, || self.send_to(s, data, flags, a))
    }
    /// recv(2) of at most `into.len()` bytes into `into`, whose first [`Received::written`] bytes
    /// it initialises (and no more than `into.len()`).
    fn recv(&self, s: &Self::Socket, into: &mut [MaybeUninit<u8>], flags: i32) -> Result<Received, Errno>;
    /// [`Host::recv`] as a blocking socket's recv(2): one that finds nothing waits for bytes, the
    /// end of the stream or an error. EINTR when the host ended the wait for a SIGINT the program
    /// is to see. This default receives, waits and receives again through the host's other
    /// calls; a host that can wait inside its receive does it in one call.
    fn recv_waiting(&self, s: &Self::Socket, into: &mut [MaybeUninit<u8>], flags: i32) -> Result<Received, Errno> {
        until_ready(self, s, Events::READABLE, || self.recv(s, into, flags))
    }
    /// recvfrom(2): as [`Host::recv`], with the sender's address when the socket reports one.
    fn recv_from(&self, s: &Self::Socket, into: &mut [MaybeUninit<u8>], flags: i32) -> Result<(Received, Option<SocketAddress>), Errno>;
    /// [`Host::recv_from`] as a blocking socket's recvfrom(2), as [`Host::recv_waiting`] is recv(2).
    fn recv_from_waiting(&self, s: &Self::Socket, into: &mut [MaybeUninit<u8>], flags: i32) -> Result<(Received, Option<SocketAddress>), Errno> {
        until_ready(self, s, Events::READABLE, || self.recv_from(s, into, flags))
    }
    /// sendmsg(2) of `data` carrying `descriptors` in an SCM_RIGHTS message (each with a word the
    /// host gives back with it on arrival), to `to` if given; with `wait`, as
    /// [`Host::send_waiting`]. The descriptors go with the first byte.
    fn send_with_descriptors(&self, s: &Self::Socket, data: &[u8], flags: i32, descriptors: &[(&Self::Socket, u64)], to: Option<&SocketAddress>, wait: bool) -> Result<u32, Errno>;
    /// recvmsg(2) into `into` with `control_room` bytes of room for control messages; with
    /// `wait`, as [`Host::recv_waiting`].
    fn receive_with_descriptors(&self, s: &Self::Socket, into: &mut [MaybeUninit<u8>], flags: i32, control_room: u32, wait: bool) -> Result<Message<Self::Socket>, Errno>;
    fn shutdown(&self, s: &Self::Socket, how: ShutdownHow) -> Result<(), Errno>;
    fn local_address(&self, s: &Self::Socket) -> Result<Option<IpSocketAddress>, Errno>;
    fn remote_address(&self, s: &Self::Socket) -> Result<Option<IpSocketAddress>, Errno>;
    fn get_option(&self, s: &Self::Socket, o: Sockopt) -> Result<i64, Errno>;
    fn set_option(&self, s: &Self::Socket, o: Sockopt, v: i64) -> Result<(), Errno>;
    /// getsockopt(2) of a byte option into a buffer of `length` bytes (1 to 1024): what the kernel wrote.
    fn get_option_bytes(&self, s: &Self::Socket, o: ByteOption, length: u32) -> Result<Vec<u8>, Errno>;
    fn set_option_bytes(&self, s: &Self::Socket, o: ByteOption, v: OptionBytes<'_>) -> Result<(), Errno>;
    fn take_error(&self, s: &Self::Socket) -> Result<Option<Errno>, Errno>;
    fn duplicate(&self, s: &Self::Socket) -> Result<Self::Socket, Errno>;
    /// The kernel's count of one of the socket's queues (ioctl FIONREAD or TIOCOUTQ).
    fn queued(&self, s: &Self::Socket, queue: Queue) -> Result<u32, Errno>;
    /// sockatmark(3): whether the next byte to read is at the urgent mark.
    fn at_mark(&self, s: &Self::Socket) -> Result<bool, Errno>;
    /// ioctl(2)'s SIOCGIF* request `query` with `ifreq`: the ifreq the kernel wrote. ENODEV for
    /// an interface the sandbox may not see.
    fn query_interface(&self, s: &Self::Socket, query: InterfaceQuery, ifreq: &[u8; IFREQ_SIZE]) -> Result<[u8; IFREQ_SIZE], Errno>;
    /// poll(2) over `sockets` and, with `input` not empty, the program's stdin; `None` waits
    /// without limit. The indexes and events of those ready, stdin's index being `sockets.len()`;
    /// a stdin the host cannot watch is ready at once, as a regular file is. EINTR when the host
    /// ended the wait for a SIGINT (Ctrl-C) the program is to see.
    fn wait(&self, sockets: &[(&Self::Socket, Events)], input: Events, timeout: Option<Duration>) -> Result<Vec<(u32, Events)>, Errno>;
    /// After a wait ended with EINTR: what the program's SIGINT handler makes of the signal.
    fn check_signals(&self) -> Signalled;
    /// Keeps the deadline of a call handed back for a signal handler ([`Signalled::HandBack`]),
    /// for the same call made again ([`Host::resumed_deadline`]).
    fn keep_deadline(&self, deadline: Duration);
    /// The deadline kept for the call being made again after its handler ran, taken once; `None`
    /// for any other call. CPython keeps a call's deadline across its handlers (PEP 475).
    fn resumed_deadline(&self) -> Option<Duration>;
    /// Monotonic time since an arbitrary origin.
    fn now(&self) -> Duration;
    fn resolve(
        &self,
        host: Option<&str>,
        service: Option<&str>,
        family: Option<Family>,
        socket_type: i32,
        protocol: i32,
        flags: i32,
    ) -> Result<Vec<AddressInfo>, GaiError>;
    fn name_info(&self, a: &IpSocketAddress, flags: i32) -> Result<(String, String), GaiError>;
    fn host_name(&self) -> Result<String, Errno>;
    /// if_nameindex(3): the network interfaces, (index, name).
    fn interfaces(&self) -> Result<Vec<(u32, String)>, Errno>;
    /// A number for a new socket or epoll from the table that numbers the program's other files,
    /// where the guest shares one with them (the interpreter's libc), so that a file and a socket
    /// never have the same number and `os.close(n)` means one thing; `unused(n)` says whether the
    /// core has `n` free. `None`: the core numbers its own descriptors, lowest free first, as the
    /// kernel does.
    fn claim_descriptor(&self, _unused: &dyn Fn(i32) -> bool) -> Result<Option<i32>, Errno> {
        Ok(None)
    }
    /// The core closed `fd`, a number [`Host::claim_descriptor`] gave: the shared table frees it.
    fn release_descriptor(&self, _fd: i32) {}
    /// Whether `fd` is open in the program as something other than the core's descriptors (stdio,
    /// a file), which `socket(fileno=fd)` refuses with ENOTSOCK rather than EBADF.
    fn is_open_file(&self, fd: i32) -> bool {
        (0..crate::socket::FIRST_FD).contains(&fd)
    }
    /// The number `fd`, not one of the core's, would have in a Linux process, for select()'s
    /// FD_SETSIZE: a shared table that sets numbers aside for sockets moves the numbers above them.
    fn number_on_linux(&self, fd: i32) -> i32 {
        fd
    }
}

/// Which `ssl` exception a TLS engine failure becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsErrorKind {
    Ssl,
    ZeroReturn,
    WantRead,
    Eof,
    CertVerification,
}

/// A TLS engine failure as CPython shows OpenSSL's: `[library: reason] message`, and for
/// certificate failures OpenSSL's verify code and message.
#[derive(Clone, Debug, PartialEq)]
pub struct TlsError {
    pub kind: TlsErrorKind,
    pub library: String,
    pub reason: String,
    pub message: String,
    pub verify_code: i32,
    pub verify_message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolVersion {
    Tls12,
    Tls13,
}

/// CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyMode {
    None,
    Optional,
    Required,
}

/// OpenSSL's session counters for one context.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SessionStats {
    pub number: u64,
    pub connect: u64,
    pub connect_good: u64,
    pub accept: u64,
    pub accept_good: u64,
    pub hits: u64,
    pub misses: u64,
    pub cache_full: u64,
}

/// The host's TLS engine: settings, connections and sessions as its objects. The methods'
/// contracts are the WIT's (`wit/tls.wit`).
pub trait Tls {
    /// The sockets an SSL socket's ciphertext travels on.
    type Socket;
    type Config: TlsConfig<Session = Self::Session>;
    type Connection: TlsConnection<Config = Self::Config, Session = Self::Session, Socket = Self::Socket>;
    type Session: TlsSession;
}

/// Why [`TlsConnection::fill_from`] failed: the socket (EAGAIN when nothing has arrived), or the
/// engine with what it received.
#[derive(Clone, Debug, PartialEq)]
pub enum FillError {
    Socket(Errno),
    Engine(TlsError),
}

/// Settings shared by connections, like OpenSSL's SSL_CTX.
pub trait TlsConfig: Sized {
    type Session;
    fn new(server_side: bool) -> Self;
    fn add_trust_pem(&self, pem: &[u8]) -> Result<u32, TlsError>;
    fn add_trust_der(&self, der: &[u8]) -> Result<(), TlsError>;
    fn add_default_trust(&self) -> Result<u32, TlsError>;
    fn trust_anchors(&self) -> Vec<Vec<u8>>;
    fn use_host_identity(&self, name: &str) -> Result<(), TlsError>;
    fn set_identity(&self, chain_pem: &[u8], key_pem: &[u8], password: Option<&[u8]>) -> Result<(), TlsError>;
    fn set_verify_mode(&self, mode: VerifyMode);
    fn set_check_hostname(&self, check: bool);
    fn set_versions(&self, minimum: ProtocolVersion, maximum: ProtocolVersion);
    fn set_alpn(&self, protocols: &[Vec<u8>]);
    fn set_tls12_ciphers(&self, names: &[String]);
    fn set_tickets(&self, enabled: bool, tls13_count: u32);
    fn set_sni_callback(&self, enabled: bool);
    fn set_ecdh_curve(&self, name: &str);
    fn session_stats(&self) -> SessionStats;
    fn set_key_log(&self, enabled: bool);
    fn take_key_log(&self) -> Vec<String>;
}

/// One TLS session, OpenSSL's SSL; it holds no socket.
pub trait TlsConnection: Sized {
    type Config;
    type Session;
    type Socket;
    fn open(config: &Self::Config, server_name: Option<&str>) -> Result<Self, TlsError>;
    fn set_session(&self, session: &Self::Session) -> Result<(), TlsError>;
    fn session(&self) -> Option<Self::Session>;
    fn session_reused(&self) -> bool;
    fn offered_ciphers(&self) -> Vec<String>;
    /// Some(SNI name, which may be None) while a server waits for `sni_callback` after the ClientHello.
    fn client_hello(&self) -> Option<Option<String>>;
    fn accept_hello(&self, config: &Self::Config) -> Result<(), TlsError>;
    fn refuse_hello(&self, alert: u8) -> TlsError;
    fn receive(&self, ciphertext: &[u8]) -> Result<(), TlsError>;
    fn transmit(&self, max_len: u32) -> Vec<u8>;
    /// Sends the pending ciphertext on `socket`, in the host: true once all of it went, false
    /// when the socket would block with some left.
    fn flush_to(&self, socket: &Self::Socket) -> Result<bool, Errno>;
    /// Reads what `socket` has into the engine, in the host: how many bytes came, 0 at the end.
    /// With `wait`, the host may first wait for bytes as a blocking socket's receive does
    /// ([`Host::recv_waiting`]); one that does not answers EAGAIN, and the caller waits.
    fn fill_from(&self, socket: &Self::Socket, wait: bool) -> Result<u32, FillError>;
    fn is_handshaking(&self) -> bool;
    fn read(&self, max_len: u32) -> Result<Vec<u8>, TlsError>;
    fn pending(&self) -> u32;
    fn write(&self, plaintext: &[u8]) -> Result<u32, TlsError>;
    fn close(&self);
    fn peer_certificates(&self) -> Vec<Vec<u8>>;
    fn protocol_version(&self) -> Option<ProtocolVersion>;
    fn cipher(&self) -> Option<(String, String, u32)>;
    fn alpn_protocol(&self) -> Option<Vec<u8>>;
}

/// A client's established session, to offer again.
pub trait TlsSession {
    fn id(&self) -> Vec<u8>;
    fn time(&self) -> u64;
    fn timeout(&self) -> u32;
    fn ticket_lifetime_hint(&self) -> u32;
    fn has_ticket(&self) -> bool;
}
