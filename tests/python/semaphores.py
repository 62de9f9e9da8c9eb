"""`_multiprocessing`, which WASI CPython lacks: SemLock's arguments and glibc's refusals of names,
its two kinds' acquire and release counts and errors, a blocking acquire with a timeout, ended by a
signal handler that releases it or raises, or by Ctrl-C's KeyboardInterrupt; names kept until
sem_unlink and reopened with _rebuild; and `multiprocessing.synchronize` on it.
tests/tests/sandbox.rs compares this with native CPython."""
import errno
import signal
import time

import _multiprocessing as mp

SemLock, RECURSIVE_MUTEX, SEMAPHORE = mp.SemLock, 0, 1


def attempt(label, f, *args, **kw):
    try:
        result = f(*args, **kw)
    except (OSError, ValueError, TypeError, OverflowError, AssertionError, AttributeError) as e:
        code = errno.errorcode.get(getattr(e, "errno", None) or 0, "")
        result = f"{type(e).__name__} {code} {e.args[-1] if code else e}".rstrip()
    print(f"{label}: {result}")


def state(s):
    return s._get_value(), s._count(), s._is_mine(), s._is_zero()


print("flags:", mp.flags, "SEM_VALUE_MAX:", SemLock.SEM_VALUE_MAX, "sem_unlink:", callable(mp.sem_unlink))
print("type:", SemLock.__module__, SemLock.__name__, repr(SemLock(1, 1, 1, "/r", True)).split(" at ")[0])

# Arguments, in CPython's order: conversions, then the kind, then what sem_open refuses.
for args in [(1.5, 1, 1, "/a", True), (1, 2**31, 1, "/a", True), (1, 1, -2**40, "/a", True),
             (1, 1, 1, b"/a", True), (1, 1, 1, None, True), (1, 1, 1, "/a", "yes"), (1, 1, 1, "/a\0b", True),
             (2, 1, 1, "/a", True), (2, -1, 1, "", True), (1, -1, 1, "/a", True), (1, 5, 1, "/a", True),
             (1, 1, -5, "/a", True), (0, 3, 0, "/a", True)]:
    attempt(f"SemLock{args}", lambda: state(SemLock(*args)))
attempt("keywords", lambda: state(SemLock(kind=1, value=2, maxvalue=2, name="/k", unlink=1)))
for name in ["", "/", "///", "/a/b", "x/", "noslash", "//two", "/" + "n" * 251, "/" + "n" * 252, "/" + "n" * 255,
             "/" + "n" * 256, "/é"]:
    attempt(f"name of {len(name)} {name[:8]!r}", lambda: SemLock(1, 1, 1, name, True).name)

# A semaphore: counts, timeouts, too many releases.
s = SemLock(SEMAPHORE, 2, 3, "/sem", True)
print("semaphore:", s.kind, s.maxvalue, s.name, type(s.handle).__name__, state(s))
print("acquires:", s.acquire(), s.acquire(), s.acquire(False), s.acquire(block=0, timeout=5), state(s))
# How long each should wait: its timeout, or until a signal handler releases it (None).
for timeout, wait in [(0, 0), (0.0, 0), (-1, 0), (-1e300, 0), (0.05, 0.05), (True, 1), (float("nan"), 0),
                      (1e300, 0), (float("inf"), 0), ("1", 0), (None, 0.1)]:
    started = time.monotonic()
    if timeout is None:
        signal.setitimer(signal.ITIMER_REAL, wait)
        signal.signal(signal.SIGALRM, lambda *a: s.release())  # a handler that releases ends the wait
    attempt(f"acquire(True, {timeout!r})", s.acquire, True, timeout)
    waited = time.monotonic() - started
    print(f"  waited {wait} s:", wait <= waited < wait + 0.9, state(s))
