//! Socket numbers from the interpreter's own descriptor table, so that a socket and a file never
//! share a number, and `os.read`, `os.write`, `os.close`, `os.fstat`, `os.get_blocking`,
//! `os.set_blocking` and `os.lseek` on a socket's number act on that socket, as on Linux
//! (`multiprocessing.connection` reads and writes its sockets with `os.read` and `os.write`).
//!
//! wasi-libc (for WASI p2) numbers every descriptor in one table whose entries carry a table of
//! functions, `descriptor_vtable_t`: its `read` calls the entry's `recvfrom` (there being no
//! stream to read), `write` its `sendto`, `close` its `free`, `fstat` its `fstat`, `fcntl` its
//! `fcntl_getfl` and `fcntl_setfl`, `lseek` its `seek`; an empty slot is an error there (`fstat`
//! and `free` excepted: those every entry has). Each descriptor of pysock's core is such an entry,
//! whose functions call the core.
//!
//! Linux numbers a process's sockets from 3, lowest free first, and programs print and compare
//! those numbers (a socket's repr shows it). libc numbers its table from a free list, and by the
//! time a program runs the sandbox's folders hold 3 and up. So [`reserve`], run by
//! `_pysock.install()` before the program touches a file, takes every number libc hands out below
//! FD_SETSIZE for the core, which numbers its sockets there lowest free first; files and folders
//! then get the numbers above, and sockets beyond those 1021 take whatever libc gives. A reserved
//! number stays in libc's table while no socket has it (its functions then say EBADF); closing a
//! socket from Python frees a number that is not reserved through `descriptor_table_remove`;
//! `os.close(n)` frees the number in libc first, and `free` then closes the socket behind it and
//! takes a reserved number back at once (libc hands out the number freed last).
//!
//! The table of functions is wasi-libc's private layout, the same in wasi-sdk 29 to 33, whose
//! `libc.so` componentize-py 0.25.1 ships. Later wasi-libc reordered it and dropped
//! `descriptor_table_get_ref`, which this module imports so that such a libc fails to link instead of
//! calling the wrong slots.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::errors::CoreResult;
use crate::linux_errno::libc_number;
use crate::with_core;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pysock_guest::host::Errno;
use pysock_guest::socket::PipeEnd;
use pysock_guest::timeout::CallError;
use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::mem::MaybeUninit;

/// An empty slot of the function table.
const NONE: usize = 0;

/// `descriptor_vtable_t` as wasi-sdk 29-33 lay it out for wasip2: 24 function pointers. Each
/// function's `data` is the descriptor's number, not a pointer (libc never reads it).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Vtable {
    pub free: unsafe extern "C" fn(*mut c_void),
    pub get_read_stream: usize,
    pub get_write_stream: usize,
    pub set_blocking: unsafe extern "C" fn(*mut c_void, bool) -> i32,
    pub fstat: unsafe extern "C" fn(*mut c_void, *mut u8) -> i32,
    /// A file's `wasi:filesystem` descriptor: writes its borrowed handle, returns 0.
    pub get_file: Option<unsafe extern "C" fn(*mut c_void, *mut u32) -> i32>,
    pub seek: unsafe extern "C" fn(*mut c_void, i64, i32) -> i64,
    pub close_streams: usize,
    pub fcntl_getfl: unsafe extern "C" fn(*mut c_void) -> i32,
    pub fcntl_setfl: unsafe extern "C" fn(*mut c_void, i32) -> i32,
    pub isatty: usize,
    pub socket_calls: [usize; 6],
    pub recvfrom: unsafe extern "C" fn(*mut c_void, *mut u8, usize, i32, *mut c_void, *mut u32) -> isize,
    pub sendto: unsafe extern "C" fn(*mut c_void, *const u8, usize, i32, *const c_void, u32) -> isize,
    pub more_socket_calls: [usize; 3],
    pub poll_register: usize,
    pub poll_finish: usize,
}

/// `descriptor_table_entry_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    pub data: *mut c_void,
    pub vtable: *const Vtable,
}

unsafe extern "C" {
    pub(crate) fn descriptor_table_insert(entry: Entry) -> i32;
    fn descriptor_table_remove(fd: i32) -> i32;
    fn descriptor_table_get_ref(fd: i32) -> *mut Entry;
    fn __errno_location() -> *mut i32;
    fn PyErr_SetInterruptEx(signum: i32) -> i32;
}

static VTABLE: Vtable = Vtable::of_stream_less(Functions {
    free,
    set_blocking,
    fstat,
    seek,
    fcntl_getfl,
    fcntl_setfl,
    read: recvfrom,
    write: sendto,
});

