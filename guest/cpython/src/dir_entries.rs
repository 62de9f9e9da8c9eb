//! `os.DirEntry`: the entries `os.scandir` makes of a listing the host gave whole, and the stat and
//! type tests of every entry.
//!
//! Only CPython's C code makes a `DirEntry` (the type refuses to be called), so [`dir_entry`]
//! writes the fields CPython's `DirEntry_from_posix_info` writes, into an instance of CPython's own
//! type, once [`install`] has checked the type's size against [`RawDirEntry`]: every method of
//! the type, `inode()`, `__fspath__` and repr among them, then works on it as on its own.
//!
//! `stat`, `is_dir`, `is_file` and `is_symlink` are CPython's logic (`DirEntry_test_mode`,
//! `os_DirEntry_stat_impl`: the type from the listing when it has one, a stat cached on the entry
//! when it must look, a file gone meaning "no"), with `os.stat` as the look: CPython's calls
//! WASI's libc's stat(2), whose answer lacks what pysock's `os.stat` gives (a file's permissions, a
//! FIFO's and a socket file's whole mode, a link's target's identity), and would then be cached on
//! the entry for `DirEntry.stat` to give back. They are set on the type as method descriptors, as
//! its own table has them, with the words Argument Clinic gives their arguments.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::bindings::pysock::net::files::DescriptorType;
use crate::positional::Method;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};
use std::sync::OnceLock;

/// CPython's `DirEntry` of `posix` (`Modules/posixmodule.c`, POSIX's fields, on wasm32).
#[repr(C)]
struct RawDirEntry {
    head: ffi::PyObject,
    name: *mut ffi::PyObject,
    path: *mut ffi::PyObject,
    stat: *mut ffi::PyObject,
    lstat: *mut ffi::PyObject,
    d_type: u8,
    d_ino: u64,
    dir_fd: i32,
}

/// WASI's libc's AT_FDCWD, CPython's DEFAULT_DIR_FD: the `dir_fd` of an entry of a path's listing.
pub const DEFAULT_DIR_FD: i32 = -2;

/// WASI's libc's DT_UNKNOWN, DT_DIR, DT_REG and DT_LNK (WASI's file types), which CPython compares
/// `d_type` with.
const DT_UNKNOWN: u8 = 0;
const DT_DIR: u8 = 3;
const DT_REG: u8 = 4;
const DT_LNK: u8 = 7;

/// st_mode's type bits, and the three types the tests ask about.
const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;

/// `os.DirEntry`, and the `os.stat` its entries are looked at with (pysock's, as `install` found
/// it, so that a program's own replacement of `os.stat` is not called, as natively).
struct Entries {
    kind: Py<PyType>,
    stat: Py<PyAny>,
}

static ENTRIES: OnceLock<Option<Entries>> = OnceLock::new();

/// `os.DirEntry` and `os.stat`, when this interpreter's `DirEntry` is laid out as [`RawDirEntry`];
/// an error (and `os.scandir` takes the stand-ins, whose entries CPython makes) if it is not.
fn entries() -> PyResult<&'static Entries> {
    ENTRIES
        .get()
        .and_then(Option::as_ref)
        .ok_or_else(|| pyo3::exceptions::PySystemError::new_err("pysock: posix.DirEntry is not laid out as Linux's CPython 3.14 lays it out"))
}

/// Whether `os.scandir` may make its entries here ([`dir_entry`]).
pub fn made_here() -> bool {
    entries().is_ok()
}

