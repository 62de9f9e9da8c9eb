//! `_bz2`, the module under the stdlib's `bz2` (and so `tarfile`'s "r:bz2", `shutil`'s bztar
//! archives, `zipfile`'s BZIP2 members): CPython builds it from libbzip2, which WASI CPython lacks,
//! so `import bz2` failed in the sandbox. Here libbzip2 is the Rust port of it
//! (`libbz2-rs-sys`, through the `bzip2` crate's safe streams), in the interpreter's memory, and
//! the two classes follow CPython's `Modules/_bz2module.c` step for step: the same output-buffer
//! growth, `max_length`, `needs_input` and `unused_data` rules, the same exceptions and messages.

use crate::buffer::with_bytes;
use crate::convert::{Optional, c_int, exact_arguments, ssize};
use bzip2::{Action, Compress, Compression, Decompress, Status};
use pyo3::exceptions::{PyAttributeError, PyEOFError, PyMemoryError, PyOSError, PyOverflowError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

/// The first output buffer's size, as in CPython (BUFSIZ on Linux is 8192).
const INITIAL_BUFFER_SIZE: usize = 8192;

/// libbzip2's errors as CPython's `catch_bz2_error` raises them.
fn bz2_error(e: bzip2::Error) -> PyErr {
    match e {
        bzip2::Error::Param => PyValueError::new_err("Internal error - invalid parameters passed to libbzip2"),
        bzip2::Error::Data | bzip2::Error::DataMagic => PyOSError::new_err("Invalid data stream"),
        bzip2::Error::Sequence => PyRuntimeError::new_err("Internal error - Invalid sequence of commands sent to libbzip2"),
    }
}

/// An empty buffer with room for `capacity` bytes, or MemoryError.
fn output_buffer(capacity: usize) -> PyResult<Vec<u8>> {
    let mut out = Vec::new();
    out.try_reserve_exact(capacity).map_err(|_| PyMemoryError::new_err(()))?;
    Ok(out)
}

/// CPython's `grow_buffer`: room for about an eighth more, never past a non-negative `max_length`.
fn grow(out: &mut Vec<u8>, max_length: i64) -> PyResult<()> {
    let size = out.capacity();
    let mut new_size = size.saturating_add(size >> 3).saturating_add(6);
    if max_length > 0 {
        new_size = new_size.min(usize::try_from(max_length).unwrap_or(usize::MAX));
    }
    if new_size <= size {
        return Err(PyOverflowError::new_err("Unable to allocate buffer - output too large"));
    }
    out.try_reserve_exact(new_size - out.len()).map_err(|_| PyMemoryError::new_err(()))
}

/// The decompressor's members, which CPython declares `READONLY`.
const MEMBERS: [&str; 3] = ["eof", "unused_data", "needs_input"];

/// Sets or, with no `value`, deletes `name` of `obj` as `object` does, after refusing the
/// readonly members as CPython's member descriptors refuse them (PyO3's properties word it "...
/// is not writable" and "property has no deleter").
fn set_attribute(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    if MEMBERS.iter().any(|member| name.to_str().is_ok_and(|n| n == *member)) {
        return Err(PyAttributeError::new_err("readonly attribute"));
    }
    let object = obj.py().get_type::<PyAny>();
    match value {
        Some(value) => object.call_method1("__setattr__", (obj, name, value)).map(drop),
        None => object.call_method1("__delattr__", (obj, name)).map(drop),
    }
}

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
pub struct Decompressor {
    stream: Decompress,
    eof: bool,
    needs_input: bool,
    unused_data: Py<PyBytes>,
    /// Input given but not yet consumed (CPython's `input_buffer`), read before the next call's.
    pending: Vec<u8>,
}

impl Decompressor {
    /// CPython's `decompress_buf`: decompresses `input` into at most `max_length` bytes (all of
    /// them when negative), returning them and how much of `input` was consumed.
    fn run(&mut self, input: &[u8], max_length: i64) -> PyResult<(Vec<u8>, usize)> {
        let first = match usize::try_from(max_length) {
            Ok(max) if max < INITIAL_BUFFER_SIZE => max,
            _ => INITIAL_BUFFER_SIZE,
        };
        let mut out = output_buffer(first)?;
        let mut consumed = 0;
        loop {
            let (before_in, before_out) = (self.stream.total_in(), self.stream.total_out());
            let status = self.stream.decompress_vec(&input[consumed..], &mut out).map_err(bz2_error)?;
            consumed += (self.stream.total_in() - before_in) as usize;
            match status {
                Status::MemNeeded => return Err(PyMemoryError::new_err(())),
                Status::StreamEnd => {
                    self.eof = true;
                    break;
                }
                _ if consumed == input.len() => break,
                _ if out.len() == out.capacity() => {
                    if i64::try_from(out.len()) == Ok(max_length) {
                        break;
                    }
                    grow(&mut out, max_length)?;
                }
                // libbzip2 returns with input left only when the output is full; were it ever
                // to make no progress otherwise, calling again would spin.
                _ if (self.stream.total_in(), self.stream.total_out()) == (before_in, before_out) => break,
                _ => {}
            }
        }
        Ok((out, consumed))
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
        Ok(Decompressor {
            stream: Decompress::new(false),
            eof: false,
            needs_input: true,
            unused_data: PyBytes::new(py, b"").unbind(),
            pending: Vec::new(),
        })
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
        with_bytes(data, |data| {
            if self.eof {
                return Err(PyEOFError::new_err("End of stream already reached"));
            }
            // Unconsumed input from the last call goes first; without any, the caller's bytes are
            // read in place and only what is left of them is kept.
            let pending = std::mem::take(&mut self.pending);
            let mut input = pending;
            let from_caller = input.is_empty();
            if !from_caller {
                input.try_reserve(data.len()).map_err(|_| PyMemoryError::new_err(()))?;
                input.extend_from_slice(data);
            }
            let source: &[u8] = if from_caller { data } else { &input };
            let (out, consumed) = self.run(source, max_length)?;
            let left = &source[consumed..];
            if self.eof {
                self.needs_input = false;
                if !left.is_empty() {
                    self.unused_data = PyBytes::new(py, left).unbind();
                }
            } else if left.is_empty() {
                self.needs_input = true;
            } else {
                self.needs_input = false;
                let mut kept = Vec::new();
                kept.try_reserve_exact(left.len()).map_err(|_| PyMemoryError::new_err(()))?;
                kept.extend_from_slice(left);
                self.pending = kept;
            }
            Ok(PyBytes::new(py, &out))
        })?
    }

    fn __setattr__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        set_attribute(slf.as_any(), name, Some(value))
    }

    fn __delattr__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>) -> PyResult<()> {
        set_attribute(slf.as_any(), name, None)
    }

    /// True if the end-of-stream marker has been reached.
    #[getter]
    fn eof(&self) -> bool {
        self.eof
    }


    /// Data found after the end of the compressed stream.
    #[getter]
    fn unused_data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.unused_data.clone_ref(py)
    }


    /// True if more input is needed before more decompressed data can be produced.
    #[getter]
    fn needs_input(&self) -> bool {
        self.needs_input
    }

}

/// The `_bz2` module.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let m = PyModule::new(py, "_bz2")?;
    m.add_class::<Compressor>()?;
    m.add_class::<Decompressor>()?;
    Ok(m)
}
