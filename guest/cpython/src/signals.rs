//! What WASI CPython's `signal` module lacks: `alarm`, `setitimer` and `getitimer` over the host's
//! interval timers (`net.set-timer`), so that a program's watchdog works as under python3: at
//! expiry the host delivers SIGALRM (SIGVTALRM, SIGPROF for the CPU-time timers) as it delivers
//! Ctrl-C, the wait the program is in ends, and the program's handler runs
//! (`host::check_signals`); with SIG_DFL the run ends with status 128 + the signal, as a shell
//! reports a native process that the signal killed. Like Ctrl-C, it reaches a program that waits
//! (a socket call, `select`, `time.sleep`, ...) in that wait, and one that is computing between two
//! instructions (`signal_words`).
//!
//! `signals.py` gives the functions CPython's argument handling and errors, and adds
//! `valid_signals` and `siginterrupt`, without which asyncio's `loop.add_signal_handler` fails,
//! and `os.kill` for the program's own process; it makes `signal.raise_signal` deliver a signal
//! left at SIG_DFL as Linux does, where WASI's libc aborts the wasm. The three functions here are
//! its way to the host.

use crate::bindings::pysock::net::net::{self, IntervalTimer};
use pyo3::prelude::*;

/// setitimer(2)'s `which`, checked by `signals.py`.
fn interval_timer(which: u8) -> PyResult<IntervalTimer> {
    match which {
        0 => Ok(IntervalTimer::Real),
        1 => Ok(IntervalTimer::Virtual),
        2 => Ok(IntervalTimer::Profiling),
        _ => Err(pyo3::exceptions::PyValueError::new_err("no such interval timer")),
    }
}

/// Arms timer `which` (ITIMER_*) to expire once its clock has counted `value_ns` (0: disarms it),
/// then every `interval_ns` (0: once); returns it as it was, (time left, interval) in nanoseconds.
#[pyfunction]
fn set_timer(which: u8, value_ns: u64, interval_ns: u64) -> PyResult<(u64, u64)> {
    crate::signal_words::name_once();
    net::set_timer(interval_timer(which)?, value_ns, interval_ns)
        .map_err(|_| pyo3::exceptions::PyOSError::new_err("pysock's host could not start the thread of the sandbox's timer"))
}

/// Timer `which`: (time left, interval) in nanoseconds, 0 when it is not armed.
#[pyfunction]
fn get_timer(which: u8) -> PyResult<(u64, u64)> {
    Ok(net::get_timer(interval_timer(which)?))
}

/// Ends the run as `signal` ends a native process that left it at SIG_DFL (`host::end_as_killed_by`).
#[pyfunction]
fn end_as_killed(py: Python<'_>, signal: i32) -> PyResult<()> {
    match crate::host::end_as_killed_by(py, signal)? {}
}

// `signal.pause()`: waits in the host, with no limit, until a signal finds a Python handler (the
// timer's SIGALRM, a Ctrl-C), runs the handler and returns, or raises what the handler raised.
// (The doc comment is Python's `__doc__`, CPython's words.)
/// Wait until a signal arrives.
#[pyfunction]
fn pause(py: Python<'_>) -> PyResult<()> {
    use crate::errors::CoreResult;
    crate::with_core(|c| c.pause()).py_err(py)?;
    py.check_signals()
}

/// `signals.py`.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    crate::python_module!(py, "signals.py", "_pysock._signals")
}

/// Puts `alarm`, `setitimer`, `getitimer`, `ITIMER_*`, `ItimerError`, `valid_signals`,
/// `siginterrupt`, `pause` and a `raise_signal` that never traps in the `signal` module, and `kill`
/// in `os`. Calls no host function.
pub fn install(pysock: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = pysock.py();
    let pause = wrap_pyfunction!(pause, py)?;
    pause.setattr("__module__", "_signal")?;
    for module in ["_signal", "signal"] {
        py.import(module)?.setattr("pause", &pause)?;
    }
    let set = wrap_pyfunction!(set_timer, py)?;
    let get = wrap_pyfunction!(get_timer, py)?;
    let end = wrap_pyfunction!(end_as_killed, py)?;
    pysock.getattr("_signals")?.call_method1("install", (set, get, end))?;
    Ok(())
}
