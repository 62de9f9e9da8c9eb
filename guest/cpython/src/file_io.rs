//! The `os` functions that read or write at an offset or through several buffers: `os.pread`, and
//! `os.readv`, `os.writev`, `os.preadv` and `os.pwritev` (with `os.RWF_*`), which WASI CPython
//! lacks. WASI's libc's own pread, on a read that fails (a file open for writing only, a folder),
//! copies from and frees a result the host never wrote, which corrupts the interpreter's memory or
//! traps it; nothing here calls it.
//!
//! Each takes its arguments as CPython's `posix` function does (Argument Clinic's counts and
//! messages; for the vectored ones a sequence of bytes-like objects, writable for a read, checked
//! before the descriptor, as CPython's `iov_setup` does) and refuses what Linux refuses, in Linux's
//! order: a negative offset EINVAL (-1 is preadv2(2)'s "at the file's position"), a number nothing
//! holds EBADF, an offset on a socket, a pipe's end or an epoll ESPIPE, a descriptor not open that
//! way EBADF, more than IOV_MAX buffers EINVAL; then, when there is anything to move, a flag Linux
//! does not know EOPNOTSUPP and a read of a folder EISDIR.
//!
//! A vectored call moves its bytes through one buffer of their total size, in one read or write
//! (the core's for sockets and pipes, libc's for files): a read's bytes are then copied out to the
//! caller's buffers in order, a write's joined first. Linux makes one call of the same size, so a
//! program sees the same: one count, short only where that one read or write would be. A read or
//! write at an offset seeks there and back; the sandbox has one thread, so nothing sees the
//! position in between.

use crate::buffer::{Buffer, NewBytes};
use crate::convert;
use crate::descriptors::{O_RDONLY, O_WRONLY, is_open};
use crate::errors::{CoreResult, os_error_named};
use crate::with_core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use pysock_guest::host::{Errno, Received};
use pysock_guest::socket::PipeEnd;

/// Linux's MAX_RW_COUNT: the most one read(2) or write(2), vectored or not, moves.
pub const READ_AT_MOST: i64 = 0x7fff_f000;

/// The most one read or write of a wasmtime-wasi stream moves (its `MAX_READ_SIZE_ALLOC`, the
/// capacity of a file's output stream).
const STREAM_MOST: usize = 64 << 10;

/// Linux's UIO_MAXIOV (`os.sysconf("SC_IOV_MAX")`): the most buffers one vectored call takes.
const IOV_MAX: usize = 1024;

/// preadv2(2)'s and pwritev2(2)'s flags, Linux's names and numbers, which `os` gains. RWF_HIPRI and
/// RWF_NOWAIT ask how to wait, and a file in the sandbox is read and written without polling or
/// blocking on a device: they change nothing. RWF_DSYNC and RWF_SYNC make a write reach the disk
/// before the call returns, RWF_APPEND makes it append whatever the offset.
const FLAGS: [(&str, i32); 5] = [("RWF_HIPRI", 1), ("RWF_DSYNC", 2), ("RWF_SYNC", 4), ("RWF_NOWAIT", 8), ("RWF_APPEND", 16)];
const RWF_DSYNC: i32 = 2;
const RWF_SYNC: i32 = 4;
const RWF_APPEND: i32 = 16;
const KNOWN_FLAGS: i32 = 0x1f;

/// `os.pread(fd, length, offset)`: up to `length` bytes of the file at `offset`, the file's
/// position left where it was. A length of 1 TiB or more is MemoryError, as CPython's buffer for it
/// would be.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs))]
pub fn pread<'py>(py: Python<'py>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
    let [fd, length, offset] = <[_; 3]>::try_from(convert::clinic_arguments("posix", "pread", args, kwargs, 3, 3)?).expect("counted");
    let (fd, length, offset) = (convert::c_int(&fd)?, convert::ssize(&length)?, convert::c_long(&offset)?);
    if length < 0 {
        return Err(pysock_guest::errno::os(Errno::Einval)).py_err(py);
    }
    crate::buffer::check_bytes_size(length)?;
    read_at(py, fd, length, offset)
}

