"""The sandbox as a process alone: `os.getppid`, the process group and session functions, the wait
family and its status macros, `os.killpg`, the CPU affinity, the niceness (`os.nice`,
`os.getpriority`, `os.setpriority`) and `os.getrandom`, which WASI CPython lacks.

The sandbox is one process with no other in sight, as the first process of a PID namespace of its
own: its parent is outside (getppid(2) gives 0 for that, as it does there), it leads its own process
group and session (so `setsid` is EPERM, as for any group leader, and `setpgid` may only keep what
it is), and it has no children, so every wait is ChildProcessError ECHILD, as it is natively for a
program that started none, once its arguments pass Linux's checks. It runs on one thread of the
host, so its affinity is CPU 0, as `os.cpu_count()` says one. The status macros (`WIFEXITED` and
the rest) and `waitstatus_to_exitcode` read a status as Linux encodes it. Its niceness starts at 0
and is what the program sets, within Linux's -20 to 19; it may lower it, as root may (the sandbox's
user is root, identity.py); the host schedules it as it did. `os.getrandom` gives `os.urandom`'s bytes
(WASI's random source) after getrandom(2)'s checks of its flags.

Each function is a C function of `posix` (builtin_function.py) and takes and refuses its arguments
as CPython's `posixmodule.c` does on Linux.
"""

import errno
import operator
import os
import posix

from _pysock._builtin_function import builtin_function, c_int, fixed_arguments, format_i, parse_arguments
from _pysock._builtin_function import _struct_sequence_type

WNOHANG, WUNTRACED, WSTOPPED, WEXITED, WCONTINUED, WNOWAIT = 1, 2, 2, 4, 8, 0x01000000
P_ALL, P_PID, P_PGID, P_PIDFD = 0, 1, 2, 3
CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_TRAPPED, CLD_STOPPED, CLD_CONTINUED = 1, 2, 3, 4, 5, 6
# Linux's __WNOTHREAD, __WALL and __WCLONE, which wait4(2) accepts beside the public options.
_LINUX_ONLY = 0x20000000 | 0x40000000 | 0x80000000

waitid_result = _struct_sequence_type("posix.waitid_result", [
    ("si_pid", ""), ("si_uid", ""), ("si_signo", ""), ("si_status", ""), ("si_code", ""),
], "waitid_result: Result from waitid.\n\nThis object may be accessed either as a tuple of\n"
   "  (si_pid,si_uid,si_signo,si_status,si_code),\nor via the attributes si_pid, si_uid, and so on.\n\n"
   "See os.waitid for more information.")


def _fail(number):
    raise OSError(number, os.strerror(number))


def _is_me(pid):
    return pid in (0, os.getpid())


def getppid(*args, **kwargs):
    """Return the parent's process id.

If the parent process has already exited, Windows machines will still
return its id; others systems will return the id of the 'init' process (1)."""
    fixed_arguments("posix.getppid", args, kwargs, 0)
    return 0


def getpgrp(*args, **kwargs):
    """Return the current process group id."""
    fixed_arguments("posix.getpgrp", args, kwargs, 0)
    return os.getpid()


def getpgid(*args, **kwargs):
    """Call the system call getpgid(), and return the result."""
    (pid,) = parse_arguments("getpgid", ("pid",), {}, args, kwargs)
    if not _is_me(format_i(pid)):
        _fail(errno.ESRCH)
    return os.getpid()


def getsid(*args, **kwargs):
    """Call the system call getsid(pid) and return the result."""
    (pid,) = fixed_arguments("posix.getsid", args, kwargs, 1)
    if not _is_me(format_i(pid)):
        _fail(errno.ESRCH)
    return os.getpid()


def setsid(*args, **kwargs):
    """Call the system call setsid()."""
    fixed_arguments("posix.setsid", args, kwargs, 0)
    _fail(errno.EPERM)


def setpgid(*args, **kwargs):
    """Call the system call setpgid(pid, pgrp)."""
    pid, pgrp = (format_i(a) for a in fixed_arguments("posix.setpgid", args, kwargs, 2))
    if pgrp < 0:
        _fail(errno.EINVAL)
    if not _is_me(pid):
        _fail(errno.ESRCH)
    if not _is_me(pgrp):
        _fail(errno.EPERM)


