//! `_ssl`: SSLContext, the TLS state of SSL sockets and SSLObjects, MemoryBIO, SSLSession,
//! Certificate and the `ssl` exceptions, as CPython's `_ssl.c` presents them, over the guest
//! logic's [`pysock_guest::ssl`] and the host's rustls engine.
//!
//! A server's `sni_callback` is Python, so it runs here: a handshake call that reaches the
//! ClientHello returns from the core with the name the client asked for; this face calls the
//! callback, tells the core which context to continue with (or the alert it refused with), and
//! repeats the call.

use crate::buffer::{self, Buffer};
use crate::convert::{self, Optional};
use crate::errors::{CoreResult, to_py};
use crate::host::WitTls;
use crate::{constants, with_core};
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pyclass::{PyTraverseError, PyVisit};
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyCFunction, PyDict, PyList, PyString, PyTuple, PyType, PyWeakrefReference};
use pysock_guest::errno::{Error, SslError, SslErrorKind};
use pysock_guest::ssl::{self as core_ssl, SharedBio, TrustSource};
use pysock_guest::{ciphers, x509};
use std::cell::{Cell, RefCell};

type CoreContext = core_ssl::Context<WitTls>;
type CoreSslSocket = core_ssl::SslSocket<WitTls>;
type CoreSession = core_ssl::SslSession<WitTls>;

// OpenSSL's SSL_ERROR_* numbers, which the exceptions carry as errno.
pub const SSL_ERROR_SSL: i32 = 1;
const SSL_ERROR_WANT_READ: i32 = 2;
const SSL_ERROR_WANT_WRITE: i32 = 3;
const SSL_ERROR_SYSCALL: i32 = 5;
const SSL_ERROR_ZERO_RETURN: i32 = 6;
const SSL_ERROR_EOF: i32 = 8;

const PROTOCOL_TLS: i32 = 2;
const PROTOCOL_TLSV1: i32 = 3;
const PROTOCOL_TLSV1_1: i32 = 4;
const PROTOCOL_TLSV1_2: i32 = 5;
const PROTOCOL_TLS_CLIENT: i32 = 16;
const PROTOCOL_TLS_SERVER: i32 = 17;
const HOSTFLAG_NO_PARTIAL_WILDCARDS: i64 = 4;
const VERIFY_X509_TRUSTED_FIRST: i64 = 0x8000;
const ENCODING_PEM: i64 = 1;
const ENCODING_DER: i64 = 2;
const ALERT_DESCRIPTION_HANDSHAKE_FAILURE: i64 = 40;
/// OP_NO_SSLv2 | OP_NO_SSLv3 | OP_NO_TLSv1 | OP_NO_TLSv1_1 | OP_NO_TLSv1_2 | OP_NO_TLSv1_3.
const OP_NO_PROTOCOLS: u64 = 0x0200_0000 | 0x0400_0000 | 0x1000_0000 | 0x0800_0000 | 0x2000_0000;

/// `load_cert_chain(HOST_IDENTITY + NAME)` uses an identity the embedder registered under NAME.
const HOST_IDENTITY: &str = "pysock-identity:";

/// Curve names OpenSSL knows; rustls uses X25519, prime256v1 and secp384r1 and ignores the others.
const CURVES: &[&str] = &[
    "prime256v1", "secp256r1", "secp384r1", "secp521r1", "X25519", "X448", "secp224r1", "secp256k1",
    "prime192v1", "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "P-256", "P-384", "P-521",
];

/// The `ssl` exception classes, made when the module is.
struct Classes {
    error: Py<PyType>,
    zero_return: Py<PyType>,
    want_read: Py<PyType>,
    want_write: Py<PyType>,
    syscall: Py<PyType>,
    eof: Py<PyType>,
    cert_verification: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

/// The class and errno of the `ssl` exception for `e`.
pub fn exception_class<'py>(py: Python<'py>, e: &SslError) -> (Bound<'py, PyType>, i32) {
    // The module's import made them; making them cannot fail after that.
    let c = CLASSES.get_or_try_init(py, || make_classes(py)).expect("the ssl exception classes are made at import");
    let (class, code) = match e.kind {
        SslErrorKind::Ssl => (&c.error, SSL_ERROR_SSL),
        SslErrorKind::ZeroReturn => (&c.zero_return, SSL_ERROR_ZERO_RETURN),
        SslErrorKind::WantRead => (&c.want_read, SSL_ERROR_WANT_READ),
        SslErrorKind::WantWrite => (&c.want_write, SSL_ERROR_WANT_WRITE),
        SslErrorKind::Syscall => (&c.syscall, SSL_ERROR_SYSCALL),
        SslErrorKind::Eof => (&c.eof, SSL_ERROR_EOF),
        SslErrorKind::CertVerification => (&c.cert_verification, SSL_ERROR_SSL),
        SslErrorKind::None => (&c.error, 0),
        SslErrorKind::Queued => (&c.error, core_ssl::reason_number(e)),
    };
    (class.bind(py).clone(), code)
}

/// Builds the exception hierarchy as `_ssl.c` does: SSLError(OSError) whose `str()` is its
/// message, the subclasses, and SSLCertVerificationError(SSLError, ValueError).
fn make_classes(py: Python<'_>) -> PyResult<Classes> {
    let type_ = py.get_type::<PyType>();
    let make = |name: &str, bases: Bound<'_, PyTuple>, doc: &str, extra: &[(&str, Bound<'_, PyAny>)]| -> PyResult<Py<PyType>> {
        let ns = PyDict::new(py);
        ns.set_item("__module__", "ssl")?;
        ns.set_item("__doc__", doc)?;
        for (k, v) in extra {
            ns.set_item(*k, v)?;
        }
        Ok(type_.call1((name, bases, ns))?.cast_into::<PyType>()?.unbind())
    };
    // As _ssl.c's SSLError_str: the message, or the args tuple when there is none.
    let str_fn = PyCFunction::new_closure(py, None, None, |args: &Bound<'_, PyTuple>, _| -> PyResult<Py<PyAny>> {
        let this = args.get_item(0)?;
        let strerror = this.getattr("strerror")?;
        if strerror.is_instance_of::<PyString>() {
            return Ok(strerror.unbind());
        }
        Ok(this.getattr("args")?.str()?.into_any().unbind())
    })?;
    let str_method = buffer::instance_method(str_fn.as_any())?;
    let os_error = py.get_type::<PyOSError>();
    let error = make("SSLError", PyTuple::new(py, [os_error])?, "An error occurred in the SSL implementation.", &[("__str__", str_method)])?;
    // _ssl.c makes SSLError from a spec ("ssl.SSLError", Py_TPFLAGS_IMMUTABLETYPE) and the others
    // with PyErr_NewException, which calls type() as `make` does: they stay mutable.
    buffer::set_c_name(error.bind(py), c"ssl.SSLError");
    buffer::make_immutable(error.bind(py));
    let sub = |name: &str, doc: &str| make(name, PyTuple::new(py, [error.bind(py)])?, doc, &[]);
    let none = py.None().into_bound(py);
    Ok(Classes {
        zero_return: sub("SSLZeroReturnError", "SSL/TLS session closed cleanly.")?,
        want_read: sub("SSLWantReadError", "Non-blocking SSL socket needs to read more data\nbefore the requested operation can be completed.")?,
        want_write: sub("SSLWantWriteError", "Non-blocking SSL socket needs to write more data\nbefore the requested operation can be completed.")?,
        syscall: sub("SSLSyscallError", "System error when attempting SSL operation.")?,
        eof: sub("SSLEOFError", "SSL/TLS connection terminated abruptly.")?,
        cert_verification: make(
            "SSLCertVerificationError",
            PyTuple::new(py, [error.bind(py).clone().into_any(), py.get_type::<PyValueError>().into_any()])?,
            "A certificate could not be verified.",
            &[("verify_code", none.clone()), ("verify_message", none)],
        )?,
        error,
    })
}

