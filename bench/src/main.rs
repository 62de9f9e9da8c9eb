//! pysock's benchmark suite. `pysock-bench` runs every workload on loopback for every subject in one
//! invocation and writes `docs/benchmarks.json` and `docs/BENCHMARKS.md`; `bench/plots.py` draws the
//! plots from the JSON. `bash scripts/bench.sh` does all of it.
//!
//! Subjects:
//! - (a) native Rust `std::net`;
//! - (b) native CPython (`python3`);
//! - (d) CPython in the sandbox on pysock (`pysock python`);
//! - (e) the same CPython on wasmtime-wasi's own wasi:sockets, the network inherited: what a user
//!   would run without pysock.
//!
//! The peers are native Rust threads in this process (a sink, an echo server, an acceptor, a TLS
//! sink on rustls), shared by every subject, so the subjects differ only in the client. Programs
//! with both ends of a connection in one process run natively and in the sandbox. Every workload is
//! bounded in size. Numbers are compared as ratios within one run, never as absolute times.

use anyhow::{Context, Result, bail};
use pysock::runtime::{self, RunOptions};
use std::collections::BTreeMap;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Bytes one throughput run sends.
const TOTAL: usize = 256 << 20;
/// Ping-pongs in one latency run.
const ROUNDS: usize = 2000;
/// Connections in one connection-rate run.
const CONNECTIONS: usize = 1000;
/// Runs per subject and workload; the median is reported. The subjects take turns, run by run, so
/// that a slow spell of this shared machine falls on all of them rather than on one. Nine, not five:
/// a run's bulk rate falls in one of two states for every subject (16 alternating pairs of the
/// both-ends loop: native CPython at about 4,400 MiB/s in 6, the sandbox in 2, both about 5,500
/// otherwise). A median of five put the two in different states often enough that the loop's ratio
/// read 0.73 in a suite where those 16 pairs, minutes later, gave 0.95 (docs/performance.md).
const RUNS: usize = 9;
/// Bytes one run moves between two ends in one program, and over TLS.
const BOTH_ENDS_TOTAL: usize = 256 << 20;
const TLS_TOTAL: usize = 256 << 20;

/// Counts the bytes this process holds allocated, for the host's memory per idle socket: resident
/// memory moves in pages and with the allocator's caches, the count moves by the byte.
struct Counting;

static ALLOCATED: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call forwards to the system allocator with the same arguments; the counter only
// observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is the one `System.alloc` needs.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        ALLOCATED.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from this allocator, so from `System`, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's valid new size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("the checkout")
}

fn pysock_bin() -> PathBuf {
    root().join("target/release/pysock")
}

#[derive(Clone, Copy, Debug)]
enum Workload {
    Throughput { chunk: usize, placement: Placement },
    Latency { placement: Placement },
    ConnRate,
}

/// Where a run's subject and its peer (the sink, or the echo server) may run. On a virtual machine a sender whose sink
/// sleeps on another CPU pays for waking it (an inter-processor interrupt) inside its send call;
/// on one CPU the wake-up is local. Left to the scheduler, which of the two a run gets varies from
/// run to run, and with it a 64 KiB sender's rate by about two times (docs/performance.md). Pinning
/// every subject the same way shows each case on its own.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Placement {
    /// Wherever the scheduler puts them, as a user's program runs.
    Scheduler,
    /// The sink thread on one CPU, the whole subject (every thread it starts) on another.
    Apart,
    /// The sink thread and the whole subject on the same CPU.
    Together,
}

impl Placement {
    fn sink(self, peers: &Peers) -> u16 {
        if self == Placement::Scheduler { peers.sink } else { peers.pinned_sink }
    }

    fn echo(self, peers: &Peers) -> u16 {
        if self == Placement::Scheduler { peers.echo } else { peers.pinned_echo }
    }

    /// How a workload's name says where its two ends ran.
    fn described(self, subject: &str, peer: &str) -> String {
        match self {
            Placement::Scheduler => String::new(),
            Placement::Apart => format!(", {subject} and {peer} pinned to two CPUs"),
            Placement::Together => format!(", {subject} and {peer} pinned to one CPU"),
        }
    }

    /// Runs one measurement of a subject where this placement puts subjects.
    fn run<T>(self, measure: impl FnOnce() -> T) -> T {
        match (self, cpus()) {
            (Placement::Apart, Some((subject_cpu, _))) | (Placement::Together, Some((_, subject_cpu))) => on_cpu(subject_cpu, measure),
            _ => measure(),
        }
    }
}

impl Workload {
    fn name(self) -> String {
        match self {
            Workload::Throughput { chunk, placement } => {
                let size = if chunk >= 1 << 20 { format!("{} MiB", chunk >> 20) } else { format!("{} KiB", chunk >> 10) };
                format!("throughput, {size} sends{} (MiB/s)", placement.described("sender", "sink"))
            }
            Workload::Latency { placement } => format!("latency, 64 B ping-pong{}, p50 / p99 (µs)", placement.described("client", "echo server")),
            Workload::ConnRate => "connections per second (connect, close)".into(),
        }
    }