/// The `os.DirEntry` named `name` with the path `path` (str or bytes, as the listing's), of the
/// type `kind` the folder records and the identity `identity` (its `inode()`), looked up from the
/// folder `dir_fd` ([`DEFAULT_DIR_FD`] for a path's listing).
pub fn dir_entry<'py>(name: Bound<'py, PyAny>, path: Bound<'py, PyAny>, kind: DescriptorType, identity: u64, dir_fd: i32) -> PyResult<Bound<'py, PyAny>> {
    let py = name.py();
    // WASI's libc's DT_ values; a socket file's is one no other type has, so that no test stats it.
    let d_type = match kind {
        DescriptorType::Unknown => DT_UNKNOWN,
        DescriptorType::BlockDevice => 1,
        DescriptorType::CharacterDevice => 2,
        DescriptorType::Directory => DT_DIR,
        DescriptorType::RegularFile => DT_REG,
        DescriptorType::Fifo => 6,
        DescriptorType::SymbolicLink => DT_LNK,
        DescriptorType::Socket => 20,
    };
    let kind = entries()?.kind.bind(py);
    // SAFETY: `kind` is DirEntry, whose instances are `RawDirEntry`s (checked by `install`);
    // GenericAlloc returns a new, zeroed instance holding a reference to its type, or NULL with an
    // exception set. Every field is written before the object is handed out, the objects as new
    // references, which DirEntry's dealloc releases.
    unsafe {
        let made = Bound::from_owned_ptr_or_err(py, ffi::PyType_GenericAlloc(kind.as_type_ptr(), 0))?;
        let raw = made.as_ptr().cast::<RawDirEntry>();
        (*raw).name = name.into_ptr();
        (*raw).path = path.into_ptr();
        (*raw).stat = std::ptr::null_mut();
        (*raw).lstat = std::ptr::null_mut();
        (*raw).d_type = d_type;
        (*raw).d_ino = identity;
        (*raw).dir_fd = dir_fd;
        Ok(made)
    }
}

/// The entry's fields, once `entry` is known to be a DirEntry.
fn raw(entry: &Bound<'_, PyAny>) -> *mut RawDirEntry {
    entry.as_ptr().cast::<RawDirEntry>()
}

/// `DirEntry.stat(follow_symlinks)`: CPython's `os_DirEntry_stat_impl`, cached on the entry.
fn stat<'py>(entry: &Bound<'py, PyAny>, follow: bool) -> PyResult<Bound<'py, PyAny>> {
    let py = entry.py();
    let raw = raw(entry);
    // SAFETY: the slots hold a reference each or NULL; a cached answer is handed out as a new one.
    let cached = |slot: *mut *mut ffi::PyObject| unsafe { Bound::from_borrowed_ptr_or_opt(py, *slot) };
    // SAFETY: `raw` is the live entry's (the methods check the type), whose slots are written here only.
    let (stat_slot, lstat_slot) = unsafe { (&raw mut (*raw).stat, &raw mut (*raw).lstat) };
    let slot = if follow { stat_slot } else { lstat_slot };
    if let Some(found) = cached(slot) {
        return Ok(found);
    }
    let found = if follow && !is_symlink(entry)? { stat(entry, false)? } else { looked_at(entry, follow)? };
    // Looking may have run Python that asked the same (a first answer stays, as in CPython).
    if let Some(earlier) = cached(slot) {
        return Ok(earlier);
    }
    // SAFETY: the slot is empty; it takes a reference of its own, which DirEntry's dealloc releases.
    unsafe { *slot = found.clone().into_ptr() };
    Ok(found)
}

/// `os.stat` of the entry (CPython's `DirEntry_fetch_stat`): of its path, or of its name in the
/// folder it was listed from; an error names the entry's path.
fn looked_at<'py>(entry: &Bound<'py, PyAny>, follow: bool) -> PyResult<Bound<'py, PyAny>> {
    let py = entry.py();
    // SAFETY: a DirEntry's path and dir_fd are written when it is made, and never after.
    let (path, dir_fd) = unsafe { (Bound::from_borrowed_ptr(py, (*raw(entry)).path), (*raw(entry)).dir_fd) };
    let dir_fd = (dir_fd != DEFAULT_DIR_FD).then_some(dir_fd);
    if let Some(answer) = crate::path_lookups::path_stated(&path, dir_fd, follow) {
        return answer;
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("dir_fd", dir_fd)?;
    kwargs.set_item("follow_symlinks", follow)?;
    entries()?.stat.bind(py).call((path,), Some(&kwargs))
}

/// `DirEntry.is_symlink()`: the listing's type, or a look when the folder recorded none.
fn is_symlink(entry: &Bound<'_, PyAny>) -> PyResult<bool> {
    // SAFETY: d_type is written when the entry is made, and never after.
    match unsafe { (*raw(entry)).d_type } {
        DT_UNKNOWN => has_mode(entry, false, S_IFLNK),
        d_type => Ok(d_type == DT_LNK),
    }
}

