//! Per-instance limits on what a guest may consume, and the errors a breach raises.
//!
//! Each limit answers with the errno that CPython code already handles for the analogous kernel
//! limit — EMFILE for descriptors, ENOBUFS for buffers and rates, EAI_AGAIN for a busy resolver —
//! and [`crate::PysockCtx`] keeps a sentence naming the quota, which the guest puts in the
//! exception's message.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Limits for one guest instance. The default limits only open sockets (1024, a typical `ulimit -n`).
#[derive(Clone, Debug)]
pub struct Quotas {
    /// Sockets open at once (EMFILE).
    pub sockets: usize,
    /// Listening sockets open at once (EMFILE).
    pub listeners: usize,
    /// Bytes the guest may send over the instance's lifetime (ENOBUFS).
    pub bytes_sent: u64,
    /// Bytes the guest may receive over the instance's lifetime (ENOBUFS).
    pub bytes_received: u64,
    /// New connections (connects and accepts) per second, with bursts up to that many (ENOBUFS).
    pub connections_per_second: u32,
    /// TLS sessions open at once (ENOBUFS, as an SSLError).
    pub tls_sessions: usize,
    /// Name lookups in flight at once, counted across every instance that shares these slots
    /// (EAI_AGAIN). `None` is unlimited.
    pub lookups: Option<LookupSlots>,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            sockets: crate::DEFAULT_MAX_SOCKETS,
            listeners: usize::MAX,
            bytes_sent: u64::MAX,
            bytes_received: u64::MAX,
            connections_per_second: u32::MAX,
            tls_sessions: usize::MAX,
            lookups: None,
        }
    }
}

/// A counting semaphore for name lookups, shared by the instances an embedder runs: one guest's
/// lookup is synchronous, so concurrency comes from many guests resolving at once.
#[derive(Clone, Debug)]
pub struct LookupSlots(Arc<(AtomicUsize, usize)>);

impl LookupSlots {
    pub fn new(limit: usize) -> Self {
        LookupSlots(Arc::new((AtomicUsize::new(0), limit)))
    }

    pub fn limit(&self) -> usize {
        self.0.1
    }

    /// Takes a slot until the guard drops, or `None` when all are in use.
    pub fn try_acquire(&self) -> Option<LookupGuard> {
        let (used, limit) = &*self.0;
        used.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < *limit).then_some(n + 1))
            .ok()
            .map(|_| LookupGuard(self.clone()))
    }
}

/// A lookup slot in use.
#[derive(Debug)]
pub struct LookupGuard(LookupSlots);

impl Drop for LookupGuard {
    fn drop(&mut self) {
        self.0.0.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A token bucket: `rate` tokens a second, holding at most `rate`.
#[derive(Debug)]
pub(crate) struct Rate {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Rate {
    pub(crate) fn new(per_second: u32) -> Self {
        Rate { rate: per_second as f64, tokens: per_second as f64, last: Instant::now() }
    }

    /// Whether a token is there to take.
    pub(crate) fn available(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.rate);
        self.last = now;
        self.tokens >= 1.0
    }

    /// Takes one token if there is one.
    pub(crate) fn take(&mut self) -> bool {
        if self.available() {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What one instance has used so far.
#[derive(Debug)]
pub(crate) struct Usage {
    pub sockets: usize,
    pub listeners: usize,
    pub bytes_sent: u64,
    /// Shared with the receives in flight, which count what they took as the host lowers their
    /// result into the guest (`crate::data`), past the point where the store is reachable.
    pub bytes_received: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub connections: Rate,
    pub tls_sessions: usize,
}

impl Usage {
    pub(crate) fn new(q: &Quotas) -> Self {
        Usage { sockets: 0, listeners: 0, bytes_sent: 0, bytes_received: Default::default(), connections: Rate::new(q.connections_per_second), tls_sessions: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_slots_are_shared_and_returned() {
        let slots = LookupSlots::new(2);
        let a = slots.try_acquire().unwrap();
        let other = slots.clone();
        let _b = other.try_acquire().unwrap();
        assert!(slots.try_acquire().is_none());
        drop(a);
        assert!(slots.try_acquire().is_some());
    }

    #[test]
    fn rate_allows_a_burst_then_refuses() {
        let mut r = Rate::new(3);
        assert!(r.take() && r.take() && r.take());
        assert!(!r.take());
    }
}
