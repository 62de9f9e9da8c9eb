//! `termios`, which WASI CPython lacks and `tty` imports (and with it `getpass`'s terminal path and
//! asyncio's own tests). WASI gives a program no terminal to control, so every descriptor in the
//! sandbox answers as a socket, a pipe or a file answers on Linux: `termios.error` with ENOTTY, or
//! with EBADF for a number nothing holds. The standard streams answer so too, even when the host's
//! are a terminal, as they do natively when redirected; `getpass` then reads the password without
//! hiding it, and warns, as it does without a terminal.
//!
//! Arguments are checked as `termios.c` checks them, before the descriptor is, so a wrong argument
//! gets the same TypeError or OverflowError as natively; they are counted as there too (the
//! one-argument functions are `METH_O`, the rest Argument Clinic's, neither taking keywords). The
//! constants are Linux's (x86-64's, as CPython 3.13 lists them), so that `tty` and code that builds
//! attribute lists import and run to the call that says there is no terminal.

use crate::positional::{Method, function, one_argument_function};
use crate::{convert, descriptors};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySequence, PyTuple};

use names::error;

mod names {
    //! Lower case, as `termios.c` names it.
    #![allow(non_camel_case_types)]
    use pyo3::exceptions::PyException;
    pyo3::create_exception!(termios, error, PyException);
}

/// What Linux says of a terminal request to a descriptor that is no terminal.
const NOT_A_TERMINAL: &str = "Inappropriate ioctl for device";

/// termios.error for `fd`: EBADF if nothing holds it, ENOTTY otherwise (nothing in the sandbox
/// is a terminal).
fn no_terminal(fd: i32) -> PyErr {
    error::new_err(no_terminal_reason(fd))
}

/// The errno and words of [`no_terminal`].
fn no_terminal_reason(fd: i32) -> (i32, &'static str) {
    use pysock_guest::errno::{message, Errno};
    if !descriptors::is_open(fd) {
        return (crate::errors::errno_number(Errno::Ebadf), message(Errno::Ebadf));
    }
    (crate::errors::errno_number(pysock_guest::host::Errno::Enotty), NOT_A_TERMINAL)
}

// `os.get_terminal_size(fd=1, /)`, which WASI CPython lacks: code that catches the OSError a
// descriptor with no terminal gives (natively, whenever output is redirected) got AttributeError.
// (The doc comment is Python's `__doc__`, CPython's words.)
/// Return the size of the terminal window as (columns, lines).
///
/// The optional argument fd (default standard output) specifies
/// which file descriptor should be queried.
///
/// If the file descriptor is not connected to a terminal, an OSError
/// is thrown.
///
/// This function will only be defined if an implementation is
/// available for this system.
///
/// shutil.get_terminal_size is the high-level function which should
/// normally be used, os.get_terminal_size is the low-level implementation.
#[pyfunction]
#[pyo3(signature = (*args))]
fn get_terminal_size(args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
    if args.len() > 1 {
        return Err(PyTypeError::new_err(format!("get_terminal_size expected at most 1 argument, got {}", args.len())));
    }
    let fd = match args.get_item(0) {
        Ok(fd) => convert::c_int(&fd)?,
        Err(_) => 1,
    };
    Err(pyo3::exceptions::PyOSError::new_err(no_terminal_reason(fd)))
}

/// `os.ttyname(fd, /)`, which WASI CPython lacks: a descriptor is no terminal (ENOTTY), or EBADF.
static TTYNAME: Method = one_argument_function!(c"ttyname", only_a_number)
    .documented(c"ttyname($module, fd, /)\n--\n\nReturn the name of the terminal device connected to 'fd'.\n\n  fd\n    Integer file descriptor handle.");

/// Puts `get_terminal_size` and `ttyname` in `os` (and `posix`).
pub fn install(py: Python<'_>) -> PyResult<()> {
    let posix = py.import("posix")?;
    let os = py.import("os")?;
    let terminal_size = wrap_pyfunction!(get_terminal_size, py)?;
    terminal_size.setattr("__module__", "posix")?;
    os.setattr("get_terminal_size", &terminal_size)?;
    posix.setattr("get_terminal_size", &terminal_size)?;
    let ttyname = function(&posix, &TTYNAME)?;
    os.setattr("ttyname", &ttyname)?;
    posix.setattr("ttyname", &ttyname)
}

