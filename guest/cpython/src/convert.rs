//! Python arguments as CPython's C converters take them, with the same exceptions and messages:
//! Argument Clinic's `int`, PyArg's `i`, `n` and `l` formats, `_PyTime` timeouts and descriptors.
//! The messages are native CPython 3.11's on Linux, where `long` and `ssize_t` are 64 bits.

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFloat, PyInt, PyTuple};

/// An optional argument that tells "not passed" from an explicit None, which `Option` cannot:
/// CPython's integer converters refuse None, so `recv(1, None)` is a TypeError, not flags 0.
/// Declared as `flags = Optional::Missing` in a `#[pyo3(signature)]`.
pub enum Optional<'py> {
    Missing,
    Given(Bound<'py, PyAny>),
}

impl<'py> Optional<'py> {
    /// The converted argument, or None when it was not passed.
    pub fn convert<T>(&self, f: impl FnOnce(&Bound<'py, PyAny>) -> PyResult<T>) -> PyResult<Option<T>> {
        match self {
            Optional::Missing => Ok(None),
            Optional::Given(obj) => f(obj).map(Some),
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Optional<'py> {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Optional::Given(obj.to_owned()))
    }
}

/// An integer argument after `operator.index`: small enough for i128, or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Int {
    Small(i128),
    Huge { negative: bool },
}

/// `operator.index(obj)`: an int, or TypeError "'str' object cannot be interpreted as an integer".
pub fn index(obj: &Bound<'_, PyAny>) -> PyResult<Int> {
    let py = obj.py();
    if obj.is_instance_of::<PyInt>() {
        // The common case, an int that fits a C long, in one call.
        if let Ok(n) = obj.extract::<i64>() {
            return Ok(Int::Small(n.into()));
        }
    }
    let number = if obj.is_instance_of::<PyInt>() {
        obj.clone()
    } else {
        static OPERATOR_INDEX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let index = OPERATOR_INDEX.get_or_try_init(py, || py.import("operator")?.getattr("index").map(Bound::unbind))?;
        index.bind(py).call1((obj,))?
    };
    match number.extract::<i128>() {
        Ok(n) => Ok(Int::Small(n)),
        Err(_) => Ok(Int::Huge { negative: number.lt(0)? }),
    }
}

/// `index(obj)` within `T`'s range, or OverflowError(`message`).
fn ranged<T: TryFrom<i128>>(obj: &Bound<'_, PyAny>, message: &'static str) -> PyResult<T> {
    match index(obj)? {
        Int::Small(n) => T::try_from(n).map_err(|_| PyOverflowError::new_err(message)),
        Int::Huge { .. } => Err(PyOverflowError::new_err(message)),
    }
}

/// Argument Clinic's `int` (`_PyLong_AsInt`).
pub fn c_int(obj: &Bound<'_, PyAny>) -> PyResult<i32> {
    ranged(obj, "Python int too large to convert to C int")
}

/// PyArg's `l`: a C long (64 bits on Linux).
pub fn c_long(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    ranged(obj, "Python int too large to convert to C long")
}

/// PyArg's `n`: a Py_ssize_t, as on 64-bit Linux.
pub fn ssize(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    ranged(obj, "Python int too large to convert to C ssize_t")
}

/// PyArg's `i`: a C long first, then range-checked into an int with its own messages.
pub fn format_i(obj: &Bound<'_, PyAny>) -> PyResult<i32> {
    let n = c_long(obj)?;
    i32::try_from(n).map_err(|_| {
        PyOverflowError::new_err(if n > 0 { "signed integer is greater than maximum" } else { "signed integer is less than minimum" })
    })
}

/// PyArg's `I` (and Argument Clinic's `unsigned int(bitwise=True)`): an unsigned int taken modulo
/// 2**32 with no overflow check, so -1 is 0xffffffff and 2**32 is 0.
pub fn unsigned_int_mask(obj: &Bound<'_, PyAny>) -> PyResult<u32> {
    match index(obj)? {
        Int::Small(n) => Ok(n as u32),
        Int::Huge { .. } => obj.bitand(0xffff_ffffu32)?.extract(),
    }
}

/// A descriptor number as CPython stores it in a C int: out-of-range values wrap, as they do there.
pub fn wrapped_fd(obj: &Bound<'_, PyAny>) -> PyResult<i32> {
    Ok(match index(obj)? {
        Int::Small(n) => n as i32,
        Int::Huge { .. } => return Err(PyOverflowError::new_err("Python int too large to convert to C long")),
    })
}

/// Nanoseconds in the largest `_PyTime_t`.
const PYTIME_MAX_SECONDS: f64 = i64::MAX as f64 / 1e9;

/// A timeout in seconds as `_PyTime_FromSecondsObject` reads it: None, or a number that fits in
/// 64-bit nanoseconds. NaN and negative values are the caller's to refuse, in its own words.
pub fn seconds(obj: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
    seconds_scaled(obj, 1.0)
}

/// As [`seconds`] for a number of `unit`-second units (1e-3 for milliseconds), returned in units.
pub fn seconds_scaled(obj: &Bound<'_, PyAny>, unit: f64) -> PyResult<Option<f64>> {
    if obj.is_none() {
        return Ok(None);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        if v.is_nan() {
            return Err(PyValueError::new_err("Invalid value NaN (not a number)"));
        }
        if (v * unit).abs() >= PYTIME_MAX_SECONDS {
            return Err(PyOverflowError::new_err("timestamp out of range for platform time_t"));
        }
        return Ok(Some(v));
    }
    match index(obj)? {
        Int::Small(n) if (n.unsigned_abs() as f64 * unit) < PYTIME_MAX_SECONDS => Ok(Some(n as f64)),
        _ => Err(PyOverflowError::new_err("timestamp too large to convert to C _PyTime_t")),
    }
}

/// The name Python's messages give `obj`'s type.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

/// The type name in Argument Clinic's "argument X must be Y, not Z" (`_PyArg_BadArgument`),
/// which calls None "None" rather than "NoneType".
pub fn argument_type_name(obj: &Bound<'_, PyAny>) -> String {
    if obj.is_none() { "None".into() } else { type_name(obj) }
}

/// `PyObject_AsFileDescriptor`: an int, or the int its `fileno()` returns; ValueError if negative.
pub fn file_descriptor(obj: &Bound<'_, PyAny>) -> PyResult<i32> {
    let number = if obj.is_instance_of::<PyInt>() {
        obj.clone()
    } else if let Ok(fileno) = obj.getattr(pyo3::intern!(obj.py(), "fileno")) {
        let n = fileno.call0()?;
        if !n.is_instance_of::<PyInt>() {
            return Err(PyTypeError::new_err("fileno() returned a non-integer"));
        }
        n
    } else {
        return Err(PyTypeError::new_err("argument must be an int, or have a fileno() method."));
    };
    let fd = c_int(&number)?;
    if fd < 0 {
        return Err(PyValueError::new_err(format!("file descriptor cannot be a negative integer ({fd})")));
    }
    Ok(fd)
}

/// The interpreter's checks for a C function or method that takes no arguments (`METH_NOARGS`,
/// `count` 0) or exactly one (`METH_O`, `count` 1), taken as `*args, **kwargs`, which PyO3's
/// signatures word otherwise: `function` is the qualified name its messages give
/// ("BZ2Compressor.flush() takes no arguments (1 given)").
pub fn exact_arguments<'py>(function: &str, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>, count: usize) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if kwargs.is_some_and(|k| !k.is_empty()) {
        return Err(PyTypeError::new_err(format!("{function}() takes no keyword arguments")));
    }
    if args.len() != count {
        let wanted = if count == 0 { "no arguments" } else { "exactly one argument" };
        return Err(PyTypeError::new_err(format!("{function}() takes {wanted} ({} given)", args.len())));
    }
    Ok(args.iter().collect())
}

/// Argument Clinic's checks for a C function of `module` whose parameters are all positional-only,
/// taken as `*args, **kwargs`: no keywords ("posix.readv() takes no keyword arguments") and
/// `min..=max` arguments ("readv expected 2 arguments, got 1", "preadv expected at least 3
/// arguments, got 2"). PyO3's own signatures word both differently.
pub fn clinic_arguments<'py>(
    module: &str,
    name: &str,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    min: usize,
    max: usize,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if kwargs.is_some_and(|k| !k.is_empty()) {
        return Err(PyTypeError::new_err(format!("{module}.{name}() takes no keyword arguments")));
    }
    let given = args.len();
    if (min..=max).contains(&given) {
        return Ok(args.iter().collect());
    }
    let (bound, qualifier) = if given < min { (min, "at least ") } else { (max, "at most ") };
    let qualifier = if min == max { "" } else { qualifier };
    let plural = if bound == 1 { "" } else { "s" };
    Err(PyTypeError::new_err(format!("{name} expected {qualifier}{bound} argument{plural}, got {given}")))
}
