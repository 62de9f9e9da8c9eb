//! However a guest stops — interrupted while waiting, interrupted while computing, out of fuel, or
//! by exiting — every socket it held closes at once: the peer sees end-of-file, and the embedding
//! process has no descriptor more than before. Alone in its own test binary, so no other test's
//! descriptors blur the count.

use pysock::runtime::{RunOptions, TimeLimitExceeded};
use pysock_tests::run_in_process;
use std::io::Read;
use std::net::TcpListener;
use std::thread::JoinHandle;
use std::time::Duration;

const CONNECTIONS: usize = 20;

/// A native server that accepts `CONNECTIONS` connections, reads each one's byte, then waits for
/// each to end; returns how many ended with end-of-file (not a timeout).
fn native_peer() -> (String, JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let handle = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for _ in 0..CONNECTIONS {
            let (mut c, _) = listener.accept().unwrap();
            c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let mut byte = [0u8; 1];
            c.read_exact(&mut byte).unwrap();
            conns.push(c);
        }
        conns.iter_mut().map(|c| c.read(&mut [0u8; 1])).filter(|r| matches!(r, Ok(0))).count()
    });
    (port, handle)
}

#[test]
fn every_socket_closes_however_the_guest_stops() {
    let loopback = || RunOptions { network: pysock::NetworkPolicy::loopback(), ..Default::default() };
    // A first run opens what the engine keeps for the process (caches, pools); count after it.
    let (port, peer) = native_peer();
    assert_eq!(run_in_process("hang.py", &["exit", &port, &CONNECTIONS.to_string()], loopback()).unwrap(), 3);
    assert_eq!(peer.join().unwrap(), CONNECTIONS);
    let baseline = pysock::sys::open_fd_count();

    let limited = RunOptions { time_limit: Some(Duration::from_millis(1500)), ..loopback() };
    let fuel = RunOptions { fuel: Some(2_000_000_000), ..loopback() };
    let cases: [(&str, RunOptions); 4] =
        [("exit", loopback()), ("wait", limited.clone()), ("compute", limited), ("compute", fuel)];
    for (mode, options) in cases {
        let fueled = options.fuel.is_some();
        let (port, peer) = native_peer();
        let result = run_in_process("hang.py", &[mode, &port, &CONNECTIONS.to_string()], options);
        match (mode, fueled) {
            ("exit", _) => assert_eq!(result.unwrap(), 3, "sys.exit(3) is the run's exit status"),
            (_, false) => assert!(result.as_ref().unwrap_err().downcast_ref::<TimeLimitExceeded>().is_some(), "{mode}: {result:?}"),
            (_, true) => {
                let e = result.unwrap_err();
                assert_eq!(e.downcast_ref::<wasmtime::Trap>(), Some(&wasmtime::Trap::OutOfFuel), "{e:?}");
            }
        }
        assert_eq!(peer.join().unwrap(), CONNECTIONS, "{mode}: every peer connection ended with EOF");
        let now = pysock::sys::open_fd_count();
        assert!(now <= baseline, "{mode} (fuel: {fueled}): {now} descriptors open, {baseline} before");
    }
}