/// CPython's `DirEntry_test_mode`: whether the entry (through a link, with `follow`) has the type
/// `mode`, from the listing's type unless that is unknown or a link to follow; a file that is gone
/// has none.
fn has_mode(entry: &Bound<'_, PyAny>, follow: bool, mode: u32) -> PyResult<bool> {
    // SAFETY: as in `is_symlink`.
    let d_type = unsafe { (*raw(entry)).d_type };
    if d_type != DT_UNKNOWN && !(follow && d_type == DT_LNK) {
        return Ok(match mode {
            S_IFDIR => d_type == DT_DIR,
            S_IFREG => d_type == DT_REG,
            _ => d_type == DT_LNK,
        });
    }
    match stat(entry, follow) {
        Ok(found) => Ok(found.getattr(pyo3::intern!(entry.py(), "st_mode"))?.extract::<u32>()? & S_IFMT == mode),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyFileNotFoundError>(entry.py()) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The entry a method was called on, and its `follow_symlinks`, as Argument Clinic parses
/// `(self, /, *, follow_symlinks=True)`: no positional argument, that one keyword, any object.
///
/// # Safety
/// What CPython passes a `METH_FASTCALL | METH_KEYWORDS` method descriptor of DirEntry: the
/// interpreter is attached, `slf` is a DirEntry (the descriptor checked), `args` holds `nargs`
/// objects and then one for each name in `kwnames` (a tuple, or NULL).
unsafe fn follow_argument<'py>(py: Python<'py>, name: &str, slf: *mut ffi::PyObject, args: *const *mut ffi::PyObject, nargs: ffi::Py_ssize_t, kwnames: *mut ffi::PyObject) -> PyResult<(Bound<'py, PyAny>, bool)> {
    use pyo3::exceptions::PyTypeError;
    // SAFETY: per the contract.
    let entry = unsafe { Bound::from_borrowed_ptr(py, slf) };
    let keywords = if kwnames.is_null() { 0 } else { unsafe { ffi::PyTuple_GET_SIZE(kwnames) } };
    if nargs + keywords > 1 {
        let keyword = if nargs == 0 { "keyword " } else { "" };
        return Err(PyTypeError::new_err(format!("{name}() takes at most 1 {keyword}argument ({} given)", nargs + keywords)));
    }
    if nargs > 0 {
        return Err(PyTypeError::new_err(format!("{name}() takes no positional arguments")));
    }
    if keywords == 0 {
        return Ok((entry, true));
    }
    // SAFETY: one keyword: its name is the tuple's first item, its value follows the positional ones.
    let (keyword, value) = unsafe { (Bound::from_borrowed_ptr(py, ffi::PyTuple_GET_ITEM(kwnames, 0)), Bound::from_borrowed_ptr(py, *args.offset(nargs))) };
    if keyword.cast::<PyString>().map_or(true, |k| k.to_str().ok() != Some("follow_symlinks")) {
        return Err(PyTypeError::new_err(format!("'{keyword}' is an invalid keyword argument for {name}()")));
    }
    Ok((entry, value.is_truthy()?))
}

/// The C function of a `(self, /, *, follow_symlinks=True)` method of DirEntry named `$name`,
/// whose `$body(entry, follow)` gives its answer.
macro_rules! entry_method {
    ($name:literal, $body:expr) => {{
        unsafe extern "C" fn call(slf: *mut ffi::PyObject, args: *const *mut ffi::PyObject, nargs: ffi::Py_ssize_t, kwnames: *mut ffi::PyObject) -> *mut ffi::PyObject {
            // SAFETY: CPython calls this only as the method descriptor `install` made of it, attached.
            let py = unsafe { Python::assume_attached() };
            // SAFETY: per `follow_argument`'s contract, which CPython's call meets.
            let answer = unsafe { follow_argument(py, $name, slf, args, nargs, kwnames) }.and_then(|(entry, follow)| $body(&entry, follow));
            returned(py, answer)
        }
        ($name, call as ffi::PyCFunctionFastWithKeywords)
    }};
}

/// What a method's C function returns: the answer as a new reference, or NULL with its error set.
fn returned(py: Python<'_>, answer: PyResult<Bound<'_, PyAny>>) -> *mut ffi::PyObject {
    match answer {
        Ok(value) => value.into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

fn answer(py: Python<'_>, yes: bool) -> Bound<'_, PyAny> {
    pyo3::types::PyBool::new(py, yes).to_owned().into_any()
}

/// `DirEntry.is_dir(follow_symlinks)`.
fn is_dir<'py>(entry: &Bound<'py, PyAny>, follow: bool) -> PyResult<Bound<'py, PyAny>> {
    has_mode(entry, follow, S_IFDIR).map(|yes| answer(entry.py(), yes))
}

/// `DirEntry.is_file(follow_symlinks)`.
fn is_file<'py>(entry: &Bound<'py, PyAny>, follow: bool) -> PyResult<Bound<'py, PyAny>> {
    has_mode(entry, follow, S_IFREG).map(|yes| answer(entry.py(), yes))
}