/// `length` bytes of the file `fd` at `offset` (up to [`READ_AT_MOST`]), as [`pread`] reads them.
pub fn read_at(py: Python<'_>, fd: i32, length: i64, offset: i64) -> PyResult<Bound<'_, PyAny>> {
    let place = Place::of(py, fd, Some(offset), PipeEnd::Read)?;
    place.refuse_folder(py)?;
    place.read(py, length.min(READ_AT_MOST) as usize)
}

/// `os.read(fd, length)`: one read of up to `length` bytes. A socket's or a pipe's is the core's;
/// a regular file gives `length` bytes up to its end, as Linux's read(2) does, where wasmtime-wasi's
/// streams stop each read at 64 KiB.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs))]
pub fn read<'py>(py: Python<'py>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
    let [fd, length] = <[_; 2]>::try_from(convert::clinic_arguments("posix", "read", args, kwargs, 2, 2)?).expect("counted");
    let (fd, length) = (convert::c_int(&fd)?, convert::ssize(&length)?);
    if length < 0 {
        return Err(pysock_guest::errno::os(Errno::Einval)).py_err(py);
    }
    crate::buffer::check_bytes_size(length)?;
    // A folder's EISDIR is libc's here.
    Place::of(py, fd, None, PipeEnd::Read)?.read(py, length.min(READ_AT_MOST) as usize)
}

/// `os.write(fd, data)`: one write of `data`, returning its count. A socket's or a pipe's is the
/// core's; a file or a terminal takes all of it, as Linux's blocking write(2) does, where
/// wasmtime-wasi's streams stop each write at 64 KiB.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs))]
pub fn write<'py>(py: Python<'py>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<usize> {
    let [fd, data] = <[_; 2]>::try_from(convert::clinic_arguments("posix", "write", args, kwargs, 2, 2)?).expect("counted");
    let fd = convert::c_int(&fd)?;
    let data = Buffer::readable(&data)?;
    let place = Place::of(py, fd, None, PipeEnd::Write)?;
    place.write(py, &data.as_slice()[..data.len().min(READ_AT_MOST as usize)])
}

/// `os.readv(fd, buffers)`: fills the buffers in order from one read, and returns its count.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs))]
pub fn readv<'py>(py: Python<'py>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<usize> {
    let [fd, buffers] = <[_; 2]>::try_from(convert::clinic_arguments("posix", "readv", args, kwargs, 2, 2)?).expect("counted");
    let fd = convert::c_int(&fd)?;
    read_vectored(py, fd, buffers_of(&buffers, "readv", true)?, None, 0)
}

/// `os.preadv(fd, buffers, offset, flags=0)`: [`readv`] at `offset`, the file's position left where
/// it was (at -1, from the position, which moves).
#[pyfunction]
#[pyo3(signature = (*args, **kwargs))]
pub fn preadv<'py>(py: Python<'py>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<usize> {
    let args = convert::clinic_arguments("posix", "preadv", args, kwargs, 3, 4)?;
    let fd = convert::c_int(&args[0])?;
    // CPython's message names preadv2 here.
    let buffers = buffers_of(&args[1], "preadv2", true)?;
    let (offset, flags) = offset_and_flags(&args)?;
    read_vectored(py, fd, buffers, offset, flags)
}

/// `os.writev(fd, buffers)`: writes the buffers' bytes in order in one write, and returns its count.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs))]
pub fn writev<'py>(py: Python<'py>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<usize> {
    let [fd, buffers] = <[_; 2]>::try_from(convert::clinic_arguments("posix", "writev", args, kwargs, 2, 2)?).expect("counted");
    let fd = convert::c_int(&fd)?;
    write_vectored(py, fd, buffers_of(&buffers, "writev", false)?, None, 0)
}

/// `os.pwritev(fd, buffers, offset, flags=0)`: [`writev`] at `offset`, as [`preadv`].
#[pyfunction]
#[pyo3(signature = (*args, **kwargs))]
pub fn pwritev<'py>(py: Python<'py>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<usize> {
    let args = convert::clinic_arguments("posix", "pwritev", args, kwargs, 3, 4)?;
    let fd = convert::c_int(&args[0])?;
    let buffers = buffers_of(&args[1], "pwritev", false)?;
    let (offset, flags) = offset_and_flags(&args)?;
    write_vectored(py, fd, buffers, offset, flags)
}

