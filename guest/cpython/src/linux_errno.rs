//! Linux's errno numbers and words, wherever Python sees an errno.
//!
//! wasi-libc numbers errnos its own way (EBADF 8, EINVAL 28, ECONNREFUSED 14, where Linux has 9, 22
//! and 111) and words some as musl does ("No file descriptors available", "Not a tty"). CPython on
//! Linux shows Linux's numbers and glibc's words: in every OSError ("[Errno 111] Connection
//! refused"), in `errno`'s names and `errorcode`, in `os.strerror`, and in what programs compare
//! `e.errno` with or print. [`install`] makes the interpreter show Linux's throughout:
//! - `errno`'s names and `errorcode` become Linux's (ENOTCAPABLE, WASI's own, goes);
//! - `os.strerror` takes Linux's numbers and gives glibc's words;
//! - calling OSError, or one of its C subclasses, turns an OSError that the interpreter's C code
//!   raises from libc's errno (`PyErr_SetFromErrno`: libc's number and libc's own words for it) into
//!   Linux's number and glibc's words, and picks the subclass by Linux's number, as CPython's
//!   errnomap does (`OSError(111, "x")` is a ConnectionRefusedError, `OSError(14, "x")` a plain
//!   OSError for EFAULT).
//!
//! The call is intercepted as the type object's `tp_vectorcall`, which CPython uses for every call
//! of the type (`OSError(...)` in Python, `PyObject_Call` from `PyErr_SetFromErrno`) and which no
//! subclass inherits. `tp_new` stays CPython's: a program's own subclasses inherit it, and CPython
//! compares it to decide where such a subclass takes its arguments (`__new__` or `__init__`) and
//! whether `OSError.__new__(subclass)` is safe, so replacing it would change them.
//!
//! libc itself keeps its numbers: the errno pysock's libc functions set is [`libc_number`]'s.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use pysock_guest::errno::{self, Errno};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

