//! The `pysock` command line.
//!
//! ```text
//! pysock python [OPTIONS] [SCRIPT.py | -c COMMAND | -m MODULE | -] [ARGS...]
//! pysock run    [OPTIONS] COMPONENT.wasm [ARGS...]
//! ```
//!
//! The options are the embedder's choices of [`pysock::runtime::RunOptions`]; `--help` lists them.

use anyhow::{Context, Result, bail};
use pysock::runtime::{self, RunOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

const USAGE: &str = "usage:
  pysock python [OPTIONS] [SCRIPT.py | -c COMMAND | -m MODULE | -] [ARGS...]
                    as python3: a script, a command, a module as __main__, a script on stdin;
                    with none, the interactive prompt (stdin a terminal) or a script on stdin
  pysock run    [OPTIONS] COMPONENT.wasm [ARGS...]

Network policy. Without an --allow option the sandbox has no network; deny rules win over allow rules.
  --allow-loopback  connect, bind and UDP on 127.0.0.0/8 and ::1; resolve localhost
  --allow-net       everything the host can reach; resolve every name
  --allow RULE, --deny RULE
                    RULE is [connect,bind,send=]TARGET[:PORT[-PORT]], TARGET a CIDR block, an
                    address or a host name pattern (api.example.com, *.example.com); IPv6 with a
                    port in brackets: [::1]:8000. A name rule lets the name resolve and admits the
                    addresses that resolution returned, for --resolve-ttl seconds (default 60).
  --add-host NAME=IP[,IP...]
                    NAME resolves to these addresses inside the sandbox (rules still apply)
  --audit FILE      append a JSON line per connect, bind, accept, send and resolve decision
Quotas (a breach raises what the analogous OS limit raises, naming the quota):
  --max-sockets N (default 1024, EMFILE)   --max-listeners N (EMFILE)
  --max-bytes-sent N, --max-bytes-received N (ENOBUFS)
  --max-connections-per-second N (ENOBUFS)   --max-tls-sessions N (SSLError)
  --max-lookups N   name lookups in flight at once (gaierror EAI_AGAIN)
Limits:
  --time-limit SECONDS   stop the run after this long (exit status 124)
  --max-memory MIB       cap the guest's memory (CPython raises MemoryError)
  --fuel N               wasmtime fuel for the run (slower: fuel metering)
Python:
  --env NAME=VALUE  set NAME inside the sandbox (nothing of the host's environment is inherited);
  --env NAME        pass the host's NAME through; PYTHONPATH set this way is on sys.path
  --path DIR        make DIR readable and put it on sys.path (pip install --target DIR ...)
  --no-tmp          no private temporary folder (by default each run gets one, removed at the
                    end, as /tmp with TMPDIR pointing to it, so tempfile works)
Files and TLS:
  --dir PATH        make PATH readable inside the sandbox at the same absolute path
  --writable-dir PATH  the same, and the sandbox may create, change and remove files there
  --ca-file PATH    what ssl.create_default_context() trusts: the CAs in this PEM file
  --system-ca       what ssl.create_default_context() trusts: the host's system store
                    (without either, default contexts trust nothing until code loads CAs)
  --tls-identity NAME=CERT,KEY
                    a certificate and key the sandbox uses by name, never seeing the key:
                    ctx.load_cert_chain('pysock-identity:NAME')

Environment: PYSOCK_HOME (the built checkout), PYSOCK_PYTHON (the interpreter component),
PYSOCK_CACHE (where compiled components are kept; default build/cache).";

/// Where the built artifacts live: a checkout in which `scripts/setup.sh` ran.
fn home() -> PathBuf {
    std::env::var_os("PYSOCK_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
}

fn artifact(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| home().join(default))
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(p).with_context(|| format!("cannot find {}", p.display()))
}

fn value(args: &mut impl Iterator<Item = String>, option: &str, what: &str) -> Result<String> {
    args.next().with_context(|| format!("{option} needs {what}"))
}

fn number<T: std::str::FromStr>(args: &mut impl Iterator<Item = String>, option: &str) -> Result<T> {
    let v = value(args, option, "a number")?;
    v.parse().map_err(|_| anyhow::anyhow!("{option} needs a number, not {v:?}"))
}

fn seconds(secs: f64, option: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(secs).map_err(|_| anyhow::anyhow!("{option} needs a number of seconds >= 0, not {secs}"))
}

/// Exit status of a run stopped by --time-limit, as timeout(1) uses.
const TIME_LIMIT_STATUS: i32 = 124;

/// Exit status when pysock itself failed, which is never the sandboxed program's doing:
/// EX_SOFTWARE of sysexits(3).
const INTERNAL_ERROR_STATUS: i32 = 70;

fn main() {
    // A sandbox serving a thousand connections needs more descriptors than the usual soft limit.
    pysock::sys::raise_fd_limit();
    report_panics_briefly();
    let (code, report) = match std::panic::catch_unwind(real_main) {
        Ok(Ok(code)) => (code, None),
        Ok(Err(e)) if e.downcast_ref::<runtime::TimeLimitExceeded>().is_some() => (TIME_LIMIT_STATUS, Some(format!("pysock: {e}"))),
        Ok(Err(e)) => match e.downcast_ref::<pysock::InternalError>() {
            Some(internal) => (INTERNAL_ERROR_STATUS, Some(internal_report(&internal.to_string()))),
            None => (2, Some(format!("pysock: {e:#}"))),
        },
        Err(panic) => {
            let message = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
            let message = message.unwrap_or_else(|| "a panic without a message".into());
            (INTERNAL_ERROR_STATUS, Some(internal_report(&format!("pysock internal error: {message}. This is a bug in pysock; please report it"))))
        }
    };
    if let Some(report) = report {
        eprintln!("{report}");
    }
    std::process::exit(code);
}

/// Where the last panic happened, for the report of an internal error.
static PANIC_LOCATION: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Replaces Rust's panic message and backtrace with one report that `main` prints (`internal_report`),
/// unless RUST_BACKTRACE asks for the backtrace, which Rust's own hook then prints as well.
fn report_panics_briefly() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut location) = PANIC_LOCATION.lock() {
            *location = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
        }
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            default(info);
        }
    }));
}

