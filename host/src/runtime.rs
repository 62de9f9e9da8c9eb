//! Running a WASI command component on pysock: a compiled-component cache, and the store that holds
//! WASI and pysock state.

use crate::{NetworkPolicy, PysockCtx, PysockCtxView, PysockView, Quotas};
use anyhow::{Context, Result, bail, ensure};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

/// Store data for a command running on pysock.
pub struct State {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    pub pysock: PysockCtx,
    /// The store's limiter (`store.limiter(|s| &mut s.limits)`): `limits` as given to [`State::new`],
    /// and the memory limit the guest may lower for itself (RLIMIT_AS).
    pub limits: crate::limits::Limiter,
}

impl State {
    /// The embedder's memory cap goes to [`crate::PysockCtxBuilder::max_memory`], so that the guest
    /// sees it as its hard RLIMIT_AS; `limits` holds the store's other limits.
    pub fn new(wasi: WasiCtx, pysock: PysockCtx, limits: StoreLimits) -> Self {
        let limits = crate::limits::Limiter::new(limits, pysock.memory_cap());
        State { wasi, table: ResourceTable::new(), pysock, limits }
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl PysockView for State {
    fn pysock(&mut self) -> PysockCtxView<'_> {
        PysockCtxView { ctx: &mut self.pysock, table: &mut self.table }
    }
}

/// What a run may see and reach.
#[derive(Default, Clone)]
pub struct RunOptions {
    pub args: Vec<String>,
    /// (host path, guest path) pairs, preopened read-only.
    pub dirs: Vec<(PathBuf, String)>,
    /// (host path, guest path) pairs the guest may also write (create, change, remove files).
    pub writable_dirs: Vec<(PathBuf, String)>,
    /// An empty host folder the guest sees, read-only, as "/": the folder a program starts in
    /// unless told otherwise (WASI's libc starts in "/"), which then exists, as a Linux process's
    /// working folder does (`os.getcwd()`, `os.listdir()`, `os.chdir("/")`). The other folders stay
    /// where they are, and paths outside them find nothing, as without it. No AF_UNIX socket binds
    /// or connects by a path there.
    pub root: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    pub network: NetworkPolicy,
    pub default_trust: crate::DefaultTrust,
    /// TLS identities held for the guest: (name, chain PEM, key PEM).
    pub identities: Vec<(String, Vec<u8>, Vec<u8>)>,
    pub quotas: Quotas,
    /// Appends a JSON line per policy decision to this file.
    pub audit: Option<PathBuf>,
    /// Stops the run, waiting or computing, after this long: [`TimeLimitExceeded`]. The engine must
    /// have [`Interruption::time_limit`].
    pub time_limit: Option<Duration>,
    /// Caps the guest's linear memory; past it allocations fail (CPython raises MemoryError).
    pub max_memory: Option<usize>,
    /// wasmtime fuel for the run; the engine must have [`Interruption::fuel`].
    pub fuel: Option<u64>,
    /// Keeps what the guest writes to stdout and stderr (up to `CAPTURE_LIMIT` bytes each) for
    /// [`run_captured`] to return, instead of writing it to the host's.
    pub capture_output: bool,
    /// The run's [`Interrupter`](crate::Interrupter), kept by the embedder to stop the run or to
    /// deliver SIGINT (Ctrl-C) to it from another thread; without one the run makes its own. Give
    /// each run a new one: once an interrupter has stopped a run (or its time limit has), it stops
    /// every run it is given.
    pub interrupter: Option<crate::Interrupter>,
    /// Also gives the component wasmtime-wasi's own wasi:sockets with the host's network inherited,
    /// unchecked by pysock's policy: only for comparing against what a user would run without pysock.
    pub wasi_sockets: bool,
}

/// How much of each output stream a captured run keeps.
pub const CAPTURE_LIMIT: usize = 64 << 20;

/// How a run ended, with its output when [`RunOptions::capture_output`] was set.
#[derive(Debug, Default)]
pub struct Finished {
    /// The exit status: what `sys.exit` said, 1 for an uncaught exception.
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// The error of a run stopped by [`RunOptions::time_limit`].
#[derive(Debug)]
pub struct TimeLimitExceeded(pub Duration);

impl std::fmt::Display for TimeLimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the run took longer than its time limit of {:?} and was stopped", self.0)
    }
}

