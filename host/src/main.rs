//! The `pysock` command line.
//!
//! ```text
//! pysock python [OPTIONS] [SCRIPT.py | -c COMMAND | -m MODULE | -] [ARGS...]
//! pysock run    [OPTIONS] COMPONENT.wasm [ARGS...]
//! ```
//!
//! The options are the embedder's choices of [`pysock::runtime::RunOptions`] (clap, derived);
//! `pysock help python` lists them.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use pysock::runtime::{self, RunOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The command line. Every option is one of [`RunOptions`]' choices or the launcher's.
#[derive(Parser)]
#[command(name = "pysock", version, about = "CPython's socket, select and ssl, sandboxed in WebAssembly: the host decides what the sandbox may reach.")]
#[command(after_help = "Environment: PYSOCK_HOME (run a built checkout's interpreter, not the one this binary carries), \
PYSOCK_PYTHON (an interpreter component of your own), PYSOCK_CACHE (where compiled components and the \
standard library are kept; default $XDG_CACHE_HOME/pysock or ~/.cache/pysock).")]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Run sandboxed CPython as python3: a script, -c COMMAND, -m MODULE or - (stdin); with none,
    /// the interactive prompt (stdin a terminal) or a script on stdin
    #[command(override_usage = "pysock python [OPTIONS] [SCRIPT.py | -c COMMAND | -m MODULE | -] [ARGS]...")]
    Python {
        #[command(flatten)]
        sandbox: Box<Sandbox>,
        /// Set NAME inside the sandbox (NAME alone passes the host's value; nothing is inherited;
        /// PYTHONPATH set so is on sys.path)
        #[arg(long, value_name = "NAME[=VALUE]", help_heading = "Python")]
        env: Vec<String>,
        /// Make DIR readable and put it on sys.path (pip install --target DIR ...)
        #[arg(long, value_name = "DIR", help_heading = "Python")]
        path: Vec<PathBuf>,
        /// No private temporary folder (by default each run gets one as /tmp, TMPDIR pointing to it,
        /// removed when the run ends)
        #[arg(long, help_heading = "Python")]
        no_tmp: bool,
        #[command(flatten)]
        start_up: StartUp,
        /// Run COMMAND (python3 -c); what follows is sys.argv[1:]
        #[arg(short = 'c', value_name = "COMMAND", num_args = 1.., allow_hyphen_values = true, conflicts_with = "module", help_heading = "Python")]
        command: Option<Vec<String>>,
        /// Run MODULE as __main__ (python3 -m); what follows is sys.argv[1:]
        #[arg(short = 'm', value_name = "MODULE", num_args = 1.., allow_hyphen_values = true, help_heading = "Python")]
        module: Option<Vec<String>>,
        /// The script (- for stdin) and its arguments
        #[arg(value_name = "SCRIPT.py", trailing_var_arg = true)]
        program: Vec<String>,
    },
    /// Run any wasi:cli/command component that imports pysock:net interfaces
    Run {
        #[command(flatten)]
        sandbox: Box<Sandbox>,
        component: PathBuf,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// python3's start-up flags. The interpreter is initialised when pysock is built (componentize-py
/// snapshots it), so the launcher (python/_script.py) applies these at the start of each run, with
/// the PYTHON* variables they stand for; the flags that change the initialisation itself cannot
/// apply and are refused, saying why.
#[derive(Args)]
struct StartUp {
    /// Unbuffered stdout and stderr (python3 -u; also PYTHONUNBUFFERED)
    #[arg(short = 'u', help_heading = "Python")]
    unbuffered: bool,
    /// Write no .pyc files (python3 -B; also PYTHONDONTWRITEBYTECODE)
    #[arg(short = 'B', help_heading = "Python")]
    dont_write_bytecode: bool,
    /// Ignore PYTHON* variables, PYTHONPATH among them (python3 -E)
    #[arg(short = 'E', help_heading = "Python")]
    ignore_environment: bool,
    /// No user site-packages (python3 -s; the sandbox has none)
    #[arg(short = 's', help_heading = "Python")]
    no_user_site: bool,
    /// Put neither the script's folder nor the current one on sys.path (python3 -P; PYTHONSAFEPATH)
    #[arg(short = 'P', help_heading = "Python")]
    safe_path: bool,
    /// Isolated: -E, -s and -P (python3 -I)
    #[arg(short = 'I', help_heading = "Python")]
    isolated: bool,
    /// The interactive prompt after the program, in its namespace (python3 -i; PYTHONINSPECT)
    #[arg(short = 'i', help_heading = "Python")]
    inspect: bool,
    /// No banner at the interactive prompt (python3 -q)
    #[arg(short = 'q', help_heading = "Python")]
    quiet: bool,
    /// A warnings filter, as python3 -W takes it (after PYTHONWARNINGS' filters)
    #[arg(short = 'W', value_name = "ARG", help_heading = "Python")]
    warnings: Vec<String>,
    /// Print the sandboxed interpreter's Python version (twice: its build too)
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Count, help_heading = "Python")]
    version: u8,
    // Fixed when the interpreter is built: refused by `refusal`.
    #[arg(short = 'O', action = clap::ArgAction::Count, hide = true)]
    optimize: u8,
    #[arg(short = 'b', action = clap::ArgAction::Count, hide = true)]
    bytes_warning: u8,
    #[arg(short = 'd', hide = true)]
    parser_debug: bool,
    #[arg(short = 'v', action = clap::ArgAction::Count, hide = true)]
    verbose: u8,
    #[arg(short = 'X', hide = true)]
    xoptions: Vec<String>,
    #[arg(short = 'S', hide = true)]
    no_site: bool,
    #[arg(short = 'R', hide = true)]
    hash_randomization: bool,
    #[arg(short = 'x', hide = true)]
    skip_first_line: bool,
}

