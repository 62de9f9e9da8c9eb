"""The sandboxed interpreter's entry point: installs pysock's `_socket`, `select` and `_ssl`, then
runs the command line.

componentize-py snapshots this module at build time, and with it the `_pysock` extension
(guest/cpython), which must be imported then: its file is not in the sandbox at run time. The rest
of the stdlib is read from /python at run time. No socket-using module is imported before the
extension's modules are in place, so the stdlib's `socket.py`, `selectors`, `asyncio` and `ssl.py`
run unchanged on them.
"""
import sys

import _pysock
import _script
from wit_world import exports


def _linux_errno_names():
    """wasi-libc gives some errnos two names (EPIPE and ESHUTDOWN share a number), and CPython's
    `errno.errorcode` then shows the later one; Linux CPython shows these."""
    import errno
    for name in ("EPIPE", "EAGAIN", "ENOTSUP", "EDEADLOCK"):
        if hasattr(errno, name):
            errno.errorcode[getattr(errno, name)] = name


def _install():
    _linux_errno_names()
    # componentize-py's CPython has its own `_socket` and `select` (on wasi-libc): replace them.
    for name in ("socket", "selectors", "select", "_socket", "ssl", "_ssl"):
        sys.modules.pop(name, None)
    sys.modules["_socket"] = _pysock._socket
    sys.modules["select"] = _pysock.select
    sys.modules["_ssl"] = _pysock._ssl


class Run(exports.Run):
    def run(self) -> None:
        _install()
        _script.run_command_line()