/// The contents of the file at `path` (str, bytes or PathLike), read with Python's own I/O so
/// that a missing file raises what CPython raises.
/// The contents of the file a path argument names: str, bytes or os.PathLike, as
/// PyUnicode_FSConverter takes it; never a descriptor number, which `open` would read and close.
/// A path of another type is TypeError "`what` should be a valid filesystem path", or
/// os.fspath's own message without `what`.
fn read_file(py: Python<'_>, path: &Bound<'_, PyAny>, what: Option<&str>) -> PyResult<Vec<u8>> {
    let path = py.import("os")?.call_method1("fspath", (path,)).map_err(|e| match what {
        Some(what) => PyTypeError::new_err(format!("{what} should be a valid filesystem path")),
        None => e,
    })?;
    let file = py.import("io")?.call_method1("open", (path, "rb"))?;
    let data = file.call_method0("read");
    file.call_method0("close")?;
    Ok(data?.cast_into::<PyBytes>()?.as_bytes().to_vec())
}

/// The capath files OpenSSL's lookups open, of the folder's `names`: for each subject name hash (eight
/// lowercase hex digits), `HASH.0`, `HASH.1` and on while there is one, as `openssl rehash` names
/// them; any other file, and any after a missing number, is never read.
fn looked_up_names(names: &[String]) -> Vec<&String> {
    let hashes = names.iter().filter_map(|name| name.strip_suffix(".0")).filter(|hash| {
        hash.len() == 8 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    hashes.flat_map(|hash| (0..).map_while(move |k| names.iter().find(|name| **name == format!("{hash}.{k}")))).collect()
}

/// As [`read_file`], for a file OpenSSL itself opens (cafile, certfile, keyfile): where it cannot,
/// CPython raises the OSError from errno alone (`PyErr_SetFromErrno`), which names no file.
fn read_openssl_file(py: Python<'_>, path: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    read_file(py, path, Some(what)).map_err(|e| {
        let value = e.value(py);
        match (e.is_instance_of::<pyo3::exceptions::PyOSError>(py), value.getattr("errno"), value.getattr("strerror")) {
            // OSError(errno, strerror) is the errno's own subclass (FileNotFoundError, ...).
            (true, Ok(errno), Ok(strerror)) if !errno.is_none() => {
                py.get_type::<pyo3::exceptions::PyOSError>().call1((errno, strerror)).map_or_else(|made| made, PyErr::from_value)
            }
            _ => e,
        }
    })
}

/// `load_cert_chain`'s password as bytes, with CPython's checks (a callable is called once).
fn password(py: Python<'_>, password: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u8>>> {
    let Some(password) = password.filter(|p| !p.is_none()) else { return Ok(None) };
    let (value, from_callback) = if password.is_callable() { (password.call0()?, true) } else { (password.clone(), false) };
    let bytes = if let Ok(s) = value.cast::<PyString>() {
        s.to_str()?.as_bytes().to_vec()
    } else if value.is_instance_of::<PyBytes>() || value.is_instance_of::<pyo3::types::PyByteArray>() {
        value.extract::<Vec<u8>>()?
    } else if from_callback {
        return Err(PyTypeError::new_err("password callback must return a string"));
    } else {
        return Err(PyTypeError::new_err("password should be a string or callable"));
    };
    if bytes.len() > 1024 {
        return Err(PyValueError::new_err("password cannot be longer than 1024 bytes"));
    }
    let _ = py;
    Ok(Some(bytes))
}

/// server_hostname as `_ssl.c` takes it: IDNA-encoded, never empty or with a leading dot.
fn server_hostname(name: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    let Some(name) = name.filter(|n| !n.is_none()) else { return Ok(None) };
    let bytes: Vec<u8> = if let Ok(s) = name.cast::<PyString>() {
        if s.to_str()?.contains('\0') {
            return Err(PyTypeError::new_err("argument must be encoded string without null bytes, not str"));
        }
        name.call_method1("encode", ("idna",))?.extract()?
    } else {
        name.extract()?
    };
    let text = String::from_utf8(bytes).map_err(|_| PyValueError::new_err("server_hostname must be ASCII"))?;
    if text.is_empty() || text.starts_with('.') {
        return Err(PyValueError::new_err("server_hostname cannot be an empty string or start with a leading dot."));
    }
    Ok(Some(text))
}

/// getpeercert()'s dict for a DER certificate, keys as CPython's `_decode_certificate` sets them.
fn decode(py: Python<'_>, der: &[u8]) -> PyResult<Py<PyDict>> {
    let c = x509::decode(der).ok_or_else(|| to_py(py, not_a_certificate()))?;
    let rdns = |names: &[Vec<(String, String)>]| -> PyResult<Bound<'_, PyTuple>> {
        PyTuple::new(py, names.iter().map(|rdn| PyTuple::new(py, rdn.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap()))
    };
    let cert = PyDict::new(py);
    cert.set_item("subject", rdns(&c.subject)?)?;
    cert.set_item("issuer", rdns(&c.issuer)?)?;
    cert.set_item("version", c.version)?;
    cert.set_item("serialNumber", &c.serial_number)?;
    cert.set_item("notBefore", &c.not_before)?;
    cert.set_item("notAfter", &c.not_after)?;
    if !c.subject_alt_name.is_empty() {
        let names = c
            .subject_alt_name
            .iter()
            .map(|n| -> PyResult<Bound<'_, PyTuple>> {
                match n {
                    x509::AltName::Text(k, v) => PyTuple::new(py, [k.as_str(), v.as_str()]),
                    x509::AltName::DirName(rdn_list) => {
                        PyTuple::new(py, [PyString::new(py, "DirName").into_any(), rdns(rdn_list)?.into_any()])
                    }
                }
            })
            .collect::<PyResult<Vec<_>>>()?;
        cert.set_item("subjectAltName", PyTuple::new(py, names)?)?;
    }
    for (key, values) in [("OCSP", &c.ocsp), ("caIssuers", &c.ca_issuers), ("crlDistributionPoints", &c.crl_distribution_points)] {
        if !values.is_empty() {
            cert.set_item(key, PyTuple::new(py, values.iter().map(String::as_str))?)?;
        }
    }
    Ok(cert.unbind())
}