    /// Whether a larger number is better.
    fn higher_is_better(self) -> bool {
        !matches!(self, Workload::Latency { .. })
    }

    fn python_args(self, peers: &Peers) -> Vec<String> {
        match self {
            Workload::Throughput { chunk, placement } => {
                vec!["throughput".into(), placement.sink(peers).to_string(), chunk.to_string(), TOTAL.to_string()]
            }
            Workload::Latency { placement } => vec!["latency".into(), placement.echo(peers).to_string(), ROUNDS.to_string()],
            Workload::ConnRate => vec!["connrate".into(), peers.acceptor.to_string(), CONNECTIONS.to_string()],
        }
    }
}

struct Peers {
    sink: u16,
    /// A sink whose threads run on `cpus().1` alone.
    pinned_sink: u16,
    echo: u16,
    /// An echo server whose threads run on `cpus().1` alone.
    pinned_echo: u16,
    acceptor: u16,
    tls_sink: u16,
}

/// A loopback listener whose backlog holds a whole run's connections. std's listen(2) asks for 128:
/// when a peer's accepting thread is not scheduled for a few milliseconds (seen on a 2-CPU VM), a
/// subject that connects 40,000 times a second fills that, the kernel drops its next SYN, and the
/// connect waits out the one-second retransmission: the connection rates read 245, 326, 490 or
/// 960 per second, by how many SYNs one run lost, whichever subject it was.
fn peer_listener() -> TcpListener {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    // SAFETY: listen(2) on the listener's own descriptor; a second listen sets its backlog (the
    // kernel caps it at net.core.somaxconn).
    let listened = unsafe { libc::listen(std::os::fd::AsRawFd::as_raw_fd(&listener), 4096) };
    assert_eq!(listened, 0, "listen(2) on a loopback listener: {}", std::io::Error::last_os_error());
    listener
}

/// Serves each connection on its own thread with `handler`.
fn spawn_peer(handler: fn(TcpStream)) -> u16 {
    let listener = peer_listener();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || handler(conn));
        }
    });
    port
}

/// Reads to end-of-file, then answers with the byte count (8 bytes, big-endian).
fn sink(mut c: TcpStream) {
    let mut buf = vec![0u8; 1 << 20];
    let mut n: u64 = 0;
    while let Ok(k @ 1..) = c.read(&mut buf) {
        n += k as u64;
    }
    let _ = c.write_all(&n.to_be_bytes());
}

/// [`sink`] on the peer's CPU of [`Placement`].
fn pinned_sink(c: TcpStream) {
    on_peer_cpu();
    sink(c)
}

/// [`echo`] on the peer's CPU of [`Placement`].
fn pinned_echo(c: TcpStream) {
    on_peer_cpu();
    echo(c)
}

/// Pins this thread, a peer's, to the second of [`cpus`].
fn on_peer_cpu() {
    if let Some((_, peer_cpu)) = cpus() {
        set_affinity(&only(peer_cpu)).expect("pinning the peer thread");
    }
}

/// Two CPUs this process may use, for [`Placement`]: the subject's and the sink's.
fn cpus() -> Option<(usize, usize)> {
    static CPUS: std::sync::OnceLock<Option<(usize, usize)>> = std::sync::OnceLock::new();
    *CPUS.get_or_init(|| {
        let set = affinity().ok()?;
        // SAFETY: CPU_ISSET reads the set within CPU_SETSIZE.
        let mut allowed = (0..libc::CPU_SETSIZE as usize).filter(|&c| unsafe { libc::CPU_ISSET(c, &set) });
        Some((allowed.next()?, allowed.next()?))
    })
}

/// Runs `f` with this thread, and every thread and process it starts meanwhile, on `cpu` alone.
fn on_cpu<T>(cpu: usize, f: impl FnOnce() -> T) -> T {
    let before = affinity().expect("this thread's CPUs");
    set_affinity(&only(cpu)).expect("pinning the subject");
    let result = f();
    set_affinity(&before).expect("unpinning the subject");
    result
}

fn only(cpu: usize) -> libc::cpu_set_t {
    // SAFETY: cpu_set_t is a plain bit set, for which all zeroes is the empty set; CPU_SET writes
    // within it because `cpu` came from `cpus`, below CPU_SETSIZE.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        set
    }
}

fn affinity() -> std::io::Result<libc::cpu_set_t> {
    // SAFETY: all zeroes is a valid set, and sched_getaffinity writes at most its size.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    match unsafe { libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) } {
        0 => Ok(set),
        _ => Err(std::io::Error::last_os_error()),
    }
}

fn set_affinity(set: &libc::cpu_set_t) -> std::io::Result<()> {
    // SAFETY: `set` is initialised and its size is passed with it.
    match unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(set), set) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

fn echo(mut c: TcpStream) {
    let _ = c.set_nodelay(true);
    let mut buf = [0u8; 4096];
    while let Ok(k @ 1..) = c.read(&mut buf) {
        if c.write_all(&buf[..k]).is_err() {
            break;
        }
    }
}

