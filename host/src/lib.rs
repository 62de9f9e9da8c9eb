//! pysock's host: CPython's `socket`, `select` and `ssl` for a Python interpreter sandboxed in
//! WebAssembly.
//!
//! The guest (built from `guest/`) is CPython's `_socket`, `select` and `_ssl`, linked into the
//! interpreter as an extension: timeout modes, retry loops, errno mapping and the SSL I/O loop run
//! in the interpreter's own memory, on top of the `pysock:net` interfaces this crate implements with
//! real non-blocking kernel sockets (`net`, `data`) and rustls (`tls`). An embedder adds pysock to a
//! `wasmtime` linker the way it adds WASI:
//!
//! ```no_run
//! use pysock::{NetworkPolicy, PysockCtx, PysockCtxView, PysockView};
//! use wasmtime::component::{Linker, ResourceTable};
//!
//! struct State { table: ResourceTable, pysock: PysockCtx }
//! impl PysockView for State {
//!     fn pysock(&mut self) -> PysockCtxView<'_> {
//!         PysockCtxView { ctx: &mut self.pysock, table: &mut self.table }
//!     }
//! }
//!
//! let engine = wasmtime::Engine::default();
//! let mut linker = Linker::<State>::new(&engine);
//! pysock::add_to_linker(&mut linker).unwrap();
//! let ctx = PysockCtx::builder().network(NetworkPolicy::loopback()).build().unwrap();
//! ```
//!
//! The store owns every socket: when the guest drops a handle, or the store is dropped, the kernel
//! socket closes at once. The table is the one the store's `WasiView` gives wasmtime-wasi: the
//! `files` interface finds the guest's `wasi:filesystem` descriptors there.

#![deny(unsafe_code)]

pub mod bindings {
    //! The `bindgen!` of what the guest imports. `pysock:net/data` is in it for its types; its
    //! functions are written by hand (`crate::data`), which the generated trait for it never sees.
    wasmtime::component::bindgen!({
        world: "extension",
        path: "../wit",
        with: {
            "pysock:net/net.socket": crate::net::Socket,
            "pysock:net/net.epoll": crate::net::Epoll,
            "pysock:net/tls.config": crate::tls::TlsConfig,
            "pysock:net/tls.connection": crate::tls::TlsConnection,
            "pysock:net/tls.session": crate::tls::TlsSession,
            // The guest's files are wasmtime-wasi's (`crate::files` locks them).
            "wasi:filesystem": wasmtime_wasi::p2::bindings::sync::filesystem,
            "wasi:io": wasmtime_wasi::p2::bindings::sync::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
        trappable_error_type: { "pysock:net/types.errno" => crate::error::NetError },
        imports: { default: trappable },
    });
}

pub mod audit;
pub mod limits;
mod timers;
mod data;
mod signal_words;
mod embedded;
mod errno;
mod error;
mod files;
mod file_reads;
pub mod file_types;
pub mod net;
pub mod policy;
pub mod quota;
pub mod runtime;
#[allow(unsafe_code)]
pub mod sys;
pub mod tls;
mod unix_paths;

pub use error::{InternalError, NetError};
pub use policy::NetworkPolicy;
pub use quota::{LookupSlots, Quotas};
pub use tls::DefaultTrust;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use wasmtime::component::{HasData, Linker, ResourceTable};

/// Default limit on sockets one guest may hold open at once.
pub const DEFAULT_MAX_SOCKETS: usize = 1024;

/// Per-store state of the pysock host: the policy and what it admitted, the quotas and their use,
/// the audit log, and the readiness poller.
pub struct PysockCtx {
    pub(crate) policy: NetworkPolicy,
    pub(crate) admissions: policy::Admissions,
    pub(crate) audit: audit::AuditLog,
    pub(crate) quotas: Quotas,
    pub(crate) usage: quota::Usage,
    /// Why the last refused call was refused, for the guest's error message.
    pub(crate) refusal: Option<String>,
    pub(crate) interrupter: Interrupter,
    pub(crate) poll: mio::Poll,
    pub(crate) events: mio::Events,
    pub(crate) default_trust: tls::TrustAnchors,
    /// Identities the embedder holds for the guest, by name: (chain PEM, key PEM).
    pub(crate) identities: std::collections::HashMap<String, (Vec<u8>, Vec<u8>)>,
    /// The guest's stdin is this process's ([`PysockCtxBuilder::inherit_stdin`]).
    pub(crate) inherited_stdin: bool,
    /// This process's stdin is registered with `poll` (once a wait on it first blocked).
    pub(crate) stdin_polled: bool,
    /// Sockets the guest sent in SCM_RIGHTS messages.
    pub(crate) in_flight: net::InFlight,
    /// Where the guest may bind and connect AF_UNIX sockets by path.
    pub(crate) unix_folders: unix_paths::UnixFolders,
    /// Sockets the guest may hold open now: the quota, or less if the program lowered its
    /// RLIMIT_NOFILE ([`limits`]).
    pub(crate) socket_limit: usize,
    pub(crate) memory: limits::MemoryCap,
}

impl Drop for PysockCtx {
    fn drop(&mut self) {
        // The store drops its data before it frees the guest's memory: from here on, no signal
        // writes there.
        self.interrupter.set_signal_words(None);
    }
}

impl PysockCtx {
    pub fn builder() -> PysockCtxBuilder {
        PysockCtxBuilder::default()
    }

