//! pysock's guest as CPython extension modules: `_socket`, `select` and `_ssl`, running in the
//! interpreter's own linear memory and calling the host's `pysock:net` imports directly.
//!
//! Built for `wasm32-wasip2` as a position-independent shared library, `_pysock.cpython-314-wasm32-wasi.so`
//! (scripts/setup.sh), which componentize-py links into its CPython. Importing `_pysock` makes the
//! three modules; `_pysock.install()` puts them in `sys.modules` before anything imports `socket`
//! (pysock's own interpreter does it in python/pysock_app.py, an app of one's own at its top), so
//! the stdlib's `socket.py`, `selectors`, `asyncio` and `ssl.py` run on them unchanged.
//!
//! The rules (timeouts, retry loops, select/poll/epoll, the SSL I/O loop, every error) are the
//! guest logic's, `pysock_guest`; this crate converts Python arguments and results as CPython's C
//! modules do, and implements the logic's host over the WIT imports (`host.rs`).

// `unsafe` is allowed in sixteen modules only, where the C API, libc, raw memory or the raw host import needs it:
// `append_seek`, `buffer`, `builtin_function`, `deep_free`, `descriptors`, `dir_entries`, `fcntl`, `file_duplicates`, `file_systems`, `finalize`, `landing`, `linux_errno`, `null_device`, `path_lookups`, `positional` and `signal_words` (and the one line `positional_method!` adds
// wherever a method table is written); each block there says why it holds.
#![deny(unsafe_code)]

mod bindings {
    wit_bindgen::generate!({ world: "extension", path: "../../wit", generate_all });
}

mod append_seek;
mod buffer;
mod builtin_function;
mod bz2;
mod constants;
mod convert;
mod clocks;
mod decompression;
mod deep_free;
mod descriptors;
mod dir_entries;
mod errors;
mod fcntl;
mod file_duplicates;
mod file_io;
mod file_modes;
mod file_systems;
mod finalize;
mod host;
mod input;
mod key_derivation;
mod landing;
mod linux_errno;
mod lzma;
mod null_device;
mod path_lookups;
mod positional;
mod resource;
mod select;
mod signal_words;
mod signals;
mod socket;
mod ssl;
mod termios;
mod time;

use pyo3::prelude::*;
use pysock_guest::socket::Core;
use std::cell::RefCell;

thread_local! {
    /// The guest's descriptor table and default timeout, which the three modules share.
    static CORE: RefCell<Core<host::WitHost>> = RefCell::new(Core::new(host::WitHost));
}

/// Runs `f` on the shared core. The modules never call back into Python while `f` runs, so the
/// borrow is never taken twice; the signal handlers `f` found are tripped once it is released
/// ([`host::trip_found_handlers`]).
pub(crate) fn with_core<T>(f: impl FnOnce(&mut Core<host::WitHost>) -> T) -> T {
    signal_words::name_once();
    let got = CORE.with(|c| f(&mut c.borrow_mut()));
    host::trip_found_handlers();
    got
}

/// Whether no call into the core is running (`with_core`), so that tripping a handler, which may
/// write to a socket, can happen now.
pub(crate) fn core_is_free() -> bool {
    CORE.with(|c| c.try_borrow_mut().is_ok())
}

/// Runs `wait` on the shared core until it reports done. When it stops early for a pending Python
/// SIGINT handler, the handler runs now (it may raise) and `wait` runs again, as CPython's sleep
/// and reads do since PEP 475. Only for waits outside a socket call, where a handler may use
/// sockets: `time.sleep` (`time.rs`) and stdin's reads (`input.rs`).
pub(crate) fn wait_running_handlers(py: Python<'_>, wait: impl Fn(&Core<host::WitHost>) -> Result<bool, pysock_guest::errno::Error>) -> PyResult<()> {
    use errors::CoreResult;
    while !with_core(|c| wait(c)).py_err(py)? {
        py.check_signals()?;
    }
    Ok(())
}

/// Makes a blocking socket call as CPython makes one since PEP 475: when a SIGINT finds a Python
/// handler while the call waits, the call ends (`Error::HandBack`), the handler runs here, outside
/// the core, where it may use sockets or raise (Ctrl-C in a server whose handler exits), and the call
/// is made again, with the deadline it had. For calls that make no progress before they wait, or
/// that pick up where they were (connect, sendall's count).
pub(crate) fn restarting<T>(py: Python<'_>, mut call: impl FnMut() -> Result<T, pysock_guest::errno::Error>) -> PyResult<T> {
    use errors::CoreResult;
    let mut handing_back = host::HandingBack::default();
    loop {
        match handing_back.run(&mut call) {
            Err(pysock_guest::errno::Error::HandBack) => py.check_signals()?,
            got => return got.py_err(py),
        }
    }
}

