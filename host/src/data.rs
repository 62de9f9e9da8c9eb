//! The `pysock:net/data` interface: the bytes sockets send and receive, written by hand rather
//! than by `bindgen!` so that a byte is copied as few times as the kernel allows.
//!
//! `bindgen!` would lift a send's `list<u8>` into a fresh `Vec`, a copy of the guest's bytes before
//! send(2) copies them again. Here the bytes arrive as a [`WasmList`], which borrows them where
//! they lie in the guest's memory, and send(2) reads them from there: one copy, the kernel's. A
//! send settles everything that needs the store mutably first (the policy, the flags, the quota:
//! [`PysockCtxView::prepare_send`]), then borrows the guest's memory for the system call alone,
//! then counts what went. A receive's bytes cross into the guest once, when its result is lowered.

use crate::bindings::pysock::net::types::{Errno, Incoming, IpSocketAddress};
use crate::error::{NetError, guard};
use crate::net::Socket;
use crate::PysockView;
use wasmtime::component::{Linker, Resource, WasmList};
use wasmtime::StoreContextMut;

/// The WIT name of the interface, as the guest imports it.
const INTERFACE: &str = "pysock:net/data@0.1.0";

/// A host call's result as the WIT gives it to the guest: an errno is a value, a trap ends it.
fn to_guest<T>(r: Result<T, NetError>) -> wasmtime::Result<(Result<T, Errno>,)> {
    match r {
        Ok(v) => Ok((Ok(v),)),
        Err(NetError::Errno(e)) => Ok((Err(e),)),
        Err(NetError::Trap(t)) => Err(t),
    }
}

/// send(2) or sendto(2) of the guest's bytes, read in place.
fn send<T: PysockView>(
    mut store: StoreContextMut<'_, T>,
    socket: &Resource<Socket>,
    data: &WasmList<u8>,
    flags: i32,
    to: Option<&IpSocketAddress>,
) -> Result<u32, NetError> {
    let out = store.data_mut().pysock().prepare_send(socket, data.len(), flags, to)?;
    // The resource stays in the store's table while its bytes are read: the guest cannot run, and
    // nothing in this call removes it, so `out.fd` is the socket's open descriptor.
    let sent = out.send(data.as_le_slice(&store))?;
    store.data_mut().pysock().count_sent(sent);
    Ok(sent as u32)
}

/// Adds `pysock:net/data` to `linker`.
pub fn add_to_linker<T: PysockView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let mut data = linker.instance(INTERFACE)?;
    data.func_wrap(
        "send",
        |store: StoreContextMut<'_, T>, (socket, bytes, flags): (Resource<Socket>, WasmList<u8>, i32)| {
            guard("data.send", || to_guest(send(store, &socket, &bytes, flags, None)))
        },
    )?;
    data.func_wrap(
        "send-to",
        |store: StoreContextMut<'_, T>, (socket, bytes, flags, to): (Resource<Socket>, WasmList<u8>, i32, IpSocketAddress)| {
            guard("data.send_to", || to_guest(send(store, &socket, &bytes, flags, Some(&to))))
        },
    )?;
    data.func_wrap(
        "recv",
        |mut store: StoreContextMut<'_, T>, (socket, max_len, flags): (Resource<Socket>, u64, i32)| -> wasmtime::Result<(Result<Incoming, Errno>,)> {
            guard("data.recv", || to_guest(store.data_mut().pysock().recv_from(&socket, max_len, flags).map(|(got, _)| got)))
        },
    )?;
    data.func_wrap(
        "recv-from",
        |mut store: StoreContextMut<'_, T>, (socket, max_len, flags): (Resource<Socket>, u64, i32)| {
            guard("data.recv_from", || to_guest(store.data_mut().pysock().recv_from(&socket, max_len, flags)))
        },
    )?;
    Ok(())
}
