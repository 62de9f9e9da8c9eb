//! Receives that land where Python wants the bytes: in a new `bytes` object's memory, or in the
//! buffer `recv_into` was given, with no copy on the guest's side.
//!
//! `pysock:net/data.recv-into` takes that memory as its `list<u8>` and the host's recv(2) writes
//! into it where it lies (see the function's WIT documentation), so the kernel's copy is the only
//! one. The import is declared here by hand rather than through the generated binding, which
//! would want the buffer as initialised `&[u8]`: a new `bytes` object's memory is not.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::bindings::pysock::net::types;
use pysock_guest::host::Received;
use std::mem::MaybeUninit;

#[link(wasm_import_module = "pysock:net/data@0.1.0")]
unsafe extern "C" {
    /// `recv-into: func(s: socket-id, buffer: list<u8>, flags: s32, wait: bool) -> result<received, errno>`,
    /// as the canonical ABI flattens it: the list as (address, length), the bool as 0 or 1, the
    /// result stored at `ret` (24 bytes, aligned to 8).
    #[link_name = "recv-into"]
    fn data_recv_into(socket: i32, buffer: *mut u8, len: usize, flags: i32, wait: i32, ret: *mut u8);
}

/// Where `result<received, errno>` is stored: discriminant at 0; `received.written` at 8 and
/// `received.length` at 16, or the errno at 8.
#[repr(C, align(8))]
struct ReturnArea([u8; 24]);

/// `pysock:net/data.recv-into` of at most `into.len()` bytes into `into`; with `wait`, the host
/// waits for them as a blocking socket's recv(2) does.
pub fn recv(socket: u32, into: &mut [MaybeUninit<u8>], flags: i32, wait: bool) -> Result<Received, types::Errno> {
    let mut area = ReturnArea([0; 24]);
    // SAFETY: the import's signature is the canonical ABI's for `recv-into` (checked against the
    // component-type section wit-bindgen emits for the same function); `into` is valid for writes
    // of its length, which is all the host writes, and `area` for 24 bytes at alignment 8, for the
    // call. A wrong `socket` number is the host's EBADF, not a memory error.
    unsafe { data_recv_into(socket as i32, into.as_mut_ptr().cast(), into.len(), flags, i32::from(wait), area.0.as_mut_ptr()) };
    if area.0[0] != 0 {
        // SAFETY: the host lowered an `errno`, whose discriminant wasmtime only ever writes in
        // range; generated bindings lift it the same way.
        return Err(unsafe { types::Errno::_lift(area.0[8]) });
    }
    let written = u32::from_le_bytes(area.0[8..12].try_into().expect("four bytes")) as usize;
    let length = u64::from_le_bytes(area.0[16..24].try_into().expect("eight bytes"));
    // The host never reports more than the buffer holds; were it to, only `into` is trusted.
    Ok(Received { written: written.min(into.len()), length })
}