def setpgrp(*args, **kwargs):
    """Make the current process the leader of its process group."""
    fixed_arguments("posix.setpgrp", args, kwargs, 0)


def killpg(*args, **kwargs):
    """Kill a process group with a signal."""
    pgid, signal = (format_i(a) for a in fixed_arguments("posix.killpg", args, kwargs, 2))
    if pgid < 0:
        _fail(errno.EINVAL)
    # glibc's killpg(pgid) is kill(-pgid); the sandbox's kill knows its group.
    os.kill(-pgid, signal)


def _wait_options(options, allowed):
    options = c_int(options)
    if options & ~(allowed | _LINUX_ONLY):
        _fail(errno.EINVAL)


def wait(*args, **kwargs):
    """Wait for completion of a child process.

Returns a tuple of information about the child process:
    (pid, status)"""
    fixed_arguments("posix.wait", args, kwargs, 0)
    _fail(errno.ECHILD)


def waitpid(*args, **kwargs):
    """Wait for completion of a given child process.

Returns a tuple of information regarding the child process:
    (pid, status)

The options argument is ignored on Windows."""
    pid, options = fixed_arguments("posix.waitpid", args, kwargs, 2)
    format_i(pid)
    _wait_options(format_i(options), WNOHANG | WUNTRACED | WCONTINUED)
    _fail(errno.ECHILD)


def wait3(*args, **kwargs):
    """Wait for completion of a child process.

Returns a tuple of information about the child process:
  (pid, status, rusage)"""
    (options,) = parse_arguments("wait3", ("options",), {}, args, kwargs)
    _wait_options(options, WNOHANG | WUNTRACED | WCONTINUED)
    _fail(errno.ECHILD)


def wait4(*args, **kwargs):
    """Wait for completion of a specific child process.

Returns a tuple of information about the child process:
  (pid, status, rusage)"""
    pid, options = parse_arguments("wait4", ("pid", "options"), {}, args, kwargs)
    format_i(pid)
    _wait_options(format_i(options), WNOHANG | WUNTRACED | WCONTINUED)
    _fail(errno.ECHILD)


def waitid(*args, **kwargs):
    """Returns the result of waiting for a process or processes.

  idtype
    Must be one of be P_PID, P_PGID or P_ALL.
  id
    The id to wait on.
  options
    Constructed from the ORing of one or more of WEXITED, WSTOPPED
    or WCONTINUED and additionally may be ORed with WNOHANG or WNOWAIT.

Returns either waitid_result or None if WNOHANG is specified and there are
no children in a waitable state."""
    idtype, id, options = (format_i(a) for a in fixed_arguments("posix.waitid", args, kwargs, 3))
    if options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | _LINUX_ONLY):
        _fail(errno.EINVAL)
    if not options & (WEXITED | WSTOPPED | WCONTINUED) or idtype not in (P_ALL, P_PID, P_PGID, P_PIDFD):
        _fail(errno.EINVAL)
    if idtype == P_PIDFD:
        # A descriptor that is no process's.
        _fail(errno.EINVAL if id < 0 else errno.EBADF if not _is_open(id) else errno.EINVAL)
    _fail(errno.ECHILD)


def _is_open(fd):
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _status_function(name, doc, read, positional_only=False):
    """`os.NAME(status)`: `read` of the status, a C int, as Linux's macro of that name."""
    if positional_only:
        def function(*args, **kwargs):
            (status,) = fixed_arguments(f"posix.{name}", args, kwargs, 1)
            return read(c_int(status) & 0xFFFFFFFF)
    else:
        def function(*args, **kwargs):
            (status,) = parse_arguments(name, ("status",), {}, args, kwargs)
            return read(c_int(status) & 0xFFFFFFFF)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


def _signaled(status):
    """glibc's WIFSIGNALED: a signal number in the low seven bits, neither 0 (exited) nor 0x7f
    (stopped)."""
    return 1 <= status & 0x7F <= 0x7E


