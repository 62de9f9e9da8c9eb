//! `_socket`: the socket type and the module's functions, as CPython's `socketmodule.c` presents
//! them, over the guest logic's [`Core`]. This file converts arguments (with CPython's messages),
//! calls the core, and builds the results; the rules live in the core.

use crate::buffer::{self, Buffer, NewBytes};
use crate::convert::{self, Int, Optional};
use crate::errors::{CoreResult, errno_number, gaierror, herror};
use crate::positional::{self, Args, Keywords, keyword_method, one_argument_method, positional_method};
use crate::{constants, with_core};
use pyo3::exceptions::{PyOSError, PyOverflowError, PyTimeoutError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString, PyTuple};
use pysock_guest::errno::{self, Errno, Error};
use pysock_guest::socket::{self as core_socket, Address, OptionArgument, OptionValue, SockObj};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering::Relaxed};

/// `_socket.socket`: one Python socket object. A closed socket holds descriptor -1 and every call
/// on it raises EBADF, as CPython's does.
#[pyclass(module = "_socket", name = "socket", subclass, frozen)]
pub struct Socket {
    fd: Number,
    family: Number,
    kind: Number,
    proto: Number,
    timeout: Timeout,
}

/// One of a socket object's numbers. Atomic only so that the type is `Sync` and PyO3 need not check
/// the calling thread on every method call (an `unsendable` class pays that, some 10 ns in wasm); the
/// interpreter has one thread, so nothing is ordered and `Relaxed` is enough.
struct Number(AtomicI32);

impl Number {
    fn new(value: i32) -> Number {
        Number(AtomicI32::new(value))
    }
    fn get(&self) -> i32 {
        self.0.load(Relaxed)
    }
    fn set(&self, value: i32) {
        self.0.store(value, Relaxed)
    }
    fn replace(&self, value: i32) -> i32 {
        self.0.swap(value, Relaxed)
    }
}

/// The socket's timeout as CPython keeps it: None (blocking) or seconds, in one word (see [`Number`]).
/// None is stored as a NaN, which no timeout can be: settimeout refuses NaN.
struct Timeout(AtomicU64);

impl Timeout {
    const NONE: u64 = u64::MAX;

    fn new(value: Option<f64>) -> Timeout {
        let t = Timeout(AtomicU64::new(Self::NONE));
        t.set(value);
        t
    }
    fn get(&self) -> Option<f64> {
        Some(self.0.load(Relaxed)).filter(|&bits| bits != Self::NONE).map(f64::from_bits)
    }
    fn set(&self, value: Option<f64>) {
        self.0.store(value.map_or(Self::NONE, f64::to_bits), Relaxed)
    }
}

impl Socket {
    fn closed() -> Socket {
        Socket { fd: Number::new(-1), family: Number::new(0), kind: Number::new(0), proto: Number::new(0), timeout: Timeout::new(None) }
    }

    fn set(&self, obj: SockObj) {
        self.fd.set(obj.fd);
        self.family.set(obj.family);
        self.kind.set(obj.kind);
        self.proto.set(obj.proto);
        self.timeout.set(obj.timeout);
    }

    /// The descriptor, -1 once closed or detached.
    pub(crate) fn fd(&self) -> i32 {
        self.fd.get()
    }

    /// Closes the descriptor if it is open, as a finalizer does: no error, even EBADF from a
    /// descriptor another socket object (made with `fileno=`) closed first.
    pub(crate) fn close_quietly(&self) {
        let fd = self.fd.replace(-1);
        if fd >= 0 {
            let _ = with_core(|c| c.close_fd(fd));
        }
    }

    /// What the core knows this object by.
    pub fn obj(&self) -> SockObj {
        SockObj {
            fd: self.fd.get(),
            family: self.family.get(),
            kind: self.kind.get(),
            proto: self.proto.get(),
            timeout: self.timeout.get(),
        }
    }

    /// A new Python socket object for `obj`, of the base type (socket.py wraps it).
    fn new_object(py: Python<'_>, obj: SockObj) -> PyResult<Py<Socket>> {
        let s = Socket::closed();
        s.set(obj);
        Py::new(py, s)
    }
}

impl Drop for Socket {
    /// A socket object collected while open closes its descriptor, as CPython's finalizer does, and
    /// warns as it does (ResourceWarning, which the default filters hide).
    fn drop(&mut self) {
        let fd = self.fd.get();
        if fd < 0 {
            return;
        }
        Python::attach(|py| {
            // A pending exception (this object may die while one propagates) survives the warning.
            let pending = PyErr::take(py);
            let message = std::ffi::CString::new(format!(
                "unclosed <socket object, fd={fd}, family={}, type={}, proto={}>",
                self.family.get(),
                self.kind.get(),
                self.proto.get()
            ))
            .unwrap_or_default();
            let category = py.get_type::<pyo3::exceptions::PyResourceWarning>();
            if let Err(e) = PyErr::warn(py, &category, &message, 1) {
                e.write_unraisable(py, None);
            }
            if let Some(e) = pending {
                e.restore(py);
            }
        });
        self.close_quietly();
    }
}

/// A host name as CPython's `idna_converter` takes it: str (IDNA-encoded when not ASCII), bytes or
/// bytearray.
fn host_text(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_str()?;
        if s.is_ascii() {
            s.to_string()
        } else {
            obj.call_method1("encode", ("idna",))?.cast_into::<PyBytes>()?.as_bytes().iter().map(|&b| b as char).collect()
        }
    } else if let Ok(b) = obj.cast::<PyBytes>() {
        ascii(b.as_bytes())?
    } else if let Ok(b) = obj.cast::<PyByteArray>() {
        ascii(&b.to_vec())?
    } else {
        return Err(PyTypeError::new_err(format!("str, bytes or bytearray expected, not {}", convert::type_name(obj))));
    };
    if text.contains('\0') {
        return Err(PyTypeError::new_err("host name must not contain null character"));
    }
    Ok(text)
}

/// A name to look up, as `getaddrinfo` and the `et`-with-"idna" argument of `gethostbyname`,
/// `gethostbyname_ex` and `gethostbyaddr` take it: a str always goes through the idna codec, which
/// refuses an empty or over-long label even in ASCII (UnicodeError); bytes as [`host_text`] takes them.
/// An app that bundles only part of the stdlib (componentize-py keeps what it saw imported) may
/// lack the codec; an ASCII name then goes as it is, as through `host_text`.
///
/// An ASCII name the codec would pass through unchanged skips it: in the sandbox the codec (pure
/// Python) cost 2-4 µs of a 25 µs `create_connection`, and its first use imports `encodings.idna`.
fn lookup_name(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = obj.cast::<PyString>() {
        if s.to_str().is_ok_and(idna_keeps_ascii) {
            return host_text(obj);
        }
        match obj.call_method1("encode", ("idna",)) {
            Ok(encoded) => return host_text(&encoded),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyLookupError>(obj.py()) => {}
            Err(e) => return Err(e),
        }
    }
    host_text(obj)
}

