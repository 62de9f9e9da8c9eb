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
use std::ffi::{CStr, CString};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many stand-ins there can be: pysock makes about 55, and `make` says so if they outgrow it.
const SLOTS: usize = 128;

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
        Some(python) => {
            let result = unsafe { ffi::PyObject_Vectorcall(python.as_ptr(), args, nargs as usize, kwnames) };
            if result.is_null() {
                // SAFETY: attached, as above.
                hide_own_frames(unsafe { Python::assume_attached() });
            }
            result
        }
        None => {
            // SAFETY: attached, as above; a call that fails sets an exception.
            unsafe { PySystemError::new_err("pysock: a stand-in function without its Python function").restore(Python::assume_attached()) };
            std::ptr::null_mut()
        }
    }
}

/// Takes pysock's own Python frames (`_pysock/...`) out of the failed call's traceback, so that the
/// error shows as a C function's does: from the caller's line, not from inside the stand-in ("File
/// "_pysock/empty_paths.py", line 58, in function" and three more under every `os.stat` of a
/// missing file). Frames of the program's own code the stand-in called (an `opener`, a signal
/// handler) stay, as under a C function.
///
/// Failures are common (importlib's stats of paths that are not there), so the usual case, a
/// traceback of pysock's frames alone, is told by the code objects' addresses ([`OWN_CODE`]) and
/// dropped whole; one with the program's frames in it is rebuilt without pysock's.
fn hide_own_frames(py: Python<'_>) {
    let Some(own) = OWN_CODE.get() else { return };
    // SAFETY: attached, with an exception set (the call failed); GetRaisedException takes it (a new
    // reference), and SetRaisedException gives it back below.
    let raised = unsafe { ffi::PyErr_GetRaisedException() };
    if raised.is_null() {
        return;
    }
    let (mut ours, mut theirs) = (0, 0);
    // SAFETY: `raised` is a live exception; its traceback (a new reference, or NULL) is a chain of
    // traceback objects, whose `tb_next` and `tb_frame` the interpreter keeps valid while it lives.
    unsafe {
        let traceback = ffi::PyException_GetTraceback(raised);
        let mut entry = traceback.cast::<ffi::PyTracebackObject>();
        while !entry.is_null() {
            let code = ffi::PyFrame_GetCode((*entry).tb_frame);
            if own.contains(&(code as usize)) {
                ours += 1;
            } else {
                theirs += 1;
            }
            ffi::Py_DECREF(code.cast());
            entry = (*entry).tb_next;
        }
        ffi::Py_XDECREF(traceback);
        if ours > 0 && theirs == 0 {
            ffi::PyException_SetTraceback(raised, ffi::Py_None());
        } else if ours > 0 {
            let _ = without_own_frames(&Bound::from_borrowed_ptr(py, raised));
        }
        ffi::PyErr_SetRaisedException(raised);
    }
}

/// The addresses of the code objects of pysock's Python modules (`_pysock/*.py`), which
/// [`own_code`] gathers once every stand-in is made.
static OWN_CODE: OnceLock<std::collections::HashSet<usize>> = OnceLock::new();

/// Keeps `codes`' addresses as pysock's own (their functions hold them for the interpreter's life).
pub fn own_code(codes: &Bound<'_, PyAny>) -> PyResult<()> {
    let addresses = codes.try_iter()?.map(|code| code.map(|c| c.as_ptr() as usize)).collect::<PyResult<_>>()?;
    let _ = OWN_CODE.set(addresses);
    Ok(())
}

