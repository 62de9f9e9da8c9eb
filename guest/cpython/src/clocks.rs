//! `time`'s clocks as Linux CPython has them: CPU time that counts CPU time, and Linux's clock
//! numbers.
//!
//! WASI has no CPU-time clock. WASI's libc makes `clock()` the wall-clock time since the program
//! started, so `time.process_time()` went on counting while a program slept or waited for the
//! network, and `os.times()` gave a large negative user time; `thread_time` and the two CPU-time
//! clocks were absent. `profile`, whose default timer is `process_time`, then charged a function
//! for its waits. Here `process_time`, `thread_time` (and their `_ns` forms), the clocks
//! CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID, and `os.times` read the host's count of the
//! CPU time of the thread that runs the sandbox (`net.cpu-time`): a sandbox is one thread, so its
//! process's time and its thread's are the same, as they are for a native Python that started no
//! thread.
//!
//! WASI's libc's clock ids are addresses (`time.CLOCK_MONOTONIC` read 4243824), so a program that
//! names a clock by Linux's number (`clock_gettime(1)`, or `True`) got EINVAL. `clock_gettime`,
//! `clock_gettime_ns` and `clock_getres` take Linux's numbers here (0 to 3), and `time`'s constants
//! are those numbers; the wall and monotonic clocks stay the interpreter's.

