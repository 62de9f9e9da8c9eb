//! CPython's timeout modes and its `sock_call` retry loop, over a host whose sockets never block.
//!
//! A socket's timeout is `None` (blocking), `0.0` (non-blocking) or a positive number of seconds.
//! CPython waits for readiness and then calls the operation; pysock calls the operation first and
//! waits only when it answers EAGAIN, which gives the same results with one host call less on the
//! common path. Blocking mode is emulated as "wait without a deadline, then retry".
#![forbid(unsafe_code)]

use crate::bindings::pysock::net::net::Events;
use crate::bindings::pysock::net::types::Errno;
use crate::host::Host;
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
}

/// Runs `op` until it succeeds, fails with something other than EAGAIN/EINTR, or the mode says stop.
/// `deadline` is absolute (host clock) and set on the first wait unless the caller passes one, as
/// `sendall` does to share one deadline between its chunks.
pub fn sock_call<H: Host, T>(
    host: &H,
    socket: &H::Socket,
    interest: Events,
    mode: Mode,
    mut deadline: Option<Duration>,
    mut op: impl FnMut() -> Result<T, Errno>,
) -> Result<T, CallError> {
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(Errno::Eintr) => continue,
            Err(Errno::Eagain) if mode != Mode::NonBlocking => {}
            Err(e) => return Err(CallError::Os(e)),
        }
        wait(host, socket, interest, mode, &mut deadline)?;
    }
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
            let now = host.now();
            let end = *deadline.get_or_insert_with(|| now.saturating_add(t));
            let left = end.saturating_sub(now);
            if left.is_zero() {
                return Err(CallError::Timeout);
            }
            Some(left)
        }
    };
    let ready = host.wait(&[(socket, interest)], limit).map_err(CallError::Os)?;
    if ready.is_empty() && limit.is_some() {
        return Err(CallError::Timeout);
    }
    Ok(())
}

#[cfg(any(test, feature = "fake-host"))]
pub mod tests {
    //! A scripted host: each operation's answers are queued, the clock advances only on waits.
    use super::*;
    use crate::bindings::pysock::net::net::{AddressInfo, ShutdownHow, Sockopt};
    use crate::bindings::pysock::net::types::{Family, GaiError, IpSocketAddress, Kind};
    use std::cell::{Cell, RefCell};
    use std::collections::VecDeque;

    #[derive(Default)]
    pub struct FakeHost {
        pub clock: Cell<Duration>,
        /// How long each wait takes and whether it reports readiness.
        pub waits: RefCell<VecDeque<(Duration, bool)>>,
        pub wait_limits: RefCell<Vec<Option<Duration>>>,
        /// How many sockets each wait was given.
        pub wait_sizes: RefCell<Vec<usize>>,
        /// How many bytes are staged for `send_staged`, and how many one call takes at most.
        pub staged: Cell<u64>,
        pub send_chunk: Cell<u64>,
    }