fn not_a_certificate() -> Error {
    core_ssl::library_error(SslErrorKind::Ssl, "X509", "NOT_ENOUGH_DATA", "not enough data")
}

/// A TLSVersion value, with CPython's deprecation warning for the versions it deprecates.
fn tls_version(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<i32> {
    // CPython reads an `l`, refuses more than INT_MAX in its own words, and lets what is below
    // INT_MIN wrap into the int it stores.
    let v = convert::c_long(value)?;
    if v > i64::from(i32::MAX) {
        return Err(pyo3::exceptions::PyOverflowError::new_err("Option is too long"));
    }
    let v = v as i32;
    let deprecated = match v {
        0x300 => Some("SSLv3"),
        0x301 => Some("TLSv1"),
        0x302 => Some("TLSv1_1"),
        _ => None,
    };
    if let Some(name) = deprecated {
        warn_deprecated(py, &format!("ssl.TLSVersion.{name} is deprecated"), 2)?;
    }
    Ok(v)
}

fn warn_deprecated(py: Python<'_>, message: &str, stacklevel: i32) -> PyResult<()> {
    let message = std::ffi::CString::new(message).unwrap_or_default();
    PyErr::warn(py, &py.get_type::<pyo3::exceptions::PyDeprecationWarning>(), &message, stacklevel)
}

/// `_ssl._SSLContext`: the settings live in the core; Python objects (callbacks, the key log's
/// file name) live here.
#[pyclass(module = "_ssl", name = "_SSLContext", immutable_type, subclass, frozen, unsendable)]
pub struct SslContext {
    core: CoreContext,
    host_flags: Cell<i64>,
    verify_flags: Cell<i64>,
    post_handshake_auth: Cell<bool>,
    keylog_filename: RefCell<Option<Py<PyAny>>>,
    sni_callback: RefCell<Option<Py<PyAny>>>,
    msg_callback: RefCell<Option<Py<PyAny>>>,
}

impl SslContext {
    /// Appends the key log lines the host recorded since the last call (keylog_filename).
    fn write_key_log(&self, py: Python<'_>) -> PyResult<()> {
        let Some(path) = self.keylog_filename.borrow().as_ref().map(|p| p.clone_ref(py)) else { return Ok(()) };
        let lines = self.core.take_key_log();
        if lines.is_empty() {
            return Ok(());
        }
        let file = py.import("io")?.call_method1("open", (path, "a"))?;
        let written = lines.iter().try_for_each(|line| file.call_method1("write", (format!("{line}\n"),)).map(|_| ()));
        file.call_method0("close")?;
        written
    }
}

#[pymethods]
impl SslContext {
    #[new]
    #[pyo3(signature = (protocol = None))]
    fn new(py: Python<'_>, protocol: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let protocol = match protocol.filter(|p| !p.is_none()) {
            None => {
                warn_deprecated(py, "ssl.SSLContext() without protocol argument is deprecated.", 2)?;
                PROTOCOL_TLS
            }
            Some(p) => convert::c_int(p)?,
        };
        if ![PROTOCOL_TLS, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, PROTOCOL_TLSV1, PROTOCOL_TLSV1_1, PROTOCOL_TLSV1_2].contains(&protocol) {
            return Err(PyValueError::new_err(format!("invalid or unsupported protocol version {protocol}")));
        }
        let deprecated = match protocol {
            PROTOCOL_TLS => Some("PROTOCOL_TLS"),
            PROTOCOL_TLSV1 => Some("PROTOCOL_TLSv1"),
            PROTOCOL_TLSV1_1 => Some("PROTOCOL_TLSv1_1"),
            PROTOCOL_TLSV1_2 => Some("PROTOCOL_TLSv1_2"),
            _ => None,
        };
        if let Some(name) = deprecated {
            warn_deprecated(py, &format!("ssl.{name} is deprecated"), 2)?;
        }
        Ok(SslContext {
            core: CoreContext::new(protocol),
            host_flags: Cell::new(HOSTFLAG_NO_PARTIAL_WILDCARDS),
            verify_flags: Cell::new(VERIFY_X509_TRUSTED_FIRST),
            post_handshake_auth: Cell::new(false),
            keylog_filename: RefCell::new(None),
            sni_callback: RefCell::new(None),
            msg_callback: RefCell::new(None),
        })
    }

    #[getter]
    fn protocol(&self) -> i32 {
        self.core.protocol()
    }

    #[getter]
    fn security_level(&self) -> i32 {
        2
    }

    /// The garbage collector's view of the Python objects the context holds, as `_ssl.c`'s
    /// context_traverse: a callback that refers back to its context is a cycle the collector can
    /// find and break. A cell being replaced right now is skipped rather than borrowed.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        for held in [&self.sni_callback, &self.msg_callback, &self.keylog_filename] {
            if let Ok(held) = held.try_borrow() {
                visit.call(held.as_ref())?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        for held in [&self.sni_callback, &self.msg_callback, &self.keylog_filename] {
            // Taken out before it drops: dropping it may run Python code that reads the cell.
            let taken = held.try_borrow_mut().map(|mut h| h.take());
            drop(taken);
        }
    }

    #[getter]
    fn sni_callback(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.sni_callback.borrow().as_ref().map(|c| c.clone_ref(py))
    }

    #[setter]
    fn set_sni_callback(&self, py: Python<'_>, callback: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let callback = callback.filter(|c| !c.is_none());
        if let Some(c) = callback {
            if !c.is_callable() {
                // A client context's ValueError comes first, as in CPython.
                self.core.set_sni_callback(self.sni_callback.borrow().is_some()).py_err(py)?;
                return Err(PyTypeError::new_err("not a callable object"));
            }
        }
        self.core.set_sni_callback(callback.is_some()).py_err(py)?;
        *self.sni_callback.borrow_mut() = callback.map(|c| c.clone().unbind());
        Ok(())
    }

    #[getter]
    fn keylog_filename(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.keylog_filename.borrow().as_ref().map(|p| p.clone_ref(py))
    }

    #[setter]
    fn set_keylog_filename(&self, py: Python<'_>, path: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let Some(path) = path.filter(|p| !p.is_none()) else {
            self.core.set_key_log(false);
            *self.keylog_filename.borrow_mut() = None;
            return Ok(());
        };
        let fspath = py.import("os")?.call_method1("fspath", (path,))?;
        let file = py.import("io")?.call_method1("open", (&fspath, "a"))?;
        // As CPython: a header for a new, empty file.
        let written = if file.call_method0("tell")?.extract::<i64>()? == 0 {
            file.call_method1("write", ("# TLS secrets log file, generated by OpenSSL / Python\n",)).map(|_| ())
        } else {
            Ok(())
        };
        file.call_method0("close")?;
        written?;
        self.core.set_key_log(true);
        *self.keylog_filename.borrow_mut() = Some(path.clone().unbind());
        Ok(())
    }

    #[getter]
    fn _msg_callback(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.msg_callback.borrow().as_ref().map(|c| c.clone_ref(py))
    }

    #[setter(_msg_callback)]
    fn set_msg_callback(&self, callback: Option<&Bound<'_, PyAny>>) {
        *self.msg_callback.borrow_mut() = callback.filter(|c| !c.is_none()).map(|c| c.clone().unbind());
    }

    #[getter]
    fn num_tickets(&self) -> i64 {
        self.core.num_tickets()
    }

    #[setter]
    fn set_num_tickets(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let count = convert::c_long(value)?;
        self.core.set_num_tickets(count).py_err(py)
    }

    #[getter]
    fn verify_mode(&self) -> i32 {
        self.core.verify_mode()
    }

    #[setter]
    fn set_verify_mode(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let mode = convert::format_i(value)?;
        self.core.set_verify_mode(mode).py_err(py)
    }

    #[getter]
    fn check_hostname(&self) -> bool {
        self.core.check_hostname()
    }

    #[setter]
    fn set_check_hostname(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.core.set_check_hostname(value.is_truthy()?);
        Ok(())
    }

    #[getter]
    fn minimum_version(&self) -> i32 {
        self.core.minimum_version()
    }

    #[setter]
    fn set_minimum_version(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = tls_version(py, value)?;
        self.core.set_version(true, v).py_err(py)
    }

    #[getter]
    fn maximum_version(&self) -> i32 {
        self.core.maximum_version()
    }

    #[setter]
    fn set_maximum_version(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = tls_version(py, value)?;
        self.core.set_version(false, v).py_err(py)
    }

    #[getter]
    fn options(&self) -> u64 {
        self.core.options()
    }

    #[setter]
    fn set_options(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if !value.is_instance_of::<pyo3::types::PyInt>() {
            return Err(PyTypeError::new_err(format!("argument must be int, not {}", convert::argument_type_name(value))));
        }
        let options = match convert::index(value)? {
            convert::Int::Small(n) if n < 0 => return Err(pyo3::exceptions::PyOverflowError::new_err("can't convert negative int to unsigned")),
            convert::Int::Small(n) if n <= u64::MAX as i128 => n as u64,
            _ => return Err(pyo3::exceptions::PyOverflowError::new_err("int too big to convert")),
        };
        if options & !self.core.options() & OP_NO_PROTOCOLS != 0 {
            warn_deprecated(py, "ssl.OP_NO_SSL*/ssl.OP_NO_TLS* options are deprecated", 2)?;
        }
        self.core.set_options(options);
        Ok(())
    }

    #[getter]
    fn verify_flags(&self) -> i64 {
        self.verify_flags.get()
    }

    #[setter]
    fn set_verify_flags(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if !value.is_instance_of::<pyo3::types::PyInt>() {
            return Err(PyTypeError::new_err(format!("argument must be int, not {}", convert::argument_type_name(value))));
        }
        // A `k`: an unsigned long taken modulo 2**64, never an OverflowError.
        let flags = match convert::index(value)? {
            convert::Int::Small(n) => n as u64,
            convert::Int::Huge { .. } => value.bitand(u64::MAX)?.extract()?,
        };
        self.verify_flags.set(flags as i64);
        Ok(())
    }

    #[getter]
    fn _host_flags(&self) -> i64 {
        self.host_flags.get()
    }

    #[setter(_host_flags)]
    fn set_host_flags(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.host_flags.set(convert::c_long(value)?);
        Ok(())
    }

    #[getter]
    fn post_handshake_auth(&self) -> bool {
        self.post_handshake_auth.get()
    }

    #[setter]
    fn set_post_handshake_auth(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.post_handshake_auth.set(value.is_truthy()?);
        Ok(())
    }

    #[pyo3(signature = (cafile = None, capath = None, cadata = None))]
    fn load_verify_locations(
        &self,
        py: Python<'_>,
        cafile: Option<&Bound<'_, PyAny>>,
        capath: Option<&Bound<'_, PyAny>>,
        cadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let (cafile, capath, cadata) = (cafile.filter(|c| !c.is_none()), capath.filter(|c| !c.is_none()), cadata.filter(|c| !c.is_none()));
        if cafile.is_none() && capath.is_none() && cadata.is_none() {
            return Err(PyTypeError::new_err("cafile, capath and cadata cannot be all omitted"));
        }
        if let Some(cafile) = cafile {
            self.core.load_verify_pem(&read_openssl_file(py, cafile, "cafile")?, TrustSource::Cafile).py_err(py)?;
        }
        if let Some(capath) = capath {
            // OpenSSL looks certificates up in capath when it needs them, by the issuer's name
            // hash, in files named `HHHHHHHH.N` (as `openssl rehash` names them); reading those now
            // gives the same trust, skipping files that hold none (the core keeps them out of
            // cert_store_stats, as OpenSSL's lookups are). A file of another name is never read.
            let os = py.import("os")?;
            // str, bytes or a path-like object, as PyUnicode_FSConverter takes it.
            let capath = os.call_method1("fsdecode", (capath,))
                .map_err(|_| PyTypeError::new_err("capath should be a valid filesystem path"))?;
            let capath = &capath;
            let text: String = capath.extract()?;
            if text.contains('\0') {
                return Err(PyValueError::new_err("embedded null byte"));
            }
            if text.is_empty() {
                let invalid = core_ssl::library_error(SslErrorKind::Queued, "X509", "INVALID_DIRECTORY", "invalid directory");
                return Err(to_py(py, invalid));
            }
            // Nor does OpenSSL look at the folder now: one it cannot read is no error, only no trust.
            let mut names: Vec<String> = match os.call_method1("listdir", (capath,)) {
                Ok(names) => names.extract()?,
                Err(_) => Vec::new(),
            };
            names.sort();
            for name in looked_up_names(&names) {
                let path = os.getattr("path")?.call_method1("join", (capath, name))?;
                if let Ok(pem) = read_file(py, &path, None) {
                    let _ = self.core.load_verify_pem(&pem, TrustSource::Capath);
                }
            }
        }
        if let Some(cadata) = cadata {
            if let Ok(text) = cadata.cast::<PyString>() {
                let text = text.to_str()?;
                if !text.is_ascii() {
                    return Err(pyo3::exceptions::PyUnicodeEncodeError::new_err("'ascii' codec can't encode characters"));
                }
                self.core.load_verify_pem(text.as_bytes(), TrustSource::Cadata).py_err(py)?;
            } else {
                let der = buffer::with_bytes(cadata, <[u8]>::to_vec).map_err(|_| {
                    PyTypeError::new_err("cadata should be an ASCII string or a bytes-like object")
                })?;
                self.core.load_verify_der(&der).py_err(py)?;
            }
        }
        Ok(())
    }

    #[pyo3(signature = (certfile, keyfile = None, password = None))]
    fn load_cert_chain(
        &self,
        py: Python<'_>,
        certfile: &Bound<'_, PyAny>,
        keyfile: Option<&Bound<'_, PyAny>>,
        password: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let keyfile = keyfile.filter(|k| !k.is_none());
        if let (Ok(name), None) = (certfile.extract::<String>(), keyfile) {
            if let Some(identity) = name.strip_prefix(HOST_IDENTITY) {
                // An identity the embedder holds (pysock python --tls-identity): its key stays in the host.
                return self.core.use_host_identity(identity).py_err(py);
            }
        }
        // A password that is not a callable is checked before the files are read, as CPython does.
        let given = password.filter(|p| !p.is_none() && !p.is_callable()).map(|p| self::password(py, Some(p))).transpose()?;
        let chain = read_openssl_file(py, certfile, "certfile")?;
        let key = match keyfile {
            Some(k) => read_openssl_file(py, k, "keyfile")?,
            None => chain.clone(),
        };
        let encrypted = key.windows(9).any(|w| w == b"ENCRYPTED");
        let password = match given {
            Some(checked) => checked,
            None if encrypted => self::password(py, password)?,
            None => None,
        };
        self.core.load_cert_chain(&chain, &key, password.as_deref()).py_err(py)
    }

    fn set_default_verify_paths(&self, py: Python<'_>) -> PyResult<()> {
        // The sandbox's "system" trust is what the embedder configured (pysock python --ca-file or
        // --system-ca); by default it is empty. As OpenSSL does, SSL_CERT_FILE and SSL_CERT_DIR in
        // the sandbox's environment add their certificates, and missing ones are ignored.
        self.core.load_default_trust().py_err(py)?;
        let environ = py.import("os")?.getattr("environ")?;
        let file = environ.call_method1("get", ("SSL_CERT_FILE",))?;
        if file.is_truthy()? {
            let _ = self.load_verify_locations(py, Some(&file), None, None);
        }
        let dir = environ.call_method1("get", ("SSL_CERT_DIR",))?;
        if dir.is_truthy()? {
            let _ = self.load_verify_locations(py, None, Some(&dir), None);
        }
        Ok(())
    }

    fn load_dh_params(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<()> {
        // rustls offers no finite-field DHE suites, so the parameters are checked, not used.
        let pem = read_file(py, path, None)?;
        if pem.windows(29).any(|w| w == b"-----BEGIN DH PARAMETERS-----") {
            return Ok(());
        }
        Err(to_py(py, core_ssl::library_error(SslErrorKind::Queued, "PEM", "NO_START_LINE", "no start line")))
    }

    fn set_ciphers(&self, py: Python<'_>, cipherlist: &Bound<'_, PyAny>) -> PyResult<()> {
        let cipherlist = cipherlist.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!("set_ciphers() argument must be str, not {}", convert::argument_type_name(cipherlist)))
        })?;
        self.core.set_ciphers(cipherlist.to_str()?).py_err(py)
    }

    fn get_ciphers(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        let list = PyList::empty(py);
        for s in self.core.ciphers() {
            let d = PyDict::new(py);
            d.set_item("id", s.id)?;
            d.set_item("name", s.name)?;
            d.set_item("protocol", s.protocol())?;
            d.set_item("description", s.description())?;
            d.set_item("strength_bits", s.bits)?;
            d.set_item("alg_bits", s.bits)?;
            d.set_item("aead", true)?;
            d.set_item("symmetric", s.symmetric)?;
            d.set_item("digest", py.None())?;
            d.set_item("kea", format!("kx-{}", if s.tls13 { "any" } else { "ecdhe" }))?;
            d.set_item("auth", format!("auth-{}", s.auth.to_lowercase()))?;
            list.append(d)?;
        }
        Ok(list.unbind())
    }

    fn _set_alpn_protocols(&self, py: Python<'_>, protos: &Bound<'_, PyAny>) -> PyResult<()> {
        let wire = buffer::with_bytes(protos, <[u8]>::to_vec)?;
        self.core.set_alpn_protocols(&wire).py_err(py)
    }

    fn set_ecdh_curve(&self, py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<()> {
        let encoded = py.import("os")?.call_method1("fsencode", (name,))?;
        let curve = py.import("os")?.call_method1("fsdecode", (encoded,))?.extract::<String>()?;
        if curve.contains('\0') {
            return Err(PyValueError::new_err("embedded null byte"));
        }
        if !CURVES.contains(&curve.as_str()) {
            return Err(PyValueError::new_err(format!("unknown elliptic curve name {}", name.repr()?)));
        }
        self.core.set_ecdh_curve(&curve);
        Ok(())
    }

    fn cert_store_stats(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let (x509, x509_ca) = self.core.cert_store_stats();
        let d = PyDict::new(py);
        d.set_item("x509", x509)?;
        d.set_item("crl", 0)?;
        d.set_item("x509_ca", x509_ca)?;
        Ok(d.unbind())
    }

    #[pyo3(signature = (binary_form = None))]
    fn get_ca_certs(&self, py: Python<'_>, binary_form: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyList>> {
        // Argument Clinic's `bool`: any object, by its truth.
        let binary_form = binary_form.map(|b| b.is_truthy()).transpose()?.unwrap_or(false);
        let list = PyList::empty(py);
        for der in self.core.ca_certificates() {
            if binary_form {
                list.append(PyBytes::new(py, &der))?;
            } else {
                list.append(decode(py, &der)?)?;
            }
        }
        Ok(list.unbind())
    }

    fn session_stats(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.core.session_stats() {
            d.set_item(k, v)?;
        }
        Ok(d.unbind())
    }

    #[pyo3(signature = (sock, server_side, server_hostname = None, *, owner = None, session = None))]
    fn _wrap_socket(
        slf: &Bound<'_, Self>,
        sock: &Bound<'_, PyAny>,
        server_side: &Bound<'_, PyAny>,
        server_hostname: Option<&Bound<'_, PyAny>>,
        owner: Option<&Bound<'_, PyAny>>,
        session: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<SslSocket>> {
        let py = slf.py();
        crate::socket::sock_obj(sock).map_err(|_| PyTypeError::new_err("The socket must be a socket.socket"))?;
        let name = server_hostname_argument(server_hostname)?;
        let core = CoreSslSocket::wrap(&slf.borrow().core, server_side.is_truthy()?, name).py_err(py)?;
        SslSocket::made(py, core, Some(sock), slf, owner, session)
    }

    #[pyo3(signature = (incoming, outgoing, server_side, server_hostname = None, *, owner = None, session = None))]
    fn _wrap_bio(
        slf: &Bound<'_, Self>,
        incoming: &Bound<'_, MemoryBio>,
        outgoing: &Bound<'_, MemoryBio>,
        server_side: &Bound<'_, PyAny>,
        server_hostname: Option<&Bound<'_, PyAny>>,
        owner: Option<&Bound<'_, PyAny>>,
        session: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<SslSocket>> {
        let py = slf.py();
        let name = server_hostname_argument(server_hostname)?;
        let (i, o) = (incoming.borrow().bio.clone(), outgoing.borrow().bio.clone());
        let core = CoreSslSocket::wrap_bio(&slf.borrow().core, i, o, server_side.is_truthy()?, name).py_err(py)?;
        SslSocket::made(py, core, None, slf, owner, session)
    }
}

fn server_hostname_argument(name: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    server_hostname(name)
}

/// `_ssl._SSLSocket`: the TLS state of one SSL socket, or of an SSLObject over two MemoryBIOs.
/// Only `_SSLContext` makes them.
#[pyclass(module = "_ssl", name = "_SSLSocket", immutable_type, frozen, unsendable, weakref)]
pub struct SslSocket {
    core: CoreSslSocket,
    /// The socket it runs over (weakly, as `_ssl.c` holds it); None for an SSLObject.
    sock: Option<Py<PyWeakrefReference>>,
    owner: RefCell<Option<Py<PyWeakrefReference>>>,
    context: RefCell<Py<SslContext>>,
}

impl SslSocket {
    fn made(
        py: Python<'_>,
        core: CoreSslSocket,
        sock: Option<&Bound<'_, PyAny>>,
        context: &Bound<'_, SslContext>,
        owner: Option<&Bound<'_, PyAny>>,
        session: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<SslSocket>> {
        let sock = sock.map(|s| PyWeakrefReference::new(s).map(Bound::unbind)).transpose()?;
        let owner = owner.filter(|o| !o.is_none()).map(|o| PyWeakrefReference::new(o).map(Bound::unbind)).transpose()?;
        let obj = Bound::new(py, SslSocket { core, sock, owner: RefCell::new(owner), context: RefCell::new(context.clone().unbind()) })?;
        if let Some(session) = session.filter(|s| !s.is_none()) {
            obj.setattr("session", session)?;
        }
        Ok(obj.unbind())
    }

    /// The socket object an SSL socket's call runs over (None for an SSLObject).
    fn socket_obj(&self, py: Python<'_>) -> PyResult<Option<pysock_guest::socket::SockObj>> {
        let Some(weak) = &self.sock else { return Ok(None) };
        let sock = weak.bind(py).upgrade().ok_or_else(|| PyValueError::new_err("Underlying socket connection gone"))?;
        Ok(Some(crate::socket::sock_obj(&sock)?))
    }

    fn context<'py>(&self, py: Python<'py>) -> Bound<'py, SslContext> {
        self.context.borrow().bind(py).clone()
    }

    /// One SSL call. A server's handshake may pause after the ClientHello: then sni_callback runs
    /// here and the call is repeated. So does a wait that a SIGINT ended for the program's own
    /// handler, which runs here as it runs inside `_ssl.c`'s loops (PEP 475); the engine keeps
    /// what the call did so far, and a write what it took (`in_flight`). The key log is written
    /// after every call, as OpenSSL writes it while the call runs.
    fn io<T>(
        slf: &Bound<'_, Self>,
        call: impl Fn(&pysock_guest::socket::Core<crate::host::WitHost>, &CoreSslSocket, Option<&pysock_guest::socket::SockObj>) -> Result<T, Error>,
    ) -> PyResult<T> {
        let py = slf.py();
        let this = slf.borrow();
        let obj = this.socket_obj(py)?;
        let mut handing_back = crate::host::HandingBack::default();
        let result = loop {
            match handing_back.run(|| with_core(|c| call(c, &this.core, obj.as_ref()))) {
                Err(Error::SniCallback(name)) => Self::run_sni_callback(slf, name)?,
                Err(Error::HandBack) => py.check_signals()?,
                other => break other,
            }
        };
        this.context(py).borrow().write_key_log(py)?;
        result.py_err(py)
    }

    /// As `_ssl.c`'s _servername_callback: None continues with `context` (which the callback may
    /// have switched), an int is the alert to refuse with, and a failure is unraisable and refuses
    /// with handshake_failure.
    fn run_sni_callback(slf: &Bound<'_, Self>, name: Option<String>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.borrow();
        let context = this.context(py);
        let callback = context.borrow().sni_callback.borrow().as_ref().map(|c| c.clone_ref(py));
        let mut alert = None;
        if let Some(callback) = callback {
            let owner = this.owner.borrow().as_ref().and_then(|o| o.bind(py).upgrade());
            let target = owner.unwrap_or_else(|| slf.clone().into_any());
            match callback.bind(py).call1((target, name, &context)) {
                Ok(result) if result.is_none() => {}
                Ok(result) => match convert::index(&result) {
                    Ok(convert::Int::Small(n)) => alert = Some(i64::try_from(n).unwrap_or(ALERT_DESCRIPTION_HANDSHAKE_FAILURE)),
                    Ok(convert::Int::Huge { .. }) => alert = Some(ALERT_DESCRIPTION_HANDSHAKE_FAILURE),
                    Err(e) => {
                        e.write_unraisable(py, Some(&result));
                        alert = Some(ALERT_DESCRIPTION_HANDSHAKE_FAILURE);
                    }
                },
                Err(e) => {
                    e.write_unraisable(py, Some(callback.bind(py)));
                    alert = Some(ALERT_DESCRIPTION_HANDSHAKE_FAILURE);
                }
            }
        }
        // The callback may have switched the context.
        let context = this.context(py);
        match alert {
            None => this.core.choose_context(&context.borrow().core),
            Some(alert) => this.core.refuse_handshake(alert),
        }
        Ok(())
    }
}

#[pymethods]
impl SslSocket {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(PyTypeError::new_err("cannot create '_ssl._SSLSocket' instances"))
    }

    fn do_handshake(slf: &Bound<'_, Self>) -> PyResult<()> {
        Self::io(slf, |c, ssl, obj| c.ssl_handshake(obj, ssl))
    }

    #[pyo3(signature = (len = Optional::Missing, buffer = None, /))]
    fn read(slf: &Bound<'_, Self>, len: Optional<'_>, buffer: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let len = len.convert(convert::ssize)?.unwrap_or(1024);
        let Some(buffer) = buffer.filter(|b| !b.is_none()) else {
            crate::buffer::check_bytes_size(len)?;
            let data = Self::io(slf, |c, ssl, obj| c.ssl_read(obj, ssl, len))?;
            return Ok(PyBytes::new(py, &data).into_any().unbind());
        };
        let mut view = Buffer::writable(buffer)?;
        let size = if 0 < len && len <= view.len() as i64 { len } else { view.len() as i64 };
        let data = Self::io(slf, |c, ssl, obj| c.ssl_read(obj, ssl, size))?;
        view.fill(&data);
        Ok(data.len().into_pyobject(py)?.into_any().unbind())
    }

    fn write(slf: &Bound<'_, Self>, data: &Bound<'_, PyAny>) -> PyResult<u64> {
        let view = Buffer::readable(data)?;
        Self::io(slf, |c, ssl, obj| c.ssl_write(obj, ssl, view.as_slice()))
    }

    fn pending(&self) -> u32 {
        self.core.pending()
    }

    fn shutdown(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        Self::io(slf, |c, ssl, obj| c.ssl_shutdown(obj, ssl))?;
        Ok(match &slf.borrow().sock {
            Some(weak) => weak.bind(py).upgrade().map(Bound::unbind).unwrap_or_else(|| py.None()),
            None => py.None(),
        })
    }

    #[pyo3(signature = (binary_form = false))]
    fn getpeercert(&self, py: Python<'_>, binary_form: bool) -> PyResult<Py<PyAny>> {
        if self.core.version().is_none() {
            return Err(PyValueError::new_err("handshake not done yet"));
        }
        let chain = self.core.peer_certificates();
        let Some(leaf) = chain.first() else { return Ok(py.None()) };
        if binary_form {
            return Ok(PyBytes::new(py, leaf).into_any().unbind());
        }
        // As CPython: a certificate that was not verified is reported as an empty dict.
        if self.core.verified() { Ok(decode(py, leaf)?.into_any()) } else { Ok(PyDict::new(py).into_any().unbind()) }
    }

    fn get_verified_chain(&self, py: Python<'_>) -> PyResult<Option<Vec<Py<Certificate>>>> {
        if !self.core.verified() {
            return Ok(None);
        }
        let chain = self.context(py).borrow().core.verified_chain(self.core.peer_certificates());
        chain.into_iter().map(|der| Py::new(py, Certificate { der })).collect::<PyResult<Vec<_>>>().map(Some)
    }

    fn get_unverified_chain(&self, py: Python<'_>) -> PyResult<Option<Vec<Py<Certificate>>>> {
        let chain = self.core.peer_certificates();
        if chain.is_empty() {
            return Ok(None);
        }
        chain.into_iter().map(|der| Py::new(py, Certificate { der })).collect::<PyResult<Vec<_>>>().map(Some)
    }

    fn cipher(&self) -> Option<(String, String, u32)> {
        self.core.cipher()
    }

    fn shared_ciphers(&self) -> Option<Vec<(String, String, u32)>> {
        self.core.shared_ciphers()
    }

    fn version(&self) -> Option<&'static str> {
        self.core.version()
    }

    fn selected_alpn_protocol(&self) -> Option<String> {
        self.core.selected_alpn_protocol()
    }

    fn compression(&self) -> Option<String> {
        None
    }

    #[pyo3(signature = (cb_type = None))]
    fn get_channel_binding(&self, cb_type: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Py<PyAny>>> {
        let cb_type = match cb_type {
            None => "tls-unique".to_string(),
            Some(t) => t.cast::<PyString>().map(|s| s.to_string()).map_err(|_| {
                PyTypeError::new_err(format!(
                    "get_channel_binding() argument 'cb_type' must be str, not {}",
                    convert::argument_type_name(t)
                ))
            })?,
        };
        if cb_type != "tls-unique" {
            return Err(PyValueError::new_err(format!("'{cb_type}' channel binding type not implemented")));
        }
        Ok(None)
    }

    fn verify_client_post_handshake(&self, py: Python<'_>) -> PyResult<()> {
        self.core.verify_client_post_handshake().map_err(|e| to_py(py, e))
    }

    #[getter]
    fn server_side(&self) -> bool {
        self.core.server_side()
    }

    #[getter]
    fn server_hostname(&self) -> Option<String> {
        self.core.server_hostname()
    }

    #[getter]
    fn session_reused(&self) -> bool {
        self.core.session_reused()
    }

    #[getter]
    fn session(&self, py: Python<'_>) -> PyResult<Option<Py<SslSession>>> {
        self.core.session().map(|s| Py::new(py, SslSession { core: s })).transpose()
    }

    #[setter]
    fn set_session(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let session = value.cast::<SslSession>().map_err(|_| PyTypeError::new_err("Value is not a SSLSession."))?;
        self.core.set_session(&session.borrow().core).py_err(py)
    }

    #[getter]
    fn owner(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.owner.borrow().as_ref().and_then(|o| o.bind(py).upgrade()).map(Bound::unbind)
    }

    #[setter]
    fn set_owner(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        *self.owner.borrow_mut() = if value.is_none() { None } else { Some(PyWeakrefReference::new(value)?.unbind()) };
        Ok(())
    }

    #[getter]
    fn get_context(&self, py: Python<'_>) -> Py<SslContext> {
        self.context.borrow().clone_ref(py)
    }

    #[setter]
    fn set_context(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let ctx = value.cast::<SslContext>().map_err(|_| PyTypeError::new_err("The value must be a SSLContext"))?;
        *self.context.borrow_mut() = ctx.clone().unbind();
        Ok(())
    }
}