// Linux's `errno` module (CPython 3.11 and 3.13 on x86-64 and arm64 alike): every name, and
// `errorcode` with glibc's strerror(3) for each number.
const LINUX_NAMES: [(&str, i32); 133] = [
    ("EPERM", 1), ("ENOENT", 2), ("ESRCH", 3), ("EINTR", 4), ("EIO", 5), ("ENXIO", 6), ("E2BIG", 7),
    ("ENOEXEC", 8), ("EBADF", 9), ("ECHILD", 10), ("EAGAIN", 11), ("EWOULDBLOCK", 11), ("ENOMEM", 12),
    ("EACCES", 13), ("EFAULT", 14), ("ENOTBLK", 15), ("EBUSY", 16), ("EEXIST", 17), ("EXDEV", 18),
    ("ENODEV", 19), ("ENOTDIR", 20), ("EISDIR", 21), ("EINVAL", 22), ("ENFILE", 23), ("EMFILE", 24),
    ("ENOTTY", 25), ("ETXTBSY", 26), ("EFBIG", 27), ("ENOSPC", 28), ("ESPIPE", 29), ("EROFS", 30),
    ("EMLINK", 31), ("EPIPE", 32), ("EDOM", 33), ("ERANGE", 34), ("EDEADLK", 35), ("EDEADLOCK", 35),
    ("ENAMETOOLONG", 36), ("ENOLCK", 37), ("ENOSYS", 38), ("ENOTEMPTY", 39), ("ELOOP", 40), ("ENOMSG", 42),
    ("EIDRM", 43), ("ECHRNG", 44), ("EL2NSYNC", 45), ("EL3HLT", 46), ("EL3RST", 47), ("ELNRNG", 48),
    ("EUNATCH", 49), ("ENOCSI", 50), ("EL2HLT", 51), ("EBADE", 52), ("EBADR", 53), ("EXFULL", 54),
    ("ENOANO", 55), ("EBADRQC", 56), ("EBADSLT", 57), ("EBFONT", 59), ("ENOSTR", 60), ("ENODATA", 61),
    ("ETIME", 62), ("ENOSR", 63), ("ENONET", 64), ("ENOPKG", 65), ("EREMOTE", 66), ("ENOLINK", 67),
    ("EADV", 68), ("ESRMNT", 69), ("ECOMM", 70), ("EPROTO", 71), ("EMULTIHOP", 72), ("EDOTDOT", 73),
    ("EBADMSG", 74), ("EOVERFLOW", 75), ("ENOTUNIQ", 76), ("EBADFD", 77), ("EREMCHG", 78), ("ELIBACC", 79),
    ("ELIBBAD", 80), ("ELIBSCN", 81), ("ELIBMAX", 82), ("ELIBEXEC", 83), ("EILSEQ", 84), ("ERESTART", 85),
    ("ESTRPIPE", 86), ("EUSERS", 87), ("ENOTSOCK", 88), ("EDESTADDRREQ", 89), ("EMSGSIZE", 90),
    ("EPROTOTYPE", 91), ("ENOPROTOOPT", 92), ("EPROTONOSUPPORT", 93), ("ESOCKTNOSUPPORT", 94),
    ("ENOTSUP", 95), ("EOPNOTSUPP", 95), ("EPFNOSUPPORT", 96), ("EAFNOSUPPORT", 97), ("EADDRINUSE", 98),
    ("EADDRNOTAVAIL", 99), ("ENETDOWN", 100), ("ENETUNREACH", 101), ("ENETRESET", 102), ("ECONNABORTED", 103),
    ("ECONNRESET", 104), ("ENOBUFS", 105), ("EISCONN", 106), ("ENOTCONN", 107), ("ESHUTDOWN", 108),
    ("ETOOMANYREFS", 109), ("ETIMEDOUT", 110), ("ECONNREFUSED", 111), ("EHOSTDOWN", 112),
    ("EHOSTUNREACH", 113), ("EALREADY", 114), ("EINPROGRESS", 115), ("ESTALE", 116), ("EUCLEAN", 117),
    ("ENOTNAM", 118), ("ENAVAIL", 119), ("EISNAM", 120), ("EREMOTEIO", 121), ("EDQUOT", 122),
    ("ENOMEDIUM", 123), ("EMEDIUMTYPE", 124), ("ECANCELED", 125), ("ENOKEY", 126), ("EKEYEXPIRED", 127),
    ("EKEYREVOKED", 128), ("EKEYREJECTED", 129), ("EOWNERDEAD", 130), ("ENOTRECOVERABLE", 131),
    ("ERFKILL", 132),
];
const LINUX_CODES: [(i32, &str, &str); 130] = [
    (1, "EPERM", "Operation not permitted"),
    (2, "ENOENT", "No such file or directory"),
    (3, "ESRCH", "No such process"),
    (4, "EINTR", "Interrupted system call"),
    (5, "EIO", "Input/output error"),
    (6, "ENXIO", "No such device or address"),
    (7, "E2BIG", "Argument list too long"),
    (8, "ENOEXEC", "Exec format error"),
    (9, "EBADF", "Bad file descriptor"),
    (10, "ECHILD", "No child processes"),
    (11, "EAGAIN", "Resource temporarily unavailable"),
    (12, "ENOMEM", "Cannot allocate memory"),
    (13, "EACCES", "Permission denied"),
    (14, "EFAULT", "Bad address"),
    (15, "ENOTBLK", "Block device required"),
    (16, "EBUSY", "Device or resource busy"),
    (17, "EEXIST", "File exists"),
    (18, "EXDEV", "Invalid cross-device link"),
    (19, "ENODEV", "No such device"),
    (20, "ENOTDIR", "Not a directory"),
    (21, "EISDIR", "Is a directory"),
    (22, "EINVAL", "Invalid argument"),
    (23, "ENFILE", "Too many open files in system"),
    (24, "EMFILE", "Too many open files"),
    (25, "ENOTTY", "Inappropriate ioctl for device"),
    (26, "ETXTBSY", "Text file busy"),
    (27, "EFBIG", "File too large"),
    (28, "ENOSPC", "No space left on device"),
    (29, "ESPIPE", "Illegal seek"),
    (30, "EROFS", "Read-only file system"),
    (31, "EMLINK", "Too many links"),
    (32, "EPIPE", "Broken pipe"),
    (33, "EDOM", "Numerical argument out of domain"),
    (34, "ERANGE", "Numerical result out of range"),
    (35, "EDEADLOCK", "Resource deadlock avoided"),
    (36, "ENAMETOOLONG", "File name too long"),
    (37, "ENOLCK", "No locks available"),
    (38, "ENOSYS", "Function not implemented"),
    (39, "ENOTEMPTY", "Directory not empty"),
    (40, "ELOOP", "Too many levels of symbolic links"),
    (42, "ENOMSG", "No message of desired type"),
    (43, "EIDRM", "Identifier removed"),
    (44, "ECHRNG", "Channel number out of range"),
    (45, "EL2NSYNC", "Level 2 not synchronized"),
    (46, "EL3HLT", "Level 3 halted"),
    (47, "EL3RST", "Level 3 reset"),
    (48, "ELNRNG", "Link number out of range"),
    (49, "EUNATCH", "Protocol driver not attached"),
    (50, "ENOCSI", "No CSI structure available"),
    (51, "EL2HLT", "Level 2 halted"),
    (52, "EBADE", "Invalid exchange"),
    (53, "EBADR", "Invalid request descriptor"),
    (54, "EXFULL", "Exchange full"),
    (55, "ENOANO", "No anode"),
    (56, "EBADRQC", "Invalid request code"),
    (57, "EBADSLT", "Invalid slot"),
    (59, "EBFONT", "Bad font file format"),
    (60, "ENOSTR", "Device not a stream"),
    (61, "ENODATA", "No data available"),
    (62, "ETIME", "Timer expired"),
    (63, "ENOSR", "Out of streams resources"),
    (64, "ENONET", "Machine is not on the network"),
    (65, "ENOPKG", "Package not installed"),
    (66, "EREMOTE", "Object is remote"),
    (67, "ENOLINK", "Link has been severed"),
    (68, "EADV", "Advertise error"),
    (69, "ESRMNT", "Srmount error"),
    (70, "ECOMM", "Communication error on send"),
    (71, "EPROTO", "Protocol error"),
    (72, "EMULTIHOP", "Multihop attempted"),
    (73, "EDOTDOT", "RFS specific error"),
    (74, "EBADMSG", "Bad message"),
    (75, "EOVERFLOW", "Value too large for defined data type"),
    (76, "ENOTUNIQ", "Name not unique on network"),
    (77, "EBADFD", "File descriptor in bad state"),
    (78, "EREMCHG", "Remote address changed"),
    (79, "ELIBACC", "Can not access a needed shared library"),
    (80, "ELIBBAD", "Accessing a corrupted shared library"),
    (81, "ELIBSCN", ".lib section in a.out corrupted"),
    (82, "ELIBMAX", "Attempting to link in too many shared libraries"),
    (83, "ELIBEXEC", "Cannot exec a shared library directly"),
    (84, "EILSEQ", "Invalid or incomplete multibyte or wide character"),
    (85, "ERESTART", "Interrupted system call should be restarted"),
    (86, "ESTRPIPE", "Streams pipe error"),
    (87, "EUSERS", "Too many users"),
    (88, "ENOTSOCK", "Socket operation on non-socket"),
    (89, "EDESTADDRREQ", "Destination address required"),
    (90, "EMSGSIZE", "Message too long"),
    (91, "EPROTOTYPE", "Protocol wrong type for socket"),
    (92, "ENOPROTOOPT", "Protocol not available"),
    (93, "EPROTONOSUPPORT", "Protocol not supported"),
    (94, "ESOCKTNOSUPPORT", "Socket type not supported"),
    (95, "ENOTSUP", "Operation not supported"),
    (96, "EPFNOSUPPORT", "Protocol family not supported"),
    (97, "EAFNOSUPPORT", "Address family not supported by protocol"),
    (98, "EADDRINUSE", "Address already in use"),
    (99, "EADDRNOTAVAIL", "Cannot assign requested address"),
    (100, "ENETDOWN", "Network is down"),
    (101, "ENETUNREACH", "Network is unreachable"),
    (102, "ENETRESET", "Network dropped connection on reset"),
    (103, "ECONNABORTED", "Software caused connection abort"),
    (104, "ECONNRESET", "Connection reset by peer"),
    (105, "ENOBUFS", "No buffer space available"),
    (106, "EISCONN", "Transport endpoint is already connected"),
    (107, "ENOTCONN", "Transport endpoint is not connected"),
    (108, "ESHUTDOWN", "Cannot send after transport endpoint shutdown"),
    (109, "ETOOMANYREFS", "Too many references: cannot splice"),
    (110, "ETIMEDOUT", "Connection timed out"),
    (111, "ECONNREFUSED", "Connection refused"),
    (112, "EHOSTDOWN", "Host is down"),
    (113, "EHOSTUNREACH", "No route to host"),
    (114, "EALREADY", "Operation already in progress"),
    (115, "EINPROGRESS", "Operation now in progress"),
    (116, "ESTALE", "Stale file handle"),
    (117, "EUCLEAN", "Structure needs cleaning"),
    (118, "ENOTNAM", "Not a XENIX named type file"),
    (119, "ENAVAIL", "No XENIX semaphores available"),
    (120, "EISNAM", "Is a named type file"),
    (121, "EREMOTEIO", "Remote I/O error"),
    (122, "EDQUOT", "Disk quota exceeded"),
    (123, "ENOMEDIUM", "No medium found"),
    (124, "EMEDIUMTYPE", "Wrong medium type"),
    (125, "ECANCELED", "Operation canceled"),
    (126, "ENOKEY", "Required key not available"),
    (127, "EKEYEXPIRED", "Key has expired"),
    (128, "EKEYREVOKED", "Key has been revoked"),
    (129, "EKEYREJECTED", "Key was rejected by service"),
    (130, "EOWNERDEAD", "Owner died"),
    (131, "ENOTRECOVERABLE", "State not recoverable"),
    (132, "ERFKILL", "Operation not possible due to RF-kill"),
];

