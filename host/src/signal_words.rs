//! The `pysock:net/signals` interface: signals that reach a guest while it computes.
//!
//! A native CPython takes a signal between any two of its instructions, because the kernel runs its
//! C handler whenever the signal arrives; that handler only sets words of the interpreter's memory
//! (the signal's "tripped" flag, and a request that the evaluation loop looks at signals), and the
//! loop runs the program's Python handler at its next check. A sandboxed guest has no handler the
//! kernel can run, so until now a signal waited for the guest's next pysock wait. Here the guest
//! names those words ([`set-words`](add_to_linker)) and the thread that delivers a signal (Ctrl-C's,
//! the alarm's) sets them itself, while the guest runs: the same stores, made by the same kind of
//! asynchronous writer, that the interpreter already expects from a signal handler.
//!
//! Which words and which bits is the guest's knowledge; the host checks only that each word lies
//! in the guest's memory, and never reads them.

use crate::bindings::pysock::net::signals::SignalWord;
use crate::bindings::pysock::net::types::Errno;
use crate::PysockView;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicU32, Ordering};
use wasmtime::component::__internal::{InterfaceType, LowerContext};
use wasmtime::component::{Linker, Lower};
use wasmtime::StoreContextMut;

/// The WIT name of the interface, as the guest imports it.
const INTERFACE: &str = "pysock:net/signals@0.1.0";

/// The most words a guest may name: CPython needs three.
const MAX_WORDS: usize = 8;

/// Words of a guest's memory that a delivered signal sets, by address in this process.
pub(crate) struct SignalWords {
    words: Vec<(*const AtomicU32, u32)>,
}

// SAFETY: the pointers are addresses in a guest's linear memory, which stays mapped at the same
// address while its store lives (see `Drop for PysockCtx` for the end); they are used only for
// atomic stores, from whichever thread delivers a signal.
#[allow(unsafe_code)]
unsafe impl Send for SignalWords {}

impl SignalWords {
    /// Sets every word's bits, as the guest's own signal handler would.
    pub(crate) fn trip(&self) {
        for &(word, mask) in &self.words {
            // SAFETY: `word` is 4-byte aligned and inside the guest's memory, checked when the guest
            // named it, and that memory is neither moved nor unmapped while this value exists: the
            // engine is built with memories that never move (`runtime::engine`), and the store drops
            // its `PysockCtx`, which forgets these words under the lock `trip` runs under, before
            // it frees the memory. The guest may read or write the word meanwhile, as the
            // interpreter's main thread does while a native signal handler sets it; this store is
            // atomic, and the guest's accesses to these words are the interpreter's atomic ones.
            #[allow(unsafe_code)]
            unsafe { &*word }.fetch_or(mask, Ordering::SeqCst);
        }
    }
}

/// `result<_, errno>` from `set-words`, whose lowering is the one point of the call that holds the
/// guest's memory writably: there the words' addresses are checked and taken.
struct SetWords {
    words: Vec<SignalWord>,
    interrupter: crate::Interrupter,
}

type SetResult = Result<(), Errno>;

crate::data::component_type_as!(SetWords => SetResult);

impl SetWords {
    /// Checks the words against `memory` (the guest's) and hands them to the interrupter.
    fn set(&self, memory: &mut [u8]) -> SetResult {
        if self.words.len() > MAX_WORDS {
            return Err(Errno::Einval);
        }
        let base = memory.as_mut_ptr();
        let mut words = Vec::with_capacity(self.words.len());
        for &SignalWord { address, mask } in &self.words {
            let at = address as usize;
            if at % 4 != 0 || at.checked_add(4).is_none_or(|end| end > memory.len()) {
                return Err(Errno::Einval);
            }
            words.push((base.wrapping_add(at) as *const AtomicU32, mask));
        }
        self.interrupter.set_signal_words((!words.is_empty()).then_some(SignalWords { words }));
        Ok(())
    }
}

// SAFETY: every lowering writes a whole `result<_, errno>` through the generated implementation.
#[allow(unsafe_code)]
unsafe impl Lower for SetWords {
    fn linear_lower_to_flat<U>(&self, cx: &mut LowerContext<'_, U>, ty: InterfaceType, dst: &mut MaybeUninit<Self::Lower>) -> wasmtime::Result<()> {
        self.set(cx.as_slice_mut()).linear_lower_to_flat(cx, ty, dst)
    }

    fn linear_lower_to_memory<U>(&self, cx: &mut LowerContext<'_, U>, ty: InterfaceType, offset: usize) -> wasmtime::Result<()> {
        self.set(cx.as_slice_mut()).linear_lower_to_memory(cx, ty, offset)
    }
}

/// Adds `pysock:net/signals` to `linker`.
pub fn add_to_linker<T: PysockView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let mut signals = linker.instance(INTERFACE)?;
    signals.func_wrap("set-words", |mut store: StoreContextMut<'_, T>, (words,): (Vec<SignalWord>,)| {
        let interrupter = store.data_mut().pysock().ctx.interrupter.clone();
        Ok((SetWords { words, interrupter },))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(memory: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(memory[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn a_delivered_signal_sets_the_words_the_guest_named_in_its_memory() {
        let interrupter = crate::Interrupter::new().unwrap();
        let mut memory = vec![0u8; 64];
        memory[12] = 0x10;
        let named = |words: &[(u32, u32)]| SetWords {
            words: words.iter().map(|&(address, mask)| SignalWord { address, mask }).collect(),
            interrupter: interrupter.clone(),
        };
        assert_eq!(named(&[(8, 1), (12, 6)]).set(&mut memory), Ok(()));
        assert_eq!((word(&memory, 8), word(&memory, 12)), (0, 0x10), "nothing before a signal");
        assert!(interrupter.deliver_sigint());
        assert_eq!((word(&memory, 8), word(&memory, 12)), (1, 0x16), "bits set, others kept");
        // Unaligned, past the end, straddling it, too many: refused, and the words stay as named.
        for words in [&[(9, 1)][..], &[(64, 1)], &[(62, 1)], &[(u32::MAX - 1, 1)], &[(0, 1); 9]] {
            assert_eq!(named(words).set(&mut memory), Err(Errno::Einval), "{words:?}");
        }
        memory[8] = 0;
        interrupter.take_signals();
        assert!(interrupter.deliver_sigint());
        assert_eq!(word(&memory, 8), 1);
        // An empty list stops it.
        assert_eq!(named(&[]).set(&mut memory), Ok(()));
        memory[8] = 0;
        interrupter.take_signals();
        assert!(interrupter.deliver_sigint());
        assert_eq!(word(&memory, 8), 0);
    }
}