/// The one paragraph an internal error prints: what failed, where in pysock, and what to do.
fn internal_report(error: &str) -> String {
    let location = PANIC_LOCATION.lock().ok().and_then(|l| l.clone());
    let at = location.map(|l| format!(" (at {l})")).unwrap_or_default();
    format!("{error}{at}. Exit status {INTERNAL_ERROR_STATUS}; set RUST_BACKTRACE=1 for a backtrace.")
}

fn real_main() -> Result<i32> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    if command != "python" && command != "run" {
        eprintln!("{USAGE}");
        return Ok(2);
    }
    let mut options = RunOptions::default();
    let mut rest = Vec::new();
    // `--path` folders as the sandbox names them, and whether the run gets a private /tmp.
    let (mut python_paths, mut private_tmp) = (Vec::new(), true);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--allow-loopback" => options.network = std::mem::take(&mut options.network).with_loopback(),
            "--allow-net" => options.network = std::mem::take(&mut options.network).with_all(),
            "--allow" => {
                let rule = value(&mut args, "--allow", "RULE")?;
                options.network = std::mem::take(&mut options.network).allow(&rule)?;
            }
            "--deny" => {
                let rule = value(&mut args, "--deny", "RULE")?;
                options.network = std::mem::take(&mut options.network).deny_rule(&rule)?;
            }
            "--add-host" => {
                let spec = value(&mut args, "--add-host", "NAME=IP[,IP...]")?;
                let (name, ips) = spec.split_once('=').context("--add-host needs NAME=IP[,IP...]")?;
                let ips = ips
                    .split(',')
                    .map(|ip| ip.trim().parse().with_context(|| format!("--add-host {name}: {ip:?} is not an IP address")))
                    .collect::<Result<Vec<_>>>()?;
                options.network = std::mem::take(&mut options.network).pin_name(name, ips);
            }
            "--resolve-ttl" => {
                let secs: f64 = number(&mut args, "--resolve-ttl")?;
                options.network = std::mem::take(&mut options.network).admission_ttl(seconds(secs, "--resolve-ttl")?);
            }
            "--audit" => options.audit = Some(PathBuf::from(value(&mut args, "--audit", "FILE")?)),
            "--max-sockets" => options.quotas.sockets = number(&mut args, "--max-sockets")?,
            "--max-listeners" => options.quotas.listeners = number(&mut args, "--max-listeners")?,
            "--max-bytes-sent" => options.quotas.bytes_sent = number(&mut args, "--max-bytes-sent")?,
            "--max-bytes-received" => options.quotas.bytes_received = number(&mut args, "--max-bytes-received")?,
            "--max-connections-per-second" => {
                options.quotas.connections_per_second = number(&mut args, "--max-connections-per-second")?
            }
            "--max-tls-sessions" => options.quotas.tls_sessions = number(&mut args, "--max-tls-sessions")?,
            "--max-lookups" => options.quotas.lookups = Some(pysock::LookupSlots::new(number(&mut args, "--max-lookups")?)),
            "--time-limit" => {
                let secs: f64 = number(&mut args, "--time-limit")?;
                options.time_limit = Some(seconds(secs, "--time-limit")?);
            }
            "--max-memory" => options.max_memory = Some(number::<usize>(&mut args, "--max-memory")?.saturating_mul(1 << 20)),
            "--fuel" => options.fuel = Some(number(&mut args, "--fuel")?),
            "--ca-file" => {
                let path = args.next().context("--ca-file needs a PATH")?;
                options.default_trust = pysock::DefaultTrust::PemFile(absolute(Path::new(&path))?);
            }
            "--system-ca" => options.default_trust = pysock::DefaultTrust::System,
            "--tls-identity" => {
                let spec = args.next().context("--tls-identity needs NAME=CERT,KEY")?;
                let (name, files) = spec.split_once('=').context("--tls-identity needs NAME=CERT,KEY")?;
                let (cert, key) = files.split_once(',').context("--tls-identity needs NAME=CERT,KEY")?;
                let read = |p: &str| std::fs::read(p).with_context(|| format!("cannot read {p} for --tls-identity {name}"));
                options.identities.push((name.to_string(), read(cert)?, read(key)?));
            }
            "--dir" | "--writable-dir" => {
                let path = args.next().with_context(|| format!("{arg} needs a PATH"))?;
                let abs = absolute(Path::new(&path))?;
                let guest = abs.to_string_lossy().into_owned();
                if arg == "--dir" { options.dirs.push((abs, guest)) } else { options.writable_dirs.push((abs, guest)) }
            }
            "--env" => {
                let spec = value(&mut args, "--env", "NAME=VALUE or NAME")?;
                let (name, value) = match spec.split_once('=') {
                    Some((name, value)) => (name.to_string(), value.to_string()),
                    None => {
                        let value = std::env::var(&spec).with_context(|| {
                            format!("--env {spec}: {spec} is not set in pysock's environment; give --env {spec}=VALUE")
                        })?;
                        (spec, value)
                    }
                };
                options.env.push((name, value));
            }
            "--path" => {
                let path = value(&mut args, "--path", "a DIR")?;
                let abs = absolute(Path::new(&path))?;
                let guest = abs.to_string_lossy().into_owned();
                python_paths.push(guest.clone());
                options.dirs.push((abs, guest));
            }
            "--no-tmp" => private_tmp = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(0);
            }
            s if s.starts_with("--") => bail!("unknown option {s}\n{USAGE}"),
            _ => {
                rest.push(arg);
                rest.extend(args.by_ref());
            }
        }
    }
    let engine = runtime::engine(options.fuel.is_some())?;
    let cache = std::env::var_os("PYSOCK_CACHE").map(PathBuf::from).unwrap_or_else(|| home().join("build/cache"));
    if command == "run" {
        let Some(target) = rest.first().cloned() else { bail!("missing COMPONENT.wasm\n{USAGE}") };
        let component = runtime::load_component(&engine, Path::new(&target), Some(&cache))?;
        options.args = rest;
        return run(&engine, &component, &options, None);
    }
    // What python3 would run: the launcher (python/_script.py) takes the same words.
    let program: Vec<String> = match rest.first().map(String::as_str) {
        None if std::io::IsTerminal::is_terminal(&std::io::stdin()) => vec!["--interactive".into()],
        None => Vec::new(),
        Some("-c" | "-m" | "-") => rest,
        Some(other) if other.starts_with('-') => {
            bail!("unknown option {other}: pysock python runs SCRIPT.py, -c COMMAND, -m MODULE or - (stdin)\n{USAGE}")
        }
        Some(target) => {
            let script = absolute(Path::new(target))?;
            let script_dir = script.parent().context("the script has no folder")?.to_path_buf();
            options.dirs.push((script_dir.clone(), script_dir.to_string_lossy().into_owned()));
            std::iter::once(script.to_string_lossy().into_owned()).chain(rest.into_iter().skip(1)).collect()
        }
    };
    let interpreter = artifact("PYSOCK_PYTHON", "build/python/interpreter.wasm");
    let stdlib = home().join("build/python/lib");
    if !interpreter.exists() || !stdlib.exists() {
        bail!(
            "the sandboxed interpreter is not built ({} missing); run `bash scripts/setup.sh` in {}",
            interpreter.display(),
            home().display()
        );
    }
    // A folder inside another preopened one would shadow it: wasi-libc resolves a path against the
    // longest matching preopen, so `public/../certs` would leave the inner one and be refused.
    let all: Vec<PathBuf> = options.dirs.iter().map(|(host, _)| host.clone()).collect();
    options.dirs.retain(|(host, _)| !all.iter().any(|outer| outer != host && host.starts_with(outer)));
    options.dirs.dedup();
    options.dirs.push((stdlib, "/python".into()));
    let tmp = if private_tmp && !options.dirs.iter().chain(&options.writable_dirs).any(|(_, guest)| guest == "/tmp") {
        let tmp = PrivateTmp::new()?;
        options.writable_dirs.push((tmp.0.clone(), "/tmp".into()));
        if !options.env.iter().any(|(name, _)| name == "TMPDIR") {
            options.env.push(("TMPDIR".into(), "/tmp".into()));
        }
        Some(tmp)
    } else {
        None
    };
    let launcher = python_paths.into_iter().flat_map(|p| ["--path".to_string(), p]);
    options.args = std::iter::once("python".to_string()).chain(launcher).chain(program).collect();
    let component = runtime::load_component(&engine, &interpreter, Some(&cache))?;
    run(&engine, &component, &options, tmp.as_ref())
}