/// The modules `_pysock` provides, and what each replaces in `sys.modules`.
const MODULES: [&str; 3] = ["_socket", "select", "_ssl"];

/// `_pysock.install()`: makes `_pysock._socket`, `.select` and `._ssl` the interpreter's `_socket`,
/// `select` and `_ssl`, so that `socket`, `selectors`, `asyncio` and `ssl` (imported afterwards)
/// run on pysock, and what the stdlib gives a thread for networking runs in place (`in_place.py`);
/// `time.sleep` becomes one that Ctrl-C ends (`time.rs`), `process_time` and `os.times` count CPU
/// time and `time` takes Linux's clock numbers (`clocks.rs`), and `signal` gains `alarm`, `setitimer`
/// and what asyncio's signal handlers need (`signals.rs`); `os` gains `pipe` and `pipe2`
/// (`descriptors.rs`) and `readv`, `writev`, `preadv` and `pwritev` (`file_io.rs`), `fcntl`, `termios`, `resource`, `_bz2`, `_lzma`, `mmap` and `_multiprocessing` exist (`fcntl.rs`, `termios.rs`,
/// `resource.rs`, `bz2.rs`, `lzma.rs`, `mmap.py`, `semaphores.py`), `/dev/null` opens (`null_device.rs`), and the program has a user: `os.getuid`
/// and its kin, `pwd` and `grp` (`identity.py`); `os.symlink` takes absolute targets
/// (`symlinks.py`); the program is a process alone, with no parent in sight and no children
/// (`processes.py`); `hashlib` gains `pbkdf2_hmac` and `scrypt`
/// (`key_derivation.py`); `os` gains `statvfs` and `fstatvfs`, and so `shutil` its `disk_usage`
/// (`file_systems.rs`); files have modes (`file_modes.py`); `os.getcwd` names the folder itself after a change of folder
/// (`working_folder.py`); and an empty path names nothing, as on Linux (`empty_paths.py`). Modules that already imported the old
/// ones are dropped from `sys.modules`, to be imported again on the new ones. Socket numbers below
/// FD_SETSIZE are set aside in libc's table first (`descriptors.rs`). It calls no host function,
/// so it may run while componentize-py pre-initialises an app.
#[pyfunction]
fn install(py: Python<'_>) -> PyResult<()> {
    linux_errno::install(py)?;
    deep_free::install(py)?;
    descriptors::reserve();
    append_seek::install();
    let this = py.import("_pysock")?;
    this.getattr("_in_place")?.call_method0("install")?;
    time::install(py)?;
    clocks::install(py)?;
    signals::install(&this)?;
    descriptors::install(py)?;
    file_io::install(py)?;
    null_device::install(&this)?;
    termios::install(py)?;
    this.getattr("_identity")?.call_method0("install")?;
    let symlinks = this.getattr("_symlinks")?;
    symlinks.call_method0("install")?;
    this.getattr("_key_derivation")?.call_method0("install")?;
    this.getattr("_file_systems")?.call_method0("install")?;
    let file_modes = this.getattr("_file_modes")?;
    file_modes.call_method0("install")?;
    this.getattr("_working_folder")?.call_method0("install")?;
    this.getattr("_processes")?.call_method0("install")?;
    // Last of what stands in for `os` functions, so that "" is refused before any of them runs.
    let empty_paths = this.getattr("_empty_paths")?;
    empty_paths.call_method0("install")?;
    // In front of them all: a path's stat and listing in one host call (`path_lookups.rs`), the others behind it.
    path_lookups::install(py)?;
    // `os.DirEntry`'s stat and type tests look with that `os.stat`.
    dir_entries::install(py)?;
    let file_io = py.import("_io")?.getattr("FileIO")?.cast_into::<pyo3::types::PyType>()?;
    let real_init = file_io.getattr("__init__")?;
    if !real_init.is_instance_of::<pyo3::types::PyFunction>() {
        buffer::set_on_immutable_type(&file_io, "__init__", &empty_paths.call_method1("file_io_init", (real_init,))?)?;
    }
    let modules = py.import("sys")?.getattr("modules")?;
    for name in ["socket", "selectors", "ssl"].iter().chain(&MODULES) {
        modules.call_method1("pop", (*name, py.None()))?;
    }
    let builtin_module = this.getattr("_builtin_function")?.getattr("builtin_module")?;
    for name in MODULES.into_iter().chain(["fcntl", "termios", "resource", "_bz2", "_lzma", "mmap"]) {
        modules.set_item(name, builtin_module.call1((this.getattr(name)?,))?)?;
    }
    modules.set_item("_multiprocessing", this.getattr("_multiprocessing")?)?;
    builtin_function::own_code(&this.getattr("_builtin_function")?.call_method0("own_code")?)?;
    Ok(())
}