    /// The guest's memory limits, for the store's [`limits::Limiter`].
    pub fn memory_cap(&self) -> limits::MemoryCap {
        self.memory.clone()
    }

    /// Sockets the guest holds open now.
    pub fn open_sockets(&self) -> usize {
        self.usage.sockets
    }

    pub fn policy(&self) -> &NetworkPolicy {
        &self.policy
    }

    /// A handle another thread can use to stop this guest's waits.
    pub fn interrupter(&self) -> Interrupter {
        self.interrupter.clone()
    }

    /// Blocks until the store's poller reports an event or `limit` passes (`None`: no limit). The
    /// waits check afterwards what they wait for, so a signal that cut this short is no error.
    pub(crate) fn poll_once(&mut self, limit: Option<std::time::Duration>) -> std::io::Result<()> {
        match self.poll.poll(&mut self.events, limit) {
            Err(e) if e.kind() != std::io::ErrorKind::Interrupted => Err(e),
            _ => Ok(()),
        }
    }
}

/// Stops a guest blocked in (or later entering) a pysock wait: the call traps with [`Interrupted`].
/// Pair it with wasmtime's epoch interruption to stop guest code that is computing rather than
/// waiting; [`runtime::run_command`] does both for its time limit.
///
/// It also delivers SIGINT (Ctrl-C) to the guest ([`Interrupter::deliver_sigint`]), and the guest's
/// SIGALRM, SIGVTALRM and SIGPROF ([`timers`]): the wait the guest is in, or its next one, ends once with EINTR, after which
/// CPython runs the program's handler (KeyboardInterrupt for SIGINT) as it does for a native signal;
/// a guest that is computing takes it at its next instruction boundary, through the words of its
/// memory it named ([`signal_words`]).
#[derive(Clone)]
pub struct Interrupter(Arc<Wake>);

struct Wake {
    stopped: AtomicBool,
    /// Signals delivered and not yet taken by a wait: bit N is signal N.
    pending: AtomicU32,
    /// Signals that ended a wait with EINTR, for the guest to take (`take-signals`).
    taken: AtomicU32,
    /// The guest's interval timers, by [`timers::Which`]: each delivers its signal.
    timers: [Arc<timers::Timer>; 3],
    /// Whether the guest set SO_RCVTIMEO or SO_SNDTIMEO on a socket. Until it has, every socket's
    /// are the kernel's default, no limit, and a waiting call does not read them ([`CallLimit`]).
    socket_timeouts: AtomicBool,
    /// Readable while either is pending: the store's poller and every guest epoll instance watch it.
    fd: std::os::fd::OwnedFd,
    /// What a delivered signal sets in the guest's memory, so that a computing guest takes it
    /// (`signal_words`); held while they are set, so that the store cannot free them meanwhile.
    signal_words: std::sync::Mutex<Option<signal_words::SignalWords>>,
}

impl Drop for Wake {
    fn drop(&mut self) {
        // The run is over: its timers' threads end.
        self.timers.iter().for_each(|t| t.close());
    }
}

/// Linux's (and WASI CPython's) number for SIGINT.
const SIGINT: u32 = 2;

/// The mio token of the interrupter's eventfd; socket tokens are file descriptors, never this.
pub(crate) const WAKE_TOKEN: mio::Token = mio::Token(usize::MAX);

impl Interrupter {
    /// A new interrupter, for [`PysockCtxBuilder::interrupter`] or
    /// [`RunOptions::interrupter`](runtime::RunOptions::interrupter): the embedder keeps a clone to
    /// act on the run from another thread.
    pub fn new() -> std::io::Result<Self> {
        // An eventfd rather than mio's Waker: epoll instances register the same descriptor,
        // level-triggered, so an interrupted guest's every later wait returns at once.
        let fd = sys::eventfd()?;
        Ok(Interrupter(Arc::new(Wake {
            stopped: AtomicBool::new(false),
            pending: AtomicU32::new(0),
            taken: AtomicU32::new(0),
            timers: timers::Which::ALL.map(|which| Arc::new(timers::Timer::new(which))),
            socket_timeouts: AtomicBool::new(false),
            fd,
            signal_words: Default::default(),
        })))
    }

