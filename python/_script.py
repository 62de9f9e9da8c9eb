"""Runs the command line as CPython's does, for a `wasi:cli/run` export:

    python [--cwd DIR] [--path DIR]... [-u] [-B] [-E] [-s] [-P] [-i] [-q] [-W ARG]...
           (SCRIPT | -c COMMAND | -m MODULE | - | --interactive | -V | -VV) [ARGS...]

`--cwd`, `--path` and `--interactive` are the launcher's own (the host puts them first: the folder
`pysock python` was started in, when the sandbox can read it; `pysock python --path DIR`; a terminal
on stdin); the rest is python3's. The current folder, `sys.argv`, `__main__`, `sys.path`,
`PYTHONPATH`, the exit status and the traceback are as python3 has them.

componentize-py initialises the interpreter when it builds it, so python3's start-up flags and the
PYTHON* variables that stand for them are applied here, at the start of a run: -u (PYTHONUNBUFFERED),
-B (PYTHONDONTWRITEBYTECODE), -W (after PYTHONWARNINGS), -P (PYTHONSAFEPATH), -i (PYTHONINSPECT), -E
(none of these variables, nor PYTHONPATH), -s (the sandbox has no user site-packages anyway) and -q.
"""
import builtins
import io
import os
import runpy
import sys
import traceback
import types

from wit_world.imports import environment
from wit_world.imports import exit as _exit

try:
    import _pysock
except ImportError:
    # The benchmarks' interpreter without pysock (bench/plain) runs this launcher on its own stdin.
    _pysock = None


def _is_launcher(frame):
    """This module's frames and runpy's, which python3's tracebacks do not show."""
    name = frame.f_code.co_filename
    return name == __file__ or name.startswith("<frozen ")


def _print_exception(e):
    """The traceback as python3 prints it: without the launcher's frames around the program's, at
    the start (running it) or at the end (its stdin and `input`, below, where Ctrl-C lands)."""
    tb = e.__traceback__
    while tb is not None and _is_launcher(tb.tb_frame):
        tb = tb.tb_next
    kept = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != __file__:
            kept.append(tb)
        tb = tb.tb_next
    shown = None
    for t in reversed(kept):
        shown = types.TracebackType(shown, t.tb_frame, t.tb_lasti, t.tb_lineno)
    _tell(lambda: traceback.print_exception(type(e), e, shown))


def _tell(write):
    """Runs `write`, which writes to stderr, and goes on if stderr cannot take it (its reader went
    away), as CPython does; the exit-time flush then reports it."""
    try:
        write()
    except Exception:
        pass


def _fresh_main():
    """A new `__main__` module for code that has no file (-c, stdin, the prompt)."""
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = main
    return main.__dict__


def _run_source(source, filename):
    exec(compile(source, filename, "exec"), _fresh_main())


def _interact(namespace=None, banner=True):
    """The interactive prompt, in `namespace` (a fresh `__main__` by default). Its prompts go to
    stderr, as python3's do."""
    import code

    class Console(code.InteractiveConsole):
        def raw_input(self, prompt=""):
            sys.stderr.write(prompt)
            sys.stderr.flush()
            line = sys.stdin.readline()
            if not line:
                raise EOFError
            return line.rstrip("\n")

    text = (f"Python {sys.version} on {sys.platform} (in pysock's sandbox)\n"
            'Type "help", "copyright", "credits" or "license" for more information.')
    Console(_fresh_main() if namespace is None else namespace).interact(banner=text if banner else "", exitmsg="")


# The streams the interpreter was built with, kept so that replacing them never closes anything.
_built_with = []


class _Stdin(io.FileIO):
    """The file under sys.stdin. The interpreter's own read of stdin blocks where no SIGINT can end
    it; each read here first waits in the host until there is something to read, and Ctrl-C ends
    that wait as it ends python3's read (`_pysock.wait_for_input`)."""

    def readinto(self, buffer):
        _pysock.wait_for_input()
        return super().readinto(buffer)

    def read(self, size=-1):
        if size is None or size < 0:
            return self.readall()
        _pysock.wait_for_input()
        return super().read(size)

    def readall(self):
        chunks = []
        while True:
            _pysock.wait_for_input()
            chunk = super().read(io.DEFAULT_BUFFER_SIZE)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


