//! The functions pysock writes in Python in place of CPython's C ones (`open`, `os.open`, `os.stat`,
//! `os.lstat`, every `os` function that refuses the empty path, `os.statvfs`, `os.kill`, `signal`'s
//! Python-written functions, the user's: `os.getuid` and its kin, `pwd` and `grp`, and `hashlib`'s key
//! derivation), made C functions themselves.
//!
//! A Python function shows wherever a program looks: kept as a class's attribute it is bound to the
//! instance (`class Accessor: open = io.open` passed the instance as the path; CPython's test_file
//! does this), `inspect` calls it no builtin, and pydoc and CPython's own tests take it for Python
//! code of the module it names (test_signal wants such a function's `__module__` to be "signal").
//! A `builtin_function_or_method` made here is what the original was: called as it is through a
//! class, a builtin to `inspect`, its module's as `__self__` and `__module__`, pickled by name,
//! copied as itself, shown as `<built-in function name>`, with the C function's text signature.
//!
//! Each is a `PyMethodDef` of its own, made once and never freed (the interpreter keeps pointers
//! into it), whose C function is one of [`SLOTS`] trampolines: the trampoline calls the Python
//! function in its slot with the arguments it was given, as they are (vectorcall).
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::positional::{Method, function};
use pyo3::exceptions::PySystemError;
use pyo3::ffi;
use pyo3::prelude::*;
use std::ffi::CString;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many stand-ins there can be: pysock makes about 55, and `make` says so if they outgrow it.
const SLOTS: usize = 80;

/// The Python function behind each slot's trampoline.
static FUNCTIONS: [OnceLock<Py<PyAny>>; SLOTS] = [const { OnceLock::new() }; SLOTS];

/// How many slots are taken.
static TAKEN: AtomicUsize = AtomicUsize::new(0);

/// Slot `N`'s C function: calls its Python function with the call's own arguments.
unsafe extern "C" fn call<const N: usize>(
    _module: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    match FUNCTIONS[N].get() {
        // SAFETY: CPython calls this as the METH_FASTCALL | METH_KEYWORDS function `make` made of
        // slot N, attached, with its vectorcall arguments (positional ones, then keyword values
        // named by `kwnames`), which PyObject_Vectorcall takes as they are and only borrows; the
        // function lives in its slot for the interpreter's life.
        Some(python) => unsafe { ffi::PyObject_Vectorcall(python.as_ptr(), args, nargs as usize, kwnames) },
        None => {
            // SAFETY: attached, as above; a call that fails sets an exception.
            unsafe { PySystemError::new_err("pysock: a stand-in function without its Python function").restore(Python::assume_attached()) };
            std::ptr::null_mut()
        }
    }
}

macro_rules! trampolines {
    ($($n:literal)*) => { [$(call::<$n> as ffi::PyCFunctionFastWithKeywords),*] };
}

const TRAMPOLINES: [ffi::PyCFunctionFastWithKeywords; SLOTS] =
    trampolines!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39
                 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79);

/// `_make(python, module, text_signature)`: the Python function `python` as a C function of `module`, with
/// `text_signature` ("($module, /, path, *, dir_fd=None)", or None) for `inspect`. `builtin_function.py` calls it.
#[pyfunction]
fn make<'py>(python: Bound<'py, PyAny>, module: Bound<'py, PyModule>, text_signature: Option<String>) -> PyResult<Bound<'py, PyAny>> {
    let slot = TAKEN.fetch_add(1, Ordering::Relaxed);
    if slot >= SLOTS {
        return Err(PySystemError::new_err("pysock: more stand-in functions than builtin_function.rs has slots"));
    }
    let name: String = python.getattr("__name__")?.extract()?;
    let doc: Option<String> = python.getattr("__doc__")?.extract()?;
    // How a C function's doc carries its signature (`__text_signature__`), as Argument Clinic writes it.
    let doc = match text_signature {
        Some(signature) => format!("{name}{signature}\n--\n\n{}", doc.unwrap_or_default()),
        None => doc.unwrap_or_default(),
    };
    let leaked = |text: String| -> PyResult<&'static std::ffi::CStr> {
        let text = CString::new(text).map_err(|_| PySystemError::new_err("pysock: a NUL in a stand-in's name or doc"))?;
        Ok(Box::leak(text.into_boxed_c_str()))
    };
    let method = Method::keywords(leaked(name)?, TRAMPOLINES[slot]).documented(leaked(doc)?);
    if FUNCTIONS[slot].set(python.unbind()).is_err() {
        return Err(PySystemError::new_err("pysock: a stand-in's slot was taken twice"));
    }
    function(&module, Box::leak(Box::new(method)))
}

/// `builtin_function.py`, with `_make` in it.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let module = crate::python_module!(py, "builtin_function.py", "_pysock._builtin_function")?;
    module.setattr("_make", wrap_pyfunction!(make, py)?)?;
    Ok(module)
}
