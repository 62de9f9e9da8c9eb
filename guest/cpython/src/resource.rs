//! `resource`, which WASI CPython lacks: `import resource` failed, and with it the code that reads
//! its memory use (`getrusage(RUSAGE_SELF).ru_maxrss`), raises its descriptor limit before opening
//! many sockets, or turns core files off around a crash it expects (`test.support`).
//!
//! The limits are the sandbox's. RLIMIT_NOFILE is the embedder's socket quota, and RLIMIT_AS and
//! RLIMIT_DATA its memory cap (wasm32's 4 GiB without one); a program may lower them, and the host
//! then enforces what it set (`net.set-limits`): a socket past RLIMIT_NOFILE fails with EMFILE,
//! memory past RLIMIT_AS is MemoryError. Only the embedder raises a hard limit, so raising one is
//! the error an unprivileged Linux process gets. The sandbox has no other limit: the rest read as
//! Linux's defaults do (RLIMIT_CORE 0, as no core file is ever written; RLIMIT_NICE and
//! RLIMIT_RTPRIO 0; the others unlimited) and keep what a program sets, enforcing nothing.
//!
//! `getrusage` counts the sandbox's CPU time (`net.cpu-time`, as `time.process_time` does) and its
//! memory (`ru_maxrss`: the guest's linear memory, which never shrinks, in KiB); the sandbox has no
//! children, swaps nothing the guest could see and counts no page faults, so those fields are 0.
//! Arguments are converted and checked as `resource.c` does, in its order.

use crate::bindings::pysock::net::net;
use crate::convert::{self, exact_arguments};
use crate::positional::{Method, function, one_argument_function};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use std::cell::RefCell;

/// Linux's resource numbers (x86-64, as CPython's module lists them), and how many there are.
const CONSTANTS: [(&str, i32); 16] = [
    ("RLIMIT_CPU", 0),
    ("RLIMIT_FSIZE", 1),
    ("RLIMIT_DATA", RLIMIT_DATA),
    ("RLIMIT_STACK", 3),
    ("RLIMIT_CORE", RLIMIT_CORE),
    ("RLIMIT_RSS", 5),
    ("RLIMIT_NPROC", 6),
    ("RLIMIT_NOFILE", RLIMIT_NOFILE),
    ("RLIMIT_OFILE", RLIMIT_NOFILE),
    ("RLIMIT_MEMLOCK", 8),
    ("RLIMIT_AS", RLIMIT_AS),
    ("RLIMIT_SIGPENDING", 11),
    ("RLIMIT_MSGQUEUE", 12),
    ("RLIMIT_NICE", RLIMIT_NICE),
    ("RLIMIT_RTPRIO", RLIMIT_RTPRIO),
    ("RLIMIT_RTTIME", 15),
];
const RLIMIT_DATA: i32 = 2;
const RLIMIT_CORE: i32 = 4;
const RLIMIT_NOFILE: i32 = 7;
const RLIMIT_AS: i32 = 9;
const RLIMIT_NICE: i32 = 13;
const RLIMIT_RTPRIO: i32 = 14;
const RLIM_NLIMITS: usize = 16;
const RLIM_INFINITY: u64 = u64::MAX;

const RUSAGE_SELF: i32 = 0;
const RUSAGE_CHILDREN: i32 = -1;
const RUSAGE_THREAD: i32 = 1;

/// Linux's fs.nr_open, above which no RLIMIT_NOFILE is allowed.
const NR_OPEN: u64 = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Limit {
    soft: u64,
    hard: u64,
}

impl Limit {
    const UNLIMITED: Limit = Limit { soft: RLIM_INFINITY, hard: RLIM_INFINITY };
}

thread_local! {
    /// The program's limits, asked of the host at the first call (never while componentize-py
    /// takes its snapshot, when host functions trap).
    static LIMITS: RefCell<Option<[Limit; RLIM_NLIMITS]>> = const { RefCell::new(None) };
}

/// The limits a run starts with.
fn first_limits() -> [Limit; RLIM_NLIMITS] {
    let host = net::limits();
    let mut limits = [Limit::UNLIMITED; RLIM_NLIMITS];
    limits[RLIMIT_CORE as usize] = Limit { soft: 0, hard: RLIM_INFINITY };
    limits[RLIMIT_NICE as usize] = Limit { soft: 0, hard: 0 };
    limits[RLIMIT_RTPRIO as usize] = Limit { soft: 0, hard: 0 };
    limits[RLIMIT_NOFILE as usize] = Limit { soft: host.sockets.soft, hard: host.sockets.hard };
    let memory = Limit { soft: host.memory.soft, hard: host.memory.hard };
    limits[RLIMIT_AS as usize] = memory;
    limits[RLIMIT_DATA as usize] = memory;
    limits
}

fn with_limits<T>(f: impl FnOnce(&mut [Limit; RLIM_NLIMITS]) -> T) -> PyResult<T> {
    run_began()?;
    Ok(LIMITS.with(|l| f(l.borrow_mut().get_or_insert_with(first_limits))))
}