_no_prompt = object()


def input(prompt=_no_prompt, /):
    """Read a string from standard input.  The trailing newline is stripped.

    The prompt string, if given, is printed to standard output without a
    trailing newline before reading input.

    If the user hits EOF (*nix: Ctrl-D, Windows: Ctrl-Z+Return), raise EOFError.
    On *nix systems, readline is used if available."""
    # With stdin and stdout both terminals, CPython's input() reads the C library's stdin and not
    # sys.stdin, where Ctrl-C could not end the read; it reads sys.stdin here, as CPython does when
    # they are not terminals, writing the prompt to stdout as python3's readline does.
    try:
        terminals = sys.stdin.fileno() == 0 and sys.stdout.fileno() == 1 and os.isatty(0) and os.isatty(1)
    except Exception:
        terminals = False
    if not terminals:
        return _interpreters_input() if prompt is _no_prompt else _interpreters_input(prompt)
    sys.audit("builtins.input", None if prompt is _no_prompt else prompt)
    try:
        sys.stderr.flush()
    except Exception:
        pass
    if prompt is not _no_prompt:
        sys.stdout.write(str(prompt))
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError("EOF when reading a line")
    line = line.removesuffix("\n")
    sys.audit("builtins.input/result", line)
    return line


_interpreters_input = builtins.input


def _standard_streams(unbuffered):
    """The standard streams as python3 makes them at start-up (create_stdio): stdout and stderr with
    -u no buffer under a text layer that writes through, else buffered, line by line for a terminal
    and always for stderr; stdin buffered, on a file whose reads Ctrl-C can end (`_Stdin`, and
    `input` for terminals). The ones the interpreter was built with say how the build machine ran,
    not this run."""
    if sys.stdin is not None and _pysock is not None:
        old = sys.stdin
        _built_with.append(old)
        raw = _Stdin(old.fileno(), "r", closefd=False)
        raw.name = "<stdin>"
        new = io.TextIOWrapper(io.BufferedReader(raw), encoding=old.encoding, errors=old.errors, newline="\n",
                               line_buffering=raw.isatty())
        new.mode = "r"
        sys.stdin = sys.__stdin__ = new
        builtins.input = input
    for name in ("stdout", "stderr"):
        old = getattr(sys, name)
        old.flush()
        _built_with.append(old)
        raw = io.FileIO(old.fileno(), "w", closefd=False)
        raw.name = f"<{name}>"
        line_buffering = not unbuffered and (name == "stderr" or raw.isatty())
        new = io.TextIOWrapper(raw if unbuffered else io.BufferedWriter(raw), encoding=old.encoding,
                               errors=old.errors, line_buffering=line_buffering, write_through=unbuffered)
        new.mode = "w"
        setattr(sys, name, new)
        setattr(sys, f"__{name}__", new)


def _start_up_flags(args):
    """Takes python3's start-up flags off the front of `args` and applies them, with the PYTHON*
    variables they stand for; returns the set of flags given (-i and -q are the caller's)."""
    flags, warnoptions = set(), []
    while args and (args[0] in ("-u", "-B", "-E", "-s", "-P", "-i", "-q") or (args[0] == "-W" and len(args) >= 2)):
        if args[0] == "-W":
            warnoptions.append(args[1])
            del args[:2]
        else:
            flags.add(args.pop(0)[1])
    env = {} if "E" in flags else os.environ
    for variable, flag in (("PYTHONUNBUFFERED", "u"), ("PYTHONDONTWRITEBYTECODE", "B"), ("PYTHONSAFEPATH", "P"),
                           ("PYTHONINSPECT", "i")):
        if env.get(variable):
            flags.add(flag)
    _standard_streams("u" in flags)
    sys.dont_write_bytecode = "B" in flags
    options = [w for w in env.get("PYTHONWARNINGS", "").split(",") if w] + warnoptions
    if options:
        import warnings

        sys.warnoptions[:] = options
        warnings._processoptions(options)
    return flags


def _usage(message):
    _tell(lambda: print(f"{message}\nusage: python [-c cmd | -m mod | file | -] [arg] ...", file=sys.stderr))
    _exit.exit_with_code(2)


