//! A scripted host for native tests (and the fuzz targets, feature `fake-host`): each wait's
//! answer is queued, the clock advances only on waits, sends take at most `send_chunk` bytes.
//! Its TLS engine refuses everything: no unit test reaches it.

use crate::host::*;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::mem::MaybeUninit;
use std::time::Duration;

#[derive(Default)]
pub struct FakeHost {
    pub clock: Cell<Duration>,
    /// How long each wait takes and whether it reports readiness.
    pub waits: RefCell<VecDeque<(Duration, bool)>>,
    /// How many of the next waits end with EINTR (a SIGINT) after the time their script says.
    pub interruptions: Cell<u32>,
    /// What each check for signals after an interrupted wait finds (by default, an ignored signal).
    pub signals: RefCell<VecDeque<Signalled>>,
    /// The deadline kept for a call made again after its handler ran ([`Host::keep_deadline`]).
    pub kept_deadline: Cell<Option<Duration>>,
    pub wait_limits: RefCell<Vec<Option<Duration>>>,
    /// How many sockets each wait was given, and what it asked of stdin.
    pub wait_sizes: RefCell<Vec<usize>>,
    pub input_waits: RefCell<Vec<Events>>,
    /// The most bytes one send takes (0: all of them), and how many were sent in all.
    pub send_chunk: Cell<usize>,
    pub sent: RefCell<usize>,
    /// What each receive finds, in turn: bytes that arrived, or an error; EAGAIN when none is left.
    pub arrivals: RefCell<VecDeque<Result<Vec<u8>, Errno>>>,
    /// Where each receive was told to write: the memory's address and length.
    pub landings: RefCell<Vec<(usize, usize)>>,
    /// Each option set, with the value the host was given.
    pub options_set: RefCell<Vec<(Sockopt, i64)>>,
    /// Each byte option set: the bytes, or the length of a null pointer. A byte option reads back
    /// as 1, 2, 3, ... up to the length asked for.
    pub byte_options_set: RefCell<Vec<(ByteOption, Result<Vec<u8>, u32>)>>,
    /// A shared descriptor table: the numbers it hands out in turn (none: the core numbers its own),
    /// those given back, and the numbers its other files hold.
    pub claims: RefCell<VecDeque<i32>>,
    pub released: RefCell<Vec<i32>>,
    pub files: RefCell<Vec<i32>>,
    /// How many numbers below FD_SETSIZE the shared table sets aside for sockets.
    pub set_aside: Cell<i32>,
    /// The words of the sockets sent in SCM_RIGHTS messages (whose bytes join `arrivals`), which the
    /// next receive with room for control messages brings back, as many as its room holds.
    pub in_flight: RefCell<VecDeque<u64>>,
    /// The AF_UNIX name each socket was bound to (the path, and the name as given), in turn; it is
    /// every socket's own name and peer's.
    pub unix_names: RefCell<Vec<(Vec<u8>, Vec<u8>)>>,
    /// Where each sendto went, in turn.
    pub destinations: RefCell<Vec<SocketAddress>>,
}

impl FakeHost {
    /// Takes the next scripted wait: how long it took and whether it found readiness.
    fn next_wait(&self, timeout: Option<Duration>) -> Result<bool, Errno> {
        self.wait_limits.borrow_mut().push(timeout);
        let (took, ready) = self.waits.borrow_mut().pop_front().expect("unexpected wait");
        if self.interruptions.get() > 0 {
            self.interruptions.set(self.interruptions.get() - 1);
            self.clock.set(self.clock.get() + took);
            return Err(Errno::Eintr);
        }
        let took = match timeout {
            Some(t) if !ready => t,
            _ => took,
        };
        self.clock.set(self.clock.get() + took);
        Ok(ready)
    }
}

