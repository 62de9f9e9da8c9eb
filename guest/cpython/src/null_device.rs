//! `/dev/null`, which a WASI sandbox's filesystem lacks: WASI opens only what the folders it was
//! given hold, and a program for Linux opens `os.devnull` to discard output or to hold a spare
//! descriptor (Twisted's listening ports do). `null_device.py` sends opens and stats of that path
//! here; the descriptor is an entry of libc's table (see `descriptors.rs`) whose functions do what
//! Linux's null device does: a read finds the end of the file, a write takes every byte, a seek
//! stays at 0, and fstat says a character device, 1:3, mode 0666. Being no socket of the core's,
//! select and poll find it ready at once, as Linux's, and `socket(fileno=)` says ENOTSOCK.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::descriptors::{
    Entry, Functions, O_APPEND, O_NONBLOCK, PAGE_SIZE, ST_BLKSIZE, ST_DEV, ST_INO, ST_MODE, ST_NLINK, STAT_SIZE, Vtable, descriptor_table_insert,
};
use pyo3::prelude::*;
use std::cell::Cell;
use std::ffi::c_void;

/// Each entry's data: its open file status flags (the access mode, O_NONBLOCK, O_APPEND), boxed, as
/// F_SETFL changes them.
type Flags = Cell<i32>;

static NULL_DEVICE: Vtable = Vtable::of_stream_less(Functions {
    free,
    set_blocking,
    fstat,
    seek,
    fcntl_getfl,
    fcntl_setfl,
    read: recvfrom,
    write: sendto,
});

const S_IFCHR: u32 = 0x2000;
/// makedev(1, 3), and where a usual Linux's devtmpfs puts the node.
const RDEV: u64 = 0x103;
const DEVICE: u64 = 6;
const INODE: u64 = 3;
const ST_RDEV: usize = 40;

/// `_pysock._open_null(flags)`: a new descriptor on the null device, opened with `flags` (the `os`
/// module's O_* numbers). `null_device.py` checked the path and the flags Linux refuses.
#[pyfunction]
pub fn open_null(flags: i32) -> PyResult<i32> {
    let data = Box::into_raw(Box::new(Flags::new(flags))).cast::<c_void>();
    // SAFETY: NULL_DEVICE is a static of the layout libc reads; `data` is the box its functions read,
    // which `free` takes back.
    let fd = unsafe { descriptor_table_insert(Entry { data, vtable: &NULL_DEVICE }) };
    if fd < 0 {
        // SAFETY: libc kept no entry, so nothing else holds the box.
        drop(unsafe { Box::from_raw(data.cast::<Flags>()) });
        return Err(crate::errors::from_libc_errno());
    }
    Ok(fd)
}

/// The flags behind an entry's data.
fn flags<'a>(data: *mut c_void) -> &'a Flags {
    // SAFETY: every NULL_DEVICE entry's data is a live box from `open_null`, until `free`.
    unsafe { &*data.cast::<Flags>() }
}

unsafe extern "C" fn free(data: *mut c_void) {
    // SAFETY: libc lets an entry go once; its box goes with it.
    drop(unsafe { Box::from_raw(data.cast::<Flags>()) });
}

unsafe extern "C" fn recvfrom(_: *mut c_void, _: *mut u8, _: usize, _: i32, _: *mut c_void, _: *mut u32) -> isize {
    0
}

unsafe extern "C" fn sendto(_: *mut c_void, _: *const u8, len: usize, _: i32, _: *const c_void, _: u32) -> isize {
    len as isize
}

/// Linux's null_lseek: every seek, whatever it asks, lands at 0.
unsafe extern "C" fn seek(_: *mut c_void, _: i64, _: i32) -> i64 {
    0
}

unsafe extern "C" fn fcntl_getfl(data: *mut c_void) -> i32 {
    flags(data).get()
}

unsafe extern "C" fn fcntl_setfl(data: *mut c_void, new: i32) -> i32 {
    let f = flags(data);
    f.set(f.get() & !(O_NONBLOCK | O_APPEND) | new & (O_NONBLOCK | O_APPEND));
    0
}

unsafe extern "C" fn set_blocking(data: *mut c_void, blocking: bool) -> i32 {
    let f = flags(data);
    f.set(if blocking { f.get() & !O_NONBLOCK } else { f.get() | O_NONBLOCK });
    0
}

unsafe extern "C" fn fstat(_: *mut c_void, buf: *mut u8) -> i32 {
    // SAFETY: libc passes a `struct stat`, STAT_SIZE bytes on wasm32, aligned for its u64 fields.
    unsafe {
        std::ptr::write_bytes(buf, 0, STAT_SIZE);
        buf.add(ST_DEV).cast::<u64>().write(DEVICE);
        buf.add(ST_INO).cast::<u64>().write(INODE);
        buf.add(ST_NLINK).cast::<u64>().write(1);
        buf.add(ST_MODE).cast::<u32>().write(S_IFCHR | 0o666);
        buf.add(ST_RDEV).cast::<u64>().write(RDEV);
        buf.add(ST_BLKSIZE).cast::<i32>().write(PAGE_SIZE);
    }
    0
}

/// `null_device.py`.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    crate::python_module!(py, "null_device.py", "_pysock._null_device")
}

/// Sends `os.open`, `open`, `os.stat` and `os.lstat` of `/dev/null` to the null device. Calls no
/// host function.
pub fn install(pysock: &Bound<'_, PyModule>) -> PyResult<()> {
    let open = wrap_pyfunction!(open_null, pysock.py())?;
    pysock.getattr("_null_device")?.call_method1("install", (open,))?;
    Ok(())
}