impl std::error::Error for TimeLimitExceeded {}

/// The error of a run whose program waited for a lock or condition that only another thread could
/// release. The sandbox runs one thread, so the wait could never end: WASI's libc stops the program
/// there (its `pthread_cond_wait` traps) where native Python would hang, or would go on once the
/// other thread released it.
#[derive(Debug)]
pub struct Deadlock;

impl std::fmt::Display for Deadlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "the program waited for a lock that only another thread could release (a threading Lock, \
             Condition, Event or Queue, or a future's result), and the sandbox runs one thread, so the wait \
             could never end; pysock stopped the program. asyncio.to_thread and run_in_executor run their \
             function on this thread too: such a function cannot wait for the event loop",
        )
    }
}

impl std::error::Error for Deadlock {}

/// The error of a run whose program's C code recursed through all of [`WASM_STACK`]: a chain of
/// objects whose freeing CPython does not defer (`collections.deque`s nested a million deep), or C
/// recursion its checks do not see. Natively such a program crashes or raises RecursionError; in the
/// sandbox it stops, and Python code cannot catch it.
#[derive(Debug)]
pub struct StackExhausted {
    /// The functions at the deepest point, innermost first, as the wasm backtrace names them.
    pub innermost: Vec<String>,
}

impl std::fmt::Display for StackExhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the program's C code recursed through the sandbox's whole stack ({} MiB for wasm; wasm trap: call stack \
             exhausted, in {}), and pysock stopped it. Natively this is a crash or a RecursionError; build or free the \
             structure it was working on less deeply",
            WASM_STACK >> 20,
            self.innermost.join(" < ")
        )
    }
}

impl std::error::Error for StackExhausted {}

impl StackExhausted {
    /// The run's error as a [`StackExhausted`], if it is wasmtime's trap for an exhausted stack.
    fn from_trap(e: &wasmtime::Error) -> Option<StackExhausted> {
        if e.downcast_ref::<wasmtime::Trap>() != Some(&wasmtime::Trap::StackOverflow) {
            return None;
        }
        let frames = e.downcast_ref::<wasmtime::WasmBacktrace>().map(|b| b.frames()).unwrap_or_default();
        let names: Vec<&str> = frames.iter().take(256).map(|frame| frame.func_name().unwrap_or("?")).collect();
        Some(StackExhausted { innermost: recursion(&names) })
    }
}

/// The recursion's distinct functions, innermost first (at most four), from a backtrace's names:
/// from the innermost function that recurs, so that what the deepest call happened to be doing when
/// the stack ran out (a malloc growing the heap) does not hide them; from the innermost frame if
/// none recurs.
fn recursion(names: &[&str]) -> Vec<String> {
    let start = (0..names.len()).find(|&i| names[i + 1..].contains(&names[i])).unwrap_or(0);
    let mut distinct: Vec<String> = Vec::new();
    for name in &names[start..] {
        if distinct.iter().any(|d| d == name) || distinct.len() == 4 {
            break;
        }
        distinct.push(name.to_string());
    }
    distinct
}

/// Whether a run's error is WASI libc's trap in a wait that nothing could end.
fn is_deadlock(e: &wasmtime::Error) -> bool {
    let waited = || {
        let top = e.downcast_ref::<wasmtime::WasmBacktrace>()?.frames().first()?.func_name()?;
        Some(top.starts_with("pthread_"))
    };
    e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::UnreachableCodeReached) && waited() == Some(true)
}

/// What an engine compiles into guest code so that a run can be stopped while it computes. Each
/// check runs in every loop and call of the guest (epoch checks cost CPython in the sandbox about
/// 0.2 µs a socket round trip, fuel far more), so an engine has only what its runs ask for:
/// [`RunOptions::interruption`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Interruption {
    /// Fuel metering, for [`RunOptions::fuel`].
    pub fuel: bool,
    /// Epoch checks, for [`RunOptions::time_limit`]: they stop guest code that never waits.
    pub time_limit: bool,
}

impl RunOptions {
    /// What an engine needs to run with these options.
    pub fn interruption(&self) -> Interruption {
        Interruption { fuel: self.fuel.is_some(), time_limit: self.time_limit.is_some() }
    }
}

