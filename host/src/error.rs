//! How a host call ends when it does not succeed: an errno the guest receives, or a trap.
//!
//! Kernel errors are values for the guest (CPython raises them); a handle that is not in the
//! resource table is a bug in the guest, so it traps the instance, as wasmtime-wasi does. A panic
//! in a host call can only be a bug in the host (or in code the embedder gave it, such as an audit
//! writer): [`guarded!`] turns it into an [`InternalError`] trap, so that one store ends and the
//! embedder's process, with every other store in it, goes on.

use crate::bindings::pysock::net::types::Errno;
use wasmtime::component::ResourceTableError;

pub enum NetError {
    /// Returned to the guest as `errno`.
    Errno(Errno),
    /// Ends the guest's execution.
    Trap(wasmtime::Error),
}

impl From<Errno> for NetError {
    fn from(e: Errno) -> Self {
        NetError::Errno(e)
    }
}

impl From<std::io::Error> for NetError {
    fn from(e: std::io::Error) -> Self {
        NetError::Errno(crate::errno::from_io(&e))
    }
}

impl From<ResourceTableError> for NetError {
    fn from(e: ResourceTableError) -> Self {
        NetError::Trap(e.into())
    }
}

impl crate::bindings::pysock::net::types::Host for crate::PysockCtxView<'_> {
    fn convert_errno(&mut self, err: NetError) -> wasmtime::Result<Errno> {
        match err {
            NetError::Errno(e) => Ok(e),
            NetError::Trap(t) => Err(t),
        }
    }
}

/// The trap of a guest whose host call hit a bug in pysock's host. The store it happened in must
/// not be used again (its instance is poisoned, and its state may be half-updated); drop it.
#[derive(Debug)]
pub struct InternalError {
    /// The host call, as the WIT names it (`socket.recv`).
    pub call: &'static str,
    /// What the panic said.
    pub message: String,
}

impl std::fmt::Display for InternalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pysock internal error in the host call `{}`: {}. This is a bug in pysock, not in the \
             sandboxed program; the sandbox was stopped. Please report it",
            self.call, self.message
        )
    }
}

impl std::error::Error for InternalError {}

/// Runs the body of the host call `call`; a panic in it becomes an [`InternalError`] trap.
pub(crate) fn guard<T, E: From<InternalError>>(call: &'static str, body: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    // Under the fuzzer a host bug must crash the process, for libFuzzer to report it.
    if cfg!(fuzzing) {
        return body();
    }
    // The state the body may have left half-updated belongs to the store whose guest this traps,
    // which the embedder then drops: nothing else observes it, so asserting unwind safety holds.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into());
        Err(InternalError { call, message }.into())
    })
}

impl From<InternalError> for NetError {
    fn from(e: InternalError) -> Self {
        NetError::Trap(e.into())
    }
}

/// Host call implementations whose bodies run under [`guard`]: written as ordinary methods inside
/// an `impl` block, prefixed with the WIT name of the interface or resource they belong to.
macro_rules! guarded {
    ($prefix:literal; $( fn $name:ident ( $($params:tt)* ) -> $ret:ty $body:block )*) => {
        $(
            fn $name($($params)*) -> $ret {
                $crate::error::guard(concat!($prefix, ".", stringify!($name)), || $body)
            }
        )*
    };
}
pub(crate) use guarded;
