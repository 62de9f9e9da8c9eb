//! `os.stat`, `os.lstat`, `os.listdir` and `os.scandir` of a path, and `os.fstat`, in one host call.
//!
//! Through WASI's libc a stat of a path is two host calls (`stat-at`, then `metadata-hash-at` for
//! st_ino), and pysock's stand-ins add three more for what those leave out: the target's inode
//! through a link (`symlinks.py`, a readlink), and the mode, blocks and block size
//! (`file_modes.py`, an open, an fstat and a close). A listing is two host calls and two stat(2)s
//! for every entry (`read-directory` stats each for its type, and the libc asks each one's hash
//! for d_ino), where Linux's is a getdents(2) for many. Importing a module stats every path it might
//! be at and lists the folders it looks in, so each of those cost every program. Here the common
//! case, a path in a folder the sandbox was given, is one call (`pysock:net/files.stat-at`,
//! `list-folder`) whose answer is what the stand-ins together give, and more of Linux's: a FIFO's
//! and a socket file's mode whole (WASI's libc gives a FIFO none, the stand-ins a socket file's
//! type without its permissions), a link's block size, names that are not UTF-8 (as
//! surrogate escapes, where `wasi:filesystem` fails the listing).
//!
//! `os.scandir` takes the same listing, with getdents(2)'s type and each entry's identity, and makes
//! CPython's own `os.DirEntry` of each as it is asked for (dir_entries.rs, which also gives the
//! entries' stat and type tests). Its iterator is pysock's, named and behaving as CPython's (a
//! context manager; a ResourceWarning if collected before it is exhausted or closed), holding no
//! descriptor, as the listing is whole.
//!
//! `os.fstat` (and `os.stat`) of a file's or a folder's descriptor is one call too (`stat`), where
//! it was three and the stand-in's Python, and `os.listdir` and `os.scandir` of a folder's
//! descriptor, which WASI CPython refuses (it has no fdopendir), are answered the same way, so
//! both are in `os.supports_fd`, as on Linux, and `shutil.rmtree` walks by descriptors, which
//! links cannot redirect (`rmtree.avoids_symlink_attacks`). Everything else takes the
//! stand-ins, as before: any other descriptor (a socket, a pipe, the null device, a closed
//! number), the empty path, the null device's path, arguments that are not a plain path (their
//! errors are the stand-ins' to word), a device. A failure is raised here only when it is ENOENT or
//! ENOTDIR, which the same resolution gives both ways, or a `dir_fd` that names no folder (EBADF,
//! ENOTDIR, as Linux says, where WASI's libc said EINVAL); any other goes the long way for its
//! words.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::bindings::pysock::net::files;
use crate::bindings::wasi::clocks::wall_clock::Datetime;
use crate::descriptors::{self, Holder};
use crate::dir_entries::{self, DEFAULT_DIR_FD};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyString, PyTuple};
use pyo3::{ffi, intern};
use pysock_guest::host::Errno;
use std::cell::{Cell, OnceCell};
use std::ffi::{CStr, CString, c_char};

/// `os.stat_result`'s fields this module fills, in the order [`FIELD_NAMES`] gives.
const FIELD_NAMES: [&str; 19] = [
    "st_mode", "st_ino", "st_dev", "st_nlink", "st_uid", "st_gid", "st_size",
    // The times as whole seconds: the tuple's last three items, which have no names of their own.
    "", "", "",
    "st_atime", "st_mtime", "st_ctime", "st_atime_ns", "st_mtime_ns", "st_ctime_ns", "st_blksize", "st_blocks", "st_rdev",
];

/// WASI's libc gives every file the device 1 (`wasi:filesystem` has no devices).
const DEVICE: u64 = 1;

/// st_mode's file type bits, and the types answered here: a regular file, a folder, a link, a FIFO
/// and a socket file (a device's st_rdev is not carried).
const S_IFMT: u32 = 0o170000;
const ANSWERED: [u32; 5] = [0o100000, 0o040000, 0o120000, 0o010000, 0o140000];