    /// Makes `poll` wake when this interrupter acts.
    fn watched_by(&self, poll: &mio::Poll) -> std::io::Result<()> {
        let raw = std::os::fd::AsRawFd::as_raw_fd(&self.0.fd);
        poll.registry().register(&mut mio::unix::SourceFd(&raw), WAKE_TOKEN, mio::Interest::READABLE)
    }

    pub fn interrupt(&self) {
        self.0.stopped.store(true, Ordering::SeqCst);
        self.0.timers.iter().for_each(|t| t.close());
        sys::eventfd_signal(self.fd());
    }

    pub(crate) fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(&self.0.fd)
    }

    pub fn is_interrupted(&self) -> bool {
        self.0.stopped.load(Ordering::SeqCst)
    }

    /// Delivers SIGINT to the guest, as Ctrl-C would a native program. Returns false, delivering
    /// nothing, while an earlier one is still on its way: the guest has neither waited nor run its
    /// interpreter's loop since (it is blocked in a WASI call outside pysock's waits, or computing
    /// without naming its signal words), and the caller may want to stop it another way.
    pub fn deliver_sigint(&self) -> bool {
        self.deliver(SIGINT)
    }

    /// Delivers `signal` to the guest, unless it is still on its way (false): its wait ends, and
    /// a guest that computes takes it at its next check, through the words it named.
    fn deliver(&self, signal: u32) -> bool {
        let bit = 1 << signal;
        if self.0.pending.fetch_or(bit, Ordering::SeqCst) & bit != 0 {
            return false;
        }
        sys::eventfd_signal(self.fd());
        if let Some(words) = &*self.0.signal_words.lock().unwrap_or_else(|e| e.into_inner()) {
            words.trip();
        }
        true
    }

    /// The words a delivered signal sets in the guest's memory, or none.
    pub(crate) fn set_signal_words(&self, words: Option<signal_words::SignalWords>) {
        *self.0.signal_words.lock().unwrap_or_else(|e| e.into_inner()) = words;
    }

    /// Arms one of the guest's interval timers ([`timers`]): its signal once its clock has counted
    /// `value` (zero: disarms it), then every `interval`. Returns it as it was: (time left,
    /// interval). Called on the guest's thread, whose CPU time two of them count.
    pub(crate) fn set_timer(&self, which: timers::Which, value: std::time::Duration, interval: std::time::Duration) -> std::io::Result<(std::time::Duration, std::time::Duration)> {
        self.0.timers[which as usize].set(value, interval, Arc::downgrade(&self.0), |wake, which| {
            Interrupter(wake.clone()).deliver(which.signal());
        })
    }

    /// One of the guest's interval timers: (time left, interval).
    pub(crate) fn timer(&self, which: timers::Which) -> (std::time::Duration, std::time::Duration) {
        self.0.timers[which as usize].get()
    }

    /// The signals delivered since the last call, in increasing order: those that ended waits with
    /// EINTR, and those no wait has seen yet (a computing guest's, which then end no wait).
    pub(crate) fn take_signals(&self) -> Vec<u8> {
        self.take_pending();
        let taken = self.0.taken.swap(0, Ordering::SeqCst);
        (0..32u8).filter(|n| taken & (1 << n) != 0).collect()
    }

    /// What each pysock wait checks before it waits: a stopped guest traps, a signal not yet taken
    /// ends the wait with EINTR.
    pub(crate) fn check(&self) -> Result<(), error::NetError> {
        if self.is_interrupted() {
            return Err(error::NetError::Trap(Interrupted.into()));
        }
        if self.take_pending() {
            return Err(bindings::pysock::net::types::Errno::Eintr.into());
        }
        Ok(())
    }