/// `termios.tcgetattr(fd, /)`, `tcdrain(fd, /)` and `tcgetwinsize(fd, /)`, `METH_O` functions.
static TCGETATTR: Method = one_argument_function!(c"tcgetattr", only_a_descriptor)
    .documented(c"tcgetattr($module, fd, /)\n--\n\nGet the tty attributes for file descriptor fd.");
static TCDRAIN: Method = one_argument_function!(c"tcdrain", only_a_descriptor)
    .documented(c"tcdrain($module, fd, /)\n--\n\nWait until all output written to file descriptor fd has been transmitted.");
static TCGETWINSIZE: Method = one_argument_function!(c"tcgetwinsize", only_a_descriptor)
    .documented(c"tcgetwinsize($module, fd, /)\n--\n\nGet the tty winsize for file descriptor fd.");

/// A descriptor's number as a C int (`os.ttyname` takes no object with a `fileno()`), no terminal:
/// OSError, as `os` raises it.
fn only_a_number(_: Python<'_>, fd: Borrowed<'_, '_, PyAny>) -> PyResult<Py<PyAny>> {
    Err(pyo3::exceptions::PyOSError::new_err(no_terminal_reason(convert::c_int(&fd)?)))
}

fn only_a_descriptor(_: Python<'_>, fd: Borrowed<'_, '_, PyAny>) -> PyResult<Py<PyAny>> {
    Err(no_terminal(convert::file_descriptor(&fd)?))
}

/// `termios.tcsetattr(fd, when, attributes, /)`: `attributes` must be the 7-item list tcgetattr
/// gives, checked before the terminal is asked for its current attributes.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(fd, when, attributes, /)")]
fn tcsetattr(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let args = convert::clinic_arguments("termios", "tcsetattr", args, kwargs, 3, 3)?;
    let (when, attributes) = (&args[1], &args[2]);
    let fd = convert::file_descriptor(&args[0])?;
    convert::c_int(when)?;
    if !attributes.cast::<PyList>().is_ok_and(|list| list.len() == 7) {
        return Err(PyTypeError::new_err("tcsetattr, arg 3: must be 7 element list"));
    }
    Err(no_terminal(fd))
}

/// `termios.tcsendbreak(fd, duration, /)`, `tcflush(fd, queue, /)` and `tcflow(fd, action, /)`:
/// a descriptor and an int.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(fd, duration, /)")]
fn tcsendbreak(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    descriptor_and_int("tcsendbreak", args, kwargs)
}

#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(fd, queue, /)")]
fn tcflush(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    descriptor_and_int("tcflush", args, kwargs)
}

#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(fd, action, /)")]
fn tcflow(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    descriptor_and_int("tcflow", args, kwargs)
}

fn descriptor_and_int(name: &str, args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let args = convert::clinic_arguments("termios", name, args, kwargs, 2, 2)?;
    let fd = convert::file_descriptor(&args[0])?;
    convert::c_int(&args[1])?;
    Err(no_terminal(fd))
}

/// `termios.tcsetwinsize(fd, winsize, /)`: `winsize` must be a two-item sequence of ints (C longs),
/// read before the terminal is asked for its current size.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(fd, winsize, /)")]
fn tcsetwinsize(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let args = convert::clinic_arguments("termios", "tcsetwinsize", args, kwargs, 2, 2)?;
    let winsize = &args[1];
    let fd = convert::file_descriptor(&args[0])?;
    let pair = winsize.cast::<PySequence>().ok().filter(|s| s.len().is_ok_and(|n| n == 2));
    let Some(pair) = pair else {
        return Err(PyTypeError::new_err("tcsetwinsize, arg 2: must be a two-item sequence"));
    };
    for i in 0..2 {
        convert::c_long(&pair.get_item(i)?)?;
    }
    Err(no_terminal(fd))
}