impl StartUp {
    /// Why the run cannot have what was asked, if it cannot.
    fn refusal(&self) -> Option<String> {
        let fixed = [
            (self.optimize > 0, "-O"),
            (self.bytes_warning > 0, "-b"),
            (self.parser_debug, "-d"),
            (self.verbose > 0, "-v"),
            (!self.xoptions.is_empty(), "-X"),
            (self.no_site, "-S"),
            (self.hash_randomization, "-R"),
        ];
        let given: Vec<&str> = fixed.iter().filter(|(on, _)| *on).map(|(_, flag)| *flag).collect();
        if !given.is_empty() {
            return Some(format!(
                "pysock python cannot take {}: the sandboxed interpreter is initialised when pysock is built, \
                 so python3's options that change its initialisation (-O, -b, -d, -v, -X, -S, -R) cannot apply to a run; \
                 run without {}",
                given.join(" "),
                if given.len() == 1 { "it" } else { "them" }
            ));
        }
        self.skip_first_line.then(|| "pysock python does not offer -x (skip the script's first line); remove that line or run without -x".into())
    }

    /// The launcher's words for these flags, which go before the program's.
    fn words(&self) -> Vec<String> {
        let isolated = self.isolated;
        let flags = [
            (self.unbuffered, "-u"),
            (self.dont_write_bytecode, "-B"),
            (self.ignore_environment || isolated, "-E"),
            (self.no_user_site || isolated, "-s"),
            (self.safe_path || isolated, "-P"),
            (self.inspect, "-i"),
            (self.quiet, "-q"),
        ];
        let mut words: Vec<String> = flags.iter().filter(|(on, _)| *on).map(|(_, flag)| flag.to_string()).collect();
        for filter in &self.warnings {
            words.extend(["-W".to_string(), filter.clone()]);
        }
        words
    }
}

