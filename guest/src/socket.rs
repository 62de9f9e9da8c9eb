//! `_socket`: the descriptor table, socket objects and module functions, with CPython's rules.
//!
//! Descriptors are small integers owned by the guest, so `fileno()`, `detach()`, `socket(fileno=)`,
//! `dup()` and select/poll behave as on Linux while the kernel sockets stay in the host. A Python
//! socket object (`SockObj`) holds a descriptor and its own timeout; a closed object holds -1 and
//! every call on it fails with EBADF, as CPython's `sock_fd == -1` does.
#![forbid(unsafe_code)]

use crate::addr;
use crate::errno::{self, Error, OsError, gai, os, os_with, overflow, type_error, value};
use crate::host::{
    ByteOption, Errno, Events, Family, GaiError, Host, IFREQ_SIZE, InterfaceQuery, IpAddress, IpSocketAddress, Kind, OptionBytes, Queue, Received,
    ShutdownHow, SocketAddress, Sockopt,
};
use crate::timeout::{self, CallError, Mode};
use std::mem::MaybeUninit;
use std::time::Duration;

/// A Python socket address as the face found it, before CPython's checks: `(host, port)` for
/// AF_INET, `(host, port, flowinfo, scope_id)` for AF_INET6. The core range-checks the numbers and
/// resolves host names as CPython's `setipaddr` does; results come back in the same shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Address {
    Inet((String, i64)),
    Inet6((String, i64, i64, i64)),
    /// An AF_UNIX name: a path (as bytes, as the program gave it or `os.fsencode` would), the empty
    /// one of an unnamed socket, or an abstract name with its leading NUL.
    Unix(Vec<u8>),
}

/// An option value: `setsockopt` takes an int or bytes; `getsockopt` returns an int, or bytes when
/// a buffer length was given.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    Int(i64),
    Bytes(Vec<u8>),
    /// SO_ERROR's pending error, which the face turns into its own errno number.
    Error(Errno),
}

/// What `setsockopt` was given as the option's value.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionArgument {
    Int(i64),
    Bytes(Vec<u8>),
    /// `setsockopt(level, optname, None, optlen)`: a NULL value of `optlen` bytes (PyArg's `I`, a
    /// C `unsigned int` that the kernel reads as an `int`).
    Null(i32),
}

/// One `getaddrinfo` result: (family, type, proto, canonname, sockaddr).
#[derive(Clone, Debug, PartialEq)]
pub struct AddrInfo {
    pub family: i32,
    pub kind: i32,
    pub proto: i32,
    pub canonname: String,
    pub address: Address,
}

/// Linux's numbers for the constants the adapter exposes.
pub mod linux {
    pub const AF_UNSPEC: i32 = 0;
    pub const AF_UNIX: i32 = 1;
    pub const AF_INET: i32 = 2;
    pub const AF_INET6: i32 = 10;
    pub const SOCK_STREAM: i32 = 1;
    pub const SOCK_DGRAM: i32 = 2;
    pub const SOCK_RAW: i32 = 3;
    pub const SOCK_RDM: i32 = 4;
    pub const SOCK_SEQPACKET: i32 = 5;
    pub const SOCK_PACKET: i32 = 10;
    pub const SOCK_NONBLOCK: i32 = 0o4000;
    pub const SOCK_CLOEXEC: i32 = 0o2000000;
    pub const SOL_SOCKET: i32 = 1;
    pub const IPPROTO_IP: i32 = 0;
    pub const IPPROTO_TCP: i32 = 6;
    pub const IPPROTO_UDP: i32 = 17;
    pub const IPPROTO_IPV6: i32 = 41;
    pub const SO_ERROR: i32 = 4;
    pub const SO_LINGER: i32 = 13;
    pub const SO_RCVTIMEO: i32 = 20;
    pub const SO_SNDTIMEO: i32 = 21;
    pub const SCM_RIGHTS: i32 = 1;
    pub const SCM_CREDENTIALS: i32 = 2;
    pub const SO_PRIORITY: i32 = 12;
    pub const SO_MARK: i32 = 36;
    pub const SO_TIMESTAMPING_OLD: i32 = 37;
    pub const SCM_TXTIME: i32 = 61;
    pub const SO_TIMESTAMPING_NEW: i32 = 65;
    pub const MSG_PEEK: i32 = 0x2;
    pub const MSG_CTRUNC: i32 = 0x8;
    pub const MSG_TRUNC: i32 = 0x20;
    pub const MSG_DONTWAIT: i32 = 0x40;
    pub const MSG_WAITALL: i32 = 0x100;
    pub const MSG_ERRQUEUE: i32 = 0x2000;
    pub const AI_PASSIVE: i32 = 1;
    pub const AI_CANONNAME: i32 = 2;
    pub const AI_NUMERICHOST: i32 = 4;
    pub const NI_NAMEREQD: i32 = 8;
    pub const SOMAXCONN: i32 = 4096;
}
use linux::*;

/// Lowest descriptor number handed out, as in a process whose stdio is open.
pub const FIRST_FD: i32 = 3;
/// CPython's FD_SETSIZE, the limit on descriptors `select()` accepts.
pub const FD_SETSIZE: i32 = 1024;

/// A Python-level socket object: a descriptor plus what CPython keeps per object.
#[derive(Clone, Debug)]
pub struct SockObj {
    pub fd: i32,
    pub family: i32,
    pub kind: i32,
    pub proto: i32,
    pub timeout: Option<f64>,
}

/// The ioctl(2) requests [`Core::ioctl`] answers, by Linux's numbers.
pub mod ioctl {
    /// TIOCOUTQ, a socket's SIOCOUTQ.
    pub const TIOCOUTQ: u32 = 0x5411;
    /// FIONREAD, a socket's SIOCINQ.
    pub const FIONREAD: u32 = 0x541B;
    pub const FIONBIO: u32 = 0x5421;
    pub const FIONCLEX: u32 = 0x5450;
    pub const FIOCLEX: u32 = 0x5451;
    pub const FIOASYNC: u32 = 0x5452;
    pub const SIOCATMARK: u32 = 0x8905;

    use super::{Errno, Error, IFREQ_SIZE, InterfaceQuery, os};

    // The interface requests (linux/sockios.h): reads of one interface through a `struct ifreq`,
    pub const SIOCGIFNAME: u32 = 0x8910;
    pub const SIOCGIFFLAGS: u32 = 0x8913;
    pub const SIOCGIFADDR: u32 = 0x8915;
    pub const SIOCGIFDSTADDR: u32 = 0x8917;
    pub const SIOCGIFBRDADDR: u32 = 0x8919;
    pub const SIOCGIFNETMASK: u32 = 0x891B;
    pub const SIOCGIFMETRIC: u32 = 0x891D;
    pub const SIOCGIFMTU: u32 = 0x8921;
    pub const SIOCGIFHWADDR: u32 = 0x8927;
    pub const SIOCGIFINDEX: u32 = 0x8933;
    pub const SIOCGIFPFLAGS: u32 = 0x8935;
    pub const SIOCGIFTXQLEN: u32 = 0x8942;
    pub const SIOCGIFMAP: u32 = 0x8970;
    // and the writes, which need CAP_NET_ADMIN.
    pub const SIOCSIFFLAGS: u32 = 0x8914;
    pub const SIOCSIFADDR: u32 = 0x8916;
    pub const SIOCSIFDSTADDR: u32 = 0x8918;
    pub const SIOCSIFBRDADDR: u32 = 0x891A;
    pub const SIOCSIFNETMASK: u32 = 0x891C;
    pub const SIOCSIFMETRIC: u32 = 0x891E;
    pub const SIOCSIFMTU: u32 = 0x8922;
    pub const SIOCSIFNAME: u32 = 0x8923;
    pub const SIOCSIFHWADDR: u32 = 0x8924;
    pub const SIOCSIFSLAVE: u32 = 0x8930;
    pub const SIOCADDMULTI: u32 = 0x8931;
    pub const SIOCDELMULTI: u32 = 0x8932;
    pub const SIOCSIFPFLAGS: u32 = 0x8934;
    pub const SIOCDIFADDR: u32 = 0x8936;
    pub const SIOCSIFHWBROADCAST: u32 = 0x8937;
    pub const SIOCSIFTXQLEN: u32 = 0x8943;
    pub const SIOCSIFMAP: u32 = 0x8971;

    /// The SIOCGIF* request that reads `query` of a network interface. The rest of them ask for
    /// the host's (SIOCGIFCONF lists every interface through a pointer, SIOCGIFBR and SIOCGIFVLAN
    /// ask bridge and VLAN drivers) and are ENOTTY, as the requests Linux's sockets do not know are.
    pub fn interface_query(request: u32) -> Option<InterfaceQuery> {
        use InterfaceQuery::*;
        Some(match request {
            SIOCGIFNAME => Name,
            SIOCGIFINDEX => Index,
            SIOCGIFFLAGS => StatusFlags,
            SIOCGIFADDR => Address,
            SIOCGIFDSTADDR => DestinationAddress,
            SIOCGIFBRDADDR => BroadcastAddress,
            SIOCGIFNETMASK => Netmask,
            SIOCGIFPFLAGS => PrivateFlags,
            SIOCGIFMETRIC => Metric,
            SIOCGIFMTU => Mtu,
            SIOCGIFTXQLEN => TransmitQueueLength,
            SIOCGIFMAP => DeviceMap,
            SIOCGIFHWADDR => HardwareAddress,
            _ => return None,
        })
    }

    /// Linux's answer to an interface write from a process without CAP_NET_ADMIN, which the
    /// sandbox is whatever the host's privileges, on a socket of `family` (`AF_*`, asked only for
    /// the requests whose answer depends on it); `None` for a request that is no such write. None
    /// reaches the kernel.
    pub fn interface_write(request: u32, family: impl FnOnce() -> Result<i32, Error>) -> Result<Option<Errno>, Error> {
        use super::linux::{AF_INET, AF_INET6};
        match request {
            // The writes every socket hands to dev_ioctl, which checks the capability first.
            SIOCSIFFLAGS | SIOCSIFMETRIC | SIOCSIFMTU | SIOCSIFNAME | SIOCSIFHWADDR | SIOCSIFSLAVE | SIOCADDMULTI
            | SIOCDELMULTI | SIOCSIFHWBROADCAST | SIOCSIFTXQLEN | SIOCSIFMAP => return Ok(Some(Errno::Eperm)),
            // The address writes, which each family's own ioctl takes or refuses (ENOTTY).
            SIOCSIFADDR | SIOCSIFDSTADDR | SIOCSIFBRDADDR | SIOCSIFNETMASK | SIOCSIFPFLAGS | SIOCDIFADDR => {}
            _ => return Ok(None),
        }
        Ok(Some(match (request, family()?) {
            // SIOCSIFADDR is IPv4's (devinet_ioctl) and IPv6's (addrconf) both.
            (SIOCSIFADDR, AF_INET | AF_INET6) | (SIOCSIFDSTADDR | SIOCSIFBRDADDR | SIOCSIFNETMASK, AF_INET) | (SIOCDIFADDR, AF_INET6) => {
                Errno::Eperm
            }
            // IPv6's SIOCSIFDSTADDR configures a sit tunnel, which it looks up by an index first.
            (SIOCSIFDSTADDR, AF_INET6) => Errno::Enodev,
            // devinet_ioctl knows no SIOCSIFPFLAGS.
            (SIOCSIFPFLAGS, AF_INET) => Errno::Einval,
            _ => Errno::Enotty,
        }))
    }

    /// The `struct ifreq` a SIOCGIF* request reads from the program's memory: EFAULT for an
    /// address given as an int, or memory too short to hold one.
    pub fn ifreq_in(memory: Option<&[u8]>) -> Result<&[u8; IFREQ_SIZE], Error> {
        memory.and_then(|m| m.get(..IFREQ_SIZE)).and_then(|m| m.try_into().ok()).ok_or_else(|| os(Errno::Efault))
    }

    /// The int a request reads from the program's memory; `None` is an address the program gave
    /// as an int (see [`super::Core::ioctl`]), EFAULT.
    pub fn int_in(memory: Option<&[u8]>) -> Result<i32, Error> {
        let m = memory.ok_or_else(|| os(Errno::Efault))?;
        Ok(i32::from_le_bytes([m[0], m[1], m[2], m[3]]))
    }

    /// Writes the int a request answers into the program's memory, as [`int_in`] reads one.
    pub fn put_int(memory: Option<&mut [u8]>, value: i32) -> Result<(), Error> {
        memory.ok_or_else(|| os(Errno::Efault))?[..4].copy_from_slice(&value.to_le_bytes());
        Ok(())
    }
}

/// What a descriptor of the guest's table stands for.
pub enum Entry<H: Host> {
    Socket(H::Socket),
    Epoll(H::Epoll),
}

/// An open descriptor: what it stands for, and the open file description it shares with its
/// duplicates.
struct Slot<H: Host> {
    entry: Entry<H>,
    description: std::rc::Rc<Description>,
    /// FD_CLOEXEC, the one flag Linux keeps per descriptor: set on every descriptor the core makes,
    /// as CPython makes each non-inheritable, until `set_inheritable(True)` or F_SETFD clears it.
    /// Nothing is executed in a sandbox; programs (and CPython's tests) read it back.
    close_on_exec: std::cell::Cell<bool>,
}

/// What Linux keeps on an open file description, which every descriptor `dup` made from it shares.
struct Description {
    /// O_NONBLOCK, which CPython sets whenever a socket object on it has a timeout and which
    /// `os.read` and `os.write` on it obey. Shared, so `a.dup().setblocking(False)` makes `a`'s own
    /// blocking calls fail with EAGAIN and `a.setblocking(True)` makes the duplicate's calls wait,
    /// whatever their timeouts say.
    nonblocking: std::cell::Cell<bool>,
    /// What `os.fstat` reports as st_dev and st_ino, by which `os.path.sameopenfile` tells two
    /// sockets apart and finds a duplicate the same.
    identity: Identity,
    /// Set for the two ends of an `os.pipe()`, which move bytes one way only.
    pipe: Option<PipeEnd>,
}

/// Which end of an `os.pipe()` a descriptor is. The sandbox has no pipes of its own, so a pipe is
/// a stream socketpair whose ends the core keeps to their direction, as Linux keeps a pipe's:
/// reading the write end or writing the read end is EBADF, `socket(fileno=)` is ENOTSOCK, and
/// select, poll and epoll see the read end only readable and the write end only writable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipeEnd {
    Read,
    Write,
}

impl PipeEnd {
    /// The readiness an end can have: a pipe's read end is never writable, its write end never
    /// readable, and a write end whose reader left reports an error (EPOLLERR), not a hang-up.
    pub fn readiness(self, e: Events) -> Events {
        match self {
            PipeEnd::Read => e.without(Events::WRITABLE | Events::READ_HANGUP),
            PipeEnd::Write => {
                let e = e.without(Events::READABLE | Events::PRIORITY | Events::READ_HANGUP);
                if e.contains(Events::HANGUP) { e.without(Events::HANGUP) | Events::ERROR } else { e }
            }
        }
    }
}

/// st_dev and st_ino. Linux numbers a socket's inode in sockfs, one per socket; every epoll
/// instance is the one inode of anon_inodefs. The device numbers are this machine's kernel's (it
/// numbers its pseudo filesystems as it mounts them); the sandbox numbers its sockets' inodes from 1
/// in the order it makes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    pub device: u64,
    pub inode: u64,
}

const SOCKFS_DEVICE: u64 = 9;
/// pipefs's device on Linux, where both ends of a pipe are one inode.
const PIPEFS_DEVICE: u64 = 15;
const EPOLL_IDENTITY: Identity = Identity { device: 16, inode: 1 };

/// What recvmsg's control messages brought: the kernel's own, as (level, type, data) in its order,
/// and the descriptors of an SCM_RIGHTS message, given numbers here.
#[derive(Debug, Default)]
pub struct Ancillary {
    pub control: Vec<(i32, i32, Vec<u8>)>,
    pub descriptors: Vec<i32>,
}

/// EOPNOTSUPP for a control message the sandbox does not send: `what` it would have carried.
fn refused_control(what: &str) -> Error {
    os_with(Errno::Eopnotsupp, format!("Operation not supported: pysock's sandbox sends no control messages carrying {what}, only SCM_RIGHTS"))
}

/// The most descriptors one SCM_RIGHTS message carries: Linux's SCM_MAX_FD.
pub const MOST_DESCRIPTORS_SENT: usize = 253;

/// An open file description's state as it travels with its socket in an SCM_RIGHTS message, packed
/// into the word the host keeps for it (see `carried` in the WIT): the inode in the high bits, then
/// whether it is pipefs's, the pipe's end and O_NONBLOCK. Never 0, which stands for "unknown".
#[derive(Clone, Copy, Debug, PartialEq)]
struct Carried {
    identity: Identity,
    pipe: Option<PipeEnd>,
    nonblocking: bool,
}