/// What a descriptor with no WASI stream behind it implements (the socket's, the null device's):
/// every other slot of its [`Vtable`] stays empty.
pub(crate) struct Functions {
    pub free: unsafe extern "C" fn(*mut c_void),
    pub set_blocking: unsafe extern "C" fn(*mut c_void, bool) -> i32,
    pub fstat: unsafe extern "C" fn(*mut c_void, *mut u8) -> i32,
    pub seek: unsafe extern "C" fn(*mut c_void, i64, i32) -> i64,
    pub fcntl_getfl: unsafe extern "C" fn(*mut c_void) -> i32,
    pub fcntl_setfl: unsafe extern "C" fn(*mut c_void, i32) -> i32,
    /// read(2), which libc sends to the entry's `recvfrom` when it has no stream to read.
    pub read: unsafe extern "C" fn(*mut c_void, *mut u8, usize, i32, *mut c_void, *mut u32) -> isize,
    /// write(2), which libc sends to the entry's `sendto`.
    pub write: unsafe extern "C" fn(*mut c_void, *const u8, usize, i32, *const c_void, u32) -> isize,
}

impl Vtable {
    pub(crate) const fn of_stream_less(f: Functions) -> Vtable {
        Vtable {
            free: f.free,
            get_read_stream: NONE,
            get_write_stream: NONE,
            set_blocking: f.set_blocking,
            fstat: f.fstat,
            get_file: None,
            seek: f.seek,
            close_streams: NONE,
            fcntl_getfl: f.fcntl_getfl,
            fcntl_setfl: f.fcntl_setfl,
            isatty: NONE,
            socket_calls: [NONE; 6],
            recvfrom: f.read,
            sendto: f.write,
            more_socket_calls: [NONE; 3],
            poll_register: NONE,
            poll_finish: NONE,
        }
    }
}

// wasi-libc's numbers (its fcntl.h and __mode_t.h).
pub(crate) const O_APPEND: i32 = 0x1;
pub(crate) const O_NONBLOCK: i32 = 0x4;
pub(crate) const O_RDONLY: i32 = 0x0400_0000;
pub(crate) const O_WRONLY: i32 = 0x1000_0000;
const O_RDWR: i32 = O_RDONLY | O_WRONLY;
const S_IFSOCK: u32 = 0xc000;
const S_IFIFO: u32 = 0x1000;
/// `sizeof(struct stat)` on wasm32, and where `st_dev`, `st_ino`, `st_nlink`, `st_mode` and
/// `st_blksize` (a 32-bit long) sit in it.
pub(crate) const STAT_SIZE: usize = 144;
pub(crate) const ST_DEV: usize = 0;
pub(crate) const ST_INO: usize = 8;
pub(crate) const ST_NLINK: usize = 16;
pub(crate) const ST_MODE: usize = 24;
pub(crate) const ST_BLKSIZE: usize = 56;
/// lseek(2)'s `whence`, the same numbers in WASI's libc as in Linux's.
pub(crate) const SEEK_SET: i32 = 0;
pub(crate) const SEEK_CUR: i32 = 1;
pub(crate) const SEEK_END: i32 = 2;
/// Linux's largest `whence` for lseek(2).
const SEEK_HOLE: i32 = 4;
/// The block size Linux reports for a socket or an epoll instance: the page size.
pub(crate) const PAGE_SIZE: i32 = 4096;
/// Linux's and WASI CPython's number for SIGINT.
const SIGINT: i32 = 2;
/// The numbers [`reserve`] takes for the core: below select()'s limit, FD_SETSIZE.
const RESERVED_BELOW: i32 = pysock_guest::socket::FD_SETSIZE;

const STDERR: i32 = 2;

thread_local! {
    /// Which of descriptors 0, 1 and 2 are inheritable (see [`get_inheritable`]), one bit each.
    static INHERITABLE_STDIO: Cell<u8> = const { Cell::new(0b111) };
    /// Set while the core gives a number back itself, so that `free` does not close it again.
    static RELEASING: Cell<bool> = const { Cell::new(false) };
    /// The numbers [`reserve`] took, ascending.
    static RESERVED: RefCell<Vec<i32>> = const { RefCell::new(Vec::new()) };
}

/// Puts one of the core's entries in libc's table: the number libc chose, or -1.
fn insert() -> i32 {
    // SAFETY: VTABLE is a static of the layout libc reads; the data is no pointer (see Vtable): -1
    // until libc chose the number, for the `free` it calls when it cannot.
    let fd = unsafe { descriptor_table_insert(Entry { data: usize::MAX as *mut c_void, vtable: &VTABLE }) };
    if fd >= 0 {
        // SAFETY: libc just made this entry; its data becomes the number (see Vtable).
        unsafe { (*descriptor_table_get_ref(fd)).data = fd as usize as *mut c_void };
    }
    fd
}

/// Takes every number libc hands out below FD_SETSIZE for the core. Once per interpreter.
pub fn reserve() {
    if RESERVED.with_borrow(|reserved| !reserved.is_empty()) {
        return;
    }
    let mut taken = Vec::new();
    loop {
        let fd = insert();
        if fd < 0 {
            break;
        }
        if fd >= RESERVED_BELOW {
            release(fd);
            break;
        }
        taken.push(fd);
    }
    taken.sort_unstable();
    RESERVED.set(taken);
}