impl Host for FakeHost {
    type Socket = ();
    type Epoll = ();
    type Tls = NoTls;
    fn epoll_create(&self) -> Result<(), Errno> {
        Ok(())
    }
    fn epoll_ctl(&self, _: &(), _: EpollOp, _: Watched<'_, ()>, _: u32, _: u32) -> Result<(), Errno> {
        Ok(())
    }
    fn epoll_wait(&self, _: &(), _: u32, timeout: Option<Duration>) -> Result<Vec<(u32, u32)>, Errno> {
        Ok(if self.next_wait(timeout)? { vec![(3, 1)] } else { vec![] })
    }
    fn create(&self, _: Family, _: Kind, _: i32) -> Result<(), Errno> {
        Ok(())
    }
    fn pair(&self, _: Kind) -> Result<((), ()), Errno> {
        Ok(((), ()))
    }
    fn bind(&self, _: &(), _: &IpSocketAddress) -> Result<(), Errno> {
        Ok(())
    }
    fn listen(&self, _: &(), _: i32) -> Result<(), Errno> {
        Ok(())
    }
    fn connect(&self, _: &(), _: &IpSocketAddress) -> Result<(), Errno> {
        Err(Errno::Einprogress)
    }
    fn disconnect(&self, _: &()) -> Result<(), Errno> {
        Ok(())
    }
    fn bind_path(&self, _: &(), path: &[u8], name: &[u8]) -> Result<(), Errno> {
        self.unix_names.borrow_mut().push((path.to_vec(), name.to_vec()));
        Ok(())
    }
    fn connect_path(&self, _: &(), path: &[u8], _: bool) -> Result<(), Errno> {
        match self.unix_names.borrow().iter().any(|(bound, _)| bound == path) {
            true => Ok(()),
            false => Err(Errno::Enoent),
        }
    }
    fn path_name(&self, _: &(), _: bool) -> Result<Vec<u8>, Errno> {
        Ok(self.unix_names.borrow().last().map(|(_, name)| name.clone()).unwrap_or_default())
    }
    fn accept(&self, _: &()) -> Result<((), Option<IpSocketAddress>), Errno> {
        Err(Errno::Eagain)
    }
    fn send(&self, _: &(), data: &[u8], _: i32) -> Result<u32, Errno> {
        let n = match self.send_chunk.get() {
            0 => data.len(),
            chunk => data.len().min(chunk),
        };
        *self.sent.borrow_mut() += n;
        Ok(n as u32)
    }
    fn send_to(&self, _: &(), data: &[u8], _: i32, a: &SocketAddress) -> Result<u32, Errno> {
        self.destinations.borrow_mut().push(a.clone());
        Ok(data.len() as u32)
    }
    fn recv(&self, _: &(), into: &mut [MaybeUninit<u8>], _: i32) -> Result<Received, Errno> {
        self.landings.borrow_mut().push((into.as_ptr() as usize, into.len()));
        let mut arrivals = self.arrivals.borrow_mut();
        let mut data = arrivals.pop_front().unwrap_or(Err(Errno::Eagain))?;
        let n = data.len().min(into.len());
        for (slot, byte) in into.iter_mut().zip(data.drain(..n)) {
            slot.write(byte);
        }
        if !data.is_empty() {
            // A stream keeps what did not fit for the next receive.
            arrivals.push_front(Ok(data));
        }
        Ok(Received { written: n, length: n as u64 })
    }
    fn recv_from(&self, s: &(), into: &mut [MaybeUninit<u8>], flags: i32) -> Result<(Received, Option<SocketAddress>), Errno> {
        Ok((self.recv(s, into, flags)?, None))
    }
    fn send_with_descriptors(&self, s: &(), data: &[u8], flags: i32, descriptors: &[(&(), u64)], _: Option<&SocketAddress>, _: bool) -> Result<u32, Errno> {
        // Sockets only ever go over the guest's own pair, whose other end receives the message.
        self.in_flight.borrow_mut().extend(descriptors.iter().map(|(_, word)| *word));
        self.arrivals.borrow_mut().push_back(Ok(data.to_vec()));
        self.send(s, data, flags)
    }
    fn receive_with_descriptors(&self, s: &(), into: &mut [MaybeUninit<u8>], flags: i32, control_room: u32, _: bool) -> Result<Message<()>, Errno> {
        let received = self.recv(s, into, flags)?;
        // As Linux's scm_detach_fds counts: the descriptors that fit after one 16-byte header.
        let room = (control_room as usize).saturating_sub(16) / 4;
        let mut in_flight = self.in_flight.borrow_mut();
        let fit = in_flight.len().min(room);
        let descriptors: Vec<((), u64)> = in_flight.drain(..fit).map(|word| ((), word)).collect();
        let truncated = !in_flight.is_empty();
        in_flight.clear();
        Ok(Message { received, from: None, descriptors, control: Vec::new(), flags: if truncated { crate::socket::linux::MSG_CTRUNC } else { 0 } })
    }
    fn shutdown(&self, _: &(), _: ShutdownHow) -> Result<(), Errno> {
        Ok(())
    }
    fn local_address(&self, _: &()) -> Result<Option<IpSocketAddress>, Errno> {
        Ok(None)
    }
    fn remote_address(&self, _: &()) -> Result<Option<IpSocketAddress>, Errno> {
        Err(Errno::Enotconn)
    }
    fn get_option(&self, _: &(), _: Sockopt) -> Result<i64, Errno> {
        Ok(0)
    }
    fn set_option(&self, _: &(), opt: Sockopt, value: i64) -> Result<(), Errno> {
        self.options_set.borrow_mut().push((opt, value));
        Ok(())
    }
    fn get_option_bytes(&self, _: &(), _: ByteOption, length: u32) -> Result<Vec<u8>, Errno> {
        Ok((1..=length).map(|n| n as u8).collect())
    }
    fn set_option_bytes(&self, _: &(), opt: ByteOption, value: OptionBytes<'_>) -> Result<(), Errno> {
        let value = match value {
            OptionBytes::Bytes(b) => Ok(b.to_vec()),
            OptionBytes::Null(len) => Err(len),
        };
        self.byte_options_set.borrow_mut().push((opt, value));
        Ok(())
    }
    fn take_error(&self, _: &()) -> Result<Option<Errno>, Errno> {
        Ok(None)
    }
    fn duplicate(&self, _: &()) -> Result<(), Errno> {
        Ok(())
    }
    /// Unread: the bytes of the arrivals waiting; nothing is ever unsent.
    fn queued(&self, _: &(), queue: Queue) -> Result<u32, Errno> {
        Ok(match queue {
            Queue::Unread => self.arrivals.borrow().iter().map(|a| a.as_ref().map_or(0, Vec::len) as u32).sum(),
            Queue::Unsent => 0,
        })
    }
    fn at_mark(&self, _: &()) -> Result<bool, Errno> {
        Ok(false)
    }
    /// A machine whose one interface is `lo`, index 1: its index and name answer; any other is
    /// ENODEV.
    fn query_interface(&self, _: &(), query: InterfaceQuery, ifreq: &[u8; IFREQ_SIZE]) -> Result<[u8; IFREQ_SIZE], Errno> {
        let mut answer = *ifreq;
        match query {
            InterfaceQuery::Name if ifreq[16..20] == 1i32.to_ne_bytes() => answer[..3].copy_from_slice(b"lo\0"),
            InterfaceQuery::Index if ifreq.starts_with(b"lo\0") => answer[16..20].copy_from_slice(&1i32.to_ne_bytes()),
            _ => return Err(Errno::Enodev),
        }
        Ok(answer)
    }
    /// The first socket is the one ready, or stdin when there is none.
    fn wait(&self, sockets: &[(&(), Events)], input: Events, timeout: Option<Duration>) -> Result<Vec<(u32, Events)>, Errno> {
        self.wait_sizes.borrow_mut().push(sockets.len());
        self.input_waits.borrow_mut().push(input);
        Ok(if self.next_wait(timeout)? && (!sockets.is_empty() || !input.is_empty()) { vec![(0, Events::READABLE)] } else { vec![] })
    }
    fn now(&self) -> Duration {
        self.clock.get()
    }
    fn check_signals(&self) -> Signalled {
        self.signals.borrow_mut().pop_front().unwrap_or(Signalled::Ignored)
    }
    fn keep_deadline(&self, deadline: Duration) {
        self.kept_deadline.set(Some(deadline));
    }
    fn resumed_deadline(&self) -> Option<Duration> {
        self.kept_deadline.take()
    }
    fn resolve(&self, _: Option<&str>, _: Option<&str>, _: Option<Family>, _: i32, _: i32, _: i32) -> Result<Vec<AddressInfo>, GaiError> {
        Err(GaiError::EaiNoname)
    }
    fn name_info(&self, _: &IpSocketAddress, _: i32) -> Result<(String, String), GaiError> {
        Err(GaiError::EaiNoname)
    }
    fn host_name(&self) -> Result<String, Errno> {
        Ok("sandbox".into())
    }
    fn interfaces(&self) -> Result<Vec<(u32, String)>, Errno> {
        Ok(vec![(1, "lo".into()), (2, "eth0".into())])
    }
    fn claim_descriptor(&self, _unused: &dyn Fn(i32) -> bool) -> Result<Option<i32>, Errno> {
        Ok(self.claims.borrow_mut().pop_front())
    }
    fn release_descriptor(&self, fd: i32) {
        self.released.borrow_mut().push(fd);
    }
    fn is_open_file(&self, fd: i32) -> bool {
        (0..3).contains(&fd) || self.files.borrow().contains(&fd)
    }
    fn number_on_linux(&self, fd: i32) -> i32 {
        if fd < crate::socket::FD_SETSIZE { fd } else { fd - self.set_aside.get() }
    }
}

