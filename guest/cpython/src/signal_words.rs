//! Signals that reach a program while it computes, as they reach python3.
//!
//! Natively, the kernel runs CPython's C signal handler between any two instructions; the handler
//! only sets a few words of the interpreter's memory (the signal's `tripped` flag, `is_tripped`, and
//! a bit of the main thread's `eval_breaker`), and the evaluation loop, which looks at
//! `eval_breaker` at every backward jump and call, runs the program's handler there. In the sandbox
//! nothing can run inside the guest while it computes, but the host's thread that delivers a signal
//! can set those same words (`pysock:net/signals`), so the loop notices at its next check.
//!
//! Which words they are is CPython's private layout, so it is not written down here: it is watched.
//! When `_pysock` is imported (before componentize-py's snapshot), [`find`] gives signal 32 a
//! handler of its own ([`signal_arrived`]), trips it once with `PyErr_SetInterruptEx`, exactly as
//! the C handler would trip it, and notes every word of the interpreter's state that changed and
//! which bits were set; then it puts the words back. Anything other than three words gaining bits is
//! a layout it does not understand, and signals then reach the program at its next wait, as before.
//! Signal 32 is one of the two that glibc keeps for itself: no Linux program can handle it
//! (`signal.signal(32, ...)` is EINVAL under python3, and in the sandbox, `signals.py`).
//!
//! When the host sets the words, the loop calls [`signal_arrived`], which takes the signals the host
//! delivered and does with each what a wait that the signal ended does (`host::handle_signals`):
//! KeyboardInterrupt for SIGINT's default handler, raised where the program was; the program's own
//! handler tripped, which the loop runs right after; the run's end for SIG_DFL.

use crate::bindings::pysock::net::{net, signals};
use pyo3::prelude::*;
use std::sync::OnceLock;

/// The signal whose handler is `signal_arrived`: glibc's first internal one (SIGCANCEL), which
/// sigaction(2) refuses to Linux programs, so no program of the sandbox's can want it.
pub const ARRIVAL_SIGNAL: i32 = 32;

/// How far past `_PyRuntime` a changed word is looked for. The runtime state holds all three
/// (in 3.14 the main thread's state is inside it too, some 160 KiB in); the thread's state is
/// searched on its own as well, should it lie elsewhere.
const SEARCHED: usize = 256 << 10;

/// The most changed words `find` notes: three is what it understands.
const NOTED: usize = 16;

/// The words and bits that tripping [`ARRIVAL_SIGNAL`] sets, once [`find`] found them.
static WORDS: OnceLock<Vec<signals::SignalWord>> = OnceLock::new();

#[allow(unsafe_code, non_upper_case_globals)]
unsafe extern "C" {
    /// CPython's runtime state: only its address is taken.
    static _PyRuntime: u8;
    fn PyErr_SetInterruptEx(signum: i32) -> i32;
    fn PyThreadState_Get() -> *mut u8;
}

/// The handler of [`ARRIVAL_SIGNAL`]: the host delivered signals while the program was computing.
#[pyfunction]
fn signal_arrived(py: Python<'_>, _signum: i32, _frame: Py<PyAny>) -> PyResult<()> {
    let handled = crate::host::handle_signals(py, net::take_signals());
    // Inside a call into the core (Python code it ran), the core trips them when it is released.
    if crate::core_is_free() {
        crate::host::trip_found_handlers();
    }
    handled.map(drop)
}

/// Finds the words, once per interpreter image: see the module's docs.
pub fn find(py: Python<'_>) -> PyResult<()> {
    if WORDS.get().is_some() {
        return Ok(());
    }
    py.import("_signal")?.call_method1("signal", (ARRIVAL_SIGNAL, wrap_pyfunction!(signal_arrived, py)?))?;
    // SAFETY: plain C API calls with the interpreter attached; the first only reads a pointer.
    #[allow(unsafe_code)]
    let (runtime, thread) = unsafe { (&raw const _PyRuntime as usize, PyThreadState_Get() as usize) };
    let end = core::arch::wasm32::memory_size(0) * 65536;
    let regions = [(runtime, SEARCHED.min(end - runtime)), (thread, 1024.min(end - thread))];
    let mut before: Vec<Vec<u32>> = regions.iter().map(|&(at, len)| read_words(at, len)).collect();
    // Nothing is allocated from here to the comparison's end, so the heap stays as it was.
    let mut changed: Vec<(usize, u32, u32)> = Vec::with_capacity(NOTED);
    // SAFETY: as above.
    #[allow(unsafe_code)]
    unsafe {
        PyErr_SetInterruptEx(ARRIVAL_SIGNAL)
    };
    'compare: for (&(at, _), old) in regions.iter().zip(&before) {
        for (i, &was) in old.iter().enumerate() {
            let address = at + 4 * i;
            let now = read_word(address);
            if was != now && !changed.iter().any(|&(a, ..)| a == address) {
                if changed.len() == NOTED {
                    break 'compare;
                }
                changed.push((address, was, now));
            }
        }
    }
    // The copies are freed into the heap that componentize-py's snapshot keeps: as zeros they
    // cost the snapshot nothing.
    for copy in &mut before {
        for word in copy.iter_mut() {
            // SAFETY: a word of a live Vec; volatile, so that the stores before its drop stay.
            #[allow(unsafe_code)]
            unsafe {
                core::ptr::write_volatile(word, 0)
            };
        }
    }
    for &(address, was, _) in &changed {
        write_word(address, was);
    }
    let understood = changed.len() == 3 && changed.iter().all(|&(_, was, now)| was & !now == 0);
    let words = if understood {
        changed.iter().map(|&(address, was, now)| signals::SignalWord { address: address as u32, mask: now & !was }).collect()
    } else {
        Vec::new()
    };
    let _ = WORDS.set(words);
    Ok(())
}

/// Names the words to the host, once a run: the first time the guest calls into the core (a
/// socket call), arms `signal.alarm`, or `_pysock.started()` says the run began. Not in
/// `_pysock.install()`, which an app may call while componentize-py snapshots it, when no host
/// function can be called. Nothing if [`find`] did not understand the words.
pub fn name_once() {
    if NAMED.replace(true) {
        return;
    }
    if let Some(words) = WORDS.get().filter(|w| !w.is_empty()) {
        // The host refuses only words outside memory, which these are not.
        let _ = signals::set_words(words);
    }
}

/// Whether the run has begun, as [`name_once`] knows it: false while componentize-py snapshots an
/// app, when a call to any host function of pysock's would trap.
pub fn run_began() -> bool {
    NAMED.get()
}

thread_local! {
    /// Whether this run named the words ([`name_once`]): false in the snapshot.
    static NAMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The words of `len` bytes of linear memory from `at` (4-byte aligned).
fn read_words(at: usize, len: usize) -> Vec<u32> {
    (0..len / 4).map(|i| read_word(at + 4 * i)).collect()
}

fn read_word(address: usize) -> u32 {
    // SAFETY: inside linear memory (below `memory_size` when `find` began, and memory never
    // shrinks), 4-byte aligned; a volatile read, as the memory is the interpreter's, not a Rust
    // object's.
    #[allow(unsafe_code)]
    unsafe {
        core::ptr::read_volatile(address as *const u32)
    }
}

fn write_word(address: usize, value: u32) {
    // SAFETY: a word `read_words` read, put back as it was before the trip.
    #[allow(unsafe_code)]
    unsafe {
        core::ptr::write_volatile(address as *mut u32, value)
    };
}
