//! The guest's interval timers, setitimer(2)'s three, which `signal.alarm` and `signal.setitimer`
//! set in the sandbox as they do natively, and the CPU time they and `time.process_time` count.
//!
//! A native timer makes the kernel send its signal; here a thread, started when the timer is first
//! armed, waits until it expires and delivers the signal through the run's
//! [`Interrupter`](crate::Interrupter), as Ctrl-C delivers SIGINT: the wait the guest is in, or its
//! next one, ends with EINTR, a guest that computes takes it at its next check, and CPython runs
//! the program's handler.
//!
//! Each timer counts its own clock, as the kernel's do:
//! - ITIMER_REAL, wall-clock time, and SIGALRM;
//! - ITIMER_VIRTUAL, the guest's user-mode CPU time, and SIGVTALRM;
//! - ITIMER_PROF, the guest's CPU time, user and system, and SIGPROF.
//!
//! The guest is one thread of this process (the one that runs its store), so its CPU time is that
//! thread's: a native process's CPU time is its threads' sum, and a sandbox has one. The clock is
//! the thread's own ([`GuestThread`]), named when a program arms a timer, since that call runs on it;
//! the timer's thread reads it from outside. A thread's CPU time grows no faster than wall-clock
//! time, so the timer's thread sleeps for the CPU time left and looks again, rather than spinning.
//!
//! The thread holds no strong reference to the run: it ends when the run's interrupter is dropped
//! or stopped ([`Timer::close`]).

use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// One of setitimer(2)'s timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Which {
    /// ITIMER_REAL: wall-clock time.
    Real = 0,
    /// ITIMER_VIRTUAL: user-mode CPU time.
    Virtual = 1,
    /// ITIMER_PROF: CPU time, user and system.
    Profiling = 2,
}

impl Which {
    pub(crate) const ALL: [Which; 3] = [Which::Real, Which::Virtual, Which::Profiling];

    /// The signal its expiry is: SIGALRM, SIGVTALRM or SIGPROF, Linux's (and WASI CPython's) numbers.
    pub(crate) fn signal(self) -> u32 {
        match self {
            Which::Real => 14,
            Which::Virtual => 26,
            Which::Profiling => 27,
        }
    }
}

/// The thread a guest runs on, whose CPU time is the sandbox's.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GuestThread {
    /// Its CPU-time clock, which any thread can read (pthread_getcpuclockid(3)).
    clock: libc::clockid_t,
    /// Its thread id, under which /proc splits that time into user and system time.
    tid: libc::pid_t,
}

/// A guest's CPU time: what `time.process_time`, `os.times` and the CPU-time timers count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CpuTime {
    /// All of it, to the nanosecond: CLOCK_PROCESS_CPUTIME_ID's reading.
    pub running: Duration,
    /// In user mode and in the kernel, in clock ticks as times(2) counts them.
    pub user: Duration,
    pub system: Duration,
}

impl GuestThread {
    /// The calling thread: a host function called by the guest runs on the guest's thread.
    pub(crate) fn current() -> std::io::Result<GuestThread> {
        let (clock, tid) = crate::sys::current_thread_cpu_clock()?;
        Ok(GuestThread { clock, tid })
    }

    /// Its CPU time so far; zero once the thread has ended (the run is over).
    pub(crate) fn cpu_time(&self) -> CpuTime {
        let running = crate::sys::clock_now(self.clock).unwrap_or_default();
        // /proc counts in clock ticks; without it (a host with no /proc mounted) all of the time
        // counts as the user's, where a guest spends nearly all of it.
        let (user, system) = crate::sys::thread_times(self.tid).unwrap_or((running, Duration::ZERO));
        CpuTime { running, user, system }
    }
}

/// One run's timer of one kind.
pub(crate) struct Timer {
    which: Which,
    /// What the real-time timer's clock counts from.
    origin: Instant,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// The reading of the timer's clock at which it next expires (`None`: disarmed).
    expires: Option<Duration>,
    /// How long after each expiry the next one is (zero: it expires once).
    interval: Duration,
    /// The guest's thread, for the CPU-time timers, named when the timer was armed.
    thread: Option<GuestThread>,
    /// Whether the thread that delivers it is running.
    running: bool,
    /// The run is over: the thread ends.
    closed: bool,
}