    /// A blocking socket's receive on its non-blocking kernel sockets `fds` (its own, and a
    /// dual-stack stand-in's companion), as the kernel would run it inside a blocking recv(2):
    /// `receive` until it finds bytes, the end of the stream or an error, waiting for one of
    /// `fds` to turn readable each time it finds nothing, for as long as the
    /// socket's SO_RCVTIMEO allows (then EAGAIN). A SIGINT for the guest ends the wait with EINTR
    /// and a stop traps it ([`Interrupter::check`]), as every pysock wait.
    pub(crate) fn receive_waiting<T>(&self, fds: &[std::os::fd::RawFd], mut receive: impl FnMut() -> std::io::Result<T>) -> Result<T, error::NetError> {
        let mut limit = CallLimit::new(libc::SO_RCVTIMEO, self);
        loop {
            match receive() {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    self.check()?;
                    sys::wait_readable(fds, self.fd(), limit.left(fds[0])?)?;
                }
                got => return Ok(got?),
            }
        }
    }

    /// A blocking socket's send of `len` bytes on the non-blocking kernel socket `fd`, as the
    /// kernel runs a blocking send(2): `send(offset)` sends what is left from `offset`, again each
    /// time `fd` has room, until every byte went. Once some went, a SIGINT, an error or the end
    /// of the socket's SO_SNDTIMEO ends it with their count, as send(2) returns a partial count;
    /// the SIGINT stays for the next wait to report (the program's next send, if it sends the
    /// rest, or wait), and the error for the next send, where the kernel reports it. Before any
    /// went, they end it as [`Interrupter::receive_waiting`]'s do.
    pub(crate) fn send_waiting(&self, fd: std::os::fd::RawFd, len: usize, mut send: impl FnMut(usize) -> std::io::Result<usize>) -> Result<usize, error::NetError> {
        let mut limit = CallLimit::new(libc::SO_SNDTIMEO, self);
        let mut sent = 0;
        loop {
            match send(sent) {
                Ok(n) => {
                    sent += n;
                    // A datagram goes whole; a stream send that took nothing has nothing to send.
                    if sent >= len || n == 0 {
                        return Ok(sent);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if sent > 0 && self.0.pending.load(Ordering::SeqCst) != 0 && !self.is_interrupted() {
                        return Ok(sent);
                    }
                    self.check()?;
                    match limit.left(fd) {
                        Ok(left) => sys::wait_writable(fd, self.fd(), left)?,
                        Err(_) if sent > 0 => return Ok(sent),
                        Err(e) => return Err(e),
                    }
                }
                Err(_) if sent > 0 => return Ok(sent),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// A blocking socket's AF_UNIX connect on the non-blocking kernel socket `fd`, as the kernel
    /// runs connect(2) on a blocking one: while the listener's backlog is full (EAGAIN), it waits
    /// for room, for as long as the socket's SO_SNDTIMEO allows (then EAGAIN). Nothing turns ready
    /// when a listener accepts, so it tries again after a pause that doubles from 1 ms up to
    /// [`MOST_BACKLOG_PAUSE`], during which only a signal or a stop ends it, as they end every
    /// pysock wait ([`Interrupter::check`]).
    pub(crate) fn connect_waiting(&self, fd: std::os::fd::RawFd, mut connect: impl FnMut() -> std::io::Result<()>) -> Result<(), error::NetError> {
        let mut limit = CallLimit::new(libc::SO_SNDTIMEO, self);
        let mut pause = std::time::Duration::from_millis(1);
        loop {
            match connect() {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    self.check()?;
                    let left = limit.left(fd)?;
                    sys::wait_readable(&[], self.fd(), Some(left.map_or(pause, |left| left.min(pause))))?;
                    pause = (pause * 2).min(MOST_BACKLOG_PAUSE);
                }
                done => return Ok(done?),
            }
        }
    }

    /// Notes that the guest set a socket's SO_RCVTIMEO or SO_SNDTIMEO, which waits then apply.
    pub(crate) fn socket_timeouts_set(&self) {
        self.0.socket_timeouts.store(true, Ordering::Relaxed);
    }

    /// Takes the signals delivered and not yet taken, for a wait to end with EINTR; the guest then
    /// learns which ([`Interrupter::take_signals`]).
    pub(crate) fn take_pending(&self) -> bool {
        let pending = self.0.pending.swap(0, Ordering::SeqCst);
        if pending == 0 {
            return false;
        }
        self.0.taken.fetch_or(pending, Ordering::SeqCst);
        // The descriptor stays readable for a stopped guest, whose every wait must end.
        if !self.is_interrupted() {
            sys::eventfd_drain(self.fd());
        }
        true
    }
}

/// The longest a blocking AF_UNIX connect waits before it asks a full backlog again: how late,
/// at most, it notices the room an accept made ([`Interrupter::connect_waiting`]).
const MOST_BACKLOG_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

/// How long a blocking socket call may wait in all: the socket's SO_RCVTIMEO or SO_SNDTIMEO, which
/// the kernel applies to a blocking call as a whole (EAGAIN once it ran out) and ignores on the
/// host's non-blocking sockets, so the host applies it here. Read when the call first has to wait,
/// and only once the guest has set one ([`Interrupter::socket_timeouts_set`]), so calls that never
/// wait, and programs that never set one, make no system call for it; the kernel's value is the
/// one a duplicate or an accepted socket shares or inherits.
struct CallLimit {
    option: libc::c_int,
    /// Read yet, and if so when the call must end (`None`: no limit).
    deadline: Option<Option<std::time::Instant>>,
}

impl CallLimit {
    fn new(option: libc::c_int, wake: &Interrupter) -> Self {
        let unset = !wake.0.socket_timeouts.load(Ordering::Relaxed);
        CallLimit { option, deadline: unset.then_some(None) }
    }

    /// What is left of the limit for the next wait on `fd` (`None`: no limit); EAGAIN once none is.
    fn left(&mut self, fd: std::os::fd::RawFd) -> Result<Option<std::time::Duration>, error::NetError> {
        let deadline = match self.deadline {
            Some(d) => d,
            None => {
                let micros = sys::getsockopt_timeout(fd, self.option)?;
                let d = (micros > 0).then(|| std::time::Instant::now().checked_add(std::time::Duration::from_micros(micros as u64))).flatten();
                *self.deadline.insert(d)
            }
        };
        match deadline.map(|d| d.saturating_duration_since(std::time::Instant::now())) {
            Some(left) if left.is_zero() => Err(bindings::pysock::net::types::Errno::Eagain.into()),
            left => Ok(left),
        }
    }
}

/// The trap of a guest whose wait an [`Interrupter`] stopped.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the embedder interrupted the guest")
    }
}

