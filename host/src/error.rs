//! How a host call ends when it does not succeed: an errno the guest receives, or a trap.
//!
//! Kernel errors are values for the guest (CPython raises them); a handle that is not in the
//! resource table is a bug in the guest, so it traps the instance, as wasmtime-wasi does.

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