thread_local! {
    /// `os.stat_result`, and where each of [`FIELD_NAMES`] is among all its items.
    static RESULT_TYPE: OnceCell<(Py<pyo3::types::PyType>, [usize; 19])> = const { OnceCell::new() };
    /// The buffer WASI's libc writes a path within a folder into, kept between calls (as its own
    /// `chdir` keeps one) and grown by libc's realloc.
    static RELATIVE: Cell<(*mut c_char, usize)> = const { Cell::new((std::ptr::null_mut(), 0)) };
}

unsafe extern "C" {
    /// WASI's libc: the descriptor of the given folder that holds `path` (from the working folder
    /// it keeps), and `path` within it in `*relative`; -1 when no folder holds it.
    fn __wasilibc_find_relpath_alloc(
        path: *const c_char,
        abs_prefix: *mut *const c_char,
        relative: *mut *mut c_char,
        relative_len: *mut usize,
        can_realloc: i32,
    ) -> i32;
}

/// `_quick_stat(slow, check, lstat, *args, **kwargs)`: `os.lstat` (with `lstat`) or `os.stat`, in
/// one host call when it can, else [`the_long_way`].
#[pyfunction(signature = (slow, check, lstat, *args, **kwargs))]
fn _quick_stat<'py>(slow: &Bound<'py, PyAny>, check: &Bound<'py, PyAny>, lstat: bool, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
    match stated(lstat, args, kwargs) {
        Some(answer) => answer,
        None => the_long_way(slow, check, args, kwargs),
    }
}

/// `slow(*args, **kwargs)`, the stand-in a quick function goes in front of, once `check` (builtin_function.py's
/// `parse_arguments` for the C function's parameters) has taken the arguments: a count or a keyword that
/// does not fit gets Argument Clinic's words, as natively, not the Python stand-in's.
fn the_long_way<'py>(slow: &Bound<'py, PyAny>, check: &Bound<'py, PyAny>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
    if args.len() != 1 || kwargs.is_some_and(|k| !k.is_empty()) {
        let empty = PyDict::new(args.py());
        check.call1((args, kwargs.unwrap_or(&empty)))?;
    }
    slow.call(args, kwargs)
}

/// `os.stat`'s or `os.lstat`'s answer, when the host gives it in one call; None to take the stand-ins.
fn stated<'py>(lstat: bool, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> Option<PyResult<Bound<'py, PyAny>>> {
    if args.len() != 1 {
        return None;
    }
    let (mut dir_fd, mut follow) = (None, !lstat);
    for (name, value) in kwargs.into_iter().flatten() {
        match name.extract::<String>().ok()?.as_str() {
            "dir_fd" if value.is_none() => {}
            "dir_fd" if value.is_exact_instance_of::<PyInt>() => dir_fd = Some(value.extract::<i32>().ok()?),
            // Any object, as CPython's "p" converter takes it.
            "follow_symlinks" if !lstat => follow = value.is_truthy().ok()?,
            _ => return None,
        }
    }
    let given = args.get_item(0).ok()?;
    if given.is_exact_instance_of::<PyInt>() {
        // A descriptor names no path: with `dir_fd` or without following, the stand-ins say ValueError.
        return if dir_fd.is_none() && follow { descriptor_stated(&given) } else { None };
    }
    path_stated(&given, dir_fd, follow)
}

/// `os.stat(given, dir_fd=dir_fd, follow_symlinks=follow)` of a path (not a descriptor), when the
/// host gives it in one call; None to take the stand-ins. `os.DirEntry`'s look (dir_entries.rs).
pub fn path_stated<'py>(given: &Bound<'py, PyAny>, dir_fd: Option<i32>, follow: bool) -> Option<PyResult<Bound<'py, PyAny>>> {
    let (path, handle, within) = match located(given, dir_fd)? {
        Ok(found) => found,
        Err(e) => return Some(Err(e)),
    };
    match descriptors::with_file(handle, |d| files::stat_at(d, &within, follow)) {
        Ok(found) if ANSWERED.contains(&(found.mode & S_IFMT)) => Some(stat_result(given.py(), &found)),
        Ok(_) => None,
        Err(e) => lookup_error(e, path),
    }
}

