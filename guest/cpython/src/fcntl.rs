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
//! O_* flags are the `os` module's, which are WASI's numbers here.
//!
//! `flock` and `lockf` lock a file as the kernel does (the stdlib's `mailbox` locks with `lockf`
//! whenever `fcntl` imports): the host takes the lock on its own file behind the descriptor
//! (`pysock:net/files`), so it excludes other processes of the machine as a native lock does. A
//! socket, a pipe's end, the null device and the standard streams take a lock and hold nothing
//! else back, as Linux's do in a process alone (with its access-mode checks for `lockf`). A lock
//! that waits runs the program's signal handlers and goes on, as CPython's does since PEP 475.
//! `ioctl` answers what Linux answers for the core's descriptors (`Core::ioctl`: a socket's queue
//! counts, urgent mark and interface requests, a pipe's bytes, FIONBIO, FIOCLEX and FIONCLEX). Of
//! a file it answers FIONREAD (the bytes after the position) and those three; anything else of a
//! file, a standard stream or the null device is ENOTTY, as Linux says of a request a device does
//! not know, and terminal requests are among them: a sandbox's standard streams are no terminals.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::bindings::pysock::net::files::{self, LockKind};
use crate::bindings::pysock::net::types::Errno as WitErrno;
use crate::bindings::wasi::filesystem::types::Descriptor;
use crate::descriptors::{SEEK_CUR, SEEK_END, SEEK_SET};
use crate::errors::os_error;
use crate::{convert, descriptors, with_core};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pysock_guest::host::Errno;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyString, PyTuple};
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

/// Linux's names and numbers from `fcntl`.
const CONSTANTS: [(&str, i32); 22] = [
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
    ("LOCK_SH", LOCK_SH),
    ("LOCK_EX", LOCK_EX),
    ("LOCK_NB", LOCK_NB),
    ("LOCK_UN", LOCK_UN),
    ("LOCK_MAND", 32),
    ("LOCK_READ", 64),
    ("LOCK_WRITE", 128),
    ("LOCK_RW", 192),
];

const LOCK_SH: i32 = 1;
const LOCK_EX: i32 = 2;
const LOCK_NB: i32 = 4;
const LOCK_UN: i32 = 8;


/// Asks the host for a lock on the file behind `handle` (see `descriptors::holder`) until it
/// answers other than EINTR; at EINTR, the program's signal handlers run, as in CPython's PEP 475
/// loop, and an exception of theirs ends it.
fn lock_file(py: Python<'_>, handle: u32, ask: impl Fn(&Descriptor) -> Result<(), WitErrno>) -> PyResult<()> {
    loop {
        match descriptors::with_file(handle, &ask) {
            Ok(()) => return Ok(()),
            Err(WitErrno::Eintr) => {
                crate::host::handle_signals(py, crate::bindings::pysock::net::net::take_signals())?;
                crate::host::trip_found_handlers();
                py.check_signals()?;
            }
            Err(e) => return Err(os_error(crate::host::errno(e))),
        }
    }
}

// `fcntl.flock(fd, operation, /)`. (The doc comment is Python's `__doc__`, CPython's words.)
/// Perform the lock operation `operation` on file descriptor `fd`.
///
/// See the Unix manual page for flock(2) for details (On some systems, this
/// function is emulated using fcntl()).
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(fd, operation, /)")]
fn flock(py: Python<'_>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let args = convert::clinic_arguments("fcntl", "flock", args, kwargs, 2, 2)?;
    let fd = convert::file_descriptor(&args[0])?;
    let operation = convert::c_int(&args[1])?;
    py.import("sys")?.call_method1("audit", ("fcntl.flock", fd, operation))?;
    match descriptors::holder(fd) {
        descriptors::Holder::Nothing => Err(os_error(Errno::Ebadf)),
        descriptors::Holder::File(handle) => lock_file(py, handle, |file| files::flock(file, operation as u32)),
        // flock(2)'s own check of the operation, then a lock nothing else in the sandbox can want.
        descriptors::Holder::Other => match operation & !LOCK_NB {
            LOCK_SH | LOCK_EX | LOCK_UN => Ok(()),
            _ => Err(os_error(Errno::Einval)),
        },
    }
}

