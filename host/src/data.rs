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
//! A receive goes straight into the guest's buffer (`recv-into`): the guest passes the memory of
//! the `bytes` object it is building, or `recv_into`'s buffer, as a `list<u8>`, which the host
//! lifts as an address ([`GuestBuffer`]); recv(2) writes there while the result is lowered
//! ([`ReceiveInto`]), the one point of a host call where the guest's memory is writable. The
//! kernel's copy is the only one, for every size, and the guest is never called back. A blocking
//! socket's receive that finds nothing waits right there (poll(2) on the socket and the
//! interrupter's eventfd) and tries again, as the kernel would inside a blocking recv(2).

use crate::bindings::pysock::net::types::{Errno, Received, SocketAddress};
use crate::error::{NetError, guard};
use crate::net::Socket;
use crate::{PysockView, sys};
use std::mem::MaybeUninit;
use wasmtime::component::__internal::{InterfaceType, LiftContext, LowerContext};
use wasmtime::component::{ComponentType, Lift, Linker, Lower, Resource, WasmList};
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

/// `ComponentType` for host types that cross the boundary as another type does (`T => Repr`): the
/// flat representation, ABI and type check of `Repr`. Each such type's own `Lift` or `Lower`, beside
/// it, reads or writes exactly what `Repr`'s would, which is what makes the `unsafe impl` hold.
macro_rules! component_type_as {
    ($($t:ty => $repr:ty),* $(,)?) => {$(
        // SAFETY: see the macro's docs: `$t` says it is `$repr`, and reads or writes it as such.
        #[allow(unsafe_code)]
        unsafe impl wasmtime::component::ComponentType for $t {
            type Lower = <$repr as wasmtime::component::ComponentType>::Lower;
            const ABI: wasmtime::component::__internal::CanonicalAbiInfo = <$repr as wasmtime::component::ComponentType>::ABI;
            fn typecheck(
                ty: &wasmtime::component::__internal::InterfaceType,
                types: &wasmtime::component::__internal::InstanceType<'_>,
            ) -> wasmtime::Result<()> {
                <$repr as wasmtime::component::ComponentType>::typecheck(ty, types)
            }
        }
    )*};
}
pub(crate) use component_type_as;

/// `result<received, errno>` and `result<u32, errno>` as the canonical ABI lays them out in the
/// guest's return area, so that each is stored in one write: wasmtime 48's generated lowering looks
/// the guest's memory up again for every field it writes (the discriminant, then each payload
/// field, some 4 ns each), which was a fifth of the host's share of a 64-byte receive. Padding is
/// written as zeros. `tests/tests/data_path.rs` reads these bytes from a hand-written guest.
mod return_area {
    use super::{ComponentType, Errno, Received};

    /// The discriminant, then the payload at its alignment: 8 for `received`, 4 for `u32`.
    pub const RECEIVED: usize = 24;
    pub const COUNT: usize = 8;
    const _: () = assert!(<Result<Received, Errno> as ComponentType>::SIZE32 == RECEIVED);
    const _: () = assert!(<Result<u32, Errno> as ComponentType>::SIZE32 == COUNT);

    pub fn received(r: &Result<Received, Errno>) -> [u8; RECEIVED] {
        let mut area = [0; RECEIVED];
        match r {
            Ok(got) => {
                area[8..12].copy_from_slice(&got.written.to_le_bytes());
                area[16..24].copy_from_slice(&got.length.to_le_bytes());
            }
            Err(e) => (area[0], area[8]) = (1, *e as u8),
        }
        area
    }

    pub fn count(r: &Result<u32, Errno>) -> [u8; COUNT] {
        let mut area = [0; COUNT];
        match r {
            Ok(n) => area[4..8].copy_from_slice(&n.to_le_bytes()),
            Err(e) => (area[0], area[4]) = (1, *e as u8),
        }
        area
    }

    /// Stores `area` at `offset` of `memory`, which the caller checked holds it (wasmtime checks the
    /// return pointer before lowering).
    pub fn store<const N: usize>(memory: &mut [u8], offset: usize, area: [u8; N]) -> wasmtime::Result<()> {
        match memory.get_mut(offset..).and_then(|m| m.get_mut(..N)) {
            Some(slot) => Ok(slot.copy_from_slice(&area)),
            None => wasmtime::bail!("pysock: a return area outside memory"),
        }
    }
}

/// A send's `result<u32, errno>`, stored in one write (see [`return_area`]).
struct Sent(Result<u32, Errno>);

component_type_as!(Sent => Result<u32, Errno>);