STATUS_FUNCTIONS = [
    ("WCOREDUMP", "Return True if the process returning status was dumped to a core file.",
     lambda s: bool(s & 0x80), True),
    ("WIFCONTINUED", "Return True if a particular process was continued from a job control stop.\n\n"
     "Return True if the process returning status was continued from a\njob control stop.",
     lambda s: s == 0xFFFF, False),
    ("WIFSTOPPED", "Return True if the process returning status was stopped.",
     lambda s: (s & 0xFF) == 0x7F, False),
    ("WIFSIGNALED", "Return True if the process returning status was terminated by a signal.",
     lambda s: _signaled(s), False),
    ("WIFEXITED", "Return True if the process returning status exited via the exit() system call.",
     lambda s: (s & 0x7F) == 0, False),
    ("WEXITSTATUS", "Return the process return code from status.", lambda s: (s >> 8) & 0xFF, False),
    ("WTERMSIG", "Return the signal that terminated the process that provided the status value.",
     lambda s: s & 0x7F, False),
    ("WSTOPSIG", "Return the signal that stopped the process that provided the status value.",
     lambda s: (s >> 8) & 0xFF, False),
]


def waitstatus_to_exitcode(*args, **kwargs):
    """Convert a wait status to an exit code.

On Unix:

* If WIFEXITED(status) is true, return WEXITSTATUS(status).
* If WIFSIGNALED(status) is true, return -WTERMSIG(status).
* Otherwise, raise a ValueError.

On Windows, return status shifted right by 8 bits.

On Unix, if the process is being traced or if waitpid() was called with
WUNTRACED option, the caller must first check if WIFSTOPPED(status) is true.
This function must not be called if WIFSTOPPED(status) is true."""
    (status,) = parse_arguments("waitstatus_to_exitcode", ("status",), {}, args, kwargs)
    status = c_int(status)
    bits = status & 0xFFFFFFFF
    if bits & 0x7F == 0:
        return (bits >> 8) & 0xFF
    if _signaled(bits):
        return -(bits & 0x7F)
    if bits & 0xFF == 0x7F:
        raise ValueError(f"process stopped by delivery of signal {(bits >> 8) & 0xFF}")
    raise ValueError(f"invalid wait status: {status}")


PRIO_PROCESS, PRIO_PGRP, PRIO_USER = 0, 1, 2
GRND_NONBLOCK, GRND_RANDOM = 1, 2
# getrandom(2)'s flag for bytes that need not be cryptographically strong, refused beside GRND_RANDOM.
_GRND_INSECURE = 4
# The niceness the program set, as nice(2) and setpriority(2) keep it.
_niceness = 0


def _priority_target(which, who):
    """Checks (which, who) as Linux does: the sandbox is the only process there is of its group and
    of its user."""
    which, who = c_int(which), c_int(who)
    if which not in (PRIO_PROCESS, PRIO_PGRP, PRIO_USER):
        _fail(errno.EINVAL)
    if who not in (0, os.getuid() if which == PRIO_USER else os.getpid()):
        _fail(errno.ESRCH)


def getpriority(*args, **kwargs):
    """Return program scheduling priority."""
    which, who = parse_arguments("getpriority", ("which", "who"), {}, args, kwargs)
    _priority_target(which, who)
    return _niceness


def setpriority(*args, **kwargs):
    """Set program scheduling priority."""
    global _niceness
    which, who, priority = parse_arguments("setpriority", ("which", "who", "priority"), {}, args, kwargs)
    priority = c_int(priority)
    _priority_target(which, who)
    _niceness = min(max(priority, -20), 19)


def nice(*args, **kwargs):
    """Add increment to the priority of process and return the new priority."""
    global _niceness
    (increment,) = fixed_arguments("posix.nice", args, kwargs, 1)
    _niceness = min(max(_niceness + c_int(increment), -20), 19)
    return _niceness


def getrandom(*args, **kwargs):
    """Obtain a series of random bytes."""
    size, flags = parse_arguments("getrandom", ("size", "flags"), {"flags": 0}, args, kwargs)
    size = operator.index(size)
    if not -(2**63) <= size < 2**63:
        raise OverflowError("Python int too large to convert to C ssize_t")
    flags = c_int(flags) & 0xFFFFFFFF
    if size < 0 or flags & ~(GRND_NONBLOCK | GRND_RANDOM | _GRND_INSECURE) or flags & (GRND_RANDOM | _GRND_INSECURE) == GRND_RANDOM | _GRND_INSECURE:
        _fail(errno.EINVAL)
    return os.urandom(size)