impl std::error::Error for Interrupted {}

/// Builds a [`PysockCtx`]. The default denies all network access.
#[derive(Default)]
pub struct PysockCtxBuilder {
    policy: NetworkPolicy,
    quotas: Quotas,
    audit: Option<Box<dyn std::io::Write + Send>>,
    default_trust: DefaultTrust,
    identities: std::collections::HashMap<String, (Vec<u8>, Vec<u8>)>,
    interrupter: Option<Interrupter>,
    inherited_stdin: bool,
    unix_folders: Vec<(String, std::path::PathBuf, bool)>,
    max_memory: Option<u64>,
}

impl PysockCtxBuilder {
    /// Says that the guest's stdin is this process's, as `WasiCtxBuilder::inherit_stdin` gives it
    /// (default: it is not known to be). Then a `wait` that asks about the guest's stdin waits on
    /// this process's, so that a guest reading it (`input()`, the interactive prompt) can be woken
    /// by Ctrl-C ([`Interrupter::deliver_sigint`]) and `select`, `poll` and epoll can watch it beside
    /// sockets; otherwise stdin is ready at once, as a regular file is, and epoll refuses it (EPERM).
    pub fn inherit_stdin(mut self) -> Self {
        self.inherited_stdin = true;
        self
    }

    /// The interrupter this context's waits answer to, made beforehand so that another thread can
    /// hold it (default: one of its own, which [`PysockCtx::interrupter`] gives).
    pub fn interrupter(mut self, interrupter: Interrupter) -> Self {
        self.interrupter = Some(interrupter);
        self
    }