impl Carried {
    fn of(d: &Description) -> Carried {
        Carried { identity: d.identity, pipe: d.pipe, nonblocking: d.nonblocking.get() }
    }

    fn word(self) -> u64 {
        let pipe = match self.pipe {
            None => 0,
            Some(PipeEnd::Read) => 1,
            Some(PipeEnd::Write) => 2,
        };
        (self.identity.inode << 4) | (u64::from(self.identity.device == PIPEFS_DEVICE) << 3) | (pipe << 1) | u64::from(self.nonblocking)
    }

    fn from_word(word: u64) -> Option<Carried> {
        let inode = word >> 4;
        if inode == 0 {
            return None;
        }
        let device = if word & 8 != 0 { PIPEFS_DEVICE } else { SOCKFS_DEVICE };
        let pipe = match (word >> 1) & 3 {
            1 => Some(PipeEnd::Read),
            2 => Some(PipeEnd::Write),
            _ => None,
        };
        Some(Carried { identity: Identity { device, inode }, pipe, nonblocking: word & 1 != 0 })
    }
}

/// The guest's state: the host, the descriptor table and `getdefaulttimeout()`.
pub struct Core<H: Host> {
    pub host: H,
    /// Indexed by descriptor number.
    fds: Vec<Option<Slot<H>>>,
    pub default_timeout: Option<f64>,
    /// Descriptors of SSL sockets whose TLS layer holds decrypted bytes: readable for select and
    /// poll even when the kernel socket is empty (see `Core::note_tls_buffered`).
    pub tls_buffered: std::cell::RefCell<std::collections::BTreeSet<i32>>,
    /// What each epoll instance (by its descriptor) watches each descriptor for, as registered:
    /// for [`Self::tls_buffered`] sockets, which the kernel's epoll cannot see.
    pub epoll_interest: std::cell::RefCell<std::collections::BTreeMap<i32, std::collections::BTreeMap<i32, u32>>>,
    /// How many sockets the core has made, each one inode ([`Identity`]).
    sockets_made: u64,
    /// How many pipes `os.pipe()` has made, each one inode for both ends.
    pipes_made: u64,
}

fn ebadf() -> Error {
    os(Errno::Ebadf)
}

/// `TimeoutError('timed out')`, what every socket call raises when its deadline passes.
pub fn timed_out() -> Error {
    Error::Timeout("timed out".into())
}

/// The error a call that failed with `e` raises.
pub fn call_error(e: CallError) -> Error {
    match e {
        CallError::Os(code) => os(code),
        CallError::Timeout => timed_out(),
        CallError::Raised => Error::Raised,
        CallError::HandBack => Error::HandBack,
    }
}

/// CPython's `socket_parse_timeout` after the adapter checked the type.
pub fn parse_timeout(t: Option<f64>) -> Result<Option<f64>, Error> {
    match t {
        None => Ok(None),
        Some(v) if v.is_nan() => Err(value("Invalid value NaN (not a number)")),
        Some(v) if v < 0.0 => Err(value("Timeout value out of range")),
        // CPython keeps timeouts as 64-bit nanoseconds.
        Some(v) if v * 1e9 >= i64::MAX as f64 => Err(overflow("timeout doesn't fit into C timeval")),
        Some(v) => Ok(Some(as_kept(v))),
    }
}

/// A timeout of `seconds` (not negative) as CPython keeps and returns it: whole nanoseconds, rounded
/// away from zero (`_PyTime_ROUND_TIMEOUT`, the same double arithmetic), read back as
/// `_PyTime_AsSecondsDouble` does. So `settimeout(1e-10)` reads back `1e-09` and `settimeout(-0.0)`
/// reads back `0.0`.
fn as_kept(seconds: f64) -> f64 {
    const NS: i64 = 1_000_000_000;
    let ns = (seconds * 1e9).ceil() as i64;
    if ns % NS == 0 { (ns / NS) as f64 } else { ns as f64 / 1e9 }
}

/// The kind of socket pysock makes for type `t` in `family`; Linux's AF_UNIX makes SOCK_RAW a
/// datagram socket, and only AF_UNIX has sequenced packets.
fn kind_of(family: i32, t: i32) -> Option<Kind> {
    match t {
        SOCK_STREAM => Some(Kind::Stream),
        SOCK_DGRAM => Some(Kind::Dgram),
        SOCK_RAW if family == AF_UNIX => Some(Kind::Dgram),
        SOCK_SEQPACKET if family == AF_UNIX => Some(Kind::Seqpacket),
        _ => None,
    }
}

/// The error for a socket type pysock does not offer. Where Linux refuses the combination whatever
/// the caller's privileges, its errno; where Linux would make the socket (raw and packet sockets for a
/// privileged process), PermissionError, which is what an unprivileged process gets for a raw
/// socket, saying what the sandbox offers instead.
fn unoffered_type(family: i32, kind: i32, proto: i32) -> Error {
    match (family, kind) {
        (AF_INET | AF_INET6, SOCK_RAW) if proto == 0 => os(Errno::Eprotonosupport),
        (AF_INET | AF_INET6, SOCK_SEQPACKET | SOCK_RDM) | (AF_INET6 | AF_UNIX, SOCK_PACKET) | (AF_UNIX, SOCK_RDM) => {
            os(Errno::Esocktnosupport)
        }
        (_, SOCK_RAW | SOCK_PACKET) => {
            let name = if kind == SOCK_RAW { "SOCK_RAW" } else { "SOCK_PACKET" };
            errno::os_with(
                Errno::Eperm,
                format!(
                    "Operation not permitted: pysock's sandbox has no {name} sockets; it offers TCP, UDP and \
                     UDP-Lite, and AF_UNIX stream, datagram and sequenced-packet pairs from socketpair()"
                ),
            )
        }
        // Linux answers an unknown socket type with EINVAL.
        _ => os(Errno::Einval),
    }
}

fn family_of(f: i32) -> Option<Family> {
    match f {
        AF_INET => Some(Family::Inet),
        AF_INET6 => Some(Family::Inet6),
        AF_UNIX => Some(Family::Unix),
        _ => None,
    }
}

/// The (level, option) pairs pysock can set, as typed host options.
fn sockopt(level: i32, name: i32) -> Option<Sockopt> {
    use Sockopt::*;
    Some(match (level, name) {
        (SOL_SOCKET, 2) => Reuseaddr,
        (SOL_SOCKET, 15) => Reuseport,
        (SOL_SOCKET, 9) => Keepalive,
        (SOL_SOCKET, 6) => Broadcast,
        (SOL_SOCKET, 8) => Rcvbuf,
        (SOL_SOCKET, 7) => Sndbuf,
        (SOL_SOCKET, SO_LINGER) => Linger,
        (SOL_SOCKET, 10) => Oobinline,
        (SOL_SOCKET, 18) => Rcvlowat,
        (SOL_SOCKET, 19) => Sndlowat,
        (SOL_SOCKET, SO_RCVTIMEO) => Rcvtimeo,
        (SOL_SOCKET, SO_SNDTIMEO) => Sndtimeo,
        (SOL_SOCKET, 30) => Acceptconn,
        (SOL_SOCKET, 3) => SockType,
        (SOL_SOCKET, 39) => Domain,
        (SOL_SOCKET, SO_ERROR) => SockError,
        (SOL_SOCKET, 38) => Protocol,
        (IPPROTO_TCP, 1) => TcpNodelay,
        (IPPROTO_TCP, 4) => TcpKeepidle,
        (IPPROTO_TCP, 5) => TcpKeepintvl,
        (IPPROTO_TCP, 6) => TcpKeepcnt,
        (IPPROTO_TCP, 2) => TcpMaxseg,
        (IPPROTO_TCP, 3) => TcpCork,
        (IPPROTO_TCP, 7) => TcpSyncnt,
        (IPPROTO_TCP, 8) => TcpLinger2,
        (IPPROTO_TCP, 9) => TcpDeferAccept,
        (IPPROTO_TCP, 10) => TcpWindowClamp,
        (IPPROTO_TCP, 12) => TcpQuickack,
        (IPPROTO_TCP, 18) => TcpUserTimeout,
        (IPPROTO_TCP, 23) => TcpFastopen,
        (IPPROTO_TCP, 25) => TcpNotsentLowat,
        (IPPROTO_IP, 1) => IpTos,
        (IPPROTO_IP, 2) => IpTtl,
        (IPPROTO_IP, 33) => IpMulticastTtl,
        (IPPROTO_IP, 34) => IpMulticastLoop,
        (IPPROTO_IPV6, 16) => Ipv6UnicastHops,
        (IPPROTO_IPV6, 26) => Ipv6V6only,
        (SOL_SOCKET, 12) => Priority,
        (SOL_SOCKET, 5) => Dontroute,
        (SOL_SOCKET, 49) => IncomingCpu,
        (SOL_SOCKET, 36) => Mark,
        (IPPROTO_IP, 24) => IpBindAddressNoPort,
        (IPPROTO_IP, 19) => IpTransparent,
        (IPPROTO_IP, 8) => IpPktinfo,
        (IPPROTO_IP, 12) => IpRecvttl,
        (IPPROTO_IP, 13) => IpRecvtos,
        (IPPROTO_IPV6, 49) => Ipv6Recvpktinfo,
        (IPPROTO_IPV6, 51) => Ipv6Recvhoplimit,
        (IPPROTO_IPV6, 66) => Ipv6Recvtclass,
        _ => return None,
    })
}

/// The typed option for (level, name), or what the kernel says of an option pysock does not pass
/// on: EOPNOTSUPP for any level but SOL_SOCKET on AF_UNIX, and for SO_PASSCRED and SO_PASSSEC on an
/// IP socket (Linux has them for AF_UNIX and netlink alone); ENOPROTOOPT for the rest, as for an
/// option the kernel does not know. (On AF_UNIX those two would ask for ancillary data, which
/// pysock's receives do not carry.)
fn typed_option(family: i32, level: i32, name: i32) -> Result<Sockopt, Error> {
    if family == AF_UNIX && level != SOL_SOCKET {
        // An AF_UNIX socket has no options but SOL_SOCKET's: the kernel says so before it reads a value.
        return Err(os(Errno::Eopnotsupp));
    }
    sockopt(level, name).ok_or_else(|| match (level, name) {
        (SOL_SOCKET, 16 | 34) if family != AF_UNIX => os(Errno::Eopnotsupp),
        _ => os(Errno::Enoprotoopt),
    })
}

/// The byte options: TCP_INFO, TCP_CONGESTION, IP_MULTICAST_IF, the IPv6 integers the kernel reads
/// itself, and SO_BINDTODEVICE.
fn byte_option(level: i32, name: i32) -> Option<ByteOption> {
    use ByteOption::*;
    Some(match (level, name) {
        (IPPROTO_TCP, 11) => TcpInfo,
        (IPPROTO_TCP, 13) => TcpCongestion,
        (IPPROTO_IP, 32) => IpMulticastIf,
        (IPPROTO_IPV6, 67) => Ipv6Tclass,
        (IPPROTO_IPV6, 18) => Ipv6MulticastHops,
        (IPPROTO_IPV6, 19) => Ipv6MulticastLoop,
        (IPPROTO_IPV6, 17) => Ipv6MulticastIf,
        (IPPROTO_IPV6, 62) => Ipv6Dontfrag,
        (SOL_SOCKET, 25) => BindToDevice,
        _ => return None,
    })
}

/// What the kernel reads as `opt`'s value from the caller's `len` bytes (`None`: a NULL pointer),
/// as setsockopt(2), sk_setsockopt and do_ip_setsockopt read it: the WIT carries a value, not the
/// pointer and length, so the reading is done here. A negative length is EINVAL. The IPv4 options
/// that fit in a byte read one byte from a value shorter than an int, and with no byte at all IP_TOS,
/// IP_BIND_ADDRESS_NO_PORT and the three that ask for control messages are 0 and the others are
/// EINVAL; every other option needs an int
/// (EINVAL), SO_LINGER two, and SO_RCVTIMEO and SO_SNDTIMEO a `struct timeval`
/// ([`timeval_micros`]), each read after the first int, as the kernel reads every SOL_SOCKET option.
/// Reading a NULL value is EFAULT, but for the IPv6 options, which take it as 0.
fn option_value(opt: Sockopt, len: i32, bytes: Option<&[u8]>) -> Result<i64, Error> {
    let reads_a_byte = matches!(
        opt,
        Sockopt::IpTos
            | Sockopt::IpTtl
            | Sockopt::IpMulticastTtl
            | Sockopt::IpMulticastLoop
            | Sockopt::IpBindAddressNoPort
            | Sockopt::IpTransparent
            | Sockopt::IpPktinfo
            | Sockopt::IpRecvttl
            | Sockopt::IpRecvtos
    );
    if len < 0 || (len < 4 && !reads_a_byte) {
        return Err(os(Errno::Einval));
    }
    let b = match bytes {
        Some(b) => b,
        // do_ipv6_setsockopt takes a NULL value as 0 without reading it; the others read it.
        None if len >= 4 && matches!(opt, Sockopt::Ipv6V6only | Sockopt::Ipv6UnicastHops | Sockopt::Ipv6Recvpktinfo | Sockopt::Ipv6Recvhoplimit | Sockopt::Ipv6Recvtclass) => {
            return Ok(0);
        }
        None if len > 0 => return Err(os(Errno::Efault)),
        None => &[],
    };
    let int_at = |at: usize| i32::from_ne_bytes(b[at..at + 4].try_into().unwrap());
    Ok(match b.len() {
        n if is_timeout(opt) && n >= TIMEVAL32 => timeval_micros(b)?,
        n if opt == Sockopt::Linger && n >= 8 => ((int_at(0) as i64) << 32) | int_at(4) as u32 as i64,
        _ if opt == Sockopt::Linger || is_timeout(opt) => return Err(os(Errno::Einval)),
        n if n >= 4 => int_at(0) as i64,
        0 if !matches!(opt, Sockopt::IpTos | Sockopt::IpBindAddressNoPort | Sockopt::IpPktinfo | Sockopt::IpRecvttl | Sockopt::IpRecvtos) => {
            return Err(os(Errno::Einval));
        }
        _ => b.first().map_or(0, |&c| c as i64),
    })
}

/// SO_RCVTIMEO or SO_SNDTIMEO, whose value is a `struct timeval`.
fn is_timeout(opt: Sockopt) -> bool {
    matches!(opt, Sockopt::Rcvtimeo | Sockopt::Sndtimeo)
}

/// The sandbox's `struct timeval` as Python code packs it: `struct.pack("ll", sec, usec)` makes 8
/// bytes in a 32-bit interpreter, which a 32-bit Linux program's kernel reads as two 32-bit
/// numbers; 16 bytes or more are the 64-bit `struct timeval` (`"qq"`, or x86-64's `"ll"`).
const TIMEVAL32: usize = 8;
const TIMEVAL64: usize = 16;

/// A `struct timeval` for SO_RCVTIMEO or SO_SNDTIMEO, as the kernel's `sock_set_timeout` reads it:
/// microseconds in [0, 1,000,000) or EDOM. In microseconds for the host; 0 is no limit, which is
/// also what a value past 292,000 years becomes (the kernel's own "no limit" begins later, at
/// about 10^15 years). A negative number of seconds is -1: the kernel keeps it as a zero timeout,
/// so that each blocking call fails at once, and it reads back as 0 ([`timeval_bytes`]).
fn timeval_micros(b: &[u8]) -> Result<i64, Error> {
    let (sec, usec) = if b.len() >= TIMEVAL64 {
        (i64::from_ne_bytes(b[..8].try_into().unwrap()), i64::from_ne_bytes(b[8..16].try_into().unwrap()))
    } else {
        (i32::from_ne_bytes(b[..4].try_into().unwrap()) as i64, i32::from_ne_bytes(b[4..8].try_into().unwrap()) as i64)
    };
    if !(0..1_000_000).contains(&usec) {
        return Err(os(Errno::Edom));
    }
    if sec < 0 {
        return Ok(-1);
    }
    Ok(sec.checked_mul(1_000_000).and_then(|us| us.checked_add(usec)).unwrap_or(0))
}

/// SO_RCVTIMEO or SO_SNDTIMEO's `micros` as the `struct timeval` of `len` bytes a getsockopt
/// asked for: the 32-bit one below 16 bytes, else the 64-bit one, cut to `len` as the kernel cuts.
/// A negative time's zero timeout reads as no limit does.
fn timeval_bytes(micros: i64, len: i64) -> Vec<u8> {
    let micros = micros.max(0);
    let (sec, usec) = (micros / 1_000_000, micros % 1_000_000);
    let mut b = if len >= TIMEVAL64 as i64 {
        [sec.to_ne_bytes(), usec.to_ne_bytes()].concat()
    } else {
        [(sec as i32).to_ne_bytes(), (usec as i32).to_ne_bytes()].concat()
    };
    b.truncate(len as usize);
    b
}

