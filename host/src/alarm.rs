//! The guest's real-time interval timer: setitimer(2)'s ITIMER_REAL, which `signal.alarm` and
//! `signal.setitimer` set in the sandbox as they do natively.
//!
//! A native timer makes the kernel send SIGALRM; here a thread, started when the timer is first
//! armed, sleeps until it expires and delivers SIGALRM through the run's
//! [`Interrupter`](crate::Interrupter), as Ctrl-C delivers SIGINT: the wait the guest is in, or its
//! next one, ends with EINTR, and CPython runs the program's handler. Like a SIGINT, it reaches a
//! guest that waits (in a socket call, `select`, `time.sleep`, ...), not one that computes.
//!
//! The thread holds no strong reference to the run: it ends when the run's interrupter is dropped
//! or stopped ([`Alarm::close`]).

use std::sync::{Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// Linux's (and WASI CPython's) number for SIGALRM.
pub(crate) const SIGALRM: u32 = 14;

/// One run's timer.
#[derive(Default)]
pub(crate) struct Alarm {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// When it next expires (`None`: disarmed).
    expires: Option<Instant>,
    /// How long after each expiry the next one is (zero: it expires once).
    interval: Duration,
    /// Whether the thread that delivers it is running.
    running: bool,
    /// The run is over: the thread ends.
    closed: bool,
}

impl State {
    /// (time left, interval), as getitimer(2) reports them: zero when disarmed.
    fn reading(&self) -> (Duration, Duration) {
        let left = self.expires.map_or(Duration::ZERO, |at| at.saturating_duration_since(Instant::now()));
        // An expiry due but not yet delivered still reads as armed, as the kernel's does.
        let left = if self.expires.is_some() && left.is_zero() { Duration::from_micros(1) } else { left };
        (left, self.interval)
    }
}

impl Alarm {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A thread that panicked while holding it left the state whole: each change is one store.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// (time left, interval).
    pub(crate) fn get(&self) -> (Duration, Duration) {
        self.lock().reading()
    }

    /// Arms the timer to expire `value` from now (zero: disarms it), then every `interval`, and
    /// returns it as it was. The first time it is armed, starts the thread that calls `deliver`
    /// at each expiry (with `wake`, while the run lasts). Fails only if no thread can be started.
    pub(crate) fn set<W: Send + Sync + 'static>(
        self: &std::sync::Arc<Self>,
        value: Duration,
        interval: Duration,
        wake: Weak<W>,
        deliver: fn(&std::sync::Arc<W>),
    ) -> std::io::Result<(Duration, Duration)> {
        let mut state = self.lock();
        let was = state.reading();
        if state.closed {
            return Ok(was);
        }
        // An expiry too far away to represent is never.
        state.expires = if value.is_zero() { None } else { Instant::now().checked_add(value) };
        state.interval = if state.expires.is_some() { interval } else { Duration::ZERO };
        if state.expires.is_some() && !state.running {
            let alarm = std::sync::Arc::clone(self);
            std::thread::Builder::new().name("pysock-alarm".into()).spawn(move || run(alarm, wake, deliver))?;
            state.running = true;
        }
        self.changed.notify_all();
        Ok(was)
    }

    /// Ends the thread: the run is over.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }
}

/// The thread: sleeps until the timer expires, delivers SIGALRM, and rearms it by its interval,
/// skipping expiries it was too late for (the kernel counts them as one).
fn run<W>(alarm: std::sync::Arc<Alarm>, wake: Weak<W>, deliver: fn(&std::sync::Arc<W>)) {
    let mut state = alarm.lock();
    loop {
        if state.closed {
            return;
        }
        let now = Instant::now();
        match state.expires {
            None => state = alarm.changed.wait(state).unwrap_or_else(|p| p.into_inner()),
            Some(at) if now < at => state = alarm.changed.wait_timeout(state, at - now).unwrap_or_else(|p| p.into_inner()).0,
            Some(at) => {
                state.expires = next_expiry(at, state.interval, now);
                match wake.upgrade() {
                    Some(w) => deliver(&w),
                    None => return,
                }
            }
        }
    }
}

/// The expiry after `at` by `interval`, the first one later than `now`; `None` for a timer that
/// expires once.
fn next_expiry(at: Instant, interval: Duration, now: Instant) -> Option<Instant> {
    if interval.is_zero() {
        return None;
    }
    let late = now.saturating_duration_since(at).as_nanos();
    let skipped = u32::try_from(late / interval.as_nanos()).unwrap_or(u32::MAX);
    at.checked_add(interval.checked_mul(skipped.saturating_add(1))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_timer_skips_the_expiries_it_was_late_for() {
        let at = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(next_expiry(at, Duration::ZERO, at), None);
        assert_eq!(next_expiry(at, ms(10), at), Some(at + ms(10)));
        assert_eq!(next_expiry(at, ms(10), at + ms(25)), Some(at + ms(30)));
        assert_eq!(next_expiry(at, ms(10), at + ms(30)), Some(at + ms(40)));
    }

    #[test]
    fn it_reads_back_as_set_and_disarms() {
        let alarm = std::sync::Arc::new(Alarm::default());
        let wake = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let deliver: fn(&std::sync::Arc<std::sync::atomic::AtomicU32>) = |w| {
            w.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        };
        let set = |value, interval| alarm.set(value, interval, std::sync::Arc::downgrade(&wake), deliver).unwrap();
        assert_eq!(set(Duration::from_secs(100), Duration::from_secs(2)), (Duration::ZERO, Duration::ZERO));
        let (left, interval) = alarm.get();
        assert!(left > Duration::from_secs(99) && left <= Duration::from_secs(100) && interval == Duration::from_secs(2));
        let (left, _) = set(Duration::ZERO, Duration::from_secs(5));
        assert!(left > Duration::from_secs(99));
        assert_eq!(alarm.get(), (Duration::ZERO, Duration::ZERO), "disarmed, with no interval");
        // Expiring: delivered within a bounded wait, once.
        set(Duration::from_millis(1), Duration::ZERO);
        let start = Instant::now();
        while wake.load(std::sync::atomic::Ordering::SeqCst) == 0 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(wake.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(alarm.get(), (Duration::ZERO, Duration::ZERO));
        alarm.close();
    }
}