/// The conformance suite's test PKI, which the TLS sink serves and the clients trust.
fn certs() -> Result<PathBuf> {
    let shared = std::env::var_os("PYSOCK_SHARED").map(PathBuf::from).unwrap_or_else(|| root().join("../shared"));
    shared.join("conformance/certs").canonicalize().context("the shared folder's conformance/certs: ../shared beside the checkout, or PYSOCK_SHARED")
}

/// The TLS sink's settings: the conformance suite's certificate for localhost, on rustls.
fn tls_sink_config() -> Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = certs()?;
    let chain = CertificateDer::pem_file_iter(certs.join("cert.pem"))?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(certs.join("key.pem"))?;
    let config = rustls::ServerConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// Over TLS: reads an 8-byte length, then that many bytes, and answers with the count it read.
fn tls_sink(config: Arc<rustls::ServerConfig>, c: TcpStream) -> Result<()> {
    let mut tls = rustls::StreamOwned::new(rustls::ServerConnection::new(config)?, c);
    let mut header = [0u8; 8];
    tls.read_exact(&mut header)?;
    let total = u64::from_be_bytes(header);
    let mut buf = vec![0u8; 1 << 20];
    let mut n: u64 = 0;
    while n < total {
        match tls.read(&mut buf)? {
            0 => break,
            k => n += k as u64,
        }
    }
    tls.write_all(&n.to_be_bytes())?;
    tls.conn.send_close_notify();
    tls.flush()?;
    Ok(())
}

fn start_peers() -> Result<Peers> {
    let acceptor = peer_listener();
    let acceptor_port = acceptor.local_addr().unwrap().port();
    std::thread::spawn(move || acceptor.incoming().for_each(drop));
    let config = tls_sink_config()?;
    let tls = peer_listener();
    let tls_sink_port = tls.local_addr()?.port();
    std::thread::spawn(move || {
        for conn in tls.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || tls_sink(config, conn));
        }
    });
    Ok(Peers { sink: spawn_peer(sink), pinned_sink: spawn_peer(pinned_sink), echo: spawn_peer(echo), pinned_echo: spawn_peer(pinned_echo), acceptor: acceptor_port, tls_sink: tls_sink_port })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Measures each subject `RUNS` times, the subjects taking turns, and records each one's medians
/// (one per number its run gives) under `section`.
fn compare(results: &mut Results, section: &str, subjects: &mut [(&str, &mut dyn FnMut() -> Result<Vec<f64>>)]) {
    let mut runs: Vec<Result<Vec<Vec<f64>>>> = subjects.iter().map(|_| Ok(Vec::new())).collect();
    for _ in 0..RUNS {
        for ((_, measure), collected) in subjects.iter_mut().zip(runs.iter_mut()) {
            if let Ok(list) = collected {
                match measure() {
                    Ok(v) => list.push(v),
                    Err(e) => *collected = Err(e),
                }
            }
        }
    }
    for ((subject, _), collected) in subjects.iter().zip(runs) {
        // Every run's first number, in the log only: some workloads are bimodal (docs/performance.md),
        // and a median alone does not say which mode most runs were in.
        if let Ok(runs) = &collected {
            println!("    {subject}, each run: {:?}", runs.iter().map(|r| r[0]).collect::<Vec<_>>());
        }
        let medians = collected.map(|runs| (0..runs[0].len()).map(|i| median(runs.iter().map(|r| r[i]).collect())).collect());
        record(results, section, subject, medians);
    }
}

fn latency_summary(mut samples: Vec<f64>) -> Vec<f64> {
    samples.sort_by(f64::total_cmp);
    vec![samples[samples.len() / 2] * 1e6, samples[samples.len() * 99 / 100] * 1e6]
}

/// (a) native Rust std::net.
fn rust_native(w: Workload, peers: &Peers) -> Result<Vec<f64>> {
    match w {
        Workload::Throughput { chunk, placement } => {
            let payload = vec![b'x'; chunk];
            let mut s = TcpStream::connect(("127.0.0.1", placement.sink(peers)))?;
            let start = Instant::now();
            let mut sent = 0;
            while sent < TOTAL {
                s.write_all(&payload)?;
                sent += chunk;
            }
            s.shutdown(std::net::Shutdown::Write)?;
            let mut ack = [0u8; 8];
            s.read_exact(&mut ack)?;
            anyhow::ensure!(u64::from_be_bytes(ack) == sent as u64, "the sink lost bytes");
            Ok(vec![sent as f64 / start.elapsed().as_secs_f64() / (1 << 20) as f64])
        }
        Workload::Latency { placement } => {
            let mut s = TcpStream::connect(("127.0.0.1", placement.echo(peers)))?;
            s.set_nodelay(true)?;
            let msg = [b'p'; 64];
            let mut back = [0u8; 64];
            let samples = (0..ROUNDS)
                .map(|_| {
                    let start = Instant::now();
                    s.write_all(&msg)?;
                    s.read_exact(&mut back)?;
                    Ok(start.elapsed().as_secs_f64())
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(latency_summary(samples))
        }
        Workload::ConnRate => {
            let start = Instant::now();
            for _ in 0..CONNECTIONS {
                drop(TcpStream::connect(("127.0.0.1", peers.acceptor))?);
            }
            Ok(vec![CONNECTIONS as f64 / start.elapsed().as_secs_f64()])
        }
    }
}

/// Runs a command and parses the numbers on its last line of output.
fn numbers_from(cmd: &mut Command) -> Result<Vec<f64>> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("{cmd:?} failed: {text}\n{}", String::from_utf8_lossy(&out.stderr));
    }
    let last = text.lines().last().unwrap_or("");
    last.split_whitespace().map(|n| n.parse::<f64>().with_context(|| format!("not a number in {last:?}"))).collect()
}

