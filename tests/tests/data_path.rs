//! The data path's one unusual contract, checked from a guest written by hand: `data.recv-into`
//! writes into the memory where the guest's `list<u8>` lies (host/src/data.rs). Whatever address,
//! length or socket number the guest passes, the host writes only inside that list and inside the
//! guest's memory: a list past the end of memory (or whose end overflows) traps as any out-of-bounds
//! list does, a number that is no open socket is EBADF, and bytes past the ones received keep
//! what the guest had there. With `wait`, a receive (`recv-into`, or `recv-from` called on the host
//! directly) that finds nothing waits for bytes as a blocking socket's does, and a SIGINT or a stop
//! ends the wait.

use pysock::bindings::pysock::net::net::{HostEpoll, HostSocket};
use pysock::bindings::pysock::net::types::Kind;
use pysock::runtime::State;
use pysock::{Interrupter, NetworkPolicy, PysockCtx, PysockView};
use wasmtime::component::{Component, Linker, TypedFunc};
use wasmtime::{Engine, Store, StoreLimits};

/// A component that imports `data.recv-into` and exports `recv(s, at, len, wait)` (the received count,
/// or 0x10000 + the errno's case number), `peek(at)` and `fill(at, len, byte)` over its one page
/// (64 KiB) of memory.
const GUEST: &str = r#"
(component
  (import "pysock:net/data@0.1.0" (instance $data
    (type $errno' (enum "eacces" "eaddrinuse" "eaddrnotavail" "eafnosupport" "eagain" "ealready" "ebadf" "econnaborted" "econnrefused" "econnreset" "edestaddrreq" "ehostdown" "ehostunreach" "eintr" "einprogress" "einval" "eio" "eisconn" "emfile" "emsgsize" "enametoolong" "enetdown" "enetreset" "enetunreach" "enfile" "enobufs" "enoent" "enomem" "enoprotoopt" "enotconn" "enotsock" "eopnotsupp" "eperm" "epipe" "eprotonosupport" "eprototype" "erange" "eshutdown" "esocktnosupport" "etimedout" "eoverflow" "enosys" "efault" "eexist" "edom" "enxio" "edeadlk" "enolck" "enodev" "enotty" "enotdir"))
    (export "errno" (type $errno (eq $errno')))
    (type $received' (record (field "written" u32) (field "length" u64)))
    (export "received" (type $received (eq $received')))
    (export "recv-into" (func (param "s" u32) (param "buffer" (list u8)) (param "flags" s32) (param "wait" bool) (result (result $received (error $errno)))))
  ))
  (core module $memory (memory (export "memory") 1))
  (core instance $memory (instantiate $memory))
  (core func $recv-into (canon lower (func $data "recv-into") (memory (core memory $memory "memory"))))
  (core module $guest
    (import "env" "memory" (memory 1))
    (import "data" "recv-into" (func $recv-into (param i32 i32 i32 i32 i32 i32)))
    ;; The result lands at 0xFF00: discriminant, then written (at +8) or the errno (at +8).
    (func (export "recv") (param $s i32) (param $at i32) (param $len i32) (param $wait i32) (result i32)
      (call $recv-into (local.get $s) (local.get $at) (local.get $len) (i32.const 0) (local.get $wait) (i32.const 0xFF00))
      (if (result i32) (i32.load8_u (i32.const 0xFF00))
        (then (i32.add (i32.const 0x10000) (i32.load8_u (i32.const 0xFF08))))
        (else (i32.load (i32.const 0xFF08)))))
    (func (export "peek") (param $at i32) (result i32) (i32.load8_u (local.get $at)))
    (func (export "fill") (param $at i32) (param $len i32) (param $byte i32)
      (memory.fill (local.get $at) (local.get $byte) (local.get $len))))
  (core instance $guest (instantiate $guest
    (with "env" (instance $memory))
    (with "data" (instance (export "recv-into" (func $recv-into))))))
  (func (export "recv") (param "s" u32) (param "at" u32) (param "len" u32) (param "wait" bool) (result u32) (canon lift (core func $guest "recv")))
  (func (export "peek") (param "at" u32) (result u32) (canon lift (core func $guest "peek")))
  (func (export "fill") (param "at" u32) (param "len" u32) (param "byte" u32) (canon lift (core func $guest "fill")))
)
"#;

/// errno's case numbers in the WIT enum.
const EAGAIN: u32 = 4;
const EBADF: u32 = 6;
const EINTR: u32 = 13;

struct Guest {
    store: Store<State>,
    recv: TypedFunc<(u32, u32, u32, bool), (u32,)>,
    peek: TypedFunc<(u32,), (u32,)>,
    fill: TypedFunc<(u32, u32, u32), ()>,
}

impl Guest {
    fn new(engine: &Engine) -> Guest {
        Guest::with(engine, Interrupter::new().unwrap())
    }

    /// A guest whose waits `interrupter` can end.
    fn with(engine: &Engine, interrupter: Interrupter) -> Guest {
        let component = Component::new(engine, wat::parse_str(GUEST).unwrap()).unwrap();
        let mut linker = Linker::new(engine);
        pysock::add_to_linker(&mut linker).unwrap();
        let pysock = PysockCtx::builder().network(NetworkPolicy::loopback()).interrupter(interrupter).build().unwrap();
        let mut store = Store::new(engine, State::new(wasmtime_wasi::WasiCtx::builder().build(), pysock, StoreLimits::default()));
        store.set_epoch_deadline(u64::MAX);
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let recv = instance.get_typed_func(&mut store, "recv").unwrap();
        let peek = instance.get_typed_func(&mut store, "peek").unwrap();
        let fill = instance.get_typed_func(&mut store, "fill").unwrap();
        Guest { store, recv, peek, fill }
    }

    /// A connected AF_UNIX stream pair made by the host, as the guest would get it: the host's
    /// numbers for the two sockets, and "hello" already sent from the second to the first.
    fn pair_with_hello(&mut self) -> (u32, u32) {
        let mut view = self.store.data_mut().pysock();
        let (a, b) = HostSocket::pair(&mut view, Kind::Stream).ok().unwrap();
        assert_eq!(view.send(&b, b"hello", 0, None, false).ok(), Some(5));
        (a.rep(), b.rep())
    }

    fn recv(&mut self, s: u32, at: u32, len: u32) -> wasmtime::Result<u32> {
        self.recv_waiting(s, at, len, false)
    }

    fn recv_waiting(&mut self, s: u32, at: u32, len: u32, wait: bool) -> wasmtime::Result<u32> {
        self.recv.call(&mut self.store, (s, at, len, wait)).map(|(n,)| n)
    }

    fn peek(&mut self, at: u32) -> u32 {
        let (byte,) = self.peek.call(&mut self.store, (at,)).unwrap();
        byte
    }

    fn fill(&mut self, at: u32, len: u32, byte: u32) {
        self.fill.call(&mut self.store, (at, len, byte)).unwrap();
    }
}

/// pysock's engine. Its wasm may use more stack than a test thread has (`runtime::on_guest_stack`),
/// but the test guest above never recurses: a few hundred bytes.
fn engine() -> Engine {
    pysock::runtime::engine(Default::default()).unwrap()
}

#[test]
fn a_receive_writes_the_received_bytes_into_the_list_and_nothing_else() {
    let mut guest = Guest::new(&engine());
    let (a, _b) = guest.pair_with_hello();
    guest.fill(0, 0x1000, 0xEE);
    assert_eq!(guest.recv(a, 100, 64).unwrap(), 5);
    let landed: Vec<u8> = (100..105).map(|at| guest.peek(at) as u8).collect();
    assert_eq!(landed, b"hello");
    for at in [99, 105, 163, 164] {
        assert_eq!(guest.peek(at), 0xEE, "byte {at} outside the received bytes was changed");
    }
    // Nothing queued now: EAGAIN, and the list is untouched.
    assert_eq!(guest.recv(a, 200, 64).unwrap(), 0x10000 + EAGAIN);
    assert_eq!(guest.peek(200), 0xEE);
}

#[test]
fn a_number_that_is_no_open_socket_is_ebadf() {
    let mut guest = Guest::new(&engine());
    let (a, _b) = guest.pair_with_hello();
    assert_eq!(guest.recv(a + 1000, 0, 64).unwrap(), 0x10000 + EBADF);
    // A live resource of another kind (an epoll instance) is no socket either.
    let epoll = HostEpoll::create(&mut guest.store.data_mut().pysock()).ok().unwrap().rep();
    assert_eq!(guest.recv(epoll, 0, 64).unwrap(), 0x10000 + EBADF);
    // The socket itself still works after the bad calls.
    assert_eq!(guest.recv(a, 0, 64).unwrap(), 5);
}

#[test]
fn a_list_outside_memory_traps_before_the_host_receives() {
    let engine = engine();
    for (at, len) in [(0xFFF0, 0x20), (0x10000, 1), (0xFFFF_FFF0, 0x20), (1, u32::MAX)] {
        let mut guest = Guest::new(&engine);
        let (a, _b) = guest.pair_with_hello();
        let err = guest.recv(a, at, len).expect_err("an out-of-bounds list must trap");
        assert!(format!("{err:?}").contains("out of bounds"), "list at {at:#x}, {len:#x} bytes: {err:?}");
    }
}

/// A socket of the guest's connected to a native peer on loopback: its number, and the peer's end.
fn connected_to_native_peer(guest: &mut Guest) -> (u32, std::net::TcpStream) {
    use pysock::bindings::pysock::net::types::{Family, IpAddress, IpSocketAddress};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut view = guest.store.data_mut().pysock();
    let s = HostSocket::create(&mut view, Family::Inet, Kind::Stream, 0).ok().unwrap();
    let to = IpSocketAddress { address: IpAddress::V4((127, 0, 0, 1)), port, flowinfo: 0, scope_id: 0 };
    // Non-blocking: in progress, and done once the listener's queue holds it.
    let _ = HostSocket::connect(&mut view, wasmtime::component::Resource::new_borrow(s.rep()), to);
    let (peer, _) = listener.accept().unwrap();
    (s.rep(), peer)
}

#[test]
fn a_waiting_receive_waits_for_bytes_that_come_later() {
    use std::io::Write;
    let mut guest = Guest::new(&engine());
    let (s, mut peer) = connected_to_native_peer(&mut guest);
    assert_eq!(guest.recv(s, 0, 64).unwrap(), 0x10000 + EAGAIN, "nothing sent yet");
    let sender = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        peer.write_all(b"late").unwrap();
        peer
    });
    let started = std::time::Instant::now();
    assert_eq!(guest.recv_waiting(s, 300, 64, true).unwrap(), 4);
    assert!(started.elapsed() >= std::time::Duration::from_millis(150), "it returned before the bytes were sent");
    let landed: Vec<u8> = (300..304).map(|at| guest.peek(at) as u8).collect();
    assert_eq!(landed, b"late");
    // The end of the stream ends a wait too: 0 bytes.
    drop(sender.join().unwrap());
    assert_eq!(guest.recv_waiting(s, 0, 64, true).unwrap(), 0);
}

/// Runs `act` on `interrupter` from another thread 100 ms from now, while the test waits.
fn in_100_ms(interrupter: &Interrupter, act: fn(&Interrupter)) -> std::thread::JoinHandle<()> {
    let interrupter = interrupter.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        act(&interrupter);
    })
}

#[test]
fn a_sigint_ends_a_waiting_receive_with_eintr_and_a_stop_traps_it() {
    let interrupter = Interrupter::new().unwrap();
    let mut guest = Guest::with(&engine(), interrupter.clone());
    let (s, _peer) = connected_to_native_peer(&mut guest);
    let sigint = in_100_ms(&interrupter, |i| assert!(i.deliver_sigint()));
    assert_eq!(guest.recv_waiting(s, 0, 64, true).unwrap(), 0x10000 + EINTR);
    sigint.join().unwrap();
    let stop = in_100_ms(&interrupter, Interrupter::interrupt);
    let err = guest.recv_waiting(s, 0, 64, true).expect_err("a stopped guest's wait traps");
    assert!(err.downcast_ref::<pysock::Interrupted>().is_some(), "{err:?}");
    stop.join().unwrap();
}

/// `data.recv-from` waits as `recv-into` does: a blocking UDP socket's recvfrom returns the
/// datagram a native peer sends later, with the peer's address; a SIGINT ends the wait with EINTR
/// and a stop traps it. Without `wait`, nothing there is EAGAIN.
#[test]
fn a_waiting_recv_from_waits_for_a_datagram_and_a_sigint_or_stop_ends_it() {
    use pysock::NetError;
    use pysock::bindings::pysock::net::types::{Errno, Family, IpAddress, IpSocketAddress, SocketAddress};
    use wasmtime::component::Resource;
    let interrupter = Interrupter::new().unwrap();
    let mut guest = Guest::with(&engine(), interrupter.clone());
    let mut view = guest.store.data_mut().pysock();
    let s = HostSocket::create(&mut view, Family::Inet, Kind::Dgram, 0).ok().unwrap().rep();
    let loopback = IpSocketAddress { address: IpAddress::V4((127, 0, 0, 1)), port: 0, flowinfo: 0, scope_id: 0 };
    assert!(HostSocket::bind(&mut view, Resource::new_borrow(s), loopback).is_ok());
    let Ok(Some(bound)) = HostSocket::local_address(&mut view, Resource::new_borrow(s)) else { panic!("a bound socket has an address") };
    assert!(matches!(view.recv_from(&Resource::new_borrow(s), 64, 0, false), Err(NetError::Errno(Errno::Eagain))));

    let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let peer_port = peer.local_addr().unwrap().port();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        peer.send_to(b"late", ("127.0.0.1", bound.port)).unwrap();
    });
    let started = std::time::Instant::now();
    let Ok((got, Some(SocketAddress::Ip(from)))) = view.recv_from(&Resource::new_borrow(s), 64, 0, true) else { panic!("a datagram and its sender") };
    assert!(started.elapsed() >= std::time::Duration::from_millis(150), "it returned before the datagram was sent");
    assert_eq!((got.data.as_slice(), from.port), (&b"late"[..], peer_port));
    sender.join().unwrap();

    let sigint = in_100_ms(&interrupter, |i| assert!(i.deliver_sigint()));
    assert!(matches!(view.recv_from(&Resource::new_borrow(s), 64, 0, true), Err(NetError::Errno(Errno::Eintr))));
    sigint.join().unwrap();
    let stop = in_100_ms(&interrupter, Interrupter::interrupt);
    match view.recv_from(&Resource::new_borrow(s), 64, 0, true) {
        Err(NetError::Trap(t)) => assert!(t.downcast_ref::<pysock::Interrupted>().is_some(), "{t:?}"),
        _ => panic!("a stopped guest's wait traps"),
    }
    stop.join().unwrap();
}

/// `data.send` with `wait` is a blocking socket's send(2): where the kernel's buffer takes only part
/// of the bytes, it waits for the peer to make room and returns the whole length, as CPython's
/// blocking `send` does on Linux. Without `wait` the same send returns what fitted. Once some
/// bytes went, a SIGINT ends the wait with their count and then the next send's wait with EINTR;
/// a stop traps it.
#[test]
fn a_waiting_send_sends_every_byte_and_a_sigint_or_stop_ends_it() {
    use pysock::NetError;
    use pysock::bindings::pysock::net::types::Errno;
    use std::io::Read;
    use wasmtime::component::Resource;
    const BIG: usize = 32 << 20;
    let interrupter = Interrupter::new().unwrap();
    let mut guest = Guest::with(&engine(), interrupter.clone());
    let (s, mut peer) = connected_to_native_peer(&mut guest);
    let bytes = vec![b'x'; BIG];
    let mut view = guest.store.data_mut().pysock();
    let Ok(fitted) = view.send(&Resource::new_borrow(s), &bytes, 0, None, false) else { panic!("a first send takes some bytes") };
    assert!((fitted as usize) < BIG, "the kernel's buffer took all {BIG} bytes: the test needs a send that fills it");

    // The peer reads nothing for 200 ms, then everything.
    let reader = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let mut total = 0;
        let mut buf = vec![0; 1 << 20];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while total < fitted as usize + BIG && std::time::Instant::now() < deadline {
            total += peer.read(&mut buf).unwrap();
        }
        (peer, total)
    });
    let started = std::time::Instant::now();
    assert_eq!(view.send(&Resource::new_borrow(s), &bytes, 0, None, true).ok(), Some(BIG as u32));
    assert!(started.elapsed() >= std::time::Duration::from_millis(150), "it returned before the peer read");
    let (peer, total) = reader.join().unwrap();
    assert_eq!(total, fitted as usize + BIG, "the peer got every byte, once");

    // The peer reads no more: a SIGINT while the send waits, some bytes gone, ends it with their
    // count; the next send, nothing gone, ends in EINTR; a stop traps the one after.
    let sigint = in_100_ms(&interrupter, |i| assert!(i.deliver_sigint()));
    let Ok(part) = view.send(&Resource::new_borrow(s), &bytes, 0, None, true) else { panic!("a partial count") };
    assert!(part > 0 && (part as usize) < BIG, "{part}");
    sigint.join().unwrap();
    assert!(matches!(view.send(&Resource::new_borrow(s), &bytes, 0, None, true), Err(NetError::Errno(Errno::Eintr))));
    let stop = in_100_ms(&interrupter, Interrupter::interrupt);
    match view.send(&Resource::new_borrow(s), &bytes, 0, None, true) {
        Err(NetError::Trap(t)) => assert!(t.downcast_ref::<pysock::Interrupted>().is_some(), "{t:?}"),
        _ => panic!("a stopped guest's wait traps"),
    }
    stop.join().unwrap();
    drop(peer);
}
