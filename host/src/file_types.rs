//! Socket files as `os.stat` shows them: `stat.S_ISSOCK` true, as on Linux.
//!
//! wasmtime-wasi's `descriptor.stat-at` reports every file that is not a folder, a link, a regular
//! file or a device as `unknown`, which wasi-libc turns into an `st_mode` with no type bits at all.
//! A program then cannot tell a socket file from anything else, and the stdlib relies on it:
//! asyncio's `create_unix_server` removes a stale socket file left by an earlier run only when
//! `S_ISSOCK` says it is one, and otherwise fails with EADDRINUSE.
//!
//! So `stat-at` is wasmtime-wasi's, and only when it says `unknown` does the host look again: it
//! opens the same path beneath the same folder (openat2 with RESOLVE_BENEATH, O_PATH, following a
//! final link only when the guest asked to) and reads the kernel's type. Nothing is reachable here
//! that wasmtime-wasi's own call did not already reach.
//!
//! FIFOs stay without a type: the host says `fifo` for them too, but wasi-libc's `stat` (WASI
//! preview 1's file types, which have none for a FIFO) still gives them a mode of 0.

use std::os::fd::{AsFd, BorrowedFd};
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::filesystem::{Descriptor, WasiFilesystemView};
use wasmtime_wasi::p2::bindings::sync::filesystem::types::{DescriptorStat, DescriptorType, ErrorCode, HostDescriptor, PathFlags};
use wasmtime_wasi::p2::FsError;

/// The `wasi:filesystem/types` interface as wasmtime-wasi defines it in the linker.
const INTERFACE: &str = "wasi:filesystem/types@0.2.12";

/// Replaces wasmtime-wasi's `descriptor.stat-at` in `linker` (which must hold wasmtime-wasi's
/// filesystem already) with one that names socket files (and FIFOs, which wasi-libc ignores), and
/// its `descriptor.read-via-stream` with one that reads regular files at once (`file_reads.rs`).
/// Shadowing is allowed for these two functions and not afterwards.
pub fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut types = linker.instance(INTERFACE)?;
    types.func_wrap(
        "[method]descriptor.stat-at",
        |mut store: wasmtime::StoreContextMut<'_, T>, (dir, flags, path): (Resource<Descriptor>, PathFlags, String)| {
            let mut view = store.data_mut().filesystem();
            let host_dir = match view.table.get(&dir) {
                Ok(Descriptor::Dir(d)) => Some(std::sync::Arc::clone(&d.dir)),
                _ => None,
            };
            let stat = match HostDescriptor::stat_at(&mut view, dir, flags, path.clone()) {
                Ok(stat) => stat,
                Err(e) => return Ok((Err(error_code(e)?),)),
            };
            Ok((Ok(with_kernel_type(stat, host_dir.as_ref().map(|d| d.as_fd()), flags, &path)),))
        },
    )?;
    crate::file_reads::define(&mut types)?;
    linker.allow_shadowing(false);
    Ok(())
}

/// `stat` with the kernel's socket or FIFO type in place of `unknown`, read from `path` beneath
/// `dir`; `stat` as it was when the kernel says otherwise or cannot say.
fn with_kernel_type(mut stat: DescriptorStat, dir: Option<BorrowedFd<'_>>, flags: PathFlags, path: &str) -> DescriptorStat {
    use std::os::unix::fs::FileTypeExt;
    let Some(dir) = dir.filter(|_| stat.type_ == DescriptorType::Unknown) else {
        return stat;
    };
    let follow = if flags.contains(PathFlags::SYMLINK_FOLLOW) { 0 } else { libc::O_NOFOLLOW };
    let resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS;
    let Ok(file) = crate::sys::openat2(Some(dir), path.as_ref(), libc::O_PATH | follow, resolve) else {
        return stat;
    };
    match std::fs::File::from(file).metadata().map(|m| m.file_type()) {
        Ok(t) if t.is_socket() => stat.type_ = DescriptorType::Socket,
        Ok(t) if t.is_fifo() => stat.type_ = DescriptorType::Fifo,
        _ => {}
    }
    stat
}

/// A filesystem error as the guest receives it: its code, or the trap it is.
fn error_code(e: FsError) -> wasmtime::Result<ErrorCode> {
    e.downcast().map(ErrorCode::from)
}
