//! The sizes of file systems (`os.statvfs`, `os.fstatvfs`, and through them `shutil.disk_usage`),
//! which WASI has no call for, so WASI CPython has neither function and `shutil` no `disk_usage`.
//! The host answers for its own file behind a file's or a folder's descriptor
//! (`pysock:net/files.stat-file-system`); `file_systems.py` converts the arguments as CPython does
//! and makes the `os.statvfs_result`.
//!
//! One of the modules allowed `unsafe` (see lib.rs); each block says why it holds.
#![allow(unsafe_code)]

use crate::bindings::pysock::net::files;
use crate::descriptors::{self, Holder};
use crate::errors::os_error;
use pyo3::prelude::*;
use pysock_guest::host::Errno;
use std::ffi::c_int;

unsafe extern "C" {
    fn close(fd: c_int) -> c_int;
}

/// `struct statvfs` as `os.statvfs_result` takes it: its ten fields in order, then f_fsid.
type Stats = (u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64);

/// What Linux's fstatvfs(2) says of a socket or a pipe, whose file systems (sockfs, pipefs) hold no
/// blocks: the standard streams and the null device, which the sandbox holds no host file for, say
/// the same.
const NO_BLOCKS: Stats = (4096, 4096, 0, 0, 0, 0, 0, 0, 0, 255, 0);

/// `_descriptor_stats(fd)`: the sizes of the file system that holds `fd`.
#[pyfunction]
fn _descriptor_stats(fd: c_int) -> PyResult<Stats> {
    match descriptors::holder(fd) {
        Holder::Nothing => Err(os_error(Errno::Ebadf)),
        Holder::Other => Ok(NO_BLOCKS),
        Holder::File(handle) => {
            let s = descriptors::with_file(handle, files::stat_file_system).map_err(|e| os_error(crate::host::errno(e)))?;
            Ok((
                s.block_size,
                s.fragment_size,
                s.blocks,
                s.free_blocks,
                s.available_blocks,
                s.files,
                s.free_files,
                s.available_files,
                s.flags,
                s.name_max,
                s.id,
            ))
        }
    }
}

/// `_path_stats(path)`: the sizes of the file system that holds `path` (bytes without NUL, which
/// `file_systems.py` checked).
#[pyfunction]
fn _path_stats(path: &[u8]) -> PyResult<Stats> {
    let fd = descriptors::open_to_ask(path, None, true)?;
    let stats = _descriptor_stats(fd);
    // SAFETY: `fd` is the descriptor opened above, which nothing else holds.
    unsafe { close(fd) };
    stats
}

/// `_pysock._file_systems`: `file_systems.py`, with the two functions above.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let module = crate::python_module!(py, "file_systems.py", "_pysock._file_systems")?;
    module.add_function(wrap_pyfunction!(_descriptor_stats, &module)?)?;
    module.add_function(wrap_pyfunction!(_path_stats, &module)?)?;
    Ok(module)
}
