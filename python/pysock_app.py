"""The sandboxed interpreter's entry point: installs pysock's `_socket`, `select` and `_ssl`, then
runs the command line.

componentize-py snapshots this module at build time, and with it the `_pysock` extension
(guest/cpython), which must be imported then: its file is not in the sandbox at run time. The rest
of the stdlib is read from /python at run time. No socket-using module is imported before the
extension's modules are in place, so the stdlib's `socket.py`, `selectors`, `asyncio` and `ssl.py`
run unchanged on them.
"""

import _pysock
import _script
from wit_world import exports


class Run(exports.Run):
    def run(self) -> None:
        _pysock.install()
        _pysock.started()
        _script.run_command_line()
