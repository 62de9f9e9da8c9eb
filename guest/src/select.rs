//! `select.select` and `select.poll` over the guest's descriptors: one host wait per call.
#![forbid(unsafe_code)]

use crate::errno::{Error, os, value};
use crate::host::{EpollOp, Errno, Events, Host, Watched};
#[cfg(test)]
use crate::host::Signalled;
use crate::socket::{Core, Entry, FD_SETSIZE, PipeEnd, call_error, seconds};
use crate::timeout::through_signals;
use std::collections::HashMap;
use std::time::Duration;

/// Linux's POLL* bits.
pub mod bits {
    pub const POLLIN: u16 = 0x001;
    pub const POLLPRI: u16 = 0x002;
    pub const POLLOUT: u16 = 0x004;
    pub const POLLERR: u16 = 0x008;
    pub const POLLHUP: u16 = 0x010;
    pub const POLLNVAL: u16 = 0x020;
    pub const POLLRDNORM: u16 = 0x040;
    pub const POLLWRNORM: u16 = 0x100;
    pub const POLLRDHUP: u16 = 0x2000;
}
use bits::*;

/// A poll mask as the host's interest set.
pub fn interest(mask: u16) -> Events {
    let mut e = Events::empty();
    if mask & (POLLIN | POLLRDNORM) != 0 { e |= Events::READABLE; }
    if mask & POLLPRI != 0 { e |= Events::PRIORITY; }
    if mask & (POLLOUT | POLLWRNORM) != 0 { e |= Events::WRITABLE; }
    if mask & POLLRDHUP != 0 { e |= Events::READ_HANGUP; }
    e
}

/// The host's events as the revents poll(2) would give for `mask`.
pub fn revents(e: Events, mask: u16) -> u16 {
    let mut r = 0;
    if e.contains(Events::READABLE) { r |= mask & (POLLIN | POLLRDNORM); }
    if e.contains(Events::PRIORITY) { r |= POLLPRI; }
    if e.contains(Events::WRITABLE) { r |= mask & (POLLOUT | POLLWRNORM); }
    if e.contains(Events::ERROR) { r |= POLLERR; }
    if e.contains(Events::HANGUP) { r |= POLLHUP; }
    if e.contains(Events::INVALID) { r |= POLLNVAL; }
    if e.contains(Events::READ_HANGUP) { r |= mask & POLLRDHUP; }
    r
}

impl<H: Host> Core<H> {
    /// `select.select` once every object is a descriptor: the positions of the ready entries.
    pub fn select(
        &self,
        lists: [&[i32]; 3],
        timeout: Option<f64>,
    ) -> Result<[Vec<u32>; 3], Error> {
        let limit = match timeout {
            None => None,
            Some(t) if t.is_nan() => return Err(value("Invalid value NaN (not a number)")),
            Some(t) if t < 0.0 => return Err(value("timeout must be non-negative")),
            Some(t) => Some(seconds(t)),
        };
        for fd in lists.iter().flat_map(|l| l.iter()) {
            check_fd(*fd)?;
            // The limit is on the number the descriptor would have on Linux: a table that sets
            // numbers aside for sockets moves the interpreter's files above them (see
            // Host::number_on_linux), and a file there stays within select()'s reach.
            let on_linux = if self.entry(*fd).is_some() { *fd } else { self.host.number_on_linux(*fd) };
            if on_linux >= FD_SETSIZE {
                return Err(value("filedescriptor out of range in select()"));
            }
        }
        // select() reads POLLIN|POLLHUP|POLLERR as readable, POLLOUT|POLLERR as writable and POLLPRI
        // as exceptional, exactly as Linux's do_select does.
        let wanted = [Events::READABLE, Events::WRITABLE, Events::PRIORITY];
        // The host sees each descriptor once, with the union of what the lists ask of it: a list may
        // name one socket a million times, but the quota bounds how many distinct sockets exist.
        let mut slots: Vec<(i32, Events)> = Vec::new();
        let mut slot_of: HashMap<i32, usize> = HashMap::new();
        let mut origin = Vec::new();
        for (which, list) in lists.iter().enumerate() {
            for (pos, fd) in list.iter().enumerate() {
                let slot = *slot_of.entry(*fd).or_insert_with(|| {
                    slots.push((*fd, Events::empty()));
                    slots.len() - 1
                });
                slots[slot].1 |= wanted[which];
                origin.push((which, pos as u32, slot));
            }
        }
        // Sockets whose TLS layer holds decrypted bytes are readable now: do not wait.
        let tls_ready: Vec<usize> = {
            let buffered = self.tls_buffered.borrow();
            (0..slots.len()).filter(|i| buffered.contains(&slots[*i].0)).collect()
        };
        let limit = if tls_ready.is_empty() { limit } else { Some(Duration::ZERO) };
        let mut events = self.wait_on(&slots, limit)?;
        for slot in tls_ready {
            events[slot] |= Events::READABLE;
        }
        let mut out: [Vec<u32>; 3] = Default::default();
        for (which, pos, slot) in origin {
            let ev = events[slot];
            let hit = match which {
                0 => ev.intersects(Events::READABLE | Events::HANGUP | Events::ERROR),
                1 => ev.intersects(Events::WRITABLE | Events::ERROR),
                _ => ev.contains(Events::PRIORITY),
            };
            if hit {
                out[which].push(pos);
            }
        }
        Ok(out)
    }

