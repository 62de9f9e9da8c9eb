# Signals a program sends itself: signal.raise_signal and os.kill to its own process, to a handler,
# ignored, or left at SIG_DFL (a signal that ends the process ends the run: the last lines), with
# CPython's argument errors; getsignal's view at startup (SIGPIPE and SIGXFSZ ignored, SIGKILL and
# SIGSTOP at SIG_DFL) and SIG_IGN's value. `python3 signal_delivery.py NUMBER` ends by that signal.
import errno
import os
import signal
import sys


def attempt(label, f):
    try:
        print(f"{label}: {f()!r}")
    except BaseException as e:
        name = errno.errorcode.get(getattr(e, "errno", None) or 0, "")
        print(f"{label}: {type(e).__name__} {name or e}")


print("SIG_IGN, SIG_DFL:", int(signal.SIG_IGN), int(signal.SIG_DFL), signal.SIG_IGN, repr(signal.SIG_IGN))
print("not SIG_DFL at startup:", {s.name: signal.getsignal(s) for s in signal.Signals
                                  if signal.getsignal(s) not in (signal.SIG_DFL, None)})
print("SIGKILL, SIGSTOP:", signal.getsignal(signal.SIGKILL), signal.getsignal(signal.SIGSTOP))
for handler in (signal.SIG_IGN, 1, True, signal.SIG_DFL, 2, -1, 6084, "x"):
    attempt(f"signal(SIGUSR1, {handler!r})", lambda: signal.signal(signal.SIGUSR1, handler))
attempt("getsignal(SIGUSR1)", lambda: signal.getsignal(signal.SIGUSR1))
attempt("signal(SIGKILL, SIG_IGN)", lambda: signal.signal(signal.SIGKILL, signal.SIG_IGN))

got = []
signal.signal(signal.SIGUSR1, lambda number, frame: got.append(number))
attempt("raise_signal(SIGUSR1)", lambda: signal.raise_signal(signal.SIGUSR1))
print("handled:", got)
for number in (0, 32, 33, 65, -1, 2**31, "x", 1.0, signal.SIGCHLD, signal.SIGWINCH, signal.SIGURG, signal.SIGCONT,
               signal.SIGPIPE, signal.SIGXFSZ):
    attempt(f"raise_signal({number!r})", lambda: signal.raise_signal(number))
attempt("raise_signal(SIGINT)", lambda: signal.raise_signal(signal.SIGINT))

me = os.getpid()
# kill(0, SIGNAL) natively reaches the whole process group, the test harness too: only 0 is sent to it.
for pid, number in ((me, 0), (0, 0), (me, signal.SIGUSR1), (me, -1), (me, 65),
                    (me, 2**31), (me, 2**32 + 10), (me, 2**63), (2**31, 0), (-2**31 - 1, 0), ("x", 0),
                    (me, "x"), (me, 1.0), (me, signal.SIGCHLD), (me, signal.SIGPIPE)):
    attempt(f"kill({'me' if pid == me else pid}, {number!r})", lambda: os.kill(pid, number))
print("handled:", got)


def boom(number, frame):
    raise RuntimeError(f"handler for {signal.Signals(number).name}")


signal.signal(signal.SIGUSR2, boom)
attempt("kill(me, SIGUSR2), a handler that raises", lambda: os.kill(me, signal.SIGUSR2))
attempt("kill(me, SIGINT)", lambda: os.kill(me, signal.SIGINT))
signal.signal(signal.SIGTERM, signal.SIG_IGN)
attempt("kill(me, SIGTERM), ignored", lambda: os.kill(me, signal.SIGTERM))
audits = []
sys.addaudithook(lambda event, args: audits.append(args) if event == "os.kill" else None)
os.kill(me, 0)
print("audited:", audits == [(me, 0)])
print("names:", os.kill.__name__, os.kill.__doc__, signal.raise_signal.__name__, signal.raise_signal.__doc__)

if len(sys.argv) > 1:
    ending = int(sys.argv[1])
    if ending not in (signal.SIGKILL, 32):
        signal.signal(ending, signal.SIG_DFL)
    print("ending by", ending, flush=True)
    os.kill(me, ending) if ending != signal.SIGKILL else signal.raise_signal(ending)
    print("not reached")