    /// What the guest may reach (default: nothing).
    pub fn network(mut self, policy: NetworkPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// What the guest may consume (default: 1024 open sockets, nothing else limited).
    pub fn quotas(mut self, quotas: Quotas) -> Self {
        self.quotas = quotas;
        self
    }

    /// How many sockets the guest may hold open at once; past it, calls fail with EMFILE.
    pub fn max_sockets(mut self, n: usize) -> Self {
        self.quotas.sockets = n;
        self
    }

    /// The most memory the guest may have, in bytes (default: wasm32's 4 GiB). A store whose
    /// limiter is a [`limits::Limiter`] enforces it (pysock's [`runtime::State`] does), and the
    /// guest sees it as its hard RLIMIT_AS.
    pub fn max_memory(mut self, bytes: u64) -> Self {
        self.max_memory = Some(bytes);
        self
    }

    /// Writes a JSON line for every policy decision (see [`audit`]).
    pub fn audit(mut self, out: Box<dyn std::io::Write + Send>) -> Self {
        self.audit = Some(out);
        self
    }

    /// What `ssl.create_default_context()` trusts inside the sandbox (default: nothing, so code must
    /// load its own CAs).
    pub fn default_trust(mut self, trust: DefaultTrust) -> Self {
        self.default_trust = trust;
        self
    }

    /// Registers a TLS identity that sandboxed code can use by name
    /// (`load_cert_chain("pysock-identity:NAME")`) without ever seeing the private key.
    pub fn tls_identity(mut self, name: impl Into<String>, chain_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        self.identities.insert(name.into(), (chain_pem, key_pem));
        self
    }

    /// Names a folder the guest sees as `guest` (absolute), the host's `host`, for AF_UNIX paths:
    /// with `writable`, the guest may bind and connect sockets by paths in it, as a socket's path is
    /// a file there (the host opens what the guest names beneath the folder, so no link leads it
    /// out); without, its paths are refused. Give each folder the guest's files have, as it has
    /// them. Default: none, and every path is refused.
    pub fn unix_folder(mut self, guest: impl Into<String>, host: impl Into<std::path::PathBuf>, writable: bool) -> Self {
        self.unix_folders.push((guest.into(), host.into(), writable));
        self
    }

    pub fn build(self) -> std::io::Result<PysockCtx> {
        let poll = mio::Poll::new()?;
        let interrupter = match self.interrupter {
            Some(given) => given,
            None => Interrupter::new()?,
        };
        interrupter.watched_by(&poll)?;
        let mut unix_folders = unix_paths::UnixFolders::default();
        for (guest, host, writable) in &self.unix_folders {
            unix_folders.add(guest, host, *writable)?;
        }
        Ok(PysockCtx {
            policy: self.policy,
            admissions: Default::default(),
            audit: self.audit.map(audit::AuditLog::new).unwrap_or_default(),
            usage: quota::Usage::new(&self.quotas),
            socket_limit: self.quotas.sockets,
            quotas: self.quotas,
            refusal: None,
            interrupter,
            poll,
            events: mio::Events::with_capacity(256),
            default_trust: tls::TrustAnchors::new(self.default_trust),
            identities: self.identities,
            inherited_stdin: self.inherited_stdin,
            stdin_polled: false,
            in_flight: Default::default(),
            unix_folders,
            memory: limits::MemoryCap::new(self.max_memory.unwrap_or(limits::WASM32_MEMORY).min(limits::WASM32_MEMORY)),
        })
    }
}

/// What the host functions operate on: the context and the store's resource table.
pub struct PysockCtxView<'a> {
    pub ctx: &'a mut PysockCtx,
    pub table: &'a mut ResourceTable,
}

/// Implemented by a store's data type to give pysock its view.
pub trait PysockView: Send {
    fn pysock(&mut self) -> PysockCtxView<'_>;
}

struct Pysock;
impl HasData for Pysock {
    type Data<'a> = PysockCtxView<'a>;
}

/// Adds the `pysock:net` host interfaces (`types`, `net`, `data`, `tls`, `signals`, `files`) to `linker`.
pub fn add_to_linker<T: PysockView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    bindings::pysock::net::types::add_to_linker::<T, Pysock>(linker, T::pysock)?;
    bindings::pysock::net::net::add_to_linker::<T, Pysock>(linker, T::pysock)?;
    bindings::pysock::net::tls::add_to_linker::<T, Pysock>(linker, T::pysock)?;
    tls::add_bulk_to_linker(linker)?;
    data::add_to_linker(linker)?;
    signal_words::add_to_linker(linker)?;
    bindings::pysock::net::files::add_to_linker::<T, Pysock>(linker, T::pysock)?;
    Ok(())
}
