//! `time.sleep` on pysock's waits, so that Ctrl-C ends a sleep as it ends python3's.
//!
//! The interpreter's own `time.sleep` waits in wasmtime-wasi's clock, which a SIGINT cannot end:
//! pysock delivers Ctrl-C by ending its own waits (README, "Ctrl-C"). This one waits in the host as
//! `select.select([], [], [], seconds)` does, and does what CPython's `pysleep` does since PEP 475:
//! a SIGINT runs the program's handler, whose exception (KeyboardInterrupt by default) ends the
//! sleep; a handler that returns lets it sleep on for the time left.
//!
//! It takes the lengths CPython sleeps for (a float or an int, from 0 up to 2**63 nanoseconds),
//! rounded up to a nanosecond as `_PyTime_FromSecondsObject` rounds a timeout. Anything else goes
//! to the interpreter's own `time.sleep`, which raises what this CPython version raises for it.

use crate::positional::{Method, function, one_argument_function};
use crate::{wait_running_handlers, with_core};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyFloat;
use pysock_guest::host::Host;
use std::time::Duration;

static SLEEP: Method = one_argument_function!(c"sleep", sleep).documented(
    c"sleep(seconds)\n\nDelay execution for a given number of seconds.  The argument may be\na floating-point number for subsecond precision.",
);

/// The interpreter's own `time.sleep`, for the arguments it refuses.
static INTERPRETERS_SLEEP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Makes pysock's `sleep` the `time` module's. Calls no host function.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let time = py.import("time")?;
    let own = time.getattr("sleep")?;
    // A second install finds pysock's own there: the interpreter's is the one found first.
    INTERPRETERS_SLEEP.get_or_init(py, || own.unbind());
    time.setattr("sleep", function(&time, &SLEEP)?)
}

/// `seconds` as a sleep's length, when CPython would sleep for it.
fn length(seconds: &Bound<'_, PyAny>) -> Option<Duration> {
    let nanos = match seconds.cast::<PyFloat>() {
        Ok(f) => f.value() * 1e9,
        // `__index__`, as `_PyLong_AsTime_t` reads an int.
        Err(_) => seconds.extract::<i64>().ok()? as f64 * 1e9,
    };
    // NaN and negative lengths fail here, and go to the interpreter's sleep to be refused. The
    // check comes before rounding up: CPython rounds a timeout away from zero, so -1e-10 s is
    // negative there, and -0.0 is not.
    (0.0..i64::MAX as f64).contains(&nanos).then(|| Duration::from_nanos(nanos.ceil() as u64))
}

fn sleep(py: Python<'_>, seconds: Borrowed<'_, '_, PyAny>) -> PyResult<Py<PyAny>> {
    let Some(length) = length(&seconds) else {
        let interpreters = INTERPRETERS_SLEEP.get(py).expect("install() keeps the interpreter's sleep before replacing it");
        return interpreters.call1(py, (seconds,));
    };
    py.import("sys")?.call_method1("audit", ("time.sleep", seconds))?;
    let until = with_core(|c| c.host.now().saturating_add(length));
    wait_running_handlers(py, |c| c.sleep_until(until))?;
    Ok(py.None())
}
