//! The buffer protocol and new bytes objects: the bytes a call sends, the buffers `recv_into`
//! fills and the bytes objects `recv` returns, used in place, without a copy. Also the few
//! C-level touches that PyO3 has no word for (instance methods, immutable types, the filesystem
//! encoding of AF_UNIX paths).
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
//!
//! A view is held for one call and released when dropped. While it is held, the exporter keeps the
//! memory where it is (a bytearray cannot resize with a view open), and no Python code runs between
//! taking the view and the host call that reads or fills it: the interpreter has one thread, and
//! the call does not return to Python until it is done.
#![allow(unsafe_code)]

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyType};
use pysock_guest::host::Received;
use pysock_guest::socket::Landing;
use std::mem::MaybeUninit;

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
        for (slot, byte) in self.writable_prefix(data.len()).iter_mut().zip(data) {
            slot.write(*byte);
        }
    }

    /// The first `n` bytes of a writable view, for a receive to fill; empty for a read-only one.
    pub fn writable_prefix(&mut self, n: usize) -> &mut [MaybeUninit<u8>] {
        let n = n.min(self.len());
        if n == 0 || self.view.readonly != 0 {
            return &mut [];
        }
        // SAFETY: the view is writable (checked above, and asked for with PyBUF_WRITABLE) and holds
        // at least `n` contiguous bytes at `buf`, valid until the view is released, which outlives
        // this borrow; nothing else reads or writes them meanwhile (see the module docs). Seen as
        // `MaybeUninit`, they can only be written with initialised bytes.
        unsafe { std::slice::from_raw_parts_mut(self.view.buf.cast::<MaybeUninit<u8>>(), n) }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: the view was filled by a successful PyObject_GetBuffer and is released once.
        unsafe { ffi::PyBuffer_Release(&mut *self.view) };
    }
}

/// A `bytes` object being received into, as CPython's `sock_recv` makes one: created at the size
/// asked for with its contents unset (`PyBytes_FromStringAndSize(NULL, n)`), grown when MSG_WAITALL
/// asks for more, and cut to the kernel's count at the end. Nothing else sees it until
/// [`NewBytes::finish`] hands it over.
pub struct NewBytes<'py> {
    py: Python<'py>,
    /// Owned; null while it holds no bytes (a size of 0 would be CPython's shared empty bytes object).
    obj: *mut ffi::PyObject,
    len: usize,
}

/// Whether a `bytes` object of `asked` bytes, which CPython's `recv(n)` and SSL `read(n)` create
/// before they call the kernel, could exist, with the error CPython's `PyBytes_FromStringAndSize`
/// gives on 64-bit Linux when it could not: OverflowError past what its size can describe, and
/// MemoryError past what the machine can hold. Natively that line is the machine's memory and swap
/// (the kernel's overcommit heuristic refuses a larger allocation; a smaller one succeeds and is
/// never touched beyond what arrives). The sandbox draws it at [`MOST_MEMORY`], past any machine it
/// runs on, so `recv(2**32)` returns what arrived, as natively, and `recv(2**40)` fails, as natively.
/// Below the line a receive returns what arrived without making room for all of `asked`. A negative
/// size is the caller's ValueError.
pub fn check_bytes_size(asked: i64) -> PyResult<()> {
    // `PY_SSIZE_T_MAX - PyBytesObject_SIZE` on 64-bit: the object's header and its final NUL.
    const DESCRIBABLE: i64 = i64::MAX - 33;
    match asked {
        n if n > DESCRIBABLE => Err(pyo3::exceptions::PyOverflowError::new_err("byte string is too large")),
        n if n >= MOST_MEMORY => Err(pyo3::exceptions::PyMemoryError::new_err(())),
        _ => Ok(()),
    }
}

/// The size of the smallest bytes object that no machine the sandbox runs on could allocate: 1 TiB.
pub const MOST_MEMORY: i64 = 1 << 40;

impl<'py> NewBytes<'py> {
    /// Room for `len` bytes; MemoryError as CPython raises when they cannot be had.
    pub fn new(py: Python<'py>, len: usize) -> PyResult<Self> {
        let mut new = NewBytes { py, obj: std::ptr::null_mut(), len: 0 };
        if len > 0 {
            new.obj = Self::allocate(py, len)?;
            new.len = len;
        }
        Ok(new)
    }