/// `_ssl.MemoryBIO`: bytes in one direction between an SSLObject and whatever carries them.
#[pyclass(module = "_ssl", name = "MemoryBIO", immutable_type, frozen, unsendable, weakref)]
pub struct MemoryBio {
    bio: SharedBio,
}

#[pymethods]
impl MemoryBio {
    #[new]
    fn new() -> Self {
        MemoryBio { bio: SharedBio::default() }
    }

    #[getter]
    fn pending(&self) -> u64 {
        self.bio.borrow().pending()
    }

    #[getter]
    fn eof(&self) -> bool {
        self.bio.borrow().eof()
    }

    #[pyo3(signature = (size = Optional::Missing, /))]
    fn read<'py>(&self, py: Python<'py>, size: Optional<'_>) -> PyResult<Bound<'py, PyBytes>> {
        let size = size.convert(convert::c_int)?.unwrap_or(-1);
        Ok(PyBytes::new(py, &self.bio.borrow_mut().read(size.into())))
    }

    fn write(&self, py: Python<'_>, b: &Bound<'_, PyAny>) -> PyResult<u64> {
        let view = Buffer::readable(b)?;
        self.bio.borrow_mut().write(view.as_slice()).py_err(py)
    }

    fn write_eof(&self) {
        self.bio.borrow_mut().write_eof()
    }
}