use crate::bindings::pysock::net::net;
use crate::convert;
use crate::positional::{Method, function, one_argument_function};
use pyo3::exceptions::{PyOSError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// Linux's clock numbers, the ones the sandbox has.
const CLOCK_REALTIME: i32 = 0;
const CLOCK_MONOTONIC: i32 = 1;
const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

/// What pysock leaves to the interpreter: its functions, and its ids for the two clocks it has.
struct Interpreters {
    clock_gettime: Py<PyAny>,
    clock_gettime_ns: Py<PyAny>,
    clock_getres: Py<PyAny>,
    get_clock_info: Py<PyAny>,
    times: Py<PyAny>,
    realtime: Py<PyAny>,
    monotonic: Py<PyAny>,
}

static INTERPRETERS: PyOnceLock<Interpreters> = PyOnceLock::new();

fn interpreters(py: Python<'_>) -> &Interpreters {
    INTERPRETERS.get(py).expect("install() keeps the interpreter's functions before replacing them")
}

/// A clock a Linux program may name.
enum Clock<'a> {
    /// One of the interpreter's, by its id.
    Interpreters(&'a Py<PyAny>),
    /// The sandbox's CPU time.
    Cpu,
}

/// `clk_id` as `clock_gettime` converts it (`time_clockid_converter`: a C int, or TypeError).
fn clock_id(clk_id: &Bound<'_, PyAny>) -> PyResult<i32> {
    clk_id.extract::<i32>().map_err(|_| PyTypeError::new_err(format!("clk_id should be integer, not {}", convert::type_name(clk_id))))
}

/// The clock `id` names on Linux; EINVAL for a number no clock of the sandbox has, as
/// clock_gettime(2) says.
fn clock(py: Python<'_>, id: i32) -> PyResult<Clock<'_>> {
    match id {
        CLOCK_REALTIME => Ok(Clock::Interpreters(&interpreters(py).realtime)),
        CLOCK_MONOTONIC => Ok(Clock::Interpreters(&interpreters(py).monotonic)),
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => Ok(Clock::Cpu),
        _ => {
            use pysock_guest::errno::{Errno, message};
            Err(PyOSError::new_err((crate::errors::errno_number(Errno::Einval), message(Errno::Einval))))
        }
    }
}

/// The sandbox's CPU time in nanoseconds, as CLOCK_PROCESS_CPUTIME_ID reads it.
fn running_ns() -> u64 {
    net::cpu_time().running_ns
}

/// Nanoseconds as seconds, rounded as `_PyTime_AsSecondsDouble` rounds them.
fn seconds(ns: u64) -> f64 {
    if ns % 1_000_000_000 == 0 { (ns / 1_000_000_000) as f64 } else { ns as f64 / 1e9 }
}

/// process_time() -> float
///
/// Process time for profiling: sum of the kernel and user-space CPU time.
#[pyfunction]
fn process_time() -> f64 {
    seconds(running_ns())
}

/// process_time() -> int
///
/// Process time for profiling as nanoseconds:
/// sum of the kernel and user-space CPU time.
#[pyfunction]
fn process_time_ns() -> u64 {
    running_ns()
}

/// thread_time() -> float
///
/// Thread time for profiling: sum of the kernel and user-space CPU time.
#[pyfunction]
fn thread_time() -> f64 {
    seconds(running_ns())
}

/// thread_time() -> int
///
/// Thread time for profiling as nanoseconds:
/// sum of the kernel and user-space CPU time.
#[pyfunction]
fn thread_time_ns() -> u64 {
    running_ns()
}

static CLOCK_GETTIME: Method = one_argument_function!(c"clock_gettime", clock_gettime)
    .documented(c"clock_gettime($module, clk_id, /)\n--\n\nReturn the time of the specified clock clk_id as a float.");
static CLOCK_GETTIME_NS: Method = one_argument_function!(c"clock_gettime_ns", clock_gettime_ns)
    .documented(c"clock_gettime_ns($module, clk_id, /)\n--\n\nReturn the time of the specified clock clk_id as nanoseconds (int).");
static CLOCK_GETRES: Method = one_argument_function!(c"clock_getres", clock_getres)
    .documented(c"clock_getres(clk_id) -> floating-point number\n\nReturn the resolution (precision) of the specified clock clk_id.");

fn clock_gettime(py: Python<'_>, clk_id: Borrowed<'_, '_, PyAny>) -> PyResult<Py<PyAny>> {
    match clock(py, clock_id(&clk_id)?)? {
        Clock::Interpreters(id) => interpreters(py).clock_gettime.call1(py, (id,)),
        Clock::Cpu => {
            // As `time_clock_gettime` makes a float of a timespec.
            let ns = running_ns();
            let value = (ns / 1_000_000_000) as f64 + (ns % 1_000_000_000) as f64 * 1e-9;
            Ok(value.into_pyobject(py)?.into_any().unbind())
        }
    }
}

fn clock_gettime_ns(py: Python<'_>, clk_id: Borrowed<'_, '_, PyAny>) -> PyResult<Py<PyAny>> {
    match clock(py, clock_id(&clk_id)?)? {
        Clock::Interpreters(id) => interpreters(py).clock_gettime_ns.call1(py, (id,)),
        Clock::Cpu => Ok(running_ns().into_pyobject(py)?.into_any().unbind()),
    }
}

fn clock_getres(py: Python<'_>, clk_id: Borrowed<'_, '_, PyAny>) -> PyResult<Py<PyAny>> {
    // Not converted as `clock_gettime`'s: PyArg's `i`.
    match clock(py, convert::format_i(&clk_id)?)? {
        Clock::Interpreters(id) => interpreters(py).clock_getres.call1(py, (id,)),
        Clock::Cpu => Ok(1e-9f64.into_pyobject(py)?.into_any().unbind()),
    }
}

static GET_CLOCK_INFO: Method = one_argument_function!(c"get_clock_info", get_clock_info)
    .documented(c"get_clock_info(name: str) -> dict\n\nGet information of the specified clock.");

fn get_clock_info(py: Python<'_>, name: Borrowed<'_, '_, PyAny>) -> PyResult<Py<PyAny>> {
    let clock = match name.extract::<String>().as_deref() {
        Ok("process_time") => "CLOCK_PROCESS_CPUTIME_ID",
        Ok("thread_time") => "CLOCK_THREAD_CPUTIME_ID",
        _ => return interpreters(py).get_clock_info.call1(py, (name,)),
    };
    let info = PyDict::new(py);
    info.set_item("implementation", format!("clock_gettime({clock})"))?;
    info.set_item("monotonic", true)?;
    info.set_item("adjustable", false)?;
    info.set_item("resolution", 1e-9)?;
    Ok(py.import("types")?.getattr("SimpleNamespace")?.call((), Some(&info))?.unbind())
}

/// Return a collection containing process timing information.
///
/// The object returned behaves like a named tuple with these fields:
///   (utime, stime, cutime, cstime, elapsed_time)
/// All fields are floating point numbers.
#[pyfunction]
fn times(py: Python<'_>) -> PyResult<Py<PyAny>> {
    // The interpreter's for the type and the elapsed time; the sandbox has no children.
    let theirs = interpreters(py).times.bind(py).call0()?;
    let elapsed = theirs.get_item(4)?;
    let used = net::cpu_time();
    let fields = (used.user_ns as f64 / 1e9, used.system_ns as f64 / 1e9, 0.0, 0.0, elapsed);
    Ok(theirs.get_type().call1((fields,))?.unbind())
}

/// Makes these `time`'s and `os`'s, and gives `time` Linux's clock numbers. Calls no host function.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let time = py.import("time")?;
    let os = py.import("os")?;
    let found = |module: &Bound<'_, PyModule>, name| module.getattr(name).map(Bound::unbind);
    // A second install finds pysock's own there: the interpreter's are the ones found first.
    if INTERPRETERS.get(py).is_none() {
        let theirs = Interpreters {
            clock_gettime: found(&time, "clock_gettime")?,
            clock_gettime_ns: found(&time, "clock_gettime_ns")?,
            clock_getres: found(&time, "clock_getres")?,
            get_clock_info: found(&time, "get_clock_info")?,
            times: found(&os, "times")?,
            realtime: found(&time, "CLOCK_REALTIME")?,
            monotonic: found(&time, "CLOCK_MONOTONIC")?,
        };
        let _ = INTERPRETERS.set(py, theirs);
    }
    for function in [
        wrap_pyfunction!(process_time, py)?,
        wrap_pyfunction!(process_time_ns, py)?,
        wrap_pyfunction!(thread_time, py)?,
        wrap_pyfunction!(thread_time_ns, py)?,
    ] {
        function.setattr("__module__", "time")?;
        time.setattr(function.getattr("__name__")?.extract::<String>()?, function)?;
    }
    for method in [&CLOCK_GETTIME, &CLOCK_GETTIME_NS, &CLOCK_GETRES, &GET_CLOCK_INFO] {
        let function = function(&time, method)?;
        time.setattr(function.getattr("__name__")?.extract::<String>()?, function)?;
    }
    for (name, number) in [
        ("CLOCK_REALTIME", CLOCK_REALTIME),
        ("CLOCK_MONOTONIC", CLOCK_MONOTONIC),
        ("CLOCK_PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID),
        ("CLOCK_THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID),
    ] {
        time.setattr(name, number)?;
    }
    let times = wrap_pyfunction!(times, py)?;
    times.setattr("__module__", "posix")?;
    os.setattr("times", &times)?;
    py.import("posix")?.setattr("times", &times)?;
    Ok(())
}