/// `_quick_fstat(slow, check, *args, **kwargs)`: `os.fstat`, in one host call for a file's or a
/// folder's descriptor, else [`the_long_way`].
#[pyfunction(signature = (slow, check, *args, **kwargs))]
fn _quick_fstat<'py>(slow: &Bound<'py, PyAny>, check: &Bound<'py, PyAny>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
    let given = match (args.len(), kwargs.map_or(0, |k| k.len())) {
        (1, 0) => args.get_item(0).ok(),
        (0, 1) => kwargs.and_then(|k| k.get_item("fd").ok().flatten()),
        _ => None,
    };
    match given.filter(|g| g.is_exact_instance_of::<PyInt>()).and_then(|g| descriptor_stated(&g)) {
        Some(answer) => answer,
        None => the_long_way(slow, check, args, kwargs),
    }
}

/// The stat of the file or folder behind the descriptor `fd` (an int), when the host gives it in
/// one call; None for anything else (a socket, a pipe, a closed number: the stand-ins know those).
fn descriptor_stated<'py>(fd: &Bound<'py, PyAny>) -> Option<PyResult<Bound<'py, PyAny>>> {
    if !crate::signal_words::run_began() {
        return None;
    }
    let Holder::File(handle) = descriptors::holder(fd.extract::<i32>().ok()?) else {
        return None;
    };
    match descriptors::with_file(handle, files::stat) {
        Ok(found) if ANSWERED.contains(&(found.mode & S_IFMT)) => Some(stat_result(fd.py(), &found)),
        _ => None,
    }
}

/// `_quick_listdir(slow, check, *args, **kwargs)`: `os.listdir` of a path or a folder's
/// descriptor, in one host call when it can, else [`the_long_way`].
#[pyfunction(signature = (slow, check, *args, **kwargs))]
fn _quick_listdir<'py>(slow: &Bound<'py, PyAny>, check: &Bound<'py, PyAny>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
    match listed(args, kwargs) {
        Some(answer) => answer,
        None => the_long_way(slow, check, args, kwargs),
    }
}

/// `os.listdir`'s answer, when the host gives it in one call; None to take the stand-ins.
fn listed<'py>(args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> Option<PyResult<Bound<'py, PyAny>>> {
    let py = args.py();
    let listing = match folder_listing("listdir", false, args, kwargs)? {
        Ok(listing) => listing,
        Err(e) => return Some(Err(e)),
    };
    let as_bytes = listing.named.is_instance_of::<PyBytes>();
    let names = listing.entries.iter().map(|entry| if as_bytes { Ok(PyBytes::new(py, &entry.name).into_any()) } else { decoded(py, &entry.name) });
    Some(names.collect::<PyResult<Vec<_>>>().and_then(|names| Ok(pyo3::types::PyList::new(py, names)?.into_any())))
}

/// A folder's entries, as the host lists them for `os.listdir` and `os.scandir`.
struct Listing<'py> {
    /// The folder as CPython names it in errors and joins it to entries: a str or bytes path
    /// ("." when none was given), or the descriptor as an int.
    named: Bound<'py, PyAny>,
    /// The folder's descriptor, when one was given.
    descriptor: Option<i32>,
    entries: Vec<files::FolderEntry>,
}

