//! CPython's timeout modes and its `sock_call` retry loop, over a host whose sockets never block.
//!
//! A socket's timeout is `None` (blocking), `0.0` (non-blocking) or a positive number of seconds.
//! With a timeout, CPython's socket calls wait for readiness first and then call (`sock_call_ex`),
//! and so does [`sock_call`]: the order shows, for poll(2) reports a full send buffer as not
//! writable while send(2) would still take a few bytes. Its SSL calls try the engine first and
//! wait only when it wants to ([`ssl_call`]). In blocking mode the kernel would block inside the
//! call; the host's sockets never do, so it is "call, and on EAGAIN wait without a deadline".
#![forbid(unsafe_code)]

use crate::host::{Errno, Events, Host, Signalled};
use std::time::Duration;

/// How a call that cannot complete at once behaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// Wait as long as it takes.
    Blocking,
    /// Fail with EAGAIN (BlockingIOError) at once.
    NonBlocking,
    /// Wait until the deadline, then raise TimeoutError.
    Deadline(Duration),
}

impl Mode {
    /// The mode of a socket whose `gettimeout()` is `timeout`.
    pub fn of(timeout: Option<f64>) -> Mode {
        match timeout {
            None => Mode::Blocking,
            Some(t) if t <= 0.0 => Mode::NonBlocking,
            Some(t) => Mode::Deadline(Duration::try_from_secs_f64(t).unwrap_or(Duration::MAX)),
        }
    }
}

/// Why a call failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CallError {
    Os(Errno),
    /// The deadline passed: `TimeoutError('timed out')`.
    Timeout,
    /// A signal handler raised while the call waited ([`Error::Raised`](crate::errno::Error::Raised)).
    Raised,
    /// A Python signal handler is to run before the call is made again ([`Signalled::HandBack`]).
    HandBack,
}

/// CPython's `sock_call_ex`: runs `op` until it succeeds, fails with something other than
/// EAGAIN/EINTR, or the mode says stop; with a deadline it waits for `interest` before each try.
/// `deadline` is absolute (host clock) and set on the first wait unless the caller passes one, as
/// `sendall` does to share one deadline between its chunks.
pub fn sock_call<H: Host, T>(
    host: &H,
    socket: &H::Socket,
    interest: Events,
    mode: Mode,
    deadline: Option<Duration>,
    op: impl FnMut() -> Result<T, Errno>,
) -> Result<T, CallError> {
    call(host, socket, interest, mode, deadline, matches!(mode, Mode::Deadline(_)), op)
}

/// As [`sock_call`], but `op` is tried before any wait, as CPython's `_ssl` calls the engine
/// (which may hold the bytes already) before it selects on the socket.
pub fn ssl_call<H: Host, T>(
    host: &H,
    socket: &H::Socket,
    interest: Events,
    mode: Mode,
    deadline: Option<Duration>,
    op: impl FnMut() -> Result<T, Errno>,
) -> Result<T, CallError> {
    call(host, socket, interest, mode, deadline, false, op)
}

fn call<H: Host, T>(
    host: &H,
    socket: &H::Socket,
    interest: Events,
    mode: Mode,
    mut deadline: Option<Duration>,
    wait_first: bool,
    mut op: impl FnMut() -> Result<T, Errno>,
) -> Result<T, CallError> {
    if wait_first {
        wait(host, socket, interest, mode, &mut deadline)?;
    }
    loop {
        match blocking_call(host, &mut op) {
            Err(CallError::Os(Errno::Eagain)) if mode != Mode::NonBlocking => {}
            done => return done,
        }
        wait(host, socket, interest, mode, &mut deadline)?;
    }
}