    impl Host for FakeHost {
        type Socket = ();
        type Epoll = ();
        fn epoll_create(&self) -> Result<(), Errno> { Ok(()) }
        fn epoll_ctl(&self, _: &(), _: crate::host::EpollOp, _: &(), _: u32, _: u32) -> Result<(), Errno> { Ok(()) }
        fn epoll_wait(&self, _: &(), _: u32, timeout: Option<Duration>) -> Result<Vec<(u32, u32)>, Errno> {
            self.wait_limits.borrow_mut().push(timeout);
            let (took, ready) = self.waits.borrow_mut().pop_front().expect("unexpected wait");
            let took = match timeout { Some(t) if !ready => t, _ => took };
            self.clock.set(self.clock.get() + took);
            Ok(if ready { vec![(3, 1)] } else { vec![] })
        }
        fn create(&self, _: Family, _: Kind, _: i32) -> Result<(), Errno> { Ok(()) }
        fn pair(&self) -> Result<((), ()), Errno> { Ok(((), ())) }
        fn bind(&self, _: &(), _: &IpSocketAddress) -> Result<(), Errno> { Ok(()) }
        fn listen(&self, _: &(), _: i32) -> Result<(), Errno> { Ok(()) }
        fn connect(&self, _: &(), _: &IpSocketAddress) -> Result<(), Errno> { Err(Errno::Einprogress) }
        fn disconnect(&self, _: &()) -> Result<(), Errno> { Ok(()) }
        fn accept(&self, _: &()) -> Result<((), Option<IpSocketAddress>), Errno> { Err(Errno::Eagain) }
        fn send(&self, _: &(), d: &[u8], _: i32) -> Result<u32, Errno> { Ok(d.len() as u32) }
        fn send_to(&self, _: &(), d: &[u8], _: i32, _: &IpSocketAddress) -> Result<u32, Errno> { Ok(d.len() as u32) }
        fn recv(&self, _: &(), _: u64, _: i32) -> Result<crate::bindings::pysock::net::types::Incoming, Errno> { Err(Errno::Eagain) }
        fn recv_from(&self, _: &(), _: u64, _: i32) -> Result<(crate::bindings::pysock::net::types::Incoming, Option<IpSocketAddress>), Errno> { Err(Errno::Eagain) }
        fn send_staged(&self, _: &(), offset: u64, _: i32) -> Result<u32, Errno> {
            let left = self.staged.get().checked_sub(offset).ok_or(Errno::Einval)?;
            Ok(left.min(self.send_chunk.get().max(1)) as u32)
        }
        fn recv_staged(&self, _: &(), _: u64, _: i32, _: u32) -> Result<crate::bindings::pysock::net::types::Received, Errno> { Err(Errno::Eagain) }
        fn shutdown(&self, _: &(), _: ShutdownHow) -> Result<(), Errno> { Ok(()) }
        fn local_address(&self, _: &()) -> Result<Option<IpSocketAddress>, Errno> { Ok(None) }
        fn remote_address(&self, _: &()) -> Result<Option<IpSocketAddress>, Errno> { Err(Errno::Enotconn) }
        fn get_option(&self, _: &(), _: Sockopt) -> Result<i64, Errno> { Ok(0) }
        fn set_option(&self, _: &(), _: Sockopt, _: i64) -> Result<(), Errno> { Ok(()) }
        fn take_error(&self, _: &()) -> Result<Option<Errno>, Errno> { Ok(None) }
        fn duplicate(&self, _: &()) -> Result<(), Errno> { Ok(()) }
        fn wait(&self, sockets: &[(&(), Events)], timeout: Option<Duration>) -> Result<Vec<(u32, Events)>, Errno> {
            self.wait_limits.borrow_mut().push(timeout);
            self.wait_sizes.borrow_mut().push(sockets.len());
            let (took, ready) = self.waits.borrow_mut().pop_front().expect("unexpected wait");
            let took = match timeout { Some(t) if !ready => t, _ => took };
            self.clock.set(self.clock.get() + took);
            Ok(if ready { vec![(0, Events::READABLE)] } else { vec![] })
        }
        fn now(&self) -> Duration { self.clock.get() }
        fn resolve(&self, _: Option<&str>, _: Option<&str>, _: Option<Family>, _: Option<Kind>, _: i32, _: i32) -> Result<Vec<AddressInfo>, GaiError> { Err(GaiError::EaiNoname) }
        fn name_info(&self, _: &IpSocketAddress, _: i32) -> Result<(String, String), GaiError> { Err(GaiError::EaiNoname) }
        fn host_name(&self) -> Result<String, Errno> { Ok("sandbox".into()) }
    }

    #[cfg(test)]
    fn scripted(answers: Vec<Result<u32, Errno>>) -> impl FnMut() -> Result<u32, Errno> {
        let mut answers = VecDeque::from(answers);
        move || answers.pop_front().expect("op called too often")
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

    #[test]
    fn mode_follows_cpython() {
        assert_eq!(Mode::of(None), Mode::Blocking);
        assert_eq!(Mode::of(Some(0.0)), Mode::NonBlocking);
        assert_eq!(Mode::of(Some(0.25)), Mode::Deadline(Duration::from_millis(250)));
        assert_eq!(Mode::of(Some(1e300)), Mode::Deadline(Duration::MAX));
    }
}