/// A host address as CPython returns it: `(host, port)` or `(host, port, flowinfo, scope_id)`.
/// CPython's checks of an AF_UNIX name for bind(), connect() and sendto() (`getsockaddrarg`,
/// room for 108 bytes, a path's NUL among them), then the sandbox's: the absolute path the host
/// resolves (a relative name read from the working folder, as the kernel would) and the name the
/// program gave, up to a NUL, as the kernel keeps it. Abstract names, and the empty one with which bind
/// autobinds an abstract name, are shared with every program of the host's network namespace:
/// refused. Any other call given the empty one names no peer, which the kernel finds invalid.
fn unix_path(given: &[u8], binding: bool) -> Result<(Vec<u8>, &[u8]), Error> {
    const SUN_PATH: usize = 108;
    let abstract_name = given.first().is_none_or(|b| *b == 0);
    if given.len() > SUN_PATH || (!abstract_name && given.len() == SUN_PATH) {
        return Err(Error::OsMessage("AF_UNIX path too long".into()));
    }
    if given.is_empty() && !binding {
        return Err(os(Errno::Einval));
    }
    if abstract_name {
        return Err(os_with(
            Errno::Eacces,
            "Permission denied: pysock's sandbox gives AF_UNIX sockets no abstract names (every program of the host could reach them): name a path in a folder the sandbox may write".into(),
        ));
    }
    let name = &given[..given.iter().position(|b| *b == 0).unwrap_or(given.len())];
    if name.starts_with(b"/") {
        return Ok((name.to_vec(), name));
    }
    let mut path = std::env::current_dir().map(|d| d.to_string_lossy().into_owned().into_bytes()).unwrap_or_else(|_| b"/".to_vec());
    if !path.ends_with(b"/") {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    Ok((path, name))
}

/// A sender's address as CPython's recvfrom returns it: an AF_UNIX path as a name.
fn sender_to_python(a: SocketAddress) -> Address {
    match a {
        SocketAddress::Ip(ip) => to_python(&ip),
        SocketAddress::Path(name) => Address::Unix(name),
    }
}

pub fn to_python(a: &IpSocketAddress) -> Address {
    let host = addr::ip_to_string(&a.address);
    match a.address {
        IpAddress::V4(_) => Address::Inet((host, a.port as i64)),
        IpAddress::V6(_) => Address::Inet6((host, a.port as i64, a.flowinfo as i64, a.scope_id as i64)),
    }
}

impl<H: Host> Core<H> {
    pub fn new(host: H) -> Self {
        Core {
            host,
            fds: Vec::new(),
            default_timeout: None,
            tls_buffered: Default::default(),
            epoll_interest: Default::default(),
            sockets_made: 0,
            pipes_made: 0,
        }
    }

    fn insert(&mut self, s: H::Socket) -> Result<i32, Error> {
        self.insert_entry(Entry::Socket(s))
    }

    /// Gives `e` a descriptor: the number the host's shared table claims for it, or else the
    /// lowest free one, as the kernel does. Where no number can be had, `e` closes.
    pub fn insert_entry(&mut self, e: Entry<H>) -> Result<i32, Error> {
        let identity = match e {
            Entry::Socket(_) => {
                self.sockets_made += 1;
                Identity { device: SOCKFS_DEVICE, inode: self.sockets_made }
            }
            Entry::Epoll(_) => EPOLL_IDENTITY,
        };
        self.place(e, std::rc::Rc::new(Description { nonblocking: Default::default(), identity, pipe: None }))
    }

    /// `os.pipe()` and `os.pipe2(flags)`: the read end's descriptor and the write end's, on one
    /// AF_UNIX stream pair from the host (see [`PipeEnd`]).
    pub fn pipe(&mut self, nonblocking: bool) -> Result<(i32, i32), Error> {
        let kind = kind_of(AF_UNIX, SOCK_STREAM).ok_or_else(|| unoffered_type(AF_UNIX, SOCK_STREAM, 0))?;
        let (reader, writer) = self.host.pair(kind).map_err(os)?;
        self.pipes_made += 1;
        let identity = Identity { device: PIPEFS_DEVICE, inode: self.pipes_made };
        let description = |end| std::rc::Rc::new(Description { nonblocking: nonblocking.into(), identity, pipe: Some(end) });
        let r = self.place(Entry::Socket(reader), description(PipeEnd::Read));
        let w = self.place(Entry::Socket(writer), description(PipeEnd::Write));
        match (r, w) {
            (Ok(r), Ok(w)) => Ok((r, w)),
            (Ok(fd), Err(e)) | (Err(e), Ok(fd)) => {
                let _ = self.close_fd(fd);
                Err(e)
            }
            (Err(e), Err(_)) => Err(e),
        }
    }

    /// A descriptor's FD_CLOEXEC (see `Slot`); `None` when it is not one of the core's.
    pub fn close_on_exec(&self, fd: i32) -> Option<bool> {
        self.slot(fd).map(|s| s.close_on_exec.get())
    }

    /// Sets a descriptor's FD_CLOEXEC; false when it is not one of the core's.
    pub fn set_close_on_exec(&self, fd: i32, on: bool) -> bool {
        self.slot(fd).map(|s| s.close_on_exec.set(on)).is_some()
    }

    /// Which end of a pipe `fd` is, if it is one.
    pub fn pipe_end(&self, fd: i32) -> Option<PipeEnd> {
        self.slot(fd).and_then(|s| s.description.pipe)
    }

    /// The readiness the host found for `fd`, as Linux reports it for `fd`: unchanged for a socket,
    /// [`PipeEnd::readiness`] for a pipe's end. A read end whose writers left is readable only
    /// while bytes remain, as pipe_poll says, where a socket reads its end of stream as readable.
    pub fn readiness_of(&self, fd: i32, found: Events) -> Events {
        let Some(end) = self.pipe_end(fd) else { return found };
        let ready = end.readiness(found);
        if end == PipeEnd::Read && ready.contains(Events::HANGUP | Events::READABLE) {
            let mut probe = [MaybeUninit::uninit(); 1];
            let pending = self.get(fd).and_then(|s| self.host.recv(s, &mut probe, MSG_PEEK | MSG_DONTWAIT).ok());
            if pending.is_some_and(|got| got.written == 0) {
                return ready.without(Events::READABLE);
            }
        }
        ready
    }

    /// Gives `e`, on `description`, a descriptor number as [`Core::insert_entry`] says.
    fn place(&mut self, e: Entry<H>, description: std::rc::Rc<Description>) -> Result<i32, Error> {
        let fd = match self.host.claim_descriptor(&|n| self.slot(n).is_none()).map_err(os)? {
            Some(fd) => fd,
            None => (FIRST_FD as usize..).find(|&i| self.fds.get(i).is_none_or(Option::is_none)).unwrap() as i32,
        };
        let i = usize::try_from(fd).map_err(|_| ebadf())?;
        if self.fds.len() <= i {
            self.fds.resize_with(i + 1, || None);
        }
        self.fds[i] = Some(Slot { entry: e, description, close_on_exec: true.into() });
        Ok(fd)
    }

    fn slot(&self, fd: i32) -> Option<&Slot<H>> {
        self.fds.get(usize::try_from(fd).ok()?)?.as_ref()
    }

    /// What an open descriptor stands for.
    pub fn entry(&self, fd: i32) -> Option<&Entry<H>> {
        self.slot(fd).map(|s| &s.entry)
    }

    /// Sets a descriptor's O_NONBLOCK, as CPython's `internal_setblocking` and `fcntl(F_SETFL)` do.
    pub fn set_nonblocking(&mut self, fd: i32, nonblocking: bool) {
        if let Some(slot) = self.slot(fd) {
            slot.description.nonblocking.set(nonblocking);
        }
    }

    /// ioctl(2) on one of the core's descriptors, as Linux answers it; the call's result (0).
    ///
    /// `memory` is what a request reads or writes (an int, or a SIOCGIF* request's 40-byte
    /// `struct ifreq`): CPython's copy of the program's buffer argument, more than 1,024 bytes, or
    /// the buffer itself when larger. `None` when the program passed an integer, which Linux takes
    /// as an address, so a request that reads or writes memory fails with EFAULT (after its own
    /// checks). A socket answers its queues' counts and the urgent mark from the kernel, and the
    /// interface requests ([`ioctl::interface_query`]) from the host, which shows only the
    /// interfaces the sandbox may see; a pipe's ends count the bytes in the pipe, as Linux's do;
    /// every descriptor takes FIONBIO, FIOCLEX and FIONCLEX. A socket or a pipe takes FIOASYNC.
    /// Anything else is ENOTTY (EINVAL on an epoll object).
    pub fn ioctl(&self, fd: i32, request: u32, memory: Option<&mut [u8]>) -> Result<i32, Error> {
        let slot = self.slot(fd).ok_or_else(ebadf)?;
        match request {
            ioctl::FIOCLEX | ioctl::FIONCLEX => {
                slot.close_on_exec.set(request == ioctl::FIOCLEX);
                return Ok(0);
            }
            ioctl::FIONBIO => {
                slot.description.nonblocking.set(ioctl::int_in(memory.as_deref())? != 0);
                return Ok(0);
            }
            _ => {}
        }
        let sock = match (&slot.entry, request) {
            (Entry::Socket(sock), _) => sock,
            // Linux's epoll has no fasync; its own ioctl refuses the rest.
            (Entry::Epoll(_), ioctl::FIOASYNC) => return Err(os(Errno::Enotty)),
            (Entry::Epoll(_), _) => return Err(os(Errno::Einval)),
        };
        if slot.description.pipe.is_none() {
            if let Some(query) = ioctl::interface_query(request) {
                let answer = self.host.query_interface(sock, query, ioctl::ifreq_in(memory.as_deref())?).map_err(os)?;
                if let Some(m) = memory {
                    m[..IFREQ_SIZE].copy_from_slice(&answer);
                }
                return Ok(0);
            }
            let family = || self.host.get_option(sock, Sockopt::Domain).map(|f| f as i32).map_err(os);
            if let Some(refusal) = ioctl::interface_write(request, family)? {
                return Err(os(refusal));
            }
        }
        let value = match (request, slot.description.pipe) {
            // A pipe's bytes wait in its read end's socket, whichever end asks.
            (ioctl::FIONREAD, Some(PipeEnd::Write)) => match self.pipe_reader(slot.description.identity) {
                Some(reader) => self.host.queued(reader, Queue::Unread),
                None => Ok(0),
            },
            (ioctl::FIONREAD, _) => self.host.queued(sock, Queue::Unread),
            (ioctl::TIOCOUTQ, None) => self.host.queued(sock, Queue::Unsent),
            (ioctl::SIOCATMARK, None) => self.host.at_mark(sock).map(u32::from),
            // O_ASYNC, which signals nothing until F_SETOWN names a receiver, and F_SETOWN is EINVAL here.
            (ioctl::FIOASYNC, _) => {
                ioctl::int_in(memory.as_deref())?;
                return Ok(0);
            }
            _ => Err(Errno::Enotty),
        }
        .map_err(os)?;
        ioctl::put_int(memory, value as i32)?;
        Ok(0)
    }

    /// The read end of the pipe whose inode is `identity`, while one is open.
    fn pipe_reader(&self, identity: Identity) -> Option<&H::Socket> {
        self.fds.iter().flatten().find_map(|slot| match (&slot.entry, slot.description.pipe) {
            (Entry::Socket(s), Some(PipeEnd::Read)) if slot.description.identity == identity => Some(s),
            _ => None,
        })
    }

    /// A descriptor's O_NONBLOCK; `None` when it is not open.
    pub fn nonblocking(&self, fd: i32) -> Option<bool> {
        self.slot(fd).map(|s| s.description.nonblocking.get())
    }

    /// What `os.fstat` says a descriptor is ([`Identity`]); `None` when it is not open.
    pub fn identity(&self, fd: i32) -> Option<Identity> {
        self.slot(fd).map(|s| s.description.identity)
    }

    /// read(2) on a socket's descriptor (`os.read`): one receive, which waits for data unless
    /// the descriptor is non-blocking (EAGAIN then), as the kernel's does. A blocking one waits in
    /// the host, as `recv` does, so SO_RCVTIMEO (SO_SNDTIMEO for a write) ends the wait.
    pub fn read_descriptor(&self, fd: i32, into: &mut [MaybeUninit<u8>]) -> Result<usize, CallError> {
        let (sock, mode) = self.descriptor_io(fd, PipeEnd::Read)?;
        let got = self.sock_call(sock, Events::READABLE, mode, None, |waits| {
            if waits { self.host.recv_waiting(sock, into, 0) } else { self.host.recv(sock, into, 0) }
        })?;
        Ok(got.written as usize)
    }

    /// write(2) on a socket's descriptor (`os.write`): one send, as [`Core::read_descriptor`].
    pub fn write_descriptor(&self, fd: i32, data: &[u8]) -> Result<usize, CallError> {
        let (sock, mode) = self.descriptor_io(fd, PipeEnd::Write)?;
        let sent = self.sock_call(sock, Events::WRITABLE, mode, None, |waits| self.send_once(sock, data, 0, waits))?;
        Ok(sent as usize)
    }

    /// The socket and blocking mode for a read (`way` Read) or a write; the other end of a pipe is
    /// EBADF, as a descriptor not open for that way is.
    fn descriptor_io(&self, fd: i32, way: PipeEnd) -> Result<(&H::Socket, Mode), CallError> {
        match self.slot(fd) {
            Some(Slot { entry: Entry::Socket(_), description, .. }) if description.pipe.is_some_and(|end| end != way) => {
                Err(CallError::Os(Errno::Ebadf))
            }
            Some(Slot { entry: Entry::Socket(s), description, .. }) => {
                Ok((s, if description.nonblocking.get() { Mode::NonBlocking } else { Mode::Blocking }))
            }
            // read(2) of an epoll descriptor.
            Some(_) => Err(CallError::Os(Errno::Einval)),
            None => Err(CallError::Os(Errno::Ebadf)),
        }
    }

    /// The host socket behind a descriptor, if it is an open socket.
    pub fn get(&self, fd: i32) -> Option<&H::Socket> {
        match self.entry(fd)? {
            Entry::Socket(s) => Some(s),
            Entry::Epoll(_) => None,
        }
    }

    /// The socket behind a socket object's number: EBADF when nothing holds the number, ENOTSOCK when
    /// something else does (an epoll object, or a file that `os.dup2` moved onto it), as Linux says.
    fn sock(&self, s: &SockObj) -> Result<&H::Socket, Error> {
        self.get(s.fd).ok_or_else(|| match self.entry(s.fd) {
            Some(_) => os(Errno::Enotsock),
            None if self.host.is_open_file(s.fd) => os(Errno::Enotsock),
            None => ebadf(),
        })
    }

    /// `_socket.close(fd)`.
    pub fn close_fd(&mut self, fd: i32) -> Result<(), Error> {
        self.forget(fd)?;
        self.host.release_descriptor(fd);
        Ok(())
    }

    /// The host's shared table closed `fd` itself (`os.close` on a socket's number): what the
    /// descriptor stood for closes, and the number, already free there, is not released again.
    pub fn descriptor_closed(&mut self, fd: i32) {
        let _ = self.forget(fd);
    }

    fn forget(&mut self, fd: i32) -> Result<(), Error> {
        match usize::try_from(fd).ok().and_then(|i| self.fds.get_mut(i)).and_then(Option::take) {
            Some(_) => {
                self.tls_buffered.borrow_mut().remove(&fd);
                let mut interest = self.epoll_interest.borrow_mut();
                interest.remove(&fd);
                for watched in interest.values_mut() {
                    watched.remove(&fd);
                }
                Ok(())
            }
            None => Err(ebadf()),
        }
    }

    /// Open descriptors, for leak checks.
    pub fn open_fds(&self) -> usize {
        self.fds.iter().filter(|s| s.is_some()).count()
    }

    /// `socket(family, type, proto, fileno)`.
    pub fn create(&mut self, family: i32, kind: i32, proto: i32, fileno: Option<i32>) -> Result<SockObj, Error> {
        if let Some(fd) = fileno {
            if fd < 0 {
                return Err(value("negative file descriptor"));
            }
            // Descriptors below FIRST_FD are the interpreter's stdio, and an epoll is no socket
            // either: open, but getsockopt(2) says ENOTSOCK.
            let s = match self.entry(fd) {
                Some(Entry::Socket(_)) if self.pipe_end(fd).is_some() => return Err(os(Errno::Enotsock)),
                Some(Entry::Socket(s)) => s,
                Some(Entry::Epoll(_)) => return Err(os(Errno::Enotsock)),
                None if self.host.is_open_file(fd) => return Err(os(Errno::Enotsock)),
                None => return Err(ebadf()),
            };
            let query = |o| self.host.get_option(s, o).map(|v| v as i32).map_err(os);
            let family = if family == -1 { query(Sockopt::Domain)? } else { family };
            let kind = if kind == -1 { query(Sockopt::SockType)? } else { kind };
            let proto = if proto == -1 { query(Sockopt::Protocol)? } else { proto };
            // As CPython's init_sockobject: the type without its flags, and SOCK_NONBLOCK a timeout of 0.
            let timeout = if kind & SOCK_NONBLOCK != 0 { Some(0.0) } else { self.default_timeout };
            if timeout.is_some() {
                self.set_nonblocking(fd, true);
            }
            return Ok(SockObj { fd, family, kind: kind & !(SOCK_NONBLOCK | SOCK_CLOEXEC), proto, timeout });
        }
        let family = if family == -1 { AF_INET } else { family };
        let kind = if kind == -1 { SOCK_STREAM } else { kind };
        let proto = if proto == -1 { 0 } else { proto };
        let nonblocking = kind & SOCK_NONBLOCK != 0;
        let base = kind & !(SOCK_NONBLOCK | SOCK_CLOEXEC);
        let fam = family_of(family).ok_or_else(|| os(Errno::Eafnosupport))?;
        let k = kind_of(family, base).ok_or_else(|| unoffered_type(family, base, proto))?;
        let s = self.host.create(fam, k, proto).map_err(os)?;
        let fd = self.insert(s)?;
        let timeout = if nonblocking { Some(0.0) } else { self.default_timeout };
        self.set_nonblocking(fd, timeout.is_some());
        Ok(SockObj { fd, family, kind: base, proto, timeout })
    }

    /// `socketpair(family, type, proto)`: AF_UNIX stream, datagram and sequenced-packet pairs from
    /// the host.
    pub fn socketpair(&mut self, family: i32, kind: i32, proto: i32) -> Result<(SockObj, SockObj), Error> {
        let family = if family == -1 { AF_UNIX } else { family };
        let kind = if kind == -1 { SOCK_STREAM } else { kind };
        let proto = if proto == -1 { 0 } else { proto };
        let base = kind & !(SOCK_NONBLOCK | SOCK_CLOEXEC);
        if family != AF_UNIX {
            // Linux makes both sockets before it asks the family for a pair, so their errors come first.
            let probe = self.create(family, kind, proto, None)?;
            let _ = self.close_fd(probe.fd);
            return Err(os(Errno::Eopnotsupp));
        }
        // Linux's AF_UNIX takes protocol 0 or PF_UNIX.
        if proto != 0 && proto != AF_UNIX {
            return Err(os(Errno::Eprotonosupport));
        }
        let host_kind = kind_of(AF_UNIX, base).ok_or_else(|| unoffered_type(family, base, proto))?;
        let (a, b) = self.host.pair(host_kind).map_err(os)?;
        let timeout = if kind & SOCK_NONBLOCK != 0 { Some(0.0) } else { self.default_timeout };
        let mk = |fd| SockObj { fd, family, kind: base, proto, timeout };
        let fa = self.insert(a)?;
        let fb = match self.insert(b) {
            Ok(fd) => fd,
            Err(e) => {
                let _ = self.close_fd(fa);
                return Err(e);
            }
        };
        for fd in [fa, fb] {
            self.set_nonblocking(fd, timeout.is_some());
        }
        Ok((mk(fa), mk(fb)))
    }

    /// `os.dup2(fd, target)`: `target` becomes a duplicate of the socket or pipe end `fd` (its
    /// open file description), closing what it stood for first, as dup2(2); the same number is
    /// `target` at once. The caller has made sure that the host's shared table lets the core have
    /// `target`.
    pub fn dup_onto(&mut self, fd: i32, target: i32, close_on_exec: bool) -> Result<i32, Error> {
        let s = self.get(fd).ok_or_else(ebadf)?;
        let shared = self.slot(fd).map(|s| s.description.clone()).ok_or_else(ebadf)?;
        let i = usize::try_from(target).map_err(|_| ebadf())?;
        if fd == target {
            return Ok(target);
        }
        let d = self.host.duplicate(s).map_err(os)?;
        let _ = self.forget(target);
        if self.fds.len() <= i {
            self.fds.resize_with(i + 1, || None);
        }
        self.fds[i] = Some(Slot { entry: Entry::Socket(d), description: shared, close_on_exec: close_on_exec.into() });
        Ok(target)
    }

    pub fn dup(&mut self, fd: i32) -> Result<i32, Error> {
        let s = self.get(fd).ok_or_else(ebadf)?;
        let shared = self.slot(fd).map(|s| s.description.clone()).ok_or_else(ebadf)?;
        let d = self.host.duplicate(s).map_err(os)?;
        self.place(Entry::Socket(d), shared)
    }

    /// CPython's `setipaddr`: a host string to one address of `family` (AF_UNSPEC: either).
    pub fn setipaddr(&self, name: &str, family: i32) -> Result<IpAddress, Error> {
        if name.is_empty() {
            return Ok(if family == AF_INET6 { addr::v6([0; 16]) } else { addr::v4([0; 4]) });
        }
        if name == "<broadcast>" || name == "255.255.255.255" {
            if family != AF_INET && family != AF_UNSPEC {
                return Err(gai(GaiError::EaiFamily));
            }
            return Ok(addr::v4([255; 4]));
        }
        if family != AF_INET6 {
            if let Some(o) = addr::inet_pton4(name) {
                return Ok(addr::v4(o));
            }
        }
        if family != AF_INET {
            if let Some(o) = addr::inet_pton6(name) {
                return Ok(addr::v6(o));
            }
        }
        let fam = if family == AF_UNSPEC { None } else { family_of(family) };
        let list = self.host.resolve(Some(name), None, fam, 0, 0, 0).map_err(gai)?;
        list.first().map(|a| a.address.address).ok_or_else(|| gai(GaiError::EaiNoname))
    }

    /// CPython's `getsockaddrarg` for a socket of `family` and the call named `caller`.
    pub fn sockaddr(&self, family: i32, a: &Address, caller: &str) -> Result<IpSocketAddress, Error> {
        let port_of = |port: i64| {
            u16::try_from(port).map_err(|_| overflow(&format!("{caller}(): port must be 0-65535.")))
        };
        match (family, a) {
            (AF_INET, Address::Inet((host, port))) => {
                let port = port_of(*port)?;
                let address = self.setipaddr(host, AF_INET)?;
                Ok(IpSocketAddress { address, port, flowinfo: 0, scope_id: 0 })
            }
            (AF_INET6, Address::Inet6((host, port, flowinfo, scope))) => {
                let port = port_of(*port)?;
                let flowinfo = u32::try_from(*flowinfo)
                    .ok()
                    .filter(|f| *f <= 0xfffff)
                    .ok_or_else(|| overflow(&format!("{caller}(): flowinfo must be 0-1048575.")))?;
                let scope_id = u32::try_from(*scope).map_err(|_| overflow("scope_id must be 0-4294967295"))?;
                let address = self.setipaddr(host, AF_INET6)?;
                Ok(IpSocketAddress { address, port, flowinfo, scope_id })
            }
            (AF_INET, _) => Err(type_error(&format!("{caller}(): AF_INET address must be tuple, not other"))),
            (AF_INET6, _) => Err(type_error(&format!("{caller}(): AF_INET6 address must be tuple, not other"))),
            _ => Err(os(Errno::Eafnosupport)),
        }
    }

    /// Where sendto and sendmsg send: an IP address as [`Core::sockaddr`] reads one, or an AF_UNIX
    /// path as bind and connect read one.
    fn destination(&self, family: i32, a: &Address, caller: &str) -> Result<SocketAddress, Error> {
        match (family, a) {
            (AF_UNIX, Address::Unix(name)) => Ok(SocketAddress::Path(unix_path(name, false)?.0)),
            _ => self.sockaddr(family, a, caller).map(SocketAddress::Ip),
        }
    }

    pub fn bind(&self, s: &SockObj, a: &Address) -> Result<(), Error> {
        if let (AF_UNIX, Address::Unix(name)) = (s.family, a) {
            let (path, name) = unix_path(name, true)?;
            return self.host.bind_path(self.sock(s)?, &path, name).map_err(os);
        }
        let addr = self.sockaddr(s.family, a, "bind")?;
        let sock = self.sock(s)?;
        self.host.bind(sock, &addr).map_err(os)
    }

    pub fn listen(&self, s: &SockObj, backlog: Option<i32>) -> Result<(), Error> {
        let backlog = backlog.unwrap_or(SOMAXCONN.min(128)).max(0);
        self.host.listen(self.sock(s)?, backlog).map_err(os)
    }

    pub fn accept(&mut self, s: &SockObj) -> Result<(i32, Address), Error> {
        let sock = self.sock(s)?;
        let accept = || self.host.accept(sock);
        let (conn, peer) = match self.mode(s) {
            Mode::Blocking => self.accept_blocking(sock, accept),
            mode => timeout::sock_call(&self.host, sock, Events::READABLE, mode, None, accept),
        }
        .map_err(call_error)?;
        let peer = match peer {
            Some(p) => to_python(&p),
            None => Address::Unix(self.host.path_name(&conn, true).map_err(os)?),
        };
        Ok((self.insert(conn)?, peer))
    }

    /// A blocking socket's accept: it waits, as accept(2) does, for as long as the listener's
    /// SO_RCVTIMEO allows, then fails with EAGAIN. The limit is read only when no connection is
    /// waiting, so an accept that takes one at once costs no more.
    fn accept_blocking<T>(&self, sock: &H::Socket, mut accept: impl FnMut() -> Result<T, Errno>) -> Result<T, CallError> {
        match timeout::blocking_call(&self.host, &mut accept) {
            Err(CallError::Os(Errno::Eagain)) => {}
            done => return done,
        }
        let micros = self.host.get_option(sock, Sockopt::Rcvtimeo).map_err(CallError::Os)?;
        if micros < 0 {
            // A negative time's zero timeout: the accept(2) above was the only try.
            return Err(CallError::Os(Errno::Eagain));
        }
        let mode = if micros > 0 { Mode::Deadline(Duration::from_micros(micros as u64)) } else { Mode::Blocking };
        timeout::sock_call(&self.host, sock, Events::READABLE, mode, None, accept).map_err(|e| match e {
            CallError::Timeout => CallError::Os(Errno::Eagain),
            e => e,
        })
    }

    /// `connect` and `connect_ex`: start, then (unless non-blocking) wait writable and read SO_ERROR.
    pub fn connect(&self, s: &SockObj, a: &Address) -> Result<(), Error> {
        if let (AF_UNIX, Address::Unix(name)) = (s.family, a) {
            // unix(7)'s connect never waits for a handshake: it succeeds or fails at once, but for
            // a blocking socket's, which waits inside the host while the listener's backlog is
            // full. With a timeout it is EAGAIN at once, as CPython's is.
            let (path, sock) = (unix_path(name, false)?.0, self.sock(s)?);
            let waits = self.mode(s) == Mode::Blocking;
            return timeout::blocking_call(&self.host, || self.host.connect_path(sock, &path, waits)).map_err(call_error);
        }
        let addr = self.sockaddr(s.family, a, "connect")?;
        let sock = self.sock(s)?;
        let mode = self.mode(s);
        // The same connect with a timeout, made again after a signal handler ran: its connection
        // is on its way, and it goes on waiting until the deadline it had, as CPython's loop does.
        let resumed = if matches!(mode, Mode::Deadline(_)) { self.host.resumed_deadline() } else { None };
        // A blocking connect(2) of a socket whose connection is already on its way (EALREADY)
        // waits for it too, as the kernel's does.
        let connected = if resumed.is_some() { Err(Errno::Einprogress) } else { self.host.connect(sock, &addr) };
        let on_its_way = match connected {
            Ok(()) => return Ok(()),
            Err(Errno::Einprogress) if mode != Mode::NonBlocking => Errno::Einprogress,
            Err(Errno::Ealready) if mode == Mode::Blocking => Errno::Ealready,
            Err(e) => return Err(os(e)),
        };
        // A blocking connect(2) waits at most the socket's SO_SNDTIMEO, then fails with what it
        // found, the connection still on its way.
        let (waits, limited) = match mode {
            Mode::Blocking => match self.host.get_option(sock, Sockopt::Sndtimeo).map_err(os)? {
                // A negative time's zero timeout: connect(2) does not wait at all.
                micros if micros < 0 => return Err(os(on_its_way)),
                micros if micros > 0 => (Mode::Deadline(Duration::from_micros(micros as u64)), true),
                _ => (mode, false),
            },
            _ => (mode, false),
        };
        // On loopback the handshake has usually finished by now: asking the kernel again at once
        // ends a blocking connect without a wait's poll and SO_ERROR. It answers as its own blocking
        // connect(2) would: 0, or the failure with the socket disconnected for the next attempt.
        if mode == Mode::Blocking && on_its_way == Errno::Einprogress {
            match self.host.connect(sock, &addr) {
                Ok(()) | Err(Errno::Eisconn) => return Ok(()),
                Err(Errno::Ealready | Errno::Einprogress) => {}
                Err(e) => return Err(os(e)),
            }
        }
        let mut deadline = resumed;
        loop {
            match timeout::wait(&self.host, sock, Events::WRITABLE, waits, &mut deadline) {
                Err(CallError::Timeout) if limited => return Err(os(on_its_way)),
                waited => waited.map_err(call_error)?,
            }
            match self.host.take_error(sock).map_err(os)? {
                None | Some(Errno::Eisconn) => {}
                Some(Errno::Eintr | Errno::Eagain) => continue,
                Some(e) => {
                    if mode == Mode::Blocking {
                        // A blocking connect(2) that fails disconnects the socket (connect with
                        // AF_UNSPEC), so the next connect is a new attempt. The non-blocking one
                        // we waited on leaves the failed attempt in place, and its next connect
                        // would fail with ECONNABORTED, as timeout mode's does natively.
                        let _ = self.host.disconnect(sock);
                    }
                    return Err(os(e));
                }
            }
            if mode == Mode::Blocking {
                // A blocking connect(2) consumes the kernel's one-time "0" that reports completion,
                // so a later connect() sees EISCONN; calling connect again does the same here.
                return match self.host.connect(sock, &addr) {
                    Ok(()) | Err(Errno::Eisconn) => Ok(()),
                    Err(Errno::Ealready | Errno::Einprogress) => continue,
                    Err(e) => Err(os(e)),
                };
            }
            // Writable with no pending error can still mean "not yet" on a spurious wakeup.
            return match self.host.remote_address(sock) {
                Err(Errno::Enotconn) => continue,
                _ => Ok(()),
            };
        }
    }

    pub fn connect_ex(&self, s: &SockObj, a: &Address) -> Result<(), Error> {
        self.connect(s, a).map_err(|e| match e {
            // connect_ex reports a timeout as EWOULDBLOCK, like CPython's SOCK_TIMEOUT_ERR.
            Error::Timeout(_) => os(Errno::Eagain),
            other => other,
        })
    }

    /// How a call on `s` waits: as its timeout says, except where its descriptor's O_NONBLOCK was
    /// changed behind its back (`os.set_blocking`, or `setblocking` on a duplicate, which shares
    /// the flag). Without a timeout, or with 0, CPython makes the system call straight away and
    /// the flag decides whether the kernel waits: a socket with no timeout then meets EAGAIN, and
    /// one with 0 waits. With a timeout CPython waits for readiness first, whatever the flag.
    fn mode(&self, s: &SockObj) -> Mode {
        match Mode::of(s.timeout) {
            Mode::Blocking if self.nonblocking(s.fd) == Some(true) => Mode::NonBlocking,
            Mode::NonBlocking if self.nonblocking(s.fd) == Some(false) => Mode::Blocking,
            mode => mode,
        }
    }

    /// How a call with `flags` waits. On a blocking socket, whose descriptor CPython leaves
    /// blocking, MSG_DONTWAIT makes the call not wait; so does MSG_ERRQUEUE, which the kernel
    /// answers at once (AF_UNIX ignores that flag). With a timeout CPython waits for readiness
    /// before the call whatever its flags (`sock_call_ex`), so either flag still waits, up to the
    /// timeout, and ends in TimeoutError.
    fn call_mode(&self, s: &SockObj, flags: i32) -> Mode {
        match self.mode(s) {
            Mode::Blocking if flags & MSG_DONTWAIT != 0 => Mode::NonBlocking,
            Mode::Blocking if flags & MSG_ERRQUEUE != 0 && s.family != AF_UNIX => Mode::NonBlocking,
            mode => mode,
        }
    }

    pub fn send(&self, s: &SockObj, data: &[u8], flags: i32) -> Result<u64, Error> {
        let sock = self.sock(s)?;
        let mode = self.call_mode(s, flags);
        let n = self.sock_call(sock, Events::WRITABLE, mode, None, |waits| self.send_once(sock, data, flags, waits)).map_err(call_error)?;
        self.sent(n, data.len(), mode)
    }

    /// A socket call in `mode` as CPython's `sock_call` makes it: `op(waits)` makes the host call.
    /// A blocking socket's call waits inside the host (`waits`), as the system call would inside
    /// the kernel, and with it the socket's SO_RCVTIMEO or SO_SNDTIMEO; a socket with a timeout, or
    /// a non-blocking one, makes plain calls around the guest's readiness waits
    /// ([`timeout::sock_call`]).
    fn sock_call<T>(&self, sock: &H::Socket, interest: Events, mode: Mode, deadline: Option<Duration>, mut op: impl FnMut(bool) -> Result<T, Errno>) -> Result<T, CallError> {
        match mode {
            Mode::Blocking => timeout::blocking_call(&self.host, || op(true)),
            _ => timeout::sock_call(&self.host, sock, interest, mode, deadline, || op(false)),
        }
    }

    /// One host send. A blocking socket's (`waits`) waits in the host for room until every byte
    /// went, as send(2) on a blocking socket does, so `send` returns the whole length as on Linux.
    fn send_once(&self, sock: &H::Socket, data: &[u8], flags: i32, waits: bool) -> Result<u32, Errno> {
        if waits { self.host.send_waiting(sock, data, flags) } else { self.host.send(sock, data, flags) }
    }

    /// What a send of `asked` bytes returns once `n` went: the count, and a SIGINT that cut a
    /// blocking one short is the program's now ([`Core::after_send`]); its handler runs once the
    /// call returned.
    fn sent(&self, n: u32, asked: usize, mode: Mode) -> Result<u64, Error> {
        match self.after_send(n, asked, mode) {
            Ok(()) | Err(CallError::HandBack) => Ok(u64::from(n)),
            Err(e) => Err(call_error(e)),
        }
    }

    /// After a send of `asked` bytes of which `n` went: a blocking one that sent fewer was cut
    /// short, by a SIGINT (or an error), which is taken now ([`timeout::after_partial_send`]).
    fn after_send(&self, n: u32, asked: usize, mode: Mode) -> Result<(), CallError> {
        if mode == Mode::Blocking && (n as usize) < asked { timeout::after_partial_send(&self.host) } else { Ok(()) }
    }

    /// `sendall`: one deadline for the whole buffer, checked before each chunk. `sent` is how much
    /// of `data` went, kept when the call is handed back for a signal handler
    /// ([`CallError::HandBack`]), so that the call made again goes on from there.
    pub fn sendall(&self, s: &SockObj, data: &[u8], flags: i32, sent: &mut usize) -> Result<(), Error> {
        let sock = self.sock(s)?;
        let mode = self.call_mode(s, flags);
        let deadline = match mode {
            Mode::Deadline(t) => Some(timeout::deadline(&self.host, t)),
            _ => None,
        };
        loop {
            if let Some(d) = deadline {
                if self.host.now() >= d {
                    return Err(timed_out());
                }
            }
            if *sent >= data.len() {
                return Ok(());
            }
            let left = &data[*sent..];
            let n = self.sock_call(sock, Events::WRITABLE, mode, deadline, |waits| self.send_once(sock, left, flags, waits)).map_err(call_error)?;
            *sent += n as usize;
            self.after_send(n, left.len(), mode).map_err(call_error)?;
        }
    }

    pub fn sendto(&self, s: &SockObj, data: &[u8], flags: i32, a: &Address) -> Result<u64, Error> {
        let addr = self.destination(s.family, a, "sendto")?;
        let sock = self.sock(s)?;
        let mode = self.call_mode(s, flags);
        let n = self.sock_call(sock, Events::WRITABLE, mode, None, |waits| {
            if waits { self.host.send_to_waiting(sock, data, flags, &addr) } else { self.host.send_to(sock, data, flags, &addr) }
        })
        .map_err(call_error)?;
        self.sent(n, data.len(), mode)
    }

    /// `recv` and `recv_into`: CPython's `sock_recv_guts` into `into`, at most `bufsize` bytes.
    /// What comes back says how many bytes were written there and the count to return (more than
    /// that with MSG_TRUNC); `recv` makes its bytes object that long.
    pub fn recv<L: Landing + ?Sized>(&self, s: &SockObj, into: &mut L, bufsize: i64, flags: i32) -> Result<Received, Error> {
        let op = |sock: &H::Socket, into: &mut [MaybeUninit<u8>], waits: bool| {
            if waits { self.host.recv_waiting(sock, into, flags) } else { self.host.recv(sock, into, flags) }.map(|got| (got, None))
        };
        Ok(self.receive(s, into, bufsize, flags, "recv", op)?.0)
    }

    /// `recvfrom` and `recvfrom_into` (named by `caller` in errors): as [`Core::recv`], with the
    /// sender's address.
    pub fn recvfrom<L: Landing + ?Sized>(&self, s: &SockObj, into: &mut L, bufsize: i64, flags: i32, caller: &str) -> Result<(Received, Option<Address>), Error> {
        let op = |sock: &H::Socket, into: &mut [MaybeUninit<u8>], waits: bool| {
            if waits { self.host.recv_from_waiting(sock, into, flags) } else { self.host.recv_from(sock, into, flags) }
        };
        let (got, from) = self.receive(s, into, bufsize, flags, caller, op)?;
        Ok((got, from.map(sender_to_python)))
    }

    /// `recvmsg` and `recvmsg_into`: as [`Core::recvfrom`], with recvmsg(2)'s `msg_flags` and the
    /// descriptors that arrived. A datagram longer than `bufsize` sets MSG_TRUNC there, so datagram
    /// sockets receive with MSG_TRUNC to learn the length and report only what landed unless the
    /// caller asked for it. On an AF_UNIX socket, sockets passed in an SCM_RIGHTS message arrive
    /// as new descriptors ([`Core::arrive`]), as many as `control_room` (ancbufsize) holds, the
    /// rest closed with MSG_CTRUNC, as the kernel does. With room, an IP socket's control messages
    /// (those IP_PKTINFO and the like ask for) come as the kernel wrote them.
    pub fn recvmsg<L: Landing + ?Sized>(&mut self, s: &SockObj, into: &mut L, bufsize: i64, control_room: i64, flags: i32) -> Result<(Received, Option<Address>, i32, Ancillary), Error> {
        if bufsize < 0 {
            return Err(value("negative buffer size in recvmsg()"));
        }
        let datagram = s.kind != SOCK_STREAM;
        let asked = if datagram { flags | MSG_TRUNC } else { flags };
        // A datagram socket's options may have asked for control messages, which a receive with
        // no room for them reports with MSG_CTRUNC; a TCP socket's never come.
        let (mut got, from, mut msg_flags, arrived, control) = if s.family == AF_UNIX || datagram || control_room > 0 {
            let room = u32::try_from(control_room).unwrap_or(u32::MAX);
            let arrived = std::cell::RefCell::new((Vec::new(), Vec::new(), 0));
            let op = |sock: &H::Socket, into: &mut [MaybeUninit<u8>], waits: bool| {
                let message = self.host.receive_with_descriptors(sock, into, asked, room, waits)?;
                let mut arrived = arrived.borrow_mut();
                arrived.0.extend(message.descriptors);
                arrived.1.extend(message.control);
                arrived.2 |= message.flags & MSG_CTRUNC;
                Ok((message.received, message.from))
            };
            let (got, from) = self.receive(s, into, bufsize, asked, "recvmsg", op)?;
            let (sockets, control, truncated) = arrived.into_inner();
            (got, from.map(sender_to_python), truncated, sockets, control)
        } else {
            let (got, from) = self.recvfrom(s, into, bufsize, asked, "recvmsg")?;
            (got, from, 0, Vec::new(), Vec::new())
        };
        if datagram && got.length > bufsize as u64 {
            msg_flags |= MSG_TRUNC;
        }
        if flags & MSG_TRUNC == 0 {
            got.length = got.length.min(got.written as u64);
        }
        let mut descriptors = Vec::with_capacity(arrived.len());
        for (sock, word) in arrived {
            match self.arrive(sock, word) {
                Ok(fd) => descriptors.push(fd),
                // No number for it: closed, as the kernel closes what it cannot install.
                Err(_) => msg_flags |= MSG_CTRUNC,
            }
        }
        Ok((got, from, msg_flags, Ancillary { control, descriptors }))
    }

    /// `sendmsg`: the buffers, gathered, go as one send or sendto, and with them the descriptors
    /// of SCM_RIGHTS control messages (`(level, type, data)`), whose sockets the host passes in
    /// one message of its own. The other control messages are judged as Linux judges them where
    /// that judgement is the same in the sandbox (ignored, or EINVAL); those that would carry the
    /// host's credentials or set options of the host's packets are refused ([`refused_control`]).
    pub fn sendmsg(&self, s: &SockObj, data: &[u8], control: &[(i32, i32, Vec<u8>)], flags: i32, to: Option<&Address>) -> Result<u64, Error> {
        let unix = s.family == AF_UNIX;
        let mut fds = Vec::new();
        for (level, kind, bytes) in control {
            match (*level, *kind) {
                // As the kernel reads them: whole ints, a short tail ignored. An IP socket's
                // kernel ignores descriptors and credentials without looking at them.
                (SOL_SOCKET, SCM_RIGHTS) if unix => fds.extend(bytes.chunks_exact(4).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))),
                (SOL_SOCKET, SCM_RIGHTS | SCM_CREDENTIALS) if !unix => {}
                (SOL_SOCKET, SCM_CREDENTIALS) => return Err(refused_control("credentials")),
                (SOL_SOCKET, SO_PRIORITY | SO_MARK | SO_TIMESTAMPING_OLD | SCM_TXTIME | SO_TIMESTAMPING_NEW) if !unix => {
                    return Err(refused_control("per-packet socket options"));
                }
                (SOL_SOCKET, _) => return Err(os(Errno::Einval)),
                // unix(7)'s kernel looks at SOL_SOCKET's messages only.
                _ if unix => {}
                _ => return Err(refused_control("per-packet IP options")),
            }
        }
        if fds.is_empty() {
            // An SCM_RIGHTS message with no descriptor is no message at all to the kernel.
            return match to {
                Some(a) => self.sendto(s, data, flags, a),
                None => self.send(s, data, flags),
            };
        }
        // Linux's SCM_MAX_FD, checked before the descriptors are looked at, as the kernel does.
        if fds.len() > MOST_DESCRIPTORS_SENT {
            return Err(os(Errno::Einval));
        }
        let passed = fds.iter().map(|&fd| self.passable(fd)).collect::<Result<Vec<_>, Error>>()?;
        let to = to.map(|a| self.destination(s.family, a, "sendmsg")).transpose()?;
        let sock = self.sock(s)?;
        let mode = self.call_mode(s, flags);
        let n = self
            .sock_call(sock, Events::WRITABLE, mode, None, |waits| self.host.send_with_descriptors(sock, data, flags, &passed, to.as_ref(), waits))
            .map_err(|e| match e {
                // The host's refusal (a dual-stack wildcard's stand-in) comes with its reason.
                CallError::Os(Errno::Eopnotsupp) => Error::Os(OsError { code: Errno::Eopnotsupp, message: errno::message(Errno::Eopnotsupp).into(), host_reason: true }),
                e => call_error(e),
            })?;
        self.sent(n, data.len(), mode)
    }

    /// The socket behind descriptor `fd`, for an SCM_RIGHTS message, with the word that brings
    /// its open file description's state along ([`Carried`]). EBADF for a number that is not open.
    /// Only sockets and pipes can go: a file or an epoll instance has no kernel socket behind it
    /// in the host, and a file's kernel descriptor would be the host's.
    fn passable(&self, fd: i32) -> Result<(&H::Socket, u64), Error> {
        let what = match self.slot(fd) {
            Some(Slot { entry: Entry::Socket(sock), description, .. }) => return Ok((sock, Carried::of(description).word())),
            Some(_) => "epoll objects",
            None if self.host.is_open_file(fd) => "files",
            None => return Err(ebadf()),
        };
        Err(os_with(Errno::Eopnotsupp, format!("Operation not supported: pysock's sandbox passes sockets and pipes in SCM_RIGHTS messages, not {what}")))
    }

    /// Gives a socket that arrived in an SCM_RIGHTS message a descriptor. It shares the open file
    /// description of the descriptor it was sent from while one is open, as the kernel's passed
    /// descriptor does (O_NONBLOCK, its identity, a pipe's end); otherwise it gets one like that
    /// description was when it left, or, for a word the host no longer knew (0), a new socket's.
    fn arrive(&mut self, sock: H::Socket, word: u64) -> Result<i32, Error> {
        let Some(carried) = Carried::from_word(word) else { return self.insert(sock) };
        let live = self.fds.iter().flatten().find(|slot| slot.description.identity == carried.identity && slot.description.pipe == carried.pipe);
        let description = match live {
            Some(slot) => slot.description.clone(),
            None => std::rc::Rc::new(Description { nonblocking: carried.nonblocking.into(), identity: carried.identity, pipe: carried.pipe }),
        };
        self.place(Entry::Socket(sock), description)
    }

    /// A blocking recv(2) of zero bytes returns at once; the non-blocking host says EAGAIN.
    fn receive_nothing<T>(got: Result<T, Errno>, nothing: T) -> Result<T, Error> {
        match got {
            Err(Errno::Eagain) => Ok(nothing),
            other => other.map_err(os),
        }
    }

    /// CPython's `sock_recv_guts` and `sock_recvfrom_guts` over `op` (one host receive into the
    /// memory it is given, which may wait for bytes itself when told to, as a blocking socket's
    /// does): the timeout mode, and MSG_WAITALL on a blocking stream socket, which the kernel
    /// would wait out but the host's never-blocking socket cannot.
    fn receive<L: Landing + ?Sized>(
        &self,
        s: &SockObj,
        into: &mut L,
        bufsize: i64,
        flags: i32,
        caller: &str,
        op: impl Fn(&H::Socket, &mut [MaybeUninit<u8>], bool) -> Result<(Received, Option<SocketAddress>), Errno>,
    ) -> Result<(Received, Option<SocketAddress>), Error> {
        if bufsize < 0 {
            return Err(value(&format!("negative buffersize in {caller}")));
        }
        let sock = self.sock(s)?;
        let mode = self.call_mode(s, flags);
        if bufsize == 0 && mode == Mode::Blocking {
            return Self::receive_nothing(op(sock, &mut [], false), (Received::default(), None));
        }
        let wanted = bufsize as u64;
        let call = |into: &mut [MaybeUninit<u8>]| self.sock_call(sock, Events::READABLE, mode, None, |waits| op(sock, into, waits));
        let first = into.room(0, wanted.min(MOST_PER_RECEIVE as u64) as usize);
        let (mut got, from) = call(first).map_err(call_error)?;
        let waits_for_all = flags & MSG_WAITALL != 0 && flags & MSG_PEEK == 0 && s.kind == SOCK_STREAM;
        if waits_for_all && mode == Mode::Blocking {
            // recv(2) with MSG_WAITALL returns early at the end of the stream or on an error, with
            // what arrived so far; the error waits for the next call, as it does here.
            while got.length > 0 && got.length < wanted {
                let left = (wanted - got.length).min(MOST_PER_RECEIVE as u64) as usize;
                let room = into.room(got.written, left);
                if room.is_empty() {
                    break;
                }
                match call(room) {
                    Ok((more, _)) if more.length > 0 => {
                        got.written += more.written;
                        got.length += more.length;
                    }
                    _ => break,
                }
            }
        }
        Ok((got, from))
    }

    pub fn shutdown(&self, s: &SockObj, how: i32) -> Result<(), Error> {
        let sock = self.sock(s)?;
        let how = match how {
            0 => ShutdownHow::Read,
            1 => ShutdownHow::Write,
            2 => ShutdownHow::Both,
            _ => return Err(os(Errno::Einval)),
        };
        self.host.shutdown(sock, how).map_err(os)
    }

    pub fn getsockname(&self, s: &SockObj) -> Result<Address, Error> {
        let sock = self.sock(s)?;
        if s.family == AF_UNIX {
            return Ok(Address::Unix(self.host.path_name(sock, false).map_err(os)?));
        }
        let a = self.host.local_address(sock).map_err(os)?;
        Ok(a.map(|a| to_python(&a)).unwrap_or(Address::Unix(Vec::new())))
    }

    pub fn getpeername(&self, s: &SockObj) -> Result<Address, Error> {
        let sock = self.sock(s)?;
        if s.family == AF_UNIX {
            return Ok(Address::Unix(self.host.path_name(sock, true).map_err(os)?));
        }
        let a = self.host.remote_address(sock).map_err(os)?;
        Ok(a.map(|a| to_python(&a)).unwrap_or(Address::Unix(Vec::new())))
    }

    pub fn setsockopt(&self, s: &SockObj, level: i32, name: i32, v: &OptionArgument) -> Result<(), Error> {
        let sock = self.sock(s)?;
        if matches!(v, OptionArgument::Null(len) if *len < 0) {
            // setsockopt(2) refuses a negative length before it looks at the level or the option.
            return Err(os(Errno::Einval));
        }
        if let Some(opt) = byte_option(level, name) {
            // The kernel reads these bytes as they stand; an int is the C int CPython passes.
            let int;
            let value = match v {
                OptionArgument::Int(i) => match i32::try_from(*i) {
                    Ok(i) => {
                        int = i.to_ne_bytes();
                        OptionBytes::Bytes(&int)
                    }
                    Err(_) => return Err(overflow("Python int too large to convert to C int")),
                },
                OptionArgument::Bytes(b) => OptionBytes::Bytes(b),
                OptionArgument::Null(len) => match u32::try_from(*len) {
                    Ok(len) => OptionBytes::Null(len),
                    Err(_) => return Err(os(Errno::Einval)),
                },
            };
            return self.host.set_option_bytes(sock, opt, value).map_err(os);
        }
        let opt = typed_option(s.family, level, name)?;
        let value = match v {
            // An int goes to the kernel as a C int, four bytes.
            OptionArgument::Int(i) => match i32::try_from(*i) {
                Ok(i) => option_value(opt, 4, Some(&i.to_ne_bytes()))?,
                Err(_) => return Err(overflow("Python int too large to convert to C int")),
            },
            OptionArgument::Bytes(b) => option_value(opt, i32::try_from(b.len()).unwrap_or(i32::MAX), Some(b))?,
            OptionArgument::Null(len) => option_value(opt, *len, None)?,
        };
        let wide = opt == Sockopt::Linger || is_timeout(opt);
        if !wide && i32::try_from(value).is_err() {
            return Err(overflow("Python int too large to convert to C int"));
        }
        self.host.set_option(sock, opt, value).map_err(os)
    }

    pub fn getsockopt(&self, s: &SockObj, level: i32, name: i32, buflen: Option<i64>) -> Result<OptionValue, Error> {
        // CPython reads a buflen of 0 as "no buflen": the option comes back as an int. It checks the
        // range before it calls getsockopt(2), so even a closed socket's answer is this one.
        let buflen = buflen.filter(|len| *len != 0);
        if let Some(len) = buflen {
            if !(1..=1024).contains(&len) {
                return Err(Error::OsMessage("getsockopt buflen out of range".into()));
            }
        }
        let sock = self.sock(s)?;
        if (level, name, buflen) == (SOL_SOCKET, SO_ERROR, None) {
            // As an int, the adapter needs the name to give its own errno number; raw bytes (below)
            // carry Linux's number, which is what they mean.
            return Ok(match self.host.take_error(sock).map_err(os)? {
                None => OptionValue::Int(0),
                Some(e) => OptionValue::Error(e),
            });
        }
        if let Some(opt) = byte_option(level, name) {
            // Without a buflen, CPython asks for a C int: the option's first four bytes.
            let length = buflen.unwrap_or(4) as u32;
            let mut bytes = self.host.get_option_bytes(sock, opt, length).map_err(os)?;
            bytes.truncate(length as usize);
            if buflen.is_some() {
                return Ok(OptionValue::Bytes(bytes));
            }
            let mut int = [0; 4];
            int.iter_mut().zip(&bytes).for_each(|(i, b)| *i = *b);
            return Ok(OptionValue::Int(i32::from_ne_bytes(int).into()));
        }
        let opt = typed_option(s.family, level, name)?;
        let v = self.host.get_option(sock, opt).map_err(os)?;
        let timeout = is_timeout(opt);
        Ok(match buflen {
            None if opt == Sockopt::Linger => OptionValue::Int(v >> 32),
            // An int reads the first four bytes: the seconds.
            None if timeout => OptionValue::Int((v / 1_000_000) as i32 as i64),
            None => OptionValue::Int(v),
            Some(len) if timeout => OptionValue::Bytes(timeval_bytes(v, len)),
            Some(len) if opt == Sockopt::Linger => {
                let mut b = ((v >> 32) as i32).to_ne_bytes().to_vec();
                b.extend_from_slice(&(v as i32).to_ne_bytes());
                b.truncate(len as usize);
                OptionValue::Bytes(b)
            }
            Some(len) => OptionValue::Bytes(raw_int(v as i32, len)),
        })
    }

    pub fn settimeout(&mut self, s: &mut SockObj, t: Option<f64>) -> Result<(), Error> {
        let t = parse_timeout(t)?;
        self.sock(s)?;
        s.timeout = t;
        self.set_nonblocking(s.fd, t.is_some());
        Ok(())
    }

    pub fn setblocking(&mut self, s: &mut SockObj, blocking: bool) -> Result<(), Error> {
        self.settimeout(s, if blocking { None } else { Some(0.0) })
    }

    /// `getaddrinfo` after the adapter turned host and port into text.
    pub fn getaddrinfo(
        &self,
        host: Option<&str>,
        port: Option<&str>,
        family: i32,
        kind: i32,
        proto: i32,
        flags: i32,
    ) -> Result<Vec<AddrInfo>, Error> {
        let fam = match family {
            AF_UNSPEC => None,
            f => Some(family_of(f).ok_or_else(|| gai(GaiError::EaiFamily))?),
        };
        let list = self.host.resolve(host, port, fam, kind, proto, flags).map_err(gai)?;
        Ok(list
            .into_iter()
            .map(|a| AddrInfo {
                family: match a.family {
                    Family::Inet6 => AF_INET6,
                    Family::Unix => AF_UNIX,
                    Family::Inet => AF_INET,
                },
                kind: a.socket_type,
                proto: a.protocol,
                canonname: a.canonical_name,
                address: to_python(&a.address),
            })
            .collect())
    }

    pub fn getnameinfo(&self, a: &Address, flags: i32) -> Result<(String, String), Error> {
        let (host, port, flowinfo, scope) = match a {
            Address::Inet((h, p)) => (h, *p, 0, 0),
            Address::Inet6((h, p, f, s)) => (h, *p, *f, *s),
            Address::Unix(_) => return Err(type_error("getnameinfo() argument 1 must be a tuple")),
        };
        // CPython prints the port with "%d" as the service for getaddrinfo, which refuses a minus
        // sign and keeps the low 16 bits of anything larger (glibc's numeric services).
        if port < 0 {
            return Err(gai(GaiError::EaiService));
        }
        let port = port as u16;
        let flowinfo = u32::try_from(flowinfo)
            .ok()
            .filter(|f| *f <= 0xfffff)
            .ok_or_else(|| overflow("getnameinfo(): flowinfo must be 0-1048575."))?;
        let list = self
            .host
            .resolve(Some(host), Some(&port.to_string()), None, SOCK_DGRAM, 0, AI_NUMERICHOST)
            .map_err(gai)?;
        if list.len() > 1 {
            return Err(Error::OsMessage("sockaddr resolved to multiple addresses".into()));
        }
        let mut sa = list.first().ok_or_else(|| gai(GaiError::EaiNoname))?.address;
        if let IpAddress::V6(_) = sa.address {
            sa.flowinfo = flowinfo;
            sa.scope_id = scope as u32;
        } else if matches!(a, Address::Inet6(_)) {
            return Err(Error::OsMessage("IPv4 sockaddr must be 2 tuple".into()));
        }
        self.host.name_info(&sa, flags).map_err(gai)
    }

    pub fn gethostbyname(&self, name: &str) -> Result<String, Error> {
        Ok(addr::ip_to_string(&self.setipaddr(name, AF_INET)?))
    }

    pub fn gethostbyname_ex(&self, name: &str) -> Result<(String, Vec<String>, Vec<String>), Error> {
        let list = self.host.resolve(Some(name), None, Some(Family::Inet), SOCK_STREAM, 0, AI_CANONNAME).map_err(gai)?;
        let canon = list.first().map(|a| a.canonical_name.clone()).filter(|c| !c.is_empty()).unwrap_or(name.to_string());
        let mut addrs: Vec<String> = Vec::new();
        for a in &list {
            let text = addr::ip_to_string(&a.address.address);
            if !addrs.contains(&text) {
                addrs.push(text);
            }
        }
        Ok((canon, Vec::new(), addrs))
    }

    /// `if_nameindex()`: the host's interfaces, (index, name).
    pub fn if_nameindex(&self) -> Result<Vec<(u32, String)>, Error> {
        self.host.interfaces().map_err(os)
    }

    /// `if_nametoindex(name)`, the name as CPython's FS converter made it bytes. Linux's answers 0
    /// for a name it does not know, or one longer than IF_NAMESIZE, and CPython says so without an
    /// errno.
    pub fn if_nametoindex(&self, name: &[u8]) -> Result<u32, Error> {
        let interfaces = self.if_nameindex()?;
        let found = interfaces.iter().find(|(_, n)| n.as_bytes() == name);
        found.map(|&(index, _)| index).ok_or_else(|| Error::OsMessage("no interface with this name".into()))
    }

    /// `if_indextoname(index)`: ENXIO, as Linux's, for an index no interface has (0 included).
    pub fn if_indextoname(&self, index: u32) -> Result<String, Error> {
        let interfaces = self.if_nameindex()?;
        interfaces.into_iter().find(|&(i, _)| i == index).map(|(_, name)| name).ok_or_else(|| os(Errno::Enxio))
    }

    pub fn gethostbyaddr(&self, name: &str) -> Result<(String, Vec<String>, Vec<String>), Error> {
        let ip = self.setipaddr(name, AF_UNSPEC)?;
        let sa = IpSocketAddress { address: ip, port: 0, flowinfo: 0, scope_id: 0 };
        let (host, _) = self.host.name_info(&sa, NI_NAMEREQD).map_err(|_| Error::Herror((1, "Unknown host".into())))?;
        Ok((host, Vec::new(), vec![addr::ip_to_string(&ip)]))
    }
}