/// The embedder's choices, the same for both commands.
#[derive(Args)]
struct Sandbox {
    /// Connect, bind and UDP on 127.0.0.0/8 and ::1; resolve localhost (and this machine's own
    /// name, to its loopback addresses)
    #[arg(long, help_heading = "Network policy (without an allow option the sandbox has no network; deny rules win)")]
    allow_loopback: bool,
    /// Everything the host can reach; resolve every name
    #[arg(long, help_heading = "Network policy (without an allow option the sandbox has no network; deny rules win)")]
    allow_net: bool,
    /// [connect,bind,send=]TARGET[:PORT[-PORT]], TARGET a CIDR block, an address or a host-name
    /// pattern (api.example.com, *.example.com); IPv6 with a port in brackets: [::1]:8000. A name
    /// rule admits the addresses its resolution returned, for --resolve-ttl seconds
    #[arg(long, value_name = "RULE", help_heading = "Network policy (without an allow option the sandbox has no network; deny rules win)")]
    allow: Vec<String>,
    /// A rule as for --allow, refusing what it matches
    #[arg(long, value_name = "RULE", help_heading = "Network policy (without an allow option the sandbox has no network; deny rules win)")]
    deny: Vec<String>,
    /// NAME resolves to these addresses inside the sandbox (rules still apply)
    #[arg(long, value_name = "NAME=IP[,IP...]", help_heading = "Network policy (without an allow option the sandbox has no network; deny rules win)")]
    add_host: Vec<String>,
    /// How long a name rule admits what a resolution returned
    #[arg(long, value_name = "SECONDS", help_heading = "Network policy (without an allow option the sandbox has no network; deny rules win)")]
    resolve_ttl: Option<f64>,
    /// Append a JSON line per connect, bind, accept, send and resolve decision
    #[arg(long, value_name = "FILE", help_heading = "Network policy (without an allow option the sandbox has no network; deny rules win)")]
    audit: Option<PathBuf>,
    /// Open sockets at once (default 1024; EMFILE)
    #[arg(long, value_name = "N", help_heading = "Quotas (a breach raises what the analogous OS limit raises, naming the quota)")]
    max_sockets: Option<usize>,
    /// Listening sockets at once (EMFILE)
    #[arg(long, value_name = "N", help_heading = "Quotas (a breach raises what the analogous OS limit raises, naming the quota)")]
    max_listeners: Option<usize>,
    /// Bytes sent in all (ENOBUFS)
    #[arg(long, value_name = "N", help_heading = "Quotas (a breach raises what the analogous OS limit raises, naming the quota)")]
    max_bytes_sent: Option<u64>,
    /// Bytes received in all (ENOBUFS)
    #[arg(long, value_name = "N", help_heading = "Quotas (a breach raises what the analogous OS limit raises, naming the quota)")]
    max_bytes_received: Option<u64>,
    /// New connections per second (ENOBUFS)
    #[arg(long, value_name = "N", help_heading = "Quotas (a breach raises what the analogous OS limit raises, naming the quota)")]
    max_connections_per_second: Option<u32>,
    /// TLS sessions in all (SSLError)
    #[arg(long, value_name = "N", help_heading = "Quotas (a breach raises what the analogous OS limit raises, naming the quota)")]
    max_tls_sessions: Option<usize>,
    /// Name lookups in flight at once (gaierror EAI_AGAIN)
    #[arg(long, value_name = "N", help_heading = "Quotas (a breach raises what the analogous OS limit raises, naming the quota)")]
    max_lookups: Option<usize>,
    /// Stop the run after this long (exit status 124; slower: epoch checks in guest code)
    #[arg(long, value_name = "SECONDS", help_heading = "Limits")]
    time_limit: Option<f64>,
    /// Cap the guest's memory (CPython raises MemoryError)
    #[arg(long, value_name = "MIB", help_heading = "Limits")]
    max_memory: Option<usize>,
    /// wasmtime fuel for the run (slower: fuel metering)
    #[arg(long, value_name = "N", help_heading = "Limits")]
    fuel: Option<u64>,
    /// Make PATH readable inside the sandbox at the same absolute path
    #[arg(long, value_name = "PATH", help_heading = "Files and TLS")]
    dir: Vec<PathBuf>,
    /// The same, and the sandbox may create, change and remove files there, and bind and connect
    /// AF_UNIX sockets by paths there
    #[arg(long, value_name = "PATH", help_heading = "Files and TLS")]
    writable_dir: Vec<PathBuf>,
    /// What ssl.create_default_context() trusts: the CAs in this PEM file (without it or
    /// --system-ca, default contexts trust nothing until code loads CAs)
    #[arg(long, value_name = "PATH", help_heading = "Files and TLS")]
    ca_file: Option<PathBuf>,
    /// What ssl.create_default_context() trusts: the host's system store
    #[arg(long, help_heading = "Files and TLS")]
    system_ca: bool,
    /// A certificate and key the sandbox uses by name, never seeing the key:
    /// ctx.load_cert_chain('pysock-identity:NAME')
    #[arg(long, value_name = "NAME=CERT,KEY", help_heading = "Files and TLS")]
    tls_identity: Vec<String>,
}