fn is_reserved(fd: i32) -> bool {
    RESERVED.with_borrow(|reserved| reserved.binary_search(&fd).is_ok())
}

/// `fd` stops being set aside for the core (a file was moved onto it): whether it was.
pub(crate) fn unreserve(fd: i32) -> bool {
    RESERVED.with_borrow_mut(|reserved| match reserved.binary_search(&fd) {
        Ok(at) => {
            reserved.remove(at);
            true
        }
        Err(_) => false,
    })
}

/// libc just freed `fd`, which [`unreserve`] had given a file: it is set aside for the core again
/// (libc hands out the number freed last, so the next insert takes it).
pub(crate) fn reserve_again(fd: i32) {
    match insert() {
        again if again == fd => RESERVED.with_borrow_mut(|reserved| {
            if let Err(at) = reserved.binary_search(&fd) {
                reserved.insert(at, fd);
            }
        }),
        again if again >= 0 => release(again),
        _ => {}
    }
}

/// libc's entry for `fd`, or null for a number it does not hold.
pub(crate) fn entry_of(fd: i32) -> *mut Entry {
    // SAFETY: libc looks the number up; the caller reads the pointer only if it is not null.
    unsafe { descriptor_table_get_ref(fd) }
}

/// Whether libc's table holds `fd`, whatever holds it.
pub(crate) fn is_in_table(fd: i32) -> bool {
    !entry_of(fd).is_null()
}

/// A number for one of the core's descriptors: the lowest reserved one the core has free, or a
/// new one from libc.
pub fn claim(unused: &dyn Fn(i32) -> bool) -> Result<i32, Errno> {
    if let Some(fd) = RESERVED.with_borrow(|reserved| reserved.iter().copied().find(|&n| unused(n))) {
        return Ok(fd);
    }
    match insert() {
        fd if fd >= 0 => Ok(fd),
        _ => Err(Errno::Enomem),
    }
}

/// The core closed `fd`: a number libc gave for it goes back; a reserved one stays.
pub fn release(fd: i32) {
    if is_reserved(fd) {
        return;
    }
    RELEASING.set(true);
    // SAFETY: a plain call; libc calls `free` on the entry, which sees RELEASING.
    unsafe { descriptor_table_remove(fd) };
    RELEASING.set(false);
}

/// Whether `fd` is open in the interpreter's table as something other than the core's (stdio, a
/// file, a folder).
pub fn is_open_file(fd: i32) -> bool {
    // SAFETY: libc looks the number up; a null result means no such descriptor.
    let entry = unsafe { descriptor_table_get_ref(fd) };
    // SAFETY: a non-null entry points into libc's table, which nothing changes while this reads it.
    !entry.is_null() && !std::ptr::eq(unsafe { (*entry).vtable }, &VTABLE)
}

/// What holds a descriptor number, as far as a file lock or a file system's sizes care.
pub enum Holder {
    /// Nothing.
    Nothing,
    /// A file or a folder: the handle of its `wasi:filesystem` descriptor, borrowed from libc,
    /// which keeps it while the number stays open.
    File(u32),
    /// Anything else: one of the core's (a socket, a pipe's end), the null device, a standard stream.
    Other,
}

/// What holds `fd`.
pub fn holder(fd: i32) -> Holder {
    if with_core(|c| c.entry(fd).is_some()) {
        return Holder::Other;
    }
    // A reserved number no socket has is in libc's table with the core's functions (see `reserve`).
    if !is_open_file(fd) {
        return Holder::Nothing;
    }
    // SAFETY: libc looks the number up; it is open, so the entry is not null.
    let entry = unsafe { descriptor_table_get_ref(fd) };
    // SAFETY: a non-null entry points into libc's table, which nothing changes while this reads
    // it; its vtable is libc's (or ours, whose `get_file` is empty) and lives as long as libc.
    let Some(get_file) = (unsafe { (*(*entry).vtable).get_file }) else {
        return Holder::Other;
    };
    let mut handle = 0u32;
    // SAFETY: libc's `get_file` takes the entry's own data and writes one borrowed handle.
    match unsafe { get_file((*entry).data, &mut handle) } {
        0 => Holder::File(handle),
        _ => Holder::Other,
    }
}