/// The folder `os.listdir` or `os.scandir` (`function`) is given, with its entries (and their
/// identities, with `identities`), when the host lists them in one call; None to take the stand-ins.
fn folder_listing<'py>(function: &str, identities: bool, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> Option<PyResult<Listing<'py>>> {
    let py = args.py();
    let given = match (args.len(), kwargs.map_or(0, |k| k.len())) {
        (0, 0) => None,
        (1, 0) => Some(args.get_item(0).ok()?),
        (0, 1) => Some(kwargs?.get_item("path").ok()??),
        _ => return None,
    };
    // No path, None, or CPython's "no descriptor" is the working folder, and names come as str.
    let given = given
        .filter(|g| !g.is_none() && !(g.is_exact_instance_of::<PyInt>() && g.extract::<i32>().ok() == Some(-1)))
        .unwrap_or_else(|| PyString::new(py, ".").into_any());
    let mut descriptor = None;
    let (path, handle, within) = if given.is_instance_of::<PyInt>() {
        // A descriptor on a folder (which WASI CPython's listdir refuses, having no fdopendir).
        if !crate::signal_words::run_began() {
            return None;
        }
        if given.is_instance_of::<pyo3::types::PyBool>() {
            if let Err(e) = PyErr::warn(py, &py.get_type::<pyo3::exceptions::PyRuntimeWarning>(), c"bool is used as a file descriptor", 1) {
                return Some(Err(e));
            }
        }
        let Ok(fd) = given.extract::<i32>() else {
            let words = if given.gt(0).ok()? { "fd is greater than maximum" } else { "fd is less than minimum" };
            return Some(Err(pyo3::exceptions::PyOverflowError::new_err(words)));
        };
        descriptor = Some(fd);
        match descriptors::holder(fd) {
            Holder::File(handle) => (given, handle, ".".to_string()),
            // Linux's listdir dups the descriptor first, whose EBADF names no path.
            Holder::Nothing => return Some(Err(crate::errors::os_error(Errno::Ebadf))),
            Holder::Other => return Some(Err(named_error(Errno::Enotdir, given))),
        }
    } else if !(given.is_instance_of::<PyString>() || given.is_instance_of::<PyBytes>() || given.get_type().hasattr(intern!(py, "__fspath__")).ok()?) {
        // The stand-ins' words would leave the descriptor out.
        let kind = given.get_type().name().ok()?;
        return Some(Err(pyo3::exceptions::PyTypeError::new_err(format!("{function}: path should be string, bytes, os.PathLike, integer or None, not {kind}"))));
    } else if let Some((path, _)) = path_text(&given).filter(|(_, text)| names_null_device(text)) {
        // The null device is no folder, as Linux says (the stand-ins find no such path).
        return Some(Err(named_error(Errno::Enotdir, path)));
    } else {
        match located(&given, None)? {
            Ok(found) => found,
            Err(e) => return Some(Err(e)),
        }
    };
    match descriptors::with_file(handle, |d| files::list_folder(d, &within, identities)) {
        Ok(entries) => Some(Ok(Listing { named: path, descriptor, entries })),
        Err(e) => lookup_error(e, path),
    }
}

/// `_quick_scandir(slow, check, *args, **kwargs)`: `os.scandir` of a path or a folder's
/// descriptor, listed in one host call when it can, else [`the_long_way`].
#[pyfunction(signature = (slow, check, *args, **kwargs))]
fn _quick_scandir<'py>(slow: &Bound<'py, PyAny>, check: &Bound<'py, PyAny>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
    match scanned(args, kwargs) {
        Some(answer) => answer,
        None => the_long_way(slow, check, args, kwargs),
    }
}

/// `os.scandir`'s iterator, when the host lists the folder in one call; None to take the stand-ins.
fn scanned<'py>(args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> Option<PyResult<Bound<'py, PyAny>>> {
    let py = args.py();
    // The Python subtype `install` made, whose collection runs its finalizer (PyO3's own
    // deallocation does not), and the key it must be given.
    let (kind, key) = (SCANDIR_ITERATOR.get()?.bind(py), SCANDIR_KEY.get()?.bind(py));
    if !dir_entries::made_here() {
        return None;
    }
    let listing = match folder_listing("scandir", true, args, kwargs)? {
        Ok(listing) => listing,
        Err(e) => return Some(Err(e)),
    };
    let paths = match listing.descriptor {
        Some(fd) => EntryPaths::Descriptor(fd),
        None => {
            // CPython's `join_path_filename`: a separator unless the path ends in one.
            let mut prefix = path_text(&listing.named)?.1.into_bytes();
            if !prefix.ends_with(b"/") {
                prefix.push(b'/');
            }
            EntryPaths::Joined { prefix, as_bytes: listing.named.is_instance_of::<PyBytes>() }
        }
    };
    let made = kind.call1((key,)).and_then(|scan| {
        let mut state = scan.cast::<ScandirIterator>()?.borrow_mut();
        (state.entries, state.paths) = (Some(listing.entries.into_iter()), paths);
        drop(state);
        Ok(scan)
    });
    Some(made)
}