    fn allocate(py: Python<'py>, len: usize) -> PyResult<*mut ffi::PyObject> {
        let size = ffi::Py_ssize_t::try_from(len).map_err(|_| pyo3::exceptions::PyMemoryError::new_err(()))?;
        // SAFETY: a null source asks for `size` bytes with no contents; the result is a new reference
        // or null with MemoryError set.
        let obj = unsafe { ffi::PyBytes_FromStringAndSize(std::ptr::null(), size) };
        if obj.is_null() { Err(PyErr::fetch(py)) } else { Ok(obj) }
    }

    fn memory(&mut self) -> &mut [MaybeUninit<u8>] {
        if self.obj.is_null() {
            return &mut [];
        }
        // SAFETY: `obj` is a bytes object of `len` bytes that only this value refers to, so nothing
        // else reads or writes its contents while the borrow lasts.
        unsafe { std::slice::from_raw_parts_mut(ffi::PyBytes_AsString(self.obj).cast::<MaybeUninit<u8>>(), self.len) }
    }

    /// Makes it `len` bytes long, keeping the first `keep` bytes; false (and unchanged) when the
    /// memory cannot be had.
    fn resize(&mut self, len: usize, keep: usize) -> bool {
        let Ok(bigger) = Self::allocate(self.py, len) else {
            return false;
        };
        let keep = keep.min(len).min(self.len);
        if keep > 0 {
            // SAFETY: both are bytes objects only this value refers to, at least `keep` bytes long;
            // their first `keep` bytes were written by receives.
            unsafe { std::ptr::copy_nonoverlapping(ffi::PyBytes_AsString(self.obj), ffi::PyBytes_AsString(bigger), keep) };
        }
        // SAFETY: the old object (if any) is owned and dropped here, once.
        unsafe { ffi::Py_XDECREF(self.obj) };
        (self.obj, self.len) = (bigger, len);
        true
    }

    /// The bytes object `recv` returns: as long as the kernel's count, which with MSG_TRUNC exceeds
    /// what it wrote. CPython's tail is whatever its allocator held; here it is zeros.
    pub fn finish(mut self, got: Received) -> PyResult<Py<PyAny>> {
        let len = usize::try_from(got.length).unwrap_or(usize::MAX);
        if len == 0 {
            return Ok(PyBytes::new(self.py, b"").into_any().unbind());
        }
        if len > self.len && !self.resize(len, got.written) {
            return Err(pyo3::exceptions::PyMemoryError::new_err(()));
        }
        let written = got.written.min(len);
        for byte in &mut self.memory()[written..len] {
            byte.write(0);
        }
        if len < self.len {
            // SAFETY: `obj` is a bytes object only this value refers to, so it may be resized; on
            // failure CPython frees it, sets it to null and raises MemoryError.
            unsafe extern "C" {
                fn _PyBytes_Resize(bytes: *mut *mut ffi::PyObject, size: ffi::Py_ssize_t) -> std::os::raw::c_int;
            }
            if unsafe { _PyBytes_Resize(&mut self.obj, len as ffi::Py_ssize_t) } != 0 {
                return Err(PyErr::fetch(self.py));
            }
            self.len = len;
        }
        let obj = std::mem::replace(&mut self.obj, std::ptr::null_mut());
        // SAFETY: `obj` is an owned reference to a bytes object whose `len` bytes are all written.
        Ok(unsafe { Bound::from_owned_ptr(self.py, obj) }.unbind())
    }
}

impl Landing for NewBytes<'_> {
    fn room(&mut self, filled: usize, want: usize) -> &mut [MaybeUninit<u8>] {
        let needed = filled.saturating_add(want);
        // Without more memory (MemoryError, cleared) the receive ends with what it has.
        if needed > self.len {
            self.resize(needed, filled);
        }
        let memory = self.memory();
        let start = filled.min(memory.len());
        let end = needed.min(memory.len());
        &mut memory[start..end]
    }
}

impl Drop for NewBytes<'_> {
    fn drop(&mut self) {
        // SAFETY: `obj` is null or an owned reference, released once.
        unsafe { ffi::Py_XDECREF(self.obj) };
    }
}

