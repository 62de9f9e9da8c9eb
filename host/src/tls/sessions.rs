//! TLS sessions as CPython's `ssl` shows them: an `SSLSession` that a client takes from one
//! connection and offers on the next (`session=`), `session_reused`, and `session_stats()`.
//!
//! OpenSSL keeps no client-side cache unless the program sets one up: a client resumes only when
//! it is handed a session. rustls' client instead looks sessions up by server name in a store, so
//! each connection gets a store of its own ([`ConnectionStore`]) that offers only the session the
//! program chose and catches what the server sends back.
//!
//! A TLS 1.3 ticket can be used once in rustls, while an OpenSSL session can be offered again and
//! again. So a session holds a pool of tickets, and a connection that resumed from a session puts
//! the tickets it receives into that session's pool: the session stays usable as long as the
//! server keeps issuing tickets, which OpenSSL and rustls servers both do on every handshake.

use rustls::NamedGroup;
use rustls::client::{ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;
use rustls::server::StoresServerSessions;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// OpenSSL's default session timeout and ticket lifetime hint, in seconds. rustls keeps the
/// lifetime a server announced to itself, so pysock reports OpenSSL's default for both.
pub const LIFETIME_SECS: u32 = 7200;

/// Tickets kept per session; a server sends two per handshake by default.
const MAX_TICKETS: usize = 8;

/// Server-side session cache entries, OpenSSL's default (SSL_SESSION_CACHE_MAX_SIZE_DEFAULT).
const MAX_CACHED: usize = 1024 * 20;

/// What resumes a session: the TLS 1.2 session state or TLS 1.3 tickets.
#[derive(Debug, Default)]
pub struct Tickets {
    tls12: Option<Tls12ClientSessionValue>,
    tls13: VecDeque<Tls13ClientSessionValue>,
    kx_hint: Option<NamedGroup>,
}

pub type Pool = Arc<Mutex<Tickets>>;

fn lock(pool: &Pool) -> std::sync::MutexGuard<'_, Tickets> {
    // A panic while holding the lock cannot leave the tickets half-written; keep using them.
    pool.lock().unwrap_or_else(|e| e.into_inner())
}

/// `ssl.SSLSession`: what a client needs to resume, and what `SSLSession`'s attributes show.
#[derive(Clone, Debug)]
pub struct TlsSession {
    pub id: [u8; 32],
    /// When it was established, in seconds since the epoch.
    pub time: u64,
    pub pool: Pool,
}

impl TlsSession {
    /// A new session with a random id (as OpenSSL gives TLS 1.3 and ticket sessions).
    pub fn new(pool: Pool) -> TlsSession {
        let mut id = [0; 32];
        // The id only names the session to the program; a failed draw would leave zeros, still an id.
        let _ = super::provider().secure_random.fill(&mut id);
        let time = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        TlsSession { id, time, pool }
    }

    /// Whether offering it can resume: a TLS 1.2 session or at least one TLS 1.3 ticket.
    pub fn has_ticket(&self) -> bool {
        let t = lock(&self.pool);
        t.tls12.is_some() || !t.tls13.is_empty()
    }
}

/// One client connection's view of sessions: it offers `offered` only, and collects what the
/// server issues in `received`.
#[derive(Debug)]
pub struct ConnectionStore {
    offered: Option<Pool>,
    received: Mutex<Pool>,
}

impl ConnectionStore {
    pub fn new(offered: Option<Pool>) -> ConnectionStore {
        ConnectionStore { offered, received: Mutex::new(Pool::default()) }
    }

