//! Reads and writes of regular files without a trip through tokio's blocking pool.
//!
//! wasi-libc reads a file through `descriptor.read-via-stream`: a non-blocking `input-stream.read`,
//! and when that gives nothing, a wait on the stream's pollable and a second read; it writes through
//! `write-via-stream` or `append-via-stream` the same way. wasmtime-wasi's file streams answer the
//! first call by starting the read(2) or write(2) on a blocking-pool thread, so every read or write of
//! a file cost two thread switches, about 40 µs here, where the system call takes about one
//! (`allow_blocking_current_thread` spares only their blocking calls, which this libc does not make).
//!
//! A regular file never makes a reader or a writer wait (Linux's read(2) and write(2) of one do not
//! block on readiness, with or without O_NONBLOCK), so its streams here move the bytes at once, on the
//! guest's thread, and are always ready. The functions that make the streams are wasmtime-wasi's,
//! with their checks and errors; only for a regular file is the stream they made replaced by one of
//! these, at the same place. FIFOs and devices keep wasmtime-wasi's. A write's error shows where
//! wasmtime-wasi's shows it: at the stream's next `check-write` or `flush`, which then close it.

use bytes::{Bytes, BytesMut};
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::os::fd::AsFd;
use wasmtime::StoreContextMut;
use wasmtime::component::{LinkerInstance, Resource};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::filesystem::{Descriptor, WasiFilesystemCtxView, WasiFilesystemView};
use wasmtime_wasi::p2::bindings::sync::filesystem::types::{ErrorCode, HostDescriptor};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, FsResult, InputStream, OutputStream, Pollable, StreamError, StreamResult};

/// The most one read returns or one write takes: wasmtime-wasi's own streams' (`MAX_READ_SIZE_ALLOC`),
/// which the guest's `os.read` counts on to tell a short read from a file's end.
const READ_AT_MOST: usize = 64 << 10;

/// Defines `descriptor.read-via-stream`, `write-via-stream` and `append-via-stream` in `types`,
/// wasmtime-wasi's `wasi:filesystem/types` in a linker that allows shadowing them
/// ([`crate::file_types::add_to_linker`] calls this).
pub(crate) fn define<T: WasiView + 'static>(types: &mut LinkerInstance<'_, T>) -> wasmtime::Result<()> {
    types.func_wrap("[method]descriptor.read-via-stream", |mut store: StoreContextMut<'_, T>, (fd, offset): (Resource<Descriptor>, u64)| {
        let mut view = store.data_mut().filesystem();
        let file = regular_file(&view, &fd);
        let made = HostDescriptor::read_via_stream(&mut view, fd, offset);
        replace(&mut view, made, file.map(|file| Box::new(RegularFileReader { file, position: offset }) as DynInputStream))
    })?;
    types.func_wrap("[method]descriptor.write-via-stream", |mut store: StoreContextMut<'_, T>, (fd, offset): (Resource<Descriptor>, u64)| {
        let mut view = store.data_mut().filesystem();
        let file = regular_file(&view, &fd);
        let made = HostDescriptor::write_via_stream(&mut view, fd, offset);
        replace(&mut view, made, file.map(|file| RegularFileWriter::new(file, Some(offset))))
    })?;
    types.func_wrap("[method]descriptor.append-via-stream", |mut store: StoreContextMut<'_, T>, (fd,): (Resource<Descriptor>,)| {
        let mut view = store.data_mut().filesystem();
        let file = regular_file(&view, &fd);
        let made = HostDescriptor::append_via_stream(&mut view, fd);
        replace(&mut view, made, file.map(|file| RegularFileWriter::new(file, None)))
    })
}

/// The file `fd` holds, if it is a regular file.
fn regular_file(view: &WasiFilesystemCtxView<'_>, fd: &Resource<Descriptor>) -> Option<Arc<std::fs::File>> {
    match view.table.get(fd) {
        Ok(Descriptor::File(f)) if f.file.metadata().is_ok_and(|m| m.is_file()) => Some(Arc::clone(&f.file)),
        _ => None,
    }
}

/// What wasmtime-wasi `made` (a stream, or the error the guest gets), with the stream's contents
/// replaced by `ours` when there is one. wasmtime-wasi's stream has started nothing yet, so
/// dropping it costs nothing.
fn replace<S: 'static>(view: &mut WasiFilesystemCtxView<'_>, made: FsResult<Resource<S>>, ours: Option<S>) -> wasmtime::Result<(Result<Resource<S>, ErrorCode>,)> {
    let stream = match made {
        Ok(stream) => stream,
        Err(e) => return Ok((Err(e.downcast().map(ErrorCode::from)?),)),
    };
    if let Some(ours) = ours {
        *view.table.get_mut(&stream)? = ours;
    }
    Ok((Ok(stream),))
}

/// A regular file's bytes from `position` on, read as they are asked for.
struct RegularFileReader {
    file: Arc<std::fs::File>,
    position: u64,
}

impl InputStream for RegularFileReader {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        if size == 0 {
            return Ok(Bytes::new());
        }
        let mut buf = BytesMut::zeroed(size.min(READ_AT_MOST));
        let n = loop {
            match self.file.read_at(&mut buf, self.position) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(StreamError::LastOperationFailed(e.into())),
            }
        };
        if n == 0 {
            return Err(StreamError::Closed);
        }
        buf.truncate(n);
        self.position += n as u64;
        Ok(buf.freeze())
    }
}

#[async_trait::async_trait]
impl Pollable for RegularFileReader {
    async fn ready(&mut self) {}
}

/// Writes to a regular file at `position` (moving on with each write), or at its end (`None`).
struct RegularFileWriter {
    file: Arc<std::fs::File>,
    position: Option<u64>,
    /// The last write's error, not yet reported; then `Closed`.
    state: Result<(), Option<std::io::Error>>,
}

impl RegularFileWriter {
    fn new(file: Arc<std::fs::File>, position: Option<u64>) -> DynOutputStream {
        Box::new(RegularFileWriter { file, position, state: Ok(()) })
    }

    /// All of `data`, as wasmtime-wasi's file stream writes it: write(2) again until none is left.
    fn write_all(&mut self, mut data: &[u8]) -> std::io::Result<()> {
        while !data.is_empty() {
            let written = match self.position {
                Some(at) => self.file.write_at(data, at),
                None => crate::sys::append(self.file.as_fd(), data),
            };
            match written {
                // A regular file takes at least a byte or says why not; never loop on nothing.
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    data = &data[n..];
                    if let Some(at) = &mut self.position {
                        *at += n as u64;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Ok while the stream is open; the error not yet reported, once, and then `Closed`.
    fn still_open(&mut self) -> StreamResult<()> {
        match &mut self.state {
            Ok(()) => Ok(()),
            Err(pending) => match pending.take() {
                Some(e) => Err(StreamError::LastOperationFailed(e.into())),
                None => Err(StreamError::Closed),
            },
        }
    }
}

impl OutputStream for RegularFileWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.still_open()?;
        if let Err(e) = self.write_all(&bytes) {
            self.state = Err(Some(e));
        }
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.still_open()
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.still_open().map(|()| READ_AT_MOST)
    }
}

#[async_trait::async_trait]
impl Pollable for RegularFileWriter {
    async fn ready(&mut self) {}
}