/// Whether the idna codec's ASCII fast path returns `name` as it is: every label but the last
/// non-empty, and none of 64 characters or more (the codec raises UnicodeError otherwise).
fn idna_keeps_ascii(name: &str) -> bool {
    let labels = name.split('.').count();
    name.is_ascii() && name.split('.').enumerate().all(|(i, l)| l.len() < 64 && (!l.is_empty() || i + 1 == labels))
}

fn ascii(bytes: &[u8]) -> PyResult<String> {
    std::str::from_utf8(bytes)
        .ok()
        .filter(|s| s.is_ascii())
        .map(str::to_string)
        .ok_or_else(|| PyValueError::new_err("host name must be ASCII"))
}

/// A port or another number the core range-checks: values too large for i64 still fail there,
/// with the core's message.
fn checked_later(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    Ok(match convert::index(obj)? {
        Int::Small(n) => i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX }),
        Int::Huge { negative } => if negative { i64::MIN } else { i64::MAX },
    })
}

/// A Python address for a socket of `family`, with `getsockaddrarg`'s TypeErrors; the core checks
/// the numbers and resolves names.
fn address(family: i32, obj: &Bound<'_, PyAny>, caller: &str) -> PyResult<Address> {
    let type_name = convert::type_name(obj);
    match family {
        core_socket::linux::AF_INET => {
            let t = obj.cast::<PyTuple>().map_err(|_| {
                PyTypeError::new_err(format!("{caller}(): AF_INET address must be tuple, not {type_name}"))
            })?;
            if t.len() != 2 {
                return Err(PyTypeError::new_err("AF_INET address must be a pair (host, port)"));
            }
            Ok(Address::Inet((host_text(&t.get_item(0)?)?, checked_later(&t.get_item(1)?)?)))
        }
        core_socket::linux::AF_INET6 => {
            let t = obj.cast::<PyTuple>().map_err(|_| {
                PyTypeError::new_err(format!("{caller}(): AF_INET6 address must be tuple, not {type_name}"))
            })?;
            if !(2..=4).contains(&t.len()) {
                return Err(PyTypeError::new_err("AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])"));
            }
            // flowinfo and scope_id are `I` fields: taken modulo 2**32, then range-checked by the core.
            let masked = |i: usize| -> PyResult<i64> {
                if i < t.len() { convert::unsigned_int_mask(&t.get_item(i)?).map(i64::from) } else { Ok(0) }
            };
            Ok(Address::Inet6((host_text(&t.get_item(0)?)?, checked_later(&t.get_item(1)?)?, masked(2)?, masked(3)?)))
        }
        // CPython's `PyUnicode_FSConverter`, then `y*`: a str or a bytes-like path, nothing else.
        core_socket::linux::AF_UNIX if obj.is_instance_of::<PyString>() => Ok(Address::Unix(buffer::fs_encode(obj.cast::<PyString>()?)?)),
        core_socket::linux::AF_UNIX => buffer::with_bytes(obj, |path| Address::Unix(path.to_vec())),
        _ => Err(crate::errors::to_py(obj.py(), errno::os(Errno::Eafnosupport))),
    }
}

/// A core address as CPython returns it.
pub fn python_address(py: Python<'_>, a: Address) -> PyResult<Py<PyAny>> {
    Ok(match a {
        Address::Inet(t) => t.into_pyobject(py)?.into_any().unbind(),
        Address::Inet6(t) => t.into_pyobject(py)?.into_any().unbind(),
        // Linux's abstract names are bytes; paths (and the empty name) are str.
        Address::Unix(name) if name.first() == Some(&0) => PyBytes::new(py, &name).into_any().unbind(),
        Address::Unix(name) => buffer::fs_decode(py, &name)?.unbind(),
    })
}

fn optional_address(py: Python<'_>, a: Option<Address>) -> PyResult<Py<PyAny>> {
    match a {
        Some(a) => python_address(py, a),
        None => Ok(py.None()),
    }
}

/// How much memory a new bytes object for a receive of `bufsize` starts with: what one receive can
/// bring; or the error CPython's bytes object of `bufsize` would give (a negative size is the
/// core's ValueError).
fn first_landing(bufsize: i64) -> PyResult<usize> {
    buffer::check_bytes_size(bufsize)?;
    Ok(usize::try_from(bufsize).unwrap_or(0).min(pysock_guest::socket::MOST_PER_RECEIVE))
}

/// One of sendmsg()'s control messages, checked as CPython's "(iiy*)" checks it: (level, type, data).
fn ancillary_item(item: &Bound<'_, PyAny>) -> PyResult<(i32, i32, Vec<u8>)> {
    let what = "[sendmsg() ancillary data items]() argument";
    let seq = item
        .cast::<pyo3::types::PySequence>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be 3-item sequence, not {}", convert::type_name(item))))?;
    let len = seq.len()?;
    if len != 3 {
        return Err(PyTypeError::new_err(format!("{what} must be sequence of length 3, not {len}")));
    }
    let level = convert::format_i(&seq.get_item(0)?)?;
    let kind = convert::format_i(&seq.get_item(1)?)?;
    let data = buffer::with_bytes(&seq.get_item(2)?, <[u8]>::to_vec)?;
    Ok((level, kind, data))
}

/// recvmsg's `ancbufsize`: CPython refuses what a socklen_t cannot hold.
fn ancillary_room(ancbufsize: i64) -> PyResult<()> {
    if !(0..=i64::from(i32::MAX)).contains(&ancbufsize) {
        return Err(PyValueError::new_err("invalid ancillary data buffer length"));
    }
    Ok(())
}

/// recvmsg's ancillary data: the kernel's control messages, then the descriptors that arrived as
/// the one SCM_RIGHTS message the kernel made of them (`(SOL_SOCKET, SCM_RIGHTS, their numbers as
/// C ints)`).
fn ancillary_data(py: Python<'_>, ancillary: &core_socket::Ancillary) -> PyResult<Py<PyList>> {
    let list = PyList::empty(py);
    for (level, kind, data) in &ancillary.control {
        list.append((*level, *kind, PyBytes::new(py, data)))?;
    }
    if !ancillary.descriptors.is_empty() {
        let numbers: Vec<u8> = ancillary.descriptors.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
        list.append((core_socket::linux::SOL_SOCKET, core_socket::linux::SCM_RIGHTS, PyBytes::new(py, &numbers)))?;
    }
    Ok(list.unbind())
}