/// A call as CPython's `sock_call_ex` makes a blocking system call: one cut short by a SIGINT
/// (a call that waited inside the host, [`Host::recv_waiting`]) runs the handler and, unless that
/// raised, is made again (PEP 475); any other error is the call's. For a blocking socket's call
/// that waits inside the host, EAGAIN among them: it returns that only once the socket's
/// SO_RCVTIMEO or SO_SNDTIMEO ran out, which is BlockingIOError natively too.
pub fn blocking_call<H: Host, T>(host: &H, mut op: impl FnMut() -> Result<T, Errno>) -> Result<T, CallError> {
    loop {
        match op() {
            Err(Errno::Eintr) => match host.check_signals() {
                Signalled::Raised => return Err(CallError::Raised),
                Signalled::HandBack => return Err(CallError::HandBack),
                Signalled::Pending | Signalled::Ignored => continue,
            },
            done => return done.map_err(CallError::Os),
        }
    }
}

/// The absolute deadline of a call with timeout `t` that starts now, or, when the call is one made
/// again after a signal handler ran, the deadline it had: CPython runs handlers inside the call's
/// loop, which keeps its deadline (PEP 475).
pub fn deadline<H: Host>(host: &H, t: Duration) -> Duration {
    host.resumed_deadline().unwrap_or_else(|| host.now().saturating_add(t))
}

/// Waits once for `interest` (or an error condition) on `socket`, as `internal_select` does.
pub fn wait<H: Host>(
    host: &H,
    socket: &H::Socket,
    interest: Events,
    mode: Mode,
    deadline: &mut Option<Duration>,
) -> Result<(), CallError> {
    let limit = match mode {
        Mode::NonBlocking => Some(Duration::ZERO),
        Mode::Blocking => None,
        Mode::Deadline(t) => {
            let end = *deadline.get_or_insert_with(|| self::deadline(host, t));
            let left = end.saturating_sub(host.now());
            if left.is_zero() {
                return Err(CallError::Timeout);
            }
            Some(left)
        }
    };
    let ready = match through_signals(host, limit, false, |left| host.wait(&[(socket, interest)], Events::empty(), left)) {
        Err(CallError::HandBack) => {
            if let Some(end) = *deadline {
                host.keep_deadline(end);
            }
            return Err(CallError::HandBack);
        }
        other => other?.unwrap_or_default(),
    };
    if ready.is_empty() && limit.is_some() {
        return Err(CallError::Timeout);
    }
    Ok(())
}

/// After a blocking socket's send that the host ended with part of the bytes sent, as it does for
/// a SIGINT (or an error, which the next send reports): a SIGINT's handler runs now, as CPython's
/// would once send(2) returned its partial count, so KeyboardInterrupt comes from this call and a
/// Python handler runs before the program goes on.
pub fn after_partial_send<H: Host>(host: &H) -> Result<(), CallError> {
    through_signals(host, Some(Duration::ZERO), true, |left| host.wait(&[], Events::empty(), left)).map(drop)
}

