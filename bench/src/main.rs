//! pysock's benchmark suite. `pysock-bench` runs every workload on loopback for every subject in one
//! invocation and writes `docs/benchmarks.json` and `docs/BENCHMARKS.md`; `bench/plots.py` draws the
//! plots from the JSON. `bash scripts/bench.sh` does all of it.
//!
//! Subjects, as issue 7 names them:
//! - (a) native Rust `std::net`;
//! - (b) native CPython (`python3`);
//! - (d) CPython in the sandbox on pysock (`pysock python`);
//! - (e) the same CPython on wasmtime-wasi's own wasi:sockets, the network inherited: what a user
//!   would run without pysock.
//!
//! The peers are native Rust threads in this process (a sink, an echo server, an acceptor), shared by
//! every subject, so the subjects differ only in the client. Every workload is bounded in size.

use anyhow::{Context, Result, bail};
use pysock::runtime::{self, RunOptions};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Bytes one throughput run sends.
const TOTAL: usize = 256 << 20;
/// Ping-pongs in one latency run.
const ROUNDS: usize = 2000;
/// Connections in one connection-rate run.
const CONNECTIONS: usize = 1000;
/// Runs per subject and workload; the median is reported.
const RUNS: usize = 3;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("the checkout")
}

fn pysock_bin() -> PathBuf {
    root().join("target/release/pysock")
}

#[derive(Clone, Copy, Debug)]
enum Workload {
    Throughput { chunk: usize },
    Latency,
    ConnRate,
}

impl Workload {
    fn name(self) -> String {
        match self {
            Workload::Throughput { chunk } if chunk >= 1 << 20 => "throughput, 1 MiB sends (MiB/s)".into(),
            Workload::Throughput { chunk } => format!("throughput, {} KiB sends (MiB/s)", chunk >> 10),
            Workload::Latency => "latency, 64 B ping-pong, p50 / p99 (µs)".into(),
            Workload::ConnRate => "connections per second (connect, close)".into(),
        }
    }

    /// Whether a larger number is better.
    fn higher_is_better(self) -> bool {
        !matches!(self, Workload::Latency)
    }

    fn python_args(self, peers: &Peers) -> Vec<String> {
        match self {
            Workload::Throughput { chunk } => {
                vec!["throughput".into(), peers.sink.to_string(), chunk.to_string(), TOTAL.to_string()]
            }
            Workload::Latency => vec!["latency".into(), peers.echo.to_string(), ROUNDS.to_string()],
            Workload::ConnRate => vec!["connrate".into(), peers.acceptor.to_string(), CONNECTIONS.to_string()],
        }
    }
}

struct Peers {
    sink: u16,
    echo: u16,
    acceptor: u16,
}