    fn received(&self) -> Pool {
        self.received.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// After a resumed handshake: what arrived so far goes into the offered session's pool, and so
    /// does everything that arrives later. Returns the pool now in use.
    pub fn join_offered(&self) -> Pool {
        let Some(offered) = &self.offered else { return self.received() };
        let mut received = self.received.lock().unwrap_or_else(|e| e.into_inner());
        if !Arc::ptr_eq(&received, offered) {
            let taken = std::mem::take(&mut *lock(&received));
            let mut into = lock(offered);
            if taken.tls12.is_some() {
                into.tls12 = taken.tls12;
            }
            into.tls13.extend(taken.tls13);
            while into.tls13.len() > MAX_TICKETS {
                into.tls13.pop_front();
            }
            *received = offered.clone();
        }
        offered.clone()
    }

    /// The pool of a connection that did not resume.
    pub fn fresh(&self) -> Pool {
        self.received()
    }
}

impl ClientSessionStore for ConnectionStore {
    fn set_kx_hint(&self, _: ServerName<'static>, group: NamedGroup) {
        lock(&self.received()).kx_hint = Some(group);
    }

    fn kx_hint(&self, _: &ServerName<'_>) -> Option<NamedGroup> {
        self.offered.as_ref().and_then(|p| lock(p).kx_hint)
    }

    fn set_tls12_session(&self, _: ServerName<'static>, value: Tls12ClientSessionValue) {
        lock(&self.received()).tls12 = Some(value);
    }

    fn tls12_session(&self, _: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.offered.as_ref().and_then(|p| lock(p).tls12.clone())
    }

    // rustls forgets a session the server declined; an OpenSSL SSLSession object stays as it was.
    fn remove_tls12_session(&self, _: &ServerName<'static>) {}

    fn insert_tls13_ticket(&self, _: ServerName<'static>, value: Tls13ClientSessionValue) {
        let pool = self.received();
        let mut t = lock(&pool);
        t.tls13.push_back(value);
        if t.tls13.len() > MAX_TICKETS {
            t.tls13.pop_front();
        }
    }

    fn take_tls13_ticket(&self, _: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        self.offered.as_ref().and_then(|p| lock(p).tls13.pop_front())
    }
}

/// OpenSSL's per-context session counters (`SSLContext.session_stats()`).
#[derive(Debug, Default)]
pub struct SessionStats {
    pub connect: AtomicU64,
    pub connect_good: AtomicU64,
    pub accept: AtomicU64,
    pub accept_good: AtomicU64,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub cache_full: AtomicU64,
}

pub fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// A server context's session cache (sessions resumed by id, and TLS 1.3 stateful tickets when
/// OP_NO_TICKET is set), bounded as OpenSSL's is and counted for `session_stats()`.
#[derive(Debug)]
pub struct ServerCache {
    entries: Mutex<(HashMap<Vec<u8>, Vec<u8>>, VecDeque<Vec<u8>>)>,
    pub stats: Arc<SessionStats>,
}

impl ServerCache {
    pub fn new(stats: Arc<SessionStats>) -> ServerCache {
        ServerCache { entries: Mutex::default(), stats }
    }

    /// Sessions in the cache (`number`).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).0.len()
    }

    fn found(&self, value: Option<Vec<u8>>) -> Option<Vec<u8>> {
        if value.is_none() {
            count(&self.stats.misses);
        }
        value
    }
}

impl StoresServerSessions for ServerCache {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *guard;
        if map.len() >= MAX_CACHED && !map.contains_key(&key) {
            // OpenSSL evicts its oldest session when full and counts it.
            count(&self.stats.cache_full);
            while let Some(old) = order.pop_front() {
                if map.remove(&old).is_some() {
                    break;
                }
            }
        }
        if map.insert(key.clone(), value).is_none() {
            order.push_back(key);
        }
        // Keys taken by one-time tickets stay in `order`; drop them before it outgrows the cache.
        if order.len() > 2 * MAX_CACHED {
            order.retain(|k| map.contains_key(k));
        }
        true
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let value = self.entries.lock().unwrap_or_else(|e| e.into_inner()).0.get(key).cloned();
        self.found(value)
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        let value = self.entries.lock().unwrap_or_else(|e| e.into_inner()).0.remove(key);
        self.found(value)
    }

    fn can_cache(&self) -> bool {
        true
    }
}
