# signal.alarm, signal.setitimer and signal.getitimer, which WASI CPython lacks and pysock gives:
# a handler runs inside time.sleep (which sleeps on) and a FileIO read of a pipe (which reads on), ends a blocking recv by raising, and ends a
# select loop once per expiry of an interval timer, and ends signal.pause; what the timers read back;
# the argument errors;
# SIG_IGN; handlers that run while the program computes; asyncio's loop.add_signal_handler for SIGALRM (valid_signals, siginterrupt, the wakeup
# descriptor); glibc's signal names and descriptions. With the argument "default", SIG_DFL: SIGALRM ends the program in a sleep, as it
# kills python3 (a shell reports 142). tests/tests/sandbox.rs compares this with native CPython.
import errno
import io
import os
import select
import signal
import socket
import sys
import time

R = signal.ITIMER_REAL
if sys.argv[1:] == ["default"]:
    signal.setitimer(R, 0.05)
    print("armed", flush=True)
    time.sleep(5)
    print("not reached")
    sys.exit(0)

fired = []
signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
print(signal.alarm(10), signal.alarm(0))
t = time.monotonic()
signal.setitimer(R, 0.2)
time.sleep(0.5)
print("sleep goes on after the handler:", fired, 0.45 < time.monotonic() - t < 2)


def raiser(signum, frame):
    raise TimeoutError("watchdog")


signal.signal(signal.SIGALRM, raiser)
a, b = socket.socketpair()
signal.setitimer(R, 0.2)
t = time.monotonic()
try:
    a.recv(10)
except TimeoutError as e:
    print("recv ended by the handler:", e, 0.15 < time.monotonic() - t < 2)
signal.setitimer(R, 0.1, 0.1)
for _ in range(3):
    try:
        select.select([a], [], [], 5)
        print("select returned")
    except TimeoutError:
        print("select ended by the handler")

# While the program computes, between two of its instructions, as a native handler runs: a watchdog
# ends a loop that never waits (bounded by the clock, should it not), and an interval timer's
# handler runs three times in another.
signal.setitimer(R, 0.1)
deadline = time.monotonic() + 5
try:
    while time.monotonic() < deadline:
        pass
    print("the loop ran to its bound")
except TimeoutError as e:
    print("computing loop ended by the handler:", e)
ticks = []
signal.signal(signal.SIGALRM, lambda signum, frame: ticks.append(signum))
signal.setitimer(R, 0.05, 0.05)
deadline = time.monotonic() + 5
spins = 0
while len(ticks) < 3 and time.monotonic() < deadline:
    spins += 1
signal.setitimer(R, 0)
print("handler ran while computing:", ticks, spins > 0)
signal.signal(signal.SIGALRM, raiser)
left, interval = signal.getitimer(R)
print("interval timer:", 0 < left <= 0.1, interval)
print(signal.setitimer(R, 0)[1], signal.getitimer(R))
print(signal.setitimer(R, 2.0000001, 0.25)[0], signal.getitimer(R)[1], signal.setitimer(R, 5)[1])
print(signal.alarm(0))
signal.setitimer(R, 0.4)
print(signal.alarm(0))
signal.setitimer(R, 0.6)
print(signal.alarm(0))


# A handler that writes what a blocking read of a pipe through FileIO waits for: the read is
# interrupted, the handler runs and the read goes on (CPython's test_io checks this), buffered and raw.
pr, pw = os.pipe()
signal.signal(signal.SIGALRM, lambda signum, frame: os.write(pw, b"bar"))
for buffering in (-1, 0):
    with io.open(pr, "rb", buffering=buffering, closefd=False) as pipe_file:
        os.write(pw, b"foo")
        signal.setitimer(R, 0.1)
        print("a FileIO read went on after the handler:", pipe_file.read(6) if buffering else (pipe_file.read(6), pipe_file.read(6)))
os.close(pr)
os.close(pw)
signal.signal(signal.SIGALRM, raiser)


def outcome(call, *args):
    try:
        return call(*args)
    except OSError as e:
        return type(e).__name__, errno.errorcode[e.errno], e.strerror
    except Exception as e:
        return type(e).__name__, str(e)


for args in ((2**40,), (1.5,), ("1",), (), (1, 2)):
    print("alarm", args, outcome(signal.alarm, *args))