/// `_ssl.SSLSession`: a client's session, to offer again through `session=`. Each read of
/// `SSLSocket.session` makes a new object; equal objects name the same session.
#[pyclass(module = "_ssl", name = "SSLSession", immutable_type, frozen, unsendable, weakref)]
pub struct SslSession {
    core: CoreSession,
}

#[pymethods]
impl SslSession {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(PyTypeError::new_err("cannot create '_ssl.SSLSession' instances"))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        Ok(match other.cast::<SslSession>() {
            Ok(o) => (self.core.id() == o.borrow().core.id()).into_pyobject(py)?.to_owned().into_any().unbind(),
            Err(_) => py.NotImplemented(),
        })
    }

    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.core.id())
    }

    #[getter]
    fn time(&self) -> u64 {
        self.core.time()
    }

    #[getter]
    fn timeout(&self) -> u32 {
        self.core.timeout()
    }

    #[getter]
    fn ticket_lifetime_hint(&self) -> u32 {
        self.core.ticket_lifetime_hint()
    }

    #[getter]
    fn has_ticket(&self) -> bool {
        self.core.has_ticket()
    }
}

/// `_ssl.Certificate`: one certificate of a peer's chain (`get_verified_chain()`).
#[pyclass(module = "_ssl", name = "Certificate", immutable_type, frozen, unsendable, weakref)]
pub struct Certificate {
    der: Vec<u8>,
}

