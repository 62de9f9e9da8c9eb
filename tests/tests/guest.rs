//! The guest component alone in the real host, driven through its exported `socket` and `select`
//! interfaces over loopback: the embedder's view of pysock, with no interpreter in between. Each test
//! names the public conformance script whose behaviour it pins; tests/tests/sandbox.rs runs the
//! scripts themselves through CPython.

use pysock::NetworkPolicy;
use pysock::bindings::Guest;
use pysock::bindings::exports::pysock::net::socket::{Address, Error, OsError};
use pysock::bindings::pysock::net::types::Errno;
use pysock::runtime::State;
use pysock_tests::root;
use std::time::{Duration, Instant};
use wasmtime::component::ResourceAny;
use wasmtime::{Engine, Store};

const AF_INET: i32 = 2;
const SOCK_STREAM: i32 = 1;

struct Fixture {
    store: Store<State>,
    guest: Guest,
}

impl Fixture {
    fn new() -> Fixture {
        let engine = Engine::default();
        let pysock = pysock::PysockCtx::builder().network(NetworkPolicy::loopback()).build().unwrap();
        let guest = root().join("target/wasm32-wasip2/release/pysock_guest.wasm");
        let (store, guest) = pysock::runtime::instantiate_guest(&engine, &guest, pysock).unwrap();
        Fixture { store, guest }
    }

    fn socket(&mut self) -> ResourceAny {
        let api = self.guest.pysock_net_socket().socket();
        api.call_create(&mut self.store, AF_INET, SOCK_STREAM, 0, None).unwrap().unwrap()
    }

    fn bind_listen(&mut self) -> (ResourceAny, Address) {
        let l = self.socket();
        let api = self.guest.pysock_net_socket().socket();
        api.call_bind(&mut self.store, l, &loopback(0)).unwrap().unwrap();
        api.call_listen(&mut self.store, l, Some(8)).unwrap().unwrap();
        let addr = api.call_getsockname(&mut self.store, l).unwrap().unwrap();
        (l, addr)
    }

    fn open_sockets(&self) -> usize {
        self.store.data().pysock.open_sockets()
    }
}

fn loopback(port: i64) -> Address {
    Address::Inet(("127.0.0.1".into(), port))
}

fn errno_of(e: Error) -> Errno {
    match e {
        Error::Os(OsError { code, .. }) => code,
        other => panic!("expected an OSError, got {other:?}"),
    }
}

/// 02, 05, 09: connect, accept, send and receive; every call on a closed socket is EBADF; the peer sees EOF.
#[test]
fn stream_round_trip_and_closed_socket() {
    let mut f = Fixture::new();
    let (l, addr) = f.bind_listen();
    let c = f.socket();
    let module = f.guest.pysock_net_socket().clone();
    let api = module.socket();
    api.call_connect(&mut f.store, c, &addr).unwrap().unwrap();
    let (fd, peer) = api.call_accept(&mut f.store, l).unwrap().unwrap();
    assert!(matches!(peer, Address::Inet((ref h, _)) if h == "127.0.0.1"));
    let s = api.call_create(&mut f.store, -1, -1, -1, Some(fd)).unwrap().unwrap();
    assert_eq!(api.call_send(&mut f.store, c, b"ping", 0).unwrap().unwrap(), 4);
    assert_eq!(api.call_recv(&mut f.store, s, 1024, 0).unwrap().unwrap(), b"ping");

    api.call_close(&mut f.store, c).unwrap().unwrap();
    assert_eq!(api.call_fileno(&mut f.store, c).unwrap(), -1);
    let e = api.call_recv(&mut f.store, c, 10, 0).unwrap().unwrap_err();
    assert_eq!(errno_of(e), Errno::Ebadf);
    let e = api.call_send(&mut f.store, c, b"x", 0).unwrap().unwrap_err();
    assert_eq!(errno_of(e), Errno::Ebadf);
    api.call_close(&mut f.store, c).unwrap().unwrap();
    assert_eq!(api.call_recv(&mut f.store, s, 10, 0).unwrap().unwrap(), b"");
    for r in [c, s, l] {
        r.resource_drop(&mut f.store).unwrap();
    }
    assert_eq!(f.open_sockets(), 0);
}

/// 03: a refused connect is ECONNREFUSED from connect and from connect_ex.
#[test]
fn refused_connect() {
    let mut f = Fixture::new();
    let (l, addr) = f.bind_listen();
    let module = f.guest.pysock_net_socket().clone();
    let api = module.socket();
    api.call_close(&mut f.store, l).unwrap().unwrap();
    let c = f.socket();
    let e = api.call_connect(&mut f.store, c, &addr).unwrap().unwrap_err();
    assert_eq!(errno_of(e), Errno::Econnrefused);
    let c2 = f.socket();
    let e = api.call_connect_ex(&mut f.store, c2, &addr).unwrap().unwrap_err();
    assert_eq!(errno_of(e), Errno::Econnrefused);
}

