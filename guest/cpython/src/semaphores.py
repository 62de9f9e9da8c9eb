"""`_multiprocessing` for a sandbox that is one process: CPython's named semaphores, in its memory.

WASI CPython has no `_multiprocessing`, so `multiprocessing.synchronize`, and everything that
imports it, failed to import in the sandbox: hypercorn (its asyncio server names
`multiprocessing.synchronize.Event` in its signatures), `concurrent.futures.ProcessPoolExecutor`'s
module, `multiprocessing.Lock` and `Event`. On Linux, `SemLock` is a POSIX named semaphore, shared
by the processes that open its name. A sandbox is one process without threads, so the only ones who
can share a semaphore here are the program itself and its signal handlers: each semaphore is a
count in the interpreter's memory, kept under its name (as `/dev/shm` keeps it) until `sem_unlink`.
Arguments, checks, errors and read-backs are those of CPython's `semaphore.c` over glibc on Linux.
A blocking `acquire` waits as sem_wait(3) does, in `time.sleep` (pysock's, which runs signal
handlers and which Ctrl-C ends), so a handler that releases the semaphore ends the wait, one that
raises ends it with that exception, and a timeout ends it with False.
"""

import errno as _errno
import os as _os
import time as _time
import weakref as _weakref

from _pysock._builtin_function import INT_MAX as _INT_MAX, c_int as _c_int

flags = {"HAVE_SEM_OPEN": 1, "HAVE_SEM_TIMEDWAIT": 1}

RECURSIVE_MUTEX, SEMAPHORE = 0, 1
# glibc's limits: a name is a file in /dev/shm called "sem." and the name.
_NAME_MAX, _SEM_PREFIX = 255, 4
# How often a blocked acquire looks again, when only a signal handler can have released it.
_LOOK_AGAIN = 0.02


class _Count:
    """One semaphore's value, shared by every SemLock that opened it."""

    __slots__ = ("value", "__weakref__")

    def __init__(self, value):
        self.value = value


_by_name = {}  # the semaphores not unlinked, as /dev/shm lists them
_by_handle = _weakref.WeakValueDictionary()


def _error(code):
    # os.strerror gives glibc's words, as Linux's sem_open, sem_timedwait, sem_post and sem_unlink
    # give them (linux_errno.rs).
    return OSError(code, _os.strerror(code))


def _type_name(value):
    return "None" if value is None else type(value).__name__


def _str(argument, value):
    if not isinstance(value, str):
        raise TypeError(f"{argument} must be str, not {_type_name(value)}")
    if "\0" in value:
        raise ValueError("embedded null character")
    return value


def _seconds(value):
    """`PyFloat_AsDouble`: a float, or what __float__ or __index__ gives."""
    if isinstance(value, float):
        return value
    for method in ("__float__", "__index__"):
        convert = getattr(type(value), method, None)
        if convert is not None:
            return float(convert(value))
    raise TypeError(f"must be real number, not {type(value).__name__}")


def _file_name(name):
    """The name as glibc files it under /dev/shm, or the errno sem_open fails with."""
    stripped = name.encode().lstrip(b"/")
    if not stripped or len(stripped) > _NAME_MAX or b"/" in stripped:
        return None, _errno.EINVAL
    if _SEM_PREFIX + len(stripped) > _NAME_MAX:
        return None, _errno.ENAMETOOLONG
    return stripped, 0


def _arguments(function, names, defaults, args, kwargs):
    """Argument Clinic's parse of optional arguments, by position or by keyword."""
    values = list(args) + list(defaults[len(args):])
    for name, value in kwargs.items():
        if name not in names:
            raise TypeError(f"'{name}' is an invalid keyword argument for {function}()")
        at = names.index(name)
        if at < len(args):
            raise TypeError(f"argument for {function}() given by name ('{name}') and position ({at + 1})")
        values[at] = value
    return values


class _ReadOnly:
    """A member CPython's SemLock shows and never lets a program set."""

    def __set_name__(self, owner, name):
        self._slot = "_" + name

    def __get__(self, semlock, owner=None):
        return self if semlock is None else getattr(semlock, self._slot)

    def __set__(self, semlock, value):
        raise AttributeError("readonly attribute")

    def __delete__(self, semlock):
        raise AttributeError("readonly attribute")