/// `value`'s traceback, which holds frames of pysock's and of the program's, rebuilt of the
/// program's alone.
fn without_own_frames(value: &Bound<'_, PyAny>) -> PyResult<()> {
    let own = OWN_CODE.get().expect("gathered before any is dropped");
    let mut kept = Vec::new();
    let mut entry = Some(value.getattr("__traceback__")?).filter(|t| !t.is_none());
    while let Some(tb) = entry {
        if !own.contains(&(tb.getattr("tb_frame")?.getattr("f_code")?.as_ptr() as usize)) {
            kept.push(tb.clone());
        }
        entry = Some(tb.getattr("tb_next")?).filter(|t| !t.is_none());
    }
    // The chain runs from the outermost frame in; build it again from the innermost out.
    let traceback_type = value.py().import("types")?.getattr("TracebackType")?;
    let mut chain = value.py().None().into_bound(value.py());
    for tb in kept.iter().rev() {
        chain = traceback_type.call1((chain, tb.getattr("tb_frame")?, tb.getattr("tb_lasti")?, tb.getattr("tb_lineno")?))?;
    }
    value.setattr("__traceback__", chain)
}

macro_rules! trampolines {
    ($($n:literal)*) => { [$(call::<$n> as ffi::PyCFunctionFastWithKeywords),*] };
}

const TRAMPOLINES: [ffi::PyCFunctionFastWithKeywords; SLOTS] =
    trampolines!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39
                 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79
                 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115
                 116 117 118 119 120 121 122 123 124 125 126 127);

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

/// The number of fields of the struct sequence `result` (`os.stat_result`), its tuple's and the
/// hidden ones after them, checked to be one.
fn struct_fields(result: &Bound<'_, PyAny>) -> PyResult<usize> {
    let kind = result.get_type();
    if !result.is_instance_of::<pyo3::types::PyTuple>() || !kind.hasattr("n_fields")? {
        return Err(pyo3::exceptions::PyTypeError::new_err("pysock: not a struct sequence"));
    }
    kind.getattr("n_fields")?.extract()
}

/// `_struct_items(result)`: every field of a struct sequence, the hidden ones too, in order.
#[pyfunction]
fn struct_items<'py>(result: &Bound<'py, PyAny>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
    let fields = struct_fields(result)?;
    // SAFETY: `result` is a struct sequence of `fields` items (the type's n_fields), each set or
    // NULL; GetItem borrows it, and `from_borrowed_ptr_or_opt` takes a reference of its own.
    let items = (0..fields).map(|at| unsafe { Bound::from_borrowed_ptr_or_opt(result.py(), ffi::PyStructSequence_GetItem(result.as_ptr(), at as ffi::Py_ssize_t)) });
    pyo3::types::PyTuple::new(result.py(), items.map(|item| item.unwrap_or_else(|| result.py().None().into_bound(result.py()))))
}

/// `_struct_with(result, changes)`: a copy of the struct sequence `result` with the fields at the
/// indices `changes` maps (hidden ones too) set to its values, made without its constructor,
/// which takes the hidden fields by name through a dict and cost `os.stat` more than the call.
#[pyfunction]
fn struct_with<'py>(result: &Bound<'py, PyAny>, changes: &Bound<'py, pyo3::types::PyDict>) -> PyResult<Bound<'py, PyAny>> {
    let py = result.py();
    let fields = struct_fields(result)?;
    // SAFETY: the type is a struct sequence type (checked above); New returns a new reference with
    // n_fields empty items, or NULL with an exception set.
    let copy = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyStructSequence_New(result.get_type().as_type_ptr()))? };
    for at in 0..fields {
        let at = at as ffi::Py_ssize_t;
        // SAFETY: both have `fields` items; the copy's are empty, and SetItem steals the reference
        // XINCREF takes on the borrowed item (or NULL, as it was).
        unsafe {
            let item = ffi::PyStructSequence_GetItem(result.as_ptr(), at);
            ffi::Py_XINCREF(item);
            ffi::PyStructSequence_SetItem(copy.as_ptr(), at, item);
        }
    }
    for (at, value) in changes.iter() {
        let at: usize = at.extract()?;
        if at >= fields {
            return Err(pyo3::exceptions::PyIndexError::new_err("pysock: no such field"));
        }
        // SAFETY: `at` is one of the copy's items; its old reference (or NULL) goes, and SetItem
        // steals the new one.
        unsafe {
            let old = ffi::PyStructSequence_GetItem(copy.as_ptr(), at as ffi::Py_ssize_t);
            ffi::PyStructSequence_SetItem(copy.as_ptr(), at as ffi::Py_ssize_t, value.into_ptr());
            ffi::Py_XDECREF(old);
        }
    }
    Ok(copy)
}