impl Sandbox {
    /// The run's options; the program's own arguments and folders are the command's to add.
    fn options(&self) -> Result<RunOptions> {
        let mut options = RunOptions::default();
        let mut network = std::mem::take(&mut options.network);
        if self.allow_loopback {
            network = network.with_loopback();
        }
        if self.allow_net {
            network = network.with_all();
        }
        for rule in &self.allow {
            network = network.allow(rule)?;
        }
        for rule in &self.deny {
            network = network.deny_rule(rule)?;
        }
        for spec in &self.add_host {
            let (name, ips) = spec.split_once('=').context("--add-host needs NAME=IP[,IP...]")?;
            let ips = ips
                .split(',')
                .map(|ip| ip.trim().parse().with_context(|| format!("--add-host {name}: {ip:?} is not an IP address")))
                .collect::<Result<Vec<_>>>()?;
            network = network.pin_name(name, ips);
        }
        if let Some(secs) = self.resolve_ttl {
            network = network.admission_ttl(seconds(secs, "--resolve-ttl")?);
        }
        options.network = network;
        options.audit = self.audit.clone();
        let quotas = &mut options.quotas;
        quotas.sockets = self.max_sockets.unwrap_or(quotas.sockets);
        quotas.listeners = self.max_listeners.unwrap_or(quotas.listeners);
        quotas.bytes_sent = self.max_bytes_sent.unwrap_or(quotas.bytes_sent);
        quotas.bytes_received = self.max_bytes_received.unwrap_or(quotas.bytes_received);
        quotas.connections_per_second = self.max_connections_per_second.unwrap_or(quotas.connections_per_second);
        quotas.tls_sessions = self.max_tls_sessions.unwrap_or(quotas.tls_sessions);
        if let Some(n) = self.max_lookups {
            quotas.lookups = Some(pysock::LookupSlots::new(n));
        }
        options.time_limit = self.time_limit.map(|s| seconds(s, "--time-limit")).transpose()?;
        options.max_memory = self.max_memory.map(|mib| mib.saturating_mul(1 << 20));
        options.fuel = self.fuel;
        if let Some(path) = &self.ca_file {
            options.default_trust = pysock::DefaultTrust::PemFile(absolute(path)?);
        }
        if self.system_ca {
            options.default_trust = pysock::DefaultTrust::System;
        }
        for spec in &self.tls_identity {
            let (name, files) = spec.split_once('=').context("--tls-identity needs NAME=CERT,KEY")?;
            let (cert, key) = files.split_once(',').context("--tls-identity needs NAME=CERT,KEY")?;
            let read = |p: &str| std::fs::read(p).with_context(|| format!("cannot read {p} for --tls-identity {name}"));
            options.identities.push((name.to_string(), read(cert)?, read(key)?));
        }
        for (dirs, writable) in [(&self.dir, false), (&self.writable_dir, true)] {
            for path in dirs {
                let abs = absolute(path)?;
                let guest = abs.to_string_lossy().into_owned();
                if writable { options.writable_dirs.push((abs, guest)) } else { options.dirs.push((abs, guest)) }
            }
        }
        Ok(options)
    }
}

