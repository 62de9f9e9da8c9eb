//! `lseek` of a file open for appending, with the position Linux gives it.
//!
//! On Linux an O_APPEND file's position is where the last seek or read left it; only a write moves
//! it, to the end. wasi-libc (wasi-sdk 29-32) moves an appending file's offset to its end at the
//! start of every lseek, so `lseek(fd, 0, SEEK_CUR)` says the end even right after
//! `lseek(fd, 0, SEEK_SET)`. Python's buffered files ask for the position before they read, so a
//! file opened "a+" read nothing after `seek(0)`, and `tell()` after a seek said the end.
//!
//! So the files' table of functions (libc has one for every file it opens) gets [`seek`]: SEEK_CUR
//! of an appending file counts from the offset libc keeps, or from the end when the file was written
//! since its last seek (libc then holds an output stream for it, and Linux's position is at the end
//! after an append); everything else is libc's own seek.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::descriptors::{self, O_APPEND, SEEK_CUR, SEEK_END, SEEK_SET};
use std::ffi::c_void;
use std::sync::OnceLock;

/// `file_t` of wasi-sdk 31-32's `file.c` for wasip2 (componentize-py 0.25.1's libc), the data of a
/// file's table entry: its fields as [`seek`] reads them (wasi-sdk 29-30 had the streams first).
#[repr(C)]
#[allow(dead_code)] // laid out as libc's; only some fields are read
struct File {
    handle: u32,
    /// The position libc keeps.
    offset: i64,
    oflag: i32,
    read_stream: u32,
    /// Not 0 while libc holds an output stream: the file was written since its last seek.
    write_stream: u32,
}

type Seek = unsafe extern "C" fn(*mut c_void, i64, i32) -> i64;

/// libc's own `seek` for files, which [`seek`] calls.
static LIBC_SEEK: OnceLock<Seek> = OnceLock::new();

/// A file's `seek`, in place of libc's in its table of functions.
unsafe extern "C" fn seek(data: *mut c_void, offset: i64, whence: i32) -> i64 {
    let libc_seek = *LIBC_SEEK.get().expect("installed with the table it is in");
    // SAFETY: libc calls a file's `seek` with that file's `file_t` as `data`, live for the call;
    // this thread is the only one, so nothing changes it meanwhile.
    let (appending, written, at) = unsafe {
        let file = &*data.cast::<File>();
        (file.oflag & O_APPEND != 0, file.write_stream != 0, file.offset)
    };
    // SAFETY (each call): libc's own seek, with the arguments libc gave or ones of the same kind.
    match (appending && whence == SEEK_CUR, written) {
        (false, _) => unsafe { libc_seek(data, offset, whence) },
        (true, true) => unsafe { libc_seek(data, offset, SEEK_END) },
        // Past i64::MAX Linux says EINVAL, as libc does for a negative offset.
        (true, false) => unsafe { libc_seek(data, at.checked_add(offset).unwrap_or(-1), SEEK_SET) },
    }
}

/// Puts [`seek`] in the files' table of functions, found from an entry of libc's table with a
/// `wasi:filesystem` descriptor behind it: a preopened folder (libc keeps one table of functions for
/// every folder and file, `file_vtable`, and opens the preopened folders at the first path it
/// resolves). Nothing happens if there is none (then no file can be opened either), or if the
/// table's seek is already [`seek`].
pub fn install() {
    unsafe extern "C" {
        fn access(path: *const std::ffi::c_char, mode: i32) -> i32;
    }
    // SAFETY: a NUL-terminated path; what access says does not matter, only that libc resolved it.
    unsafe { access(c"/".as_ptr(), 0) };
    let files = (0..LOOKED_AT).map(descriptors::entry_of).find(|&entry| {
        // SAFETY: a non-null entry of libc's table, whose vtable is libc's or pysock's, statics or
        // leaked copies, live for the program.
        !entry.is_null() && unsafe { (*(*entry).vtable).get_file.is_some() }
    });
    let Some(entry) = files else { return };
    // SAFETY: `file_vtable` is a (non-const) static of libc's in this linear memory; replacing one
    // slot, on the one thread, changes which function every file's lseek calls from now on, and the
    // slot gets a function of the same signature. Copies of the table made later (file_duplicates.rs)
    // copy this one.
    unsafe {
        let table = (*entry).vtable.cast_mut();
        if (*table).seek as usize != seek as *const () as usize {
            let _ = LIBC_SEEK.set((*table).seek);
            (*table).seek = seek;
        }
    }
}

/// How far into libc's table [`install`] looks: past the numbers below FD_SETSIZE that
/// descriptors.rs sets aside for sockets, which the preopened folders follow if they are opened
/// after that.
const LOOKED_AT: i32 = 1024 + 64;
