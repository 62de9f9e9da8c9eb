//! `fcntl`, which WASI CPython lacks and programs written for Linux import unconditionally (Twisted
//! makes every descriptor non-blocking and close-on-exec through it).
//!
//! `fcntl.fcntl` is libc's fcntl(2): for a socket's or a pipe's number libc asks the descriptor's
//! table of functions (`descriptors.rs`), so F_GETFL gives its access mode and O_NONBLOCK as the
//! core keeps them and F_SETFL sets O_NONBLOCK, as `os.set_blocking` does; F_GETFD and F_SETFD,
//! which libc answers alike for every descriptor, read and set the FD_CLOEXEC the core keeps for
//! each of its own. For a file libc asks WASI. The command numbers pysock's libc knows are Linux's
//! (F_DUPFD to F_SETFL); the constants are Linux's, so that a command libc does not know is EINVAL,
//! as Linux says of one it does not.
//! O_* flags are the `os` module's, which are WASI's numbers here. `flock`, `lockf` and `ioctl` are
//! absent: the sandbox has no locks to offer and WASI no ioctl(2) beyond FIONREAD.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::{convert, with_core};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use std::ffi::c_int;

unsafe extern "C" {
    fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
}

const F_GETFD: c_int = 1;
const F_SETFD: c_int = 2;
const F_GETFL: c_int = 3;
const FD_CLOEXEC: c_int = 1;

/// A descriptor's open file status flags (F_GETFL), or -1 with errno set.
pub fn status_flags(fd: c_int) -> c_int {
    // SAFETY: F_GETFL takes no argument and writes nothing.
    unsafe { fcntl(fd, F_GETFL) }
}

/// CPython's bound on a bytes argument, the buffer fcntl(2) may fill.
const BUFFER: usize = 1024;

/// Linux's names and numbers from `fcntl` that mean something without file locks.
const CONSTANTS: [(&str, i32); 14] = [
    ("F_DUPFD", 0),
    ("F_GETFD", 1),
    ("F_SETFD", 2),
    ("F_GETFL", 3),
    ("F_SETFL", 4),
    ("F_GETLK", 5),
    ("F_SETLK", 6),
    ("F_SETLKW", 7),
    ("F_DUPFD_CLOEXEC", 1030),
    ("FD_CLOEXEC", 1),
    ("F_RDLCK", 0),
    ("F_WRLCK", 1),
    ("F_UNLCK", 2),
    ("FASYNC", 8192),
];

/// `fcntl.fcntl(fd, cmd, arg=0, /)`: an int `arg` gives the call's int result; a bytes or str
/// one (at most 1024 bytes) is copied to a buffer the call may change, which comes back as bytes.
#[pyfunction]
#[pyo3(name = "fcntl", signature = (fd, cmd, arg = None, /))]
fn fcntl_fcntl(py: Python<'_>, fd: &Bound<'_, PyAny>, cmd: &Bound<'_, PyAny>, arg: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
    let fd = convert::file_descriptor(fd)?;
    let cmd = convert::c_int(cmd)?;
    let audited = arg.map_or_else(|| py.None(), |a| a.clone().unbind());
    py.import("sys")?.call_method1("audit", ("fcntl.fcntl", fd, cmd, audited))?;
    let bytes = match arg {
        Some(a) if a.is_instance_of::<PyString>() => Some(a.extract::<String>()?.into_bytes()),
        Some(a) if !a.hasattr("__index__")? => {
            let view = py.import("builtins")?.getattr("memoryview")?.call1((a,)).map_err(|_| {
                let kind = convert::argument_type_name(a);
                PyTypeError::new_err(format!("fcntl() argument 3 must be an integer, a bytes-like object, or a string, not {kind}"))
            })?;
            Some(view.call_method0("tobytes")?.extract::<Vec<u8>>()?)
        }
        _ => None,
    };
    match bytes {
        Some(mut buffer) => {
            if buffer.len() > BUFFER {
                return Err(PyValueError::new_err("fcntl argument 3 is too long"));
            }
            let len = buffer.len();
            buffer.resize(BUFFER, 0);
            // SAFETY: fcntl(2) with a pointer argument reads or writes at most the command's
            // structure, which CPython bounds at 1024 bytes: the buffer has that many.
            let result = unsafe { fcntl(fd, cmd, buffer.as_mut_ptr()) };
            if result < 0 {
                return Err(crate::errors::from_libc_errno(py));
            }
            Ok(PyBytes::new(py, &buffer[..len]).into_any().unbind())
        }
        None => {
            // CPython reads the argument as C's unsigned int, masking what does not fit (format "I").
            let int_arg = match arg {
                Some(a) => a.call_method0("__index__")?.call_method1("__and__", (u32::MAX,))?.extract::<u32>()? as c_int,
                None => 0,
            };
            // The core keeps FD_CLOEXEC for its descriptors, which libc does not ask it about.
            match cmd {
                F_GETFD => if let Some(on) = with_core(|c| c.close_on_exec(fd)) {
                    return Ok(c_int::from(on).into_pyobject(py)?.into_any().unbind());
                },
                F_SETFD if with_core(|c| c.set_close_on_exec(fd, int_arg & FD_CLOEXEC != 0)) => {
                    return Ok(0_i32.into_pyobject(py)?.into_any().unbind());
                }
                _ => {}
            }
            // SAFETY: fcntl(2) with an int argument, as C callers pass one.
            let result = unsafe { fcntl(fd, cmd, int_arg) };
            if result < 0 {
                return Err(crate::errors::from_libc_errno(py));
            }
            Ok(result.into_pyobject(py)?.into_any().unbind())
        }
    }
}

/// The `fcntl` module, for `sys.modules`.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let m = PyModule::new(py, "fcntl")?;
    m.add_function(wrap_pyfunction!(fcntl_fcntl, &m)?)?;
    for (name, value) in CONSTANTS {
        m.add(name, value)?;
    }
    Ok(m)
}