/// `CMSG_LEN(n)` and `CMSG_SPACE(n)` as on 64-bit Linux: a 16-byte header, the data, and for the
/// space the padding to 8 bytes. OverflowError past CPython's limits: n may be at most INT_MAX less
/// CMSG_LEN(0) (16), or for the space less CMSG_SPACE(1) (24, padding before and after the data).
fn control_message_size(length: &Bound<'_, PyAny>, name: &str, padded: bool) -> PyResult<u64> {
    let n = convert::ssize(length)?;
    let limit = i64::from(i32::MAX) - if padded { 24 } else { 16 };
    if !(0..=limit).contains(&n) {
        return Err(PyOverflowError::new_err(format!("{name}() argument out of range")));
    }
    let n = n as u64;
    Ok(16 + if padded { n.div_ceil(8) * 8 } else { n })
}

#[pyfunction]
#[pyo3(name = "CMSG_LEN")]
fn cmsg_len(length: &Bound<'_, PyAny>) -> PyResult<u64> {
    control_message_size(length, "CMSG_LEN", false)
}

#[pyfunction]
#[pyo3(name = "CMSG_SPACE")]
fn cmsg_space(length: &Bound<'_, PyAny>) -> PyResult<u64> {
    control_message_size(length, "CMSG_SPACE", true)
}

/// `nbytes` for `recv_into`-style calls: 0 means the whole buffer; more than it holds is an error.
fn nbytes_for(buffer: &Buffer, nbytes: &Bound<'_, PyAny>, caller: &str) -> PyResult<i64> {
    let n = convert::ssize(nbytes)?;
    if n < 0 {
        return Err(PyValueError::new_err(format!("negative buffersize in {caller}")));
    }
    let len = buffer.len() as i64;
    match n {
        0 => Ok(len),
        n if n > len && caller == "recv_into" => Err(PyValueError::new_err("buffer too small for requested bytes")),
        n if n > len => Err(PyValueError::new_err("nbytes is greater than the length of the buffer")),
        n => Ok(n),
    }
}

/// `w*`: a writable buffer, or CPython's TypeError naming the call.
fn writable(buffer: &Bound<'_, PyAny>, caller: &str) -> PyResult<Buffer> {
    Buffer::writable(buffer).map_err(|_| {
        PyTypeError::new_err(format!(
            "{caller}() argument 1 must be read-write bytes-like object, not {}",
            convert::argument_type_name(buffer)
        ))
    })
}

fn bytes_result(py: Python<'_>, data: &[u8]) -> Py<PyAny> {
    PyBytes::new(py, data).into_any().unbind()
}

#[pymethods]
impl Socket {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>) -> Socket {
        Socket::closed()
    }

    #[pyo3(signature = (family = None, r#type = None, proto = None, fileno = None))]
    fn __init__(
        &self,
        py: Python<'_>,
        family: Option<&Bound<'_, PyAny>>,
        r#type: Option<&Bound<'_, PyAny>>,
        proto: Option<&Bound<'_, PyAny>>,
        fileno: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let int_or = |o: Option<&Bound<'_, PyAny>>| o.map(convert::c_int).transpose().map(|v| v.unwrap_or(-1));
        let (family, kind, proto) = (int_or(family)?, int_or(r#type)?, int_or(proto)?);
        let fileno = match fileno.filter(|f| !f.is_none()) {
            None => None,
            Some(f) if f.is_instance_of::<pyo3::types::PyFloat>() => {
                return Err(PyTypeError::new_err("'float' object cannot be interpreted as an integer"));
            }
            Some(f) => Some(convert::wrapped_fd(f)?),
        };
        let obj = with_core(|c| c.create(family, kind, proto, fileno)).py_err(py)?;
        self.set(obj);
        Ok(())
    }

    #[getter]
    fn family(&self) -> i32 {
        self.family.get()
    }

    #[getter]
    fn r#type(&self) -> i32 {
        self.kind.get()
    }

    #[getter]
    fn proto(&self) -> i32 {
        self.proto.get()
    }

    #[getter]
    fn timeout(&self) -> Option<f64> {
        self.timeout.get()
    }

    fn fileno(&self) -> i32 {
        self.fd.get()
    }

    fn gettimeout(&self) -> Option<f64> {
        self.timeout.get()
    }

    /// As CPython, from the timeout alone: a closed socket answers too.
    fn getblocking(&self) -> bool {
        self.timeout.get() != Some(0.0)
    }

    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let fd = self.fd.replace(-1);
        if fd < 0 {
            return Ok(());
        }
        // Another object made with socket(fileno=) may have closed it already: EBADF, as CPython.
        with_core(|c| c.close_fd(fd)).py_err(py)
    }

    fn detach(&self) -> i32 {
        self.fd.replace(-1)
    }

    fn _accept(&self, py: Python<'_>) -> PyResult<(i32, Py<PyAny>)> {
        let (fd, peer) = crate::restarting(py, || with_core(|c| c.accept(&self.obj())))?;
        Ok((fd, python_address(py, peer)?))
    }


    fn getsockname(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let a = with_core(|c| c.getsockname(&self.obj())).py_err(py)?;
        python_address(py, a)
    }

    fn getpeername(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let a = with_core(|c| c.getpeername(&self.obj())).py_err(py)?;
        python_address(py, a)
    }

    fn __repr__(&self) -> String {
        format!(
            "<socket object, fd={}, family={}, type={}, proto={}>",
            self.fd.get(),
            self.family.get(),
            self.kind.get(),
            self.proto.get()
        )
    }
}

/// The methods CPython declares `METH_O` or parses with `PyArg_ParseTuple` that are not on the data
/// path; the tables below expose them (positional.rs).
impl Socket {
    /// sendto(data, address) or sendto(data, flags, address), told apart by their count as
    /// CPython does: three arguments, even with None as the address, are the second form.
    fn sendto(&self, py: Python<'_>, args: &Args<'_, '_>) -> PyResult<u64> {
        let (data, flags, address) = match args.len() {
            2 => (args.required(0), 0, args.required(1)),
            3 => (args.required(0), convert::format_i(&args.required(1))?, args.required(2)),
            n => return Err(PyTypeError::new_err(format!("sendto() takes 2 or 3 arguments ({n} given)"))),
        };
        let (data, address) = (&*data, &*address);
        let obj = self.obj();
        let a = self::address(obj.family, address, "sendto")?;
        buffer::with_bytes(data, |bytes| crate::restarting(py, || with_core(|c| c.sendto(&obj, bytes, flags, &a))))?
    }