/// How much native stack the guest's wasm code may use, where wasmtime's default is 512 KiB.
///
/// CPython guards its C recursion (the repr of a nested list, `==` between deep structures, json,
/// pickle) and defers the freeing of deep chains (a linked list of objects, a chain of exceptions)
/// by measuring its stack. Compiled to wasm, it measures the shadow stack in linear memory (1 MiB in
/// componentize-py's build), where a wasm frame keeps only the locals whose address is taken; the
/// rest of each frame is on the native stack, 16 to 30 times larger. With 512 KiB, freeing a linked
/// list of 2,000 objects or comparing two lists nested 3,000 deep ended the run with "wasm trap: call
/// stack exhausted", where python3 frees millions and raises RecursionError. Measured: those paths
/// need 16 to 32 MiB before CPython's own checks act; this leaves twice that. The pages are
/// reserved, not used: a run's memory grows only as deep as it recurses.
pub const WASM_STACK: usize = 64 << 20;

/// The stack the host's own functions have below the guest's deepest frame (rustls, DNS, the
/// policy), as a main thread's 8 MiB would give them, with room for a debug build's larger frames.
const HOST_STACK: usize = 16 << 20;

/// Runs `enter`, which enters wasm code on an [`engine`], on a thread whose stack holds
/// [`WASM_STACK`] and the host's functions below it. wasmtime trusts that the thread calling into
/// wasm has the stack the engine allows; on a smaller one (a test thread has 2 MiB) a deep recursion
/// would overflow the host's stack, which ends the process, instead of trapping. Fails only when
/// the thread cannot start.
pub fn on_guest_stack<R: Send>(enter: impl FnOnce() -> R + Send) -> Result<R> {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("pysock-guest".into())
            .stack_size(WASM_STACK + HOST_STACK)
            .spawn_scoped(scope, enter)
            .context("cannot start the thread a guest runs on")?;
        Ok(thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// The engine pysock runs components on, able to stop them as `interruption` says. Code that
/// enters its wasm runs on [`on_guest_stack`].
pub fn engine(interruption: Interruption) -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.max_wasm_stack(WASM_STACK);
    // Only checked against the stack above, never allocated: pysock runs no guest on a fiber.
    config.async_stack_size(WASM_STACK + HOST_STACK);
    config.epoch_interruption(interruption.time_limit);
    config.consume_fuel(interruption.fuel);
    // For profiling with perf(1): names the JIT-compiled wasm functions in /tmp/perf-PID.map.
    // Filled tables at instantiation: a lazily filled table costs a check on every indirect
    // call, and CPython makes one for almost every operation (type slots, vectorcall). Measured:
    // the sandbox's 64-byte round trip 3-4% faster, no change in start-up time.
    config.table_lazy_init(false);
    // A delivered signal is written into the guest's memory from another thread
    // (`signal_words`): the memory must stay where it is.
    config.memory_may_move(false);
    if std::env::var_os("PYSOCK_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    Ok(Engine::new(&config)?)
}

/// Compiles the component at `path`, reusing a compiled copy from `cache_dir` when the file is
/// unchanged: a CPython component takes seconds to compile, milliseconds to load.
pub fn load_component(engine: &Engine, path: &Path, cache_dir: Option<&Path>) -> Result<Component> {
    load_cached(engine, files_identity(&[path])?, cache_dir, || std::fs::read(path).with_context(|| format!("cannot read the component {}", path.display())))
}

/// The sandboxed CPython of a built checkout at `home` (see scripts/setup.sh), through the
/// checkout's cache of compiled components.
pub fn load_sandboxed_python(engine: &Engine, home: &Path) -> Result<Component> {
    load_component(engine, &home.join("build/python/interpreter.wasm"), Some(&home.join("build/cache")))
}

/// Where a sandboxed CPython comes from: the interpreter component and its standard library.
pub enum Interpreter {
    /// Files on disk, as `scripts/setup.sh` leaves them in a checkout's `build/python`.
    Files { component: PathBuf, stdlib: PathBuf },
    /// The copy carried inside this binary (see host/build.rs), so an installed `pysock` needs no
    /// checkout; its standard library is unpacked once into the cache folder.
    Carried,
}

impl Interpreter {
    /// The interpreter of the checkout at `home`, after `scripts/setup.sh`.
    pub fn checkout(home: &Path) -> Interpreter {
        let build = home.join("build/python");
        Interpreter::Files { component: build.join("interpreter.wasm"), stdlib: build.join("lib") }
    }

    /// The interpreter carried inside this binary, if cargo built it after `scripts/setup.sh`.
    pub fn carried() -> Option<Interpreter> {
        crate::embedded::digest().map(|_| Interpreter::Carried)
    }

    /// Whether loading it with this cache folder will compile it (seconds for CPython) rather than
    /// load what an earlier run compiled; false when it cannot be loaded at all.
    pub fn needs_compiling(&self, engine: &Engine, cache_dir: &Path) -> bool {
        self.identity().is_ok_and(|id| !cache_dir.join(format!("{}.cwasm", cache_key(engine, id))).exists())
    }

    fn identity(&self) -> Result<u64> {
        match self {
            Interpreter::Files { component, .. } => files_identity(&[component]),
            Interpreter::Carried => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                crate::embedded::component_digest().hash(&mut h);
                Ok(h.finish())
            }
        }
    }
}

/// Sandboxed CPython for an embedder: the interpreter component and the standard library that
/// `scripts/setup.sh` built, compiled once and run as `python3` would be, with what [`RunOptions`]
/// allows. `pysock python` is this and a command line.
///
/// ```no_run
/// use pysock::runtime::{Python, RunOptions};
/// let python = Python::load(std::path::Path::new("/opt/pysock"), Default::default())?;
/// let mut options = RunOptions { network: pysock::NetworkPolicy::default().with_loopback(), capture_output: true, ..Default::default() };
/// options.dirs.push(("/srv/app".into(), "/app".into()));
/// options.env.push(("MODE".into(), "test".into()));
/// let finished = python.run(&["/app/main.py", "--verbose"], options)?;
/// println!("exit status {}: {}", finished.status, String::from_utf8_lossy(&finished.stdout));
/// # anyhow::Ok(())
/// ```
pub struct Python {
    engine: Engine,
    interpreter: Component,
    stdlib: PathBuf,
}

impl Python {
    /// The interpreter of the checkout at `home`, through its cache of compiled components, on an
    /// [`engine`] that can stop runs as `interruption` says.
    pub fn load(home: &Path, interruption: Interruption) -> Result<Python> {
        Python::load_interpreter(&Interpreter::checkout(home), &home.join("build/cache"), interruption)
    }

    /// The interpreter component and standard library at these paths.
    pub fn load_from(interpreter: &Path, stdlib: &Path, cache_dir: Option<&Path>, interruption: Interruption) -> Result<Python> {
        let files = Interpreter::Files { component: interpreter.to_path_buf(), stdlib: stdlib.to_path_buf() };
        match cache_dir {
            Some(dir) => Python::load_interpreter(&files, dir, interruption),
            None => Python::load_with(&files, None, interruption),
        }
    }

    /// `interpreter`, compiled once into `cache_dir` (where a carried one also unpacks its library).
    pub fn load_interpreter(interpreter: &Interpreter, cache_dir: &Path, interruption: Interruption) -> Result<Python> {
        Python::load_with(interpreter, Some(cache_dir), interruption)
    }

    fn load_with(interpreter: &Interpreter, cache_dir: Option<&Path>, interruption: Interruption) -> Result<Python> {
        let engine = engine(interruption)?;
        let (component, stdlib) = match interpreter {
            Interpreter::Files { component, stdlib } => {
                for needed in [component, stdlib] {
                    if !needed.exists() {
                        bail!("the sandboxed interpreter is not built ({} missing); run `bash scripts/setup.sh` in pysock's checkout", needed.display());
                    }
                }
                let bytes = || std::fs::read(component).with_context(|| format!("cannot read the component {}", component.display()));
                (load_cached(&engine, interpreter.identity()?, cache_dir, bytes)?, stdlib.clone())
            }
            Interpreter::Carried => {
                let unpack_into = cache_dir.map(Path::to_path_buf).unwrap_or_else(|| std::env::temp_dir().join("pysock"));
                let stdlib = crate::embedded::stdlib(&unpack_into)?;
                (load_cached(&engine, interpreter.identity()?, cache_dir, crate::embedded::component)?, stdlib)
            }
        };
        Ok(Python { engine, interpreter: component, stdlib })
    }

    /// Runs `words`, what follows `python3` on its command line (a script inside the sandbox and
    /// its arguments, `-c COMMAND`, `-m MODULE`), to its end.
    pub fn run(&self, words: &[impl AsRef<str>], mut options: RunOptions) -> Result<Finished> {
        // A folder inside another preopened one would shadow it: wasi-libc resolves a path against
        // the longest matching preopen, so `public/../certs` would leave the inner one and be refused.
        let all: Vec<PathBuf> = options.dirs.iter().map(|(host, _)| host.clone()).collect();
        options.dirs.retain(|(host, _)| !all.iter().any(|outer| outer != host && host.starts_with(outer)));
        options.dirs.dedup();
        options.dirs.push((self.stdlib.clone(), "/python".into()));
        options.args = std::iter::once("python").chain(words.iter().map(AsRef::as_ref)).map(str::to_string).collect();
        run_captured(&self.engine, &self.interpreter, &options)
    }
}

fn load_cached(engine: &Engine, identity: u64, cache_dir: Option<&Path>, bytes: impl FnOnce() -> Result<Vec<u8>>) -> Result<Component> {
    let cached = cache_dir.map(|dir| dir.join(format!("{}.cwasm", cache_key(engine, identity))));
    if let Some(path) = cached.as_ref().filter(|p| p.exists()) {
        if let Ok(c) = crate::sys::load_compiled(engine, path) {
            mark_used(path);
            return Ok(c);
        }
    }
    let component = Component::new(engine, &bytes()?)
        .map_err(anyhow::Error::from)
        .context("compiling the component")?;
    if let Some(path) = &cached {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // Write then rename, so a concurrent run never loads a half-written file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, component.serialize().map_err(anyhow::Error::from)?).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
        prune_cache(path.parent().unwrap_or(Path::new(".")));
    }
    Ok(component)
}

/// How many compiled components the cache keeps (each is tens of MB); older ones are removed.
const CACHE_ENTRIES: usize = 4;

fn prune_cache(dir: &Path) {
    prune_oldest(dir, CACHE_ENTRIES, |name| name.ends_with(".cwasm"));
}

/// Marks a cache entry (file or folder) as just used, for [`prune_oldest`]: an entry every run
/// loads outlives the ones a test's unusual options compiled once, however long ago it was made.
pub(crate) fn mark_used(entry: &Path) {
    if let Ok(f) = std::fs::File::open(entry) {
        let _ = f.set_modified(std::time::SystemTime::now());
    }
}

/// Removes the entries of `dir` that `is_entry` names (files or folders), all but the `keep` most
/// recently made or used ([`mark_used`]).
pub(crate) fn prune_oldest(dir: &Path, keep: usize, is_entry: impl Fn(&str) -> bool) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut found: Vec<_> = entries
        .filter_map(|e| e.ok())
        .filter(|e| is_entry(&e.file_name().to_string_lossy()))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0));
    for (_, old) in found.into_iter().skip(keep) {
        let _ = if old.is_dir() { std::fs::remove_dir_all(old) } else { std::fs::remove_file(old) };
    }
}

