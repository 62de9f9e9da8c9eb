//! Freeing deep structures as python3 does: CPython's trashcan, made to see depth in wasm.
//!
//! CPython frees a chain of objects (a linked list of a program's objects, a list nested in a list a
//! million times, a chain of exceptions raised `from` each other) by recursion, one deallocation
//! inside the next, and defers the rest to a loop ("the trashcan") once its stack is nearly used up.
//! It measures the stack by the address of its frames. Compiled to wasm, that address is in the
//! shadow stack, a region of linear memory where a function keeps only the locals whose address is
//! taken; everything else of its frame is on wasmtime's native stack. `subtype_dealloc` takes 16
//! bytes of the shadow stack a level, `list_dealloc`, `dict_dealloc` and `BaseException_dealloc`
//! take none, so CPython saw no depth at all while the native stack filled, and the run ended with
//! "wasm trap: call stack exhausted" after a few thousand levels, where python3 frees millions.
//!
//! [`install`] gives each deallocation of a type that CPython defines in C and collects (lists,
//! tuples, dicts, sets, exceptions, frames, ...) a fixed share of the shadow stack, [`SHARE`] bytes,
//! for as long as it runs: its `tp_dealloc` becomes a wrapper that reserves the share and calls the
//! original. CPython's own trashcan then sees the depth and defers the rest, as it does natively. A
//! program's classes deallocate through `subtype_dealloc`, which calls its C base's (wrapped)
//! function, and otherwise takes its own 16 bytes; the host's larger native stack
//! (`runtime::WASM_STACK`) covers those and CPython's checks of C recursion.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;
use std::collections::HashSet;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The shadow stack a wrapped deallocation reserves. CPython defers once about 1 MiB is in use, so
/// chains of these defer after about 4,000 levels, which take some 1.2 MiB of native stack (about
/// 300 bytes a level); natively the trashcan starts deeper, with the same effect.
const SHARE: usize = 256;

/// How many different deallocation functions can be wrapped: the 801 types found in this CPython
/// (3.14, with pysock's modules) have 83 among those that collect. Functions beyond it would keep
/// CPython's behaviour in wasm.
const SLOTS: usize = 192;

type Dealloc = unsafe extern "C" fn(*mut ffi::PyObject);

/// The original function each wrapper calls, by slot (0: not taken).
static ORIGINALS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];

/// The wrapper of slot `SLOT`: reserves [`SHARE`] bytes of the shadow stack around the original.
unsafe extern "C" fn take_share<const SLOT: usize>(object: *mut ffi::PyObject) {
    let mut share = MaybeUninit::<[u8; SHARE]>::uninit();
    // Its address escapes, so the array lives in the shadow stack for the whole call; the second
    // use keeps it there until the original returns.
    std::hint::black_box(share.as_mut_ptr());
    // SAFETY: a slot's wrapper is installed only after its original is stored (`install`), and the
    // stored value is a `Dealloc` that CPython itself had in `tp_dealloc`.
    let original: Dealloc = unsafe { std::mem::transmute::<usize, Dealloc>(ORIGINALS[SLOT].load(Ordering::Relaxed)) };
    // SAFETY: called as CPython calls `tp_dealloc`, with the object it was given.
    unsafe { original(object) };
    std::hint::black_box(share.as_mut_ptr());
}

macro_rules! wrappers {
    ($($slot:literal)*) => { [$(take_share::<$slot> as Dealloc),*] };
}

static WRAPPERS: [Dealloc; SLOTS] = wrappers!(
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33
    34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64
    65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95
    96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119
    120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139 140 141 142
    143 144 145 146 147 148 149 150 151 152 153 154 155 156 157 158 159 160 161 162 163 164 165
    166 167 168 169 170 171 172 173 174 175 176 177 178 179 180 181 182 183 184 185 186 187 188
    189 190 191
);

/// Wraps the `tp_dealloc` of every type CPython defines in C whose objects the collector tracks
/// (the ones the trashcan defers), found from `object` through `__subclasses__`.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let wrappers: HashSet<usize> = WRAPPERS.iter().map(|w| *w as usize).collect();
    // `type.__subclasses__(class)`: `class.__subclasses__()` would find, for `type` itself, the
    // method unbound.
    let subclasses_of = py.get_type::<PyType>().getattr("__subclasses__")?;
    let mut seen = HashSet::new();
    let mut pending = vec![py.get_type::<pyo3::types::PyAny>()];
    while let Some(class) = pending.pop() {
        if !seen.insert(class.as_ptr() as usize) {
            continue;
        }
        for subclass in subclasses_of.call1((&class,))?.try_iter()? {
            pending.push(subclass?.cast_into::<PyType>()?);
        }
        let ty = class.as_type_ptr();
        // SAFETY: reading plain fields of a live type object.
        let (flags, dealloc) = unsafe { ((*ty).tp_flags, (*ty).tp_dealloc) };
        let Some(dealloc) = dealloc else { continue };
        if flags & ffi::Py_TPFLAGS_HEAPTYPE != 0 || flags & ffi::Py_TPFLAGS_HAVE_GC == 0 || wrappers.contains(&(dealloc as usize)) {
            continue;
        }
        let Some(slot) = slot_for(dealloc as usize) else { continue };
        // SAFETY: `tp_dealloc` is a plain field that CPython reads on each deallocation (this
        // CPython is not built for the limited API); only this thread runs Python, and the wrapper
        // calls what was there. Types sharing a function share its wrapper, so CPython's
        // comparisons of two types' `tp_dealloc` (`__class__` assignment) keep their answers.
        unsafe { (*ty).tp_dealloc = Some(WRAPPERS[slot]) };
    }
    Ok(())
}

/// The slot holding `original`, taking a free one if none does.
fn slot_for(original: usize) -> Option<usize> {
    for (slot, stored) in ORIGINALS.iter().enumerate() {
        match stored.load(Ordering::Relaxed) {
            0 => {
                stored.store(original, Ordering::Relaxed);
                return Some(slot);
            }
            held if held == original => return Some(slot),
            _ => {}
        }
    }
    None
}