    /// `sendmsg(buffers[, ancdata[, flags[, address]]])`: an address of None is none, as in CPython;
    /// ancdata of None is not an iterable.
    fn sendmsg(
        &self,
        py: Python<'_>,
        buffers: &Bound<'_, PyAny>,
        ancdata: Option<&Bound<'_, PyAny>>,
        flags: Option<&Bound<'_, PyAny>>,
        address: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let flags = flags.map(convert::format_i).transpose()?.unwrap_or(0);
        let address = address.filter(|a| !a.is_none());
        let obj = self.obj();
        // CPython's order: the address, the data, then the control messages ("(iiy*)" each).
        let to = address.map(|a| self::address(obj.family, a, "sendmsg")).transpose()?;
        let parts = buffers.try_iter().map_err(|_| PyTypeError::new_err("sendmsg() argument 1 must be an iterable"))?;
        let mut data = Vec::new();
        for part in parts {
            buffer::with_bytes(&part?, |bytes| data.extend_from_slice(bytes))?;
        }
        let mut control = Vec::new();
        if let Some(ancdata) = ancdata {
            let items = ancdata.try_iter().map_err(|_| PyTypeError::new_err("sendmsg() argument 2 must be an iterable"))?;
            for item in items {
                control.push(ancillary_item(&item?)?);
            }
        }
        crate::restarting(py, || with_core(|c| c.sendmsg(&obj, &data, &control, flags, to.as_ref())))
    }

    fn recvmsg(
        &self,
        py: Python<'_>,
        bufsize: &Bound<'_, PyAny>,
        ancbufsize: Option<&Bound<'_, PyAny>>,
        flags: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Py<PyAny>, Py<PyList>, i32, Py<PyAny>)> {
        let bufsize = convert::ssize(bufsize)?;
        let ancbufsize = ancbufsize.map(convert::ssize).transpose()?.unwrap_or(0);
        let flags = flags.map(convert::format_i).transpose()?.unwrap_or(0);
        if bufsize >= 0 {
            ancillary_room(ancbufsize)?;
        }
        let mut bytes = NewBytes::new(py, first_landing(bufsize)?)?;
        let (mut got, from, msg_flags, ancillary) = crate::restarting(py, || with_core(|c| c.recvmsg(&self.obj(), &mut bytes, bufsize, ancbufsize, flags)))?;
        // Unlike recv's, recvmsg's bytes object only ever shrinks to the count (MSG_TRUNC's larger
        // count leaves it at bufsize).
        got.length = got.length.min(bufsize as u64);
        Ok((bytes.finish(got)?, ancillary_data(py, &ancillary)?, msg_flags, optional_address(py, from)?))
    }

    fn recvmsg_into(
        &self,
        py: Python<'_>,
        buffers: &Bound<'_, PyAny>,
        ancbufsize: Option<&Bound<'_, PyAny>>,
        flags: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(u64, Py<PyList>, i32, Py<PyAny>)> {
        let ancbufsize = ancbufsize.map(convert::ssize).transpose()?.unwrap_or(0);
        let flags = flags.map(convert::format_i).transpose()?.unwrap_or(0);
        let items = buffers.try_iter().map_err(|_| PyTypeError::new_err("recvmsg_into() argument 1 must be an iterable"))?;
        let mut views = Vec::new();
        for item in items {
            views.push(Buffer::writable(&item?).map_err(|_| {
                PyTypeError::new_err("recvmsg_into() argument 1 must be an iterable of single-segment read-write buffers")
            })?);
        }
        ancillary_room(ancbufsize)?;
        let total: usize = views.iter().map(Buffer::len).sum();
        let obj = self.obj();
        // One buffer is received into in place; several are filled in order from one receive.
        let (got, from, msg_flags, ancillary) = if let [only] = views.as_mut_slice() {
            let into = only.writable_prefix(total);
            crate::restarting(py, || with_core(|c| c.recvmsg(&obj, &mut *into, total as i64, ancbufsize, flags)))?
        } else {
            let mut bytes = NewBytes::new(py, first_landing(total as i64)?)?;
            let (got, from, msg_flags, ancillary) = crate::restarting(py, || with_core(|c| c.recvmsg(&obj, &mut bytes, total as i64, ancbufsize, flags)))?;
            let landed = bytes.finish(got)?;
            let mut rest = landed.bind(py).cast::<PyBytes>()?.as_bytes();
            for view in &mut views {
                let (now, later) = rest.split_at(rest.len().min(view.len()));
                view.fill(now);
                rest = later;
            }
            (got, from, msg_flags, ancillary)
        };
        Ok((got.length, ancillary_data(py, &ancillary)?, msg_flags, optional_address(py, from)?))
    }

    /// `setsockopt(level, optname, value)` or `setsockopt(level, optname, None, optlen)`, told apart
    /// as CPython's three PyArg_ParseTuple attempts do; the last one's count is the message.
    fn setsockopt(&self, py: Python<'_>, args: &Args<'_, '_>) -> PyResult<()> {
        let n = args.len();
        if !(n == 3 || n == 4 && args.required(2).is_none()) {
            return Err(PyTypeError::new_err(format!("setsockopt() takes exactly 3 arguments ({n} given)")));
        }
        let (level, optname, value) = (args.required(0), args.required(1), args.required(2));
        let (value, optlen) = (&*value, args.get(3));
        let (level, optname) = (convert::format_i(&level)?, convert::format_i(&optname)?);
        let option = if let (true, Some(optlen)) = (value.is_none(), optlen) {
            OptionArgument::Null(convert::unsigned_int_mask(&optlen)? as i32)
        } else {
            // An int that fits a C int is the option's value; anything else must be bytes-like,
            // which an out-of-range int is not (TypeError, as CPython's `y*` says).
            let small = match value.is_instance_of::<pyo3::types::PyInt>().then(|| convert::index(value)).transpose()? {
                Some(Int::Small(n)) => i32::try_from(n).ok(),
                _ => None,
            };
            match small {
                Some(n) => OptionArgument::Int(n.into()),
                None => OptionArgument::Bytes(buffer::with_bytes(value, <[u8]>::to_vec)?),
            }
        };
        with_core(|c| c.setsockopt(&self.obj(), level, optname, &option)).py_err(py)
    }

    fn settimeout(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let t = convert::seconds(value)?;
        let mut obj = self.obj();
        with_core(|c| c.settimeout(&mut obj, t)).py_err(py)?;
        self.timeout.set(obj.timeout);
        Ok(())
    }

    fn setblocking(&self, py: Python<'_>, flag: &Bound<'_, PyAny>) -> PyResult<()> {
        let blocking = convert::c_long(flag)? != 0;
        let mut obj = self.obj();
        with_core(|c| c.setblocking(&mut obj, blocking)).py_err(py)?;
        self.timeout.set(obj.timeout);
        Ok(())
    }

    fn bind(&self, py: Python<'_>, address: &Bound<'_, PyAny>) -> PyResult<()> {
        let a = self::address(self.family.get(), address, "bind")?;
        with_core(|c| c.bind(&self.obj(), &a)).py_err(py)
    }

    fn listen(&self, py: Python<'_>, backlog: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let backlog = backlog.map(convert::format_i).transpose()?;
        with_core(|c| c.listen(&self.obj(), backlog)).py_err(py)
    }

    fn connect(&self, py: Python<'_>, address: &Bound<'_, PyAny>) -> PyResult<()> {
        let a = self::address(self.family.get(), address, "connect")?;
        crate::restarting(py, || with_core(|c| c.connect(&self.obj(), &a)))
    }

    fn connect_ex(&self, py: Python<'_>, address: &Bound<'_, PyAny>) -> PyResult<i32> {
        let a = self::address(self.family.get(), address, "connect_ex")?;
        crate::restarting(py, || match with_core(|c| c.connect_ex(&self.obj(), &a)) {
            Ok(()) => Ok(0),
            Err(Error::Os(e)) => Ok(errno_number(e.code)),
            Err(e) => Err(e),
        })
    }

    fn shutdown(&self, py: Python<'_>, how: &Bound<'_, PyAny>) -> PyResult<()> {
        let how = convert::c_int(how)?;
        with_core(|c| c.shutdown(&self.obj(), how)).py_err(py)
    }

    fn getsockopt(
        &self,
        py: Python<'_>,
        level: &Bound<'_, PyAny>,
        optname: &Bound<'_, PyAny>,
        buflen: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let (level, optname) = (convert::format_i(level)?, convert::format_i(optname)?);
        let buflen = buflen.map(convert::format_i).transpose()?.map(i64::from);
        Ok(match with_core(|c| c.getsockopt(&self.obj(), level, optname, buflen)).py_err(py)? {
            OptionValue::Int(v) => v.into_pyobject(py)?.into_any().unbind(),
            OptionValue::Bytes(b) => bytes_result(py, &b),
            OptionValue::Error(code) => errno_number(code).into_pyobject(py)?.into_any().unbind(),
        })
    }

}

/// `recv_into(buffer[, nbytes[, flags]])` and `recvfrom_into`, which CPython parses with
/// `PyArg_ParseTupleAndKeywords("w*|ni")`: `buffer` required, each by position or by name.
const INTO_PARAMETERS: [&str; 3] = ["buffer", "nbytes", "flags"];

/// The receive buffer, its length to fill and the flags of a `recv_into` or `recvfrom_into` call,
/// converted in CPython's order; errors name `caller`.
fn receive_into_arguments(args: Keywords<'_, '_>, caller: &str) -> PyResult<(Buffer, i64, i32)> {
    let view = writable(&args.required(0), caller)?;
    let nbytes = args.get(1).map(|n| nbytes_for(&view, &n, caller)).transpose()?.unwrap_or(view.len() as i64);
    let flags = args.get(2).map(|f| convert::format_i(&f)).transpose()?.unwrap_or(0);
    args.finish()?;
    Ok((view, nbytes, flags))
}

fn recv_into<'py>(py: Python<'py>, s: &Socket, args: Keywords<'_, 'py>) -> PyResult<Py<PyAny>> {
    let (mut view, nbytes, flags) = receive_into_arguments(args, "recv_into")?;
    let into = view.writable_prefix(nbytes as usize);
    // With MSG_TRUNC the count returned exceeds what the kernel wrote.
    let got = crate::restarting(py, || with_core(|c| c.recv(&s.obj(), &mut *into, nbytes, flags)))?;
    Ok(got.length.into_pyobject(py)?.into_any().unbind())
}