/// The limits and the usage are the run's: while componentize-py snapshots an app, when a host
/// function would trap, a clear error instead.
fn run_began() -> PyResult<()> {
    if crate::signal_words::run_began() {
        return Ok(());
    }
    Err(pyo3::exceptions::PyRuntimeError::new_err(
        "pysock: resource limits and usage are the run's; ask for them when the app runs, not while componentize-py snapshots it",
    ))
}

/// `resource` as the kernel's prlimit(2) checks it (for a process without CAP_SYS_RESOURCE, as
/// the sandbox's is, whatever its user id): Err(errno name) or the old limit.
fn set_limit(resource: usize, new: Limit) -> PyResult<Result<Limit, &'static str>> {
    with_limits(|limits| {
        let old = limits[resource];
        if new.soft > new.hard {
            return Err("EINVAL");
        }
        if resource == RLIMIT_NOFILE as usize && new.hard > NR_OPEN {
            return Err("EPERM");
        }
        if new.hard > old.hard {
            return Err("EPERM");
        }
        let enforced = [RLIMIT_NOFILE, RLIMIT_AS, RLIMIT_DATA].contains(&(resource as i32));
        if enforced && new.soft != old.soft {
            let mut after = *limits;
            after[resource] = new;
            let memory = after[RLIMIT_AS as usize].soft.min(after[RLIMIT_DATA as usize].soft);
            net::set_limits(after[RLIMIT_NOFILE as usize].soft, memory).map_err(|_| "EINVAL")?;
        }
        limits[resource] = new;
        Ok(old)
    })
}

/// The resource number, or ValueError as `resource.c` raises before anything else.
fn resource_number(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    let resource = convert::c_int(obj)?;
    usize::try_from(resource)
        .ok()
        .filter(|&r| r < RLIM_NLIMITS)
        .ok_or_else(|| PyValueError::new_err("invalid resource specified"))
}

/// `py2rlimit`: any sequence of two ints, each a C long taken as the unsigned rlim_t.
fn limit_argument(limits: &Bound<'_, PyAny>) -> PyResult<Limit> {
    let tuple = limits.py().get_type::<PyTuple>().call1((limits,))?;
    if tuple.len()? != 2 {
        return Err(PyValueError::new_err("expected a tuple of 2 integers"));
    }
    let soft = convert::c_long(&tuple.get_item(0)?)? as u64;
    let hard = convert::c_long(&tuple.get_item(1)?)? as u64;
    Ok(Limit { soft, hard })
}

/// `rlimit2py`: as C longs, so RLIM_INFINITY is -1.
fn limit_value(py: Python<'_>, limit: Limit) -> PyResult<Py<PyAny>> {
    Ok((limit.soft as i64, limit.hard as i64).into_pyobject(py)?.into_any().unbind())
}

static GETRLIMIT: Method = one_argument_function!(c"getrlimit", getrlimit)
    .documented(c"getrlimit($module, resource, /)\n--\n\n");

fn getrlimit(py: Python<'_>, resource: Borrowed<'_, '_, PyAny>) -> PyResult<Py<PyAny>> {
    let resource = resource_number(&resource)?;
    limit_value(py, with_limits(|limits| limits[resource])?)
}

#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(resource, limits, /)")]
fn setrlimit(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let py = args.py();
    let [resource, limits] = <[_; 2]>::try_from(convert::clinic_arguments("resource", "setrlimit", args, kwargs, 2, 2)?)
        .expect("two arguments, checked");
    let resource = resource_number(&resource)?;
    py.import("sys")?.call_method1("audit", ("resource.setrlimit", resource, &limits))?;
    match set_limit(resource, limit_argument(&limits)?)? {
        Ok(_) => Ok(()),
        Err("EINVAL") => Err(PyValueError::new_err("current limit exceeds maximum limit")),
        Err(_) => Err(PyValueError::new_err("not allowed to raise maximum limit")),
    }
}

#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "(pid, resource, limits=None, /)")]
fn prlimit(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
    let py = args.py();
    let given = convert::clinic_arguments("resource", "prlimit", args, kwargs, 2, 3)?;
    let pid = convert::c_int(&given[0])?;
    let resource = resource_number(&given[1])?;
    let limits = given.get(2).filter(|l| !l.is_none());
    let shown = limits.map_or_else(|| py.None().into_bound(py), Clone::clone);
    py.import("sys")?.call_method1("audit", ("resource.prlimit", pid, resource, shown))?;
    let new = limits.map(limit_argument).transpose()?;
    if pid != 0 && i64::from(pid) != py.import("os")?.call_method0("getpid")?.extract::<i64>()? {
        return Err(crate::errors::os_error_named("ESRCH"));
    }
    let old = match new {
        None => Ok(with_limits(|limits| limits[resource])?),
        Some(new) => set_limit(resource, new)?,
    };
    match old {
        Ok(old) => limit_value(py, old),
        Err("EINVAL") => Err(PyValueError::new_err("current limit exceeds maximum limit")),
        Err(name) => Err(crate::errors::os_error_named(name)),
    }
}

