//! Receives that land where Python wants the bytes: in a new `bytes` object's memory, or in the
//! buffer `recv_into` was given, with no copy on the guest's side.
//!
//! `pysock:net/data.recv` returns the received bytes as a `list<u8>`. To lower it, the canonical
//! ABI asks the guest for memory through the realloc function the guest exports for its imports
//! (`cabi_import_realloc`, which wit-component prefers over `cabi_realloc` for the imports of the
//! library exporting it) and puts the bytes there. Right before a receive, [`recv`] arms that
//! function with the memory the bytes should end up in, so they are written in place: by the
//! host's copy on any host, by the kernel itself on pysock's (`host/src/data.rs`). Memory asked
//! for beyond what was armed, and every other import's lists, get ordinary allocations, and a
//! receive whose bytes did not land copies them over and frees them, as a generated binding would.
//!
//! This module and `buffer.rs` hold the crate's `unsafe`; each block says why it holds.
#![allow(unsafe_code)]

use crate::bindings::pysock::net::{net, types};
use pysock_guest::host::Received;
use std::alloc::Layout;
use std::cell::Cell;
use std::mem::MaybeUninit;

/// Where the next list the host returns may be written.
#[derive(Clone, Copy)]
enum Landing {
    None,
    /// The memory a receive is about to fill: its address and length.
    Armed(*mut u8, usize),
    /// The same memory, handed out once: the host may keep or shrink that allocation, never get it
    /// a second time.
    Taken(*mut u8, usize),
}

thread_local! {
    static LANDING: Cell<Landing> = const { Cell::new(Landing::None) };
}

/// The realloc the canonical ABI calls to place the lists this library's imports return.
///
/// # Safety
/// Called by the canonical ABI only, with wit-bindgen's `cabi_realloc` contract: `old` is null with
/// `old_len` 0, or an allocation of `old_len` bytes at `align` that this function returned.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_import_realloc(old: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    match LANDING.get() {
        Landing::Armed(at, len) if old.is_null() && new_len <= len && (at as usize) % align.max(1) == 0 => {
            LANDING.set(Landing::Taken(at, len));
            return at;
        }
        // The host cutting the list it placed to the length the kernel gave (or keeping it).
        Landing::Taken(at, len) if old == at && new_len <= len => return at,
        _ => {}
    }
    // SAFETY: outside a landing this is wit-bindgen's `cabi_realloc`, under the same contract.
    unsafe { general_realloc(old, old_len, align, new_len) }
}

/// wit-bindgen's `cabi_realloc`: the global allocator, aborting when it is out of memory.
unsafe fn general_realloc(old: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    let (layout, ptr) = if old_len == 0 {
        if new_len == 0 {
            return align as *mut u8;
        }
        // SAFETY: the canonical ABI asks for a power-of-two alignment and a size that fits memory.
        let layout = unsafe { Layout::from_size_align_unchecked(new_len, align) };
        // SAFETY: `layout` has a non-zero size.
        (layout, unsafe { std::alloc::alloc(layout) })
    } else {
        // SAFETY: `old` was allocated by this function with this size and alignment (the contract).
        let layout = unsafe { Layout::from_size_align_unchecked(old_len, align) };
        // SAFETY: as above; `new_len` is non-zero when `old_len` is (the canonical ABI's rule).
        (layout, unsafe { std::alloc::realloc(old, layout, new_len) })
    };
    if ptr.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    ptr
}

#[link(wasm_import_module = "pysock:net/data@0.1.0")]
unsafe extern "C" {
    /// `recv: func(s: borrow<socket>, max-len: u64, flags: s32) -> result<incoming, errno>`, as the
    /// canonical ABI flattens it: the result is stored at `ret` (24 bytes, aligned to 8).
    #[link_name = "recv"]
    fn data_recv(socket: i32, max_len: i64, flags: i32, ret: *mut u8);
}

/// Where `result<incoming, errno>` is stored: discriminant at 0; `incoming.data` (address,
/// length) at 8 and 12, `incoming.length` at 16; or the errno at 8.
#[repr(C, align(8))]
struct ReturnArea([u8; 24]);

impl ReturnArea {
    fn u32_at(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.0[at..at + 4].try_into().expect("four bytes"))
    }
}

/// `pysock:net/data.recv` of at most `into.len()` bytes into `into`.
pub fn recv(socket: &net::Socket, into: &mut [MaybeUninit<u8>], flags: i32) -> Result<Received, types::Errno> {
    let mut area = ReturnArea([0; 24]);
    let at = into.as_mut_ptr().cast::<u8>();
    LANDING.set(Landing::Armed(at, into.len()));
    // SAFETY: the import's signature is the canonical ABI's for `recv` (checked against the
    // component-type section wit-bindgen emits for the same function); `area` is valid for writes
    // of 24 bytes at alignment 8 for the call. `socket.handle()` is a live borrow for the call.
    unsafe { data_recv(socket.handle() as i32, into.len() as i64, flags, area.0.as_mut_ptr()) };
    LANDING.set(Landing::None);
    if area.0[0] != 0 {
        // SAFETY: the host lowered an `errno`, whose discriminant wasmtime only ever writes in
        // range; generated bindings lift it the same way.
        return Err(unsafe { types::Errno::_lift(area.0[8]) });
    }
    let (data, written) = (area.u32_at(8) as usize as *mut u8, area.u32_at(12) as usize);
    let length = u64::from_le_bytes(area.0[16..24].try_into().expect("eight bytes"));
    if data != at {
        // The host's list did not land (it asked for more than `into` holds, or another host
        // placed it elsewhere): take what fits, and free the list as a generated binding would.
        let n = written.min(into.len());
        // SAFETY: the canonical ABI gave the guest `written` bytes at `data`, allocated by
        // `general_realloc` at alignment 1 and owned by the guest from here; `into` is other
        // memory, valid for writes of `n` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(data, at, n);
            if written != 0 {
                std::alloc::dealloc(data, Layout::from_size_align_unchecked(written, 1));
            }
        }
        return Ok(Received { written: n, length });
    }
    // The list is `into` itself: the host wrote `written` bytes at its start, never more than it holds.
    Ok(Received { written: written.min(into.len()), length })
}
