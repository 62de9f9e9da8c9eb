"""Runs `python SCRIPT.py [ARGS...]` as CPython's command line would, for a `wasi:cli/run` export."""
import os
import runpy
import sys
import traceback

from componentize_py_types import Err
from wit_world.imports import environment


def run_command_line():
    """Runs the script named by the command line; raises Err(status) when it fails."""
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