/// Serves each connection on its own thread with `handler`.
fn spawn_peer(handler: fn(TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
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

fn echo(mut c: TcpStream) {
    let _ = c.set_nodelay(true);
    let mut buf = [0u8; 4096];
    while let Ok(k @ 1..) = c.read(&mut buf) {
        if c.write_all(&buf[..k]).is_err() {
            break;
        }
    }
}

fn start_peers() -> Peers {
    let acceptor = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let acceptor_port = acceptor.local_addr().unwrap().port();
    std::thread::spawn(move || acceptor.incoming().for_each(drop));
    Peers { sink: spawn_peer(sink), echo: spawn_peer(echo), acceptor: acceptor_port }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `f` RUNS times; each run gives one or more numbers; returns their medians.
fn medians(mut f: impl FnMut() -> Result<Vec<f64>>) -> Result<Vec<f64>> {
    let runs = (0..RUNS).map(|_| f()).collect::<Result<Vec<_>>>()?;
    Ok((0..runs[0].len()).map(|i| median(runs.iter().map(|r| r[i]).collect())).collect())
}

fn latency_summary(mut samples: Vec<f64>) -> Vec<f64> {
    samples.sort_by(f64::total_cmp);
    vec![samples[samples.len() / 2] * 1e6, samples[samples.len() * 99 / 100] * 1e6]
}

/// (a) native Rust std::net.
fn rust_native(w: Workload, peers: &Peers) -> Result<Vec<f64>> {
    match w {
        Workload::Throughput { chunk } => {
            let payload = vec![b'x'; chunk];
            let mut s = TcpStream::connect(("127.0.0.1", peers.sink))?;
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
        Workload::Latency => {
            let mut s = TcpStream::connect(("127.0.0.1", peers.echo))?;
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

/// Host memory per open idle socket: RSS growth while the host holds 10,000 sockets for a store.
fn host_bytes_per_socket() -> Result<f64> {
    use pysock::bindings::pysock::net::net::HostSocket;
    use pysock::bindings::pysock::net::types::{Family, Kind};
    const N: usize = 10_000;
    let mut ctx = pysock::PysockCtx::builder().max_sockets(N + 10).build()?;
    let mut table = wasmtime::component::ResourceTable::new();
    let mut view = pysock::PysockCtxView { ctx: &mut ctx, table: &mut table };
    // A first socket grows the table and the poller once; count from after it.
    let first = HostSocket::create(&mut view, Family::Inet, Kind::Stream, 0).map_err(|_| anyhow::anyhow!("socket"))?;
    let before = rss();
    let mut held = Vec::with_capacity(N);
    for _ in 0..N {
        held.push(HostSocket::create(&mut view, Family::Inet, Kind::Stream, 0).map_err(|_| anyhow::anyhow!("socket"))?);
    }
    let per = (rss().saturating_sub(before)) as f64 / N as f64;
    for s in held.into_iter().chain([first]) {
        HostSocket::drop(&mut view, s)?;
    }
    Ok(per)
}

/// Memory per sandboxed interpreter instance: RSS growth per live store that ran hello.py.
fn bytes_per_interpreter() -> Result<f64> {
    const K: usize = 5;
    let engine = runtime::engine(false)?;
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
    let engine = runtime::engine(false)?;
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
    let peers = start_peers();
    let mut results = Results::new();
    let workloads = [
        Workload::Throughput { chunk: 1 << 20 },
        Workload::Throughput { chunk: 64 << 10 },
        Workload::Latency,
        Workload::ConnRate,
    ];
    for w in workloads {
        let section = w.name();
        println!("{section}");
        let py = w.python_args(&peers);
        record(&mut results, &section, "a", medians(|| rust_native(w, &peers)));
        record(&mut results, &section, "b", medians(|| numbers_from(&mut python('b', "bench/net_bench.py", &py))));
        record(&mut results, &section, "d", medians(|| numbers_from(&mut python('d', "bench/net_bench.py", &py))));
        record(&mut results, &section, "e", medians(|| numbers_from(&mut python('e', "bench/net_bench.py", &py))));
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

    println!("tls");
    let certs = root().join("../shared/conformance/certs").canonicalize().context("../shared/conformance/certs")?;
    for subject in ['b', 'd'] {
        let mut cmd = python(subject, "bench/tls_bench.py", &[certs.to_string_lossy().into_owned()]);
        if subject == 'd' {
            cmd = Command::new(pysock_bin());
            cmd.args(["python", "--allow-loopback", "--dir"]).arg(&certs).arg(root().join("bench/tls_bench.py")).arg(&certs);
        }
        let out = cmd.output()?;
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some((key, value)) = line.split_once(' ') {
                let value: f64 = value.trim().parse()?;
                let section = format!("TLS {}", key.replace('_', " "));
                results.entry(section).or_default().insert(subject.to_string(), vec![value]);
            }
        }
    }

    println!("start-up and memory");
    let hello = root().join("bench/hello.py");
    record(&mut results, "start-up, hello world (ms)", "b", wall_ms(15, || {
        let mut c = Command::new(native_python());
        c.arg(&hello);
        c
    }).map(|v| vec![v]));
    let cold_cache = std::env::temp_dir().join(format!("pysock-bench-cold-{}", std::process::id()));
    record(&mut results, "start-up, hello world, cold: compiling the component (ms)", "d", wall_ms(1, || {
        let _ = std::fs::remove_dir_all(&cold_cache);
        let mut c = Command::new(pysock_bin());
        c.env("PYSOCK_CACHE", &cold_cache).arg("python").arg(&hello);
        c
    }).map(|v| vec![v]));
    let _ = std::fs::remove_dir_all(&cold_cache);
    record(&mut results, "start-up, hello world (ms)", "d", wall_ms(15, || {
        let mut c = Command::new(pysock_bin());
        c.arg("python").arg(&hello);
        c
    }).map(|v| vec![v]));
    let engine = runtime::engine(false)?;
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
    record(&mut results, "host memory per open idle socket (bytes)", "d", host_bytes_per_socket().map(|v| vec![v]));
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
    md += "Subjects: (a) native Rust `std::net`; (b) native CPython; (c) pysock's guest component driven from Rust;\n";
    md += "(d) CPython in the sandbox on pysock; (e) the same CPython component on wasmtime-wasi's own wasi:sockets,\n";
    md += "network inherited. Peers are native Rust threads on loopback. Each number is the median of 3 runs.\n\n";
    md += "## Network\n\n| workload | (a) | (b) | (c) | (d) | (e) | (d)/(b) | (d)/(e) | (c)/(a) |\n|---|---|---|---|---|---|---|---|---|\n";
    for w in workloads {
        let section = w.name();
        let Some(row) = results.get(&section) else { continue };
        let get = |s: &str| row.get(s).map(|v| fmt(v)).unwrap_or_else(|| "—".into());
        let ratio = |x: &str, y: &str| match (row.get(x), row.get(y)) {
            (Some(a), Some(b)) if b[0] > 0.0 && a[0] > 0.0 => {
                let r = if w.higher_is_better() { a[0] / b[0] } else { b[0] / a[0] };
                format!("{r:.2}")
            }
            _ => "—".into(),
        };
        md += &format!(
            "| {section} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            get("a"), get("b"), get("c"), get("d"), get("e"), ratio("d", "b"), ratio("d", "e"), ratio("c", "a")
        );
    }
    md += "\nRatios are \"how many times as good\": for latency, the inverse ratio of the p50s.\n\n";
    md += "## Readiness wait, one active socket among N idle (µs, median of 200 waits)\n\n| mechanism | subject | N=10 | N=1,000 | N=10,000 | N=10,000 / N=10 |\n|---|---|---|---|---|---|\n";
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
    md += "\nselect() takes descriptors below 1024 only, so it has no N=10,000 column.\n\n## Everything else\n\n| measure | (b) | (c) | (d) | (d)/(b) |\n|---|---|---|---|---|\n";
    for (section, row) in results {
        if section.starts_with("readiness") || workloads.iter().any(|w| &w.name() == section) {
            continue;
        }
        let get = |s: &str| row.get(s).map(|v| fmt(v)).unwrap_or_else(|| "—".into());
        let ratio = match (row.get("d"), row.get("b")) {
            (Some(d), Some(b)) if b[0] > 0.0 => format!("{:.2}", d[0] / b[0]),
            _ => "—".into(),
        };
        md += &format!("| {section} | {} | {} | {} | {ratio} |\n", get("b"), get("c"), get("d"));
    }
    md += "\nPlots: `docs/bench-readiness.png` (wait cost against N), `docs/bench-throughput.png` (throughput per subject).\n";
    md += &targets(results);
    md
}

/// Issue 7's targets, each with the ratio this run measured.
fn targets(results: &Results) -> String {
    let value = |section: &str, subject: &str, i: usize| results.get(section)?.get(subject)?.get(i).copied();
    let ratio = |section: &str, x: &str, y: &str| Some(value(section, x, 0)? / value(section, y, 0)?);
    let tp1 = Workload::Throughput { chunk: 1 << 20 }.name();
    let tp64 = Workload::Throughput { chunk: 64 << 10 }.name();
    let lat = Workload::Latency.name();
    let epoll = |n: f64| {
        let v = results.get("readiness wait, epoll, N idle (µs)")?.get("d")?;
        v.chunks(2).find(|p| p[0] == n).map(|p| p[1])
    };
    let rows: Vec<(&str, Option<f64>, f64, bool)> = vec![
        ("(c)/(a) bulk throughput, 1 MiB sends", ratio(&tp1, "c", "a"), 0.9, true),
        ("(c)/(a) bulk throughput, 64 KiB sends", ratio(&tp64, "c", "a"), 0.9, true),
        ("guest-to-host call (ns)", value("guest-to-host call (ns): the difference of the two", "c", 0), 100.0, false),
        ("(d)/(b) bulk throughput, 1 MiB sends", ratio(&tp1, "d", "b"), 0.8, true),
        ("(d)/(e) bulk throughput, 1 MiB sends", ratio(&tp1, "d", "e"), 1.5, true),
        ("(d)/(e) latency, p50", ratio(&lat, "e", "d"), 1.5, true),
        ("epoll wait, N=10,000 over N=10, (d)", epoll(10000.0).zip(epoll(10.0)).map(|(a, b)| a / b), 2.0, false),
        ("TLS bulk throughput (d)/(b)", ratio("TLS throughput MiB s", "d", "b"), 0.8, true),
        ("warm start, (d)/(b)", ratio("start-up, hello world (ms)", "d", "b"), 3.0, false),
        ("host memory per idle socket (bytes)", value("host memory per open idle socket (bytes)", "d", 0), 1024.0, false),
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
    md += "\nWhy the misses happen, what was measured to find out, and what would fix them: `docs/performance.md`.\n";
    md
}