unsafe extern "C" {
    fn lseek(fd: c_int, offset: i64, whence: c_int) -> i64;
}

// `fcntl.lockf(fd, cmd, len=0, start=0, whence=0, /)`: fcntl(2)'s record lock, as CPython makes
// it of these arguments. (The doc comment is Python's `__doc__`, CPython's words.)
/// A wrapper around the fcntl() locking calls.
///
/// `fd` is the file descriptor of the file to lock or unlock, and operation is one
/// of the following values:
///
///     LOCK_UN - unlock
///     LOCK_SH - acquire a shared lock
///     LOCK_EX - acquire an exclusive lock
///
/// When operation is LOCK_SH or LOCK_EX, it can also be bitwise ORed with
/// LOCK_NB to avoid blocking on lock acquisition.  If LOCK_NB is used and the
/// lock cannot be acquired, an OSError will be raised and the exception will
/// have an errno attribute set to EACCES or EAGAIN (depending on the operating
/// system -- for portability, check for either value).
///
/// `len` is the number of bytes to lock, with the default meaning to lock to
/// EOF.  `start` is the byte offset, relative to `whence`, to that the lock
/// starts.  `whence` is as with fileobj.seek(), specifically:
///
///     0 - relative to the start of the file (SEEK_SET)
///     1 - relative to the current buffer position (SEEK_CUR)
///     2 - relative to the end of the file (SEEK_END)
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(fd, cmd, len=0, start=0, whence=0, /)")]
fn lockf(py: Python<'_>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let args = convert::clinic_arguments("fcntl", "lockf", args, kwargs, 2, 5)?;
    let (len, start, whence) = (args.get(2), args.get(3), args.get(4));
    let fd = convert::file_descriptor(&args[0])?;
    let code = convert::c_int(&args[1])?;
    let whence = whence.map(convert::c_int).transpose()?.unwrap_or(SEEK_SET);
    let audited = |o: Option<&Bound<'_, PyAny>>| o.map_or_else(|| py.None(), |o| o.clone().unbind());
    py.import("sys")?.call_method1("audit", ("fcntl.lockf", fd, code, audited(len), audited(start), whence))?;
    let kind = if code == LOCK_UN {
        LockKind::Unlock
    } else if code & LOCK_SH != 0 {
        LockKind::Read
    } else if code & LOCK_EX != 0 {
        LockKind::Write
    } else {
        return Err(PyValueError::new_err("unrecognized lockf argument"));
    };
    let mut start = start.map(convert::c_long).transpose()?.unwrap_or(0);
    let len = len.map(convert::c_long).transpose()?.unwrap_or(0);
    let wait = code & LOCK_NB == 0;
    match descriptors::holder(fd) {
        descriptors::Holder::Nothing => Err(os_error(Errno::Ebadf)),
        descriptors::Holder::File(handle) => {
            let from_end = match whence {
                SEEK_SET => false,
                SEEK_END => true,
                // The host's file has no position of the guest's: libc keeps it.
                SEEK_CUR => {
                    // SAFETY: lseek(2) with no offset reads the position of an open number.
                    let here = unsafe { lseek(fd, 0, SEEK_CUR) };
                    if here < 0 {
                        return Err(crate::errors::from_libc_errno());
                    }
                    start = start.checked_add(here).ok_or_else(|| os_error(Errno::Eoverflow))?;
                    false
                }
                _ => return Err(os_error(Errno::Einval)),
            };
            lock_file(py, handle, |file| files::record_lock(file, kind, start, len, from_end, wait))
        }
        // The kernel's checks (an exclusive lock needs a descriptor open for writing, a shared one
        // for reading), then a lock nothing else in the sandbox can want.
        descriptors::Holder::Other => {
            let flags = status_flags(fd);
            let (readable, writable) = (flags & descriptors::O_RDONLY != 0, flags & descriptors::O_WRONLY != 0);
            match kind {
                _ if !(SEEK_SET..=SEEK_END).contains(&whence) => Err(os_error(Errno::Einval)),
                LockKind::Read if flags >= 0 && !readable => Err(os_error(Errno::Ebadf)),
                LockKind::Write if flags >= 0 && !writable => Err(os_error(Errno::Ebadf)),
                _ => Ok(()),
            }
        }
    }
}