/// `os.scandir`'s iterator over a listing the host gave whole: each `os.DirEntry` is made as it
/// is asked for, as CPython makes it from readdir(3). Once exhausted or closed it holds nothing;
/// until then its collection warns, as CPython's does of the folder it keeps open. Programs see
/// its subtype `posix.ScandirIterator`, which `install` makes.
#[pyclass(module = "posix", name = "_ScandirIterator", subclass, unsendable)]
struct ScandirIterator {
    /// The entries not yet handed out; None once exhausted or closed.
    entries: Option<std::vec::IntoIter<files::FolderEntry>>,
    paths: EntryPaths,
}

/// How an entry's `path` and `dir_fd` are made, as CPython's `DirEntry_from_posix_info` makes them.
enum EntryPaths {
    /// The listed path's bytes with a separator (`prefix`); names and paths are bytes when the
    /// listed path was, else str.
    Joined { prefix: Vec<u8>, as_bytes: bool },
    /// A folder's descriptor: an entry's path is its name, and its `dir_fd` the descriptor.
    Descriptor(i32),
}

/// `posix.ScandirIterator`, the subtype of [`ScandirIterator`] that `os.scandir` gives, and the
/// object its constructor must be given, which programs never see.
static SCANDIR_ITERATOR: std::sync::OnceLock<Py<PyAny>> = std::sync::OnceLock::new();
static SCANDIR_KEY: std::sync::OnceLock<Py<PyAny>> = std::sync::OnceLock::new();

#[pymethods]
impl ScandirIterator {
    /// Only `_quick_scandir` makes one (with its key), as only CPython's scandir makes its own.
    #[new]
    #[pyo3(signature = (*key))]
    fn new(key: &Bound<'_, PyTuple>) -> PyResult<Self> {
        let made_here = key.len() == 1 && SCANDIR_KEY.get().is_some_and(|k| key.get_item(0).is_ok_and(|given| given.is(k)));
        if !made_here {
            return Err(pyo3::exceptions::PyTypeError::new_err("cannot create 'posix.ScandirIterator' instances"));
        }
        Ok(Self { entries: None, paths: EntryPaths::Descriptor(DEFAULT_DIR_FD) })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.entries.as_mut().and_then(Iterator::next) {
            Some(entry) => dir_entry(py, &self.paths, &entry).map(Some),
            None => {
                self.entries = None;
                Ok(None)
            }
        }
    }

    fn close(&mut self) {
        self.entries = None;
    }

    /// What pickle and copy ask: refused, as of CPython's (whose type's name is dotted).
    fn __reduce_ex__(&self, _protocol: &Bound<'_, PyAny>) -> PyResult<()> {
        Err(pyo3::exceptions::PyTypeError::new_err("cannot pickle 'posix.ScandirIterator' object"))
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exception))]
    fn __exit__(&mut self, _exception: &Bound<'_, PyTuple>) {
        self.entries = None;
    }
}

/// `ScandirIterator.__del__`, CPython's `ScandirIterator_finalize`: set on the type by [`install`].
#[pyfunction]
#[pyo3(name = "__del__")]
fn scandir_finalize(obj: &Bound<'_, PyAny>) {
    if obj.cast::<ScandirIterator>().is_ok_and(|scan| scan.borrow().entries.is_some()) {
        crate::finalize::warn_unclosed(obj, c"unclosed scandir iterator %R");
    }
}

/// The `os.DirEntry` of `entry`, with its name and path as `paths` makes them.
fn dir_entry<'py>(py: Python<'py>, paths: &EntryPaths, entry: &files::FolderEntry) -> PyResult<Bound<'py, PyAny>> {
    let (name, path, dir_fd) = match paths {
        EntryPaths::Joined { prefix, as_bytes: true } => {
            (PyBytes::new(py, &entry.name).into_any(), PyBytes::new(py, &[prefix.as_slice(), &entry.name].concat()).into_any(), DEFAULT_DIR_FD)
        }
        EntryPaths::Joined { prefix, as_bytes: false } => (decoded(py, &entry.name)?, decoded(py, &[prefix.as_slice(), &entry.name].concat())?, DEFAULT_DIR_FD),
        EntryPaths::Descriptor(fd) => {
            let name = decoded(py, &entry.name)?;
            (name.clone(), name, *fd)
        }
    };
    dir_entries::dir_entry(name, path, entry.kind, entry.identity, dir_fd)
}

