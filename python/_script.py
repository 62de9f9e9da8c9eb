"""Runs the command line as CPython's does, for a `wasi:cli/run` export:

    python [--cwd DIR] [--path DIR]... (SCRIPT | -c COMMAND | -m MODULE | - | --interactive) [ARGS...]

`--cwd`, `--path` and `--interactive` are the launcher's own (the host puts them first: the folder
`pysock python` was started in, when the sandbox can read it; `pysock python --path DIR`; a terminal
on stdin); the rest is python3's. The current folder, `sys.argv`, `__main__`, `sys.path`,
`PYTHONPATH`, the exit status and the traceback are as python3 has them.
"""
import os
import runpy
import sys
import traceback
import types

from wit_world.imports import environment
from wit_world.imports import exit as _exit


def _is_launcher(frame):
    """This module's frames and runpy's, which python3's tracebacks do not show."""
    name = frame.f_code.co_filename
    return name == __file__ or name.startswith("<frozen ")


def _print_exception(e):
    tb = e.__traceback__
    while tb is not None and _is_launcher(tb.tb_frame):
        tb = tb.tb_next
    traceback.print_exception(type(e), e, tb)


def _fresh_main():
    """A new `__main__` module for code that has no file (-c, stdin, the prompt)."""
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = main
    return main.__dict__


def _run_source(source, filename):
    exec(compile(source, filename, "exec"), _fresh_main())


def _interact():
    import code

    banner = (f"Python {sys.version} on {sys.platform} (in pysock's sandbox)\n"
              'Type "help", "copyright", "credits" or "license" for more information.')
    code.interact(banner=banner, local=_fresh_main(), exitmsg="")


def _usage(message):
    print(f"{message}\nusage: python [-c cmd | -m mod | file | -] [arg] ...", file=sys.stderr)
    _exit.exit_with_code(2)


def run_command_line():
    """Runs what the command line names and ends with its exit status, as CPython does: sys.exit(N)
    exits N modulo 256, an uncaught exception 1."""
    args = list(environment.get_arguments())[1:]
    if len(args) >= 2 and args[0] == "--cwd":
        os.chdir(args[1])
        del args[:2]
    paths = []
    while len(args) >= 2 and args[0] == "--path":
        paths.append(args[1])
        del args[:2]
    paths += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    # No words at all: a script on stdin, with sys.argv [''] as python3 gives it.
    mode = args[0] if args else ""
    if mode in ("-c", "-m") and len(args) < 2:
        _usage(f"Argument expected for the {mode} option")
    # sys.path[0] as python3 sets it: the script's folder; for -m the current folder's path; for the
    # rest the current folder as ''.
    if mode and not mode.startswith("-"):
        first = os.path.dirname(mode)
    else:
        first = os.getcwd() if mode == "-m" else ""
    sys.path[0:0] = [first] + paths
    code = 0
    try:
        if mode == "-c":
            sys.argv = ["-c"] + args[2:]
            _run_source(args[1], "<string>")
        elif mode == "-m":
            # runpy replaces "-m" with the module's file, as python3 -m does.
            sys.argv = ["-m"] + args[2:]
            runpy._run_module_as_main(args[1])
        elif mode == "--interactive":
            sys.argv = [""]
            _interact()
        elif mode in ("-", ""):
            sys.argv = list(args) or [""]
            _run_source(sys.stdin.read(), "<stdin>")
        else:
            sys.argv = list(args)
            runpy.run_path(mode, run_name="__main__")
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException as e:
        _print_exception(e)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        # A program may close them (json.tool closes stdout); python3 then flushes nothing.
        if stream is not None and not stream.closed:
            stream.flush()
    if code & 0xFF:
        _exit.exit_with_code(code & 0xFF)