#[pymethods]
impl Certificate {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(PyTypeError::new_err("cannot create '_ssl.Certificate' instances"))
    }

    #[pyo3(signature = (format = ENCODING_PEM))]
    fn public_bytes(&self, py: Python<'_>, format: i64) -> PyResult<Py<PyAny>> {
        match format {
            ENCODING_DER => Ok(PyBytes::new(py, &self.der).into_any().unbind()),
            ENCODING_PEM => Ok(py.import("ssl")?.call_method1("DER_cert_to_PEM_cert", (PyBytes::new(py, &self.der),))?.unbind()),
            _ => Err(PyValueError::new_err("Unsupported format")),
        }
    }

    fn get_info(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        decode(py, &self.der)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = x509::decode(&self.der).ok_or_else(|| to_py(py, not_a_certificate()))?;
        Ok(format!("<_ssl.Certificate '{}'>", x509::rfc2253(&c.subject)))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        Ok(match other.cast::<Certificate>() {
            Ok(o) => (self.der == o.borrow().der).into_pyobject(py)?.to_owned().into_any().unbind(),
            Err(_) => py.NotImplemented(),
        })
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.der.hash(&mut h);
        h.finish()
    }
}

#[pyfunction]
fn _test_decode_cert(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Py<PyDict>> {
    // As OpenSSL's PEM reader: the first certificate in the file, whatever precedes it.
    let pem = read_file(py, path, None).map_err(|e| {
        if e.is_instance_of::<pyo3::exceptions::PyOSError>(py) {
            to_py(py, core_ssl::ssl_error(SslErrorKind::Ssl, "", "Can't open file"))
        } else {
            e
        }
    })?;
    let text = String::from_utf8_lossy(&pem).into_owned();
    let (header, footer) = ("-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----");
    let no_start = || to_py(py, core_ssl::ssl_error(SslErrorKind::Ssl, "", "Error decoding PEM-encoded file"));
    let start = text.find(header).ok_or_else(no_start)?;
    let end = text[start..].find(footer).map(|e| start + e + footer.len()).ok_or_else(no_start)?;
    let der = py.import("ssl")?.call_method1("PEM_cert_to_DER_cert", (&text[start..end],))?;
    decode(py, der.cast::<PyBytes>()?.as_bytes())
}

#[pyfunction]
fn get_default_verify_paths() -> (&'static str, &'static str, &'static str, &'static str) {
    ("SSL_CERT_FILE", "/etc/ssl/cert.pem", "SSL_CERT_DIR", "/etc/ssl/certs")
}

/// The objects txt2obj and nid2obj know: (nid, short name, long name, OID).
const OBJECTS: &[(i32, &str, &str, &str)] = &[
    (129, "serverAuth", "TLS Web Server Authentication", "1.3.6.1.5.5.7.3.1"),
    (130, "clientAuth", "TLS Web Client Authentication", "1.3.6.1.5.5.7.3.2"),
];

#[pyfunction]
#[pyo3(signature = (txt, name = false))]
fn txt2obj(txt: &str, name: bool) -> PyResult<(i32, &'static str, &'static str, &'static str)> {
    OBJECTS
        .iter()
        .find(|o| o.3 == txt || (name && (o.1 == txt || o.2 == txt)))
        .copied()
        .ok_or_else(|| PyValueError::new_err(format!("unknown object '{txt}'")))
}

#[pyfunction]
fn nid2obj(nid: i32) -> PyResult<(i32, &'static str, &'static str, &'static str)> {
    OBJECTS.iter().find(|o| o.0 == nid).copied().ok_or_else(|| PyValueError::new_err(format!("unknown NID {nid}")))
}

#[pyfunction]
#[pyo3(name = "RAND_status")]
fn rand_status() -> bool {
    true
}

#[pyfunction]
#[pyo3(name = "RAND_add", signature = (string, entropy, /))]
fn rand_add(string: &Bound<'_, PyAny>, entropy: f64) -> PyResult<()> {
    // Checked as CPython's `s*` and `d` check them; rustls' generator needs no seed.
    if !string.is_instance_of::<PyString>() {
        buffer::with_bytes(string, |_| ())?;
    }
    let _ = entropy;
    Ok(())
}

#[pyfunction]
#[pyo3(name = "RAND_bytes", signature = (n, /))]
fn rand_bytes<'py>(py: Python<'py>, n: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let n = convert::c_int(n)?;
    if n < 0 {
        return Err(PyValueError::new_err("num must be positive"));
    }
    py.import("os")?.call_method1("urandom", (n,))
}

