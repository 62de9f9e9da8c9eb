"""pysock's `select`: `select()` and `poll()` as one call into the pysock guest each.

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
        if timeout is not None:
            if not isinstance(timeout, (int, float)):
                raise TypeError("timeout must be an integer or None")
            timeout = float(timeout)
        return _call(self._pysock.poll, timeout)


_Poll.__name__ = _Poll.__qualname__ = "poll"
_Poll.__module__ = "select"


def poll():
    p = object.__new__(_Poll)
    p._pysock = _keep(_w.PollObject())
    return p


_as_builtins(globals())
