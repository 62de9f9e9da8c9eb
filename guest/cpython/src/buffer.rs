//! The buffer protocol: the bytes a call sends and the buffers `recv_into` fills, in place, without
//! a copy. This module holds the crate's only `unsafe`; each block says why it holds.
//!
//! A view is held for one call and released when dropped. While it is held, the exporter keeps the
//! memory where it is (a bytearray cannot resize with a view open), and no Python code runs between
//! taking the view and the host call that reads or fills it: the interpreter has one thread, and
//! the call does not return to Python until it is done.
#![allow(unsafe_code)]

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A contiguous view of a bytes-like object's memory.
pub struct Buffer {
    /// Boxed: an exporter may keep the view's address until it is released.
    view: Box<ffi::Py_buffer>,
}

impl Buffer {
    /// `PyObject_GetBuffer(obj, flags)`, raising what it raises (TypeError "a bytes-like object is
    /// required, not 'str'", BufferError for a read-only object asked for writing).
    fn get(obj: &Bound<'_, PyAny>, flags: std::os::raw::c_int) -> PyResult<Buffer> {
        let mut view: Box<ffi::Py_buffer> = Box::new(ffi::Py_buffer::new());
        // SAFETY: `obj` is a live object and `view` points to a Py_buffer we own; on success the
        // exporter filled it and we release it exactly once, in Drop.
        let rc = unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *view, flags) };
        if rc != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        Ok(Buffer { view })
    }

    /// A read-only view, as PyArg's `y*` takes it.
    pub fn readable(obj: &Bound<'_, PyAny>) -> PyResult<Buffer> {
        Buffer::get(obj, ffi::PyBUF_SIMPLE)
    }

    /// A writable view, as PyArg's `w*` takes it.
    pub fn writable(obj: &Bound<'_, PyAny>) -> PyResult<Buffer> {
        Buffer::get(obj, ffi::PyBUF_WRITABLE)
    }

    pub fn len(&self) -> usize {
        usize::try_from(self.view.len).unwrap_or(0)
    }

    pub fn as_slice(&self) -> &[u8] {
        if self.len() == 0 {
            return &[];
        }
        // SAFETY: a successful PyObject_GetBuffer without PyBUF_STRIDES (so one of SIMPLE or
        // WRITABLE, which ask for a contiguous buffer) gives `len` contiguous bytes at `buf`, valid until the view is released, which outlives this borrow; nothing
        // writes them meanwhile (see the module docs).
        unsafe { std::slice::from_raw_parts(self.view.buf.cast::<u8>(), self.len()) }
    }

    /// Copies `data` to the start of a writable view; the rest keeps its contents.
    pub fn fill(&mut self, data: &[u8]) {
        let n = data.len().min(self.len());
        if n == 0 || self.view.readonly != 0 {
            return;
        }
        // SAFETY: the view is writable (checked above, and asked for with PyBUF_WRITABLE) and holds
        // at least `n` bytes at `buf`; `data` is Rust memory, so the two do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.view.buf.cast::<u8>(), n) };
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: the view was filled by a successful PyObject_GetBuffer and is released once.
        unsafe { ffi::PyBuffer_Release(&mut *self.view) };
    }
}

/// Runs `f` on the bytes of a bytes-like object, as PyArg's `y*` takes it: a `bytes` object
/// directly, anything else through the buffer protocol, whose errors are CPython's own (TypeError
/// "a bytes-like object is required, not 'str'", BufferError for a non-contiguous view).
pub fn with_bytes<R>(obj: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(f(bytes.as_bytes()));
    }
    let buffer = Buffer::readable(obj)?;
    Ok(f(buffer.as_slice()))
}

/// Makes `callable` a method: stored on a class it binds to the instance, as a function does.
/// CPython's builtin functions do not bind; `PyInstanceMethod_New` wraps one so that it does.
pub fn instance_method<'py>(callable: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    unsafe extern "C" {
        fn PyInstanceMethod_New(func: *mut ffi::PyObject) -> *mut ffi::PyObject;
    }
    // SAFETY: PyInstanceMethod_New takes any callable and returns a new reference or NULL with an
    // exception set, which `from_owned_ptr_or_err` turns into the error.
    unsafe { Bound::from_owned_ptr_or_err(callable.py(), PyInstanceMethod_New(callable.as_ptr())) }
}