/// A TLS engine with nothing behind it.
pub struct NoTls;

impl Tls for NoTls {
    type Socket = ();
    type Config = NoTls;
    type Connection = NoTls;
    type Session = NoTls;
}

fn refused() -> TlsError {
    TlsError {
        kind: TlsErrorKind::Ssl,
        library: "SSL".into(),
        reason: "NO_ENGINE".into(),
        message: "the scripted host has no TLS engine".into(),
        verify_code: 0,
        verify_message: String::new(),
    }
}

impl TlsConfig for NoTls {
    type Session = NoTls;
    fn new(_: bool) -> Self {
        NoTls
    }
    fn add_trust_pem(&self, _: &[u8]) -> Result<u32, TlsError> {
        Err(refused())
    }
    fn add_trust_der(&self, _: &[u8]) -> Result<(), TlsError> {
        Err(refused())
    }
    fn add_default_trust(&self) -> Result<u32, TlsError> {
        Ok(0)
    }
    fn trust_anchors(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }
    fn use_host_identity(&self, _: &str) -> Result<(), TlsError> {
        Err(refused())
    }
    fn set_identity(&self, _: &[u8], _: &[u8], _: Option<&[u8]>) -> Result<(), TlsError> {
        Err(refused())
    }
    fn set_verify_mode(&self, _: VerifyMode) {}
    fn set_check_hostname(&self, _: bool) {}
    fn set_versions(&self, _: ProtocolVersion, _: ProtocolVersion) {}
    fn set_alpn(&self, _: &[Vec<u8>]) {}
    fn set_tls12_ciphers(&self, _: &[String]) {}
    fn set_tickets(&self, _: bool, _: u32) {}
    fn set_sni_callback(&self, _: bool) {}
    fn set_ecdh_curve(&self, _: &str) {}
    fn session_stats(&self) -> SessionStats {
        SessionStats::default()
    }
    fn set_key_log(&self, _: bool) {}
    fn take_key_log(&self) -> Vec<String> {
        Vec::new()
    }
}