/// What [`install`] learnt from the interpreter before it changed anything.
struct Libc {
    /// libc's number for each of `errno`'s names.
    numbers: HashMap<String, i32>,
    /// For each of libc's numbers (the index): Linux's number, and libc's words for it.
    to_linux: Vec<(i32, Py<PyString>)>,
    /// The subclass CPython's errnomap gives each Linux number.
    classes: HashMap<i64, Py<PyType>>,
    /// libc's numbers that the interpreter's own errnomap sends to a subclass.
    mapped: HashSet<i64>,
    /// libc's EAGAIN, which `_io` gives BlockingIOError with words of its own.
    again: i64,
}

static LIBC: OnceLock<Libc> = OnceLock::new();

/// The words `_io` gives the BlockingIOError of a buffered write that would block
/// (`_set_BlockingIOError` in Modules/_io/bufferedio.c).
const IO_WOULD_BLOCK: &str = "write could not complete without blocking";

/// glibc's strerror(3) for Linux's `number`.
pub fn words(number: i32) -> Cow<'static, str> {
    match LINUX_CODES.binary_search_by_key(&number, |(n, _, _)| *n) {
        Ok(at) => Cow::Borrowed(LINUX_CODES[at].2),
        // The two glibc words no `errno` name has (133 is EHWPOISON, which CPython does not name).
        Err(_) if number == 0 => Cow::Borrowed("Success"),
        Err(_) if number == 133 => Cow::Borrowed("Memory page has hardware error"),
        Err(_) => Cow::Owned(format!("Unknown error {number}")),
    }
}

