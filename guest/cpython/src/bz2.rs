//! `_bz2`, the module under the stdlib's `bz2` (and so `tarfile`'s "r:bz2", `shutil`'s bztar
//! archives, `zipfile`'s BZIP2 members): CPython builds it from libbzip2, which WASI CPython lacks,
//! so `import bz2` failed in the sandbox. Here libbzip2 is the Rust port of it
//! (`libbz2-rs-sys`, through the `bzip2` crate's safe streams), in the interpreter's memory, and
//! the two classes follow CPython's `Modules/_bz2module.c` step for step: the same output-buffer
//! growth, `max_length`, `needs_input` and `unused_data` rules, the same exceptions and messages.

use crate::buffer::with_bytes;
use crate::convert::{Optional, c_int, exact_arguments, ssize};
use crate::decompression::{Decoder, Decompression, INITIAL_BUFFER_SIZE, Step, grow, output_buffer, set_attribute};
use bzip2::{Action, Compress, Compression, Decompress, Status};
use pyo3::exceptions::{PyMemoryError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

/// libbzip2's errors as CPython's `catch_bz2_error` raises them.
fn bz2_error(e: bzip2::Error) -> PyErr {
    match e {
        bzip2::Error::Param => PyValueError::new_err("Internal error - invalid parameters passed to libbzip2"),
        bzip2::Error::Data | bzip2::Error::DataMagic => PyOSError::new_err("Invalid data stream"),
        bzip2::Error::Sequence => PyRuntimeError::new_err("Internal error - Invalid sequence of commands sent to libbzip2"),
    }
}

/// The decompressor's members, which CPython declares `READONLY`.
const MEMBERS: [&str; 3] = ["eof", "unused_data", "needs_input"];

/// Create a compressor object for compressing data incrementally.
///
///   compresslevel
///     Compression level, as a number between 1 and 9.
///
/// For one-shot compression, use the compress() function instead.
#[pyclass(module = "_bz2", name = "BZ2Compressor", unsendable)]
pub struct Compressor {
    stream: Compress,
    flushed: bool,
}

impl Compressor {
    /// CPython's `compress()`: feeds `data` with `action`, returning all the output it gives.
    fn run(&mut self, data: &[u8], action: Action) -> PyResult<Vec<u8>> {
        let mut out = output_buffer(INITIAL_BUFFER_SIZE)?;
        let mut consumed = 0;
        loop {
            if action == Action::Run && consumed == data.len() {
                break;
            }
            if out.len() == out.capacity() {
                grow(&mut out, -1)?;
            }
            let before = self.stream.total_in();
            let status = self.stream.compress_vec(&data[consumed..], &mut out, action).map_err(bz2_error)?;
            consumed += (self.stream.total_in() - before) as usize;
            if action == Action::Finish && status == Status::StreamEnd {
                break;
            }
        }
        Ok(out)
    }
}

#[pymethods]
impl Compressor {
    #[new]
    #[pyo3(signature = (*args, **kwargs), text_signature = "(compresslevel=9, /)")]
    fn new(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        if kwargs.is_some_and(|k| !k.is_empty()) {
            return Err(pyo3::exceptions::PyTypeError::new_err("BZ2Compressor() takes no keyword arguments"));
        }
        if args.len() > 1 {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!("BZ2Compressor expected at most 1 argument, got {}", args.len())));
        }
        let level = match args.get_item(0) {
            Ok(level) => c_int(&level)?,
            Err(_) => 9,
        };
        if !(1..=9).contains(&level) {
            return Err(PyValueError::new_err("compresslevel must be between 1 and 9"));
        }
        Ok(Compressor { stream: Compress::new(Compression::new(level as u32), 0), flushed: false })
    }

    /// Provide data to the compressor object.
    ///
    /// Returns a chunk of compressed data if possible, or b'' otherwise.
    ///
    /// When you have finished providing data to the compressor, call the
    /// flush() method to finish the compression process.
    #[pyo3(signature = (*args, **kwargs), text_signature = "($self, data, /)")]
    fn compress<'py>(&mut self, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyBytes>> {
        let py = args.py();
        let args = exact_arguments("BZ2Compressor.compress", args, kwargs, 1)?;
        let out = with_bytes(&args[0], |data| {
            if self.flushed {
                return Err(PyValueError::new_err("Compressor has been flushed"));
            }
            self.run(data, Action::Run)
        })??;
        Ok(PyBytes::new(py, &out))
    }

    /// Finish the compression process.
    ///
    /// Returns the compressed data left in internal buffers.
    ///
    /// The compressor object may not be used after this method is called.
    #[pyo3(signature = (*args, **kwargs), text_signature = "($self, /)")]
    fn flush<'py>(&mut self, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyBytes>> {
        exact_arguments("BZ2Compressor.flush", args, kwargs, 0)?;
        if self.flushed {
            return Err(PyValueError::new_err("Repeated call to flush()"));
        }
        self.flushed = true;
        Ok(PyBytes::new(args.py(), &self.run(&[], Action::Finish)?))
    }
}