/// A run's own temporary folder on the host (the sandbox's /tmp), removed when the run ends.
struct PrivateTmp(PathBuf);

impl PrivateTmp {
    fn new() -> Result<PrivateTmp> {
        use std::os::unix::fs::DirBuilderExt;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let path = std::env::temp_dir().join(format!("pysock-tmp-{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .with_context(|| format!("cannot make the sandbox's temporary folder {}; run with --no-tmp", path.display()))?;
        Ok(PrivateTmp(path))
    }
}

impl Drop for PrivateTmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(engine: &wasmtime::Engine, component: &wasmtime::component::Component, options: &RunOptions, tmp: Option<&PrivateTmp>) -> Result<i32> {
    if let Some(limit) = options.time_limit {
        // The run stops itself at the limit; a guest blocked inside a WASI call (a long sleep) cannot
        // be interrupted there, so the process ends a little later regardless, and its temporary
        // folder goes first (exit runs no destructors).
        let tmp = tmp.map(|t| t.0.clone());
        std::thread::spawn(move || {
            std::thread::sleep(limit + Duration::from_secs(2));
            eprintln!("pysock: {}", runtime::TimeLimitExceeded(limit));
            if let Some(tmp) = tmp {
                let _ = std::fs::remove_dir_all(tmp);
            }
            std::process::exit(TIME_LIMIT_STATUS);
        });
    }
    runtime::run_command(engine, component, options)
}
