"""What WASI CPython's `signal` module lacks and pysock gives (signals.rs): `alarm`, `setitimer` and
`getitimer` on pysock's interval timers, which signals.rs passes to `install`, and `valid_signals` and
`siginterrupt`, which asyncio's `loop.add_signal_handler` calls.

They take and refuse arguments as Linux CPython's do (Modules/signalmodule.c): an int for a C int,
a number of seconds rounded up to a microsecond as `_PyTime_FromSecondsObject` and `_PyTime_AsTimeval`
round it, the kernel's EINVAL as `signal.ItimerError`, and the values read back as
`double_from_timeval` makes them. `alarm` rounds what it returns as glibc's does. ITIMER_VIRTUAL
and ITIMER_PROF count the CPU time of the host's thread that runs the sandbox. `valid_signals` is
Linux's set (1-64 but glibc's two), and `siginterrupt` checks its arguments and has nothing to do:
every pysock wait that a signal ends is made again once its handler ran, as with SA_RESTART.

WASI's libc also names and describes signals as musl does, not as glibc, which Linux CPython is built
on: no SIGCLD, SIGRTMIN or SIGRTMAX (so `valid_signals()` gave 34 and 64 as bare ints, and
`signal.Signals` had two members fewer), and `strsignal` says "RT34" where glibc says "Real-time
signal 0". `_glibc_names()` gives `signal` glibc's, once, when `_pysock` is imported.

Delivery follows Linux too. WASI's libc emulates `raise` and aborts the wasm for a signal left at
SIG_DFL that would end a process, and for signal 0; its SIG_IGN is a function's address, not 1.
Here `raise_signal`, and `os.kill` for the program's own process (the only one a sandbox has),
deliver as the kernel would: to the program's handler, or by the default action, a signal that
ends a process ending the run as SIGALRM's does; `signal.SIG_IGN` is 1; and SIGPIPE and SIGXFSZ
start ignored, as CPython's startup leaves them.
"""

import _signal
import enum
import errno
import math
import operator
import os
import signal
import sys

from _pysock._builtin_function import INT_MIN, builtin_function, c_int, fixed_arguments

ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF = 0, 1, 2
TIME_MAX_NS = 2**63 - 1
NSIG = 65


class itimer_error(OSError):
    pass


itimer_error.__module__ = "signal"