/// Create a decompressor object for decompressing data incrementally.
///
/// For one-shot decompression, use the decompress() function instead.
#[pyclass(module = "_bz2", name = "BZ2Decompressor", unsendable)]
pub struct Decompressor(Decompression<Decompress>);

impl Decoder for Decompress {
    const HOLDS_OUTPUT: bool = false;

    fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> PyResult<Step> {
        let before = self.total_in();
        let status = self.decompress_vec(input, out).map_err(bz2_error)?;
        if status == Status::MemNeeded {
            return Err(PyMemoryError::new_err(()));
        }
        Ok(Step { consumed: (self.total_in() - before) as usize, ended: status == Status::StreamEnd })
    }
}

#[pymethods]
impl Decompressor {
    #[new]
    #[pyo3(signature = (*args, **kwargs), text_signature = "()")]
    fn new(py: Python<'_>, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        if !args.is_empty() {
            return Err(pyo3::exceptions::PyTypeError::new_err("BZ2Decompressor() takes no positional arguments"));
        }
        if kwargs.is_some_and(|k| !k.is_empty()) {
            return Err(pyo3::exceptions::PyTypeError::new_err("BZ2Decompressor() takes no keyword arguments"));
        }
        Ok(Decompressor(Decompression::new(py, Decompress::new(false))))
    }

    /// Decompress *data*, returning uncompressed data as bytes.
    ///
    /// If *max_length* is nonnegative, returns at most *max_length* bytes of
    /// decompressed data. If this limit is reached and further output can be
    /// produced, *self.needs_input* will be set to ``False``. In this case, the next
    /// call to *decompress()* may provide *data* as b'' to obtain more of the output.
    ///
    /// If all of the input data was decompressed and returned (either because this
    /// was less than *max_length* bytes, or because *max_length* was negative),
    /// *self.needs_input* will be set to True.
    ///
    /// Attempting to decompress data after the end of stream is reached raises an
    /// EOFError.  Any data found after the end of the stream is ignored and saved in
    /// the unused_data attribute.
    #[pyo3(signature = (data, max_length = Optional::Missing), text_signature = "($self, /, data, max_length=-1)")]
    fn decompress<'py>(&mut self, data: &Bound<'py, PyAny>, max_length: Optional<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let py = data.py();
        let max_length = max_length.convert(ssize)?.unwrap_or(-1);
        with_bytes(data, |data| self.0.decompress(py, data, max_length, "End of stream already reached"))?
    }

    fn __setattr__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        set_attribute(slf.as_any(), name, Some(value), &MEMBERS)
    }

    fn __delattr__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>) -> PyResult<()> {
        set_attribute(slf.as_any(), name, None, &MEMBERS)
    }

    /// True if the end-of-stream marker has been reached.
    #[getter]
    fn eof(&self) -> bool {
        self.0.eof
    }


    /// Data found after the end of the compressed stream.
    #[getter]
    fn unused_data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.0.unused_data.clone_ref(py)
    }


    /// True if more input is needed before more decompressed data can be produced.
    #[getter]
    fn needs_input(&self) -> bool {
        self.0.needs_input
    }

}

/// The `_bz2` module.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let m = PyModule::new(py, "_bz2")?;
    m.add_class::<Compressor>()?;
    m.add_class::<Decompressor>()?;
    Ok(m)
}