/// Native CPython's real executable: `python3` may be a version-manager shim (pyenv's is a shell
/// script) whose own start-up would be charged to CPython.
fn native_python() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .ok()
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|p| p.exists())
            .unwrap_or_else(|| PathBuf::from("python3"))
    })
    .clone()
}

/// Wall time of starting `script` warm, natively (b) or in the sandbox (d): the median of 15 runs,
/// in milliseconds.
fn start_up_ms(subject: &str, script: &Path) -> Result<Vec<f64>> {
    wall_ms(15, || {
        let mut c = Command::new(if subject == "b" { native_python() } else { pysock_bin() });
        if subject == "d" {
            c.arg("python");
        }
        c.arg(script);
        c
    })
    .map(|v| vec![v])
}

/// The command that runs a Python script for subject (b), (d) or (e).
fn python(subject: char, script: &str, args: &[String]) -> Command {
    let script = root().join(script);
    let mut cmd = match subject {
        'b' => Command::new(native_python()),
        'd' => {
            let mut c = Command::new(pysock_bin());
            c.args(["python", "--allow-loopback", "--max-sockets", "20100"]);
            c
        }
        'e' => {
            let mut c = Command::new(std::env::current_exe().expect("this binary"));
            c.arg("wasi-python");
            c
        }
        _ => unreachable!("no such subject"),
    };
    cmd.arg(script).args(args);
    cmd
}

/// Nanoseconds of one native getsockopt(SO_TYPE) system call, to subtract from the host call.
fn native_getsockopt_ns() -> f64 {
    let s = TcpListener::bind("127.0.0.1:0").unwrap();
    let fd = std::os::fd::AsFd::as_fd(&s);
    const N: u32 = 200_000;
    let start = Instant::now();
    for _ in 0..N {
        pysock::sys::getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_TYPE).unwrap();
    }
    start.elapsed().as_nanos() as f64 / N as f64
}

/// Resident memory of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// Host memory per open idle socket: the bytes the host allocates, counted by this process's
/// allocator, while it holds 10,000 sockets for one store (the table's growth included). Run
/// before any other thread starts, so that nothing else allocates meanwhile.
fn host_bytes_per_socket() -> Result<f64> {
    use pysock::bindings::pysock::net::net::HostSocket;
    use pysock::bindings::pysock::net::types::{Family, Kind};
    const N: usize = 10_000;
    let mut ctx = pysock::PysockCtx::builder().max_sockets(N + 10).build()?;
    let mut table = wasmtime::component::ResourceTable::new();
    let mut view = pysock::PysockCtxView { ctx: &mut ctx, table: &mut table };
    let mut held = Vec::with_capacity(N);
    let before = ALLOCATED.load(Ordering::Relaxed);
    for _ in 0..N {
        held.push(HostSocket::create(&mut view, Family::Inet, Kind::Stream, 0).map_err(|_| anyhow::anyhow!("socket"))?);
    }
    let per = (ALLOCATED.load(Ordering::Relaxed) - before) as f64 / N as f64;
    for s in held {
        HostSocket::drop(&mut view, s)?;
    }
    Ok(per)
}

/// Memory per sandboxed interpreter instance: RSS growth per live store that ran hello.py.
fn bytes_per_interpreter() -> Result<f64> {
    const K: usize = 5;
    let engine = runtime::engine(Default::default())?;
    let component = runtime::load_sandboxed_python(&engine, &root())?;
    let options = hello_options();
    runtime::run_command(&engine, &component, &options)?;
    let before = rss();
    let mut live = Vec::new();
    for _ in 0..K {
        live.push(runtime::start_command(&engine, &component, &options)?);
    }
    let per = rss().saturating_sub(before) as f64 / K as f64;
    drop(live);
    Ok(per)
}

fn hello_options() -> RunOptions {
    let script = root().join("bench/hello.py");
    RunOptions {
        args: vec!["python".into(), script.to_string_lossy().into_owned()],
        dirs: vec![
            (root().join("bench"), root().join("bench").to_string_lossy().into_owned()),
            (root().join("build/python/lib"), "/python".into()),
        ],
        ..Default::default()
    }
}