fn recvfrom_into<'py>(py: Python<'py>, s: &Socket, args: Keywords<'_, 'py>) -> PyResult<Py<PyAny>> {
    let (mut view, nbytes, flags) = receive_into_arguments(args, "recvfrom_into")?;
    let into = view.writable_prefix(nbytes as usize);
    let (got, from) = crate::restarting(py, || with_core(|c| c.recvfrom(&s.obj(), &mut *into, nbytes, flags, "recvfrom_into")))?;
    Ok((got.length, optional_address(py, from)?).into_pyobject(py)?.into_any().unbind())
}

/// The methods CPython declares `METH_VARARGS` (positional arguments only, counted by
/// `PyArg_ParseTuple`) or `METH_O` (exactly one), called without PyO3's machinery (positional.rs).
static POSITIONAL: [positional::Method; 19] = [
    positional_method!(c"recv", 1..=2, recv),
    positional_method!(c"recvfrom", 1..=2, recvfrom),
    positional_method!(c"send", 1..=2, send),
    positional_method!(c"sendall", 1..=2, sendall),
    positional_method!(c"listen", 0..=1, |py, s, args| s.listen(py, args.get(0).as_deref()).map(|()| py.None())),
    positional_method!(c"getsockopt", 2..=3, |py, s, args| {
        s.getsockopt(py, &args.required(0), &args.required(1), args.get(2).as_deref())
    }),
    positional_method!(c"sendto", 0..=usize::MAX, |py, s, args| Ok(s.sendto(py, &args)?.into_pyobject(py)?.into_any().unbind())),
    positional_method!(c"setsockopt", 0..=usize::MAX, |py, s, args| s.setsockopt(py, &args).map(|()| py.None())),
    positional_method!(c"sendmsg", 1..=4, |py, s, args| {
        let sent = s.sendmsg(py, &args.required(0), args.get(1).as_deref(), args.get(2).as_deref(), args.get(3).as_deref())?;
        Ok(sent.into_pyobject(py)?.into_any().unbind())
    }),
    positional_method!(c"recvmsg", 1..=3, |py, s, args| {
        Ok(s.recvmsg(py, &args.required(0), args.get(1).as_deref(), args.get(2).as_deref())?.into_pyobject(py)?.into_any().unbind())
    }),
    positional_method!(c"recvmsg_into", 1..=3, |py, s, args| {
        Ok(s.recvmsg_into(py, &args.required(0), args.get(1).as_deref(), args.get(2).as_deref())?.into_pyobject(py)?.into_any().unbind())
    }),
    keyword_method!(c"recv_into", INTO_PARAMETERS, 1, recv_into),
    keyword_method!(c"recvfrom_into", INTO_PARAMETERS, 1, recvfrom_into),
    one_argument_method!(c"bind", |py, s, address| s.bind(py, &address).map(|()| py.None())),
    one_argument_method!(c"connect", |py, s, address| s.connect(py, &address).map(|()| py.None())),
    one_argument_method!(c"connect_ex", |py, s, address| Ok(s.connect_ex(py, &address)?.into_pyobject(py)?.into_any().unbind())),
    one_argument_method!(c"shutdown", |py, s, how| s.shutdown(py, &how).map(|()| py.None())),
    one_argument_method!(c"settimeout", |py, s, value| s.settimeout(py, &value).map(|()| py.None())),
    one_argument_method!(c"setblocking", |py, s, flag| s.setblocking(py, &flag).map(|()| py.None())),
];