const CONSTANTS: [(&str, i64); 234] = [
    ("B0", 0), ("B1000000", 4104), ("B110", 3), ("B115200", 4098), ("B1152000", 4105), ("B1200", 9),
    ("B134", 4), ("B150", 5), ("B1500000", 4106), ("B1800", 10), ("B19200", 14), ("B200", 6),
    ("B2000000", 4107), ("B230400", 4099), ("B2400", 11), ("B2500000", 4108), ("B300", 7),
    ("B3000000", 4109), ("B3500000", 4110), ("B38400", 15), ("B4000000", 4111), ("B460800", 4100),
    ("B4800", 12), ("B50", 1), ("B500000", 4101), ("B57600", 4097), ("B576000", 4102), ("B600", 8),
    ("B75", 2), ("B921600", 4103), ("B9600", 13), ("BRKINT", 2), ("BS0", 0), ("BS1", 8192),
    ("BSDLY", 8192), ("CBAUD", 4111), ("CBAUDEX", 4096), ("CDSUSP", 25), ("CEOF", 4), ("CEOL", 0),
    ("CEOT", 4), ("CERASE", 127), ("CFLUSH", 15), ("CIBAUD", 269418496), ("CINTR", 3),
    ("CKILL", 21), ("CLNEXT", 22), ("CLOCAL", 2048), ("CQUIT", 28), ("CR0", 0), ("CR1", 512),
    ("CR2", 1024), ("CR3", 1536), ("CRDLY", 1536), ("CREAD", 128), ("CRPRNT", 18),
    ("CRTSCTS", 2147483648), ("CS5", 0), ("CS6", 16), ("CS7", 32), ("CS8", 48), ("CSIZE", 48),
    ("CSTART", 17), ("CSTOP", 19), ("CSTOPB", 64), ("CSUSP", 26), ("CWERASE", 23), ("ECHO", 8),
    ("ECHOCTL", 512), ("ECHOE", 16), ("ECHOK", 32), ("ECHOKE", 2048), ("ECHONL", 64),
    ("ECHOPRT", 1024), ("EXTA", 14), ("EXTB", 15), ("EXTPROC", 65536), ("FF0", 0), ("FF1", 32768),
    ("FFDLY", 32768), ("FIOASYNC", 21586), ("FIOCLEX", 21585), ("FIONBIO", 21537),
    ("FIONCLEX", 21584), ("FIONREAD", 21531), ("FLUSHO", 4096), ("HUPCL", 1024), ("ICANON", 2),
    ("ICRNL", 256), ("IEXTEN", 32768), ("IGNBRK", 1), ("IGNCR", 128), ("IGNPAR", 4),
    ("IMAXBEL", 8192), ("INLCR", 64), ("INPCK", 16), ("IOCSIZE_MASK", 1073676288),
    ("IOCSIZE_SHIFT", 16), ("ISIG", 1), ("ISTRIP", 32), ("IUCLC", 512), ("IUTF8", 16384),
    ("IXANY", 2048), ("IXOFF", 4096), ("IXON", 1024), ("NCC", 8), ("NCCS", 32), ("NL0", 0),
    ("NL1", 256), ("NLDLY", 256), ("NOFLSH", 128), ("N_MOUSE", 2), ("N_PPP", 3), ("N_SLIP", 1),
    ("N_STRIP", 4), ("N_TTY", 0), ("OCRNL", 8), ("OFDEL", 128), ("OFILL", 64), ("OLCUC", 2),
    ("ONLCR", 4), ("ONLRET", 32), ("ONOCR", 16), ("OPOST", 1), ("PARENB", 256), ("PARMRK", 8),
    ("PARODD", 512), ("PENDIN", 16384), ("TAB0", 0), ("TAB1", 2048), ("TAB2", 4096), ("TAB3", 6144),
    ("TABDLY", 6144), ("TCFLSH", 21515), ("TCGETA", 21509), ("TCGETS", 21505), ("TCIFLUSH", 0),
    ("TCIOFF", 2), ("TCIOFLUSH", 2), ("TCION", 3), ("TCOFLUSH", 1), ("TCOOFF", 0), ("TCOON", 1),
    ("TCSADRAIN", 1), ("TCSAFLUSH", 2), ("TCSANOW", 0), ("TCSBRK", 21513), ("TCSBRKP", 21541),
    ("TCSETA", 21510), ("TCSETAF", 21512), ("TCSETAW", 21511), ("TCSETS", 21506),
    ("TCSETSF", 21508), ("TCSETSW", 21507), ("TCXONC", 21514), ("TIOCCONS", 21533),
    ("TIOCEXCL", 21516), ("TIOCGETD", 21540), ("TIOCGICOUNT", 21597), ("TIOCGLCKTRMIOS", 21590),
    ("TIOCGPGRP", 21519), ("TIOCGSERIAL", 21534), ("TIOCGSOFTCAR", 21529), ("TIOCGWINSZ", 21523),
    ("TIOCINQ", 21531), ("TIOCLINUX", 21532), ("TIOCMBIC", 21527), ("TIOCMBIS", 21526),
    ("TIOCMGET", 21525), ("TIOCMIWAIT", 21596), ("TIOCMSET", 21528), ("TIOCM_CAR", 64),
    ("TIOCM_CD", 64), ("TIOCM_CTS", 32), ("TIOCM_DSR", 256), ("TIOCM_DTR", 2), ("TIOCM_LE", 1),
    ("TIOCM_RI", 128), ("TIOCM_RNG", 128), ("TIOCM_RTS", 4), ("TIOCM_SR", 16), ("TIOCM_ST", 8),
    ("TIOCNOTTY", 21538), ("TIOCNXCL", 21517), ("TIOCOUTQ", 21521), ("TIOCPKT", 21536),
    ("TIOCPKT_DATA", 0), ("TIOCPKT_DOSTOP", 32), ("TIOCPKT_FLUSHREAD", 1),
    ("TIOCPKT_FLUSHWRITE", 2), ("TIOCPKT_NOSTOP", 16), ("TIOCPKT_START", 8), ("TIOCPKT_STOP", 4),
    ("TIOCSCTTY", 21518), ("TIOCSERCONFIG", 21587), ("TIOCSERGETLSR", 21593),
    ("TIOCSERGETMULTI", 21594), ("TIOCSERGSTRUCT", 21592), ("TIOCSERGWILD", 21588),
    ("TIOCSERSETMULTI", 21595), ("TIOCSERSWILD", 21589), ("TIOCSER_TEMT", 1), ("TIOCSETD", 21539),
    ("TIOCSLCKTRMIOS", 21591), ("TIOCSPGRP", 21520), ("TIOCSSERIAL", 21535),
    ("TIOCSSOFTCAR", 21530), ("TIOCSTI", 21522), ("TIOCSWINSZ", 21524), ("TOSTOP", 256),
    ("VDISCARD", 13), ("VEOF", 4), ("VEOL", 11), ("VEOL2", 16), ("VERASE", 2), ("VINTR", 0),
    ("VKILL", 3), ("VLNEXT", 15), ("VMIN", 6), ("VQUIT", 1), ("VREPRINT", 12), ("VSTART", 8),
    ("VSTOP", 9), ("VSUSP", 10), ("VSWTC", 7), ("VSWTCH", 7), ("VT0", 0), ("VT1", 16384),
    ("VTDLY", 16384), ("VTIME", 5), ("VWERASE", 14), ("XCASE", 4), ("XTABS", 6144),
    ("_POSIX_VDISABLE", 0),
];

/// The `termios` module, for `sys.modules`.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let m = PyModule::new(py, "termios")?;
    m.add("error", py.get_type::<error>())?;
    for method in [&TCGETATTR, &TCDRAIN, &TCGETWINSIZE] {
        let function = function(&m, method)?;
        m.add(function.getattr("__name__")?.extract::<String>()?, function)?;
    }
    m.add_function(wrap_pyfunction!(tcsetattr, &m)?)?;
    m.add_function(wrap_pyfunction!(tcsendbreak, &m)?)?;
    m.add_function(wrap_pyfunction!(tcflush, &m)?)?;
    m.add_function(wrap_pyfunction!(tcflow, &m)?)?;
    m.add_function(wrap_pyfunction!(tcsetwinsize, &m)?)?;
    for (name, value) in CONSTANTS {
        m.add(name, value)?;
    }
    Ok(m)
}