/// Wall time of a command, in milliseconds; the median of `n` runs.
fn wall_ms(n: usize, mut cmd: impl FnMut() -> Command) -> Result<f64> {
    let mut v = Vec::new();
    for _ in 0..n {
        let start = Instant::now();
        let out = cmd().output()?;
        anyhow::ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        v.push(start.elapsed().as_secs_f64() * 1e3);
    }
    Ok(median(v))
}

/// Subject (e): a script on the plain CPython component with wasmtime-wasi's sockets.
fn wasi_python(script: &str, args: &[String]) -> Result<i32> {
    let engine = runtime::engine(Default::default())?;
    let component = runtime::load_component(&engine, &root().join("build/plain/interpreter.wasm"), Some(&root().join("build/cache")))?;
    let script = Path::new(script).canonicalize()?;
    let dir = script.parent().context("the script's folder")?.to_path_buf();
    let options = RunOptions {
        args: ["python".to_string(), script.to_string_lossy().into_owned()].into_iter().chain(args.iter().cloned()).collect(),
        dirs: vec![(dir.clone(), dir.to_string_lossy().into_owned()), (root().join("build/python/lib"), "/python".into())],
        wasi_sockets: true,
        ..Default::default()
    };
    runtime::run_command(&engine, &component, &options)
}

type Results = BTreeMap<String, BTreeMap<String, Vec<f64>>>;

const BOTH_BULK: &str = "both ends in one program: 1 MiB chunks through a select loop (MiB/s)";
const BOTH_PINGPONG: &str = "both ends in one program: blocking 64 B round trip, p50 / p99 (µs)";
const START_HELLO: &str = "start-up, hello world (ms)";
const TLS_BULK: &str = "TLS over loopback to a native rustls sink, 1 MiB writes (MiB/s)";
const CALL_NO_IO: &str = "a call that does no I/O, gettimeout() (ns)";
const CALL_SYSCALL: &str = "a call with one system call, getsockopt(SO_TYPE) (ns)";
const CALL_SYSCALL_ALONE: &str = "the getsockopt(SO_TYPE) system call alone, from Rust (ns)";
const CALL_OVER_SYSCALL: &str = "getsockopt(SO_TYPE) from Python, less its system call (ns)";