def _flush_standard_streams():
    """Flushes stdout and stderr as CPython does at exit (flush_std_files): a failure, such as a
    reader that went away (BrokenPipeError), is reported as an exception ignored and makes the exit
    status 120. A program may have closed them (json.tool closes stdout): nothing to flush then."""
    flushed = True
    for stream in (sys.stdout, sys.stderr):
        if stream is None or stream.closed:
            continue
        try:
            stream.flush()
        except Exception as e:
            flushed = False
            report = f"Exception ignored in: {stream!r}\n" + "".join(traceback.format_exception_only(type(e), e))
            _tell(lambda: (sys.stderr.write(report), sys.stderr.flush()))
    return flushed


def _status_of(run, show_exit):
    """Runs `run` and returns the exit status python3 would give it: sys.exit(N) N, an uncaught
    exception 1 (its traceback printed), KeyboardInterrupt 130 (python3 ends itself with the
    SIGINT it did not handle, which a shell reports as 130). With `show_exit` (-i) SystemExit's
    traceback is printed too and the status is left to what follows."""
    try:
        run()
    except SystemExit as e:
        if show_exit:
            _print_exception(e)
            return 0
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code
        _tell(lambda: print(e.code, file=sys.stderr))
        return 1
    except KeyboardInterrupt as e:
        _print_exception(e)
        return 130
    except BaseException as e:
        _print_exception(e)
        return 1
    return 0


def run_command_line():
    """Runs what the command line names and ends with its exit status, as CPython does: sys.exit(N)
    exits N modulo 256, an uncaught exception 1, KeyboardInterrupt 130, and output that could not
    be flushed at the end 120."""
    args = list(environment.get_arguments())[1:]
    if len(args) >= 2 and args[0] == "--cwd":
        os.chdir(args[1])
        del args[:2]
    paths = []
    while len(args) >= 2 and args[0] == "--path":
        paths.append(args[1])
        del args[:2]
    flags = _start_up_flags(args)
    if "E" not in flags:
        paths += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    # No words at all: a script on stdin, with sys.argv [''] as python3 gives it.
    mode = args[0] if args else ""
    if mode in ("-c", "-m") and len(args) < 2:
        _usage(f"Argument expected for the {mode} option")
    # sys.path[0] as python3 sets it: the script's folder; for -m the current folder's path; for the
    # rest the current folder as ''; none of them with -P.
    if mode and not mode.startswith("-"):
        first = [os.path.dirname(mode)]
    else:
        first = [os.getcwd() if mode == "-m" else ""]
    sys.path[0:0] = ([] if "P" in flags else first) + paths
    # With -i the prompt follows the program in the program's namespace, however the program ended
    # (a traceback is printed first, SystemExit's too), and the run's status is the prompt's.
    inspect = "i" in flags and mode != "--interactive"

    def program():
        if mode in ("-V", "-VV"):
            print("Python", sys.version if mode == "-VV" else sys.version.split()[0])
        elif mode == "-c":
            sys.argv = ["-c"] + args[2:]
            _run_source(args[1], "<string>")
        elif mode == "-m":
            # runpy replaces "-m" with the module's file, as python3 -m does.
            sys.argv = ["-m"] + args[2:]
            runpy._run_module_as_main(args[1])
        elif mode == "--interactive":
            sys.argv = [""]
            _interact(banner="q" not in flags)
        elif mode in ("-", ""):
            sys.argv = list(args) or [""]
            _run_source(sys.stdin.read(), "<stdin>")
        elif inspect and os.path.isfile(mode):
            # As runpy.run_path would, but in a `__main__` that outlives an exception.
            sys.argv = list(args)
            main = _fresh_main()
            main.update(__file__=mode, __cached__=None, __loader__=None, __package__="", __spec__=None)
            exec(runpy._get_code_from_file(mode), main)
        else:
            sys.argv = list(args)
            runpy.run_path(mode, run_name="__main__")

    code = _status_of(program, show_exit=inspect)
    if inspect:
        code = _status_of(lambda: _interact(sys.modules["__main__"].__dict__, banner=False), show_exit=False)
    if not _flush_standard_streams():
        code = 120
    if code & 0xFF:
        _exit.exit_with_code(code & 0xFF)