def sched_getaffinity(*args, **kwargs):
    """Return the affinity of the process identified by pid (or the current process if zero).

The affinity is returned as a set of CPU identifiers."""
    (pid,) = fixed_arguments("posix.sched_getaffinity", args, kwargs, 1)
    if not _is_me(format_i(pid)):
        _fail(errno.ESRCH)
    return {0}


def sched_setaffinity(*args, **kwargs):
    """Set the CPU affinity of the process identified by pid to mask.

mask should be an iterable of integers identifying CPUs."""
    pid, mask = fixed_arguments("posix.sched_setaffinity", args, kwargs, 2)
    pid = format_i(pid)
    cpus = set()
    for cpu in mask:
        if not hasattr(type(cpu), "__index__"):
            raise TypeError(f"expected an iterator of ints, but iterator yielded {type(cpu)!r}")
        cpu = int(cpu.__index__())
        if cpu < 0:
            raise ValueError("negative CPU number")
        if cpu > 2**63 - 1:
            raise OverflowError("invalid CPU number")
        cpus.add(cpu)
    if not _is_me(pid):
        _fail(errno.ESRCH)
    # Only CPUs that exist count, and the sandbox's one is CPU 0.
    if 0 not in cpus:
        _fail(errno.EINVAL)


_SHAPES = {
    getsid: lambda pid, /: None, sched_getaffinity: lambda pid, /: None, getpgid: lambda pid: None,
    setpgid: lambda pid, pgrp, /: None, killpg: lambda pgid, signal, /: None,
    waitpid: lambda pid, options, /: None, waitid: lambda idtype, id, options, /: None,
    sched_setaffinity: lambda pid, mask, /: None, wait3: lambda options: None, wait4: lambda pid, options: None,
    waitstatus_to_exitcode: lambda status: None, getpriority: lambda which, who: None,
    setpriority: lambda which, who, priority: None, nice: lambda increment, /: None,
    getrandom: lambda size, flags=0: None,
}
FUNCTIONS = [getppid, getpgrp, getpgid, getsid, setsid, setpgid, setpgrp, killpg, wait, waitpid, wait3, wait4,
             waitid, waitstatus_to_exitcode, sched_getaffinity, sched_setaffinity, getpriority, setpriority, nice,
             getrandom]
CONSTANTS = {
    "WNOHANG": WNOHANG, "WUNTRACED": WUNTRACED, "WSTOPPED": WSTOPPED, "WEXITED": WEXITED,
    "WCONTINUED": WCONTINUED, "WNOWAIT": WNOWAIT, "P_ALL": P_ALL, "P_PID": P_PID, "P_PGID": P_PGID,
    "P_PIDFD": P_PIDFD, "CLD_EXITED": CLD_EXITED, "CLD_KILLED": CLD_KILLED, "CLD_DUMPED": CLD_DUMPED,
    "CLD_TRAPPED": CLD_TRAPPED, "CLD_STOPPED": CLD_STOPPED, "CLD_CONTINUED": CLD_CONTINUED,
    "PRIO_PROCESS": PRIO_PROCESS, "PRIO_PGRP": PRIO_PGRP, "PRIO_USER": PRIO_USER,
    "GRND_NONBLOCK": GRND_NONBLOCK, "GRND_RANDOM": GRND_RANDOM,
}


def install():
    """Puts the functions, `waitid_result` and the constants in `os` and `posix`."""
    made = [builtin_function(f, posix, _SHAPES.get(f)) for f in FUNCTIONS]
    made += [builtin_function(_status_function(*spec), posix, (lambda status, /: None) if spec[3] else (lambda status: None))
             for spec in STATUS_FUNCTIONS]
    for function in made:
        setattr(posix, function.__name__, function)
        setattr(os, function.__name__, function)
    for name, value in CONSTANTS.items():
        setattr(posix, name, value)
        setattr(os, name, value)
    posix.waitid_result = os.waitid_result = waitid_result