/// `DirEntry.is_symlink()`, which takes no argument.
unsafe extern "C" fn is_symlink_method(slf: *mut ffi::PyObject, _args: *const *mut ffi::PyObject, nargs: ffi::Py_ssize_t, kwnames: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this only as the method descriptor `install` made of it, attached,
    // with a DirEntry as `slf` and `kwnames` a tuple or NULL.
    let py = unsafe { Python::assume_attached() };
    let entry = unsafe { Bound::from_borrowed_ptr(py, slf) };
    let keywords = if kwnames.is_null() { 0 } else { unsafe { ffi::PyTuple_GET_SIZE(kwnames) } };
    let answer = if nargs + keywords > 0 {
        Err(pyo3::exceptions::PyTypeError::new_err("is_symlink() takes no arguments"))
    } else {
        is_symlink(&entry).map(|yes| answer(py, yes))
    };
    returned(py, answer)
}

/// Checks `os.DirEntry`'s layout, and puts pysock's `stat`, `is_dir`, `is_file` and `is_symlink`
/// on it (each with CPython's docstring): lib.rs calls it after every stand-in for `os.stat`.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let kind = py.import("posix")?.getattr("DirEntry")?.cast_into::<PyType>()?;
    // SAFETY: a live type object, whose size field is read.
    let size = unsafe { (*kind.as_type_ptr()).tp_basicsize };
    if size as usize != std::mem::size_of::<RawDirEntry>() {
        // The stand-ins' scandir and CPython's own methods stay.
        let _ = ENTRIES.set(None);
        return Ok(());
    }
    let methods = [
        entry_method!("stat", stat),
        entry_method!("is_dir", is_dir),
        entry_method!("is_file", is_file),
        ("is_symlink", is_symlink_method as ffi::PyCFunctionFastWithKeywords),
    ];
    for (name, call) in methods {
        // CPython's docstring, with the signature Argument Clinic writes into it.
        let own = kind.getattr(name)?;
        let signature: String = own.getattr("__text_signature__")?.extract()?;
        let doc: String = own.getattr("__doc__")?.extract()?;
        let doc = std::ffi::CString::new(format!("{name}{signature}\n--\n\n{doc}")).map_err(|_| pyo3::exceptions::PySystemError::new_err("pysock: a NUL in DirEntry's docs"))?;
        let name_c = std::ffi::CString::new(name).expect("a method name");
        // Leaked, as a type's method table is static: the descriptor keeps pointers into it.
        let method: &'static Method = Box::leak(Box::new(Method::keywords(Box::leak(name_c.into_boxed_c_str()), call).documented(Box::leak(doc.into_boxed_c_str()))));
        let descriptor = crate::positional::descriptor(&kind, method)?;
        crate::buffer::set_on_immutable_type(&kind, name, &descriptor)?;
    }
    let stat = py.import("os")?.getattr("stat")?.unbind();
    let _ = ENTRIES.set(Some(Entries { kind: kind.unbind(), stat }));
    Ok(())
}