/// A descriptor on `path` (from `dir_fd`, or the working folder) that neither reads nor writes,
/// opened without the audit event and checks of `os.open`, to ask the host about the file behind
/// it (its permissions, its file system's sizes); `follow` false opens a link itself (ELOOP).
/// The caller closes it. OSError from libc's errno, which names no path.
pub fn open_to_ask(path: &[u8], dir_fd: Option<i32>, follow: bool) -> PyResult<i32> {
    unsafe extern "C" {
        fn openat(dir_fd: i32, path: *const std::ffi::c_char, flags: i32, ...) -> i32;
    }
    /// wasi-libc's O_SEARCH (a file as well as a folder), O_NOFOLLOW and AT_FDCWD.
    const O_SEARCH: i32 = 0x0800_0000;
    const O_NOFOLLOW: i32 = 0x0100_0000;
    const AT_FDCWD: i32 = -2;
    let path = std::ffi::CString::new(path).map_err(|_| crate::errors::os_error(Errno::Einval))?;
    let flags = if follow { O_SEARCH } else { O_SEARCH | O_NOFOLLOW };
    // SAFETY: `path` is a NUL-terminated string that outlives the call; O_SEARCH takes no mode.
    let fd = unsafe { openat(dir_fd.unwrap_or(AT_FDCWD), path.as_ptr(), flags) };
    if fd < 0 {
        return Err(crate::errors::from_libc_errno());
    }
    Ok(fd)
}

/// `f` of the `wasi:filesystem` descriptor behind `handle` (a [`Holder::File`]'s), borrowed from libc.
pub fn with_file<T>(handle: u32, f: impl FnOnce(&crate::bindings::wasi::filesystem::types::Descriptor) -> T) -> T {
    // SAFETY: libc lent the handle and keeps it while the number is open, which it is for this
    // call; ManuallyDrop keeps the binding from dropping what it does not own.
    let file = std::mem::ManuallyDrop::new(unsafe { crate::bindings::wasi::filesystem::types::Descriptor::from_handle(handle) });
    f(&file)
}

/// Whether anything holds `fd`: one of the core's descriptors (a socket, a pipe's end, an epoll
/// object) or a file in libc's table.
pub fn is_open(fd: i32) -> bool {
    with_core(|c| c.entry(fd).is_some()) || is_open_file(fd)
}

/// The number `fd` (a file's, or none's) would have without the numbers [`reserve`] set aside: those
/// above them move down by as many, so that a file at 1024 stands for the low number Linux would give.
pub fn number_on_linux(fd: i32) -> i32 {
    if fd < RESERVED_BELOW {
        return fd;
    }
    fd - RESERVED.with_borrow(|reserved| reserved.len() as i32)
}

/// The descriptor number libc passes as an entry's data (see Vtable).
fn fd_of(data: *mut c_void) -> i32 {
    data as usize as i32
}

/// Sets libc's errno for a failed call, and returns -1 for it. A signal handler's exception
/// becomes a tripped SIGINT with EINTR, so that the os function's PEP 475 loop runs the handler
/// itself (`check_signals` found the default one, which raises KeyboardInterrupt).
fn fail(e: CallError) -> isize {
    let code = pyo3::Python::attach(|py| match e {
        CallError::Os(code) => libc_number(code),
        CallError::Timeout => libc_number(Errno::Eagain),
        CallError::Raised => {
            drop(pyo3::PyErr::take(py));
            // SAFETY: a plain C API call, with the interpreter attached.
            unsafe { PyErr_SetInterruptEx(SIGINT) };
            libc_number(Errno::Eintr)
        }
        // The handler is tripped: EINTR lets the os function's PEP 475 loop run it.
        CallError::HandBack => libc_number(Errno::Eintr),
    });
    set_errno(code);
    -1
}

/// Sets libc's errno, as a failed libc call would.
pub(crate) fn set_errno(code: i32) {
    // SAFETY: libc's errno for this thread.
    unsafe { *__errno_location() = code };
}

/// libc let the entry go: `os.close(n)`, or the core's own [`release`].
unsafe extern "C" fn free(data: *mut c_void) {
    let fd = fd_of(data);
    if RELEASING.get() || fd < 0 {
        return;
    }
    crate::CORE.with(|core| {
        if let Ok(mut core) = core.try_borrow_mut() {
            core.descriptor_closed(fd);
        }
    });
    if is_reserved(fd) {
        // libc hands out the number it freed last, which is this one.
        let again = insert();
        if again != fd {
            RESERVED.with_borrow_mut(|reserved| reserved.retain(|&n| n != fd));
            if again >= 0 {
                release(again);
            }
        }
    }
}

/// read(2): libc's `read` of a descriptor with no stream (a pipe's end or a socket read through
/// `FileIO`, `io.open(fd)`, `os.fdopen`). A blocking read that a signal with a Python handler
/// interrupts before it read anything is handed back: EINTR, the handler tripped, and the C
/// caller's PEP 475 loop runs it and reads again, as over a native read(2). (Kept waiting in the
/// core instead, it never let the handler run: a handler that writes what the read waits for,
/// as CPython's test_io's do, hung it.)
unsafe extern "C" fn recvfrom(data: *mut c_void, buf: *mut u8, len: usize, _flags: i32, _addr: *mut c_void, _addrlen: *mut u32) -> isize {
    // SAFETY: libc passes its caller's buffer of `len` bytes, which read(2) may leave uninitialised.
    let into = unsafe { std::slice::from_raw_parts_mut(buf.cast::<MaybeUninit<u8>>(), len) };
    crate::host::HandingBack::default().run(|| with_core(|c| c.read_descriptor(fd_of(data), into))).map_or_else(fail, |n| n as isize)
}