/// Identifies files by their paths, sizes and modification times, as build tools do: hashing 18 MB
/// of CPython on every start would cost more than loading the compiled result.
fn files_identity(files: &[&Path]) -> Result<u64> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for file in files {
        let meta = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
        file.hash(&mut h);
        meta.len().hash(&mut h);
        meta.modified()?.hash(&mut h);
    }
    Ok(h.finish())
}

/// Names a compiled component by what it was compiled from and what compiled it.
fn cache_key(engine: &Engine, identity: u64) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    identity.hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    format!("{:016x}", h.finish())
}

/// The guest's stdout and stderr, when they are captured.
type Captured = Option<(wasmtime_wasi::p2::pipe::MemoryOutputPipe, wasmtime_wasi::p2::pipe::MemoryOutputPipe)>;

/// The linker and store a command runs in: WASI as `options` says, pysock, and the limits.
fn prepare(engine: &Engine, options: &RunOptions) -> Result<(Linker<State>, Store<State>, Captured)> {
    let mut linker: Linker<State> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    crate::add_to_linker(&mut linker)?;
    crate::file_types::add_to_linker(&mut linker)?;

    let mut wasi = WasiCtx::builder();
    // The guest waits for every file operation anyway (the linker is synchronous), so it runs on
    // the guest's thread: handing it to tokio's blocking pool and back cost 50-100 µs an `os.stat`.
    wasi.allow_blocking_current_thread(true);
    wasi.inherit_stdio().args(&options.args);
    let captured = options.capture_output.then(|| {
        use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
        let (out, err) = (MemoryOutputPipe::new(CAPTURE_LIMIT), MemoryOutputPipe::new(CAPTURE_LIMIT));
        wasi.stdout(out.clone()).stderr(err.clone());
        (out, err)
    });
    for (k, v) in &options.env {
        wasi.env(k, v);
    }
    if options.wasi_sockets {
        wasi.inherit_network().allow_ip_name_lookup(true).allow_tcp(true).allow_udp(true);
    } else {
        // The interpreter reaches the network only through pysock, never through wasi:sockets.
        wasi.allow_ip_name_lookup(false).allow_tcp(false).allow_udp(false);
    }
    for (host, guest) in &options.dirs {
        wasi.preopened_dir(host, guest, FsPerms::ReadOnly)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot make {} readable in the sandbox", host.display()))?;
    }
    for (host, guest) in &options.writable_dirs {
        wasi.preopened_dir(host, guest, FsPerms::ReadWrite)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot make {} writable in the sandbox", host.display()))?;
    }
    if let Some(root) = &options.root {
        wasi.preopened_dir(root, "/", FsPerms::ReadOnly)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot make {} the sandbox's /", root.display()))?;
    }
    let mut builder = PysockCtx::builder()
        .inherit_stdin()
        .network(options.network.clone())
        .default_trust(options.default_trust.clone())
        .quotas(options.quotas.clone());
    for (dirs, writable) in [(&options.dirs, false), (&options.writable_dirs, true)] {
        for (host, guest) in dirs {
            builder = builder.unix_folder(guest.clone(), host.clone(), writable);
        }
    }
    for (name, chain, key) in &options.identities {
        builder = builder.tls_identity(name.clone(), chain.clone(), key.clone());
    }
    if let Some(interrupter) = &options.interrupter {
        builder = builder.interrupter(interrupter.clone());
    }
    if let Some(path) = &options.audit {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open the audit log {}", path.display()))?;
        builder = builder.audit(Box::new(file));
    }
    if let Some(bytes) = options.max_memory {
        builder = builder.max_memory(bytes as u64);
    }
    let pysock = builder.build()?;
    let state = State::new(wasi.build(), pysock, StoreLimits::default());
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limits);
    if options.time_limit.is_some() {
        // Without epoch checks the limit would end the run's waits but not a guest that computes.
        ensure!(engine.get_epoch_interruption(), "a time limit needs an engine that can stop a computing guest: build it with `engine(options.interruption())`");
        store.epoch_deadline_trap();
        store.set_epoch_deadline(1);
    }
    if let Some(fuel) = options.fuel {
        store.set_fuel(fuel).map_err(anyhow::Error::from).context("fuel needs an engine with fuel metering: build it with `engine(options.interruption())`")?;
    }
    Ok((linker, store, captured))
}