/// libc's number for the errno named `name` (EIO's for one libc does not have: ESOCKTNOSUPPORT,
/// EHOSTDOWN), for the errno a libc function of pysock's sets.
pub fn libc_number_named(name: &str) -> i32 {
    // Before `install` (an app that imported `_pysock` and has not installed it): wasi-libc's EIO.
    LIBC.get().and_then(|libc| libc.numbers.get(name).or_else(|| libc.numbers.get("EIO"))).copied().unwrap_or(29)
}

/// libc's number for `code`.
pub fn libc_number(code: Errno) -> i32 {
    libc_number_named(errno::name(code))
}

/// Linux's number and glibc's words for libc's errno `number`, as `PyErr_SetFromErrno` would
/// raise it on Linux.
pub fn from_libc(number: i32) -> (i32, Cow<'static, str>) {
    let linux = LIBC.get().and_then(|libc| libc.to_linux.get(usize::try_from(number).ok()?)).map_or(number, |(linux, _)| *linux);
    (linux, words(linux))
}

/// Linux's number for the errno named `name`.
pub fn linux_number(name: &str) -> Option<i32> {
    LINUX_NAMES.iter().find(|(n, _)| *n == name).map(|(_, number)| *number)
}

/// Linux's number for `code`.
pub fn number(code: Errno) -> i32 {
    static NUMBERS: OnceLock<Vec<i32>> = OnceLock::new();
    let numbers = NUMBERS.get_or_init(|| errno::ALL.iter().map(|code| linux_number(errno::name(*code)).expect("Linux names every errno pysock reports")).collect());
    numbers[code as usize]
}