// SAFETY: writes the canonical ABI's bytes of `result<u32, errno>` (return_area::count).
#[allow(unsafe_code)]
unsafe impl Lower for Sent {
    fn linear_lower_to_flat<U>(&self, cx: &mut LowerContext<'_, U>, ty: InterfaceType, dst: &mut MaybeUninit<Self::Lower>) -> wasmtime::Result<()> {
        self.0.linear_lower_to_flat(cx, ty, dst)
    }

    fn linear_lower_to_memory<U>(&self, cx: &mut LowerContext<'_, U>, _ty: InterfaceType, offset: usize) -> wasmtime::Result<()> {
        return_area::store(cx.as_slice_mut(), offset, return_area::count(&self.0))
    }
}

/// A send's result for the guest: an errno is a value, a trap ends the call.
fn sent(r: Result<u32, NetError>) -> wasmtime::Result<(Sent,)> {
    match r {
        Ok(n) => Ok((Sent(Ok(n)),)),
        Err(NetError::Errno(e)) => Ok((Sent(Err(e)),)),
        Err(NetError::Trap(t)) => Err(t),
    }
}

/// send(2) or sendto(2) of the guest's bytes, read in place.
fn send<T: PysockView>(
    mut store: StoreContextMut<'_, T>,
    socket: &Resource<Socket>,
    data: &WasmList<u8>,
    flags: i32,
    to: Option<&SocketAddress>,
    wait: bool,
) -> Result<u32, NetError> {
    let out = store.data_mut().pysock().prepare_send(socket, data.len(), flags, to, wait)?;
    // The resource stays in the store's table while its bytes are read: the guest cannot run, and
    // nothing in this call removes it, so `out.fd` is the socket's open descriptor, for as long as
    // the send waits.
    let sent = out.send(data.as_le_slice(&store))?;
    store.data_mut().pysock().count_sent(sent);
    Ok(sent as u32)
}

/// `recv-into`'s `buffer`: where the list lies in the guest's memory, which is all the host needs to
/// receive into it. Lifted as a `list<u8>` is, with the same bounds check, and never read.
struct GuestBuffer {
    at: usize,
    len: usize,
}

component_type_as!(GuestBuffer => WasmList<u8>, CopiedBytes => WasmList<u8>);

// SAFETY: reads the (address, length) pair as the canonical ABI lays out a list, and checks that
// the bytes lie inside the guest's memory, as lifting any list does.
#[allow(unsafe_code)]
unsafe impl Lift for GuestBuffer {
    fn linear_lift_from_flat(cx: &mut LiftContext<'_>, _: InterfaceType, src: &Self::Lower) -> wasmtime::Result<Self> {
        GuestBuffer::inside(cx, src[0].get_u32(), src[1].get_u32())
    }

    fn linear_lift_from_memory(cx: &mut LiftContext<'_>, _: InterfaceType, bytes: &[u8]) -> wasmtime::Result<Self> {
        let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("a list is two words"));
        GuestBuffer::inside(cx, word(0), word(4))
    }
}

impl GuestBuffer {
    fn inside(cx: &LiftContext<'_>, at: u32, len: u32) -> wasmtime::Result<GuestBuffer> {
        let (at, len) = (at as usize, len as usize);
        match at.checked_add(len) {
            Some(end) if end <= cx.memory().len() => Ok(GuestBuffer { at, len }),
            _ => wasmtime::bail!("list pointer/length out of bounds of memory"),
        }
    }
}

/// A `list<u8>` parameter copied into the host in one memcpy. wasmtime 48 lifts a `Vec<u8>` a byte
/// at a time, which was a quarter of a TLS bulk send; the TLS engine takes plaintext and
/// ciphertext this way (`crate::tls::add_bulk_to_linker`).
pub(crate) struct CopiedBytes(pub Vec<u8>);

// SAFETY: reads only the bytes of the list, which `GuestBuffer` checked lie inside memory.
#[allow(unsafe_code)]
unsafe impl Lift for CopiedBytes {
    fn linear_lift_from_flat(cx: &mut LiftContext<'_>, ty: InterfaceType, src: &Self::Lower) -> wasmtime::Result<Self> {
        let list = GuestBuffer::linear_lift_from_flat(cx, ty, src)?;
        Ok(CopiedBytes(cx.memory()[list.at..list.at + list.len].to_vec()))
    }

    fn linear_lift_from_memory(cx: &mut LiftContext<'_>, ty: InterfaceType, bytes: &[u8]) -> wasmtime::Result<Self> {
        let list = GuestBuffer::linear_lift_from_memory(cx, ty, bytes)?;
        Ok(CopiedBytes(cx.memory()[list.at..list.at + list.len].to_vec()))
    }
}

