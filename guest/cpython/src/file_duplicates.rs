//! Duplicates of the descriptors libc keeps itself (files, folders, the standard streams and the
//! null device) for `os.dup` and `os.dup2`. pytest needs both at start: its fault handler writes to
//! a duplicate of descriptor 2, and its default output capture keeps a duplicate of 1 and 2, moves a
//! temporary file onto each with `dup2` and moves the duplicate back afterwards.
//!
//! On Linux a duplicate is a second number for one open file description: the two share the offset
//! and the status flags, and the file closes when its last number does. wasi-libc has no `dup`. Its
//! table entry is a `data` pointer that the entry's table of functions reads and whose `free`
//! closes it (`descriptor_vtable_t`, see descriptors.rs). A duplicate here is a second entry with the
//! same `data` and a copy of the functions whose `free` is [`free_shared`], which counts the numbers
//! that hold the data and runs the original `free` when the last one goes. Every other function is
//! the original's, on the same state, so what a write moves or F_SETFL sets is seen through both
//! numbers, as on Linux.
//!
//! A number below FD_SETSIZE that a file is moved onto leaves the numbers set aside for sockets
//! (descriptors.rs's `reserve`) while the file holds it, and goes back to them when it is closed, so
//! that sockets are still numbered lowest free first.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::descriptors::{self, Entry, Vtable};
use pyo3::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;

type Free = unsafe extern "C" fn(*mut c_void);

/// How many numbers hold one shared `data`, and the `free` that closes it after the last.
struct Holders {
    count: usize,
    free: Free,
}

thread_local! {
    /// The shared entries, by their data's address.
    static SHARED: RefCell<HashMap<usize, Holders>> = RefCell::new(HashMap::new());
    /// The counting copy of each table of functions, by the original's address. One per kind of
    /// descriptor (a file, a standard stream, the null device), kept for the program's life, since
    /// libc holds pointers to them.
    static COUNTING: RefCell<Vec<(usize, &'static Vtable)>> = const { RefCell::new(Vec::new()) };
    /// The numbers below FD_SETSIZE that a file was moved onto and still holds.
    static BORROWED: RefCell<Vec<i32>> = const { RefCell::new(Vec::new()) };
}

/// The copy of `original` whose `free` is [`free_shared`].
fn counting(original: &'static Vtable) -> &'static Vtable {
    let key = std::ptr::from_ref(original) as usize;
    COUNTING.with_borrow_mut(|copies| match copies.iter().find(|(of, _)| *of == key) {
        Some((_, copy)) => *copy,
        None => {
            let copy: &'static Vtable = Box::leak(Box::new(Vtable { free: free_shared, ..*original }));
            copies.push((key, copy));
            copy
        }
    })
}

/// The entry at `fd`, shared (made so if it was not) and counted once more: the entry a new
/// number takes. `fd` must be open in libc's table and none of the core's.
fn share(fd: i32) -> Entry {
    // SAFETY: the caller checked that `fd` is open, so the entry is not null; it points into libc's
    // table, which nothing else changes while this runs (one thread).
    let slot = unsafe { &mut *descriptors::entry_of(fd) };
    // SAFETY: an entry's vtable is libc's or one of pysock's, statics or leaked copies, which live
    // as long as the program.
    let vtable: &'static Vtable = unsafe { &*slot.vtable };
    SHARED.with_borrow_mut(|shared| {
        let holders = shared.entry(slot.data as usize).or_insert_with(|| {
            slot.vtable = counting(vtable);
            Holders { count: 1, free: vtable.free }
        });
        holders.count += 1;
    });
    *slot
}

/// `os.dup(fd)` of a descriptor libc keeps: a new number for the same open file.
pub fn duplicate(fd: i32) -> PyResult<i32> {
    // SAFETY: an entry of the layout libc reads, whose data and functions are live (see `share`).
    // On failure libc calls its `free`, which takes the count back.
    match unsafe { descriptors::descriptor_table_insert(share(fd)) } {
        new if new >= 0 => Ok(new),
        _ => Err(crate::errors::from_libc_errno()),
    }
}

/// `os.dup2(fd, fd2)` of a descriptor libc keeps, `fd2` being another number with an entry in libc's
/// table (a file, one of the core's descriptors or a number set aside): `fd2` becomes a second number
/// for `fd`'s open file, and what it was is closed.
pub fn duplicate_onto(fd: i32, fd2: i32) {
    let entry = share(fd);
    if descriptors::unreserve(fd2) {
        BORROWED.with_borrow_mut(|borrowed| borrowed.push(fd2));
    }
    // SAFETY: the caller checked that `fd2` has an entry, so the pointer is not null and points into
    // libc's table; the entry written is live (see `share`).
    let was = unsafe { std::ptr::replace(descriptors::entry_of(fd2), entry) };
    // SAFETY: libc's table no longer holds `was`, so this is its one `free`, as libc's own close
    // would call it (the core's closes its socket, a file's closes the file or counts one holder
    // fewer).
    unsafe { ((*was.vtable).free)(was.data) };
}

/// The `free` of every shared entry: one number fewer holds `data`; after the last, the original
/// `free` closes it. A number below FD_SETSIZE that libc just freed goes back to the sockets'.
unsafe extern "C" fn free_shared(data: *mut c_void) {
    let key = data as usize;
    let last = SHARED.with_borrow_mut(|shared| {
        let holders = shared.get_mut(&key)?;
        holders.count -= 1;
        (holders.count == 0).then(|| shared.remove(&key).expect("looked up above").free)
    });
    if let Some(free) = last {
        // SAFETY: no number holds `data` any more, so this is the original's one `free`.
        unsafe { free(data) };
    }
    // libc frees a slot before it calls `free` (descriptor_table.c's `remove`); a number whose slot
    // is still full had a new entry written over it (`duplicate_onto`).
    let freed = BORROWED.with_borrow(|borrowed| borrowed.iter().copied().find(|&n| !descriptors::is_in_table(n)));
    if let Some(number) = freed {
        BORROWED.with_borrow_mut(|borrowed| borrowed.retain(|&n| n != number));
        descriptors::reserve_again(number);
    }
}