/// Where the built artifacts live: a checkout in which `scripts/setup.sh` ran.
fn home() -> PathBuf {
    std::env::var_os("PYSOCK_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
}

/// The sandboxed CPython to run: the one PYSOCK_PYTHON or PYSOCK_HOME names, else the copy carried
/// inside this binary, else the checkout it was built in.
fn interpreter() -> runtime::Interpreter {
    let named = std::env::var_os("PYSOCK_PYTHON").is_some() || std::env::var_os("PYSOCK_HOME").is_some();
    match runtime::Interpreter::carried() {
        Some(carried) if !named => carried,
        _ => runtime::Interpreter::Files {
            component: std::env::var_os("PYSOCK_PYTHON").map(PathBuf::from).unwrap_or_else(|| home().join("build/python/interpreter.wasm")),
            stdlib: home().join("build/python/lib"),
        },
    }
}

/// Where compiled components are kept: PYSOCK_CACHE, else the user's cache folder
/// ($XDG_CACHE_HOME/pysock or ~/.cache/pysock), else the checkout's build/cache.
fn cache() -> PathBuf {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("PYSOCK_CACHE")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("pysock")))
        .or_else(|| var("HOME").map(|d| d.join(".cache/pysock")))
        .unwrap_or_else(|| home().join("build/cache"))
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(p).with_context(|| format!("cannot find {}", p.display()))
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
    // Before any thread starts, so that every thread has SIGINT blocked.
    take_ctrl_c();
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

/// What Ctrl-C goes to: `pysock python`'s run, while it runs, and its folders (`RunFolders`), which go
/// first if pysock must end (exit runs no destructors).
struct CtrlCTarget {
    sandbox: pysock::Interrupter,
    folders: Option<PathBuf>,
}

static CTRL_C_TARGET: std::sync::Mutex<Option<CtrlCTarget>> = std::sync::Mutex::new(None);

