//! The socket methods that CPython's `socketmodule.c` declares `METH_VARARGS` and parses with
//! `PyArg_ParseTuple` (`recv`, `send`, `getsockopt`, ...) or declares `METH_O` (`bind`, `connect`,
//! `settimeout`, ...). The first kind take positional arguments only, counted with PyArg's messages
//! ("recv() takes at least 1 argument (0 given)"); the second exactly one, which the interpreter
//! counts itself ("socket.bind() takes exactly one argument (0 given)"). Neither takes keywords
//! ("socket.recv() takes no keyword arguments", raised by the interpreter too). `recv_into` and
//! `recvfrom_into` take keywords as `PyArg_ParseTupleAndKeywords` matches them ([`Keywords`]).
//! PyO3's methods differ on every count: its signatures accept any parameter as a keyword, and word
//! missing or extra arguments their own way.
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
//! The same machinery makes one module function, pysock's `time.sleep` (time.rs), `METH_O` as
//! CPython's is.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::socket::Socket;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyModule, PyTuple, PyType};
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

/// Runs a method's `body` on the socket object `slf` and hands its result to the interpreter: a new
/// reference, or null with the exception set.
///
/// # Safety
/// The interpreter is attached (it calls methods attached), and `slf` is the object a method of
/// `_socket.socket` was called on: the method descriptor checks, before calling, that it is an
/// instance of that type or of a subtype, as the layout here requires.
#[inline(always)]
unsafe fn call_on_socket(slf: *mut ffi::PyObject, body: impl for<'py> FnOnce(Python<'py>, &Socket) -> PyResult<Py<PyAny>>) -> *mut ffi::PyObject {
    // SAFETY: attached, per the contract; the token does not outlive this call. A `Py` dropped in
    // the body (inside a discarded error, say) is decremented at PyO3's next entry: late, not lost.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: `slf`'s type was checked by the descriptor, per the contract.
    let socket = unsafe { Borrowed::from_ptr(py, slf).cast_unchecked::<Socket>() };
    match body(py, socket.get()) {
        Ok(value) => value.into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
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
    let nargs = usize::try_from(nargs).unwrap_or(0);
    // SAFETY: `args` holds `nargs` object pointers (and may be null when there are none).
    let raw = if nargs == 0 { &[][..] } else { unsafe { std::slice::from_raw_parts(args, nargs) } };
    // SAFETY: per this function's contract.
    unsafe { call_on_socket(slf, |py, socket| count(name, nargs, min, max).and_then(|()| body(py, socket, Args { py, raw }))) }
}

/// The arguments of one call to a method CPython parses with `PyArg_ParseTupleAndKeywords`, matched
/// to its parameter names as that function matches them. The conversions and the method's work
/// are the body's: it converts the arguments in order, then calls [`Keywords::finish`], which raises
/// what CPython raises only after converting them (a keyword given twice, an unknown keyword).
pub struct Keywords<'a, 'py> {
    slots: [Option<Borrowed<'a, 'py, PyAny>>; MAX_PARAMETERS],
    pending: Option<PyErr>,
}

/// The most parameters a keyword method here has (`recv_into(buffer, nbytes, flags)`).
const MAX_PARAMETERS: usize = 3;

impl<'a, 'py> Keywords<'a, 'py> {
    /// Parameter `i`, if the caller passed it by position or by name.
    pub fn get(&self, i: usize) -> Option<Borrowed<'a, 'py, PyAny>> {
        self.slots.get(i).copied().flatten()
    }

    /// Parameter `i`, which the method requires.
    pub fn required(&self, i: usize) -> Borrowed<'a, 'py, PyAny> {
        self.get(i).expect("required parameters were checked")
    }

    /// The error CPython raises after the conversions, if any.
    pub fn finish(self) -> PyResult<()> {
        self.pending.map_or(Ok(()), Err)
    }

    /// `vgetargskeywords`' checks, in its order, for `names` of which the first `required` must be
    /// given (at most one: CPython checks a later one only after converting the earlier ones).
    fn match_names(
        py: Python<'py>,
        name: &str,
        names: &[&str],
        required: usize,
        positional: &'a [*mut ffi::PyObject],
        keywords: &'a [*mut ffi::PyObject],
        keyword_names: Option<Borrowed<'a, 'py, PyTuple>>,
    ) -> PyResult<Self> {
        let given = positional.len() + keywords.len();
        if given > names.len() {
            let (n, keyword, plural) = (names.len(), if positional.is_empty() { "keyword " } else { "" }, if names.len() == 1 { "" } else { "s" });
            return Err(PyTypeError::new_err(format!("{name}() takes at most {n} {keyword}argument{plural} ({given} given)")));
        }
        // SAFETY: every entry is a live object the interpreter holds for the whole call.
        let object = |p: *mut ffi::PyObject| unsafe { Borrowed::from_ptr(py, p) };
        let keyword_names: Vec<String> = match keyword_names {
            Some(t) => t.iter().map(|k| k.extract::<String>().unwrap_or_default()).collect(),
            None => Vec::new(),
        };
        let by_name = |wanted: &str| keyword_names.iter().position(|k| k == wanted).map(|j| object(keywords[j]));
        let mut slots = [None; MAX_PARAMETERS];
        let mut used = 0;
        for (i, parameter) in names.iter().enumerate() {
            slots[i] = match positional.get(i) {
                Some(&p) => Some(object(p)),
                None => by_name(parameter).inspect(|_| used += 1),
            };
            if slots[i].is_none() && i < required {
                return Err(PyTypeError::new_err(format!("{name}() missing required argument '{parameter}' (pos {})", i + 1)));
            }
        }
        let pending = (used < keywords.len()).then(|| {
            if let Some(i) = (0..positional.len().min(names.len())).find(|&i| keyword_names.iter().any(|k| k == names[i])) {
                return PyTypeError::new_err(format!("argument for {name}() given by name ('{}') and position ({})", names[i], i + 1));
            }
            let unknown = keyword_names.iter().find(|k| !names.contains(&k.as_str())).cloned().unwrap_or_default();
            PyTypeError::new_err(format!("'{unknown}' is an invalid keyword argument for {name}()"))
        });
        Ok(Keywords { slots, pending })
    }
}

/// What a keyword method does with its matched arguments.
pub type KeywordBody = for<'a, 'py> fn(Python<'py>, &Socket, Keywords<'a, 'py>) -> PyResult<Py<PyAny>>;

/// Runs `body` for one `METH_FASTCALL | METH_KEYWORDS` call from the interpreter.
///
/// # Safety
/// As for [`dispatch`]; `kwnames` is null or a tuple of the names of the `len(kwnames)` keyword
/// values that follow the `nargs` positional ones in `args`.
#[inline(always)]
pub unsafe fn dispatch_keywords(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
    name: &CStr,
    names: &[&str],
    required: usize,
    body: KeywordBody,
) -> *mut ffi::PyObject {
    let nargs = usize::try_from(nargs).unwrap_or(0);
    let run = |py: Python<'_>, socket: &Socket| {
        // SAFETY: the interpreter passes a tuple or null; it outlives the call.
        let keyword_names = (!kwnames.is_null()).then(|| unsafe { Borrowed::from_ptr(py, kwnames).cast_unchecked::<PyTuple>() });
        let nkw = keyword_names.map_or(0, |t| t.len());
        // SAFETY: `args` holds `nargs` positional values and then `nkw` keyword values.
        let all = if nargs + nkw == 0 { &[][..] } else { unsafe { std::slice::from_raw_parts(args, nargs + nkw) } };
        let (positional, keywords) = all.split_at(nargs);
        let matched = Keywords::match_names(py, &name.to_string_lossy(), names, required, positional, keywords, keyword_names)?;
        body(py, socket, matched)
    };
    // SAFETY: per this function's contract.
    unsafe { call_on_socket(slf, run) }
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
    // SAFETY: per this function's contract; the interpreter holds `arg` for the whole call.
    unsafe { call_on_socket(slf, |py, socket| body(py, socket, Borrowed::from_ptr(py, arg))) }
}

/// One positional method: its name and the `PyMethodDef` the interpreter calls it through.
pub struct Method(ffi::PyMethodDef);

// SAFETY: a `PyMethodDef` holds pointers to a static name and a function, which are never written;
// it is only read, by the interpreter, which has one thread.
unsafe impl Sync for Method {}

impl Method {
    const fn def(name: &'static CStr, ml_meth: ffi::PyMethodDefPointer, ml_flags: std::os::raw::c_int) -> Method {
        Method(ffi::PyMethodDef { ml_name: name.as_ptr(), ml_meth, ml_flags, ml_doc: std::ptr::null() })
    }

    /// A `METH_FASTCALL` method.
    pub const fn new(name: &'static CStr, call: ffi::PyCFunctionFast) -> Method {
        Method::def(name, ffi::PyMethodDefPointer { PyCFunctionFast: call }, ffi::METH_FASTCALL)
    }

    /// A `METH_FASTCALL | METH_KEYWORDS` method.
    pub const fn keywords(name: &'static CStr, call: ffi::PyCFunctionFastWithKeywords) -> Method {
        Method::def(name, ffi::PyMethodDefPointer { PyCFunctionFastWithKeywords: call }, ffi::METH_FASTCALL | ffi::METH_KEYWORDS)
    }

    /// A `METH_O` method.
    pub const fn one(name: &'static CStr, call: ffi::PyCFunction) -> Method {
        Method::def(name, ffi::PyMethodDefPointer { PyCFunction: call }, ffi::METH_O)
    }

    /// The method with `doc` as its `__doc__`.
    pub const fn documented(self, doc: &'static CStr) -> Method {
        Method(ffi::PyMethodDef { ml_doc: doc.as_ptr(), ..self.0 })
    }
}

/// What a module's `METH_O` function does with its one argument.
pub type FunctionBody = for<'a, 'py> fn(Python<'py>, Borrowed<'a, 'py, PyAny>) -> PyResult<Py<PyAny>>;

/// Runs `body` for one call of a module's `METH_O` function (see [`function`]).
///
/// # Safety
/// `arg` is what CPython passes a `METH_O` function: the interpreter is attached and holds `arg`
/// for the whole call.
#[inline(always)]
pub unsafe fn dispatch_function(arg: *mut ffi::PyObject, body: FunctionBody) -> *mut ffi::PyObject {
    // SAFETY: attached, per the contract; the token does not outlive this call.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: the interpreter holds `arg` for the whole call.
    match body(py, unsafe { Borrowed::from_ptr(py, arg) }) {
        Ok(value) => value.into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

/// `method` as a function of `module`, made as a C module's table makes its functions: a
/// `builtin_function_or_method` whose `__module__` is the module's name, so that its repr, its
/// qualified name in messages ("time.sleep() takes exactly one argument (0 given)") and its
/// signature are those of the module's own.
pub fn function<'py>(module: &Bound<'py, PyModule>, method: &'static Method) -> PyResult<Bound<'py, PyAny>> {
    let name = module.name()?;
    // SAFETY: `method.0` is static and well formed; PyCFunction_NewEx keeps the pointer and reads it
    // only, takes new references to the module and its name, and returns a new reference or null
    // with an exception set.
    unsafe {
        Bound::from_owned_ptr_or_err(
            module.py(),
            ffi::PyCFunction_NewEx(std::ptr::from_ref(&method.0).cast_mut(), module.as_ptr(), name.as_ptr()),
        )
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

/// A module's `METH_O` function named `$name`, running `$body` on its one argument ([`function`]).
macro_rules! one_argument_function {
    ($name:literal, $body:expr) => {{
        // The one `unsafe` a table of methods needs, wherever it is written.
        #[allow(unsafe_code)]
        unsafe extern "C" fn call(_module: *mut pyo3::ffi::PyObject, arg: *mut pyo3::ffi::PyObject) -> *mut pyo3::ffi::PyObject {
            // SAFETY: CPython calls this only as the METH_O function `function` made of it.
            unsafe { $crate::positional::dispatch_function(arg, $body) }
        }
        $crate::positional::Method::one($name, call)
    }};
}
pub(crate) use one_argument_function;

/// A keyword [`Method`] named `$name` with parameters `$names`, the first `$required` of them
/// required, running `$body`.
macro_rules! keyword_method {
    ($name:literal, $names:expr, $required:literal, $body:expr) => {{
        // The one `unsafe` a table of methods needs, wherever it is written.
        #[allow(unsafe_code)]
        unsafe extern "C" fn call(
            slf: *mut pyo3::ffi::PyObject,
            args: *const *mut pyo3::ffi::PyObject,
            nargs: pyo3::ffi::Py_ssize_t,
            kwnames: *mut pyo3::ffi::PyObject,
        ) -> *mut pyo3::ffi::PyObject {
            // SAFETY: CPython calls this only as the METH_FASTCALL | METH_KEYWORDS method `install` made of it.
            unsafe { $crate::positional::dispatch_keywords(slf, args, nargs, kwnames, $name, &$names, $required, $body) }
        }
        $crate::positional::Method::keywords($name, call)
    }};
}
pub(crate) use keyword_method;

/// Puts `methods` on `socket_type` as method descriptors, as a `PyMethodDef` table in the type
/// would, before anything subclasses the type.
pub fn install(socket_type: &Bound<'_, PyType>, methods: &'static [Method]) -> PyResult<()> {
    for method in methods {
        // SAFETY: `ml_name` is a static C string (Method::new).
        let name = unsafe { CStr::from_ptr(method.0.ml_name) }.to_str().expect("an ASCII method name");
        socket_type.setattr(name, descriptor(socket_type, method)?)?;
    }
    Ok(())
}

/// `method` as a method descriptor of `kind` (a `method_descriptor`, as a type's own table makes
/// each), which checks the type of what it is called on.
pub fn descriptor<'py>(kind: &Bound<'py, PyType>, method: &'static Method) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `method` is static and well formed (above); PyDescr_NewMethod only reads it, and
    // returns a new reference or null with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(kind.py(), ffi::PyDescr_NewMethod(kind.as_type_ptr(), std::ptr::from_ref(&method.0).cast_mut())) }
}
