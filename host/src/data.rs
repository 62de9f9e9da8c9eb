//! The `pysock:net/data` interface: the bytes sockets send and receive, written by hand rather
//! than by `bindgen!` so that a byte is copied as few times as the kernel allows.
//!
//! `bindgen!` would lift a send's `list<u8>` into a fresh `Vec`, a copy of the guest's bytes before
//! send(2) copies them again. Here the bytes arrive as a [`WasmList`], which borrows them where
//! they lie in the guest's memory, and send(2) reads them from there: one copy, the kernel's. A
//! send settles everything that needs the store mutably first (the policy, the flags, the quota:
//! [`PysockCtxView::prepare_send`]), then borrows the guest's memory for the system call alone,
//! then counts what went.
//!
//! A receive's result is lowered by hand ([`Receive`]): when bytes are queued, the memory the
//! guest provides for the `list<u8>` (through its realloc, as for any list) is where recv(2) writes
//! them, so the kernel's copy is the only one. pysock's guest provides the memory of the `bytes`
//! object being returned, or the buffer of `recv_into` (guest/cpython/src/landing.rs).

use crate::bindings::pysock::net::types::{Errno, Incoming, IpSocketAddress};
use crate::error::{NetError, guard};
use crate::net::{Receive, Socket};
use crate::{PysockView, errno, sys};
use std::mem::MaybeUninit;
use wasmtime::component::__internal::{CanonicalAbiInfo, InstanceType, InterfaceType, LowerContext};
use wasmtime::component::{ComponentType, Linker, Lower, Resource, WasmList};
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

/// The WIT result of `recv`.
type RecvResult = Result<Incoming, Errno>;

// SAFETY: `Receive` lowers as `result<incoming, errno>` and says so: the same flat representation,
// ABI and type check as the generated `Result<Incoming, Errno>`.
#[allow(unsafe_code)]
unsafe impl ComponentType for Receive {
    type Lower = <RecvResult as ComponentType>::Lower;
    const ABI: CanonicalAbiInfo = <RecvResult as ComponentType>::ABI;
    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        <RecvResult as ComponentType>::typecheck(ty, types)
    }
}

// SAFETY: every lowering writes a whole `result<incoming, errno>`: through the generated
// implementation, with an `incoming` whose list is already in the guest's memory ([`Landed`]).
#[allow(unsafe_code)]
unsafe impl Lower for Receive {
    fn linear_lower_to_flat<U>(&self, cx: &mut LowerContext<'_, U>, ty: InterfaceType, dst: &mut MaybeUninit<Self::Lower>) -> wasmtime::Result<()> {
        match self {
            Receive::Done(result) => result.linear_lower_to_flat(cx, ty, dst),
            // A result this large is always returned through memory.
            Receive::InPlace { .. } => wasmtime::bail!("pysock: recv's result lowered flat"),
        }
    }

    fn linear_lower_to_memory<U>(&self, cx: &mut LowerContext<'_, U>, ty: InterfaceType, offset: usize) -> wasmtime::Result<()> {
        let (fd, len, flags) = match self {
            Receive::Done(result) => return result.linear_lower_to_memory(cx, ty, offset),
            Receive::InPlace { fd, len, flags } => (*fd, *len, *flags),
        };
        // The guest's realloc runs with the canonical ABI's may-leave flag clear: it can neither
        // call the host nor drop the socket (wasmtime traps either), so `fd` is still the socket's
        // own descriptor when recv(2) runs just after.
        let at = cx.realloc(0, 0, 1, len)?;
        let memory = cx.as_slice_mut().get_mut(at..at + len).ok_or_else(|| wasmtime::format_err!("pysock: recv's list outside memory"))?;
        let result = match sys::recv(fd, memory, flags) {
            // `len` bytes were queued, so recv(2) took that many; a shorter count (a peer resetting
            // after queuing is reported only once the queue is read) is kept as it is.
            Ok(n) => Ok(Landed { at: at as u32, written: n.min(len) as u32 }),
            Err(e) => Err(errno::from_io(&e)),
        };
        let result = match result {
            Ok(landed) if landed.written as usize == len => Ok(landed),
            Ok(landed) => {
                // The list is what was written; the guest's allocation is cut to it (at least a
                // byte: the canonical ABI's realloc cannot free).
                let at = cx.realloc(at, len, 1, (landed.written as usize).max(1))?;
                Ok(Landed { at: at as u32, ..landed })
            }
            Err(e) => {
                // Cannot happen with bytes queued; were it to, the guest keeps one byte of garbage.
                cx.realloc(at, len, 1, 1)?;
                Err(e)
            }
        };
        result.linear_lower_to_memory(cx, ty, offset)
    }
}

/// An `incoming` whose bytes recv(2) wrote into the guest's memory, at `at`.
struct Landed {
    at: u32,
    written: u32,
}

// SAFETY: `Landed` lowers as `incoming` and says so: the generated `Incoming`'s ABI and type check.
#[allow(unsafe_code)]
unsafe impl ComponentType for Landed {
    type Lower = <Incoming as ComponentType>::Lower;
    const ABI: CanonicalAbiInfo = <Incoming as ComponentType>::ABI;
    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        <Incoming as ComponentType>::typecheck(ty, types)
    }
}

// SAFETY: writes the whole record `incoming { data: list<u8>, length: u64 }` as the canonical ABI
// lays it out: the list's address at 0 and length at 4, `length` (aligned to 8) at 8.
#[allow(unsafe_code)]
unsafe impl Lower for Landed {
    fn linear_lower_to_flat<U>(&self, _: &mut LowerContext<'_, U>, _: InterfaceType, _: &mut MaybeUninit<Self::Lower>) -> wasmtime::Result<()> {
        wasmtime::bail!("pysock: recv's result lowered flat")
    }

    fn linear_lower_to_memory<U>(&self, cx: &mut LowerContext<'_, U>, _: InterfaceType, offset: usize) -> wasmtime::Result<()> {
        *cx.get::<4>(offset) = self.at.to_le_bytes();
        *cx.get::<4>(offset + 4) = self.written.to_le_bytes();
        *cx.get::<8>(offset + 8) = u64::from(self.written).to_le_bytes();
        Ok(())
    }
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
        |mut store: StoreContextMut<'_, T>, (socket, max_len, flags): (Resource<Socket>, u64, i32)| -> wasmtime::Result<(Receive,)> {
            guard("data.recv", || match store.data_mut().pysock().plan_recv(&socket, max_len, flags) {
                Ok(plan) => Ok((plan,)),
                Err(NetError::Errno(e)) => Ok((Receive::Done(Err(e)),)),
                Err(NetError::Trap(t)) => Err(t),
            })
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