fn raw_int(v: i32, len: i64) -> Vec<u8> {
    let mut b = v.to_ne_bytes().to_vec();
    b.truncate(len as usize);
    b
}

/// `inet_aton`.
pub fn inet_aton(text: &str) -> Result<Vec<u8>, Error> {
    addr::inet_aton(text)
        .map(|o| o.to_vec())
        .ok_or_else(|| Error::OsMessage("illegal IP address string passed to inet_aton".into()))
}

/// `inet_ntoa`.
pub fn inet_ntoa(packed: &[u8]) -> Result<String, Error> {
    let o: [u8; 4] = packed.try_into().map_err(|_| Error::OsMessage("packed IP wrong length for inet_ntoa".into()))?;
    Ok(addr::ip_to_string(&addr::v4(o)))
}

/// `inet_pton`.
pub fn inet_pton(family: i32, text: &str) -> Result<Vec<u8>, Error> {
    let bad = || Error::OsMessage("illegal IP address string passed to inet_pton".into());
    match family {
        AF_INET => addr::inet_pton4(text).map(|o| o.to_vec()).ok_or_else(bad),
        AF_INET6 => addr::inet_pton6(text).map(|o| o.to_vec()).ok_or_else(bad),
        _ => Err(os(Errno::Eafnosupport)),
    }
}