impl Timer {
    pub(crate) fn new(which: Which) -> Timer {
        Timer { which, origin: Instant::now(), state: Default::default(), changed: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A thread that panicked while holding it left the state whole: each change is one store.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The timer's clock now.
    fn now(&self, state: &State) -> Duration {
        match (self.which, state.thread) {
            (Which::Real, _) => self.origin.elapsed(),
            (_, None) => Duration::ZERO,
            (Which::Virtual, Some(thread)) => thread.cpu_time().user,
            (Which::Profiling, Some(thread)) => thread.cpu_time().running,
        }
    }

    /// (time left, interval), as getitimer(2) reports them: zero when disarmed.
    fn reading(&self, state: &State) -> (Duration, Duration) {
        let Some(at) = state.expires else { return (Duration::ZERO, state.interval) };
        // An expiry due but not yet delivered still reads as armed, as the kernel's does.
        (at.saturating_sub(self.now(state)).max(Duration::from_micros(1)), state.interval)
    }

    /// (time left, interval).
    pub(crate) fn get(&self) -> (Duration, Duration) {
        let state = self.lock();
        self.reading(&state)
    }

    /// Arms the timer to expire once its clock has counted `value` more (zero: disarms it), then
    /// every `interval`, and returns it as it was. Called on the guest's thread, whose CPU time the
    /// CPU-time timers count. The first time it is armed, starts the thread that calls `deliver`
    /// at each expiry (with `wake`, while the run lasts, and which timer it is). Fails only if no thread can be started
    /// or the guest's thread has no CPU-time clock.
    pub(crate) fn set<W: Send + Sync + 'static>(
        self: &Arc<Self>,
        value: Duration,
        interval: Duration,
        wake: Weak<W>,
        deliver: fn(&Arc<W>, Which),
    ) -> std::io::Result<(Duration, Duration)> {
        let mut state = self.lock();
        if self.which != Which::Real && state.thread.is_none() {
            state.thread = Some(GuestThread::current()?);
        }
        let was = self.reading(&state);
        if state.closed {
            return Ok(was);
        }
        // Linux adds a tick to a CPU-time timer's value (set_cpu_itimer), so that it never expires
        // early on a clock sampled at ticks, and reads it back so.
        let value = match self.which {
            Which::Real => value,
            _ if value.is_zero() => value,
            _ => value.saturating_add(crate::sys::kernel_tick()),
        };
        // An expiry too far away to represent is never.
        state.expires = if value.is_zero() { None } else { self.now(&state).checked_add(value) };
        state.interval = if state.expires.is_some() { interval } else { Duration::ZERO };
        if state.expires.is_some() && !state.running {
            let timer = Arc::clone(self);
            let name = format!("pysock-timer-{}", timer.which.signal());
            std::thread::Builder::new().name(name).spawn(move || run(timer, wake, deliver))?;
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

/// The shortest sleep of a CPU-time timer's thread: /proc's user time moves in clock ticks
/// (10 ms), so a timer a microsecond from expiring may have a tick to wait.
const SHORTEST_CPU_WAIT: Duration = Duration::from_millis(1);

/// The thread: sleeps until the timer expires, delivers its signal, and rearms it by its
/// interval, skipping expiries it was too late for (the kernel counts them as one).
fn run<W>(timer: Arc<Timer>, wake: Weak<W>, deliver: fn(&Arc<W>, Which)) {
    let mut state = timer.lock();
    loop {
        if state.closed {
            return;
        }
        let now = timer.now(&state);
        match state.expires {
            None => state = timer.changed.wait(state).unwrap_or_else(|p| p.into_inner()),
            Some(at) if now < at => {
                // A CPU-time clock counts at most as fast as the wall clock: in `at - now` it
                // may have got there, and cannot have before.
                let wait = if timer.which == Which::Real { at - now } else { (at - now).max(SHORTEST_CPU_WAIT) };
                state = timer.changed.wait_timeout(state, wait).unwrap_or_else(|p| p.into_inner()).0;
            }
            Some(at) => {
                state.expires = next_expiry(at, state.interval, now);
                match wake.upgrade() {
                    Some(w) => deliver(&w, timer.which),
                    None => return,
                }
            }
        }
    }
}

/// The expiry after `at` by `interval`, the first one later than `now` (readings of the timer's
/// clock); `None` for a timer that expires once.
fn next_expiry(at: Duration, interval: Duration, now: Duration) -> Option<Duration> {
    if interval.is_zero() {
        return None;
    }
    let late = now.saturating_sub(at).as_nanos();
    let skipped = u32::try_from(late / interval.as_nanos()).unwrap_or(u32::MAX);
    at.checked_add(interval.checked_mul(skipped.saturating_add(1))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn an_interval_timer_skips_the_expiries_it_was_late_for() {
        let at = Duration::from_secs(7);
        let ms = Duration::from_millis;
        assert_eq!(next_expiry(at, Duration::ZERO, at), None);
        assert_eq!(next_expiry(at, ms(10), at), Some(at + ms(10)));
        assert_eq!(next_expiry(at, ms(10), at + ms(25)), Some(at + ms(30)));
        assert_eq!(next_expiry(at, ms(10), at + ms(30)), Some(at + ms(40)));
    }

    /// A timer whose expiries count up.
    struct Counted {
        timer: Arc<Timer>,
        expiries: Arc<AtomicU32>,
    }

    impl Counted {
        fn new(which: Which) -> Counted {
            Counted { timer: Arc::new(Timer::new(which)), expiries: Default::default() }
        }

        fn set(&self, value: Duration, interval: Duration) -> (Duration, Duration) {
            let deliver: fn(&Arc<AtomicU32>, Which) = |w, _| {
                w.fetch_add(1, Ordering::SeqCst);
            };
            self.timer.set(value, interval, Arc::downgrade(&self.expiries), deliver).unwrap()
        }

        /// Arms the timer for `value`, runs `work` until it expires, `work` says to stop or 5 s
        /// pass, and gives the count of expiries.
        fn expiries_while(&self, value: Duration, mut work: impl FnMut() -> bool) -> u32 {
            self.expiries.store(0, Ordering::SeqCst);
            self.set(value, Duration::ZERO);
            let start = Instant::now();
            while self.expiries.load(Ordering::SeqCst) == 0 && start.elapsed() < Duration::from_secs(5) && work() {}
            self.expiries.load(Ordering::SeqCst)
        }
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            self.timer.close();
        }
    }

    #[test]
    fn it_reads_back_as_set_and_disarms() {
        let counted = Counted::new(Which::Real);
        assert_eq!(counted.set(Duration::from_secs(100), Duration::from_secs(2)), (Duration::ZERO, Duration::ZERO));
        let (left, interval) = counted.timer.get();
        assert!(left > Duration::from_secs(99) && left <= Duration::from_secs(100) && interval == Duration::from_secs(2));
        let (left, _) = counted.set(Duration::ZERO, Duration::from_secs(5));
        assert!(left > Duration::from_secs(99));
        assert_eq!(counted.timer.get(), (Duration::ZERO, Duration::ZERO), "disarmed, with no interval");
        // Expiring while this thread sleeps: delivered within a bounded wait, once.
        let sleeping = || {
            std::thread::sleep(Duration::from_millis(1));
            true
        };
        assert_eq!(counted.expiries_while(Duration::from_millis(1), sleeping), 1);
        assert_eq!(counted.timer.get(), (Duration::ZERO, Duration::ZERO));
    }

    #[test]
    fn a_cpu_time_timer_counts_only_while_its_thread_computes() {
        for which in [Which::Virtual, Which::Profiling] {
            let counted = Counted::new(which);
            // Asleep for 100 ms, this thread spends far less than 50 ms of CPU time.
            let mut naps = 0;
            let napping = || {
                naps += 1;
                std::thread::sleep(Duration::from_millis(10));
                naps < 10
            };
            assert_eq!(counted.expiries_while(Duration::from_millis(50), napping), 0, "{which:?} expired in a sleep");
            let (left, _) = counted.timer.get();
            assert!(left > Duration::from_millis(20), "{which:?}: {left:?} left after sleeping");
            // Computing, it gets there.
            let mut sum = 0u64;
            let computing = || {
                for i in 0..10_000 {
                    sum = std::hint::black_box(sum.wrapping_add(i));
                }
                true
            };
            assert_eq!(counted.expiries_while(Duration::from_millis(50), computing), 1, "{which:?}");
        }
    }

    #[test]
    fn cpu_time_grows_with_work_and_no_faster_than_the_wall_clock() {
        let thread = GuestThread::current().unwrap();
        // The wall clock starts first and is read last, so its span holds the CPU clock's: reading
        // `before` also reads /proc, and that CPU time falls between the two readings.
        let start = Instant::now();
        let before = thread.cpu_time();
        let mut sum = 0u64;
        while thread.cpu_time().running < before.running + Duration::from_millis(30) && start.elapsed() < Duration::from_secs(5) {
            sum = std::hint::black_box(sum.wrapping_add(1));
        }
        let after = thread.cpu_time();
        let wall = start.elapsed();
        assert!(after.running - before.running >= Duration::from_millis(30), "{before:?} {after:?}");
        assert!(after.running - before.running <= wall, "{before:?} {after:?} in {wall:?}");
        assert!(after.user + after.system >= before.user + before.system);
    }
}