/// write(2): libc's `write` of a descriptor with no stream; a signal is handed back as for a read.
unsafe extern "C" fn sendto(data: *mut c_void, buf: *const u8, len: usize, _flags: i32, _addr: *const c_void, _addrlen: u32) -> isize {
    // SAFETY: libc passes its caller's buffer of `len` initialised bytes.
    let bytes = unsafe { std::slice::from_raw_parts(buf, len) };
    crate::host::HandingBack::default().run(|| with_core(|c| c.write_descriptor(fd_of(data), bytes))).map_or_else(fail, |n| n as isize)
}

/// Whether `fd` is one of the core's epoll instances (`Some(true)`), one of its sockets
/// (`Some(false)`), or none of its descriptors.
fn is_epoll(fd: i32) -> Option<bool> {
    with_core(|c| c.entry(fd).map(|e| matches!(e, pysock_guest::socket::Entry::Epoll(_))))
}

/// fstat(2): a zeroed `struct stat` with Linux's device and inode (the core's `Identity`), mode,
/// a link and its block size: a socket is S_IFSOCK with 0777, a pipe's end S_IFIFO with 0600, an
/// epoll instance an anonymous inode (no type bits) with 0600.
unsafe extern "C" fn fstat(data: *mut c_void, buf: *mut u8) -> i32 {
    let mode = match is_epoll(fd_of(data)) {
        None => return fail(CallError::Os(Errno::Ebadf)) as i32,
        Some(true) => 0o600,
        Some(false) if with_core(|c| c.pipe_end(fd_of(data))).is_some() => S_IFIFO | 0o600,
        Some(false) => S_IFSOCK | 0o777,
    };
    let identity = with_core(|c| c.identity(fd_of(data)));
    let (device, inode) = identity.map_or((0, 0), |i| (i.device, i.inode));
    // SAFETY: libc passes a `struct stat`, STAT_SIZE bytes on wasm32, aligned for its u64 fields.
    unsafe {
        std::ptr::write_bytes(buf, 0, STAT_SIZE);
        buf.add(ST_DEV).cast::<u64>().write(device);
        buf.add(ST_INO).cast::<u64>().write(inode);
        buf.add(ST_NLINK).cast::<u64>().write(1);
        buf.add(ST_MODE).cast::<u32>().write(mode);
        buf.add(ST_BLKSIZE).cast::<i32>().write(PAGE_SIZE);
    }
    0
}

/// lseek(2): EINVAL for a `whence` beyond Linux's SEEK_HOLE, before anything else, as Linux checks;
/// ESPIPE for a socket, which no socket call reports, so the core's errnos lack it; an epoll
/// instance, whose anonymous inode seeks nowhere, says 0.
unsafe extern "C" fn seek(data: *mut c_void, _offset: i64, whence: i32) -> i64 {
    match is_epoll(fd_of(data)) {
        None => return fail(CallError::Os(Errno::Ebadf)) as i64,
        Some(_) if !(0..=SEEK_HOLE).contains(&whence) => return fail(CallError::Os(Errno::Einval)) as i64,
        Some(true) => return 0,
        Some(false) => {}
    }
    set_errno(crate::linux_errno::libc_number_named("ESPIPE"));
    -1
}

/// fcntl(F_GETFL): read and write (a pipe's end one of them), and O_NONBLOCK as the core keeps it.
unsafe extern "C" fn fcntl_getfl(data: *mut c_void) -> i32 {
    let fd = fd_of(data);
    let access = match with_core(|c| c.pipe_end(fd)) {
        Some(PipeEnd::Read) => O_RDONLY,
        Some(PipeEnd::Write) => O_WRONLY,
        None => O_RDWR,
    };
    match with_core(|c| c.nonblocking(fd)) {
        Some(nonblocking) => access | if nonblocking { O_NONBLOCK } else { 0 },
        None => fail(CallError::Os(Errno::Ebadf)) as i32,
    }
}

/// fcntl(F_SETFL): only O_NONBLOCK means anything for a socket.
unsafe extern "C" fn fcntl_setfl(data: *mut c_void, flags: i32) -> i32 {
    set_nonblocking(fd_of(data), flags & O_NONBLOCK != 0)
}

/// ioctl(FIONBIO).
unsafe extern "C" fn set_blocking(data: *mut c_void, blocking: bool) -> i32 {
    set_nonblocking(fd_of(data), !blocking)
}

fn set_nonblocking(fd: i32, nonblocking: bool) -> i32 {
    match with_core(|c| c.nonblocking(fd).map(|_| c.set_nonblocking(fd, nonblocking))) {
        Some(()) => 0,
        None => fail(CallError::Os(Errno::Ebadf)) as i32,
    }
}

