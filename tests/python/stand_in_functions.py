"""The functions pysock writes in Python in place of CPython's C ones (open and io.open, os.open,
os.stat, os.lstat, os.kill, and signal's alarm, setitimer, getitimer, siginterrupt, strsignal,
raise_signal, and _signal's signal and getsignal) behave as C functions: kept as a class's
attribute they are called as they are, not bound to the instance (CPython's test_file keeps
`open = io.open` in a class); copy, deepcopy and pickle keep them; their names, repr,
signatures (`__text_signature__` too), `__self__` and `inspect`'s view of them are the C
functions'. The modules pysock makes are found by importlib.util.find_spec. tests/tests/sandbox.rs
compares this with native CPython."""
import _signal
import copy
import inspect
import io
import os
import pickle
import signal
import tempfile

scratch = tempfile.mkdtemp()
path = os.path.join(scratch, "f")
with open(path, "wb") as f:
    f.write(b"stand-in")


class Accessor:
    open = io.open
    builtin_open = open
    os_open = os.open
    stat = os.stat
    lstat = os.lstat
    kill = os.kill
    strsignal = signal.strsignal
    getitimer = signal.getitimer
    getsignal = _signal.getsignal


a = Accessor()
print("-- as a class's attribute, called as it is")
with a.open(path, "rb") as f:
    print(f.read())
with a.builtin_open(path) as f:
    print(f.read())
fd = a.os_open(path, os.O_RDONLY)
print(os.read(fd, 5))
os.close(fd)
print(a.stat(path).st_size, a.lstat(path).st_size, a.stat("/dev/null").st_mode == os.stat("/dev/null").st_mode)
print(a.kill(os.getpid(), 0), a.strsignal(signal.SIGTERM), a.getitimer(signal.ITIMER_REAL))
print(a.getsignal(signal.SIGTERM) == signal.SIG_DFL)
print(Accessor.open is io.open, a.kill is os.kill, vars(a) == {})

functions = {
    "open": open, "io.open": io.open, "os.open": os.open, "os.stat": os.stat, "os.lstat": os.lstat,
    "os.kill": os.kill, "signal.alarm": signal.alarm, "signal.setitimer": signal.setitimer,
    "signal.getitimer": signal.getitimer, "signal.siginterrupt": signal.siginterrupt,
    "signal.strsignal": signal.strsignal, "signal.raise_signal": signal.raise_signal,
    "_signal.signal": _signal.signal, "_signal.getsignal": _signal.getsignal,
}
print("-- names, copies and pickles")
print(open is io.open, signal.raise_signal is _signal.raise_signal, signal.strsignal is _signal.strsignal,
      signal.alarm is _signal.alarm, signal.setitimer is _signal.setitimer)
for label, f in functions.items():
    same = copy.copy(f) is f and copy.deepcopy(f) is f and copy.deepcopy([f])[0] is f
    try:
        pickled = pickle.loads(pickle.dumps(f)) is f
    except Exception as e:
        pickled = type(e).__name__
    # open's module reads "io" on 3.11 and "_io" from 3.12 (the sandbox's CPython is 3.14).
    module = f.__module__.replace("_io", "io")
    print(label, repr(f).split(" at ")[0], f.__name__, f.__qualname__, module, callable(f), same, pickled,
          inspect.isbuiltin(f), inspect.isroutine(f), f.__self__.__name__.replace("_io", "io"))
print("-- signatures")
for label in ("open", "os.open", "os.stat", "os.lstat", "os.kill", "signal.strsignal", "signal.raise_signal",
              "signal.siginterrupt", "signal.getitimer", "signal.alarm", "signal.setitimer", "_signal.getsignal"):
    # As Argument Clinic writes it (open's breaks its line on 3.11, not on 3.14).
    text = " ".join(functions[label].__text_signature__.split())
    print(label, inspect.signature(functions[label]), text)
print("-- their own errors")
for call in (lambda: open(path, "q"), lambda: os.stat(b"\0"), lambda: os.kill(os.getpid(), -1.5),
             lambda: signal.strsignal(999), lambda: a.open(None), lambda: signal.alarm(), lambda: signal.getitimer(0, 1)):
    try:
        print(call())
    except Exception as e:
        print(type(e).__name__, e)

# The modules pysock makes are found as modules are (find_spec raised ValueError for one without a spec).
import importlib.util
import sys
for name in ("_socket", "select", "_ssl", "fcntl", "termios", "pwd", "grp"):
    __import__(name)
    spec = importlib.util.find_spec(name)
    print(name, spec.name, sys.modules[name].__spec__ is spec)


def last_frame(call):
    """Where an error's traceback ends: in the caller, as under a C function."""
    try:
        call()
    except Exception as e:
        tb = e.__traceback__
        while tb.tb_next:
            tb = tb.tb_next
        return os.path.basename(tb.tb_frame.f_code.co_filename), tb.tb_frame.f_code.co_name, type(e).__name__


for name, call in [("os.stat", lambda: os.stat("no-such-file")), ("os.open", lambda: os.open("no-such-file", os.O_RDONLY)),
                   ("open", lambda: open("no-such-file")), ("os.chmod", lambda: os.chmod("no-such-file", 0o600)),
                   ("os.kill", lambda: os.kill(os.getpid(), -1)), ("os.lstat('')", lambda: os.lstat(""))]:
    print(f"an error of {name} ends at:", last_frame(call))

# Their argument counts and keywords are refused in the C functions' words.
for name, call in [("os.kill(1)", lambda: os.kill(1)), ("os.kill(pid=1, signal=0)", lambda: os.kill(pid=1, signal=0)),
                   ("signal.siginterrupt(1)", lambda: signal.siginterrupt(1)),
                   ("signal.siginterrupt(signalnum=2, flag=1)", lambda: signal.siginterrupt(signalnum=2, flag=1)),
                   ("os.pipe(1)", lambda: os.pipe(1)), ("os.pipe(x=1)", lambda: os.pipe(x=1))]:
    try:
        call()
    except TypeError as e:
        print(f"{name}: {e}")