/// `fcntl.fcntl(fd, cmd, arg=0, /)`: an int `arg` gives the call's int result; a bytes or str
/// one (at most 1024 bytes) is copied to a buffer the call may change, which comes back as bytes.
#[pyfunction]
#[pyo3(name = "fcntl", signature = (*args, **kwargs), text_signature = "(fd, cmd, arg=0, /)")]
fn fcntl_fcntl(py: Python<'_>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
    let args = convert::clinic_arguments("fcntl", "fcntl", args, kwargs, 2, 3)?;
    let arg = args.get(2);
    let fd = convert::file_descriptor(&args[0])?;
    let cmd = convert::c_int(&args[1])?;
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
                return Err(crate::errors::from_libc_errno());
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
                return Err(crate::errors::from_libc_errno());
            }
            Ok(result.into_pyobject(py)?.into_any().unbind())
        }
    }
}

/// `fcntl.ioctl(fd, request, arg=0, mutate_flag=True, /)` with CPython's handling of `arg`:
///
/// - A writable buffer is the memory the request reads and writes: through a copy of 1,024 bytes
///   when it fits, copied back whatever the result, or in place when larger; the result is the
///   call's int. With `mutate_flag` false it is copied as a read-only one is.
/// - A read-only buffer or a str is copied (at most 1,024 bytes) and comes back as bytes, as the
///   request left the copy.
/// - An int is passed as it is, which Linux takes as an address: EFAULT for a request that reads
///   or writes an int there.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(fd, request, arg=0, mutate_flag=True, /)")]
fn ioctl(py: Python<'_>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
    // An explicit None stays an argument (TypeError below), unlike a missing one.
    let args = convert::clinic_arguments("fcntl", "ioctl", args, kwargs, 2, 4)?;
    let arg = args.get(2);
    let fd = convert::file_descriptor(&args[0])?;
    // CPython reads the request as C's unsigned int, masking what does not fit (format "I").
    let request = index_of(&args[1])?.call_method1("__and__", (u32::MAX,))?.extract::<u32>()?;
    let mutate = match args.get(3) {
        Some(m) => m.is_truthy()?,
        None => true,
    };
    let audited = arg.map_or_else(|| py.None(), |a| a.clone().unbind());
    py.import("sys")?.call_method1("audit", ("fcntl.ioctl", fd, request, audited))?;
    let view = match arg {
        Some(a) if !a.is_instance_of::<PyString>() && !a.is_instance_of::<PyInt>() => {
            py.import("builtins")?.getattr("memoryview")?.call1((a,)).ok()
        }
        _ => None,
    };
    let arg = match arg {
        Some(a) if view.is_some() || a.is_instance_of::<PyString>() => a,
        // Neither a buffer nor a str: CPython's last try, "i", C's int (an address to Linux).
        _ => {
            if let Some(a) = arg {
                int_argument(a)?;
            }
            return Ok(request_on(py, fd, request, None)?.into_pyobject(py)?.into_any().unbind());
        }
    };
    let writable = match &view {
        Some(v) => !v.getattr("readonly")?.is_truthy()? && v.getattr("c_contiguous")?.is_truthy()?,
        None => false,
    };
    let mut memory = match &view {
        Some(v) => v.call_method0("tobytes")?.extract::<Vec<u8>>()?,
        None => arg.extract::<String>()?.into_bytes(),
    };
    let len = memory.len();
    if !(writable && mutate) && len > BUFFER {
        return Err(PyValueError::new_err("ioctl string arg too long"));
    }
    // What pysock answers writes an int or a 40-byte ifreq at most; the copy is CPython's size.
    memory.resize(len.max(BUFFER + 1), 0);
    let result = request_on(py, fd, request, Some(&mut memory));
    if writable && mutate {
        let view = view.expect("a writable buffer has a view").call_method1("cast", ("B",))?;
        view.set_item(pyo3::types::PySlice::new(py, 0, len as isize, 1), PyBytes::new(py, &memory[..len]))?;
        return Ok(result?.into_pyobject(py)?.into_any().unbind());
    }
    result?;
    Ok(PyBytes::new(py, &memory[..len]).into_any().unbind())
}