/// Makes `errno`, `os.strerror` and OSError Linux's (see the module's docs). First in
/// `_pysock.install()`, before anything asks for an errno number, and once.
pub fn install(py: Python<'_>) -> PyResult<()> {
    if LIBC.get().is_some() {
        return Ok(());
    }
    let errno_module = py.import("errno")?;
    let os = py.import("os")?;
    let os_error = py.get_type::<pyo3::exceptions::PyOSError>();
    let mut numbers = HashMap::new();
    for name in errno_module.dir()?.iter() {
        let name: String = name.extract()?;
        if name.starts_with('E') {
            numbers.insert(name.clone(), errno_module.getattr(name.as_str())?.extract::<i32>()?);
        }
    }
    let last = numbers.values().copied().max().unwrap_or(0);
    let mut to_linux = Vec::new();
    let (mut classes, mut mapped) = (HashMap::new(), HashSet::new());
    for number in 0..=last {
        // Every name of a number means one errno, so any of them gives Linux's number; WASI's
        // ENOTCAPABLE, a sandbox's refusal, is Linux's EACCES, as a Linux program sees a refusal.
        let names = numbers.iter().filter(|(_, n)| **n == number).map(|(name, _)| linux_number(if name == "ENOTCAPABLE" { "EACCES" } else { name }));
        let linux = names.clone().flatten().min().unwrap_or(number);
        to_linux.push((linux, os.call_method1("strerror", (number,))?.cast_into::<PyString>()?.unbind()));
        let class = os_error.call1((number, ""))?.get_type();
        if !class.is(&os_error) {
            mapped.insert(i64::from(number));
            // Both of a number's names: libc's EPIPE is its ESHUTDOWN too, which are two numbers on
            // Linux, both BrokenPipeError.
            for linux in names.flatten() {
                classes.insert(i64::from(linux), class.clone().unbind());
            }
        }
    }
    let again = numbers.get("EAGAIN").map_or(-1, |n| i64::from(*n));
    if LIBC.set(Libc { numbers, to_linux, classes, mapped, again }).is_err() {
        return Ok(());
    }

    let errorcode = errno_module.getattr("errorcode")?.cast_into::<PyDict>()?;
    for name in LIBC.get().expect("set above").numbers.keys() {
        if linux_number(name).is_none() {
            errno_module.delattr(name.as_str())?;
        }
    }
    for (name, number) in LINUX_NAMES {
        errno_module.setattr(name, number)?;
    }
    errorcode.clear();
    for (number, name, _) in LINUX_CODES {
        errorcode.set_item(number, name)?;
    }
    let posix = py.import("posix")?;
    let ours = wrap_pyfunction!(strerror, &posix)?;
    posix.setattr("strerror", &ours)?;
    os.setattr("strerror", &ours)?;
    intercept_calls(&os_error)
}