impl TlsConnection for NoTls {
    type Config = NoTls;
    type Session = NoTls;
    type Socket = ();
    fn open(_: &NoTls, _: Option<&str>) -> Result<Self, TlsError> {
        Err(refused())
    }
    fn set_session(&self, _: &NoTls) -> Result<(), TlsError> {
        Err(refused())
    }
    fn session(&self) -> Option<NoTls> {
        None
    }
    fn session_reused(&self) -> bool {
        false
    }
    fn offered_ciphers(&self) -> Vec<String> {
        Vec::new()
    }
    fn client_hello(&self) -> Option<Option<String>> {
        None
    }
    fn accept_hello(&self, _: &NoTls) -> Result<(), TlsError> {
        Err(refused())
    }
    fn refuse_hello(&self, _: u8) -> TlsError {
        refused()
    }
    fn receive(&self, _: &[u8]) -> Result<(), TlsError> {
        Err(refused())
    }
    fn transmit(&self, _: u32) -> Vec<u8> {
        Vec::new()
    }
    fn flush_to(&self, _: &()) -> Result<bool, Errno> {
        Ok(true)
    }
    fn fill_from(&self, _: &(), _: bool) -> Result<u32, FillError> {
        Err(FillError::Engine(refused()))
    }
    fn is_handshaking(&self) -> bool {
        false
    }
    fn read(&self, _: u32) -> Result<Vec<u8>, TlsError> {
        Err(refused())
    }
    fn pending(&self) -> u32 {
        0
    }
    fn write(&self, _: &[u8]) -> Result<u32, TlsError> {
        Err(refused())
    }
    fn close(&self) {}
    fn peer_certificates(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }
    fn protocol_version(&self) -> Option<ProtocolVersion> {
        None
    }
    fn cipher(&self) -> Option<(String, String, u32)> {
        None
    }
    fn alpn_protocol(&self) -> Option<Vec<u8>> {
        None
    }
}

impl TlsSession for NoTls {
    fn id(&self) -> Vec<u8> {
        Vec::new()
    }
    fn time(&self) -> u64 {
        0
    }
    fn timeout(&self) -> u32 {
        0
    }
    fn ticket_lifetime_hint(&self) -> u32 {
        0
    }
    fn has_ticket(&self) -> bool {
        false
    }
}
