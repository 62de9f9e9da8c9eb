//! The socket methods that CPython's `socketmodule.c` declares `METH_VARARGS` and parses with
//! `PyArg_ParseTuple` (`recv`, `send`, `getsockopt`, ...) or declares `METH_O` (`bind`, `connect`,
//! `settimeout`, ...). The first kind take positional arguments only, counted with PyArg's messages
//! ("recv() takes at least 1 argument (0 given)"); the second exactly one, which the interpreter
//! counts itself ("socket.bind() takes exactly one argument (0 given)"). Neither takes keywords
//! ("socket.recv() takes no keyword arguments", raised by the interpreter too). PyO3 has no such
//! methods: its signatures name their parameters and accept them as keywords.
//!
//! They bypass PyO3's method machinery, which matters on the data path: the interpreter calls a
//! `METH_FASTCALL` method with its own argument array, and each reads it in place. (CPython's are
//! `METH_VARARGS`, which builds a tuple per call. The one visible difference: keywords passed through
//! a bound method object, `f = s.recv; f(bufsize=1)`, are refused as "socket.recv() takes no keyword
//! arguments" where CPython's message says "recv()"; called as `s.recv(bufsize=1)`, both say
//! "socket.recv()".) PyO3's trampoline and
//! argument extraction were ~11 ns of the ~60 that `_pysock` spent in a `recv(64, MSG_PEEK)`
//! (docs/performance.md).
//!
//! One of the four modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::socket::Socket;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;
use std::ffi::CStr;

/// The positional arguments of one call, borrowed from the interpreter's argument array, their
/// number already checked against the method's.
pub struct Args<'a, 'py> {
    py: Python<'py>,
    raw: &'a [*mut ffi::PyObject],
}

impl<'a, 'py> Args<'a, 'py> {
    /// Argument `i`, if the caller passed it.
    pub fn get(&self, i: usize) -> Option<Borrowed<'a, 'py, PyAny>> {
        // SAFETY: each entry of the interpreter's argument array is a live object it holds a
        // reference to for the whole call, which outlives `'a`.
        self.raw.get(i).map(|&obj| unsafe { Borrowed::from_ptr(self.py, obj) })
    }

    /// How many arguments the caller passed.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Argument `i`, which the method's minimum count guarantees.
    pub fn required(&self, i: usize) -> Borrowed<'a, 'py, PyAny> {
        self.get(i).expect("the argument count was checked")
    }
}