/// The third and fourth arguments of [`preadv`] and [`pwritev`]: an offset as `Py_off_t_converter`
/// takes it (-1 meaning the file's position, as preadv2(2) takes it) and flags as an `int`.
fn offset_and_flags(args: &[Bound<'_, PyAny>]) -> PyResult<(Option<i64>, i32)> {
    let offset = convert::c_long(&args[2])?;
    let flags = args.get(3).map(convert::c_int).transpose()?.unwrap_or(0);
    Ok(((offset != -1).then_some(offset), flags))
}

/// The buffers argument, as CPython's `iov_setup` takes it: a sequence (TypeError "readv() arg 2
/// must be a sequence" otherwise) of bytes-like objects, writable ones for a read (BufferError
/// otherwise, the object's own).
fn buffers_of(arg: &Bound<'_, PyAny>, function: &str, writable: bool) -> PyResult<Vec<Buffer>> {
    if !crate::buffer::is_sequence(arg) {
        return Err(PyTypeError::new_err(format!("{function}() arg 2 must be a sequence")));
    }
    (0..arg.len()?)
        .map(|i| {
            let item = arg.get_item(i)?;
            if writable { Buffer::writable(&item) } else { Buffer::readable(&item) }
        })
        .collect()
}

fn read_vectored(py: Python<'_>, fd: i32, mut buffers: Vec<Buffer>, offset: Option<i64>, flags: i32) -> PyResult<usize> {
    let place = Place::of(py, fd, offset, PipeEnd::Read)?;
    let total = checked_total(py, &buffers, flags)?;
    if total == 0 {
        return Ok(0);
    }
    place.refuse_folder(py)?;
    let bytes = place.read(py, total)?;
    let mut rest = bytes.cast::<PyBytes>()?.as_bytes();
    let count = rest.len();
    for buffer in &mut buffers {
        let (head, tail) = rest.split_at(buffer.len().min(rest.len()));
        buffer.fill(head);
        rest = tail;
    }
    Ok(count)
}

fn write_vectored(py: Python<'_>, fd: i32, buffers: Vec<Buffer>, offset: Option<i64>, flags: i32) -> PyResult<usize> {
    let place = Place::of(py, fd, offset, PipeEnd::Write)?;
    let total = checked_total(py, &buffers, flags)?;
    if total == 0 {
        return Ok(0);
    }
    let mut joined = Vec::with_capacity(total);
    for buffer in &buffers {
        joined.extend_from_slice(&buffer.as_slice()[..buffer.len().min(total - joined.len())]);
    }
    drop(buffers);
    let place = if flags & RWF_APPEND != 0 { place.appending(py)? } else { place };
    let written = place.write(py, &joined)?;
    if flags & (RWF_DSYNC | RWF_SYNC) != 0 {
        place.sync(py)?;
    }
    Ok(written)
}

/// What Linux checks of a vectored call's buffers, after the descriptor: their number (EINVAL past
/// IOV_MAX), then, when their total (capped at [`READ_AT_MOST`]) is not 0, the flags.
fn checked_total(py: Python<'_>, buffers: &[Buffer], flags: i32) -> PyResult<usize> {
    if buffers.len() > IOV_MAX {
        return Err(pysock_guest::errno::os(Errno::Einval)).py_err(py);
    }
    let total = buffers.iter().map(Buffer::len).fold(0usize, usize::saturating_add).min(READ_AT_MOST as usize);
    if total > 0 && flags & !KNOWN_FLAGS != 0 {
        return Err(pysock_guest::errno::os(Errno::Eopnotsupp)).py_err(py);
    }
    Ok(total)
}

/// Where a read or write goes once Linux's checks of the descriptor and the offset passed: one of
/// the core's descriptors (a socket or a pipe's end), or a file in libc's table, at its position or
/// at an offset.
enum Place {
    Core(i32),
    File { fd: i32, at: Option<i64> },
}

impl Place {
    /// Linux's refusals, in its order: a negative offset EINVAL, a number nothing holds EBADF, an
    /// offset on one of the core's descriptors ESPIPE, a descriptor not open `way` EBADF.
    fn of(py: Python<'_>, fd: i32, at: Option<i64>, way: PipeEnd) -> PyResult<Place> {
        let refuse = |code| Err(pysock_guest::errno::os(code)).py_err(py);
        if at.is_some_and(|offset| offset < 0) {
            return refuse(Errno::Einval);
        }
        if !is_open(fd) {
            return refuse(Errno::Ebadf);
        }
        match with_core(|c| c.entry(fd).map(|_| c.pipe_end(fd))) {
            Some(_) if at.is_some() => Err(os_error_named("ESPIPE")),
            Some(Some(end)) if end != way => refuse(Errno::Ebadf),
            Some(_) => Ok(Place::Core(fd)),
            None => {
                let open_for = if way == PipeEnd::Read { O_RDONLY } else { O_WRONLY };
                if crate::fcntl::status_flags(fd) & open_for == 0 {
                    return refuse(Errno::Ebadf);
                }
                Ok(Place::File { fd, at })
            }
        }
    }

    /// EISDIR for a read of a folder, which libc would report otherwise.
    fn refuse_folder(&self, py: Python<'_>) -> PyResult<()> {
        let Place::File { fd, .. } = *self else { return Ok(()) };
        let mode = py.import("posix")?.call_method1("fstat", (fd,))?.getattr("st_mode")?.extract::<u32>()?;
        if mode & 0o170000 == 0o040000 {
            return Err(os_error_named("EISDIR"));
        }
        Ok(())
    }

    /// The same file at its end, for RWF_APPEND: at an offset, its size; at its position, the
    /// position moved to the end, as an O_APPEND write moves it.
    fn appending(self, py: Python<'_>) -> PyResult<Place> {
        let Place::File { fd, at } = self else { return Ok(self) };
        let posix = py.import("posix")?;
        let at = match at {
            Some(_) => Some(posix.call_method1("fstat", (fd,))?.getattr("st_size")?.extract()?),
            None => {
                let from_end = 2;
                posix.call_method1("lseek", (fd, 0, from_end))?;
                None
            }
        };
        Ok(Place::File { fd, at })
    }

    /// One read of up to `length` bytes, as a bytes object. The core's read is called here, not
    /// `posix.read`: that lets go of the interpreter around read(2), and the descriptor functions
    /// libc then calls for this number would run with PyO3 still counting this call as attached (a
    /// fatal error the first time they touch Python).
    fn read<'py>(&self, py: Python<'py>, length: usize) -> PyResult<Bound<'py, PyAny>> {
        match *self {
            Place::Core(fd) => {
                let mut bytes = NewBytes::new(py, length)?;
                let into = pysock_guest::socket::Landing::room(&mut bytes, 0, length);
                let call = || with_core(|c| c.read_descriptor(fd, into)).map_err(pysock_guest::socket::call_error);
                let got = crate::restarting(py, call)?;
                Ok(bytes.finish(Received { written: got, length: got as u64 })?.into_bound(py))
            }
            Place::File { fd, at } => Self::positioned(py, fd, at, |posix| {
                // wasmtime-wasi reads a file's stream 64 KiB at a time; a regular file then gives
                // the rest of `length` up to its end, in reads of its own.
                let first = posix.call_method1("read", (fd, length))?;
                let got = first.len()?;
                if got < STREAM_MOST || got >= length || !is_regular(posix, fd)? {
                    return Ok(first);
                }
                let mut all = first.cast::<PyBytes>()?.as_bytes().to_vec();
                while all.len() < length {
                    let more = posix.call_method1("read", (fd, length - all.len()))?;
                    let more = more.cast::<PyBytes>()?.as_bytes();
                    all.extend_from_slice(more);
                    if more.len() < STREAM_MOST {
                        break;
                    }
                }
                Ok(PyBytes::new(py, &all).into_any())
            }),
        }
    }

    /// One write of `data`, returning its count; as [`Place::read`] for the core's descriptors.
    fn write(&self, py: Python<'_>, data: &[u8]) -> PyResult<usize> {
        match *self {
            Place::Core(fd) => {
                let call = || with_core(|c| c.write_descriptor(fd, data)).map_err(pysock_guest::socket::call_error);
                crate::restarting(py, call)
            }
            Place::File { fd, at } => {
                // wasmtime-wasi writes a stream 64 KiB at a time; a blocking write(2) to a file or
                // a terminal takes all of it. An error after some was written ends the count there,
                // as Linux's does.
                let once = |posix: &Bound<'_, PyModule>, bytes: &[u8]| posix.call_method1("write", (fd, PyBytes::new(py, bytes)))?.extract::<usize>();
                Self::positioned(py, fd, at, |posix| {
                    let mut written = once(posix, data)?;
                    while written > 0 && written < data.len() {
                        match once(posix, &data[written..]) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => written += n,
                        }
                    }
                    Ok(written)
                })
            }
        }
    }

    /// fsync(2) of a file, for RWF_DSYNC and RWF_SYNC.
    fn sync(&self, py: Python<'_>) -> PyResult<()> {
        if let Place::File { fd, .. } = *self {
            py.import("posix")?.call_method1("fsync", (fd,))?;
        }
        Ok(())
    }

    /// Runs `io` on the file with its position at `at` (when given), then puts the position back.
    fn positioned<'py, T>(py: Python<'py>, fd: i32, at: Option<i64>, io: impl FnOnce(&Bound<'py, PyModule>) -> PyResult<T>) -> PyResult<T> {
        let posix = py.import("posix")?;
        let Some(offset) = at else { return io(&posix) };
        let (from_here, from_start) = (1, 0);
        let position = posix.call_method1("lseek", (fd, 0, from_here))?;
        posix.call_method1("lseek", (fd, offset, from_start))?;
        let done = io(&posix);
        posix.call_method1("lseek", (fd, position, from_start))?;
        done
    }
}