    /// `poll.poll` over `(fd, mask)` registrations in registration order; `timeout` in milliseconds.
    pub fn poll(&self, registered: &[(i32, u16)], timeout: Option<f64>) -> Result<Vec<(i32, u16)>, Error> {
        let limit = match timeout {
            None => None,
            Some(t) if t.is_nan() => return Err(value("Invalid value NaN (not a number)")),
            Some(t) if t < 0.0 => None,
            // CPython rounds a millisecond timeout up (ROUND_TIMEOUT).
            Some(t) => Some(Duration::from_millis(t.ceil().min(i32::MAX as f64) as u64)),
        };
        let mut out = Vec::new();
        let mut watched = Vec::new();
        let mut origin = Vec::new();
        for (i, (fd, mask)) in registered.iter().enumerate() {
            if *fd == STDIN_FD || self.is_file(*fd) || self.get(*fd).is_some() {
                watched.push((*fd, interest(*mask)));
                origin.push(i);
            } else if *fd >= 0 {
                out.push((i, POLLNVAL));
            }
        }
        // A descriptor that is not open is ready at once with POLLNVAL, as poll(2) reports it, and
        // one whose TLS layer holds decrypted bytes is readable at once.
        let tls_ready: Vec<usize> = {
            let buffered = self.tls_buffered.borrow();
            origin.iter().copied().filter(|i| buffered.contains(&registered[*i].0)).collect()
        };
        let limit = if out.is_empty() && tls_ready.is_empty() { limit } else { Some(Duration::ZERO) };
        let mut events = vec![Events::empty(); registered.len()];
        for (i, ev) in self.wait_on(&watched, limit)?.into_iter().enumerate() {
            events[origin[i]] = ev;
        }
        for idx in tls_ready {
            events[idx] |= Events::READABLE;
        }
        for (idx, ev) in events.into_iter().enumerate() {
            let r = revents(ev, registered[idx].1);
            if r != 0 {
                out.push((idx, r));
            }
        }
        out.sort_unstable_by_key(|(i, _)| *i);
        Ok(out.into_iter().map(|(i, r)| (registered[i].0, r)).collect())
    }

