//! pysock's guest logic: CPython's `_socket`, `select` and `_ssl` rules over a host whose sockets
//! never block (timeout modes, the `sock_call` retry loop, connect with a timeout, `sendall`'s one
//! deadline, the descriptor table, select/poll/epoll, SSL sockets and SSLObjects, errno and
//! exception values).
//!
//! Everything here is generic over [`host::Host`] and knows no bindings, so it runs natively under
//! `cargo test` against a scripted host ([`fake`]). `guest/cpython` makes it CPython's extension
//! modules, calling the host's `pysock:net` imports from the interpreter's own memory.

pub mod addr;
pub mod ciphers;
pub mod errno;
#[cfg(any(test, feature = "fake-host"))]
pub mod fake;
pub mod host;
pub mod select;
pub mod socket;
pub mod ssl;
pub mod timeout;
pub mod x509;