fn record(results: &mut Results, section: &str, subject: &str, value: Result<Vec<f64>>) {
    match value {
        Ok(v) => {
            println!("  {section} / {subject}: {v:?}");
            results.entry(section.to_string()).or_default().insert(subject.to_string(), v);
        }
        Err(e) => println!("  {section} / {subject}: not measured: {e:#}"),
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("wasi-python") {
        std::process::exit(wasi_python(&args[1], &args[2..])?);
    }
    let started = Instant::now();
    let mut results = Results::new();
    // Before any thread starts: the count is of this thread's allocations alone.
    record(&mut results, "host memory per open idle socket, counted allocations (bytes)", "d", host_bytes_per_socket().map(|v| vec![v]));
    let peers = start_peers()?;
    let mut workloads = vec![
        Workload::Throughput { chunk: 1 << 20, placement: Placement::Scheduler },
        Workload::Throughput { chunk: 64 << 10, placement: Placement::Scheduler },
        Workload::Latency { placement: Placement::Scheduler },
        Workload::ConnRate,
    ];
    if cpus().is_some() {
        for placement in [Placement::Apart, Placement::Together] {
            workloads.push(Workload::Throughput { chunk: 64 << 10, placement });
        }
        for placement in [Placement::Apart, Placement::Together] {
            workloads.push(Workload::Latency { placement });
        }
    }
    for &w in &workloads {
        let section = w.name();
        println!("{section}");
        let py = w.python_args(&peers);
        let placement = match w {
            Workload::Throughput { placement, .. } | Workload::Latency { placement } => placement,
            Workload::ConnRate => Placement::Scheduler,
        };
        compare(&mut results, &section, &mut [
            ("a", &mut || placement.run(|| rust_native(w, &peers))),
            ("b", &mut || placement.run(|| numbers_from(&mut python('b', "bench/net_bench.py", &py)))),
            ("d", &mut || placement.run(|| numbers_from(&mut python('d', "bench/net_bench.py", &py)))),
            ("e", &mut || placement.run(|| numbers_from(&mut python('e', "bench/net_bench.py", &py)))),
        ]);
    }

    println!("readiness");
    for subject in ['b', 'd'] {
        let out = python(subject, "bench/readiness.py", &["200".into(), "10".into(), "1000".into(), "10000".into()]).output()?;
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if let [mechanism, n, us] = parts[..] {
                let section = format!("readiness wait, {mechanism}, N idle (µs)");
                let mut v = results.get(&section).and_then(|m| m.get(&subject.to_string())).cloned().unwrap_or_default();
                v.push(n.parse()?);
                v.push(us.parse()?);
                results.entry(section).or_default().insert(subject.to_string(), v);
            }
        }
    }

    println!("both ends in one program");
    for (section, args) in [
        (BOTH_BULK, vec!["bulk".to_string(), BOTH_ENDS_TOTAL.to_string(), (1 << 20).to_string()]),
        (BOTH_PINGPONG, vec!["pingpong".to_string(), ROUNDS.to_string()]),
    ] {
        compare(&mut results, section, &mut [
            ("b", &mut || numbers_from(&mut python('b', "bench/both_ends.py", &args))),
            ("d", &mut || numbers_from(&mut python('d', "bench/both_ends.py", &args))),
        ]);
    }

    println!("tls");
    let certs = certs()?;
    let ca = certs.join("ca.pem").to_string_lossy().into_owned();
    let tls_args = vec![peers.tls_sink.to_string(), ca, TLS_TOTAL.to_string(), (1 << 20).to_string()];
    let tls_client = |subject: char| {
        let mut cmd = python(subject, "bench/tls_client.py", &tls_args);
        if subject == 'd' {
            cmd = Command::new(pysock_bin());
            cmd.args(["python", "--allow-loopback", "--dir"]).arg(&certs).arg(root().join("bench/tls_client.py")).args(&tls_args);
        }
        numbers_from(&mut cmd)
    };
    compare(&mut results, TLS_BULK, &mut [("b", &mut || tls_client('b')), ("d", &mut || tls_client('d'))]);
    for subject in ['b', 'd'] {
        let mut cmd = python(subject, "bench/tls_bench.py", &[certs.to_string_lossy().into_owned(), "100".into(), "0".into()]);
        if subject == 'd' {
            cmd = Command::new(pysock_bin());
            cmd.args(["python", "--allow-loopback", "--dir"]).arg(&certs).arg(root().join("bench/tls_bench.py")).arg(&certs).args(["100", "0"]);
        }
        let out = cmd.output()?;
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some(value) = line.strip_prefix("handshakes_per_s ") {
                results.entry("TLS handshakes per s, both ends in one program".into()).or_default().insert(subject.to_string(), vec![value.trim().parse()?]);
            }
        }
    }

    println!("call costs");
    for subject in ['b', 'd'] {
        let out = python(subject, "bench/call_costs.py", &[]).output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let value = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok());
        if let (Some(empty), Some(no_io), Some(syscall)) = (value("empty "), value("gettimeout "), value("getsockopt ")) {
            results.entry(CALL_NO_IO.into()).or_default().insert(subject.to_string(), vec![no_io - empty]);
            results.entry(CALL_SYSCALL.into()).or_default().insert(subject.to_string(), vec![syscall - empty]);
        }
    }
    let syscall = native_getsockopt_ns();
    results.entry(CALL_SYSCALL_ALONE.into()).or_default().insert("a".into(), vec![syscall]);
    if let Some(d) = results.get(CALL_SYSCALL).and_then(|r| r.get("d")).map(|v| v[0]) {
        results.entry(CALL_OVER_SYSCALL.into()).or_default().insert("d".into(), vec![d - syscall]);
    }

    println!("start-up and memory");
    let hello = root().join("bench/hello.py");
    record(&mut results, START_HELLO, "b", start_up_ms("b", &hello));
    let cold_cache = std::env::temp_dir().join(format!("pysock-bench-cold-{}", std::process::id()));
    record(&mut results, "start-up, hello world, cold: compiling the component (ms)", "d", wall_ms(1, || {
        let _ = std::fs::remove_dir_all(&cold_cache);
        let mut c = Command::new(pysock_bin());
        c.env("PYSOCK_CACHE", &cold_cache).arg("python").arg(&hello);
        c
    }).map(|v| vec![v]));
    let _ = std::fs::remove_dir_all(&cold_cache);
    record(&mut results, START_HELLO, "d", start_up_ms("d", &hello));
    let imports = root().join("bench/imports.py");
    for subject in ["b", "d"] {
        record(&mut results, "start-up, then importing 15 standard modules (ms)", subject, start_up_ms(subject, &imports));
    }
    let engine = runtime::engine(Default::default())?;
    let component = runtime::load_sandboxed_python(&engine, &root())?;
    record(&mut results, "in-process: instantiate and run hello world (ms)", "d", {
        let mut v = Vec::new();
        for _ in 0..15 {
            let start = Instant::now();
            runtime::run_command(&engine, &component, &hello_options())?;
            v.push(start.elapsed().as_secs_f64() * 1e3);
        }
        Ok(vec![median(v)])
    });
    record(&mut results, "memory per interpreter instance (MiB)", "d", bytes_per_interpreter().map(|v| vec![v / (1 << 20) as f64]));

    let elapsed = started.elapsed();
    let json = root().join("docs/benchmarks.json");
    std::fs::create_dir_all(root().join("docs"))?;
    std::fs::write(&json, to_json(&results))?;
    std::fs::write(root().join("docs/BENCHMARKS.md"), report(&results, &workloads, elapsed))?;
    println!("wrote docs/BENCHMARKS.md and {} in {elapsed:.0?}", json.display());
    Ok(())
}