/// A name or path from the host as CPython decodes one natively: the file system encoding,
/// UTF-8 with surrogate escapes.
fn decoded<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: the pointer and length are the bytes, alive for the call; the result is a new
    // reference or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_DecodeFSDefaultAndSize(bytes.as_ptr().cast(), bytes.len() as ffi::Py_ssize_t)) }
}

/// Where `given` (with `dir_fd`) leads: the path CPython names in its errors, the `wasi:filesystem`
/// handle of the given folder it lies in, and the path within that folder; an error for a `dir_fd`
/// that names no folder; None when the stand-ins should answer (see the module's docs).
fn located<'py>(given: &Bound<'py, PyAny>, dir_fd: Option<i32>) -> Option<PyResult<(Bound<'py, PyAny>, u32, String)>> {
    if !crate::signal_words::run_began() {
        return None;
    }
    let (path, text) = path_text(given)?;
    if text.is_empty() || text.contains('\0') || names_null_device(&text) {
        return None;
    }
    let (folder, within) = match dir_fd {
        Some(fd) if !text.starts_with('/') => (fd, text),
        _ => find_folder(&text)?,
    };
    let handle = match descriptors::holder(folder) {
        Holder::File(handle) => handle,
        // What Linux says of a `dir_fd` that is closed, or open on no folder (a socket, a pipe).
        Holder::Nothing if dir_fd.is_some() => return Some(Err(named_error(Errno::Ebadf, path))),
        Holder::Other if dir_fd.is_some() => return Some(Err(named_error(Errno::Enotdir, path))),
        _ => return None,
    };
    let within = if within.is_empty() { ".".to_string() } else { within };
    Some(Ok((path, handle, within)))
}

/// A failed lookup's exception naming `path`, for the errors the host's resolution shares with
/// `wasi:filesystem`'s; None (the stand-ins) for any other.
fn lookup_error<T>(e: crate::bindings::pysock::net::types::Errno, path: Bound<'_, PyAny>) -> Option<PyResult<T>> {
    match crate::host::errno(e) {
        code @ (Errno::Enoent | Errno::Enotdir) => Some(Err(named_error(code, path))),
        _ => None,
    }
}

/// OSError (the subclass `code` picks) naming `path`, as CPython's `path_error` makes it.
fn named_error(code: Errno, path: Bound<'_, PyAny>) -> PyErr {
    PyOSError::new_err((crate::errors::errno_number(code), pysock_guest::errno::message(code), path.unbind()))
}

/// The path `given` names (a str, bytes, or what `__fspath__` gives, which CPython's errors name)
/// and its text, as the host takes it (UTF-8); None for anything else (a descriptor), or a path
/// that is not UTF-8 (a str with lone surrogates).
fn path_text<'py>(given: &Bound<'py, PyAny>) -> Option<(Bound<'py, PyAny>, String)> {
    let path = if given.is_exact_instance_of::<PyString>() || given.is_exact_instance_of::<PyBytes>() {
        given.clone()
    } else if !given.is_instance_of::<PyInt>() && given.get_type().hasattr(intern!(given.py(), "__fspath__")).ok()? {
        // SAFETY: PyOS_FSPath returns a new reference, or NULL with an exception set, which
        // `from_owned_ptr_or_err` takes (and dropping it here clears it: the stand-ins raise it anew).
        unsafe { Bound::from_owned_ptr_or_err(given.py(), ffi::PyOS_FSPath(given.as_ptr())) }.ok()?
    } else {
        return None;
    };
    let text = match path.cast::<PyString>() {
        Ok(text) => text.to_str().ok()?.to_owned(),
        Err(_) => String::from_utf8(path.cast::<PyBytes>().ok()?.as_bytes().to_vec()).ok()?,
    };
    Some((path, text))
}

