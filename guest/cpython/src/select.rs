//! `select`: `select()`, poll objects and epoll objects as CPython's `selectmodule.c` presents
//! them. Objects become descriptors here (PyObject_AsFileDescriptor); which are ready is the core's.

use crate::convert::{self, Int, Optional};
use crate::errors::CoreResult;
use crate::{constants, with_core};
use pyo3::exceptions::{PyOSError, PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple, PyType};
use pysock_guest::errno::{self, Errno, Error};
use pysock_guest::host::EpollOp;
use pysock_guest::select::bits::{POLLIN, POLLOUT, POLLPRI};
use std::cell::{Cell, RefCell};

/// A timeout converter's result, with `message` as the TypeError for what is not a number.
fn timeout(obj: Option<&Bound<'_, PyAny>>, scale: f64, message: &'static str) -> PyResult<Option<f64>> {
    let Some(obj) = obj else { return Ok(None) };
    match convert::seconds_scaled(obj, scale) {
        Err(e) if e.is_instance_of::<PyTypeError>(obj.py()) => Err(PyTypeError::new_err(message)),
        other => other,
    }
}

#[pyfunction]
#[pyo3(signature = (rlist, wlist, xlist, timeout = None, /))]
fn select<'py>(
    py: Python<'py>,
    rlist: &Bound<'py, PyAny>,
    wlist: &Bound<'py, PyAny>,
    xlist: &Bound<'py, PyAny>,
    timeout: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let timeout = self::timeout(timeout, 1.0, "timeout must be a float or None")?;
    let mut objects: Vec<Vec<Bound<'py, PyAny>>> = Vec::with_capacity(3);
    let mut fds: Vec<Vec<i32>> = Vec::with_capacity(3);
    for seq in [rlist, wlist, xlist] {
        // CPython's seq2set: a list is read in place (PySequence_Fast), its length read again
        // after each item's fileno(), which may change the list; anything else is copied first.
        let list = match seq.cast::<PyList>() {
            Ok(list) => list.clone(),
            Err(_) => {
                let items = seq.try_iter().map_err(|_| PyTypeError::new_err("arguments 1-3 must be sequences"))?;
                PyList::new(py, items.collect::<PyResult<Vec<_>>>()?)?
            }
        };
        let (mut items, mut numbers) = (Vec::new(), Vec::new());
        while items.len() < list.len() {
            let item = list.get_item(items.len())?;
            numbers.push(convert::file_descriptor(&item)?);
            items.push(item);
        }
        objects.push(items);
        fds.push(numbers);
    }
    let ready = with_core(|c| c.select([&fds[0], &fds[1], &fds[2]], timeout)).py_err(py)?;
    let lists = objects
        .iter()
        .zip(ready)
        .map(|(list, hits)| PyList::new(py, hits.into_iter().map(|i| &list[i as usize])))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py, lists)
}

/// A poll event mask: an unsigned short, with the errors of CPython's
/// `_PyLong_UnsignedShort_Converter`, which takes ints only (no `__index__`).
fn event_mask(obj: &Bound<'_, PyAny>) -> PyResult<u16> {
    if !obj.is_instance_of::<pyo3::types::PyInt>() {
        return Err(PyTypeError::new_err("an integer is required"));
    }
    match convert::index(obj)? {
        Int::Small(n) if n < 0 => Err(PyValueError::new_err("value must be positive")),
        Int::Small(n) if n <= 0xffff => Ok(n as u16),
        Int::Huge { negative: true } => Err(PyValueError::new_err("value must be positive")),
        Int::Small(n) if n <= u64::MAX.into() => Err(PyOverflowError::new_err("Python int too large for C unsigned short")),
        _ => Err(PyOverflowError::new_err("Python int too large to convert to C unsigned long")),
    }
}

/// A `select.poll()` object: registrations in insertion order, as CPython's dict keeps them.
#[pyclass(module = "select", name = "poll", unsendable)]
pub struct Poll {
    registered: RefCell<Vec<(i32, u16)>>,
}

#[pymethods]
impl Poll {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>) -> PyResult<Self> {
        Err(PyTypeError::new_err("cannot create 'select.poll' instances"))
    }

    #[pyo3(signature = (fd, eventmask = Optional::Missing, /))]
    fn register(&self, fd: &Bound<'_, PyAny>, eventmask: Optional<'_>) -> PyResult<()> {
        let fd = convert::file_descriptor(fd)?;
        let mask = eventmask.convert(event_mask)?.unwrap_or(POLLIN | POLLPRI | POLLOUT);
        let mut registered = self.registered.borrow_mut();
        match registered.iter_mut().find(|(f, _)| *f == fd) {
            Some(entry) => entry.1 = mask,
            None => registered.push((fd, mask)),
        }
        Ok(())
    }

    fn modify(&self, py: Python<'_>, fd: &Bound<'_, PyAny>, eventmask: &Bound<'_, PyAny>) -> PyResult<()> {
        let fd = convert::file_descriptor(fd)?;
        let mask = event_mask(eventmask)?;
        match self.registered.borrow_mut().iter_mut().find(|(f, _)| *f == fd) {
            Some(entry) => {
                entry.1 = mask;
                Ok(())
            }
            None => Err(crate::errors::to_py(py, errno::os(Errno::Enoent))),
        }
    }

    fn unregister(&self, py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<()> {
        let fd = convert::file_descriptor(fd)?;
        let mut registered = self.registered.borrow_mut();
        match registered.iter().position(|(f, _)| *f == fd) {
            Some(i) => {
                registered.remove(i);
                Ok(())
            }
            None => Err(crate::errors::to_py(py, Error::Key(fd))),
        }
    }

    #[pyo3(signature = (timeout = None, /))]
    fn poll(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(i32, u16)>> {
        let timeout = self::timeout(timeout, 1e-3, "timeout must be an integer or None")?;
        // poll(2) takes an int of milliseconds, rounded away from zero as _PyTime_ROUND_TIMEOUT does.
        let away_from_zero = |ms: f64| if ms < 0.0 { ms.floor() } else { ms.ceil() };
        if timeout.is_some_and(|ms| !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&away_from_zero(ms))) {
            return Err(PyOverflowError::new_err("timeout is too large"));
        }
        let registered = self.registered.borrow().clone();
        with_core(|c| c.poll(&registered, timeout)).py_err(py)
    }
}