signal.signal(signal.SIGALRM, signal.SIG_DFL)
attempt("acquire(1, 2, 3)", s.acquire, 1, 2, 3)
attempt("acquire('x')", s.acquire, "x")
for _ in range(4):
    attempt("release", s.release)
print("after releases:", state(s))
with s:
    print("in with:", state(s))
attempt("__exit__(1, 2, 3)", s.__exit__, 1, 2, 3)
attempt("release(1)", s.release, 1)

# A recursive mutex: held by this thread, counted, refused when not held.
m = SemLock(RECURSIVE_MUTEX, 1, 1, "/mutex", True)
attempt("release unheld", m.release)
print("acquires:", m.acquire(), m.acquire(), m.acquire(False), state(m))
m.release()
print("one release:", state(m))
m.release()
print("two releases:", state(m))
attempt("third release", m.release)
m._after_fork()
print("after fork:", state(m))

# A zero semaphore: a handler that raises ends a blocking wait, Ctrl-C too.
zero = SemLock(SEMAPHORE, 0, 1, "/zero", True)


class Watchdog(Exception):
    pass


def bark(*a):
    raise Watchdog("barked")


signal.signal(signal.SIGALRM, bark)
signal.setitimer(signal.ITIMER_REAL, 0.1)
try:
    zero.acquire()
except Watchdog as e:
    print("blocking acquire ended by:", type(e).__name__, e, state(zero))
signal.signal(signal.SIGALRM, lambda *a: signal.raise_signal(signal.SIGINT))
signal.setitimer(signal.ITIMER_REAL, 0.1)
try:
    zero.acquire(True, 30)
except KeyboardInterrupt:
    print("timed acquire ended by KeyboardInterrupt", state(zero))
signal.signal(signal.SIGALRM, signal.SIG_DFL)

# Names: kept until sem_unlink, reopened by name, refused twice.
kept = SemLock(SEMAPHORE, 1, 1, "//kept", False)
print("kept:", kept.name)
attempt("the same name again", SemLock, SEMAPHORE, 1, 1, "/kept", False)
attempt("the same name, unlinked at once", SemLock, SEMAPHORE, 1, 1, "kept", True)
again = SemLock._rebuild(0, SEMAPHORE, 1, "/kept")
print("rebuilt:", again.name, again.acquire(False), state(kept), state(again))
attempt("rebuild a missing name", SemLock._rebuild, 0, SEMAPHORE, 1, "/missing")
for name in ["kept", "/kept", "", "/" + "n" * 255, "/" + "n" * 300, "a/b", b"/kept"]:
    attempt(f"sem_unlink({name[:8]!r}, {len(name)})", mp.sem_unlink, name)

# What a program cannot do with one.
attempt("set kind", setattr, s, "kind", 3)
attempt("delete name", delattr, s, "name")
attempt("new attribute", lambda: setattr(s, "foo", 3) or "set")
import pickle  # noqa: E402

attempt("pickle", pickle.dumps, s)


class Sub(SemLock):
    pass


print("subclass:", type(Sub(SEMAPHORE, 1, 1, "/sub", True)).__name__)

# multiprocessing.synchronize imports, and its primitives from a fork context (which unlinks each
# name at once, so no resource tracker process is asked for) work in this one process.
import multiprocessing  # noqa: E402
import multiprocessing.synchronize  # noqa: E402

fork = multiprocessing.get_context("fork")
lock, rlock, event, sem = fork.Lock(), fork.RLock(), fork.Event(), fork.BoundedSemaphore(2)
print("Lock:", lock.acquire(), lock.acquire(False), lock.acquire(timeout=0.05))
lock.release()
with rlock, rlock:
    print("RLock held twice:", rlock._semlock._count())
print("Event:", event.is_set(), event.wait(0.05))
event.set()
print("Event set:", event.is_set(), event.wait(0.05))
print("BoundedSemaphore:", sem.acquire(), sem.get_value())
sem.release()
attempt("BoundedSemaphore over", sem.release)
