//! The limits a sandboxed program reads with `resource.getrlimit` and may lower, never raise, with
//! `resource.setrlimit`: open sockets (RLIMIT_NOFILE) and memory (RLIMIT_AS, RLIMIT_DATA).
//!
//! The embedder's limits are the hard ones: the socket quota ([`crate::Quotas::sockets`]) and the
//! memory cap ([`crate::PysockCtxBuilder::max_memory`]). A program's soft limit is enforced as the
//! kernel enforces its own: a socket past it fails with EMFILE, and the guest's memory does not
//! grow past it, so CPython raises MemoryError. Memory is capped only where the store's limiter is
//! a [`Limiter`] (pysock's own [`crate::runtime::State`] uses one); what the guest already holds
//! stays, as mappings made before a lower RLIMIT_AS stay on Linux.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::{ResourceLimiter, StoreLimits};

/// wasm32's whole memory, which is the guest's limit when the embedder set none.
pub const WASM32_MEMORY: u64 = 1 << 32;

/// The guest's memory limits, shared by the context (which the guest's calls change) and the
/// store's [`Limiter`] (which wasmtime asks before the memory grows).
#[derive(Clone, Debug)]
pub struct MemoryCap(Arc<MemoryLimits>);

#[derive(Debug)]
struct MemoryLimits {
    soft: AtomicU64,
    hard: u64,
}

impl MemoryCap {
    /// `hard` bytes (the embedder's cap, or [`WASM32_MEMORY`]), which is also the soft limit until
    /// the guest lowers it.
    pub fn new(hard: u64) -> Self {
        MemoryCap(Arc::new(MemoryLimits { soft: AtomicU64::new(hard), hard }))
    }

    pub fn soft(&self) -> u64 {
        self.0.soft.load(Ordering::Relaxed)
    }

    pub fn hard(&self) -> u64 {
        self.0.hard
    }

    /// Whether the guest's memory may grow to `bytes`.
    pub fn allows(&self, bytes: usize) -> bool {
        bytes as u64 <= self.soft()
    }

    pub(crate) fn set_soft(&self, bytes: u64) {
        self.0.soft.store(bytes, Ordering::Relaxed);
    }
}

/// A store's resource limiter: the embedder's [`StoreLimits`], and the memory limit the guest may
/// lower for itself.
pub struct Limiter {
    store: StoreLimits,
    memory: MemoryCap,
}

impl Limiter {
    pub fn new(store: StoreLimits, memory: MemoryCap) -> Self {
        Limiter { store, memory }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(self.memory.allows(desired) && self.store.memory_growing(current, desired, maximum)?)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.store.memory_grow_failed(error)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.store.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.store.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.store.instances()
    }

    fn tables(&self) -> usize {
        self.store.tables()
    }

    fn memories(&self) -> usize {
        self.store.memories()
    }
}