static GETRUSAGE: Method = one_argument_function!(c"getrusage", getrusage)
    .documented(c"getrusage($module, who, /)\n--\n\n");

fn getrusage(py: Python<'_>, who: Borrowed<'_, '_, PyAny>) -> PyResult<Py<PyAny>> {
    let who = convert::c_int(&who)?;
    let (user, system, memory) = match who {
        RUSAGE_SELF | RUSAGE_THREAD => {
            run_began()?;
            let used = net::cpu_time();
            // To the microsecond, as getrusage(2) counts.
            let seconds = |ns: u64| (ns / 1_000) as f64 / 1e6;
            (seconds(used.user_ns), seconds(used.system_ns), memory_kib())
        }
        RUSAGE_CHILDREN => (0.0, 0.0, 0),
        _ => return Err(PyValueError::new_err("invalid who parameter")),
    };
    let mut items = vec![user.into_pyobject(py)?.into_any(), system.into_pyobject(py)?.into_any(), memory.into_pyobject(py)?.into_any()];
    for _ in items.len()..RUSAGE_FIELDS.len() {
        items.push(0i64.into_pyobject(py)?.into_any());
    }
    Ok(struct_rusage(py)?.call1((PyTuple::new(py, items)?,))?.unbind())
}

/// The guest's linear memory in KiB: the most it has held, as wasm memory never shrinks.
fn memory_kib() -> i64 {
    #[cfg(target_arch = "wasm32")]
    let pages = core::arch::wasm32::memory_size(0);
    #[cfg(not(target_arch = "wasm32"))]
    let pages = 0;
    (pages as i64) * 64
}

#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "()")]
fn getpagesize(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<i64> {
    exact_arguments("resource.getpagesize", args, kwargs, 0)?;
    // What the interpreter's sysconf(_SC_PAGESIZE) says: wasm's page, the unit its memory grows in.
    Ok(64 * 1024)
}

static STRUCT_RUSAGE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn struct_rusage(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    STRUCT_RUSAGE
        .get_or_try_init(py, || crate::builtin_function::struct_sequence_type(py, c"resource.struct_rusage", RUSAGE_DOC, &RUSAGE_FIELDS))
        .map(|t| t.bind(py))
}

/// `resource.struct_rusage`, as `resource.c` describes it.
const RUSAGE_DOC: &std::ffi::CStr = c"struct_rusage: Result from getrusage.\n\nThis object may be accessed either as a tuple of\n    (utime,stime,maxrss,ixrss,idrss,isrss,minflt,majflt,\n    nswap,inblock,oublock,msgsnd,msgrcv,nsignals,nvcsw,nivcsw)\nor via the attributes ru_utime, ru_stime, ru_maxrss, and so on.";
const RUSAGE_FIELDS: [(&std::ffi::CStr, &std::ffi::CStr); 16] = [
    (c"ru_utime", c"user time used"),
    (c"ru_stime", c"system time used"),
    (c"ru_maxrss", c"max. resident set size"),
    (c"ru_ixrss", c"shared memory size"),
    (c"ru_idrss", c"unshared data size"),
    (c"ru_isrss", c"unshared stack size"),
    (c"ru_minflt", c"page faults not requiring I/O"),
    (c"ru_majflt", c"page faults requiring I/O"),
    (c"ru_nswap", c"number of swap outs"),
    (c"ru_inblock", c"block input operations"),
    (c"ru_oublock", c"block output operations"),
    (c"ru_msgsnd", c"IPC messages sent"),
    (c"ru_msgrcv", c"IPC messages received"),
    (c"ru_nsignals", c"signals received"),
    (c"ru_nvcsw", c"voluntary context switches"),
    (c"ru_nivcsw", c"involuntary context switches"),
];

/// The module. Calls no host function.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let m = PyModule::new(py, "resource")?;
    m.add("error", py.get_type::<PyOSError>())?;
    m.add("struct_rusage", struct_rusage(py)?)?;
    for method in [&GETRLIMIT, &GETRUSAGE] {
        let function = function(&m, method)?;
        m.add(function.getattr("__name__")?.extract::<String>()?, function)?;
    }
    m.add_function(wrap_pyfunction!(setrlimit, &m)?)?;
    m.add_function(wrap_pyfunction!(prlimit, &m)?)?;
    m.add_function(wrap_pyfunction!(getpagesize, &m)?)?;
    for (name, value) in CONSTANTS {
        m.add(name, value)?;
    }
    m.add("RUSAGE_SELF", RUSAGE_SELF)?;
    m.add("RUSAGE_CHILDREN", RUSAGE_CHILDREN)?;
    m.add("RUSAGE_THREAD", RUSAGE_THREAD)?;
    m.add("RLIM_INFINITY", -1)?;
    Ok(m)
}