/// The optional `flags` argument at `i`, PyArg's `i`; 0 when not passed.
fn flags_at(args: &Args<'_, '_>, i: usize) -> PyResult<i32> {
    args.get(i).map(|f| convert::format_i(&f)).transpose().map(Option::unwrap_or_default)
}

/// `recv(bufsize[, flags])`.
fn recv<'py>(py: Python<'py>, s: &Socket, args: Args<'_, 'py>) -> PyResult<Py<PyAny>> {
    let bufsize = convert::ssize(&args.required(0))?;
    let flags = flags_at(&args, 1)?;
    let mut bytes = NewBytes::new(py, first_landing(bufsize)?)?;
    let got = crate::restarting(py, || with_core(|c| c.recv(&s.obj(), &mut bytes, bufsize, flags)))?;
    bytes.finish(got)
}

/// `recvfrom(bufsize[, flags])`.
fn recvfrom<'py>(py: Python<'py>, s: &Socket, args: Args<'_, 'py>) -> PyResult<Py<PyAny>> {
    let bufsize = convert::ssize(&args.required(0))?;
    let flags = flags_at(&args, 1)?;
    let mut bytes = NewBytes::new(py, first_landing(bufsize)?)?;
    let (got, from) = crate::restarting(py, || with_core(|c| c.recvfrom(&s.obj(), &mut bytes, bufsize, flags, "recvfrom")))?;
    Ok((bytes.finish(got)?, optional_address(py, from)?).into_pyobject(py)?.into_any().unbind())
}

/// `send(data[, flags])`.
fn send<'py>(py: Python<'py>, s: &Socket, args: Args<'_, 'py>) -> PyResult<Py<PyAny>> {
    let flags = flags_at(&args, 1)?;
    let obj = s.obj();
    let sent = buffer::with_bytes(&args.required(0), |bytes| crate::restarting(py, || with_core(|c| c.send(&obj, bytes, flags))))??;
    Ok(sent.into_pyobject(py)?.into_any().unbind())
}

/// `sendall(data[, flags])`.
fn sendall<'py>(py: Python<'py>, s: &Socket, args: Args<'_, 'py>) -> PyResult<Py<PyAny>> {
    let flags = flags_at(&args, 1)?;
    let obj = s.obj();
    let mut sent = 0;
    buffer::with_bytes(&args.required(0), |bytes| crate::restarting(py, || with_core(|c| c.sendall(&obj, bytes, flags, &mut sent))))??;
    Ok(py.None())
}

#[pyfunction]
fn getdefaulttimeout() -> Option<f64> {
    with_core(|c| c.default_timeout)
}

#[pyfunction]
fn setdefaulttimeout(py: Python<'_>, timeout: &Bound<'_, PyAny>) -> PyResult<()> {
    let t = core_socket::parse_timeout(convert::seconds(timeout)?).py_err(py)?;
    with_core(|c| c.default_timeout = t);
    Ok(())
}

#[pyfunction]
#[pyo3(signature = (family = None, r#type = None, proto = None))]
fn socketpair(
    py: Python<'_>,
    family: Option<&Bound<'_, PyAny>>,
    r#type: Option<&Bound<'_, PyAny>>,
    proto: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Py<Socket>, Py<Socket>)> {
    let family = family.map(convert::format_i).transpose()?.unwrap_or(core_socket::linux::AF_UNIX);
    let kind = r#type.map(convert::format_i).transpose()?.unwrap_or(core_socket::linux::SOCK_STREAM);
    let proto = proto.map(convert::format_i).transpose()?.unwrap_or(0);
    let (a, b) = with_core(|c| c.socketpair(family, kind, proto)).py_err(py)?;
    Ok((Socket::new_object(py, a)?, Socket::new_object(py, b)?))
}

