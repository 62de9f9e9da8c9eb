//! `_socket.socket.__del__`, CPython's `sock_finalize`: a socket collected while still open warns
//! (ResourceWarning "unclosed %R", with the object's own repr, which for a `socket.socket` names its
//! addresses) and closes its descriptor. PyO3 has no `__del__`, and by the time the Rust value drops
//! the object is half gone and its repr out of reach, so the method is set on the type here; as on
//! CPython, where the slot shows as `_socket.socket.__del__`, subtypes find it and run it.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::socket::Socket;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// Gives `_socket.socket` its `__del__`, before anything subclasses the type.
pub fn install(socket_type: &Bound<'_, PyType>) -> PyResult<()> {
    let finalizer = wrap_pyfunction!(finalize, socket_type.py())?;
    socket_type.setattr("__del__", crate::buffer::instance_method(finalizer.as_any())?)
}

#[pyfunction]
#[pyo3(name = "__del__")]
fn finalize(obj: &Bound<'_, PyAny>) {
    let Ok(socket) = obj.cast::<Socket>() else { return };
    if socket.borrow().fd() < 0 {
        return;
    }
    warn_unclosed(obj, c"unclosed %R");
    socket.borrow().close_quietly();
}

/// The ResourceWarning a finalizer gives of `obj`, collected while open: `format`, with one %R for
/// `obj`, as CPython's finalizers pass it to PyErr_ResourceWarning. A warning that raises (an
/// "error" filter, or interpreter shutdown) is reported, not raised, and an exception pending
/// when the object dies (it may die while one propagates) survives it.
pub fn warn_unclosed(obj: &Bound<'_, PyAny>, format: &std::ffi::CStr) {
    let py = obj.py();
    let pending = PyErr::take(py);
    // SAFETY: a format with one %R, and the object for it.
    if unsafe { ffi::PyErr_ResourceWarning(obj.as_ptr(), 1, format.as_ptr(), obj.as_ptr()) } != 0 {
        PyErr::fetch(py).write_unraisable(py, Some(obj));
    }
    if let Some(e) = pending {
        e.restore(py);
    }
}