/// Instantiates a command, runs it to its end and returns the store, still holding the instance:
/// for measuring what a live interpreter costs.
pub fn start_command(engine: &Engine, component: &Component, options: &RunOptions) -> Result<Store<State>> {
    on_guest_stack(|| {
        let (linker, mut store, _) = prepare(engine, options)?;
        let command = Command::instantiate(&mut store, component, &linker)?;
        if command.wasi_cli_run().call_run(&mut store)?.is_err() {
            bail!("the command failed");
        }
        Ok(store)
    })?
}

/// Runs a composed `wasi:cli/command` component and returns its exit code.
pub fn run_command(engine: &Engine, component: &Component, options: &RunOptions) -> Result<i32> {
    run_captured(engine, component, options).map(|finished| finished.status)
}

/// As [`run_command`], with the guest's output when `options.capture_output` is set.
pub fn run_captured(engine: &Engine, component: &Component, options: &RunOptions) -> Result<Finished> {
    on_guest_stack(|| run_here(engine, component, options))?
}

fn run_here(engine: &Engine, component: &Component, options: &RunOptions) -> Result<Finished> {
    let (linker, mut store, captured) = prepare(engine, options)?;
    // The time limit: interrupt pysock's waits and end the epoch, which stops running guest code.
    let (finished, finished_rx) = std::sync::mpsc::channel::<()>();
    let timer = options.time_limit.map(|limit| {
        let interrupter = store.data().pysock.interrupter();
        let engine = engine.clone();
        std::thread::spawn(move || {
            if finished_rx.recv_timeout(limit) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                interrupter.interrupt();
                engine.increment_epoch();
            }
        })
    });
    let result = Command::instantiate(&mut store, component, &linker).and_then(|c| c.wasi_cli_run().call_run(&mut store));
    let interrupted = store.data().pysock.interrupter().is_interrupted();
    // Every socket of the guest closes here, whatever way the run ended.
    drop(store);
    drop(finished);
    if let Some(t) = timer {
        let _ = t.join();
    }
    let status = match result {
        Ok(Ok(())) => 0,
        Ok(Err(())) => 1,
        Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => exit.0,
            None if interrupted => return Err(TimeLimitExceeded(options.time_limit.unwrap_or_default()).into()),
            None if is_deadlock(&e) => return Err(Deadlock.into()),
            None => match StackExhausted::from_trap(&e) {
                Some(exhausted) => return Err(exhausted.into()),
                None => bail!(e),
            },
        },
    };
    let (stdout, stderr) = captured.map(|(out, err)| (out.contents().to_vec(), err.contents().to_vec())).unwrap_or_default();
    Ok(Finished { status, stdout, stderr })
}

