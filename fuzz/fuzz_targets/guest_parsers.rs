//! The guest's parsers on arbitrary input: Python socket addresses (with host names, ports,
//! flowinfo and scope ids of any size), inet_aton/inet_pton/inet_ntop/inet_ntoa, timeouts, and the
//! X.509 decoder behind getpeercert(). They must return CPython's errors, never panic.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use pysock_guest::fake::FakeHost;
use pysock_guest::socket::{self, Address, Core};

#[derive(Arbitrary, Debug)]
enum Input {
    Sockaddr { family: i32, kind: u8, host: String, port: i64, flowinfo: i64, scope: i64 },
    InetAton(String),
    InetNtoa(Vec<u8>),
    InetPton { family: i32, text: String },
    InetNtop { family: i32, packed: Vec<u8> },
    Timeout(Option<f64>),
    Certificate(Vec<u8>),
}

fuzz_target!(|input: Input| {
    match input {
        Input::Sockaddr { family, kind, host, port, flowinfo, scope } => {
            let core = Core::new(FakeHost::default());
            let address = match kind % 3 {
                0 => Address::Inet((host, port)),
                1 => Address::Inet6((host, port, flowinfo, scope)),
                _ => Address::Unix(host.into_bytes()),
            };
            let _ = core.sockaddr(family, &address, "connect");
        }
        Input::InetAton(text) => {
            if let Ok(packed) = socket::inet_aton(&text) {
                // What inet_aton accepts, inet_ntoa prints back as four decimals.
                assert_eq!(socket::inet_ntoa(&packed).unwrap().split('.').count(), 4);
            }
        }
        Input::InetNtoa(packed) => drop(socket::inet_ntoa(&packed)),
        Input::InetPton { family, text } => {
            if let Ok(packed) = socket::inet_pton(family, &text) {
                let printed = socket::inet_ntop(family, &packed).expect("ntop of what pton made");
                assert_eq!(socket::inet_pton(family, &printed).unwrap(), packed, "{text:?} -> {printed:?}");
            }
        }
        Input::InetNtop { family, packed } => drop(socket::inet_ntop(family, &packed)),
        Input::Timeout(t) => drop(socket::parse_timeout(t)),
        Input::Certificate(der) => drop(pysock_guest::x509::decode(&der)),
    }
});