/// Fills the `_ssl` module.
pub fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let c = CLASSES.get_or_try_init(py, || make_classes(py))?;
    for (name, class) in [
        ("SSLError", &c.error),
        ("SSLZeroReturnError", &c.zero_return),
        ("SSLWantReadError", &c.want_read),
        ("SSLWantWriteError", &c.want_write),
        ("SSLSyscallError", &c.syscall),
        ("SSLEOFError", &c.eof),
        ("SSLCertVerificationError", &c.cert_verification),
    ] {
        m.add(name, class.bind(py))?;
    }
    for (name, value) in constants::SSL {
        m.add(*name, *value)?;
    }
    // The OpenSSL whose behaviour this module reproduces, 3.0, named so that libraries that gate on
    // "OpenSSL " (urllib3's NotOpenSSLWarning and hostname checks) take their OpenSSL 3 paths, and
    // saying what it really is (README.md, "Where pysock differs from CPython on Linux").
    m.add("OPENSSL_VERSION", "OpenSSL 3.0.0 compatible (pysock on rustls 0.23)")?;
    m.add("OPENSSL_VERSION_NUMBER", 0x3000_0000)?;
    m.add("OPENSSL_VERSION_INFO", (3, 0, 0, 0, 0))?;
    m.add("_OPENSSL_API_VERSION", (3, 0, 0, 0, 0))?;
    m.add("_DEFAULT_CIPHERS", ciphers::DEFAULT)?;
    for (name, value) in [
        ("HAS_SNI", true), ("HAS_ECDH", true), ("HAS_ALPN", true), ("HAS_TLSv1_2", true), ("HAS_TLSv1_3", true),
        ("HAS_NPN", false), ("HAS_SSLv2", false), ("HAS_SSLv3", false), ("HAS_TLSv1", false), ("HAS_TLSv1_1", false),
        ("HAS_PSK", false), ("HAS_PHA", false), ("HAS_TLS_UNIQUE", false),
    ] {
        m.add(name, value)?;
    }
    m.add_class::<SslContext>()?;
    m.add_class::<SslSocket>()?;
    m.add_class::<MemoryBio>()?;
    m.add_class::<SslSession>()?;
    m.add_class::<Certificate>()?;
    m.add_function(wrap_pyfunction!(_test_decode_cert, m)?)?;
    m.add_function(wrap_pyfunction!(get_default_verify_paths, m)?)?;
    m.add_function(wrap_pyfunction!(txt2obj, m)?)?;
    m.add_function(wrap_pyfunction!(nid2obj, m)?)?;
    m.add_function(wrap_pyfunction!(rand_status, m)?)?;
    m.add_function(wrap_pyfunction!(rand_add, m)?)?;
    m.add_function(wrap_pyfunction!(rand_bytes, m)?)?;
    Ok(())
}