class SemLock:
    """Semaphore/Mutex type"""

    SEM_VALUE_MAX = _INT_MAX
    __slots__ = ("_count_of", "_handle", "_kind", "_maxvalue", "_name", "_mine")
    handle, kind, maxvalue, name = _ReadOnly(), _ReadOnly(), _ReadOnly(), _ReadOnly()

    def __new__(cls, kind, value, maxvalue, name, unlink):
        kind, value, maxvalue = _c_int(kind), _c_int(value), _c_int(maxvalue)
        name, unlink = _str("SemLock() argument 'name'", name), _c_int(unlink)
        if kind not in (RECURSIVE_MUTEX, SEMAPHORE):
            raise ValueError("unrecognized kind")
        filed, failure = _file_name(name)
        if failure:
            raise _error(failure)
        if value < 0:  # sem_open's value is unsigned: above SEM_VALUE_MAX
            raise _error(_errno.EINVAL)
        if filed in _by_name:
            raise _error(_errno.EEXIST)
        count = _Count(value)
        if not unlink:
            _by_name[filed] = count
        return cls._made(count, kind, maxvalue, None if unlink else name)

    @classmethod
    def _made(cls, count, kind, maxvalue, name):
        self = object.__new__(cls)
        self._count_of, self._handle = count, id(count)
        self._kind, self._maxvalue, self._name, self._mine = kind, maxvalue, name, 0
        _by_handle[id(count)] = count
        return self

    @classmethod
    def _rebuild(cls, handle, kind, maxvalue, name):
        if name is None:
            count = _by_handle.get(handle)
            if count is None:
                raise _error(_errno.EINVAL)
        else:
            filed, failure = _file_name(_str("_rebuild() argument 4", name))
            count = _by_name.get(filed)
            if failure or count is None:
                raise _error(failure or _errno.ENOENT)
        return cls._made(count, _c_int(kind), _c_int(maxvalue), name)

    def acquire(self, *args, **kwargs):
        """Acquire the semaphore/lock."""
        if len(args) + len(kwargs) > 2:
            raise TypeError(f"acquire() takes at most 2 arguments ({len(args) + len(kwargs)} given)")
        block, timeout = _arguments("acquire", ("block", "timeout"), (True, None), args, kwargs)
        block = _c_int(block)
        if self._kind == RECURSIVE_MUTEX and self._mine > 0:
            self._mine += 1
            return True
        deadline = None
        if timeout is not None:
            seconds = max(_seconds(timeout), 0.0)
            deadline = _time.monotonic() + seconds
            # glibc refuses a deadline whose seconds do not fit in a time_t.
            unrepresentable = seconds != seconds or seconds >= 2.0**63
        count = self._count_of
        while count.value <= 0:
            if not block:
                return False
            if deadline is not None:
                if unrepresentable:
                    raise _error(_errno.EINVAL)
                left = deadline - _time.monotonic()
                if left <= 0:
                    return False
                _time.sleep(min(left, _LOOK_AGAIN))
            else:
                _time.sleep(_LOOK_AGAIN)
        count.value -= 1
        self._mine += 1
        return True

    def release(self, *args):
        """Release the semaphore/lock."""
        if args:
            raise TypeError(f"SemLock.release() takes no arguments ({len(args)} given)")
        if self._kind == RECURSIVE_MUTEX:
            if self._mine <= 0:
                raise AssertionError("attempt to release recursive lock not owned by thread")
            if self._mine > 1:
                self._mine -= 1
                return None
        elif self._count_of.value >= self._maxvalue:
            raise ValueError("semaphore or lock released too many times")
        if self._count_of.value >= _INT_MAX:
            raise _error(_errno.EOVERFLOW)
        self._count_of.value += 1
        self._mine -= 1
        return None

    def __enter__(self):
        """Enter the semaphore/lock."""
        return self.acquire()

    def __exit__(self, *args):
        """Exit the semaphore/lock."""
        return self.release()

    def _count(self):
        """Num of `acquire()`s minus num of `release()`s for this process."""
        return self._mine

    def _is_mine(self):
        """Whether the lock is owned by this thread."""
        return self._mine > 0

    def _get_value(self):
        """Get the value of the semaphore."""
        return self._count_of.value

    def _is_zero(self):
        """Return whether semaphore has value zero."""
        return self._count_of.value == 0

    def _after_fork(self):
        """Rezero the net acquisition count after fork()."""
        self._mine = 0

    def __setattr__(self, name, value):
        # CPython's SemLock has no __dict__ (a subclass of it has one, as here).
        if type(self) is SemLock and name not in SemLock.__slots__ and not hasattr(SemLock, name):
            raise AttributeError(f"'_multiprocessing.SemLock' object has no attribute '{name}'")
        object.__setattr__(self, name, value)

    def __reduce__(self):
        raise TypeError("cannot pickle '_multiprocessing.SemLock' object")



def sem_unlink(name):
    """Remove a named semaphore."""
    filed, failure = _file_name(_str("sem_unlink() argument", name))
    if failure == _errno.ENAMETOOLONG:
        raise _error(failure)
    if failure or _by_name.pop(filed, None) is None:
        raise _error(_errno.ENOENT)