for args in ((R, -1), (R, 1e20), (99, 1), (R, "x"), (R, float("nan")), (R, float("inf")), (R, 0.5, -1), (R, 10**10), (-1, 0), (1.5, 0),
             (R,), (R, 0, 0, 0), (R, -0.0)):
    print("setitimer", args, outcome(signal.setitimer, *args))
for args in ((), (99,), (1.5,)):
    print("getitimer", args, outcome(signal.getitimer, *args))
print(issubclass(signal.ItimerError, OSError), signal.ItimerError.__name__)

# asyncio's loop.add_signal_handler: valid_signals, set_wakeup_fd on the loop's self-pipe (a socket,
# which the signal's number is written to), siginterrupt. The callback runs when SIGALRM ends the
# loop's wait, and after it ended a blocking recv that a coroutine made.
valid = signal.valid_signals()
print(len(valid), sorted(valid)[:2], signal.SIGALRM in valid)
# glibc's names and words, which WASI's libc (musl's) lacks: the real-time range's ends as members.
print([repr(s) for s in sorted(valid)[30:33]], repr(max(valid)), len(signal.Signals), signal.Signals(34))
print(repr(signal.SIGCLD), repr(signal.SIGRTMIN), repr(signal.SIGRTMAX), signal.Signals["SIGCLD"] is signal.SIGCHLD)
print([signal.strsignal(n) for n in (2, 8, 14, 17, 31, 32, 33, 34, 40, 64)])
# glibc keeps 32 and 33 for itself: a program can neither set nor read their handlers.
print(signal.getsignal(32), signal.getsignal(33))
for args in ((32, 5), (32, None), (33, signal.SIG_IGN), (32, signal.SIG_DFL), (32, lambda *a: 0), ("32", signal.SIG_DFL)):
    print("signal", args[0], outcome(signal.signal, *args))
for n in (0, 65, -1, 2**31, "2", 2.0):
    print("strsignal", repr(n), outcome(signal.strsignal, n))
for args in ((0, True), (65, True), (2, "x"), (2.5, True), (signal.SIGALRM, False)):
    print("siginterrupt", args, outcome(signal.siginterrupt, *args))


async def add_signal_handler():
    import asyncio

    loop = asyncio.get_running_loop()
    fired = asyncio.Event()
    loop.add_signal_handler(signal.SIGALRM, fired.set)
    signal.setitimer(R, 0.2)
    t = time.monotonic()
    await asyncio.wait_for(fired.wait(), 5)
    print("callback ran in the loop's wait:", 0.15 < time.monotonic() - t < 2)
    loop.remove_signal_handler(signal.SIGALRM)
    loop.add_signal_handler(signal.SIGALRM, fired.clear)
    a.settimeout(0.4)
    signal.setitimer(R, 0.1)
    try:
        a.recv(10)
    except TimeoutError:
        print("the recv timed out")
    await asyncio.sleep(0.05)
    print("callback ran after the recv:", not fired.is_set())
    loop.remove_signal_handler(signal.SIGALRM)


__import__("asyncio").run(add_signal_handler())

# signal.pause: returns once a handler has run, or raises what it raised.
ran = []
signal.signal(signal.SIGALRM, lambda number, frame: ran.append(number))
signal.setitimer(R, 0.1)
t = time.monotonic()
print("pause:", signal.pause(), ran == [signal.SIGALRM], 0.08 < time.monotonic() - t < 2)
signal.setitimer(R, 0.05, 0.05)
for _ in range(3):
    signal.pause()
signal.setitimer(R, 0)
print("three more pauses, three more handlers:", len(ran))


def raising(number, frame):
    raise InterruptedError("from the handler")


signal.signal(signal.SIGALRM, raising)
signal.setitimer(R, 0.05)
try:
    signal.pause()
except InterruptedError as e:
    print("pause raised", e)
print(signal.pause is __import__("_signal").pause, signal.pause.__module__, signal.pause.__name__, signal.pause.__doc__)
for args in [(1,), ()]:
    try:
        signal.pause(*args) if args else print(__import__("inspect").signature(signal.pause))
    except TypeError as e:
        print("TypeError", e)
signal.signal(signal.SIGALRM, signal.SIG_IGN)
signal.setitimer(R, 0.05)
time.sleep(0.2)
print("ignored")