#[cfg(test)]
mod tests {
    /// A stack that ran out inside malloc growing the heap (as a CI run's did) still names the
    /// deque functions that recursed.
    #[test]
    fn a_recursion_is_named_by_the_functions_that_recur() {
        let grew_the_heap = ["sbrk", "dlmalloc", "malloc", "_PyMem_RawMalloc", "deque_clear", "deque_dealloc", "_Py_Dealloc", "deque_clear", "deque_dealloc"];
        assert_eq!(recursion(&grew_the_heap), ["deque_clear", "deque_dealloc", "_Py_Dealloc"]);
        assert_eq!(recursion(&["deque_clear", "deque_dealloc", "_Py_Dealloc", "deque_clear"]), ["deque_clear", "deque_dealloc", "_Py_Dealloc"]);
        assert_eq!(recursion(&["a", "b", "c", "d", "e"]), ["a", "b", "c", "d"]);
        assert!(recursion(&[]).is_empty());
    }

    use super::{mark_used, prune_oldest, recursion};
    use std::time::{Duration, SystemTime};

    /// The cache keeps the entries of the kind asked, files or folders, made or used last, and
    /// nothing else goes.
    #[test]
    fn pruning_keeps_the_entries_used_last_of_one_kind() {
        let dir = std::env::temp_dir().join(format!("pysock-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let base = SystemTime::now() - Duration::from_secs(3600);
        for (i, name) in ["a.cwasm", "b.cwasm", "c.cwasm", "stdlib-1", "stdlib-2", "stdlib-3", "other"].iter().enumerate() {
            let path = dir.join(name);
            if name.starts_with("stdlib-") {
                std::fs::create_dir(&path).unwrap();
                std::fs::write(path.join("os.py"), "").unwrap();
            } else {
                std::fs::write(&path, "").unwrap();
            }
            let when = base + Duration::from_secs(60 * i as u64);
            std::fs::File::options().read(true).open(&path).unwrap().set_modified(when).unwrap();
        }
        // The oldest of each kind was used last: it stays, and the next oldest goes instead.
        mark_used(&dir.join("a.cwasm"));
        mark_used(&dir.join("stdlib-1"));
        prune_oldest(&dir, 2, |name| name.ends_with(".cwasm"));
        prune_oldest(&dir, 1, |name| name.starts_with("stdlib-"));
        let mut left: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(left, ["a.cwasm", "c.cwasm", "other", "stdlib-1"]);
    }
}