#[pyfunction]
fn dup(py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<i32> {
    let fd = convert::c_int(fd)?;
    with_core(|c| c.dup(fd)).py_err(py)
}

#[pyfunction]
fn close(py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<()> {
    let fd = convert::wrapped_fd(fd)?;
    with_core(|c| c.close_fd(fd)).py_err(py)
}

/// getaddrinfo's port: an int, text, bytes or None.
fn service(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if obj.is_none() {
        return Ok(None);
    }
    if obj.is_instance_of::<pyo3::types::PyInt>() {
        return Ok(Some(convert::c_long(obj)?.to_string()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Some(s.to_str()?.to_string()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(ascii(b.as_bytes())?));
    }
    Err(PyOSError::new_err("Int or String expected"))
}

#[pyfunction]
#[pyo3(signature = (host, port, family = Optional::Missing, r#type = Optional::Missing, proto = Optional::Missing, flags = Optional::Missing))]
fn getaddrinfo(
    py: Python<'_>,
    host: &Bound<'_, PyAny>,
    port: &Bound<'_, PyAny>,
    family: Optional<'_>,
    r#type: Optional<'_>,
    proto: Optional<'_>,
    flags: Optional<'_>,
) -> PyResult<Py<PyList>> {
    let host = if host.is_none() {
        None
    } else if host.is_instance_of::<PyString>() || host.is_instance_of::<PyBytes>() || host.is_instance_of::<PyByteArray>() {
        Some(lookup_name(host)?)
    } else {
        return Err(PyTypeError::new_err("getaddrinfo() argument 1 must be string or None"));
    };
    let port = service(port)?;
    let int_or_zero = |o: Optional<'_>| o.convert(convert::format_i).map(|v| v.unwrap_or(0));
    let (family, kind, proto, flags) = (int_or_zero(family)?, int_or_zero(r#type)?, int_or_zero(proto)?, int_or_zero(flags)?);
    let infos = with_core(|c| c.getaddrinfo(host.as_deref(), port.as_deref(), family, kind, proto, flags)).py_err(py)?;
    let list = PyList::empty(py);
    for i in infos {
        list.append((i.family, i.kind, i.proto, i.canonname, python_address(py, i.address)?))?;
    }
    Ok(list.unbind())
}

#[pyfunction]
fn getnameinfo(py: Python<'_>, sockaddr: &Bound<'_, PyAny>, flags: &Bound<'_, PyAny>) -> PyResult<(String, String)> {
    let t = sockaddr.cast::<PyTuple>().map_err(|_| PyTypeError::new_err("getnameinfo() argument 1 must be a tuple"))?;
    let host = host_text(&t.get_item(0).map_err(|_| PyTypeError::new_err("getnameinfo(): illegal sockaddr argument"))?)?;
    // PyArg "si|II": the port an `i`, flowinfo and scope_id taken modulo 2**32.
    let port = || -> PyResult<i64> { convert::format_i(&t.get_item(1)?).map(i64::from) };
    let masked = |i: usize| -> PyResult<i64> {
        if i < t.len() { convert::unsigned_int_mask(&t.get_item(i)?).map(i64::from) } else { Ok(0) }
    };
    let address = match t.len() {
        2 => Address::Inet((host, port()?)),
        3 | 4 => Address::Inet6((host, port()?, masked(2)?, masked(3)?)),
        _ => return Err(PyTypeError::new_err("getnameinfo(): illegal sockaddr argument")),
    };
    let flags = convert::format_i(flags)?;
    with_core(|c| c.getnameinfo(&address, flags)).py_err(py)
}

#[pyfunction]
fn gethostbyname(py: Python<'_>, hostname: &Bound<'_, PyAny>) -> PyResult<String> {
    let name = lookup_name(hostname)?;
    with_core(|c| c.gethostbyname(&name)).py_err(py)
}

#[pyfunction]
fn gethostbyname_ex(py: Python<'_>, hostname: &Bound<'_, PyAny>) -> PyResult<(String, Vec<String>, Vec<String>)> {
    let name = lookup_name(hostname)?;
    with_core(|c| c.gethostbyname_ex(&name)).py_err(py)
}

#[pyfunction]
fn gethostbyaddr(py: Python<'_>, ip_address: &Bound<'_, PyAny>) -> PyResult<(String, Vec<String>, Vec<String>)> {
    let name = lookup_name(ip_address)?;
    with_core(|c| c.gethostbyaddr(&name)).py_err(py)
}

#[pyfunction]
fn gethostname(py: Python<'_>) -> PyResult<String> {
    use pysock_guest::host::Host;
    with_core(|c| c.host.host_name()).map_err(errno::os).py_err(py)
}

#[pyfunction]
fn if_nameindex(py: Python<'_>) -> PyResult<Vec<(u32, String)>> {
    with_core(|c| c.if_nameindex()).py_err(py)
}

/// `if_nametoindex(oname, /)`: the name through `PyUnicode_FSConverter` (str, bytes or
/// os.PathLike), which refuses an embedded NUL.
#[pyfunction]
fn if_nametoindex(py: Python<'_>, oname: &Bound<'_, PyAny>) -> PyResult<u32> {
    let encoded = py.import("os")?.call_method1("fsencode", (oname,))?;
    let name = encoded.cast::<PyBytes>()?.as_bytes();
    if name.contains(&0) {
        return Err(PyValueError::new_err("embedded null byte"));
    }
    with_core(|c| c.if_nametoindex(name)).py_err(py)
}

/// `if_indextoname(if_index, /)`: an int (bool too, not `__index__`) that fits an unsigned int,
/// with CPython 3.13's errors.
#[pyfunction]
fn if_indextoname(py: Python<'_>, if_index: &Bound<'_, PyAny>) -> PyResult<String> {
    let index = if_index.cast::<pyo3::types::PyInt>().map_err(|_| PyTypeError::new_err("an integer is required"))?;
    if index.lt(0)? {
        return Err(PyOverflowError::new_err("can't convert negative value to unsigned int"));
    }
    let index: u64 = index.extract().map_err(|_| PyOverflowError::new_err("Python int too large to convert to C unsigned long"))?;
    let index = u32::try_from(index).map_err(|_| PyOverflowError::new_err("index is too large"))?;
    with_core(|c| c.if_indextoname(index)).py_err(py)
}

#[pyfunction]
fn sethostname(py: Python<'_>, _name: &Bound<'_, PyAny>) -> PyResult<()> {
    // The sandbox cannot rename the host, as an unprivileged process cannot.
    Err(crate::errors::to_py(py, errno::os(Errno::Eperm)))
}

/// The services getservbyname and getservbyport know, by the protocols CPython accepts.
fn service_kind(protocol: Option<&str>) -> Option<i32> {
    match protocol {
        None | Some("tcp") => Some(core_socket::linux::SOCK_STREAM),
        Some("udp") => Some(core_socket::linux::SOCK_DGRAM),
        _ => None,
    }
}

#[pyfunction]
#[pyo3(signature = (servicename, protocolname = None, /))]
fn getservbyname(servicename: &Bound<'_, PyAny>, protocolname: Option<&str>) -> PyResult<u16> {
    let name = servicename.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!("getservbyname() argument 1 must be str, not {}", convert::argument_type_name(servicename)))
    })?;
    let name = name.to_str()?;
    let not_found = || PyOSError::new_err("service/proto not found");
    let kind = service_kind(protocolname).filter(|_| !name.bytes().all(|b| b.is_ascii_digit())).ok_or_else(not_found)?;
    let infos = with_core(|c| c.getaddrinfo(None, Some(name), core_socket::linux::AF_INET, kind, 0, core_socket::linux::AI_PASSIVE));
    match infos.ok().and_then(|i| i.into_iter().next()).map(|i| i.address) {
        Some(Address::Inet((_, port))) => Ok(port as u16),
        _ => Err(not_found()),
    }
}

#[pyfunction]
#[pyo3(signature = (port, protocolname = None, /))]
fn getservbyport(py: Python<'_>, port: &Bound<'_, PyAny>, protocolname: Option<&str>) -> PyResult<String> {
    let port = match convert::index(port)? {
        Int::Small(n) if (0..=0xffff).contains(&n) => n as i64,
        _ => return Err(PyOverflowError::new_err("getservbyport: port must be 0-65535.")),
    };
    let not_found = || PyOSError::new_err("port/proto not found");
    let kind = service_kind(protocolname).ok_or_else(not_found)?;
    let flags = 1 | if kind == core_socket::linux::SOCK_DGRAM { 16 } else { 0 };
    let (_, name) = with_core(|c| c.getnameinfo(&Address::Inet(("127.0.0.1".into(), port)), flags)).py_err(py)?;
    if name.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_found());
    }
    Ok(name)
}

#[pyfunction]
fn getprotobyname(protocolname: &Bound<'_, PyAny>) -> PyResult<i32> {
    let name = protocolname.extract::<String>().ok();
    match name.as_deref() {
        Some("ip") => Ok(0),
        Some("icmp") => Ok(1),
        Some("tcp") => Ok(6),
        Some("udp") => Ok(17),
        Some("ipv6") => Ok(41),
        Some("icmpv6") => Ok(58),
        Some("raw") => Ok(255),
        _ => Err(PyOSError::new_err("protocol not found")),
    }
}

/// Text an inet_* function takes: str, without NUL.
fn text_argument<'a>(obj: &'a Bound<'_, PyAny>, caller: &str) -> PyResult<std::borrow::Cow<'a, str>> {
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!("{caller}() argument 1 must be str, not {}", convert::argument_type_name(obj)))
    })?;
    let text = s.to_cow()?;
    if text.contains('\0') {
        return Err(PyValueError::new_err("embedded null character"));
    }
    Ok(text)
}