/// What a method does once its arguments are counted.
pub type Body = for<'a, 'py> fn(Python<'py>, &Socket, Args<'a, 'py>) -> PyResult<Py<PyAny>>;

/// PyArg_ParseTuple's message when a call passes `given` arguments to a method taking `min..=max`.
fn count(name: &CStr, given: usize, min: usize, max: usize) -> PyResult<()> {
    if (min..=max).contains(&given) {
        return Ok(());
    }
    let (kind, bound) = match () {
        _ if min == max => ("exactly", min),
        _ if given < min => ("at least", min),
        _ => ("at most", max),
    };
    let plural = if bound == 1 { "" } else { "s" };
    let name = name.to_string_lossy();
    Err(PyTypeError::new_err(format!("{name}() takes {kind} {bound} argument{plural} ({given} given)")))
}

/// Runs `body` for one `METH_FASTCALL` call from the interpreter.
///
/// # Safety
/// `slf`, `args` and `nargs` are what CPython passes a `METH_FASTCALL` method of `_socket.socket`
/// (see [`install`]): the interpreter is attached, `slf` is the object the method was looked up on,
/// `args` holds `nargs` objects.
#[inline(always)]
pub unsafe fn dispatch(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    name: &CStr,
    min: usize,
    max: usize,
    body: Body,
) -> *mut ffi::PyObject {
    // SAFETY: the interpreter calls methods attached, and the token does not outlive this call.
    // The objects below are `Bound`s (decremented directly) or are returned or restored, so nothing
    // falls to PyO3's deferred reference pool, which only its own trampolines drain.
    let py = unsafe { Python::assume_attached() };
    let nargs = usize::try_from(nargs).unwrap_or(0);
    // SAFETY: `args` holds `nargs` object pointers (and may be null when there are none).
    let raw = if nargs == 0 { &[][..] } else { unsafe { std::slice::from_raw_parts(args, nargs) } };
    let result = count(name, nargs, min, max).and_then(|()| {
        // SAFETY: the method descriptor checks, before calling, that `slf` is an instance of the
        // type it was made for (`_socket.socket`) or of a subtype, as the layout here requires.
        let socket = unsafe { Borrowed::from_ptr(py, slf).cast_unchecked::<Socket>() };
        body(py, socket.get(), Args { py, raw })
    });
    match result {
        Ok(value) => value.into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

/// What a `METH_O` method does with its one argument.
pub type OneBody = for<'a, 'py> fn(Python<'py>, &Socket, Borrowed<'a, 'py, PyAny>) -> PyResult<Py<PyAny>>;

/// Runs `body` for one `METH_O` call from the interpreter.
///
/// # Safety
/// `slf` and `arg` are what CPython passes a `METH_O` method of `_socket.socket` (see [`install`]):
/// the interpreter is attached, `slf` is the object the method was looked up on, `arg` a live object.
#[inline(always)]
pub unsafe fn dispatch_one(slf: *mut ffi::PyObject, arg: *mut ffi::PyObject, body: OneBody) -> *mut ffi::PyObject {
    // SAFETY: as in `dispatch`.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: the method descriptor checked `slf`'s type, as in `dispatch`; the interpreter holds a
    // reference to `arg` for the whole call.
    let (socket, arg) = unsafe { (Borrowed::from_ptr(py, slf).cast_unchecked::<Socket>(), Borrowed::from_ptr(py, arg)) };
    match body(py, socket.get(), arg) {
        Ok(value) => value.into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

/// One positional method: its name and the `PyMethodDef` the interpreter calls it through.
pub struct Method(ffi::PyMethodDef);

// SAFETY: a `PyMethodDef` holds pointers to a static name and a function, which are never written;
// it is only read, by the interpreter, which has one thread.
unsafe impl Sync for Method {}

impl Method {
    /// A `METH_FASTCALL` method.
    pub const fn new(name: &'static CStr, call: ffi::PyCFunctionFast) -> Method {
        Method(ffi::PyMethodDef {
            ml_name: name.as_ptr(),
            ml_meth: ffi::PyMethodDefPointer { PyCFunctionFast: call },
            ml_flags: ffi::METH_FASTCALL,
            ml_doc: std::ptr::null(),
        })
    }

    /// A `METH_O` method.
    pub const fn one(name: &'static CStr, call: ffi::PyCFunction) -> Method {
        Method(ffi::PyMethodDef {
            ml_name: name.as_ptr(),
            ml_meth: ffi::PyMethodDefPointer { PyCFunction: call },
            ml_flags: ffi::METH_O,
            ml_doc: std::ptr::null(),
        })
    }
}

/// A [`Method`] named `$name` taking `$min..=$max` positional arguments, running `$body`.
macro_rules! positional_method {
    ($name:literal, $min:literal ..= $max:expr, $body:expr) => {{
        // The one `unsafe` a table of methods needs, wherever it is written.
        #[allow(unsafe_code)]
        unsafe extern "C" fn call(
            slf: *mut pyo3::ffi::PyObject,
            args: *mut *mut pyo3::ffi::PyObject,
            nargs: pyo3::ffi::Py_ssize_t,
        ) -> *mut pyo3::ffi::PyObject {
            // SAFETY: CPython calls this only as the METH_FASTCALL method `install` made of it.
            unsafe { $crate::positional::dispatch(slf, args, nargs, $name, $min, $max, $body) }
        }
        $crate::positional::Method::new($name, call)
    }};
}
pub(crate) use positional_method;

/// A `METH_O` [`Method`] named `$name`, running `$body` on its one argument.
macro_rules! one_argument_method {
    ($name:literal, $body:expr) => {{
        // The one `unsafe` a table of methods needs, wherever it is written.
        #[allow(unsafe_code)]
        unsafe extern "C" fn call(slf: *mut pyo3::ffi::PyObject, arg: *mut pyo3::ffi::PyObject) -> *mut pyo3::ffi::PyObject {
            // SAFETY: CPython calls this only as the METH_O method `install` made of it.
            unsafe { $crate::positional::dispatch_one(slf, arg, $body) }
        }
        $crate::positional::Method::one($name, call)
    }};
}
pub(crate) use one_argument_method;

/// Puts `methods` on `socket_type` as method descriptors, as a `PyMethodDef` table in the type
/// would, before anything subclasses the type.
pub fn install(socket_type: &Bound<'_, PyType>, methods: &'static [Method]) -> PyResult<()> {
    let py = socket_type.py();
    for Method(def) in methods {
        // SAFETY: `def` is static and well formed (above); PyDescr_NewMethod only reads it, and
        // returns a new reference or null with an exception set.
        let descriptor = unsafe {
            Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(socket_type.as_type_ptr(), std::ptr::from_ref(def).cast_mut()))
        }?;
        // SAFETY: `ml_name` is a static C string (Method::new).
        let name = unsafe { CStr::from_ptr(def.ml_name) }.to_str().expect("an ASCII method name");
        socket_type.setattr(name, descriptor)?;
    }
    Ok(())
}