fn to_json(results: &Results) -> String {
    let sections: Vec<String> = results
        .iter()
        .map(|(section, subjects)| {
            let inner: Vec<String> = subjects
                .iter()
                .map(|(s, v)| format!("\"{s}\": [{}]", v.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(", ")))
                .collect();
            format!("  \"{}\": {{{}}}", section.replace('"', "'"), inner.join(", "))
        })
        .collect();
    format!("{{\n{}\n}}\n", sections.join(",\n"))
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let python = Command::new("python3").arg("--version").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    format!("{cpu}, {cores} cores, Linux {}, {python}, host built with `--release`", kernel.trim())
}

fn fmt(v: &[f64]) -> String {
    v.iter().map(|x| if *x >= 100.0 { format!("{x:.0}") } else { format!("{x:.2}") }).collect::<Vec<_>>().join(" / ")
}

fn report(results: &Results, workloads: &[Workload], elapsed: Duration) -> String {
    let mut md = String::from("# Benchmarks\n\n");
    md += "Written by `bash scripts/bench.sh` (the `pysock-bench` binary, then `bench/plots.py`); rerun it to refresh.\n";
    md += &format!("Machine: {}. The whole suite took {:.0} s.\n\n", machine(), elapsed.as_secs_f64());
    md += "Subjects: (a) native Rust `std::net`; (b) native CPython; (d) CPython in the sandbox on pysock;\n";
    md += "(e) the same CPython component on wasmtime-wasi's own wasi:sockets, network inherited. Peers are native\n";
    md += &format!("Rust threads on loopback. Each number is the median of {RUNS} runs, the subjects taking turns; ratios\ncompare numbers of this one run.\n\n");
    md += "## One end in the sandbox, a native peer\n\n| workload | (a) | (b) | (d) | (e) | (d)/(b) | (d)/(e) |\n|---|---|---|---|---|---|---|\n";
    for w in workloads {
        let section = w.name();
        let Some(row) = results.get(&section) else { continue };
        let get = |s: &str| row.get(s).map(|v| fmt(v)).unwrap_or_else(|| "—".into());
        let ratio = |x: &str, y: &str| ratio_of(row, x, y, w.higher_is_better()).map(|r| format!("{r:.2}")).unwrap_or_else(|| "—".into());
        md += &format!("| {section} | {} | {} | {} | {} | {} | {} |\n", get("a"), get("b"), get("d"), get("e"), ratio("d", "b"), ratio("d", "e"));
    }
    md += "\nRatios are \"how many times as good\": for latency, the inverse ratio of the p50s.\n\n";
    md += "## Both ends in the sandbox, and TLS\n\n| workload | (b) | (d) | (d)/(b) |\n|---|---|---|---|\n";
    for (section, higher_is_better) in [(BOTH_BULK, true), (BOTH_PINGPONG, false), (TLS_BULK, true)] {
        let Some(row) = results.get(section) else { continue };
        let get = |s: &str| row.get(s).map(|v| fmt(v)).unwrap_or_else(|| "—".into());
        let ratio = ratio_of(row, "d", "b", higher_is_better).map(|r| format!("{r:.2}")).unwrap_or_else(|| "—".into());
        md += &format!("| {section} | {} | {} | {ratio} |\n", get("b"), get("d"));
    }
    md += "\n## What a call costs\n\nPer call, less the cost of the loop that makes it (`bench/call_costs.py`); the system call alone is timed\nfrom Rust in the bench (a).\n\n| measure | (a) | (b) | (d) |\n|---|---|---|---|\n";
    for section in [CALL_NO_IO, CALL_SYSCALL, CALL_SYSCALL_ALONE, CALL_OVER_SYSCALL] {
        let Some(row) = results.get(section) else { continue };
        let get = |s: &str| row.get(s).map(|v| fmt(v)).unwrap_or_else(|| "—".into());
        md += &format!("| {section} | {} | {} | {} |\n", get("a"), get("b"), get("d"));
    }
    md += "\n## Readiness wait, one active socket among N idle (µs, median of 200 waits)\n\n| mechanism | subject | N=10 | N=1,000 | N=10,000 | N=10,000 / N=10 |\n|---|---|---|---|---|---|\n";
    for mechanism in ["select", "poll", "epoll"] {
        let Some(row) = results.get(&format!("readiness wait, {mechanism}, N idle (µs)")) else { continue };
        for (subject, v) in row {
            let at = |n: f64| v.chunks(2).find(|p| p[0] == n).map(|p| p[1]);
            let cell = |n: f64| at(n).map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into());
            let growth = match (at(10.0), at(10000.0)) {
                (Some(a), Some(b)) => format!("{:.2}", b / a),
                _ => "—".into(),
            };
            md += &format!("| {mechanism} | ({subject}) | {} | {} | {} | {growth} |\n", cell(10.0), cell(1000.0), cell(10000.0));
        }
    }
    md += "\nselect() takes descriptors below 1024 only, so it has no N=10,000 column.\n\n## Everything else\n\n| measure | (b) | (d) | (d)/(b) |\n|---|---|---|---|\n";
    let shown = [BOTH_BULK, BOTH_PINGPONG, TLS_BULK, CALL_NO_IO, CALL_SYSCALL, CALL_SYSCALL_ALONE, CALL_OVER_SYSCALL];
    for (section, row) in results {
        if section.starts_with("readiness") || shown.contains(&section.as_str()) || workloads.iter().any(|w| &w.name() == section) {
            continue;
        }
        let get = |s: &str| row.get(s).map(|v| fmt(v)).unwrap_or_else(|| "—".into());
        let ratio = match (row.get("d"), row.get("b")) {
            (Some(d), Some(b)) if b[0] > 0.0 => format!("{:.2}", d[0] / b[0]),
            _ => "—".into(),
        };
        md += &format!("| {section} | {} | {} | {ratio} |\n", get("b"), get("d"));
    }
    md += "\nPlots: `docs/bench-readiness.png` (wait cost against N), `docs/bench-throughput.png` (throughput per subject).\n";
    md += &targets(results);
    md
}