/// Makes [`os_error_call`] what calling `class`, and each of its subclasses that CPython defines in
/// C, runs. A program's own subclasses are left as CPython makes them: what they raise is the
/// program's, with Linux's numbers already.
fn intercept_calls(class: &Bound<'_, PyType>) -> PyResult<()> {
    // SAFETY: `class` is a live type object, and `tp_vectorcall` a plain field of it (this CPython
    // is not built for the limited API) that CPython reads on each call of the type; only this
    // thread runs Python. The function stays for the interpreter's life.
    unsafe { (*class.as_type_ptr()).tp_vectorcall = Some(os_error_call) };
    for subclass in class.call_method0("__subclasses__")?.try_iter()? {
        let subclass = subclass?.cast_into::<PyType>()?;
        // SAFETY: reading a plain field of a live type.
        if unsafe { (*subclass.as_type_ptr()).tp_flags } & ffi::Py_TPFLAGS_HEAPTYPE == 0 {
            intercept_calls(&subclass)?;
        }
    }
    Ok(())
}

/// Calling OSError or a C subclass of it: see the module's docs.
unsafe extern "C" fn os_error_call(class: *mut ffi::PyObject, args: *const *mut ffi::PyObject, nargsf: usize, kwnames: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls a type's vectorcall attached, with the type, `PyVectorcall_NARGS(nargsf)`
    // positional arguments then the values of the keywords `kwnames` (a tuple, or NULL) names, all
    // borrowed for the call; the Bounds below borrow them for this call only.
    let py = unsafe { Python::assume_attached() };
    let class = unsafe { Bound::from_borrowed_ptr(py, class).cast_into_unchecked::<PyType>() };
    // SAFETY: as above: `args` holds `count` positional values and then one per keyword name.
    let count = unsafe { ffi::PyVectorcall_NARGS(nargsf) } as usize;
    let given = |at: usize| unsafe { Bound::from_borrowed_ptr(py, *args.add(at)) };
    let made = (|| -> PyResult<Bound<'_, PyAny>> {
        let positional = PyTuple::new(py, (0..count).map(given))?;
        // SAFETY: `kwnames` is the call's tuple of keyword names, or NULL.
        let keywords = match unsafe { Bound::from_borrowed_ptr_or_opt(py, kwnames) } {
            Some(names) => {
                let keywords = PyDict::new(py);
                for (at, name) in names.try_iter()?.enumerate() {
                    keywords.set_item(name?, given(count + at))?;
                }
                Some(keywords)
            }
            None => None,
        };
        let libc = LIBC.get().expect("installed with the tables");
        let (class, positional, placeholder) = linux_arguments(libc, &class, positional, keywords.is_some())?;
        let call_args = match &placeholder {
            Some(_) => {
                let mut items = positional.iter().collect::<Vec<_>>();
                items[0] = py.None().into_bound(py);
                PyTuple::new(py, items)?
            }
            None => positional.clone(),
        };
        // `type.__call__`, which is what calling the type ran before (it makes the exception with
        // the type's `tp_new` and `tp_init`), without coming back here.
        // SAFETY: reading a plain field of `type`, a live static type.
        let type_call = unsafe { (*std::ptr::addr_of!(ffi::PyType_Type)).tp_call }.expect("type is callable");
        let keywords_ptr = keywords.as_ref().map_or(std::ptr::null_mut(), |k| k.as_ptr());
        // SAFETY: `type.__call__` with a live type, an argument tuple and a keyword dict or NULL; it
        // returns a new reference or NULL with an exception set.
        let made = unsafe { Bound::from_owned_ptr_or_err(py, type_call(class.as_ptr(), call_args.as_ptr(), keywords_ptr))? };
        if let Some(number) = placeholder {
            made.setattr("errno", number)?;
            // As OSError's own init: with a filename, `args` keeps the errno and the words alone.
            let named = positional.len() >= 3 && !positional.get_item(2)?.is_none();
            made.setattr("args", if named { positional.get_slice(0, 2) } else { positional })?;
        }
        Ok(made)
    })();
    match made {
        Ok(made) => made.into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

/// The class and arguments `class(*args)` makes its exception of on Linux, and the errno that must
/// go in after it is made from a placeholder (so that the interpreter's errnomap, which has libc's
/// numbers, does not pick a subclass by Linux's).
#[allow(clippy::type_complexity)]
fn linux_arguments<'py>(libc: &Libc, class: &Bound<'py, PyType>, mut args: Bound<'py, PyTuple>, keywords: bool) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>, Option<Bound<'py, PyAny>>)> {
    let py = class.py();
    if let (Ok(number), Ok(given)) = (args.get_item(0), args.get_item(1)) {
        let exact_int = number.is_exact_instance_of::<pyo3::types::PyInt>();
        let from_libc = (exact_int && given.is_exact_instance_of::<PyString>())
            .then(|| number.extract::<usize>().ok().and_then(|n| libc.to_linux.get(n)))
            .flatten()
            .filter(|(_, libc_words)| given.eq(libc_words.bind(py)).unwrap_or(false))
            .map(|(linux, _)| (*linux, PyString::new(py, &words(*linux)).into_any()));
        // `_io`'s buffered writes raise BlockingIOError with libc's EAGAIN and words of their own.
        let again = (exact_int
            && class.is(&py.get_type::<pyo3::exceptions::PyBlockingIOError>())
            && number.extract::<i64>().ok() == Some(libc.again)
            && given.eq(IO_WOULD_BLOCK).unwrap_or(false))
            .then(|| (linux_number("EAGAIN").expect("Linux has EAGAIN"), given.clone()));
        if let Some((linux, words)) = from_libc.or(again) {
            let mut items = args.iter().collect::<Vec<_>>();
            items[0] = linux.into_pyobject(py)?.into_any();
            items[1] = words;
            args = PyTuple::new(py, items)?;
        }
    }
    // As CPython's OSError_new: OSError itself, with no keywords and two to five arguments, the
    // first an int.
    let os_error = py.get_type::<pyo3::exceptions::PyOSError>();
    let unmapped = (class.clone(), args.clone(), None);
    if !class.is(&os_error) || keywords || !(2..=5).contains(&args.len()) {
        return Ok(unmapped);
    }
    let number = args.get_item(0)?;
    let Some(key) = number.is_instance_of::<pyo3::types::PyInt>().then(|| number.extract::<i64>().ok()).flatten() else {
        return Ok(unmapped);
    };
    if let Some(subclass) = libc.classes.get(&key) {
        return Ok((subclass.bind(py).clone(), args, None));
    }
    let placeholder = libc.mapped.contains(&key).then_some(number);
    Ok((class.clone(), args, placeholder))
}

/// Translate an error code to a message string.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "($module, code, /)")]
fn strerror(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
    // `strerror(code: int, /)`, which Argument Clinic makes METH_O.
    let args = crate::convert::exact_arguments("posix.strerror", args, kwargs, 1)?;
    Ok(words(crate::convert::c_int(&args[0])?).into_owned())
}