    /// One host wait over `watched` descriptors, each an open socket or one of the program's
    /// standard streams, through signals as every readiness wait goes: the events of each, in
    /// order, all empty when the time passed or a Python handler is to run.
    fn wait_on(&self, watched: &[(i32, Events)], mut limit: Option<Duration>) -> Result<Vec<Events>, Error> {
        let mut sockets = Vec::with_capacity(watched.len());
        // Whose events each index of the host's answer is: the sockets', then stdin's.
        let mut owners = Vec::with_capacity(watched.len() + 1);
        let (mut input, mut input_owner) = (Events::empty(), usize::MAX);
        let mut events = vec![Events::empty(); watched.len()];
        for (i, (fd, interest)) in watched.iter().enumerate() {
            if *fd == STDIN_FD {
                (input, input_owner) = (*interest, i);
            } else if self.is_file(*fd) {
                events[i] = *interest & (Events::READABLE | Events::WRITABLE);
                if !events[i].is_empty() {
                    limit = Some(Duration::ZERO);
                }
            } else {
                let interest = self.pipe_end(*fd).map_or(*interest, |end| end.readiness(*interest));
                sockets.push((self.get(*fd).ok_or_else(|| os(Errno::Ebadf))?, interest));
                owners.push(i);
            }
        }
        owners.push(input_owner);
        let ready = through_signals(&self.host, limit, true, |left| self.host.wait(&sockets, input, left)).map_err(call_error)?;
        for (i, ev) in ready.unwrap_or_default() {
            if let Some(&o) = owners.get(i as usize) {
                events[o] |= self.readiness_of(watched[o].0, ev);
            }
        }
        Ok(events)
    }

    /// `select.epoll(sizehint, flags)`: a descriptor in the guest's table for a host epoll instance.
    pub fn epoll_create(&mut self, sizehint: i64, flags: i64) -> Result<i32, Error> {
        if sizehint != -1 && sizehint <= 0 {
            return Err(value("negative sizehint"));
        }
        if flags != 0 && flags != EPOLL_CLOEXEC {
            return Err(Error::OsMessage("invalid flags".into()));
        }
        let ep = self.host.epoll_create().map_err(os)?;
        self.insert_entry(Entry::Epoll(ep))
    }

    fn epoll(&self, epfd: Option<i32>) -> Result<&H::Epoll, Error> {
        match epfd.and_then(|fd| self.entry(fd)) {
            Some(Entry::Epoll(ep)) => Ok(ep),
            _ => Err(closed_epoll()),
        }
    }

    /// `epoll.register`, `modify` and `unregister`: the kernel's own answers (EEXIST, ENOENT, EINVAL).
    pub fn epoll_ctl(&self, epfd: Option<i32>, op: EpollOp, fd: i32, mask: u32) -> Result<(), Error> {
        let ep = self.epoll(epfd)?;
        check_fd(fd)?;
        let watched = match self.entry(fd) {
            Some(Entry::Socket(s)) => Watched::Socket(s),
            // Linux refuses to watch an epoll instance with itself.
            Some(Entry::Epoll(_)) => return Err(os(Errno::Einval)),
            None if fd == STDIN_FD => Watched::Input,
            // epoll(7) refuses a regular file (see Core::is_file).
            None if self.is_file(fd) => return Err(os(Errno::Eperm)),
            None => return Err(os(Errno::Ebadf)),
        };
        let key = u32::try_from(fd).expect("non-negative");
        let mask = self.pipe_end(fd).map_or(mask, |end| epoll_interest_of_pipe(end, mask));
        self.host.epoll_ctl(ep, op, watched, key, mask).map_err(os)?;
        let mut interest = self.epoll_interest.borrow_mut();
        let watching = interest.entry(epfd.expect("an open epoll has a descriptor")).or_default();
        match op {
            EpollOp::Add | EpollOp::Modify => watching.insert(fd, mask),
            EpollOp::Remove => watching.remove(&fd),
        };
        Ok(())
    }

    /// The sockets `epfd` watches for input whose TLS layer holds decrypted bytes: readable now,
    /// though the kernel's epoll, which sees only their empty sockets, does not say so. OpenSSL
    /// leaves a record it has not read in the kernel; rustls reads ahead, with the handshake too.
    fn epoll_tls_ready(&self, epfd: i32) -> Vec<i32> {
        let buffered = self.tls_buffered.borrow();
        let interest = self.epoll_interest.borrow();
        let Some(watching) = interest.get(&epfd) else { return Vec::new() };
        // Few sockets ever hold decrypted bytes, and an epoll may watch thousands: look up the few.
        let wants_input = |fd: &&i32| watching.get(fd).is_some_and(|mask| mask & POLLIN as u32 != 0);
        buffered.iter().filter(wants_input).copied().collect()
    }