/// `_pysock.started()`: tells pysock that the run has begun (componentize-py's snapshot is over), so
/// that signals reach the program while it computes from now on (`signal_words.rs`; otherwise a
/// run's first socket call or `signal.alarm` does that), and local time follows TZ or
/// /etc/localtime (`local_time.py`, which reads files the snapshot must not). `pysock python`
/// calls it first thing, an app's entry point may.
#[pyfunction]
fn started(py: Python<'_>) -> PyResult<()> {
    signal_words::name_once();
    py.import("_pysock")?.getattr("_local_time")?.call_method0("install")?;
    Ok(())
}

/// A module of pysock's written in Python (`$file`, beside this one), compiled when `_pysock` is
/// imported, which an app does before componentize-py's snapshot, so a run does not pay for it.
macro_rules! python_module {
    ($py:expr, $file:literal, $name:literal) => {{
        let source = std::ffi::CString::new(include_str!($file)).expect("no NUL in the source");
        let file = std::ffi::CString::new(concat!("_pysock/", $file)).expect("no NUL in the name");
        let name = std::ffi::CString::new($name).expect("no NUL in the name");
        pyo3::types::PyModule::from_code($py, &source, &file, &name)
    }};
}
pub(crate) use python_module;

/// `_pysock`: holds the three modules as attributes (`_pysock._socket`, `.select`, `._ssl`),
/// [`install`], which puts them in place, and `wait_for_input` (`input.rs`).
#[pymodule]
fn _pysock(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let inits = [socket::init as fn(&Bound<'_, PyModule>) -> PyResult<()>, select::init, ssl::init];
    for (name, init) in MODULES.into_iter().zip(inits) {
        let module = PyModule::new(py, name)?;
        init(&module)?;
        m.add(name, module)?;
    }
    // What the stdlib gives a thread for networking, done in place once those modules are imported
    // (Python, as the code it adapts).
    // First: the modules below take `builtin_function` from it as they run (through sys.modules,
    // where `from_code` put it, as `_pysock` itself is not there yet).
    m.add("_builtin_function", builtin_function::module(py)?)?;
    m.add("_in_place", python_module!(py, "in_place.py", "_pysock._in_place")?)?;
    m.add("_identity", python_module!(py, "identity.py", "_pysock._identity")?)?;
    m.add("_symlinks", python_module!(py, "symlinks.py", "_pysock._symlinks")?)?;
    m.add("_key_derivation", key_derivation::module(py)?)?;
    m.add("_file_systems", file_systems::module(py)?)?;
    m.add("_file_modes", file_modes::module(py)?)?;
    m.add("_empty_paths", python_module!(py, "empty_paths.py", "_pysock._empty_paths")?)?;
    m.add("_working_folder", python_module!(py, "working_folder.py", "_pysock._working_folder")?)?;
    m.add("_processes", python_module!(py, "processes.py", "_pysock._processes")?)?;
    m.add("_local_time", python_module!(py, "local_time.py", "_pysock._local_time")?)?;
    m.add("_multiprocessing", python_module!(py, "semaphores.py", "_multiprocessing")?)?;
    m.add("mmap", python_module!(py, "mmap.py", "mmap")?)?;
    signal_words::find(py)?;
    m.add("_signals", signals::module(py)?)?;
    m.add("fcntl", fcntl::module(py)?)?;
    m.add("termios", termios::module(py)?)?;
    m.add("resource", resource::module(py)?)?;
    m.add("_bz2", bz2::module(py)?)?;
    m.add("_lzma", lzma::module(py)?)?;
    m.add("_null_device", null_device::module(py)?)?;
    m.add_function(wrap_pyfunction!(install, m)?)?;
    m.add_function(wrap_pyfunction!(started, m)?)?;
    m.add_function(wrap_pyfunction!(input::wait_for_input, m)?)?;
    Ok(())
}
