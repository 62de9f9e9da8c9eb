"""pysock's `select`: `select()`, `poll()` and `epoll()`, each operation one call into the pysock guest.

This module turns objects into descriptors (calling `fileno()` as CPython does) and results back into
the caller's objects; which descriptor is ready, and every argument rule, is the guest's.
"""
import operator as _operator

from wit_world.imports import select as _w

from _pysock_socket import _as_builtins, _call, _keep, _release

error = OSError

POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20
POLLRDNORM, POLLRDBAND, POLLWRNORM, POLLWRBAND, POLLMSG, POLLRDHUP = 0x40, 0x80, 0x100, 0x200, 0x400, 0x2000
PIPE_BUF = 4096
EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP = 0x1, 0x2, 0x4, 0x8, 0x10
EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND, EPOLLMSG = 0x40, 0x80, 0x100, 0x200, 0x400
EPOLLRDHUP, EPOLLEXCLUSIVE, EPOLLONESHOT, EPOLLET = 0x2000, 1 << 28, 1 << 30, 1 << 31
EPOLL_CLOEXEC = 0x80000

_FD_MAX = 2**31 - 1


def _fileno(obj):
    """PyObject_AsFileDescriptor."""
    if isinstance(obj, int):
        fd = obj
    else:
        method = getattr(obj, "fileno", None)
        if method is None:
            raise TypeError("argument must be an int, or have a fileno() method.")
        fd = method()
        if not isinstance(fd, int):
            raise TypeError("fileno() returned a non-integer")
    if fd < 0:
        raise ValueError(f"file descriptor cannot be a negative integer ({fd})")
    if fd > _FD_MAX:
        raise OverflowError("Python int too large to convert to C int")
    return fd


def select(rlist, wlist, xlist, timeout=None, /):
    if timeout is not None:
        if not isinstance(timeout, (int, float)):
            raise TypeError("timeout must be a float or None")
        timeout = float(timeout)
    lists = []
    for seq in (rlist, wlist, xlist):
        try:
            lists.append(list(seq))
        except TypeError:
            raise TypeError("arguments 1-3 must be sequences") from None
    fds = [[_fileno(o) for o in seq] for seq in lists]
    ready = _call(_w.select, fds[0], fds[1], fds[2], timeout)
    return tuple([seq[i] for i in hits] for seq, hits in zip(lists, ready))


def _mask(eventmask):
    eventmask = _operator.index(eventmask)
    if not 0 <= eventmask <= 0xFFFF:
        raise OverflowError("Python int too large to convert to C unsigned short")
    return eventmask


class _Poll:
    """A select.poll() object; its registrations live in the guest. As in CPython, only poll()
    makes one: the type itself cannot be instantiated."""

    __slots__ = ("_pysock",)

    def __new__(cls, *args, **kwargs):
        raise TypeError("cannot create 'select.poll' instances")

    def __del__(self):
        # The guest's registrations go with the resource; see _pysock_socket._live.
        _release(self._pysock)

    def register(self, fd, eventmask=POLLIN | POLLPRI | POLLOUT, /):
        _call(self._pysock.register, _fileno(fd), _mask(eventmask))

    def modify(self, fd, eventmask, /):
        _call(self._pysock.modify, _fileno(fd), _mask(eventmask))

    def unregister(self, fd, /):
        _call(self._pysock.unregister, _fileno(fd))

    def poll(self, timeout=None, /):
        return _call(self._pysock.poll, _timeout(timeout))


_Poll.__name__ = _Poll.__qualname__ = "poll"
_Poll.__module__ = "select"


def poll():
    p = object.__new__(_Poll)
    p._pysock = _keep(_w.PollObject())
    return p


def _c_int(value):
    """Argument Clinic's `int` converter, which epoll's arguments use."""
    value = _operator.index(value)
    if not -(2**31) <= value < 2**31:
        raise OverflowError("Python int too large to convert to C int")
    return value


def _timeout(timeout):
    if timeout is None:
        return None
    if not isinstance(timeout, (int, float)):
        raise TypeError("timeout must be an integer or None")
    return float(timeout)


class epoll:
    """select.epoll(sizehint=-1, flags=0)

    Returns an epolling object. Its registrations persist in pysock's host, so poll() costs
    O(ready), not O(registered)."""

    __slots__ = ("_pysock", "__weakref__")

    def __init__(self, sizehint=-1, flags=0):
        self._pysock = _keep(_call(_w.Epoll.create, _c_int(sizehint), _c_int(flags)))

    def __del__(self):
        pysock = getattr(self, "_pysock", None)
        if pysock is not None:
            _release(pysock)

    @classmethod
    def fromfd(cls, fd, /):
        raise OSError(9, "Bad file descriptor: pysock's epoll objects cannot be adopted from a descriptor")

    @property
    def closed(self):
        return self._pysock.closed()

    def close(self):
        self._pysock.close()

    def fileno(self):
        return _call(self._pysock.fileno)

    def register(self, fd, eventmask=EPOLLIN | EPOLLPRI | EPOLLOUT):
        # CPython reads the mask as a C unsigned int without overflow checking.
        _call(self._pysock.register, _fileno(fd), _operator.index(eventmask) & 0xFFFFFFFF)

    def modify(self, fd, eventmask):
        _call(self._pysock.modify, _fileno(fd), _operator.index(eventmask) & 0xFFFFFFFF)

    def unregister(self, fd):
        _call(self._pysock.unregister, _fileno(fd))

    def poll(self, timeout=None, maxevents=-1):
        # maxevents is capped by the host (CPython would try to allocate that many events).
        return _call(self._pysock.poll, _timeout(timeout), _c_int(maxevents))

    def __enter__(self):
        if self._pysock.closed():
            raise ValueError("I/O operation on closed epoll object")
        return self

    def __exit__(self, *exc_info):
        self.close()


epoll.__module__ = "select"


_as_builtins(globals())