/// Whether `fd` is a regular file, whose reads Linux fills to its end.
fn is_regular(posix: &Bound<'_, PyModule>, fd: i32) -> PyResult<bool> {
    Ok(posix.call_method1("fstat", (fd,))?.getattr("st_mode")?.extract::<u32>()? & 0o170000 == 0o100000)
}

/// Whether `fd` is one of the core's descriptors (a socket, a pipe's end, an epoll), for
/// `file_io.py`, whose writes to them stop where Linux's do.
#[pyfunction]
fn is_core(fd: i32) -> bool {
    with_core(|c| c.entry(fd).is_some())
}

/// Whether a read of `fd` goes on to the end of the request, as a regular file's does on Linux,
/// for `file_io.py`. The core's descriptors are never files, and are not asked `fstat`.
#[pyfunction]
fn reads_fill(py: Python<'_>, fd: i32) -> PyResult<bool> {
    Ok(!is_core(fd) && is_regular(&py.import("posix")?, fd)?)
}

/// Puts the functions above and the RWF_* flags in `os`, and all but `read` and `write` in `posix`
/// too (CPython's tests look there): those two call `posix`'s own. `FileIO`'s `read`, `readinto`
/// and `write` become `file_io.py`'s, which read and write past 64 KiB as [`read`] and [`write`]
/// do: in Python, because they call the type's own methods, which let go of the interpreter around
/// read(2) and write(2) (see [`Place::read`]). Calls no host function.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let file_io = py.import("_io")?.getattr("FileIO")?.cast_into::<pyo3::types::PyType>()?;
    if !file_io.getattr("write")?.is_instance_of::<pyo3::types::PyFunction>() {
        let ours = crate::python_module!(py, "file_io.py", "_pysock._file_io")?;
        ours.setattr("_is_core", wrap_pyfunction!(is_core, py)?)?;
        ours.setattr("_reads_fill", wrap_pyfunction!(reads_fill, py)?)?;
        for name in ["read", "readinto", "write"] {
            crate::buffer::set_on_immutable_type(&file_io, name, &ours.getattr(name)?)?;
        }
    }
    let os = py.import("os")?;
    os.setattr("read", wrap_pyfunction!(read, py)?)?;
    os.setattr("write", wrap_pyfunction!(write, py)?)?;
    for module in [os, py.import("posix")?] {
        module.setattr("pread", wrap_pyfunction!(pread, py)?)?;
        module.setattr("readv", wrap_pyfunction!(readv, py)?)?;
        module.setattr("writev", wrap_pyfunction!(writev, py)?)?;
        module.setattr("preadv", wrap_pyfunction!(preadv, py)?)?;
        module.setattr("pwritev", wrap_pyfunction!(pwritev, py)?)?;
        for (name, value) in FLAGS {
            module.setattr(name, value)?;
        }
    }
    Ok(())
}