/// 11, 12: a timeout raises TimeoutError after about the timeout, and the socket stays usable.
#[test]
fn recv_and_accept_time_out() {
    let mut f = Fixture::new();
    let (l, addr) = f.bind_listen();
    let module = f.guest.pysock_net_socket().clone();
    let api = module.socket();
    api.call_settimeout(&mut f.store, l, Some(0.2)).unwrap().unwrap();
    let t = Instant::now();
    assert!(matches!(api.call_accept(&mut f.store, l).unwrap(), Err(Error::Timeout(ref m)) if m == "timed out"));
    assert!(t.elapsed() >= Duration::from_millis(190));
    let c = f.socket();
    api.call_connect(&mut f.store, c, &addr).unwrap().unwrap();
    api.call_settimeout(&mut f.store, c, Some(0.2)).unwrap().unwrap();
    let t = Instant::now();
    assert!(matches!(api.call_recv(&mut f.store, c, 10, 0).unwrap(), Err(Error::Timeout(ref m)) if m == "timed out"));
    assert!(t.elapsed() >= Duration::from_millis(190));
    let (fd, _) = api.call_accept(&mut f.store, l).unwrap().unwrap();
    let s = api.call_create(&mut f.store, -1, -1, -1, Some(fd)).unwrap().unwrap();
    api.call_sendall(&mut f.store, s, b"late", 0).unwrap().unwrap();
    assert_eq!(api.call_recv(&mut f.store, c, 10, 0).unwrap().unwrap(), b"late");
}

/// 10: negative and NaN timeouts are ValueError; non-blocking mode fails with EAGAIN at once.
#[test]
fn timeout_rules() {
    let mut f = Fixture::new();
    let s = f.socket();
    let module = f.guest.pysock_net_socket().clone();
    let api = module.socket();
    assert!(matches!(api.call_settimeout(&mut f.store, s, Some(-1.0)).unwrap(), Err(Error::Value(_))));
    assert!(matches!(api.call_settimeout(&mut f.store, s, Some(f64::NAN)).unwrap(), Err(Error::Value(_))));
    let (l, _) = f.bind_listen();
    api.call_setblocking(&mut f.store, l, false).unwrap().unwrap();
    let e = api.call_accept(&mut f.store, l).unwrap().unwrap_err();
    assert_eq!(errno_of(e), Errno::Eagain);
}

/// 22 (and Jython's select checks): a listener is readable only while a connection is pending;
/// select with a timeout and nothing ready returns empty lists after about the timeout.
#[test]
fn select_on_listener() {
    let mut f = Fixture::new();
    let (l, addr) = f.bind_listen();
    let module = f.guest.pysock_net_socket().clone();
    let api = module.socket();
    let lfd = api.call_fileno(&mut f.store, l).unwrap();
    let select = f.guest.pysock_net_select().clone();
    let t = Instant::now();
    let (r, w, x) = select.call_select(&mut f.store, &[lfd], &[], &[], Some(0.1)).unwrap().unwrap();
    assert!(r.is_empty() && w.is_empty() && x.is_empty());
    assert!(t.elapsed() >= Duration::from_millis(95));
    let c = f.socket();
    api.call_setblocking(&mut f.store, c, false).unwrap().unwrap();
    let _ = api.call_connect_ex(&mut f.store, c, &addr).unwrap();
    let (r, _, _) = select.call_select(&mut f.store, &[lfd], &[], &[], Some(5.0)).unwrap().unwrap();
    assert_eq!(r, vec![0]);
    let (fd, _) = api.call_accept(&mut f.store, l).unwrap().unwrap();
    let (r, _, _) = select.call_select(&mut f.store, &[lfd], &[], &[], Some(0.0)).unwrap().unwrap();
    assert!(r.is_empty());
    f.guest.pysock_net_socket().call_close(&mut f.store, fd).unwrap().unwrap();
    // 23: a descriptor number that is not open is EBADF.
    let e = select.call_select(&mut f.store, &[fd], &[], &[], Some(0.0)).unwrap().unwrap_err();
    assert_eq!(errno_of(e), Errno::Ebadf);
}

/// 16: socketpair needs no network permission and carries data both ways.
#[test]
fn socketpair_without_network() {
    let mut f = Fixture::new();
    let (a, b) = f.guest.pysock_net_socket().call_socketpair(&mut f.store, -1, -1, -1).unwrap().unwrap();
    let module = f.guest.pysock_net_socket().clone();
    let api = module.socket();
    api.call_sendall(&mut f.store, a, b"to b", 0).unwrap().unwrap();
    assert_eq!(api.call_recv(&mut f.store, b, 64, 0).unwrap().unwrap(), b"to b");
    api.call_sendall(&mut f.store, b, b"to a", 0).unwrap().unwrap();
    assert_eq!(api.call_recv(&mut f.store, a, 64, 0).unwrap().unwrap(), b"to a");
}

/// The quota: past the embedder's socket limit, socket() fails with EMFILE, and closing frees room.
#[test]
fn socket_quota_is_emfile() {
    let mut f = Fixture::new();
    f.store.data_mut().pysock = pysock::PysockCtx::builder().max_sockets(3).build().unwrap();
    let module = f.guest.pysock_net_socket().clone();
    let api = module.socket();
    let socks: Vec<_> = (0..3).map(|_| f.socket()).collect();
    let e = api.call_create(&mut f.store, AF_INET, SOCK_STREAM, 0, None).unwrap().unwrap_err();
    assert_eq!(errno_of(e), Errno::Emfile);
    api.call_close(&mut f.store, socks[0]).unwrap().unwrap();
    let again = api.call_create(&mut f.store, AF_INET, SOCK_STREAM, 0, None).unwrap();
    assert!(again.is_ok());
}