/// The WIT result of `recv-into`.
type RecvResult = Result<Received, Errno>;

/// `recv-into`'s result, lowered by hand: recv(2) runs as it is lowered, into the guest's buffer,
/// which no other point of a host call can reach.
struct ReceiveInto {
    buffer: GuestBuffer,
    planned: Result<crate::net::ReceiveInto, Errno>,
}

component_type_as!(ReceiveInto => RecvResult);

impl ReceiveInto {
    /// The system call, into `memory` (the guest's); what it gave, as the WIT result.
    fn receive(&self, memory: &mut [u8]) -> wasmtime::Result<RecvResult> {
        let plan = match &self.planned {
            Ok(plan) => plan,
            Err(e) => return Ok(Err(*e)),
        };
        let len = self.buffer.len.min(plan.len);
        let Some(into) = memory.get_mut(self.buffer.at..self.buffer.at + len) else {
            wasmtime::bail!("pysock: recv-into's buffer outside memory");
        };
        // The guest cannot run between the plan and this call (nothing here calls into it), so
        // `plan.fd` is still the socket's own descriptor, for as long as the receive waits.
        let got = match &plan.waits {
            // A dual-stack stand-in's receive takes from whichever of its two sockets a wait woke for.
            Some(wake) => wake.receive_waiting(plan.watched.fds(), || sys::recv(plan.watched.readable()?, into, plan.flags)),
            None => sys::recv(plan.fd, into, plan.flags).map_err(NetError::from),
        };
        Ok(match got {
            Ok(n) => {
                if let Some(counted) = &plan.counted {
                    counted.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                }
                let written = if plan.discards { 0 } else { n.min(len) };
                Ok(Received { written: written as u32, length: n as u64 })
            }
            Err(NetError::Errno(e)) => Err(e),
            Err(NetError::Trap(t)) => return Err(t),
        })
    }
}

// SAFETY: every lowering writes a whole `result<received, errno>`: flat through the generated
// implementation, in memory as the canonical ABI lays it out (return_area::received); the receive
// before it writes only inside the guest's buffer.
#[allow(unsafe_code)]
unsafe impl Lower for ReceiveInto {
    fn linear_lower_to_flat<U>(&self, cx: &mut LowerContext<'_, U>, ty: InterfaceType, dst: &mut MaybeUninit<Self::Lower>) -> wasmtime::Result<()> {
        self.receive(cx.as_slice_mut())?.linear_lower_to_flat(cx, ty, dst)
    }

    fn linear_lower_to_memory<U>(&self, cx: &mut LowerContext<'_, U>, _ty: InterfaceType, offset: usize) -> wasmtime::Result<()> {
        let memory = cx.as_slice_mut();
        let result = self.receive(memory)?;
        return_area::store(memory, offset, return_area::received(&result))
    }
}

/// Adds `pysock:net/data` to `linker`.
pub fn add_to_linker<T: PysockView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let mut data = linker.instance(INTERFACE)?;
    data.func_wrap(
        "send",
        |store: StoreContextMut<'_, T>, (id, bytes, flags, wait): (u32, WasmList<u8>, i32, bool)| {
            guard("data.send", || sent(send(store, &Resource::new_borrow(id), &bytes, flags, None, wait)))
        },
    )?;
    data.func_wrap(
        "send-to",
        |store: StoreContextMut<'_, T>, (id, bytes, flags, to, wait): (u32, WasmList<u8>, i32, SocketAddress, bool)| {
            guard("data.send_to", || sent(send(store, &Resource::new_borrow(id), &bytes, flags, Some(&to), wait)))
        },
    )?;
    data.func_wrap(
        "recv-into",
        |mut store: StoreContextMut<'_, T>, (id, buffer, flags, wait): (u32, GuestBuffer, i32, bool)| -> wasmtime::Result<(ReceiveInto,)> {
            guard("data.recv_into", || match store.data_mut().pysock().plan_recv_into(&Resource::new_borrow(id), buffer.len, flags, wait) {
                Ok(plan) => Ok((ReceiveInto { buffer, planned: Ok(plan) },)),
                Err(NetError::Errno(e)) => Ok((ReceiveInto { buffer, planned: Err(e) },)),
                Err(NetError::Trap(t)) => Err(t),
            })
        },
    )?;
    data.func_wrap(
        "recv-from",
        |mut store: StoreContextMut<'_, T>, (id, max_len, flags, wait): (u32, u64, i32, bool)| {
            guard("data.recv_from", || to_guest(store.data_mut().pysock().recv_from(&Resource::new_borrow(id), max_len, flags, wait)))
        },
    )?;
    Ok(())
}