/// `inet_ntop`.
pub fn inet_ntop(family: i32, packed: &[u8]) -> Result<String, Error> {
    let bad = || value("invalid length of packed IP address string");
    match family {
        AF_INET => Ok(addr::ip_to_string(&addr::v4(packed.try_into().map_err(|_| bad())?))),
        AF_INET6 => Ok(addr::ip_to_string(&addr::v6(packed.try_into().map_err(|_| bad())?))),
        _ => Err(value(&format!("unknown address family {family}"))),
    }
}

/// The most one receive asks the host for: the host hands over no more per call (the WIT's
/// `recv` caps a huge length at 4 MiB), so `recv(2**31)` never makes a 2 GiB bytes object.
pub const MOST_PER_RECEIVE: usize = 4 << 20;

/// Memory a receive fills from its start: a new bytes object's, which can grow (MSG_WAITALL asks
/// for more as it goes), or the buffer `recv_into` was given, which cannot.
pub trait Landing {
    /// At least `want` bytes of memory after the first `filled`, or what there is where it cannot
    /// grow that far. The first `filled` bytes keep what was written there.
    fn room(&mut self, filled: usize, want: usize) -> &mut [MaybeUninit<u8>];
}

impl Landing for [MaybeUninit<u8>] {
    fn room(&mut self, filled: usize, want: usize) -> &mut [MaybeUninit<u8>] {
        let start = filled.min(self.len());
        let rest = &mut self[start..];
        let n = want.min(rest.len());
        &mut rest[..n]
    }
}