/// `x` over `y` as "how many times as good": for a time, the inverse ratio.
fn ratio_of(row: &BTreeMap<String, Vec<f64>>, x: &str, y: &str, higher_is_better: bool) -> Option<f64> {
    let (a, b) = (row.get(x)?.first()?, row.get(y)?.first()?);
    if *a <= 0.0 || *b <= 0.0 {
        return None;
    }
    Some(if higher_is_better { a / b } else { b / a })
}

/// The targets of issue 13 (and issue 7's that still stand), each with what this run measured.
fn targets(results: &Results) -> String {
    let value = |section: &str, subject: &str, i: usize| results.get(section)?.get(subject)?.get(i).copied();
    let ratio = |section: &str, higher_is_better: bool, x: &str, y: &str| ratio_of(results.get(section)?, x, y, higher_is_better);
    let tp1 = Workload::Throughput { chunk: 1 << 20, placement: Placement::Scheduler }.name();
    let tp64 = Workload::Throughput { chunk: 64 << 10, placement: Placement::Scheduler }.name();
    let lat = Workload::Latency { placement: Placement::Scheduler }.name();
    let conn = Workload::ConnRate.name();
    let epoll = |n: f64| {
        let v = results.get("readiness wait, epoll, N idle (µs)")?.get("d")?;
        v.chunks(2).find(|p| p[0] == n).map(|p| p[1])
    };
    let rows: Vec<(&str, Option<f64>, f64, bool)> = vec![
        ("(d)/(b) bulk throughput, 1 MiB sends", ratio(&tp1, true, "d", "b"), 0.8, true),
        ("(d)/(b) bulk throughput, 64 KiB sends", ratio(&tp64, true, "d", "b"), 0.7, true),
        ("(d)/(e) bulk throughput, 1 MiB sends", ratio(&tp1, true, "d", "e"), 1.5, true),
        ("(d)/(e) bulk throughput, 64 KiB sends", ratio(&tp64, true, "d", "e"), 1.5, true),
        ("(d)/(e) connections per second", ratio(&conn, true, "d", "e"), 1.5, true),
        ("(d)/(b) ping-pong p50, as time (b)/(d)", ratio(&lat, false, "d", "b"), 0.9, true),
        ("both ends: (d)/(b) bulk throughput", ratio(BOTH_BULK, true, "d", "b"), 0.8, true),
        ("both ends: (d)/(b) round trip p50, as time", value(BOTH_PINGPONG, "d", 0).zip(value(BOTH_PINGPONG, "b", 0)).map(|(d, b)| d / b), 1.4, false),
        ("TLS bulk to a native peer, (d)/(b)", ratio(TLS_BULK, true, "d", "b"), 0.8, true),
        ("a no-I/O call, gettimeout() (µs)", value(CALL_NO_IO, "d", 0).map(|ns| ns / 1e3), 0.3, false),
        ("a socket call beyond its system call (µs)", value(CALL_OVER_SYSCALL, "d", 0).map(|ns| ns / 1e3), 1.0, false),
        ("epoll wait, N=10,000 over N=10, (d)", epoll(10000.0).zip(epoll(10.0)).map(|(a, b)| a / b), 2.0, false),
        ("warm start, (d)/(b)", value(START_HELLO, "d", 0).zip(value(START_HELLO, "b", 0)).map(|(d, b)| d / b), 3.0, false),
    ];
    let mut md = String::from("\n## Targets\n\n| target | measured | wanted | met |\n|---|---|---|---|\n");
    for (name, measured, wanted, at_least) in rows {
        let (shown, met) = match measured {
            Some(m) => (format!("{m:.2}"), if at_least { m >= wanted } else { m <= wanted }),
            None => ("—".into(), false),
        };
        let op = if at_least { "≥" } else { "≤" };
        md += &format!("| {name} | {shown} | {op} {wanted} | {} |\n", if met { "yes" } else { "**no**" });
    }
    md += "\nHow the data path works, where every copy happens, and what each number measured: `docs/performance.md`.\n";
    md
}