def _microseconds(seconds):
    """`seconds` (a float or an int) as a whole number of microseconds, rounded up."""
    if isinstance(seconds, float):
        if math.isnan(seconds):
            raise ValueError("Invalid value NaN (not a number)")
        ns = seconds * 1e9
        # Before rounding: an infinity is out of range too, as CPython says.
        if not -TIME_MAX_NS - 1 <= ns <= TIME_MAX_NS:
            raise OverflowError("timestamp out of range for platform time_t")
        ns = math.ceil(ns)
    else:
        ns = operator.index(seconds) * 10**9
        if not -TIME_MAX_NS - 1 <= ns <= TIME_MAX_NS:
            raise OverflowError("timestamp too large to convert to C _PyTime_t")
    return -((-ns) // 1000)


def _seconds(ns):
    """A timer's nanoseconds as the float CPython makes of its `struct timeval`."""
    microseconds = ns // 1000
    return microseconds // 10**6 + (microseconds % 10**6) / 1000000.0


def _check_which(which):
    which = c_int(which)
    if which not in (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF):
        raise itimer_error(errno.EINVAL, os.strerror(errno.EINVAL))
    return which


def alarm(*args, **kwargs):
    """Arrange for SIGALRM to arrive after the given number of seconds."""
    (seconds,) = fixed_arguments("_signal.alarm", args, kwargs, 1)
    seconds = c_int(seconds) % 2**32
    left, _ = _set_timer(ITIMER_REAL, seconds * 10**9, 0)
    # glibc's alarm: to the nearest second, and never 0 while the timer was armed.
    whole, rest = divmod(left // 1000, 10**6)
    return whole + (rest >= 500000 or (whole == 0 and rest > 0))


def setitimer(*args):
    """Sets given itimer (one of ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF).

The timer will fire after value seconds and after that every interval seconds.
The itimer can be cleared by setting seconds to zero.

Returns old values as a tuple: (delay, interval)."""
    if not 2 <= len(args) <= 3:
        bound = "least 2" if len(args) < 2 else "most 3"
        raise TypeError(f"setitimer expected at {bound} arguments, got {len(args)}")
    which, seconds, interval = (*args, 0.0)[:3]
    which = c_int(which)
    value, every = _microseconds(seconds), _microseconds(interval)
    _check_which(which)
    if value < 0 or every < 0:
        raise itimer_error(errno.EINVAL, os.strerror(errno.EINVAL))
    left, was_every = _set_timer(which, value * 1000, every * 1000)
    return _seconds(left), _seconds(was_every)


def getitimer(*args, **kwargs):
    """Returns current value of given itimer."""
    (which,) = fixed_arguments("_signal.getitimer", args, kwargs, 1)
    left, every = _get_timer(_check_which(which))
    return _seconds(left), _seconds(every)


def valid_signals():
    """Return a set of valid signal numbers on this platform.

The signal numbers returned by this function can be safely passed to
functions like `pthread_sigmask`."""
    return {signal.Signals(n) if n in signal.Signals._value2member_map_ else n for n in range(1, NSIG) if n not in (32, 33)}


def siginterrupt(*args, **kwargs):
    """Change system call restart behaviour.

If flag is False, system calls will be restarted when interrupted by
signal sig, else system calls will be interrupted."""
    signalnum, flag = (c_int(a) for a in fixed_arguments("_signal.siginterrupt", args, kwargs, 2, clinic=True))
    if not 1 <= signalnum < NSIG:
        raise ValueError("signal number out of range")


# What glibc calls a signal where musl's words differ; 32 and 33 are glibc's own, which it does not name.
GLIBC_DESCRIPTIONS = {8: "Floating point exception", 17: "Child exited", 32: None, 33: None}
SIGRTMIN, SIGRTMAX = 34, 64


def strsignal(signalnum, /):
    """Return the system description of the given signal.

Returns the description of signal *signalnum*, such as "Interrupt"
for :const:`SIGINT`. Returns :const:`None` if *signalnum* has no
description. Raises :exc:`ValueError` if *signalnum* is invalid."""
    described = _musl_strsignal(signalnum)  # its checks and errors first, as CPython's
    number = operator.index(signalnum)
    if number in GLIBC_DESCRIPTIONS:
        return GLIBC_DESCRIPTIONS[number]
    if SIGRTMIN <= number <= SIGRTMAX:
        return f"Real-time signal {number - SIGRTMIN}"
    return described


_musl_strsignal = signal.strsignal


def _glibc_names():
    """SIGCLD, SIGRTMIN and SIGRTMAX in `signal` and among its `Signals`, and glibc's descriptions.

`Signals` is made again as signal.py made it, from `_signal`'s names, now with these three: its
members are new objects, equal to the old ones (IntEnum), and nothing has kept the old class yet."""
    for name, number in (("SIGCLD", _signal.SIGCHLD), ("SIGRTMIN", SIGRTMIN), ("SIGRTMAX", SIGRTMAX)):
        setattr(_signal, name, int(number))
    enum.IntEnum._convert_(
        "Signals", signal.__name__,
        lambda name: name.isupper() and (name.startswith("SIG") and not name.startswith("SIG_")) or name.startswith("CTRL_"),
        source=_signal,
    )
    signal.strsignal = _signal.strsignal = builtin_function(strsignal, _signal)


if not hasattr(_signal, "SIGRTMIN"):
    _glibc_names()


# glibc's own signals, which sigaction(2) refuses to a program; pysock's guest uses 32 itself
# (signal_words.rs).
GLIBC_RESERVED = (32, 33)


def _signal_checked(signalnum, handler, /):
    """_signal.signal with Linux's SIG_IGN, refusing glibc's own signals as Linux CPython's does:
after its checks of the handler, with EINVAL from sigaction."""
    if _number(signalnum) in GLIBC_RESERVED:
        if not (callable(handler) or (type(handler) is int and handler in (_signal.SIG_DFL, SIG_IGN))):
            raise TypeError("signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object")
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
    return _handler_from_c(_unchecked_signal(signalnum, _handler_to_c(handler)))


def _getsignal_checked(signalnum, /):
    """_signal.getsignal with Linux's SIG_IGN: None for glibc's own signals, which no Python handler
can have, and SIG_DFL for SIGKILL and SIGSTOP, for which WASI's libc keeps no handler."""
    number = _number(signalnum)
    if number in GLIBC_RESERVED:
        return None
    handler = _unchecked_getsignal(signalnum)
    if handler is None and number in (SIGKILL, SIGSTOP):
        return _signal.SIG_DFL
    return _handler_from_c(handler)


def _number(signalnum):
    try:
        return operator.index(signalnum)
    except TypeError:
        return None  # the C function's own error, in the call


def _handler_to_c(handler):
    """A handler as the C function takes it: Linux's SIG_IGN, 1, as WASI's; WASI's value as no handler."""
    if isinstance(handler, int):
        if handler == SIG_IGN:
            return _C_SIG_IGN
        if handler == _C_SIG_IGN:
            return -1  # neither constant: the C function's TypeError
    return handler


def _handler_from_c(handler):
    return SIG_IGN if isinstance(handler, int) and handler == _C_SIG_IGN else handler


# What a Linux process does with a signal left at SIG_DFL, when not ended by it (signal(7)).
SIGKILL, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH = 9, 17, 18, 19, 20, 21, 22, 23, 28
IGNORED_BY_DEFAULT = (SIGCHLD, SIGURG, SIGWINCH, SIGCONT)
# A stop is ignored: nothing could continue a stopped sandbox, so the program goes on as if
# continued at once.
STOPS = (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU)


def _deliver(number):
    """Delivers signal `number` (1 to 64 but glibc's two) to this process, as the kernel would."""
    handler = _unchecked_getsignal(number)
    if isinstance(handler, int) and handler == _C_SIG_IGN:
        return
    if handler is None or (isinstance(handler, int) and handler == _signal.SIG_DFL):
        if number in IGNORED_BY_DEFAULT or number in STOPS:
            return
        _end_as_killed(number)
    # The program's handler: WASI's libc calls CPython's C handler, which trips it, and the C
    # raise_signal then runs it.
    _unchecked_raise_signal(number)


def raise_signal(signalnum, /):
    """Send a signal to the executing process."""
    number = c_int(signalnum)
    if number == 0:
        return None
    if not 1 <= number < NSIG or number in GLIBC_RESERVED:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
    _deliver(number)
    return None


PID_MIN, PID_MAX = -(2**31), 2**31 - 1
# Linux CPython takes the signal as a C ssize_t, 64 bits wide there, and the kernel as an int.
SSIZE_MIN, SSIZE_MAX = -(2**63), 2**63 - 1


def kill(*args, **kwargs):
    """Kill a process with a signal."""
    pid, signal = fixed_arguments("posix.kill", args, kwargs, 2)
    pid = operator.index(pid)
    if pid > PID_MAX:
        raise OverflowError("signed integer is greater than maximum")
    if pid < PID_MIN:
        raise OverflowError("signed integer is less than minimum")
    number = operator.index(signal)
    if not SSIZE_MIN <= number <= SSIZE_MAX:
        raise OverflowError("Python int too large to convert to C ssize_t")
    sys.audit("os.kill", pid, number)
    # The sandbox is a process alone, leading its own group: its own pid, 0 and its group reach it;
    # no other process exists (and kill(-1) spares the caller).
    me = os.getpid()
    if pid not in (me, 0, -me):
        raise OSError(errno.ESRCH, os.strerror(errno.ESRCH))
    number = (number - INT_MIN) % 2**32 + INT_MIN
    if not 0 <= number < NSIG:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
    # 0 asks whether the process exists. glibc's own two have no handler in a program that does not
    # use them, so they end it.
    if number in GLIBC_RESERVED:
        _end_as_killed(number)
    if number != 0:
        _deliver(number)


_unchecked_signal, _unchecked_getsignal = _signal.signal, _signal.getsignal
_unchecked_raise_signal = _signal.raise_signal
# WASI's libc's SIG_IGN is a function's address; Linux's is 1.
_C_SIG_IGN, SIG_IGN = _signal.SIG_IGN, 1
for _linux, _unchecked in ((_signal_checked, _signal.signal), (_getsignal_checked, _signal.getsignal),
                           (raise_signal, _signal.raise_signal)):
    _linux.__name__, _linux.__qualname__, _linux.__doc__ = _unchecked.__name__, _unchecked.__qualname__, _unchecked.__doc__
    setattr(_signal, _linux.__name__, builtin_function(_linux, _signal))
# signal.py's `signal` and `getsignal` call _signal's when called; `raise_signal` it took as it was.
signal.raise_signal = _signal.raise_signal
# `Handlers` made again, as `_glibc_names` makes `Signals`, now with SIG_IGN 1.
_signal.SIG_IGN = SIG_IGN
enum.IntEnum._convert_("Handlers", signal.__name__, lambda name: name in ("SIG_DFL", "SIG_IGN"), source=_signal)


def _unset(*args):
    raise RuntimeError("_pysock.install() has not run")


_set_timer = _get_timer = _end_as_killed = _unset


def install(set_timer, get_timer, end_as_killed):
    """Puts the functions in `signal`, over the host's timers: `set_timer(which, value_ns,
    interval_ns)` and `get_timer(which)`, each giving (time left, interval) in nanoseconds; puts `kill` in `os`, which ends
    the run by `end_as_killed(signal)`; and leaves SIGPIPE and SIGXFSZ ignored, as CPython's
    startup does on Linux."""
    global _set_timer, _get_timer, _end_as_killed
    _set_timer, _get_timer, _end_as_killed = set_timer, get_timer, end_as_killed
    import posix
    os.kill = posix.kill = builtin_function(kill, posix, lambda pid, signal, /: None)
    for ignored in (13, 25):  # SIGPIPE, SIGXFSZ
        _unchecked_signal(ignored, _C_SIG_IGN)
    shapes = {alarm: lambda seconds, /: None, setitimer: lambda which, seconds, interval=0.0, /: None,
              getitimer: lambda which, /: None, siginterrupt: lambda signalnum, flag, /: None}
    for function, shape in shapes.items():
        stand_in = builtin_function(function, _signal, shape)
        setattr(_signal, function.__name__, stand_in)
        setattr(signal, function.__name__, stand_in)
    # On Linux valid_signals is signal.py's own Python function (over _signal's).
    valid_signals.__module__ = "signal"
    signal.valid_signals = valid_signals
    signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF = ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF
    signal.ItimerError = itimer_error
