//! The host's side of files' permissions (`file_modes.py`): `wasi:filesystem` carries a file's type
//! but not its mode (nor its blocks), so the host answers for its own file behind a file's or a
//! folder's descriptor (`pysock:net/files.stat` and `set-permissions`).

use crate::bindings::pysock::net::files;
use crate::descriptors::{self, Holder};
use crate::errors::os_error;
use pyo3::prelude::*;
use pysock_guest::host::Errno;

/// `_extra_stat(fd)`: the permission bits, 512-byte blocks and preferred block size of the host's
/// file behind `fd`; None for a descriptor that is no host file's (a socket, a pipe's end, the null
/// device, a standard stream), whose fstat gives Linux's already.
/// Before the run begins (while componentize-py snapshots an app, whose imports stat files) None,
/// as no host function can be called then.
#[pyfunction]
fn _extra_stat(fd: i32) -> PyResult<Option<(u32, u64, u64)>> {
    if !crate::signal_words::run_began() {
        return Ok(None);
    }
    match descriptors::holder(fd) {
        Holder::Nothing => Err(os_error(Errno::Ebadf)),
        Holder::Other => Ok(None),
        Holder::File(handle) => descriptors::with_file(handle, files::stat)
            .map(|s| Some((s.mode & 0o7777, s.blocks, s.block_size)))
            .map_err(|e| os_error(crate::host::errno(e))),
    }
}

/// `_set_permissions(fd, mode)`: fchmod(2) of the host's file behind `fd`. A descriptor that is no
/// host file's takes it and keeps its mode, as a socket's or a pipe's inode on Linux changes
/// nothing a program could see here.
/// Before the run begins, nothing, as for [`_extra_stat`].
#[pyfunction]
fn _set_permissions(fd: i32, mode: u32) -> PyResult<()> {
    if !crate::signal_words::run_began() {
        return Ok(());
    }
    match descriptors::holder(fd) {
        Holder::Nothing => Err(os_error(Errno::Ebadf)),
        Holder::Other => Ok(()),
        Holder::File(handle) => descriptors::with_file(handle, |file| files::set_permissions(file, mode)).map_err(|e| os_error(crate::host::errno(e))),
    }
}

/// `_open_to_ask(path, dir_fd, follow)`: `descriptors::open_to_ask`.
#[pyfunction]
fn _open_to_ask(path: &[u8], dir_fd: Option<i32>, follow: bool) -> PyResult<i32> {
    descriptors::open_to_ask(path, dir_fd, follow)
}

/// `_pysock._file_modes`: `file_modes.py`, with the functions above.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let module = crate::python_module!(py, "file_modes.py", "_pysock._file_modes")?;
    module.add_function(wrap_pyfunction!(_extra_stat, &module)?)?;
    module.add_function(wrap_pyfunction!(_set_permissions, &module)?)?;
    module.add_function(wrap_pyfunction!(_open_to_ask, &module)?)?;
    Ok(module)
}
