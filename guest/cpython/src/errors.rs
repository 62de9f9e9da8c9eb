//! The guest logic's [`Error`] values as this interpreter's exceptions.
//!
//! Errno numbers are Linux's, from `linux_errno.rs`'s table (the interpreter's `errno` module has
//! the same), so that `OSError(errno, message)` is what it is on Linux, subclass
//! (ConnectionRefusedError, BlockingIOError, ...) and all. When the host rather than the kernel
//! refused a call, its reason (`net.explain`) follows the message.

use crate::host::WitHost;
use pyo3::exceptions::{PyKeyError, PyMemoryError, PyOSError, PyOverflowError, PySystemError, PyTimeoutError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pysock_guest::errno::{self, Errno, Error, OsError, SslError};

pub use names::{gaierror, herror};

mod names {
    //! Lower case, as Python names them.
    #![allow(non_camel_case_types)]
    use pyo3::exceptions::PyOSError;
    pyo3::create_exception!(socket, gaierror, PyOSError);
    pyo3::create_exception!(socket, herror, PyOSError);
}

/// Linux's number for an errno the host reports.
pub use crate::linux_errno::number as errno_number;

/// Linux's number for an errno the host never reports (ESPIPE), by name.
pub fn errno_named(name: &str) -> i32 {
    crate::linux_errno::linux_number(name).unwrap_or_else(|| errno_number(Errno::Eio))
}

/// OSError (or the subclass its errno picks) for an errno the host never reports, with glibc's
/// words: `Illegal seek` for a pread on a pipe, `Is a directory` for one on a folder.
pub fn os_error_named(name: &str) -> PyErr {
    let number = errno_named(name);
    PyOSError::new_err((number, crate::linux_errno::words(number).into_owned()))
}

/// OSError (or the subclass its errno picks) for `code`, as the kernel's.
pub fn os_error(code: Errno) -> PyErr {
    PyOSError::new_err((errno_number(code), pysock_guest::errno::message(code)))
}

/// OSError (or the subclass its errno picks) from libc's errno, as CPython's `PyErr_SetFromErrno`
/// on Linux, for the calls that reach libc itself rather than the core.
pub fn from_libc_errno() -> PyErr {
    let (linux, words) = crate::linux_errno::from_libc(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    PyOSError::new_err((linux, words.into_owned()))
}

/// `message`, with the host's reason for refusing the call when it may have been the host's doing.
fn with_host_reason(message: String, host_reason: bool) -> String {
    match host_reason.then(WitHost::explain).flatten() {
        Some(why) => format!("{message}: {why}"),
        None => message,
    }
}

/// The exception for `e`.
pub fn to_py(py: Python<'_>, e: Error) -> PyErr {
    match e {
        Error::Os(OsError { code, message, host_reason }) => {
            // libc's errno too, as the failed system call leaves it natively: C code that reads it
            // after a call returned no bytes (`_io`'s BlockingIOError for a buffered write to a
            // non-blocking socket) finds EAGAIN, not 0.
            crate::descriptors::set_errno(crate::linux_errno::libc_number(code));
            PyOSError::new_err((errno_number(code), with_host_reason(message, host_reason)))
        }
        Error::OsMessage(message) => PyOSError::new_err(message),
        Error::Timeout(message) => PyTimeoutError::new_err(message),
        Error::Gai((code, message, host_reason)) => {
            gaierror::new_err((errno::gai_number(code), with_host_reason(message, host_reason)))
        }
        Error::Herror((code, message)) => herror::new_err((code, message)),
        Error::Value(message) => PyValueError::new_err(message),
        Error::Type(message) => PyTypeError::new_err(message),
        Error::Overflow(message) => PyOverflowError::new_err(message),
        Error::Key(key) => PyKeyError::new_err(key),
        Error::NoMemory => PyMemoryError::new_err(()),
        Error::Ssl(e) => ssl_exception(py, e),
        // The SSL face runs the callback and repeats the call: this never reaches Python.
        Error::SniCallback(_) => PySystemError::new_err("pysock: an SNI callback pause escaped"),
        Error::Raised => PyErr::take(py).unwrap_or_else(|| PySystemError::new_err("pysock: a signal handler's exception went missing")),
        // Only calls made through `crate::restarting`, which takes it, are handed back.
        Error::HandBack => PySystemError::new_err("pysock: a signal handler was handed back to a call that cannot run it"),
    }
}

/// The `ssl` exception for `e`, built as `_ssl.c`'s fill_and_set_sslerror builds it:
/// `[LIBRARY: REASON] message` with `library` and `reason` attributes, and for certificate failures
/// `verify_code` and `verify_message`. One of `_ssl`'s own checks (no errno, library or reason) is
/// just `SSLError(message)`.
fn ssl_exception(py: Python<'_>, e: SslError) -> PyErr {
    let (class, code) = crate::ssl::exception_class(py, &e);
    let (library, reason) = (Some(e.library).filter(|l| !l.is_empty()), Some(e.reason).filter(|r| !r.is_empty()));
    let build = || -> PyResult<Bound<'_, PyAny>> {
        if code == crate::ssl::SSL_ERROR_SSL && library.is_none() && reason.is_none() {
            return class.call1((e.message.as_str(),));
        }
        let prefix = match (&library, &reason) {
            (Some(l), Some(r)) => format!("[{l}: {r}] "),
            (Some(l), None) => format!("[{l}] "),
            _ => String::new(),
        };
        let exc = class.call1((code, format!("{prefix}{} (pysock)", e.message)))?;
        exc.setattr("library", library.as_deref())?;
        exc.setattr("reason", reason.as_deref())?;
        if e.kind == errno::SslErrorKind::CertVerification {
            exc.setattr("verify_code", e.verify_code)?;
            exc.setattr("verify_message", e.verify_message.as_str())?;
        }
        Ok(exc)
    };
    match build() {
        Ok(exc) => PyErr::from_value(exc),
        Err(failure) => failure,
    }
}

/// Turns the core's results into Python's.
pub trait CoreResult<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> CoreResult<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}