/// Ctrl-C, and the requests to end. SIGINT, SIGTERM and SIGHUP (those the parent did not ignore)
/// are blocked in every thread and taken by one of its own. SIGINT goes to the sandbox that
/// `pysock python` runs: the program gets KeyboardInterrupt and runs its cleanup, as under python3.
/// Otherwise (compiling, `pysock run`), and when a second one comes before the sandbox took the
/// first (it is blocked where neither a pysock wait nor its interpreter's loop can take it: a WASI
/// read of stdin, a long call into C), pysock ends with status 130, as the signal's default action
/// would end it. SIGTERM and SIGHUP end pysock as they end python3, by the
/// signal's default action, once the run's folders are removed.
fn take_ctrl_c() {
    if pysock::sys::block_signals().is_err() {
        return; // the signals keep their default actions
    }
    std::thread::spawn(|| {
        while let Ok(signal) = pysock::sys::wait_for_signal() {
            let target = CTRL_C_TARGET.lock().ok().and_then(|t| t.as_ref().map(|t| (t.sandbox.clone(), t.folders.clone())));
            if signal != libc::SIGINT {
                if let Some(folders) = target.and_then(|(_, folders)| folders) {
                    let _ = std::fs::remove_dir_all(folders);
                }
                pysock::sys::die_of(signal);
            }
            match target {
                Some((sandbox, _)) if sandbox.deliver_sigint() => {}
                Some((_, folders)) => {
                    eprintln!("\npysock: Ctrl-C again before the program took the first (it is blocked where no signal reaches it, such as os.read of stdin or a long call into C); stopping it");
                    exit_from_outside(folders, 130);
                }
                None => std::process::exit(130),
            }
        }
    });
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print and end well; a mistake prints clap's message (the unknown
        // option and the closest valid one) and ends with status 2.
        Err(e) => {
            let _ = e.print();
            return Ok(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let (sandbox, env, paths, no_tmp, start_up, command, module, program) = match cli.command {
        Commands::Run { sandbox, component, args } => {
            let mut options = sandbox.options()?;
            let engine = runtime::engine(options.interruption())?;
            let component_file = runtime::load_component(&engine, &component, Some(&cache()))?;
            options.args = std::iter::once(component.to_string_lossy().into_owned()).chain(args).collect();
            return with_time_limit(options.time_limit, None, || runtime::run_command(&engine, &component_file, &options));
        }
        Commands::Python { sandbox, env, path, no_tmp, start_up, command, module, program } => {
            (sandbox, env, path, no_tmp, start_up, command, module, program)
        }
    };
    if let Some(why) = start_up.refusal() {
        anyhow::bail!(why);
    }
    let mut options = sandbox.options()?;
    for spec in env {
        let (name, value) = match spec.split_once('=') {
            Some((name, value)) => (name.to_string(), value.to_string()),
            None => {
                let value = std::env::var(&spec)
                    .with_context(|| format!("--env {spec}: {spec} is not set in pysock's environment; give --env {spec}=VALUE"))?;
                (spec, value)
            }
        };
        options.env.push((name, value));
    }
    // `--path` folders, readable and named to the launcher by their path inside.
    let mut python_paths = Vec::new();
    for dir in paths {
        let abs = absolute(&dir)?;
        let guest = abs.to_string_lossy().into_owned();
        python_paths.push(guest.clone());
        options.dirs.push((abs, guest));
    }
    // What python3 would run: the launcher (python/_script.py) takes the same words.
    let program: Vec<String> = match (command, module, program.first().map(String::as_str)) {
        // python3 -V prints the version whatever else the command line says.
        _ if start_up.version > 0 => vec![if start_up.version > 1 { "-VV" } else { "-V" }.into()],
        (Some(command), _, _) => std::iter::once("-c".to_string()).chain(command).collect(),
        (None, Some(module), _) => std::iter::once("-m".to_string()).chain(module).collect(),
        // With -i and no program, stdin is read as the prompt's input, terminal or not.
        (None, None, None) if start_up.inspect || std::io::IsTerminal::is_terminal(&std::io::stdin()) => vec!["--interactive".into()],
        (None, None, None) => Vec::new(),
        (None, None, Some("-")) => program,
        (None, None, Some(target)) => {
            let script = absolute(Path::new(target))?;
            let script_dir = script.parent().context("the script has no folder")?.to_path_buf();
            options.dirs.push((script_dir.clone(), script_dir.to_string_lossy().into_owned()));
            std::iter::once(script.to_string_lossy().into_owned()).chain(program.into_iter().skip(1)).collect()
        }
    };
    let interpreter = interpreter();
    if interpreter.needs_compiling(&runtime::engine(options.interruption())?, &cache()) {
        eprintln!(
            "pysock: compiling the sandboxed interpreter for this machine, once (about 10-30 s); later runs load it from {}",
            cache().display()
        );
    }
    let python = runtime::Python::load_interpreter(&interpreter, &cache(), options.interruption())?;
    // The machine's time zones, read-only, where python3's `zoneinfo` looks first: public data that
    // programs take for granted (`ZoneInfo("Europe/Paris")`), as they do the stdlib.
    const ZONE_INFO: &str = "/usr/share/zoneinfo";
    if Path::new(ZONE_INFO).is_dir() && !options.dirs.iter().chain(&options.writable_dirs).any(|(_, guest)| guest == ZONE_INFO) {
        options.dirs.push((ZONE_INFO.into(), ZONE_INFO.into()));
    }
    let given = |folder: &str| options.dirs.iter().chain(&options.writable_dirs).any(|(_, guest)| guest == folder);
    let (wants_tmp, wants_root) = (!no_tmp && !given("/tmp"), !given("/"));
    let folders = match RunFolders::new(wants_tmp, wants_root) {
        Ok(folders) => folders,
        // Without a private /tmp the run can go on in a "/" that is no folder, as it did before it
        // had one.
        Err(_) if !wants_tmp => None,
        Err(e) => return Err(e),
    };
    if let Some(made) = &folders {
        if wants_tmp {
            options.writable_dirs.push((made.tmp(), "/tmp".into()));
            if !options.env.iter().any(|(name, _)| name == "TMPDIR") {
                options.env.push(("TMPDIR".into(), "/tmp".into()));
            }
        }
        options.root = wants_root.then(|| made.root());
    }
    // python3 starts in the folder it was started from: so does the sandbox when that folder is
    // readable inside, at the same path (under the script's folder, a --dir or a --path); else in "/".
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok())
        .filter(|cwd| options.dirs.iter().chain(&options.writable_dirs).any(|(host, guest)| Path::new(guest) == host && cwd.starts_with(host)))
        .and_then(|cwd| cwd.to_str().map(str::to_string));
    let words: Vec<String> = cwd
        .into_iter()
        .flat_map(|d| ["--cwd".to_string(), d])
        .chain(python_paths.into_iter().flat_map(|p| ["--path".to_string(), p]))
        .chain(start_up.words())
        .chain(program)
        .collect();
    let interrupter = pysock::Interrupter::new()?;
    options.interrupter = Some(interrupter.clone());
    if let Ok(mut target) = CTRL_C_TARGET.lock() {
        *target = Some(CtrlCTarget { sandbox: interrupter, folders: folders.as_ref().map(|f| f.0.clone()) });
    }
    let time_limit = options.time_limit;
    with_time_limit(time_limit, folders.as_ref(), || python.run(&words, options).map(|finished| finished.status))
}

/// A run's own folders on the host, removed when the run ends: the sandbox's /tmp, and an empty
/// folder that is its "/" (`RunOptions::root`), read-only, which the program starts in when started
/// outside every folder it may read.
struct RunFolders(PathBuf);

impl RunFolders {
    /// The folders asked for, in a new folder of the host's temporary folder; None for neither.
    fn new(tmp: bool, root: bool) -> Result<Option<RunFolders>> {
        use std::os::unix::fs::DirBuilderExt;
        if !tmp && !root {
            return Ok(None);
        }
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let folders = RunFolders(std::env::temp_dir().join(format!("pysock-tmp-{}-{nanos}", std::process::id())));
        let made = std::fs::DirBuilder::new().mode(0o700).create(&folders.0);
        made.with_context(|| format!("cannot make the sandbox's temporary folder {}; run with --no-tmp", folders.0.display()))?;
        for (wanted, path, mode) in [(tmp, folders.tmp(), 0o700), (root, folders.root(), 0o555)] {
            if wanted {
                let made = std::fs::DirBuilder::new().mode(mode).create(&path);
                made.with_context(|| format!("cannot make the sandbox's folder {}; run with --no-tmp", path.display()))?;
            }
        }
        if root {
            folders.give_local_time();
        }
        Ok(Some(folders))
    }

    /// Puts a copy of the machine's /etc/localtime at /etc/localtime in the sandbox's "/", the one
    /// file of /etc it sees: python3 takes local time from there (without TZ), and so does the
    /// sandbox (guest/cpython/src/local_time.py). Without it, or if the copy fails, local time is UTC.
    fn give_local_time(&self) {
        use std::os::unix::fs::PermissionsExt;
        let Ok(zone) = std::fs::read("/etc/localtime") else { return };
        let (root, etc) = (self.root(), self.root().join("etc"));
        let made = std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755))
            .and_then(|()| std::fs::create_dir(&etc))
            .and_then(|()| std::fs::write(etc.join("localtime"), zone))
            .and_then(|()| std::fs::set_permissions(etc.join("localtime"), std::fs::Permissions::from_mode(0o444)))
            .and_then(|()| std::fs::set_permissions(&etc, std::fs::Permissions::from_mode(0o555)));
        if made.is_err() {
            let _ = std::fs::remove_dir_all(&etc);
        }
        let _ = std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o555));
    }

    fn tmp(&self) -> PathBuf {
        self.0.join("tmp")
    }

    fn root(&self) -> PathBuf {
        self.0.join("root")
    }
}

impl Drop for RunFolders {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Ends pysock from a thread other than the run's, with `status`: exit runs no destructors, so the
/// run's folders are removed first.
fn exit_from_outside(folders: Option<PathBuf>, status: i32) -> ! {
    if let Some(folders) = folders {
        let _ = std::fs::remove_dir_all(folders);
    }
    std::process::exit(status)
}

/// Runs `run`, ending the process at `time_limit` (and a little more) even if the guest is blocked
/// where the run's own limit cannot reach.
fn with_time_limit(time_limit: Option<Duration>, folders: Option<&RunFolders>, run: impl FnOnce() -> Result<i32>) -> Result<i32> {
    if let Some(limit) = time_limit {
        // The run stops itself at the limit; a guest blocked inside a WASI call (os.read of stdin)
        // cannot be interrupted there, so the process ends a little later regardless, and its
        // folders go first (exit runs no destructors).
        let folders = folders.map(|f| f.0.clone());
        std::thread::spawn(move || {
            std::thread::sleep(limit + Duration::from_secs(2));
            eprintln!("pysock: {}", runtime::TimeLimitExceeded(limit));
            exit_from_outside(folders, TIME_LIMIT_STATUS);
        });
    }
    run()
}
