# CPU time, which WASI's libc does not measure: time.process_time, thread_time, the CPU-time clocks
# and os.times count the CPU the program uses, not the time it sleeps; ITIMER_VIRTUAL and ITIMER_PROF
# expire while it computes (their handlers run between two of its instructions), not while it sleeps.
# With the argument "default", SIG_DFL: SIGVTALRM ends the program, as it kills python3 (a shell
# reports 154). tests/tests/sandbox.rs compares this with native CPython.
import errno
import os
import signal
import sys
import time


def compute(cpu_seconds):
    """Runs Python for `cpu_seconds` of process time, bounded by the wall clock should it not count."""
    start, deadline = time.process_time(), time.monotonic() + 10
    while time.process_time() - start < cpu_seconds and time.monotonic() < deadline:
        sum(range(1000))
    return time.monotonic() < deadline


if sys.argv[1:] == ["default"]:
    signal.setitimer(signal.ITIMER_VIRTUAL, 0.05)
    print("armed", flush=True)
    compute(5)
    print("not reached")
    sys.exit(0)

# Clock ids are Linux's numbers (WASI's libc's are addresses).
print("ids:", time.CLOCK_REALTIME, time.CLOCK_MONOTONIC, abs(time.clock_gettime(True) - time.monotonic()) < 0.01,
      abs(time.clock_gettime_ns(0) - time.time_ns()) < 10**7)
for bad in (-1, 99, "1"):  # (2**40: OverflowError before 3.13, TypeError since)
    try:
        time.clock_gettime(bad)
    except Exception as e:
        print(type(e).__name__, e.errno == errno.EINVAL if isinstance(e, OSError) else "")
CPU_CLOCKS = (time.CLOCK_PROCESS_CPUTIME_ID, time.CLOCK_THREAD_CPUTIME_ID)
print("clocks:", CPU_CLOCKS, [time.clock_getres(c) for c in CPU_CLOCKS])
for name in ("process_time", "thread_time"):
    info = time.get_clock_info(name)
    print(name, info.implementation, info.monotonic, info.adjustable, info.resolution)
print("types:", type(time.process_time()).__name__, type(time.process_time_ns()).__name__,
      type(time.thread_time_ns()).__name__, type(time.clock_gettime_ns(time.CLOCK_THREAD_CPUTIME_ID)).__name__)


def readings():
    t = os.times()
    return (time.process_time(), time.thread_time(), time.clock_gettime(time.CLOCK_PROCESS_CPUTIME_ID),
            time.clock_gettime_ns(time.CLOCK_THREAD_CPUTIME_ID) / 1e9, t.user + t.system)


before = readings()
time.sleep(0.3)
slept = [round(b - a, 3) < 0.1 for a, b in zip(before, readings())]
print("a 0.3 s sleep costs little CPU time:", slept)
before, wall = readings(), time.monotonic()
print("computing ran to its bound:", compute(0.2))
wall = time.monotonic() - wall
used = [b - a for a, b in zip(before, readings())]
print("computing counts:", [0.15 < u <= wall + 0.02 for u in used])
t = os.times()
# (A native python3 started by a pyenv shim inherits the shim's children's times.)
print("times:", type(t).__name__, t.children_user >= 0, t.children_system >= 0, t.user >= 0, t.system >= 0)

hits = []
signal.signal(signal.SIGVTALRM, lambda signum, frame: hits.append(signum))
signal.signal(signal.SIGPROF, lambda signum, frame: hits.append(signum))
for which in (signal.ITIMER_VIRTUAL, signal.ITIMER_PROF):
    hits.clear()
    # Linux adds a tick (1/HZ) to the value, and reads it back so.
    print(signal.setitimer(which, 0.05), 0.03 < signal.getitimer(which)[0] <= 0.06, signal.getitimer(which)[1])
    time.sleep(0.3)
    print("asleep, not expired:", hits, 0.03 < signal.getitimer(which)[0] <= 0.06)
    compute(2)  # stops being counted once expired: bounded here by its own clock
    print("expired while computing:", hits[:1], signal.getitimer(which))
    hits.clear()
    signal.setitimer(which, 0.02, 0.02)
    deadline = time.monotonic() + 10
    while len(hits) < 3 and time.monotonic() < deadline:
        sum(range(1000))
    print("interval:", hits[:3], signal.setitimer(which, 0)[1], signal.getitimer(which))
print(signal.getitimer(signal.ITIMER_REAL))