/// Whether `path` is `/dev/null` as Linux resolves it ("//dev/./null" too), which `null_device.py` answers.
fn names_null_device(path: &str) -> bool {
    if !path.starts_with('/') {
        return false;
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts == ["dev", "null"]
}

/// The given folder that holds `path` (from the working folder), and `path` within it, as WASI's
/// libc finds them for its own calls; None when no folder holds it.
fn find_folder(path: &str) -> Option<(i32, String)> {
    let path = CString::new(path).ok()?;
    RELATIVE.with(|relative| {
        let (mut buffer, mut length) = relative.get();
        let mut prefix = std::ptr::null();
        // SAFETY: `path` is NUL-terminated; `buffer` is NULL or libc's allocation of `length`
        // bytes, which libc may realloc (can_realloc) and writes the NUL-terminated path into.
        let folder = unsafe { __wasilibc_find_relpath_alloc(path.as_ptr(), &mut prefix, &mut buffer, &mut length, 1) };
        relative.set((buffer, length));
        if folder < 0 || buffer.is_null() {
            return None;
        }
        // SAFETY: on success libc wrote a NUL-terminated path into `buffer`.
        let within = unsafe { CStr::from_ptr(buffer) }.to_str().ok()?.to_owned();
        Some((folder, within))
    })
}

/// `os.stat_result` of `found`, as WASI's libc and the stand-ins make it: st_uid, st_gid and
/// st_rdev 0, st_dev 1, the times CPython's way (float seconds and whole nanoseconds), a time the
/// host has none of as 0.
fn stat_result<'py>(py: Python<'py>, found: &files::FileStat) -> PyResult<Bound<'py, PyAny>> {
    let (kind, at) = RESULT_TYPE.with(|cell| -> PyResult<_> {
        if cell.get().is_none() {
            let _ = cell.set(result_type(py)?);
        }
        let (kind, at) = cell.get().expect("set above");
        Ok((kind.clone_ref(py), *at))
    })?;
    // SAFETY: `os.stat_result` is a struct sequence type; New returns a new reference with every
    // item empty, or NULL with an exception set.
    let result = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyStructSequence_New(kind.bind(py).as_type_ptr()))? };
    let times = [found.access, found.modification, found.status_change].map(|t| t.unwrap_or(Datetime { seconds: 0, nanoseconds: 0 }));
    let whole = |t: &Datetime| t.seconds.into_pyobject(py).map(Bound::into_any);
    let float = |t: &Datetime| (t.seconds as f64 + f64::from(t.nanoseconds) * 1e-9).into_pyobject(py).map(Bound::into_any);
    let nanoseconds = |t: &Datetime| (u128::from(t.seconds) * 1_000_000_000 + u128::from(t.nanoseconds)).into_pyobject(py).map(Bound::into_any);
    let int = |n: u64| n.into_pyobject(py).map(Bound::into_any);
    let items = [
        int(u64::from(found.mode))?,
        int(found.identity)?,
        int(DEVICE)?,
        int(found.link_count)?,
        int(0)?,
        int(0)?,
        int(found.size)?,
        whole(&times[0])?,
        whole(&times[1])?,
        whole(&times[2])?,
        float(&times[0])?,
        float(&times[1])?,
        float(&times[2])?,
        nanoseconds(&times[0])?,
        nanoseconds(&times[1])?,
        nanoseconds(&times[2])?,
        int(found.block_size)?,
        int(found.blocks)?,
        int(0)?,
    ];
    for (item, at) in items.into_iter().zip(at) {
        // SAFETY: `at` is one of the new result's items (found by `result_type`), empty until now;
        // SetItem steals the reference `into_ptr` gives up.
        unsafe { ffi::PyStructSequence_SetItem(result.as_ptr(), at as ffi::Py_ssize_t, item.into_ptr()) };
    }
    Ok(result)
}

/// `os.stat_result` and where each of [`FIELD_NAMES`] is among its items (builtin_function.py
/// finds the hidden ones); the three unnamed whole-second times follow st_size.
fn result_type(py: Python<'_>) -> PyResult<(Py<pyo3::types::PyType>, [usize; 19])> {
    let kind = py.import("os")?.getattr("stat_result")?.cast_into::<pyo3::types::PyType>()?;
    let fields = py.import("_pysock")?.getattr("_builtin_function")?.call_method0("_stat_result_fields")?;
    let mut at = [0; 19];
    for (i, name) in FIELD_NAMES.iter().enumerate() {
        at[i] = if name.is_empty() { i } else { fields.get_item(name)?.extract()? };
    }
    let total: usize = kind.getattr("n_fields")?.extract()?;
    if at.iter().any(|&i| i >= total) {
        return Err(pyo3::exceptions::PySystemError::new_err("pysock: os.stat_result has fewer fields than Linux's"));
    }
    Ok((kind.unbind(), at))
}