/// `os.pipe()`, which WASI CPython lacks: the read end's number and the write end's, blocking, as
/// Linux's (see `PipeEnd` in the core for what a pipe is here).
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "()")]
pub fn pipe(args: &Bound<'_, pyo3::types::PyTuple>, kwargs: Option<&Bound<'_, pyo3::types::PyDict>>) -> PyResult<(i32, i32)> {
    crate::convert::exact_arguments("posix.pipe", args, kwargs, 0)?;
    with_core(|c| c.pipe(false)).py_err(args.py())
}

/// `os.pipe2(flags)`: O_NONBLOCK makes both ends non-blocking; O_CLOEXEC means nothing where
/// nothing is executed; any other flag is EINVAL, as Linux's pipe2(2) says (O_DIRECT, which it
/// also takes, `os` has not here).
#[pyfunction]
pub fn pipe2(py: Python<'_>, flags: &Bound<'_, PyAny>) -> PyResult<(i32, i32)> {
    let flags = crate::convert::c_int(flags)?;
    let cloexec = py.import("os")?.getattr("O_CLOEXEC")?.extract::<i32>()?;
    if flags & !(O_NONBLOCK | cloexec) != 0 {
        return Err(pysock_guest::errno::os(Errno::Einval)).py_err(py);
    }
    with_core(|c| c.pipe(flags & O_NONBLOCK != 0)).py_err(py)
}