    /// `epoll.poll(timeout, maxevents)`: one host wait, which keeps its own deadline.
    pub fn epoll_poll(&self, epfd: Option<i32>, timeout: Option<f64>, maxevents: i64) -> Result<Vec<(i32, u32)>, Error> {
        let ep = self.epoll(epfd)?;
        let limit = match timeout {
            None => None,
            Some(t) if t.is_nan() => return Err(value("Invalid value NaN (not a number)")),
            Some(t) if (t * 1e9).abs() >= i64::MAX as f64 => {
                return Err(Error::Overflow("timestamp out of range for platform time_t".into()));
            }
            Some(t) => {
                // CPython rounds the timeout up to whole milliseconds, as epoll_wait(2) takes them.
                let ms = (t * 1e3).ceil();
                if ms > i32::MAX as f64 || ms < i32::MIN as f64 {
                    return Err(Error::Overflow("timeout is too large".into()));
                }
                if ms < 0.0 { None } else { Some(Duration::from_millis(ms as u64)) }
            }
        };
        let max = match maxevents {
            -1 => FD_SETSIZE - 1,
            m if m < 1 => return Err(value(&format!("maxevents must be greater than 0, got {m}"))),
            m => i32::try_from(m).unwrap_or(i32::MAX),
        };
        let tls_ready = epfd.map(|epfd| self.epoll_tls_ready(epfd)).unwrap_or_default();
        let limit = if tls_ready.is_empty() { limit } else { Some(Duration::ZERO) };
        let ready = through_signals(&self.host, limit, true, |left| self.host.epoll_wait(ep, max as u32, left)).map_err(call_error)?.unwrap_or_default();
        let mut ready: Vec<(i32, u32)> =
            ready.into_iter().map(|(key, bits)| (key as i32, self.epoll_readiness_of(key as i32, bits))).collect();
        for fd in tls_ready {
            match ready.iter().position(|(ready_fd, _)| *ready_fd == fd) {
                Some(i) => ready[i].1 |= POLLIN as u32,
                None if ready.len() < max as usize => ready.push((fd, POLLIN as u32)),
                None => {}
            }
        }
        Ok(ready)
    }

    /// [`Core::readiness_of`] for the events an epoll wait reports: the low six bits are poll's
    /// (and [`Events`]'), the rest epoll's own.
    fn epoll_readiness_of(&self, fd: i32, bits: u32) -> u32 {
        if self.pipe_end(fd).is_none() {
            return bits;
        }
        let low = Events::from_bits((bits & 0x3f) as u8);
        let kept = revents(self.readiness_of(fd, low), POLLIN | POLLOUT) as u32;
        (bits & !0x3f & !(POLLRDHUP as u32)) | kept
    }
}

/// What an epoll registration of a pipe's end asks for: its own way only (see [`PipeEnd`]); the
/// flags above the events (EPOLLET, EPOLLONESHOT) stay as they are.
fn epoll_interest_of_pipe(end: PipeEnd, mask: u32) -> u32 {
    const READING: u32 = (POLLIN | POLLRDNORM | POLLPRI | POLLRDHUP) as u32;
    const WRITING: u32 = (POLLOUT | POLLWRNORM) as u32;
    match end {
        PipeEnd::Read => mask & !WRITING & !(POLLRDHUP as u32),
        PipeEnd::Write => mask & !READING,
    }
}

/// ValueError for a negative descriptor, as CPython's PyObject_AsFileDescriptor raises it.
pub fn check_fd(fd: i32) -> Result<(), Error> {
    if fd < 0 {
        return Err(value(&format!("file descriptor cannot be a negative integer ({fd})")));
    }
    Ok(())
}

/// The program's standard input: the one descriptor besides its sockets whose readiness the host
/// reports to select, poll and epoll, so that a program can wait on the keyboard and the network
/// at once.
pub const STDIN_FD: i32 = 0;

