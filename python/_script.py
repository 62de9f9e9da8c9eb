"""Runs `python SCRIPT.py [ARGS...]` as CPython's command line would, for a `wasi:cli/run` export."""
import os
import runpy
import sys
import traceback

from wit_world.imports import environment
from wit_world.imports import exit as _exit


def run_command_line():
    """Runs the script named by the command line and ends with its exit status, as CPython does:
    sys.exit(N) exits N modulo 256, an uncaught exception 1."""
    args = environment.get_arguments()
    if len(args) < 2:
        print("usage: python SCRIPT.py [ARGS...]", file=sys.stderr)
        _exit.exit_with_code(2)
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
    if code & 0xFF:
        _exit.exit_with_code(code & 0xFF)