#[pyfunction]
fn poll() -> Poll {
    Poll { registered: RefCell::new(Vec::new()) }
}

/// `select.epoll()`: its descriptor in the guest's table for a host epoll instance, `None` once
/// closed. Registrations persist in the host, so a poll costs O(ready).
#[pyclass(module = "select", name = "epoll", subclass, unsendable)]
pub struct Epoll {
    fd: Cell<Option<i32>>,
}

impl Drop for Epoll {
    /// An epoll object collected while open closes its descriptor, as CPython's does.
    fn drop(&mut self) {
        if let Some(fd) = self.fd.take() {
            let _ = with_core(|c| c.close_fd(fd));
        }
    }
}

#[pymethods]
impl Epoll {
    #[new]
    #[pyo3(signature = (sizehint = None, flags = None))]
    fn new(py: Python<'_>, sizehint: Option<&Bound<'_, PyAny>>, flags: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let sizehint = sizehint.map(convert::c_int).transpose()?.unwrap_or(-1);
        let flags = flags.map(convert::c_int).transpose()?.unwrap_or(0);
        let fd = with_core(|c| c.epoll_create(sizehint.into(), flags.into())).py_err(py)?;
        Ok(Epoll { fd: Cell::new(Some(fd)) })
    }

    #[classmethod]
    fn fromfd(_cls: &Bound<'_, PyType>, _fd: &Bound<'_, PyAny>) -> PyResult<Self> {
        Err(PyOSError::new_err((9, "Bad file descriptor: pysock's epoll objects cannot be adopted from a descriptor")))
    }

    #[getter]
    fn closed(&self) -> bool {
        self.fd.get().is_none()
    }

    fn close(&self) {
        if let Some(fd) = self.fd.take() {
            let _ = with_core(|c| c.close_fd(fd));
        }
    }

    fn fileno(&self) -> PyResult<i32> {
        self.fd.get().ok_or_else(|| PyValueError::new_err("I/O operation on closed epoll object"))
    }

    #[pyo3(signature = (fd, eventmask = Optional::Missing))]
    fn register(&self, py: Python<'_>, fd: &Bound<'_, PyAny>, eventmask: Optional<'_>) -> PyResult<()> {
        let fd = convert::file_descriptor(fd)?;
        let mask = eventmask.convert(convert::unsigned_int_mask)?.unwrap_or((POLLIN | POLLPRI | POLLOUT).into());
        with_core(|c| c.epoll_ctl(self.fd.get(), EpollOp::Add, fd, mask)).py_err(py)
    }

    fn modify(&self, py: Python<'_>, fd: &Bound<'_, PyAny>, eventmask: &Bound<'_, PyAny>) -> PyResult<()> {
        let fd = convert::file_descriptor(fd)?;
        let mask = convert::unsigned_int_mask(eventmask)?;
        with_core(|c| c.epoll_ctl(self.fd.get(), EpollOp::Modify, fd, mask)).py_err(py)
    }

    fn unregister(&self, py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<()> {
        let fd = convert::file_descriptor(fd)?;
        with_core(|c| c.epoll_ctl(self.fd.get(), EpollOp::Remove, fd, 0)).py_err(py)
    }

    #[pyo3(signature = (timeout = None, maxevents = Optional::Missing))]
    fn poll(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>, maxevents: Optional<'_>) -> PyResult<Vec<(i32, u32)>> {
        let timeout = self::timeout(timeout.filter(|t| !t.is_none()), 1.0, "timeout must be an integer or None")?;
        let maxevents = maxevents.convert(convert::c_int)?.unwrap_or(-1);
        with_core(|c| c.epoll_poll(self.fd.get(), timeout, maxevents.into())).py_err(py)
    }

    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        if slf.borrow().fd.get().is_none() {
            return Err(PyValueError::new_err("I/O operation on closed epoll object"));
        }
        Ok(slf)
    }

    #[pyo3(signature = (*_exc_info))]
    fn __exit__(&self, _exc_info: &Bound<'_, PyTuple>) {
        self.close();
    }
}

/// Fills the `select` module.
pub fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("error", py.get_type::<PyOSError>())?;
    for (name, value) in constants::SELECT {
        m.add(*name, *value)?;
    }
    m.add_function(wrap_pyfunction!(select, m)?)?;
    // `select.poll` is the function; the type is reachable only through the objects it makes.
    m.add_function(wrap_pyfunction!(poll, m)?)?;
    m.add_class::<Epoll>()?;
    Ok(())
}