/// PyArg_Parse's "i": an object with `__index__` whose value fits C's int.
fn int_argument(a: &Bound<'_, PyAny>) -> PyResult<c_int> {
    let value = index_of(a)?;
    value.extract::<c_int>().map_err(|_| {
        let negative = value.lt(0).unwrap_or(false);
        pyo3::exceptions::PyOverflowError::new_err(if negative { "signed integer is less than minimum" } else { "signed integer is greater than maximum" })
    })
}

/// `operator.index(a)`, with the C API's TypeError.
fn index_of<'py>(a: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if a.is_instance_of::<PyInt>() {
        return Ok(a.clone());
    }
    match a.getattr("__index__") {
        Ok(index) => index.call0(),
        Err(_) => Err(PyTypeError::new_err(format!("'{}' object cannot be interpreted as an integer", convert::type_name(a)))),
    }
}

/// ioctl(2) of `request` on `fd`, with `memory` as the int it reads or writes (`None`: an address
/// the program gave, see [`ioctl`]).
fn request_on(py: Python<'_>, fd: c_int, request: u32, memory: Option<&mut [u8]>) -> PyResult<c_int> {
    use pysock_guest::socket::ioctl::{FIOCLEX, FIONBIO, FIONCLEX, FIONREAD, int_in, put_int};
    let raise = |e| crate::errors::to_py(py, e);
    if with_core(|c| c.entry(fd).is_some()) {
        return with_core(|c| c.ioctl(fd, request, memory)).map_err(raise);
    }
    let holder = descriptors::holder(fd);
    if matches!(holder, descriptors::Holder::Nothing) {
        return Err(os_error(Errno::Ebadf));
    }
    let os = py.import("os")?;
    match request {
        FIONBIO => {
            let nonblocking = int_in(memory.as_deref()).map_err(raise)? != 0;
            os.call_method1("set_blocking", (fd, !nonblocking))?;
        }
        FIOCLEX | FIONCLEX => {
            os.call_method1("set_inheritable", (fd, request == FIONCLEX))?;
        }
        FIONREAD if matches!(holder, descriptors::Holder::File(_)) => {
            let status = os.call_method1("fstat", (fd,))?;
            let regular = py.import("stat")?.call_method1("S_ISREG", (status.getattr("st_mode")?,))?.is_truthy()?;
            if !regular {
                return Err(os_error(Errno::Enotty));
            }
            let size = status.getattr("st_size")?.extract::<i64>()?;
            let position = os.call_method1("lseek", (fd, 0, 1))?.extract::<i64>()?;
            put_int(memory, (size - position) as i32).map_err(raise)?;
        }
        _ => return Err(os_error(Errno::Enotty)),
    }
    Ok(0)
}

/// The `fcntl` module, for `sys.modules`.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let m = PyModule::new(py, "fcntl")?;
    m.add_function(wrap_pyfunction!(fcntl_fcntl, &m)?)?;
    m.add_function(wrap_pyfunction!(flock, &m)?)?;
    m.add_function(wrap_pyfunction!(ioctl, &m)?)?;
    m.add_function(wrap_pyfunction!(lockf, &m)?)?;
    for (name, value) in CONSTANTS {
        m.add(name, value)?;
    }
    Ok(m)
}
