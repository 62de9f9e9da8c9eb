//! `_pysock.wait_for_input()`, which pysock's launcher (python/_script.py) calls before each read of
//! stdin. The interpreter's own read blocks in wasmtime-wasi, where no SIGINT can end it; this wait
//! is the host's (`wait` on stdin), which Ctrl-C ends. What follows is CPython's read since PEP 475:
//! the program's SIGINT handler runs, its exception (KeyboardInterrupt by default) ends the read,
//! and a handler that returns lets the read wait on.

use crate::wait_running_handlers;
use pyo3::prelude::*;

/// Returns once stdin has something to read, or its end.
#[pyfunction]
pub fn wait_for_input(py: Python<'_>) -> PyResult<()> {
    wait_running_handlers(py, |c| c.wait_for_input())
}
