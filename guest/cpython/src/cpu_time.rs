//! CPU time, as Linux CPython measures it: `time.process_time`, `time.thread_time` (and their
//! `_ns` forms), `time.clock_gettime` of CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID,
//! and `os.times`.
//!
//! WASI has no CPU-time clock. WASI's libc makes `clock()` the wall-clock time since the program
//! started, so `time.process_time()` went on counting while a program slept or waited for the
//! network, and `os.times()` gave a large negative user time; `thread_time` and the two clocks
//! were absent. `profile`, whose default timer is `process_time`, then charged a function for its
//! waits. Here each reads the host's count of the CPU time of the thread that runs the sandbox
//! (`net.cpu-time`): a sandbox is one thread, so its process's time and its thread's are the same,
//! as they are for a native Python that started no thread.
//!
//! The clocks' other functions and every other clock stay the interpreter's.

use crate::bindings::pysock::net::net;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// Linux's numbers for the two CPU-time clocks.
const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

/// The interpreter's own `clock_gettime`, `clock_gettime_ns`, `clock_getres`, `get_clock_info`
/// and `os.times`, for what pysock leaves to them.
static INTERPRETERS: PyOnceLock<[Py<PyAny>; 5]> = PyOnceLock::new();

fn interpreters(py: Python<'_>, which: usize) -> &Py<PyAny> {
    &INTERPRETERS.get(py).expect("install() keeps the interpreter's functions before replacing them")[which]
}

/// The sandbox's CPU time in nanoseconds, as CLOCK_PROCESS_CPUTIME_ID reads it.
fn running_ns() -> u64 {
    net::cpu_time().running_ns
}

/// Nanoseconds as seconds, rounded as `_PyTime_AsSecondsDouble` rounds them.
fn seconds(ns: u64) -> f64 {
    if ns % 1_000_000_000 == 0 { (ns / 1_000_000_000) as f64 } else { ns as f64 / 1e9 }
}

/// Whether `clk_id` names one of the CPU-time clocks, which are pysock's.
fn cpu_clock(clk_id: &Bound<'_, PyAny>) -> bool {
    matches!(clk_id.extract::<i32>(), Ok(CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID))
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

/// clock_gettime(clk_id) -> float
///
/// Return the time of the specified clock clk_id.
#[pyfunction]
#[pyo3(signature = (clk_id, /))]
fn clock_gettime(py: Python<'_>, clk_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    if !cpu_clock(clk_id) {
        return interpreters(py, 0).call1(py, (clk_id,));
    }
    // As `time_clock_gettime` makes a float of a timespec.
    let ns = running_ns();
    Ok(((ns / 1_000_000_000) as f64 + (ns % 1_000_000_000) as f64 * 1e-9).into_pyobject(py)?.into_any().unbind())
}

/// clock_gettime_ns(clk_id) -> int
///
/// Return the time of the specified clock clk_id as nanoseconds.
#[pyfunction]
#[pyo3(signature = (clk_id, /))]
fn clock_gettime_ns(py: Python<'_>, clk_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    if !cpu_clock(clk_id) {
        return interpreters(py, 1).call1(py, (clk_id,));
    }
    Ok(running_ns().into_pyobject(py)?.into_any().unbind())
}

/// clock_getres(clk_id) -> floating point number
///
/// Return the resolution (precision) of the specified clock clk_id.
#[pyfunction]
#[pyo3(signature = (clk_id, /))]
fn clock_getres(py: Python<'_>, clk_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    if !cpu_clock(clk_id) {
        return interpreters(py, 2).call1(py, (clk_id,));
    }
    Ok(1e-9f64.into_pyobject(py)?.into_any().unbind())
}

/// get_clock_info(name: str) -> dict
///
/// Get information of the specified clock.
#[pyfunction]
#[pyo3(signature = (name, /))]
fn get_clock_info(py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let clock = match name.extract::<String>().as_deref() {
        Ok("process_time") => "CLOCK_PROCESS_CPUTIME_ID",
        Ok("thread_time") => "CLOCK_THREAD_CPUTIME_ID",
        _ => return interpreters(py, 3).call1(py, (name,)),
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
    let theirs = interpreters(py, 4).bind(py).call0()?;
    let elapsed = theirs.get_item(4)?;
    let used = net::cpu_time();
    let fields = (used.user_ns as f64 / 1e9, used.system_ns as f64 / 1e9, 0.0, 0.0, elapsed);
    Ok(theirs.get_type().call1((fields,))?.unbind())
}

/// Makes these `time`'s and `os`'s, and adds the two clocks' numbers to `time`. Calls no host
/// function.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let time = py.import("time")?;
    let os = py.import("os")?;
    let posix = py.import("posix")?;
    // A second install finds pysock's own there: the interpreter's are the ones found first.
    let found = |module: &Bound<'_, PyModule>, name| module.getattr(name).map(Bound::unbind);
    let theirs = [
        found(&time, "clock_gettime")?,
        found(&time, "clock_gettime_ns")?,
        found(&time, "clock_getres")?,
        found(&time, "get_clock_info")?,
        found(&os, "times")?,
    ];
    INTERPRETERS.get_or_init(py, || theirs);
    for function in [
        wrap_pyfunction!(process_time, py)?,
        wrap_pyfunction!(process_time_ns, py)?,
        wrap_pyfunction!(thread_time, py)?,
        wrap_pyfunction!(thread_time_ns, py)?,
        wrap_pyfunction!(clock_gettime, py)?,
        wrap_pyfunction!(clock_gettime_ns, py)?,
        wrap_pyfunction!(clock_getres, py)?,
        wrap_pyfunction!(get_clock_info, py)?,
    ] {
        function.setattr("__module__", "time")?;
        time.setattr(function.getattr("__name__")?.extract::<String>()?, function)?;
    }
    time.setattr("CLOCK_PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID)?;
    time.setattr("CLOCK_THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID)?;
    let times = wrap_pyfunction!(times, py)?;
    times.setattr("__module__", "posix")?;
    os.setattr("times", &times)?;
    posix.setattr("times", &times)?;
    Ok(())
}