/// The program's stdout and stderr, which the sandbox writes through WASI's output streams: they
/// take a write whenever one comes, so they are files in the sense of [`Core::is_file`].
pub const STDOUT_FD: i32 = 1;
pub const STDERR_FD: i32 = 2;

/// Linux's EPOLL_CLOEXEC, the one flag `select.epoll()` accepts.
pub const EPOLL_CLOEXEC: i64 = 0x80000;

fn closed_epoll() -> Error {
    value("I/O operation on closed epoll object")
}

impl<H: Host> Core<H> {
    /// Whether `fd` is one of the program's files other than stdin: stdout, stderr, or a file or
    /// folder it opened. select and poll find such a descriptor ready at once, for reading and
    /// writing alike, and epoll refuses it (EPERM), as Linux treats a regular file or a folder.
    fn is_file(&self, fd: i32) -> bool {
        fd != STDIN_FD && self.entry(fd).is_none() && self.host.is_open_file(fd)
    }

    /// `time.sleep` as CPython's `pysleep` does it since PEP 475: a wait on no socket until `until`
    /// (host clock) that a SIGINT ends only if its handler raises. `Ok(false)` when it stopped early
    /// for a Python handler, which the caller runs at once (a sleep is not inside a socket call, so
    /// the handler may use sockets) before sleeping on to the same `until`.
    pub fn sleep_until(&self, until: Duration) -> Result<bool, Error> {
        let left = until.saturating_sub(self.host.now());
        Ok(through_signals(&self.host, Some(left), true, |left| self.host.wait(&[], Events::empty(), left)).map_err(call_error)?.is_some())
    }

    /// Waits, with no limit, until the program's stdin has something to read, so that its read
    /// does not block: a read of stdin as CPython's does it since PEP 475, through SIGINTs whose
    /// handler does not raise. `Ok(false)` when it stopped early for a Python handler, which the
    /// caller runs at once before waiting again.
    pub fn wait_for_input(&self) -> Result<bool, Error> {
        Ok(through_signals(&self.host, None, true, |left| self.host.wait(&[], Events::READABLE, left)).map_err(call_error)?.is_some())
    }