/// `os.close(fd)`: `posix.close`, except that a number [`reserve`] set aside and no socket holds is
/// EBADF, as a number nothing holds is on Linux (libc's table holds it, so closing it would succeed).
#[pyfunction]
pub fn close(py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<()> {
    let number = held(py, fd)?;
    py.import("posix")?.getattr("close")?.call1((number,))?;
    if number <= STDERR {
        INHERITABLE_STDIO.with(|s| s.set(s.get() & !(1 << number)));
    }
    Ok(())
}

/// The descriptor number `fd` stands for, or EBADF for a number [`reserve`] set aside that no
/// socket holds: libc's table holds it, where on Linux nothing would.
fn held(py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<i32> {
    held_number(py, crate::convert::c_int(fd)?)
}

/// [`held`] of a number already converted.
fn held_number(py: Python<'_>, number: i32) -> PyResult<i32> {
    if is_reserved(number) && with_core(|c| c.entry(number).is_none()) {
        return Err(pysock_guest::errno::os(Errno::Ebadf)).py_err(py);
    }
    Ok(number)
}

/// `os.dup(fd)`, which WASI's libc refuses for every number: a duplicate on the lowest free number
/// for a socket or a pipe's end (the core's), on the number libc gives for a file, a folder, a
/// standard stream or the null device (`file_duplicates.rs`); not inheritable, as Linux's.
#[pyfunction]
pub fn dup(py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<i32> {
    let fd = held(py, fd)?;
    if with_core(|c| c.get(fd).is_some()) {
        return with_core(|c| c.dup(fd)).py_err(py);
    }
    if !is_open_file(fd) {
        return Err(pysock_guest::errno::os(Errno::Ebadf)).py_err(py);
    }
    crate::file_duplicates::duplicate(fd)
}

/// `os.set_blocking(fd, blocking)`: a socket's or a pipe end's O_NONBLOCK is the core's, set here
/// and not through `posix.set_blocking` (which lets go of the interpreter around fcntl(2), whose
/// descriptor functions would then run with PyO3 counting this call as attached); a file's is
/// libc's; a number nothing holds is EBADF, where WASI's libc says EINVAL.
#[pyfunction]
#[pyo3(name = "set_blocking")]
pub fn set_blocking_of(py: Python<'_>, fd: &Bound<'_, PyAny>, blocking: &Bound<'_, PyAny>) -> PyResult<()> {
    let (fd, blocking) = (held(py, fd)?, crate::convert::c_int(blocking)? != 0);
    if with_core(|c| c.entry(fd).is_some()) {
        with_core(|c| c.set_nonblocking(fd, !blocking));
        return Ok(());
    }
    if !is_open_file(fd) {
        return Err(pysock_guest::errno::os(Errno::Ebadf)).py_err(py);
    }
    py.import("posix")?.call_method1("set_blocking", (fd, blocking))?;
    Ok(())
}

/// `os.dup2(fd, fd2, inheritable=True)`, which WASI CPython lacks: `fd2` becomes a duplicate of
/// `fd` (the core's for a socket or a pipe's end, `file_duplicates.rs`'s for what libc keeps),
/// closing what it was. `fd2` may be any number a socket, a file or a stream holds, or one set aside
/// for sockets; one libc never gave out cannot be taken (EBADF, as one beyond the descriptor limit
/// is on Linux).
#[pyfunction]
#[pyo3(signature = (fd, fd2, inheritable = crate::convert::Optional::Missing))]
pub fn dup2(py: Python<'_>, fd: &Bound<'_, PyAny>, fd2: &Bound<'_, PyAny>, inheritable: crate::convert::Optional<'_>) -> PyResult<i32> {
    let (fd, fd2) = (crate::convert::c_int(fd)?, crate::convert::c_int(fd2)?);
    // Argument Clinic's `bool`: any object, by its truth.
    let inheritable = inheritable.convert(|v| v.is_truthy())?.unwrap_or(true);
    // CPython calls dup3(2) for a target that is not to be inheritable, and dup3 refuses one number
    // given twice before it looks at either.
    if fd == fd2 && !inheritable {
        return Err(pysock_guest::errno::os(Errno::Einval)).py_err(py);
    }
    let ebadf = || Err(pysock_guest::errno::os(Errno::Ebadf)).py_err(py);
    // Linux refuses a negative target before it looks at `fd`.
    if fd2 < 0 {
        return ebadf();
    }
    let fd = held_number(py, fd)?;
    if with_core(|c| c.get(fd).is_none()) {
        if !is_open_file(fd) {
            return ebadf();
        }
        if fd2 != fd {
            if !is_in_table(fd2) {
                return ebadf();
            }
            crate::file_duplicates::duplicate_onto(fd, fd2);
        }
        // dup2(2) onto the number it came from changes nothing, its flag included.
        if fd2 <= STDERR && fd2 != fd {
            let bit = 1 << fd2;
            INHERITABLE_STDIO.with(|s| s.set(if inheritable { s.get() | bit } else { s.get() & !bit }));
        }
        return Ok(fd2);
    }
    if fd2 != fd && with_core(|c| c.entry(fd2).is_none()) && !is_reserved(fd2) {
        if !is_open_file(fd2) {
            return ebadf();
        }
        // SAFETY: a plain call; libc closes the file (its own entry's `free`) and frees the number.
        unsafe { descriptor_table_remove(fd2) };
        // A number a file had borrowed from the sockets' is theirs again (`file_duplicates.rs`);
        // another goes back to libc's list, whose next insert takes it (the number freed last).
        if !is_reserved(fd2) {
            let again = insert();
            if again != fd2 {
                if again >= 0 {
                    release(again);
                }
                return ebadf();
            }
        }
    }
    with_core(|c| c.dup_onto(fd, fd2, !inheritable)).py_err(py)
}

/// `os.get_inheritable(fd)`: for the core's descriptors, the FD_CLOEXEC it keeps (WASI's libc
/// says every descriptor is close-on-exec, and ignores a change); `posix.get_inheritable` otherwise.
/// The standard streams start inheritable, as a process's do; they are kept here, the only
/// descriptors besides the core's whose flag a program sees change.
#[pyfunction]
pub fn get_inheritable(py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<bool> {
    let number = held(py, fd)?;
    if let Some(close_on_exec) = with_core(|c| c.close_on_exec(number)) {
        return Ok(!close_on_exec);
    }
    let libc_says: bool = py.import("posix")?.getattr("get_inheritable")?.call1((number,))?.extract()?;
    Ok(if number <= STDERR { INHERITABLE_STDIO.get() & 1 << number != 0 } else { libc_says })
}

/// `os.set_inheritable(fd, inheritable)`, as [`get_inheritable`] reads it.
#[pyfunction]
pub fn set_inheritable(py: Python<'_>, fd: &Bound<'_, PyAny>, inheritable: &Bound<'_, PyAny>) -> PyResult<()> {
    let (number, inheritable) = (held(py, fd)?, crate::convert::c_int(inheritable)?);
    if with_core(|c| c.set_close_on_exec(number, inheritable == 0)) {
        return Ok(());
    }
    py.import("posix")?.getattr("set_inheritable")?.call1((number, inheritable))?;
    if number <= STDERR {
        let bit = 1 << number;
        INHERITABLE_STDIO.with(|s| s.set(if inheritable != 0 { s.get() | bit } else { s.get() & !bit }));
    }
    Ok(())
}

/// The most one [`sendfile`] reads from the file. socket.sendfile asks for up to 1 GiB a call, a
/// buffer that size in a 32-bit interpreter; Linux's sendfile(2) may send fewer bytes than asked
/// too, and every caller loops.
const SENDFILE_AT_MOST: i64 = 1 << 20;

/// `os.sendfile(out_fd, in_fd, offset, count)`, which WASI CPython lacks (socket.sendfile and
/// asyncio's sendfile then fell back to their Python loops): up to `count` bytes of the file `in_fd`
/// from `offset`, or from its position (which moves past what was sent) for None, written to `out_fd`
/// (a socket, a pipe's write end or a file) in one write, so each byte is copied once, from the file
/// into the buffer the host sends from in place. Linux's refusals, in its order: `in_fd` not open
/// for reading is EBADF, an offset on a socket or pipe ESPIPE, a negative offset or count EINVAL,
/// `out_fd` not open EBADF, and `in_fd` not a regular file EINVAL. At the end of the file it is 0.
/// Its arguments are matched as Argument Clinic matches them, with its words
/// (builtin_function.py's `parse_arguments`).
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(out_fd, in_fd, offset, count)")]
pub fn sendfile(py: Python<'_>, args: &Bound<'_, pyo3::types::PyTuple>, kwargs: Option<&Bound<'_, pyo3::types::PyDict>>) -> PyResult<i64> {
    use crate::convert;
    let parse = py.import("_pysock._builtin_function")?.getattr("parse_arguments")?;
    let names = ("out_fd", "in_fd", "offset", "count");
    let kwargs = kwargs.cloned().unwrap_or_else(|| pyo3::types::PyDict::new(py));
    let values: Vec<Bound<'_, PyAny>> = parse.call1(("sendfile", names, pyo3::types::PyDict::new(py), args, kwargs))?.extract()?;
    let [out_fd, in_fd, offset, count] = <[Bound<'_, PyAny>; 4]>::try_from(values).expect("parse_arguments gives each parameter");
    let (out_fd, in_fd) = (convert::c_int(&out_fd)?, convert::c_int(&in_fd)?);
    let offset = if offset.is_none() { None } else { Some(convert::c_long(&offset)?) };
    let count = convert::ssize(&count)?;
    let refuse = |code| Err(pysock_guest::errno::os(code)).py_err(py);
    let posix = py.import("posix")?;
    let in_fd = held_number(py, in_fd)?;
    let regular = match with_core(|c| c.entry(in_fd).map(|_| c.pipe_end(in_fd))) {
        Some(Some(PipeEnd::Write)) => return refuse(Errno::Ebadf),
        Some(_) if offset.is_some() => {
            return Err(crate::errors::os_error_named("ESPIPE"));
        }
        Some(_) => false,
        None => posix.call_method1("fstat", (in_fd,))?.getattr("st_mode")?.extract::<u32>()? & 0o170000 == 0o100000,
    };
    if offset.is_some_and(|o| o < 0) || count < 0 {
        return refuse(Errno::Einval);
    }
    if !is_open(out_fd) {
        return refuse(Errno::Ebadf);
    }
    if !regular {
        return refuse(Errno::Einval);
    }
    let wanted = count.min(SENDFILE_AT_MOST);
    let bytes = match offset {
        Some(at) => crate::file_io::read_at(py, in_fd, wanted, at)?,
        None => posix.call_method1("read", (in_fd, wanted))?,
    };
    let read = bytes.len()? as i64;
    if read == 0 {
        return Ok(0);
    }
    let written = if with_core(|c| c.entry(out_fd).is_some()) {
        // The core's own write, not `posix.write`: that lets go of the interpreter around write(2),
        // and the descriptor functions libc then calls for this number would run with PyO3 still
        // counting this call as attached (a fatal error the first time they touch Python).
        let data = bytes.cast::<PyBytes>()?.as_bytes();
        let call = || with_core(|c| c.write_descriptor(out_fd, data)).map_err(pysock_guest::socket::call_error);
        crate::restarting(py, call).map(|n| n as i64)
    } else {
        posix.call_method1("write", (out_fd, &bytes)).and_then(|n| n.extract::<i64>())
    };
    if offset.is_none() {
        // What was read and not sent stays in the file for the next call, as sendfile(2) leaves it.
        let unsent = read - written.as_ref().map_or(0, |n| *n);
        if unsent > 0 {
            posix.call_method1("lseek", (in_fd, -unsent, 1))?;
        }
    }
    written
}

/// Puts [`pipe`] and [`pipe2`] in `os` (and `posix`), and [`close`], [`dup2`], [`get_inheritable`],
/// [`set_inheritable`] and [`sendfile`] in `os` (each calls `posix`'s own for what is not the core's). Calls no host
/// function.
pub fn install(py: Python<'_>) -> PyResult<()> {
    for module in ["os", "posix"] {
        let module = py.import(module)?;
        module.setattr("pipe", wrap_pyfunction!(pipe, py)?)?;
        module.setattr("pipe2", wrap_pyfunction!(pipe2, py)?)?;
    }
    let os = py.import("os")?;
    os.setattr("close", wrap_pyfunction!(close, py)?)?;
    os.setattr("dup", wrap_pyfunction!(dup, py)?)?;
    os.setattr("dup2", wrap_pyfunction!(dup2, py)?)?;
    os.setattr("set_blocking", wrap_pyfunction!(set_blocking_of, py)?)?;
    os.setattr("get_inheritable", wrap_pyfunction!(get_inheritable, py)?)?;
    os.setattr("set_inheritable", wrap_pyfunction!(set_inheritable, py)?)?;
    os.setattr("sendfile", wrap_pyfunction!(sendfile, py)?)?;
    Ok(())
}