/// `PySequence_Check`: whether `obj` is a sequence as CPython's C functions ask (its type has a
/// sequence item slot and is no dict), which PyO3's `PySequence` (registered with
/// `collections.abc.Sequence`) does not ask.
pub fn is_sequence(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: a plain C API call on a live object; it cannot fail.
    unsafe { ffi::PySequence_Check(obj.as_ptr()) == 1 }
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

/// Sets `name` on a type that is immutable (as CPython makes its own built-in types): the flag is
/// lifted for the assignment, which updates the type's caches as any assignment does, and put back.
/// A static type of an extension module (`datetime.datetime`) keeps its attributes in a dict of the
/// interpreter's that such an assignment does not reach; that dict is then changed in place and
/// the type's caches told.
pub fn set_on_immutable_type(ty: &Bound<'_, PyType>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    // SAFETY: as in `make_immutable`.
    unsafe { (*ty.as_type_ptr()).tp_flags &= !ffi::Py_TPFLAGS_IMMUTABLETYPE };
    let set = ty.setattr(name, value);
    make_immutable(ty);
    set?;
    // SAFETY: `ty` is a live type; GetDict returns a new reference to the dict its lookups read.
    let dict = unsafe { Bound::from_owned_ptr_or_err(ty.py(), ffi::PyType_GetDict(ty.as_type_ptr()))? };
    if !dict.get_item(name)?.is(value) {
        dict.set_item(name, value)?;
        // SAFETY: a live type whose dict just changed, as PyType_Modified expects.
        unsafe { ffi::PyType_Modified(ty.as_type_ptr()) };
    }
    Ok(())
}

/// Makes `ty` immutable, as CPython's C types are (`Py_TPFLAGS_IMMUTABLETYPE`): setting or deleting
/// an attribute of the type raises TypeError "cannot set 'x' attribute of immutable type 'T'". For
/// types the module finishes at import (attributes set after creation); the flag is not inherited,
/// so subclasses such as `socket.socket` stay mutable.
pub fn make_immutable(ty: &Bound<'_, PyType>) {
    // SAFETY: `ty` is a live type object; `tp_flags` is a plain field of it (this CPython is not
    // built for the limited API), and only this thread runs Python. The flag is read on each
    // attribute assignment, not cached, so no PyType_Modified is needed.
    unsafe { (*ty.as_type_ptr()).tp_flags |= ffi::Py_TPFLAGS_IMMUTABLETYPE };
}

/// Gives a type made by calling `type()` the dotted name a C type has (`tp_name`, "ssl.SSLError"
/// where `type()` leaves "SSLError"), which CPython's messages about the type print. `__name__`,
/// `__module__` and the repr do not read it.
pub fn set_c_name(ty: &Bound<'_, PyType>, name: &'static std::ffi::CStr) {
    // SAFETY: `tp_name` is a plain `const char *` field of the live type; the new one is static, so
    // it outlives the type, and CPython never frees a heap type's `tp_name` (it points into
    // `ht_name`, which the type keeps and frees on its own).
    unsafe { (*ty.as_type_ptr()).tp_name = name.as_ptr() };
}

/// `os.fsencode` of a str, as CPython's `PyUnicode_FSConverter` reads an AF_UNIX path: the
/// filesystem encoding, undecodable bytes brought back from their surrogates.
pub fn fs_encode(text: &Bound<'_, PyString>) -> PyResult<Vec<u8>> {
    // SAFETY: PyUnicode_EncodeFSDefault takes a str and returns a new bytes reference or NULL with
    // an exception set, which `from_owned_ptr_or_err` turns into the error.
    let encoded = unsafe { Bound::from_owned_ptr_or_err(text.py(), ffi::PyUnicode_EncodeFSDefault(text.as_ptr()))? };
    Ok(encoded.cast::<PyBytes>()?.as_bytes().to_vec())
}

/// `os.fsdecode` of bytes, as CPython returns an AF_UNIX path (`PyUnicode_DecodeFSDefault`).
pub fn fs_decode<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: the pointer and length name `bytes`, alive for the call, which copies them into a
    // new str reference or returns NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_DecodeFSDefaultAndSize(bytes.as_ptr().cast(), bytes.len() as ffi::Py_ssize_t)) }
}