/// Puts `_quick_stat` in front of `os.stat` and `os.lstat`, `_quick_listdir` in front of
/// `os.listdir` and `_quick_fstat` in front of `os.fstat` (as C functions of `posix`, with their
/// signatures): lib.rs calls it after every other stand-in for them is in place.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let os = py.import("os")?;
    let partial = py.import("functools")?.getattr("partial")?;
    let parse_arguments = py.import("_pysock")?.getattr("_builtin_function")?.getattr("parse_arguments")?;
    let quick_stat = wrap_pyfunction!(_quick_stat, py)?;
    let quick_listdir = wrap_pyfunction!(_quick_listdir, py)?;
    let quick_fstat = wrap_pyfunction!(_quick_fstat, py)?;
    let quick_scandir = wrap_pyfunction!(_quick_scandir, py)?;
    let scandir_base = py.get_type::<ScandirIterator>();
    scandir_base.setattr("__del__", crate::buffer::instance_method(wrap_pyfunction!(scandir_finalize, py)?.as_any())?)?;
    let namespace = PyDict::new(py);
    namespace.set_item("__slots__", PyTuple::empty(py))?;
    namespace.set_item("__module__", "posix")?;
    let scandir_type = py.get_type::<pyo3::types::PyType>().call1(("ScandirIterator", (scandir_base,), namespace))?;
    let _ = SCANDIR_ITERATOR.set(scandir_type.unbind());
    let _ = SCANDIR_KEY.set(py.get_type::<PyAny>().call0()?.unbind());
    let mut made = Vec::new();
    // Each C function's parameters, its optional ones' defaults, and how many may come by position.
    let parameters: [(&str, &[&str], &[&str], usize); 5] = [
        ("stat", &["path", "dir_fd", "follow_symlinks"], &["dir_fd", "follow_symlinks"], 1),
        ("lstat", &["path", "dir_fd"], &["dir_fd"], 1),
        ("listdir", &["path"], &["path"], 1),
        ("scandir", &["path"], &["path"], 1),
        ("fstat", &["fd"], &[], 1),
    ];
    for (name, names, optional, positional) in parameters {
        let slow = os.getattr(name)?;
        let defaults = PyDict::new(py);
        for parameter in optional {
            defaults.set_item(parameter, py.None())?;
        }
        let kwargs = PyDict::new(py);
        kwargs.set_item("positional", positional)?;
        let check = partial.call((&parse_arguments, name, names.to_vec(), defaults), Some(&kwargs))?;
        let function = match name {
            "listdir" => partial.call1((&quick_listdir, &slow, &check))?,
            "scandir" => partial.call1((&quick_scandir, &slow, &check))?,
            "fstat" => partial.call1((&quick_fstat, &slow, &check))?,
            _ => partial.call1((&quick_stat, &slow, &check, name == "lstat"))?,
        };
        function.setattr("__name__", name)?;
        function.setattr("__doc__", slow.getattr("__doc__")?)?;
        function.setattr("__wrapped__", &slow)?;
        made.push(function);
    }
    // Both take a folder's descriptor now, as on Linux (where both are fdopendir's): `shutil.rmtree`
    // reads that `os.scandir` does, and walks by descriptors, which links cannot redirect.
    let made = py.import("_pysock")?.getattr("_builtin_function")?.getattr("stand_in_for_os")?.call1(PyTuple::new(py, made)?)?;
    let supports_fd = os.getattr("supports_fd")?;
    for function in made.try_iter()? {
        let function = function?;
        if ["listdir", "scandir"].contains(&function.getattr("__name__")?.extract::<String>()?.as_str()) {
            supports_fd.call_method1("add", (function,))?;
        }
    }
    Ok(())
}
