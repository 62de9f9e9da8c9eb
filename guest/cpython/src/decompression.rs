//! What `_bz2.BZ2Decompressor` and `_lzma.LZMADecompressor` share in CPython
//! (`Modules/_bz2module.c`, `Modules/_lzmamodule.c`): `decompress(data, max_length)` over a C
//! library's stream, keeping input it could not consume yet for the next call, `needs_input`,
//! `eof` and `unused_data`, and the output buffer that grows by about an eighth until the
//! library stops or `max_length` is reached. Each module gives its library's stream as a
//! [`Decoder`]; the rules here are written once.

use pyo3::exceptions::{PyAttributeError, PyEOFError, PyMemoryError, PyOverflowError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// The first output buffer's size, as in CPython's `_bz2` (BUFSIZ on Linux is 8192).
pub const INITIAL_BUFFER_SIZE: usize = 8192;

/// One call of a decompression library over an input slice.
pub struct Step {
    /// How much of the input the library took.
    pub consumed: usize,
    /// Whether it reached the end of the stream.
    pub ended: bool,
}

/// A C library's decompression stream.
pub trait Decoder {
    /// Whether the library may hold output back once its input is used up (liblzma): then a full
    /// output buffer is looked at before an empty input, and a call that filled the buffer exactly
    /// as the input ran out does not yet need input. libbzip2 gives all it can as it consumes.
    const HOLDS_OUTPUT: bool;

    /// Decodes from `input` into the spare capacity of `out`, appending to it, as one call of the
    /// library does (`BZ2_bzDecompress`, `lzma_code`).
    fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> PyResult<Step>;
}

/// An empty buffer with room for `capacity` bytes, or MemoryError.
pub fn output_buffer(capacity: usize) -> PyResult<Vec<u8>> {
    let mut out = Vec::new();
    out.try_reserve_exact(capacity).map_err(|_| PyMemoryError::new_err(()))?;
    Ok(out)
}

/// CPython's `grow_buffer`: room for about an eighth more, never past a positive `max_length`.
pub fn grow(out: &mut Vec<u8>, max_length: i64) -> PyResult<()> {
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

/// A decompressor's state between calls.
pub struct Decompression<D> {
    pub decoder: D,
    pub eof: bool,
    pub needs_input: bool,
    pub unused_data: Py<PyBytes>,
    /// Input given but not yet consumed (CPython's `input_buffer`), read before the next call's.
    pending: Vec<u8>,
}

impl<D: Decoder> Decompression<D> {
    pub fn new(py: Python<'_>, decoder: D) -> Self {
        Decompression { decoder, eof: false, needs_input: true, unused_data: PyBytes::new(py, b"").unbind(), pending: Vec::new() }
    }

    /// CPython's `decompress_buf`: decompresses `input` into at most `max_length` bytes (all of
    /// them when negative), returning them, how much of `input` was consumed, and whether the
    /// output buffer was left full.
    fn run(&mut self, input: &[u8], max_length: i64) -> PyResult<(Vec<u8>, usize, bool)> {
        let first = match usize::try_from(max_length) {
            Ok(max) if max < INITIAL_BUFFER_SIZE => max,
            _ => INITIAL_BUFFER_SIZE,
        };
        let mut out = output_buffer(first)?;
        let mut consumed = 0;
        loop {
            let produced_before = out.len();
            let step = self.decoder.decode(&input[consumed..], &mut out)?;
            consumed += step.consumed;
            let full = out.len() == out.capacity();
            let input_done = consumed == input.len();
            if step.ended {
                self.eof = true;
                break;
            }
            if input_done && (!D::HOLDS_OUTPUT || !full) {
                break;
            }
            if full {
                if i64::try_from(out.len()) == Ok(max_length) {
                    break;
                }
                grow(&mut out, max_length)?;
            } else if step.consumed == 0 && out.len() == produced_before {
                // A library returns with input left only when its output is full; were it ever to
                // make no progress otherwise, calling again would spin.
                break;
            }
        }
        let full = out.len() == out.capacity();
        Ok((out, consumed, full))
    }

    /// `decompress(data, max_length)`, once the arguments are converted; `at_end` is the module's
    /// EOFError message for a call after the end of the stream.
    pub fn decompress<'py>(&mut self, py: Python<'py>, data: &[u8], max_length: i64, at_end: &'static str) -> PyResult<Bound<'py, PyBytes>> {
        if self.eof {
            return Err(PyEOFError::new_err(at_end));
        }
        // Unconsumed input from the last call goes first; without any, the caller's bytes are read
        // in place and only what is left of them is kept. After an error nothing is kept, as in
        // CPython, which forgets its input buffer then.
        let mut input = std::mem::take(&mut self.pending);
        let from_caller = input.is_empty();
        if !from_caller {
            input.try_reserve(data.len()).map_err(|_| PyMemoryError::new_err(()))?;
            input.extend_from_slice(data);
        }
        let source: &[u8] = if from_caller { data } else { &input };
        let (out, consumed, full) = self.run(source, max_length)?;
        let left = &source[consumed..];
        if self.eof {
            self.needs_input = false;
            if !left.is_empty() {
                self.unused_data = PyBytes::new(py, left).unbind();
            }
        } else if left.is_empty() {
            self.needs_input = !(D::HOLDS_OUTPUT && full);
        } else {
            self.needs_input = false;
            let mut kept = Vec::new();
            kept.try_reserve_exact(left.len()).map_err(|_| PyMemoryError::new_err(()))?;
            kept.extend_from_slice(left);
            self.pending = kept;
        }
        Ok(PyBytes::new(py, &out))
    }
}

/// Sets or, with no `value`, deletes `name` of `obj` as `object` does, after refusing the
/// decompressor's `readonly` members as CPython's member descriptors refuse them (PyO3's
/// properties word it "... is not writable" and "property has no deleter").
pub fn set_attribute(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>, value: Option<&Bound<'_, PyAny>>, readonly: &[&str]) -> PyResult<()> {
    if readonly.iter().any(|member| name.to_str().is_ok_and(|n| n == *member)) {
        return Err(PyAttributeError::new_err("readonly attribute"));
    }
    let object = obj.py().get_type::<PyAny>();
    match value {
        Some(value) => object.call_method1("__setattr__", (obj, name, value)).map(drop),
        None => object.call_method1("__delattr__", (obj, name)).map(drop),
    }
}
