"""The sandboxed interpreter's entry point: installs pysock's `_socket` and `select`, then runs a script.

componentize-py snapshots this module and the adapters at build time; the rest of the stdlib is read
from /python at run time. No socket-using module is imported before the adapters are in place.
"""
import os
import runpy
import sys
import traceback

import _pysock_select
import _pysock_socket
import _pysock_ssl
from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import environment


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
        args = environment.get_arguments()
        if len(args) < 2:
            print("usage: python SCRIPT.py [ARGS...]", file=sys.stderr)
            raise Err(None)
        script = args[1]
        sys.argv = list(args[1:])
        sys.path.insert(0, os.path.dirname(script))
        code = 0
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit as e:
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code
            else:
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        if code:
            raise Err(code)