/// A new struct sequence type, made as a C module makes one (`os.stat_result`,
/// `resource.struct_rusage`, `pwd.struct_passwd`), so that it prints, pickles, copies and takes its
/// fields as the module's own does: `name` dotted, each field's name and doc, all in its tuple.
pub fn struct_sequence_type(
    py: Python<'_>,
    name: &'static CStr,
    doc: &'static CStr,
    fields: &[(&'static CStr, &'static CStr)],
) -> PyResult<Py<pyo3::types::PyType>> {
    // NewType keeps pointers to the names and docs, which are static, and reads the field list
    // while it runs; the list is leaked too, as CPython's modules keep theirs in static data (one
    // per type, and each type is made once).
    let mut list: Vec<ffi::PyStructSequence_Field> =
        fields.iter().map(|(name, doc)| ffi::PyStructSequence_Field { name: name.as_ptr(), doc: doc.as_ptr() }).collect();
    list.push(ffi::PyStructSequence_Field { name: std::ptr::null(), doc: std::ptr::null() });
    let list = Box::leak(list.into_boxed_slice());
    let mut desc = ffi::PyStructSequence_Desc {
        name: name.as_ptr(),
        doc: doc.as_ptr(),
        fields: list.as_mut_ptr(),
        n_in_sequence: fields.len() as std::ffi::c_int,
    };
    // SAFETY: `desc` is well formed (a NULL-named field ends the list, every field in the tuple)
    // and outlives the call; NewType returns a new reference to a heap type, or NULL with an
    // exception set.
    let kind = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyStructSequence_NewType(&raw mut desc).cast::<ffi::PyObject>())? };
    Ok(kind.cast_into::<pyo3::types::PyType>()?.unbind())
}

/// `_struct_sequence_type(name, fields, doc)`: [`struct_sequence_type`] for pysock's Python
/// modules, `fields` as (name, doc) pairs. The strings are leaked, as the type keeps them.
#[pyfunction]
fn struct_sequence_type_for_python(py: Python<'_>, name: &str, fields: Vec<(String, String)>, doc: &str) -> PyResult<Py<pyo3::types::PyType>> {
    fn kept(text: &str) -> PyResult<&'static CStr> {
        let text = CString::new(text).map_err(|_| pyo3::exceptions::PyValueError::new_err("pysock: NUL in a struct sequence's name or doc"))?;
        Ok(Box::leak(text.into_boxed_c_str()))
    }
    let fields = fields.iter().map(|(name, doc)| Ok((kept(name)?, kept(doc)?))).collect::<PyResult<Vec<_>>>()?;
    struct_sequence_type(py, kept(name)?, kept(doc)?, &fields)
}

/// `_set_on_immutable_type(type, name, value)`: sets `name` on one of CPython's built-in types
/// (`datetime.datetime.now`, for local time; `buffer::set_on_immutable_type`).
#[pyfunction]
fn set_on_immutable_type_for_python(kind: &Bound<'_, pyo3::types::PyType>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    crate::buffer::set_on_immutable_type(kind, name, value)
}

/// `builtin_function.py`, with `_make`, `_struct_items`, `_struct_with`, `_struct_sequence_type` and
/// `_set_on_immutable_type` in it.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let module = crate::python_module!(py, "builtin_function.py", "_pysock._builtin_function")?;
    module.setattr("_make", wrap_pyfunction!(make, py)?)?;
    module.setattr("_struct_items", wrap_pyfunction!(struct_items, py)?)?;
    module.setattr("_struct_with", wrap_pyfunction!(struct_with, py)?)?;
    module.setattr("_struct_sequence_type", wrap_pyfunction!(struct_sequence_type_for_python, py)?)?;
    module.setattr("_set_on_immutable_type", wrap_pyfunction!(set_on_immutable_type_for_python, py)?)?;
    Ok(module)
}
