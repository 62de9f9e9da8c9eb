"""The sandboxed interpreter's entry point: installs pysock's `_socket` and `select`, then runs a script.

componentize-py snapshots this module and the adapters at build time; the rest of the stdlib is read
from /python at run time. No socket-using module is imported before the adapters are in place.
"""
import sys

import _pysock_select
import _pysock_socket
import _pysock_ssl
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
    for name in ("socket", "selectors", "select", "_socket", "ssl", "_ssl"):
        sys.modules.pop(name, None)
    sys.modules["_socket"] = _pysock_socket
    sys.modules["select"] = _pysock_select
    sys.modules["_ssl"] = _pysock_ssl


class Run(exports.Run):
    def run(self) -> None:
        _install()
        _script.run_command_line()