/// A host wait as CPython waits since PEP 475: a wait the host ended for a SIGINT turns to the
/// program's handler ([`Host::check_signals`]), and unless that raised, waits again for what is
/// left of `limit`. A readiness wait (`readiness`) instead returns `None` at once when a Python
/// handler is pending, for it to run.
pub fn through_signals<H: Host, T>(
    host: &H,
    limit: Option<Duration>,
    readiness: bool,
    mut wait: impl FnMut(Option<Duration>) -> Result<T, Errno>,
) -> Result<Option<T>, CallError> {
    let end = limit.map(|l| host.now().saturating_add(l));
    loop {
        match wait(end.map(|e| e.saturating_sub(host.now()))) {
            Err(Errno::Eintr) => match host.check_signals() {
                Signalled::Raised => return Err(CallError::Raised),
                Signalled::HandBack => return Err(CallError::HandBack),
                Signalled::Pending if readiness => return Ok(None),
                Signalled::Pending | Signalled::Ignored => {}
            },
            done => return done.map(Some).map_err(CallError::Os),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeHost;
    use std::collections::VecDeque;

    fn scripted(answers: Vec<Result<u32, Errno>>) -> impl FnMut() -> Result<u32, Errno> {
        let mut answers = VecDeque::from(answers);
        move || answers.pop_front().expect("op called too often")
    }

    /// A call handed back for a handler, then made again, waits only for what was left of its
    /// deadline, as CPython's call, which runs the handler inside its loop (PEP 475).
    #[test]
    fn a_call_made_again_after_its_handler_keeps_its_deadline() {
        let h = FakeHost::default();
        h.interruptions.set(1);
        h.signals.borrow_mut().push_back(Signalled::HandBack);
        h.waits.borrow_mut().extend([(Duration::from_millis(100), false), (Duration::from_millis(300), false)]);
        let mode = Mode::Deadline(Duration::from_millis(300));
        assert_eq!(sock_call(&h, &(), Events::READABLE, mode, None, scripted(vec![])), Err(CallError::HandBack));
        assert_eq!(sock_call(&h, &(), Events::READABLE, mode, None, scripted(vec![])), Err(CallError::Timeout));
        assert_eq!(*h.wait_limits.borrow(), [Some(Duration::from_millis(300)), Some(Duration::from_millis(200))]);
        assert_eq!(h.clock.get(), Duration::from_millis(300));
        assert_eq!(h.resumed_deadline(), None, "the kept deadline is taken once");
    }

    /// A wait the host ends for a SIGINT runs the program's handler, as CPython's waits do since
    /// PEP 475: if it raised, the call ends with that exception; if not, the wait goes on for the
    /// time left, and the call completes.
    #[test]
    fn an_interrupted_wait_checks_signals_then_waits_for_the_time_left() {
        let h = FakeHost::default();
        h.interruptions.set(1);
        h.waits.borrow_mut().extend([(Duration::from_millis(100), false), (Duration::from_millis(5), true)]);
        // With a timeout the call waits before its first try.
        let op = scripted(vec![Ok(7)]);
        let mode = Mode::Deadline(Duration::from_millis(300));
        assert_eq!(sock_call(&h, &(), Events::READABLE, mode, None, op), Ok(7));
        let limits = [Some(Duration::from_millis(300)), Some(Duration::from_millis(200))];
        assert_eq!(*h.wait_limits.borrow(), limits);

        // A host whose one wait a SIGINT ends, whose handler comes to `answer`.
        let interrupted = |answer| {
            let h = FakeHost::default();
            h.interruptions.set(1);
            h.signals.borrow_mut().push_back(answer);
            h.waits.borrow_mut().push_back((Duration::from_millis(100), false));
            h
        };
        let h = interrupted(Signalled::Raised);
        let op = scripted(vec![Err(Errno::Eagain)]);
        assert_eq!(sock_call(&h, &(), Events::READABLE, Mode::Blocking, None, op), Err(CallError::Raised));

        // A Python handler runs once the call returns: a readiness wait returns at once for it.
        let h = interrupted(Signalled::Pending);
        let waited = through_signals(&h, None, true, |left| h.wait(&[(&(), Events::READABLE)], Events::empty(), left));
        assert_eq!(waited, Ok(None));

        // A handler handed back ends the call, from a wait or from a call that waited in the host,
        // for the face to run it and call again.
        let h = interrupted(Signalled::HandBack);
        let op = scripted(vec![Err(Errno::Eagain)]);
        assert_eq!(sock_call(&h, &(), Events::READABLE, Mode::Blocking, None, op), Err(CallError::HandBack));
        let h = FakeHost::default();
        h.signals.borrow_mut().push_back(Signalled::HandBack);
        assert_eq!(blocking_call(&h, scripted(vec![Err(Errno::Eintr)])), Err(CallError::HandBack));
    }

    /// A blocking send cut short: a SIGINT the host left pending is taken with a wait that does
    /// not wait, and its handler's answer is the call's; with none pending the call goes on.
    #[test]
    fn a_partial_send_takes_the_sigint_that_cut_it() {
        let h = FakeHost::default();
        h.waits.borrow_mut().push_back((Duration::ZERO, false));
        assert_eq!(after_partial_send(&h), Ok(()));
        assert_eq!(*h.wait_limits.borrow(), [Some(Duration::ZERO)]);
        for (answer, result) in [(Signalled::Raised, Err(CallError::Raised)), (Signalled::Pending, Ok(()))] {
            let h = FakeHost::default();
            h.interruptions.set(1);
            h.signals.borrow_mut().push_back(answer);
            h.waits.borrow_mut().push_back((Duration::ZERO, false));
            assert_eq!(after_partial_send(&h), result);
        }
    }

    #[test]
    fn non_blocking_fails_at_once_without_waiting() {
        let h = FakeHost::default();
        let r = sock_call(&h, &(), Events::READABLE, Mode::NonBlocking, None, scripted(vec![Err(Errno::Eagain)]));
        assert_eq!(r, Err(CallError::Os(Errno::Eagain)));
        assert!(h.wait_limits.borrow().is_empty());
    }

    #[test]
    fn blocking_waits_without_limit_and_retries_spurious_readiness() {
        let h = FakeHost::default();
        h.waits.borrow_mut().extend([(Duration::from_secs(5), true), (Duration::from_secs(1), true)]);
        let op = scripted(vec![Err(Errno::Eagain), Err(Errno::Eagain), Ok(7)]);
        assert_eq!(sock_call(&h, &(), Events::READABLE, Mode::Blocking, None, op), Ok(7));
        assert_eq!(*h.wait_limits.borrow(), vec![None, None]);
    }

    #[test]
    fn deadline_is_shared_by_every_retry() {
        let h = FakeHost::default();
        // Ready after 0.3 s but the data is gone (spurious); then nothing until the deadline.
        h.waits.borrow_mut().extend([(Duration::from_millis(300), true), (Duration::ZERO, false)]);
        let op = scripted(vec![Err(Errno::Eagain), Err(Errno::Eagain)]);
        let r = sock_call(&h, &(), Events::READABLE, Mode::Deadline(Duration::from_secs(1)), None, op);
        assert_eq!(r, Err(CallError::Timeout));
        assert_eq!(*h.wait_limits.borrow(), vec![Some(Duration::from_secs(1)), Some(Duration::from_millis(700))]);
        assert_eq!(h.now(), Duration::from_secs(1));
    }

    #[test]
    fn eintr_is_retried_and_other_errors_are_raised() {
        let h = FakeHost::default();
        let op = scripted(vec![Err(Errno::Eintr), Err(Errno::Econnreset)]);
        assert_eq!(sock_call(&h, &(), Events::READABLE, Mode::Blocking, None, op), Err(CallError::Os(Errno::Econnreset)));
    }

    #[test]
    fn a_passed_deadline_times_out_without_waiting() {
        let h = FakeHost::default();
        h.clock.set(Duration::from_secs(10));
        let op = scripted(vec![Err(Errno::Eagain)]);
        let r = sock_call(&h, &(), Events::WRITABLE, Mode::Deadline(Duration::from_secs(1)), Some(Duration::from_secs(9)), op);
        assert_eq!(r, Err(CallError::Timeout));
        assert!(h.wait_limits.borrow().is_empty());
    }

    /// With a timeout, the socket must be ready before the call is made, as in CPython: a send on
    /// a full buffer times out rather than squeezing a few bytes in.
    #[test]
    fn a_deadline_waits_before_the_first_try() {
        let h = FakeHost::default();
        h.waits.borrow_mut().push_back((Duration::ZERO, false));
        let op = scripted(vec![Ok(5)]);
        let r = sock_call(&h, &(), Events::WRITABLE, Mode::Deadline(Duration::from_secs(1)), None, op);
        assert_eq!(r, Err(CallError::Timeout));
        // The SSL variant asks the engine first.
        let op = scripted(vec![Ok(5)]);
        assert_eq!(ssl_call(&h, &(), Events::WRITABLE, Mode::Deadline(Duration::from_secs(1)), None, op), Ok(5));
    }

    #[test]
    fn mode_follows_cpython() {
        assert_eq!(Mode::of(None), Mode::Blocking);
        assert_eq!(Mode::of(Some(0.0)), Mode::NonBlocking);
        assert_eq!(Mode::of(Some(0.25)), Mode::Deadline(Duration::from_millis(250)));
        assert_eq!(Mode::of(Some(1e300)), Mode::Deadline(Duration::MAX));
    }
}