fn packed_argument(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("a bytes-like object is required, not 'str'"));
    }
    buffer::with_bytes(obj, <[u8]>::to_vec)
}

#[pyfunction]
fn inet_aton(py: Python<'_>, ip_string: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let packed = core_socket::inet_aton(&text_argument(ip_string, "inet_aton")?).py_err(py)?;
    Ok(bytes_result(py, &packed))
}

#[pyfunction]
fn inet_ntoa(py: Python<'_>, packed_ip: &Bound<'_, PyAny>) -> PyResult<String> {
    core_socket::inet_ntoa(&packed_argument(packed_ip)?).py_err(py)
}

#[pyfunction]
fn inet_pton(py: Python<'_>, address_family: &Bound<'_, PyAny>, ip_string: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let family = convert::format_i(address_family)?;
    let packed = core_socket::inet_pton(family, &text_argument(ip_string, "inet_pton")?).py_err(py)?;
    Ok(bytes_result(py, &packed))
}

#[pyfunction]
fn inet_ntop(py: Python<'_>, address_family: &Bound<'_, PyAny>, packed_ip: &Bound<'_, PyAny>) -> PyResult<String> {
    let family = convert::format_i(address_family)?;
    core_socket::inet_ntop(family, &packed_argument(packed_ip)?).py_err(py)
}

/// `htons`/`ntohs`: CPython reads an `i`, then checks the 16-bit range with the function's name.
fn swap16(x: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    let n = convert::format_i(x)?;
    if n < 0 {
        return Err(PyOverflowError::new_err(format!("{name}: can't convert negative Python int to C 16-bit unsigned integer")));
    }
    let n = u16::try_from(n)
        .map_err(|_| PyOverflowError::new_err(format!("{name}: Python int too large to convert to C 16-bit unsigned integer")))?;
    Ok(n.swap_bytes().into())
}

/// `htonl`/`ntohl`: an int only (no `__index__`), read as an unsigned long, then 32 bits.
fn swap32(x: &Bound<'_, PyAny>) -> PyResult<u64> {
    if !x.is_instance_of::<pyo3::types::PyInt>() {
        return Err(PyTypeError::new_err(format!("expected int, {} found", convert::type_name(x))));
    }
    let n = match convert::index(x)? {
        Int::Small(n) if n < 0 => return Err(PyOverflowError::new_err("can't convert negative value to unsigned int")),
        Int::Huge { negative: true } => return Err(PyOverflowError::new_err("can't convert negative value to unsigned int")),
        Int::Small(n) if n <= u64::MAX.into() => n,
        _ => return Err(PyOverflowError::new_err("Python int too large to convert to C unsigned long")),
    };
    let n = u32::try_from(n).map_err(|_| PyOverflowError::new_err("int larger than 32 bits"))?;
    Ok(n.swap_bytes().into())
}

#[pyfunction]
fn htons(x: &Bound<'_, PyAny>) -> PyResult<u64> {
    swap16(x, "htons")
}

#[pyfunction]
fn ntohs(x: &Bound<'_, PyAny>) -> PyResult<u64> {
    swap16(x, "ntohs")
}

#[pyfunction]
fn htonl(x: &Bound<'_, PyAny>) -> PyResult<u64> {
    swap32(x)
}

#[pyfunction]
fn ntohl(x: &Bound<'_, PyAny>) -> PyResult<u64> {
    swap32(x)
}

/// Fills the `_socket` module.
pub fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Socket>()?;
    crate::finalize::install(&py.get_type::<Socket>())?;
    positional::install(&py.get_type::<Socket>(), &POSITIONAL)?;
    // Finished: immutable from here on, as CPython's `_socket.socket` is.
    crate::buffer::make_immutable(&py.get_type::<Socket>());
    m.add("SocketType", py.get_type::<Socket>())?;
    m.add("error", py.get_type::<PyOSError>())?;
    m.add("timeout", py.get_type::<PyTimeoutError>())?;
    m.add("gaierror", py.get_type::<gaierror>())?;
    m.add("herror", py.get_type::<herror>())?;
    m.add("has_ipv6", true)?;
    for (name, value) in constants::SOCKET {
        m.add(*name, *value)?;
    }
    m.add_function(wrap_pyfunction!(getdefaulttimeout, m)?)?;
    m.add_function(wrap_pyfunction!(setdefaulttimeout, m)?)?;
    m.add_function(wrap_pyfunction!(socketpair, m)?)?;
    m.add_function(wrap_pyfunction!(cmsg_len, m)?)?;
    m.add_function(wrap_pyfunction!(cmsg_space, m)?)?;
    m.add_function(wrap_pyfunction!(dup, m)?)?;
    m.add_function(wrap_pyfunction!(close, m)?)?;
    m.add_function(wrap_pyfunction!(getaddrinfo, m)?)?;
    m.add_function(wrap_pyfunction!(getnameinfo, m)?)?;
    m.add_function(wrap_pyfunction!(gethostbyname, m)?)?;
    m.add_function(wrap_pyfunction!(gethostbyname_ex, m)?)?;
    m.add_function(wrap_pyfunction!(gethostbyaddr, m)?)?;
    m.add_function(wrap_pyfunction!(gethostname, m)?)?;
    m.add_function(wrap_pyfunction!(sethostname, m)?)?;
    m.add_function(wrap_pyfunction!(if_nameindex, m)?)?;
    m.add_function(wrap_pyfunction!(if_nametoindex, m)?)?;
    m.add_function(wrap_pyfunction!(if_indextoname, m)?)?;
    m.add_function(wrap_pyfunction!(getservbyname, m)?)?;
    m.add_function(wrap_pyfunction!(getservbyport, m)?)?;
    m.add_function(wrap_pyfunction!(getprotobyname, m)?)?;
    m.add_function(wrap_pyfunction!(inet_aton, m)?)?;
    m.add_function(wrap_pyfunction!(inet_ntoa, m)?)?;
    m.add_function(wrap_pyfunction!(inet_pton, m)?)?;
    m.add_function(wrap_pyfunction!(inet_ntop, m)?)?;
    m.add_function(wrap_pyfunction!(htons, m)?)?;
    m.add_function(wrap_pyfunction!(ntohs, m)?)?;
    m.add_function(wrap_pyfunction!(htonl, m)?)?;
    m.add_function(wrap_pyfunction!(ntohl, m)?)?;
    Ok(())
}

/// The Python socket object behind `obj` (an `_socket.socket` or a subclass), for `_ssl`.
pub fn sock_obj(obj: &Bound<'_, PyAny>) -> PyResult<SockObj> {
    Ok(obj.cast::<Socket>()?.borrow().obj())
}