    /// `signal.pause()`: waits, with no limit, until a signal finds a Python handler, which the
    /// caller then runs, as pause(2) returns once a handler has run. Signals that are ignored do
    /// not end it; a SIGINT left at its default raises KeyboardInterrupt from here.
    pub fn pause(&self) -> Result<(), Error> {
        while through_signals(&self.host, None, true, |left| self.host.wait(&[], Events::empty(), left)).map_err(call_error)?.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeHost;
    use crate::errno::OsError;

    /// pause waits, with no limit, through a signal that is ignored, and ends at the first that
    /// finds a Python handler, for the caller to run it; a handler that raised ends it too.
    #[test]
    fn pause_ends_at_a_signal_with_a_python_handler() {
        let core = Core::new(FakeHost::default());
        core.host.interruptions.set(3);
        core.host.signals.borrow_mut().extend([Signalled::Ignored, Signalled::Pending, Signalled::Raised]);
        core.host.waits.borrow_mut().extend([(Duration::from_millis(50), false), (Duration::from_millis(70), false), (Duration::from_millis(9), false)]);
        assert_eq!(core.pause(), Ok(()));
        assert_eq!(core.host.clock.get(), Duration::from_millis(120), "the ignored signal did not end it");
        assert_eq!(*core.host.wait_limits.borrow(), vec![None, None], "pause has no time limit");
        assert_eq!(core.pause(), Err(Error::Raised));
    }

    /// select sees a pipe's write end never readable, whatever the socket under it says; epoll's
    /// registrations and events go through the same rule, its flags untouched.
    #[test]
    fn a_pipe_end_is_ready_only_its_own_way_in_select_and_epoll() {
        let mut core = Core::new(FakeHost::default());
        let (r, w) = core.pipe(false).unwrap();
        core.host.waits.borrow_mut().push_back((Duration::ZERO, true));
        let [readable, _, _] = core.select([&[r, w], &[], &[]], Some(0.0)).unwrap();
        assert_eq!(readable, vec![0], "the scripted host says READABLE for both; only the read end is");
        const EPOLLET: u32 = 1 << 31;
        let all = (POLLIN | POLLOUT | POLLPRI | POLLRDHUP) as u32 | EPOLLET;
        assert_eq!(epoll_interest_of_pipe(PipeEnd::Read, all), (POLLIN | POLLPRI) as u32 | EPOLLET);
        assert_eq!(epoll_interest_of_pipe(PipeEnd::Write, all), POLLOUT as u32 | EPOLLET);
        assert_eq!(core.epoll_readiness_of(w, (POLLOUT | POLLHUP | POLLIN) as u32 | EPOLLET), (POLLOUT | POLLERR) as u32 | EPOLLET);
    }

    /// A socket whose TLS layer holds decrypted bytes is ready for an epoll that watches it for
    /// input, at once, beside what the kernel says; not for one that watches it for output only,
    /// nor once it is unregistered or closed.
    #[test]
    fn epoll_reports_decrypted_bytes_the_kernel_cannot_see() {
        let mut core = Core::new(FakeHost::default());
        let ep = core.epoll_create(-1, 0).unwrap();
        let reading = core.create(2, 1, 0, None).unwrap().fd;
        let writing = core.create(2, 1, 0, None).unwrap().fd;
        core.epoll_ctl(Some(ep), EpollOp::Add, reading, POLLIN as u32).unwrap();
        core.epoll_ctl(Some(ep), EpollOp::Add, writing, POLLOUT as u32).unwrap();
        core.tls_buffered.borrow_mut().extend([reading, writing]);
        core.host.waits.borrow_mut().push_back((Duration::ZERO, false));
        assert_eq!(core.epoll_poll(Some(ep), None, -1).unwrap(), vec![(reading, POLLIN as u32)]);
        assert_eq!(core.host.wait_limits.borrow().last(), Some(&Some(Duration::ZERO)), "no wait while bytes are buffered");
        core.epoll_ctl(Some(ep), EpollOp::Remove, reading, 0).unwrap();
        core.host.waits.borrow_mut().push_back((Duration::ZERO, false));
        assert_eq!(core.epoll_poll(Some(ep), Some(1.0), -1).unwrap(), vec![]);
        core.epoll_ctl(Some(ep), EpollOp::Add, reading, POLLIN as u32).unwrap();
        core.close_fd(reading).unwrap();
        assert!(!core.epoll_interest.borrow()[&ep].contains_key(&reading), "a closed socket is no longer watched");
    }

    #[test]
    fn select_asks_the_host_once_per_descriptor() {
        let mut core = Core::new(FakeHost::default());
        let fd = core.create(2, 1, 0, None).unwrap().fd;
        core.host.waits.borrow_mut().push_back((Duration::ZERO, true));
        let many = vec![fd; 100_000];
        let [r, w, x] = core.select([&many, &[fd], &[]], Some(0.0)).unwrap();
        assert_eq!(*core.host.wait_sizes.borrow(), vec![1]);
        // The scripted host reports READABLE only: every read entry is ready, in order; no write entry.
        assert_eq!(r.len(), 100_000);
        assert!(r.windows(2).all(|p| p[0] < p[1]));
        assert!(w.is_empty() && x.is_empty());
    }

    /// Descriptor 0 is the program's stdin: the host is asked about it beside the sockets, and
    /// its events land on its own entries, in select as in poll.
    #[test]
    fn stdin_is_waited_on_beside_the_sockets() {
        let mut core = Core::new(FakeHost::default());
        let fd = core.create(2, 1, 0, None).unwrap().fd;
        core.host.waits.borrow_mut().extend([(Duration::ZERO, true), (Duration::ZERO, true), (Duration::ZERO, true)]);
        // The scripted host reports its first entry readable: the socket, then stdin alone.
        let [r, w, _] = core.select([&[STDIN_FD, fd], &[STDIN_FD], &[]], Some(0.0)).unwrap();
        assert_eq!((r, w), (vec![1], vec![]));
        let [r, _, _] = core.select([&[STDIN_FD, STDIN_FD], &[], &[]], Some(0.0)).unwrap();
        assert_eq!(r, vec![0, 1]);
        let ready = core.poll(&[(STDIN_FD, POLLIN | POLLOUT), (3 + 100, POLLIN)], Some(0.0)).unwrap();
        assert_eq!(ready, vec![(STDIN_FD, POLLIN), (3 + 100, POLLNVAL)]);
        assert_eq!(*core.host.wait_sizes.borrow(), vec![1, 0, 0]);
        let asked = core.host.input_waits.borrow().clone();
        assert_eq!(asked, vec![Events::READABLE | Events::WRITABLE, Events::READABLE, Events::READABLE | Events::WRITABLE]);
    }

    /// stdout and stderr are ready at once, as regular files are: a wait that names them for
    /// reading or writing does not block, and the sockets beside them are still asked about.
    #[test]
    fn stdout_and_stderr_are_ready_as_regular_files() {
        let mut core = Core::new(FakeHost::default());
        let fd = core.create(2, 1, 0, None).unwrap().fd;
        core.host.waits.borrow_mut().extend([(Duration::ZERO, true), (Duration::ZERO, false), (Duration::ZERO, false)]);
        // Blocking, but stdout is writable: the host is asked with no time to wait.
        let [r, w, x] = core.select([&[fd], &[STDOUT_FD, fd, STDERR_FD], &[STDOUT_FD]], None).unwrap();
        assert_eq!((r, w, x), (vec![0], vec![0, 2], vec![]));
        let ready = core.poll(&[(STDERR_FD, POLLIN | POLLOUT | POLLPRI), (STDOUT_FD, 0)], Some(-1.0)).unwrap();
        assert_eq!(ready, vec![(STDERR_FD, POLLIN | POLLOUT)]);
        // Asked only for what never comes (exceptional conditions), the wait keeps its limit.
        let [_, _, x] = core.select([&[], &[], &[STDERR_FD]], Some(0.25)).unwrap();
        assert!(x.is_empty());
        let limits = core.host.wait_limits.borrow().clone();
        assert_eq!(limits, vec![Some(Duration::ZERO), Some(Duration::ZERO), Some(Duration::from_millis(250))]);
        assert_eq!(*core.host.wait_sizes.borrow(), vec![1, 0, 0]);
        let ep = core.epoll_create(-1, 0).unwrap();
        let refused = core.epoll_ctl(Some(ep), EpollOp::Add, STDOUT_FD, 4);
        assert!(matches!(refused, Err(Error::Os(OsError { code: Errno::Eperm, .. }))), "{refused:?}");
    }

    /// With numbers set aside for sockets, the interpreter's files sit above FD_SETSIZE: select
    /// reaches them as Linux reaches the low numbers they stand for. An open file is ready at once
    /// (and epoll refuses it), a closed one is EBADF, and a number beyond what the files could
    /// stand for is still out of select()'s range.
    #[test]
    fn files_above_the_numbers_set_aside_are_files() {
        let mut core = Core::new(FakeHost::default());
        core.host.set_aside.set(FD_SETSIZE - 3);
        let file = FD_SETSIZE + 1;
        core.host.files.borrow_mut().push(file);
        core.host.waits.borrow_mut().extend([(Duration::ZERO, false), (Duration::ZERO, false)]);
        let [r, w, _] = core.select([&[file], &[file], &[]], None).unwrap();
        assert_eq!((r, w), (vec![0], vec![0]));
        assert_eq!(core.poll(&[(file, POLLIN)], Some(-1.0)).unwrap(), vec![(file, POLLIN)]);
        let closed = core.select([&[FD_SETSIZE + 2], &[], &[]], Some(0.0));
        assert!(matches!(closed, Err(Error::Os(OsError { code: Errno::Ebadf, .. }))), "{closed:?}");
        let beyond = core.select([&[2 * FD_SETSIZE], &[], &[]], Some(0.0));
        assert!(matches!(beyond, Err(Error::Value(_))), "{beyond:?}");
        let ep = core.epoll_create(-1, 0).unwrap();
        let refused = core.epoll_ctl(Some(ep), EpollOp::Add, file, 1);
        assert!(matches!(refused, Err(Error::Os(OsError { code: Errno::Eperm, .. }))), "{refused:?}");
    }

    #[test]
    fn select_rejects_what_cpython_rejects() {
        let core = Core::new(FakeHost::default());
        assert!(matches!(core.select([&[-1], &[], &[]], None), Err(Error::Value(_))));
        assert!(matches!(core.select([&[FD_SETSIZE], &[], &[]], None), Err(Error::Value(_))));
        assert!(matches!(core.select([&[], &[], &[]], Some(f64::NAN)), Err(Error::Value(_))));
        assert!(matches!(core.select([&[], &[], &[]], Some(-1.0)), Err(Error::Value(_))));
        assert!(matches!(core.select([&[7], &[], &[]], Some(0.0)), Err(Error::Os(_))));
    }

    /// A sleep that a SIGINT interrupts: an ignored signal, then a Python handler (the caller runs
    /// it and sleeps on for what is left), then one whose handler raised.
    #[test]
    fn a_sleep_waits_out_its_time_through_signals_that_do_not_raise() {
        let core = Core::new(FakeHost::default());
        let until = Duration::from_millis(300);
        core.host.interruptions.set(2);
        core.host.signals.borrow_mut().extend([Signalled::Ignored, Signalled::Pending]);
        core.host.waits.borrow_mut().extend([(Duration::from_millis(50), false), (Duration::from_millis(50), false), (Duration::ZERO, false)]);
        assert_eq!(core.sleep_until(until), Ok(false), "a pending Python handler ends the wait for the caller to run it");
        assert_eq!(core.host.clock.get(), Duration::from_millis(100));
        assert_eq!(core.sleep_until(until), Ok(true));
        assert_eq!(core.host.clock.get(), until, "the sleep ends at its deadline, not later");
        let limits = core.host.wait_limits.borrow().clone();
        let ms = |m| Some(Duration::from_millis(m));
        assert_eq!(limits, vec![ms(300), ms(250), ms(200)], "each wait asks for the time left");
        assert_eq!(*core.host.wait_sizes.borrow(), vec![0, 0, 0], "a sleep waits on no socket");

        core.host.interruptions.set(1);
        core.host.signals.borrow_mut().push_back(Signalled::Raised);
        core.host.waits.borrow_mut().push_back((Duration::from_millis(10), false));
        assert_eq!(core.sleep_until(until + Duration::from_secs(1)), Err(Error::Raised));
    }

    /// A wait for input ends when stdin is readable; a SIGINT whose handler is Python code ends it
    /// early for the caller to run the handler, one that raised ends it with the exception.
    #[test]
    fn a_wait_for_input_goes_on_through_signals_that_do_not_raise() {
        let core = Core::new(FakeHost::default());
        core.host.interruptions.set(1);
        core.host.signals.borrow_mut().push_back(Signalled::Ignored);
        core.host.waits.borrow_mut().extend([(Duration::from_millis(50), false), (Duration::from_millis(70), true)]);
        assert_eq!(core.wait_for_input(), Ok(true));
        assert_eq!(*core.host.wait_limits.borrow(), vec![None, None], "no limit, before or after the signal");

        core.host.interruptions.set(1);
        core.host.signals.borrow_mut().push_back(Signalled::Pending);
        core.host.waits.borrow_mut().push_back((Duration::from_millis(10), false));
        assert_eq!(core.wait_for_input(), Ok(false));

        core.host.interruptions.set(1);
        core.host.signals.borrow_mut().push_back(Signalled::Raised);
        core.host.waits.borrow_mut().push_back((Duration::from_millis(10), false));
        assert_eq!(core.wait_for_input(), Err(Error::Raised));
    }
}