/// Converts `Duration`s for select/poll.
pub fn seconds(t: f64) -> Duration {
    Duration::try_from_secs_f64(t).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeHost;

    /// Socket types pysock does not offer fail as Linux fails them where it would for anyone, and
    /// as PermissionError naming what the sandbox offers where a privileged process would get one.
    #[test]
    fn unoffered_socket_types_fail_as_linux_would_or_say_why() {
        let mut core = Core::new(FakeHost::default());
        let mut create = |family, kind, proto| match core.create(family, kind, proto, None) {
            Ok(_) => Ok(()),
            Err(Error::Os(e)) => Err((e.code, e.message)),
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(create(AF_INET, SOCK_RAW, 0).unwrap_err().0, Errno::Eprotonosupport);
        assert_eq!(create(AF_INET6, SOCK_SEQPACKET, 0).unwrap_err().0, Errno::Esocktnosupport);
        assert_eq!(create(AF_UNIX, SOCK_RDM, 0).unwrap_err().0, Errno::Esocktnosupport);
        assert_eq!(create(AF_INET, 99, 0).unwrap_err().0, Errno::Einval);
        let (code, message) = create(AF_INET, SOCK_RAW, 1).unwrap_err();
        assert_eq!(code, Errno::Eperm);
        assert!(message.contains("no SOCK_RAW sockets; it offers TCP, UDP"), "{message}");
        assert_eq!(create(AF_INET, SOCK_PACKET, 0).unwrap_err().0, Errno::Eperm, "Linux makes it a packet socket");
        assert!(create(AF_UNIX, SOCK_RAW, 0).is_ok(), "AF_UNIX's SOCK_RAW is a datagram socket");
        assert!(create(AF_UNIX, SOCK_SEQPACKET, 0).is_ok(), "AF_UNIX has sequenced packets");
        assert!(core.socketpair(AF_UNIX, SOCK_SEQPACKET, 0).is_ok());
    }

    /// AF_UNIX names: CPython's length rules, the kernel's cut at a NUL, a relative name read from
    /// the working folder while the name as given is what the socket reports, and abstract names
    /// refused as PermissionError saying why.
    #[test]
    fn unix_names_follow_cpython_and_abstract_ones_are_refused() {
        let mut core = Core::new(FakeHost::default());
        let s = core.create(AF_UNIX, SOCK_STREAM, 0, None).unwrap();
        let unix = |name: &[u8]| Address::Unix(name.to_vec());
        let refused = |r: Result<(), Error>| match r {
            Err(Error::Os(e)) => (Some(e.code), e.message),
            Err(Error::OsMessage(m)) => (None, m),
            other => panic!("{other:?}"),
        };
        assert_eq!(refused(core.bind(&s, &unix(&[b'x'; 108]))), (None, "AF_UNIX path too long".into()));
        let (code, message) = refused(core.bind(&s, &unix(b"\0abstract")));
        assert_eq!(code, Some(Errno::Eacces));
        assert!(message.contains("no abstract names"), "{message}");
        assert_eq!(refused(core.bind(&s, &unix(b""))).0, Some(Errno::Eacces), "autobinding an abstract name");
        assert_eq!(refused(core.bind(&s, &unix(&[0; 109]))), (None, "AF_UNIX path too long".into()));
        core.bind(&s, &unix(b"/tmp/a.sock\0ignored")).unwrap();
        core.bind(&s, &unix(&[b'y'; 107])).unwrap();
        let names = core.host.unix_names.borrow().clone();
        assert_eq!(names[0], (b"/tmp/a.sock".to_vec(), b"/tmp/a.sock".to_vec()));
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(names[1].0, cwd.join("y".repeat(107)).to_string_lossy().as_bytes());
        assert_eq!(names[1].1, vec![b'y'; 107]);
        assert_eq!(core.getsockname(&s).unwrap(), unix(&[b'y'; 107]));
        core.connect(&s, &unix(b"/tmp/a.sock")).unwrap();
        assert_eq!(refused(core.connect(&s, &unix(b"/tmp/b.sock"))).0, Some(Errno::Enoent));

        // sendto names its peer as connect does: a relative name from the working folder.
        let d = core.create(AF_UNIX, SOCK_DGRAM, 0, None).unwrap();
        assert_eq!(core.sendto(&d, b"x", 0, &unix(b"peer.sock\0ignored")).unwrap(), 1);
        assert_eq!(refused(core.sendto(&d, b"x", 0, &unix(b"\0abstract")).map(drop)).0, Some(Errno::Eacces));
        assert_eq!(refused(core.sendto(&d, b"x", 0, &unix(b"")).map(drop)).0, Some(Errno::Einval), "no peer named");
        assert_eq!(refused(core.connect(&d, &unix(b""))).0, Some(Errno::Einval));
        assert_eq!(*core.host.destinations.borrow(), [SocketAddress::Path(cwd.join("peer.sock").to_string_lossy().as_bytes().to_vec())]);
    }

    /// `os.pipe()`'s ends move bytes one way, as a Linux pipe's: the other way is EBADF, neither is
    /// a socket, and both are one pipefs inode, a new one for each pipe; each end has its own FD_CLOEXEC.
    #[test]
    fn a_pipe_keeps_each_end_to_its_direction() {
        let mut core = Core::new(FakeHost::default());
        let (r, w) = core.pipe(false).unwrap();
        assert_eq!((core.pipe_end(r), core.pipe_end(w)), (Some(PipeEnd::Read), Some(PipeEnd::Write)));
        let mut buf = [MaybeUninit::uninit(); 8];
        assert!(matches!(core.write_descriptor(r, b"x"), Err(CallError::Os(Errno::Ebadf))));
        assert!(matches!(core.read_descriptor(w, &mut buf), Err(CallError::Os(Errno::Ebadf))));
        assert_eq!(core.write_descriptor(w, b"hi").unwrap(), 2);
        core.host.arrivals.borrow_mut().push_back(Ok(b"hi".to_vec()));
        assert_eq!(core.read_descriptor(r, &mut buf).unwrap(), 2);
        for end in [r, w] {
            let refused = core.create(-1, -1, -1, Some(end)).map(|_| ()).unwrap_err();
            assert!(matches!(refused, Error::Os(OsError { code: Errno::Enotsock, .. })), "{refused:?}");
        }
        assert_eq!(core.identity(r), Some(Identity { device: PIPEFS_DEVICE, inode: 1 }));
        assert_eq!(core.identity(w), core.identity(r));
        assert_eq!(core.nonblocking(r), Some(false));
        let (r2, w2) = core.pipe(true).unwrap();
        assert_eq!(core.identity(w2), Some(Identity { device: PIPEFS_DEVICE, inode: 2 }));
        assert_eq!((core.nonblocking(r2), core.nonblocking(w2)), (Some(true), Some(true)));
        assert!(matches!(core.read_descriptor(r2, &mut buf), Err(CallError::Os(Errno::Eagain))));
        // dup2 onto the write end: that end closes, the number reads the pipe, inheritable.
        assert_eq!(core.dup_onto(r, w, false).unwrap(), w);
        assert_eq!((core.pipe_end(w), core.identity(w), core.close_on_exec(w)), (Some(PipeEnd::Read), core.identity(r), Some(false)));
        assert_eq!(core.dup_onto(r, r, false).unwrap(), r, "onto itself: nothing changes");
        assert!(matches!(core.dup_onto(r, -1, false), Err(Error::Os(OsError { code: Errno::Ebadf, .. }))));
        assert!(matches!(core.dup_onto(99, r, false), Err(Error::Os(OsError { code: Errno::Ebadf, .. }))));
        core.close_fd(w).unwrap();
        let (r, w) = core.pipe(false).unwrap();
        // FD_CLOEXEC is each descriptor's own: clearing it on one end leaves the other's.
        assert_eq!((core.close_on_exec(r), core.close_on_exec(w)), (Some(true), Some(true)));
        assert!(core.set_close_on_exec(r, false));
        assert_eq!((core.close_on_exec(r), core.close_on_exec(w)), (Some(false), Some(true)));
        assert!(!core.set_close_on_exec(99, false), "no such descriptor");
        let s = core.create(AF_INET, SOCK_STREAM, 0, None).unwrap();
        assert_eq!(core.pipe_end(s.fd), None);
        assert_eq!(core.identity(s.fd).map(|i| i.device), Some(SOCKFS_DEVICE));
    }

    /// A pipe's read end is never writable and its write end never readable; a write end whose
    /// reader left is in error, as Linux's pipe_poll says.
    #[test]
    fn a_pipe_end_is_ready_only_its_own_way() {
        let all = Events::READABLE | Events::WRITABLE | Events::PRIORITY | Events::READ_HANGUP;
        assert_eq!(PipeEnd::Read.readiness(all), Events::READABLE | Events::PRIORITY);
        assert_eq!(PipeEnd::Write.readiness(all), Events::WRITABLE);
        assert_eq!(PipeEnd::Read.readiness(Events::READABLE | Events::HANGUP), Events::READABLE | Events::HANGUP);
        assert_eq!(PipeEnd::Write.readiness(Events::WRITABLE | Events::HANGUP), Events::WRITABLE | Events::ERROR);
    }

    /// Where the host numbers descriptors in a table shared with files, a socket takes the number
    /// it is given and gives it back on close, a file's number is ENOTSOCK for `socket(fileno=)`,
    /// and `os.read` on the socket obeys the O_NONBLOCK its object's timeout set.
    #[test]
    fn a_shared_table_numbers_sockets_and_files_alike() {
        let host = FakeHost::default();
        host.claims.borrow_mut().extend([9, 4]);
        host.files.borrow_mut().extend([3, 5]);
        let mut core = Core::new(host);
        let mut s = core.create(AF_INET, SOCK_STREAM, 0, None).unwrap();
        assert_eq!(s.fd, 9);
        assert_eq!(core.epoll_create(-1, 0).unwrap(), 4);
        let refused = core.create(-1, -1, -1, Some(5)).map(|_| ()).unwrap_err();
        assert!(matches!(refused, Error::Os(OsError { code: Errno::Enotsock, .. })), "{refused:?}");
        assert_eq!(core.nonblocking(9), Some(false));
        core.settimeout(&mut s, Some(1.0)).unwrap();
        assert_eq!(core.nonblocking(9), Some(true));
        let mut buf = [MaybeUninit::uninit(); 8];
        assert!(matches!(core.read_descriptor(9, &mut buf), Err(CallError::Os(Errno::Eagain))));
        core.host.arrivals.borrow_mut().push_back(Ok(b"hi".to_vec()));
        assert_eq!(core.read_descriptor(9, &mut buf).unwrap(), 2);
        assert!(matches!(core.read_descriptor(4, &mut buf), Err(CallError::Os(Errno::Einval))));
        core.close_fd(9).unwrap();
        assert_eq!(*core.host.released.borrow(), [9]);
        // The table closed 4 itself (os.close): the core forgets it without giving it back.
        core.descriptor_closed(4);
        assert_eq!(core.open_fds(), 0);
        assert_eq!(*core.host.released.borrow(), [9]);
    }

    /// `socket(fileno=)` of a descriptor that is open but no socket (stdio, an epoll) is ENOTSOCK,
    /// as getsockopt(2) says on Linux; of one that is not open, EBADF.
    #[test]
    fn only_a_socket_descriptor_makes_a_socket_object() {
        let mut core = Core::new(FakeHost::default());
        let ep = core.epoll_create(-1, 0).unwrap();
        let code = |core: &mut Core<FakeHost>, fd| match core.create(-1, -1, -1, Some(fd)).map(|_| ()).unwrap_err() {
            Error::Os(e) => e.code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(&mut core, ep), Errno::Enotsock);
        assert_eq!(code(&mut core, 1), Errno::Enotsock);
        assert_eq!(code(&mut core, ep + 1), Errno::Ebadf);
    }

    /// A socket object whose number the table gave to something else (`os.dup2` of a file onto it, or
    /// an epoll made after it closed) is ENOTSOCK there, as Linux says; one whose number nothing holds
    /// is EBADF.
    #[test]
    fn a_socket_objects_number_held_by_something_else_is_no_socket() {
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 1, 0, None).unwrap();
        let code = |core: &Core<FakeHost>, s: &SockObj| match core.listen(s, Some(1)).unwrap_err() {
            Error::Os(e) => e.code,
            other => panic!("{other:?}"),
        };
        core.descriptor_closed(s.fd);
        assert_eq!(code(&core, &s), Errno::Ebadf);
        core.host.files.borrow_mut().push(s.fd);
        assert_eq!(code(&core, &s), Errno::Enotsock);
        core.host.files.borrow_mut().clear();
        let ep = core.epoll_create(-1, 0).unwrap();
        assert_eq!(ep, s.fd);
        assert_eq!(code(&core, &s), Errno::Enotsock);
    }

    #[test]
    fn timeouts_read_back_as_cpython_keeps_them() {
        let kept = |v| parse_timeout(Some(v)).unwrap().unwrap();
        assert_eq!(kept(1e-10), 1e-9);
        assert_eq!(kept(2.5e-9), 3e-9);
        assert_eq!(kept(1.5), 1.5);
        assert_eq!(kept(0.1), 0.1);
        assert_eq!(kept(1e9), 1e9);
        assert!(kept(-0.0).is_sign_positive());
        assert!(parse_timeout(Some(-1e-10)).is_err());
    }

    /// setsockopt reads a value as Linux reads the caller's pointer and length (checked against
    /// native CPython in tests/python/bad_input.py): IPv4 byte options take one byte, the rest an
    /// int, SO_LINGER two; a NULL value is EFAULT only where the kernel would read it.
    #[test]
    fn setsockopt_reads_values_as_the_kernel_does() {
        use OptionArgument::{Bytes, Int, Null};
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 1, 0, None).unwrap();
        let set = |level, name, v: OptionArgument| match core.setsockopt(&s, level, name, &v) {
            Ok(()) => Ok(core.host.options_set.borrow_mut().pop().unwrap().1),
            Err(Error::Os(e)) => Err(e.code),
            Err(e) => panic!("{e:?}"),
        };
        let (ttl, tos, linger, nodelay) = ((IPPROTO_IP, 2), (IPPROTO_IP, 1), (SOL_SOCKET, SO_LINGER), (IPPROTO_TCP, 1));
        assert_eq!(set(ttl.0, ttl.1, Bytes(vec![5, 9])), Ok(5));
        assert_eq!(set(ttl.0, ttl.1, Bytes(vec![5, 0, 0, 0, 9])), Ok(5));
        assert_eq!(set(ttl.0, ttl.1, Bytes(vec![])), Err(Errno::Einval));
        assert_eq!(set(tos.0, tos.1, Bytes(vec![])), Ok(0));
        assert_eq!(set(tos.0, tos.1, Null(0)), Ok(0));
        assert_eq!(set(ttl.0, ttl.1, Null(1)), Err(Errno::Efault));
        assert_eq!(set(ttl.0, ttl.1, Null(-1)), Err(Errno::Einval));
        assert_eq!(set(nodelay.0, nodelay.1, Bytes(vec![1])), Err(Errno::Einval));
        assert_eq!(set(nodelay.0, nodelay.1, Null(3)), Err(Errno::Einval));
        assert_eq!(set(nodelay.0, nodelay.1, Null(4)), Err(Errno::Efault));
        assert_eq!(set(nodelay.0, nodelay.1, Int(1)), Ok(1));
        assert_eq!(set(linger.0, linger.1, Bytes(vec![1, 0, 0, 0, 5])), Err(Errno::Einval));
        assert_eq!(set(linger.0, linger.1, Null(4)), Err(Errno::Efault));
        let on_for_5s = [1i32.to_ne_bytes(), 5i32.to_ne_bytes()].concat();
        assert_eq!(set(linger.0, linger.1, Bytes(on_for_5s)), Ok(1 << 32 | 5));
        assert_eq!(set(linger.0, linger.1, Int(5)), Err(Errno::Einval));
    }

    /// TCP_INFO and TCP_CONGESTION pass their bytes through as they stand: read as an int they are
    /// the first four, and an int set is the four bytes of a C int; a NULL value goes to the kernel.
    #[test]
    fn byte_options_pass_their_bytes_through() {
        use OptionArgument::{Bytes, Int, Null};
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 1, 0, None).unwrap();
        let (info, congestion) = (11, 13);
        let get = |name, buflen| match core.getsockopt(&s, IPPROTO_TCP, name, buflen).unwrap() {
            OptionValue::Int(i) => Ok(i),
            OptionValue::Bytes(b) => Err(b),
            OptionValue::Error(e) => panic!("{e:?}"),
        };
        assert_eq!(get(info, None), Ok(i32::from_ne_bytes([1, 2, 3, 4]).into()));
        assert_eq!(get(congestion, Some(6)), Err(vec![1, 2, 3, 4, 5, 6]));
        let set = |v: OptionArgument| {
            core.setsockopt(&s, IPPROTO_TCP, congestion, &v).unwrap();
            core.host.byte_options_set.borrow_mut().pop().unwrap()
        };
        assert_eq!(set(Bytes(b"reno".to_vec())), (ByteOption::TcpCongestion, Ok(b"reno".to_vec())));
        assert_eq!(set(Int(7)), (ByteOption::TcpCongestion, Ok(7i32.to_ne_bytes().to_vec())));
        assert_eq!(set(Null(4)), (ByteOption::TcpCongestion, Err(4)));
        assert!(core.setsockopt(&s, IPPROTO_TCP, congestion, &Int(1 << 40)).is_err());
    }

    /// SO_RCVTIMEO and SO_SNDTIMEO take a `struct timeval`, 32-bit (what `struct.pack("ll")` makes
    /// in the sandbox) or 64-bit, as the kernel reads it, and read back as the bytes asked for.
    #[test]
    fn socket_timeouts_read_a_timeval_as_the_kernel_does() {
        use OptionArgument::{Bytes, Int, Null};
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 1, 0, None).unwrap();
        let set = |v: OptionArgument| match core.setsockopt(&s, SOL_SOCKET, SO_RCVTIMEO, &v) {
            Ok(()) => Ok(core.host.options_set.borrow_mut().pop().unwrap().1),
            Err(Error::Os(e)) => Err(e.code),
            Err(e) => panic!("{e:?}"),
        };
        let tv32 = |sec: i32, usec: i32| Bytes([sec.to_ne_bytes(), usec.to_ne_bytes()].concat());
        let tv64 = |sec: i64, usec: i64| Bytes([sec.to_ne_bytes(), usec.to_ne_bytes()].concat());
        assert_eq!(set(tv32(1, 500_000)), Ok(1_500_000));
        assert_eq!(set(tv64(7, 250_000)), Ok(7_250_000));
        assert_eq!(set(tv64(-5, 3)), Ok(-1));
        assert_eq!(set(tv32(-1, 0)), Ok(-1));
        assert_eq!(set(tv32(2, 1_000_000)), Err(Errno::Edom));
        assert_eq!(set(tv64(2, -1)), Err(Errno::Edom));
        assert_eq!(set(tv64(i64::MAX, 0)), Ok(0));
        assert_eq!(set(Int(5)), Err(Errno::Einval));
        assert_eq!(set(Bytes(vec![1, 0, 0, 0, 0, 0, 0])), Err(Errno::Einval));
        assert_eq!(set(Null(16)), Err(Errno::Efault));
        assert_eq!(timeval_bytes(7_250_000, 16), [7i64.to_ne_bytes(), 250_000i64.to_ne_bytes()].concat());
        assert_eq!(timeval_bytes(7_250_000, 8), [7i32.to_ne_bytes(), 250_000i32.to_ne_bytes()].concat());
        assert_eq!(timeval_bytes(7_250_000, 32).len(), 16);
        assert_eq!(timeval_bytes(7_250_000, 1), [7]);
        assert_eq!(timeval_bytes(-1, 16), [0u8; 16]);
    }

    /// sendall walks the buffer in the chunks the host takes until all of it went.
    #[test]
    fn sendall_sends_everything_in_chunks() {
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 1, 0, None).unwrap();
        core.host.send_chunk.set(30_000);
        let data = vec![7u8; 100_000];
        assert!(core.sendall(&s, &data, 0, &mut 0).is_ok());
        assert_eq!(*core.host.sent.borrow(), 100_000);
        // A blocking send sends it all too, as send(2) on a blocking socket; a non-blocking one
        // returns what the host took.
        assert!(matches!(core.send(&s, &data, 0), Ok(100_000)));
        assert_eq!(*core.host.sent.borrow(), 200_000);
        assert!(matches!(core.send(&s, &data, MSG_DONTWAIT), Ok(30_000)));
    }

    /// MSG_DONTWAIT spares a blocking socket's call the wait, as the flag spares the blocking
    /// descriptor CPython leaves it; with a timeout the call waits first, as CPython's does, and
    /// times out.
    #[test]
    fn dontwait_waits_only_for_a_timeout() {
        let mut core = Core::new(FakeHost::default());
        let mut s = core.create(2, 1, 0, None).unwrap();
        let mut memory = [MaybeUninit::uninit(); 10];
        core.host.arrivals.borrow_mut().push_back(Err(Errno::Eagain));
        assert!(matches!(core.recv(&s, &mut memory[..], 10, MSG_DONTWAIT), Err(Error::Os(OsError { code: Errno::Eagain, .. }))));
        assert!(core.host.wait_limits.borrow().is_empty());
        core.settimeout(&mut s, Some(0.3)).unwrap();
        core.host.waits.borrow_mut().push_back((Duration::ZERO, false));
        assert!(matches!(core.recv(&s, &mut memory[..], 10, MSG_DONTWAIT), Err(Error::Timeout(_))));
        core.host.waits.borrow_mut().push_back((Duration::ZERO, false));
        assert!(matches!(core.send(&s, b"x", MSG_DONTWAIT), Err(Error::Timeout(_))));
        assert_eq!(*core.host.wait_limits.borrow(), vec![Some(Duration::from_millis(300)); 2]);
    }

    /// A socket with no timeout whose descriptor was made non-blocking (`os.set_blocking`) meets
    /// EAGAIN without waiting, as CPython's calls meet the kernel's; its timeout is still None.
    #[test]
    fn a_descriptor_made_non_blocking_does_not_wait() {
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 1, 0, None).unwrap();
        core.set_nonblocking(s.fd, true);
        let mut memory = [MaybeUninit::uninit(); 10];
        assert!(matches!(core.recv(&s, &mut memory[..], 10, 0), Err(Error::Os(OsError { code: Errno::Eagain, .. }))));
        assert!(matches!(core.accept(&s), Err(Error::Os(OsError { code: Errno::Eagain, .. }))));
        assert!(core.host.wait_limits.borrow().is_empty(), "nothing waited");
        assert_eq!(s.timeout, None);
    }

    /// The interfaces come from the host; a name or index no interface has fails as CPython's
    /// does on Linux: "no interface with this name" without an errno, and ENXIO.
    #[test]
    fn interfaces_are_looked_up_in_the_hosts_list() {
        let core = Core::new(FakeHost::default());
        assert_eq!(core.if_nameindex().unwrap(), vec![(1, "lo".to_string()), (2, "eth0".to_string())]);
        assert_eq!(core.if_nametoindex(b"eth0").unwrap(), 2);
        assert_eq!(core.if_indextoname(1).unwrap(), "lo");
        assert_eq!(core.if_nametoindex(b"eth").unwrap_err(), Error::OsMessage("no interface with this name".into()));
        for index in [0, 3] {
            assert!(matches!(core.if_indextoname(index), Err(Error::Os(OsError { code: Errno::Enxio, .. }))));
        }
    }

    /// O_NONBLOCK is the open file description's, so a duplicate shares it both ways: after
    /// `a.dup().setblocking(False)` the original's blocking recv meets EAGAIN, and after
    /// `a.setblocking(True)` the duplicate, whose timeout is still 0, waits for its bytes.
    #[test]
    fn duplicates_share_the_blocking_flag() {
        let mut core = Core::new(FakeHost::default());
        let mut a = core.create(2, 1, 0, None).unwrap();
        let copy = core.dup(a.fd).unwrap();
        let mut b = core.create(-1, -1, -1, Some(copy)).unwrap();
        core.setblocking(&mut b, false).unwrap();
        assert_eq!(core.nonblocking(a.fd), Some(true));
        let mut memory = [MaybeUninit::uninit(); 10];
        assert!(matches!(core.recv(&a, &mut memory[..], 10, 0), Err(Error::Os(OsError { code: Errno::Eagain, .. }))));
        assert!(core.host.wait_limits.borrow().is_empty(), "nothing waited");
        core.setblocking(&mut a, true).unwrap();
        assert_eq!(core.nonblocking(b.fd), Some(false));
        core.host.arrivals.borrow_mut().extend([Err(Errno::Eagain), Ok(b"late".to_vec())]);
        core.host.waits.borrow_mut().push_back((Duration::from_millis(300), true));
        assert_eq!(core.recv(&b, &mut memory[..], 10, 0).unwrap().length, 4);
        assert_eq!(*core.host.wait_limits.borrow(), vec![None], "one wait without limit");
        assert_eq!(b.timeout, Some(0.0));
        // The same inode, which another socket does not have; every epoll shares one.
        assert_eq!(core.identity(a.fd), core.identity(b.fd));
        let other = core.create(2, 1, 0, None).unwrap();
        assert_ne!(core.identity(a.fd), core.identity(other.fd));
        // A duplicate takes no inode number of its own: the next socket has the next one.
        assert_eq!(core.identity(other.fd).map(|i| i.inode), core.identity(a.fd).map(|i| i.inode + 1));
        let (ep1, ep2) = (core.epoll_create(-1, 0).unwrap(), core.epoll_create(-1, 0).unwrap());
        assert_eq!(core.identity(ep1), core.identity(ep2));
        assert_ne!(core.identity(ep1).map(|i| i.device), core.identity(a.fd).map(|i| i.device));
    }

    /// A blocking receive that a SIGINT cut short runs the program's handler, as CPython's
    /// `sock_call_ex` does on EINTR: an ignored signal lets it receive on, a handler that raised
    /// ends it with that exception.
    #[test]
    fn a_blocking_receive_cut_short_by_a_signal_runs_the_handler() {
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 1, 0, None).unwrap();
        let mut memory = [MaybeUninit::uninit(); 10];
        core.host.arrivals.borrow_mut().extend([Err(Errno::Eagain), Ok(vec![5; 3])]);
        core.host.waits.borrow_mut().push_back((Duration::from_millis(1), false));
        core.host.interruptions.set(1);
        assert_eq!(core.recv(&s, &mut memory[..], 10, 0).unwrap(), Received { written: 3, length: 3 });
        core.host.arrivals.borrow_mut().push_back(Err(Errno::Eagain));
        core.host.waits.borrow_mut().push_back((Duration::from_millis(1), false));
        core.host.interruptions.set(1);
        core.host.signals.borrow_mut().push_back(crate::host::Signalled::Raised);
        assert!(matches!(core.recv(&s, &mut memory[..], 10, 0), Err(Error::Raised)));
        assert!(core.host.waits.borrow().is_empty() && core.host.arrivals.borrow().is_empty());
        // recvfrom waits the same way, through the host's waiting receive.
        core.host.arrivals.borrow_mut().extend([Err(Errno::Eagain), Ok(vec![6; 2])]);
        core.host.waits.borrow_mut().push_back((Duration::from_millis(1), true));
        let (got, _) = core.recvfrom(&s, &mut memory[..], 10, 0, "recvfrom").unwrap();
        assert_eq!(got, Received { written: 2, length: 2 });
        assert!(core.host.waits.borrow().is_empty() && core.host.arrivals.borrow().is_empty());
    }

    /// A blocking MSG_WAITALL receive goes on where the last arrival ended, until it has all it
    /// asked for, waiting between arrivals; a plain one returns the first arrival.
    #[test]
    fn waitall_fills_the_landing_across_arrivals() {
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 1, 0, None).unwrap();
        core.host.arrivals.borrow_mut().extend([Ok(vec![1; 300]), Err(Errno::Eagain), Ok(vec![2; 800])]);
        core.host.waits.borrow_mut().push_back((Duration::from_millis(1), true));
        let mut memory = [MaybeUninit::uninit(); 1000];
        let got = core.recv(&s, &mut memory[..], 1000, MSG_WAITALL).unwrap();
        assert_eq!(got, Received { written: 1000, length: 1000 });
        let base = memory.as_ptr() as usize;
        assert_eq!(*core.host.landings.borrow(), vec![(base, 1000), (base + 300, 700), (base + 300, 700)]);
        // The 100 bytes that did not fit wait for the next receive, which takes only them.
        let got = core.recv(&s, &mut memory[..], 1000, 0).unwrap();
        assert_eq!(got, Received { written: 100, length: 100 });
    }

    /// recv(0) on a blocking socket returns nothing at once; a negative size is CPython's ValueError.
    #[test]
    fn empty_and_negative_receives() {
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 1, 0, None).unwrap();
        let mut memory = [MaybeUninit::uninit(); 4];
        assert_eq!(core.recv(&s, &mut memory[..], 0, 0).unwrap(), Received::default());
        let e = core.recvfrom(&s, &mut memory[..], -1, 0, "recvfrom").unwrap_err();
        assert_eq!(e, value("negative buffersize in recvfrom"));
    }

    /// ioctl(2): counts from the host into the program's int; an integer argument, which Linux
    /// takes for an address, is EFAULT; FIONBIO and FIOCLEX change the descriptor as fcntl(2)
    /// does; a request no descriptor of the core answers is ENOTTY, and a pipe's write end counts
    /// the bytes waiting at its read end.
    #[test]
    fn ioctl_answers_as_linux() {
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 1, 0, None).unwrap();
        core.host.arrivals.borrow_mut().push_back(Ok(b"hello".to_vec()));
        let mut int = [0xff; 4];
        assert_eq!(core.ioctl(s.fd, ioctl::FIONREAD, Some(&mut int)).unwrap(), 0);
        assert_eq!(i32::from_le_bytes(int), 5);
        assert!(matches!(core.ioctl(s.fd, ioctl::FIONREAD, None), Err(Error::Os(OsError { code: Errno::Efault, .. }))));
        assert!(matches!(core.ioctl(s.fd, 0x5401, Some(&mut int)), Err(Error::Os(OsError { code: Errno::Enotty, .. }))));
        core.ioctl(s.fd, ioctl::FIONBIO, Some(&mut 1i32.to_le_bytes())).unwrap();
        assert_eq!(core.nonblocking(s.fd), Some(true));
        core.ioctl(s.fd, ioctl::FIONCLEX, None).unwrap();
        assert_eq!(core.close_on_exec(s.fd), Some(false));
        let (r, w) = core.pipe(false).unwrap();
        let mut int = [0; 4];
        core.ioctl(w, ioctl::FIONREAD, Some(&mut int)).unwrap();
        assert_eq!(i32::from_le_bytes(int), 5, "the write end counts what its read end holds");
        assert!(matches!(core.ioctl(r, ioctl::TIOCOUTQ, Some(&mut int)), Err(Error::Os(OsError { code: Errno::Enotty, .. }))));
        assert!(matches!(core.ioctl(99, ioctl::FIONREAD, Some(&mut int)), Err(Error::Os(OsError { code: Errno::Ebadf, .. }))));
    }

    #[test]
    fn passed_descriptors_keep_their_open_file_description() {
        let mut core = Core::new(FakeHost::default());
        let (a, b) = core.socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let (r, w) = core.pipe(true).unwrap();
        let tcp = core.create(AF_INET, SOCK_STREAM, 0, None).unwrap();
        let control = |fds: &[i32]| vec![(SOL_SOCKET, SCM_RIGHTS, fds.iter().flat_map(|fd| fd.to_ne_bytes()).collect::<Vec<u8>>())];
        assert_eq!(core.sendmsg(&a, b"p", &control(&[r, tcp.fd]), 0, None).unwrap(), 1);
        let words = core.host.in_flight.borrow().clone();
        assert!(words.iter().all(|&w| w != 0), "0 stands for a word the host no longer knew");
        let mut memory = [MaybeUninit::uninit(); 10];
        // Sent while its sender is open: the same description, so O_NONBLOCK is shared.
        let (got, _, flags, fds) = core.recvmsg(&b, &mut memory[..], 10, 100, 0).map(|(g, a, f, anc)| (g, a, f, anc.descriptors)).unwrap();
        assert_eq!((got.length, flags, fds.len()), (1, 0, 2));
        assert_eq!(core.pipe_end(fds[0]), Some(PipeEnd::Read));
        assert_eq!(core.identity(fds[0]), core.identity(r));
        assert_eq!(core.identity(fds[1]), core.identity(tcp.fd));
        assert_ne!(core.identity(fds[0]), core.identity(fds[1]));
        core.set_nonblocking(fds[0], false);
        assert_eq!(core.nonblocking(r), Some(false), "one open file description");
        // Its sender closed before it arrives: a description like the one that left.
        core.set_nonblocking(w, true);
        let identity = core.identity(w);
        core.host.in_flight.borrow_mut().push_back(Carried::of(&core.slot(w).unwrap().description).word());
        core.close_fd(w).unwrap();
        core.host.arrivals.borrow_mut().push_back(Ok(b"w".to_vec()));
        let fds = core.recvmsg(&b, &mut memory[..], 10, 100, 0).unwrap().3.descriptors;
        assert_eq!((core.pipe_end(fds[0]), core.nonblocking(fds[0]), core.identity(fds[0])), (Some(PipeEnd::Write), Some(true), identity));
        // Room for one (Linux's count: 16 bytes of header, then 4 a descriptor), the rest closed.
        assert_eq!(core.sendmsg(&a, b"x", &control(&[tcp.fd, tcp.fd]), 0, None).unwrap(), 1);
        let (_, _, flags, anc) = core.recvmsg(&b, &mut memory[..], 10, 20, 0).unwrap();
        let fds = anc.descriptors;
        assert_eq!((flags, fds.len()), (MSG_CTRUNC, 1));
        // A word the host no longer knew: a new socket of its own.
        core.host.in_flight.borrow_mut().push_back(0);
        core.host.arrivals.borrow_mut().push_back(Ok(b"0".to_vec()));
        let fds = core.recvmsg(&b, &mut memory[..], 10, 100, 0).unwrap().3.descriptors;
        assert!(core.identity(fds[0]).is_some_and(|i| i != core.identity(tcp.fd).unwrap()));
        // The kernel's checks that do not need it: the count first, then each number.
        let many = vec![tcp.fd; MOST_DESCRIPTORS_SENT + 1];
        assert!(matches!(core.sendmsg(&a, b"x", &control(&many), 0, None), Err(Error::Os(OsError { code: Errno::Einval, .. }))));
        assert!(matches!(core.sendmsg(&a, b"x", &control(&[999]), 0, None), Err(Error::Os(OsError { code: Errno::Ebadf, .. }))));
        assert!(matches!(core.sendmsg(&a, b"x", &control(&[1]), 0, None), Err(Error::Os(OsError { code: Errno::Eopnotsupp, .. }))), "a file");
        assert!(matches!(core.sendmsg(&a, b"x", &[(SOL_SOCKET, 99, vec![])], 0, None), Err(Error::Os(OsError { code: Errno::Einval, .. }))));
        assert!(matches!(core.sendmsg(&a, b"x", &[(SOL_SOCKET, SCM_CREDENTIALS, vec![0; 12])], 0, None), Err(Error::Os(OsError { code: Errno::Eopnotsupp, .. }))));
        core.host.in_flight.borrow_mut().clear();
        // unix(7) ignores other levels; an IP socket ignores descriptors, even closed ones.
        assert_eq!(core.sendmsg(&a, b"x", &[(IPPROTO_IP, 1, vec![0; 4])], 0, None).unwrap(), 1);
        assert_eq!(core.sendmsg(&tcp, b"x", &control(&[999]), 0, None).unwrap(), 1);
        assert!(core.host.in_flight.borrow().is_empty(), "no descriptor went");
    }

    #[test]
    fn interface_requests_ask_the_host_on_sockets_only() {
        use ioctl::{SIOCGIFINDEX, SIOCSIFFLAGS, SIOCSIFNETMASK};
        let mut core = Core::new(FakeHost::default());
        let s = core.create(2, 2, 0, None).unwrap();
        let mut ifreq = [0u8; 1024];
        ifreq[..2].copy_from_slice(b"lo");
        assert_eq!(core.ioctl(s.fd, SIOCGIFINDEX, Some(&mut ifreq)).unwrap(), 0);
        assert_eq!(ifreq[16..20], 1i32.to_ne_bytes(), "the host's answer lands in the program's ifreq");
        assert_eq!(ifreq[..3], *b"lo\0");
        ifreq[..3].copy_from_slice(b"eth");
        assert!(matches!(core.ioctl(s.fd, SIOCGIFINDEX, Some(&mut ifreq)), Err(Error::Os(OsError { code: Errno::Enodev, .. }))));
        assert!(matches!(core.ioctl(s.fd, SIOCGIFINDEX, None), Err(Error::Os(OsError { code: Errno::Efault, .. }))));
        assert!(matches!(core.ioctl(s.fd, SIOCGIFINDEX, Some(&mut [0; 4])), Err(Error::Os(OsError { code: Errno::Efault, .. }))));
        assert!(matches!(core.ioctl(s.fd, 0x8912, Some(&mut ifreq)), Err(Error::Os(OsError { code: Errno::Enotty, .. }))), "SIOCGIFCONF");
        let (r, _w) = core.pipe(false).unwrap();
        assert!(matches!(core.ioctl(r, SIOCGIFINDEX, Some(&mut ifreq)), Err(Error::Os(OsError { code: Errno::Enotty, .. }))), "a pipe is no socket");
        // Writes are refused as Linux refuses an unprivileged process, without the kernel.
        assert!(matches!(core.ioctl(s.fd, SIOCSIFFLAGS, Some(&mut ifreq)), Err(Error::Os(OsError { code: Errno::Eperm, .. }))));
        assert!(matches!(core.ioctl(r, SIOCSIFFLAGS, Some(&mut ifreq)), Err(Error::Os(OsError { code: Errno::Enotty, .. }))));
        let on = |family| ioctl::interface_write(SIOCSIFNETMASK, || Ok(family)).unwrap();
        assert_eq!((on(2), on(10), on(1)), (Some(Errno::Eperm), Some(Errno::Enotty), Some(Errno::Enotty)), "SIOCSIFNETMASK is IPv4's");
        assert_eq!(ioctl::interface_write(0x5401, || unreachable!()).unwrap(), None, "no write, no family asked");
    }
}
