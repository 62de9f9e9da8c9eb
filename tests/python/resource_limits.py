"""The resource module (which WASI CPython lacks): limits read, lowered, raised back to the hard
limit and enforced (a socket past RLIMIT_NOFILE, memory past RLIMIT_AS), getrusage's record and
every refusal, as native CPython. Values that differ between a machine and a sandbox (the limits
themselves, times) are compared, not printed."""
import os
import pickle
import resource
import socket
import sys

from transcript import attempt

if sys.argv[1:] == ["--limits"]:
    # The embedder's limits, and a program's try at raising them (natively, as root, it succeeds).
    for name in "RLIMIT_NOFILE", "RLIMIT_AS", "RLIMIT_DATA":
        print(name, resource.getrlimit(getattr(resource, name)))
    attempt("raise NOFILE", lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20, 1 << 20)))
    attempt("raise AS", lambda: resource.setrlimit(resource.RLIMIT_AS, (-1, -1)))
    resource.setrlimit(resource.RLIMIT_NOFILE, (2, 2))
    attempt("raise a lowered hard limit", lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3)))
    attempt("third socket", lambda: [socket.socket() for _ in range(3)])
    print("page size:", resource.getpagesize() == os.sysconf("SC_PAGESIZE"))
    sys.exit()

events = []
sys.addaudithook(lambda event, args: events.append((event, args)) if event.startswith("resource.") else None)

print("error is OSError:", resource.error is OSError)
print("infinity:", resource.RLIM_INFINITY)
for name in sorted(n for n in dir(resource) if n.startswith(("RLIMIT_", "RUSAGE_"))):
    print(name, getattr(resource, name))

for number in range(16):
    soft, hard = resource.getrlimit(number)
    print(number, type(soft).__name__, type(hard).__name__, hard == -1 or 0 <= soft <= hard)

attempt("getrlimit(16)", lambda: resource.getrlimit(16))
attempt("getrlimit(-1)", lambda: resource.getrlimit(-1))
attempt("getrlimit('7')", lambda: resource.getrlimit("7"))
attempt("getrlimit(2**40)", lambda: resource.getrlimit(2**40))
attempt("getrlimit(7.0)", lambda: resource.getrlimit(7.0))
attempt("getrlimit()", lambda: resource.getrlimit())
attempt("setrlimit(7)", lambda: resource.setrlimit(7))
attempt("setrlimit(7, 5)", lambda: resource.setrlimit(7, 5))
attempt("setrlimit(7, (5,))", lambda: resource.setrlimit(7, (5,)))
attempt("setrlimit(7, (1, 2, 3))", lambda: resource.setrlimit(7, (1, 2, 3)))
attempt("setrlimit(7, (1.5, 2))", lambda: resource.setrlimit(7, (1.5, 2)))
attempt("setrlimit(7, (2**70, 1))", lambda: resource.setrlimit(7, (2**70, 1)))
attempt("setrlimit(7, (10, 5))", lambda: resource.setrlimit(7, (10, 5)))
attempt("setrlimit(16, (1, 1))", lambda: resource.setrlimit(16, (1, 1)))
attempt("setrlimit(resource=7, limits=(1, 1))", lambda: resource.setrlimit(resource=7, limits=(1, 1)))
attempt("getrusage(5)", lambda: resource.getrusage(5))
attempt("getrusage('0')", lambda: resource.getrusage("0"))
attempt("prlimit(999999999, 7)", lambda: resource.prlimit(999999999, 7))
attempt("prlimit(0, 99)", lambda: resource.prlimit(0, 99))
attempt("getpagesize(1)", lambda: resource.getpagesize(1))
print("prlimit(0, NOFILE) is getrlimit's:", resource.prlimit(0, 7) == resource.getrlimit(7))
print("prlimit(getpid(), NOFILE) too:", resource.prlimit(os.getpid(), 7) == resource.getrlimit(7))
print("page size a power of two:", bin(resource.getpagesize()).count("1") == 1)

# test.support's SuppressCrashReport: no core files, the hard limit kept, then put back.
core = resource.getrlimit(resource.RLIMIT_CORE)
resource.setrlimit(resource.RLIMIT_CORE, (0, core[1]))
print("core off:", resource.getrlimit(resource.RLIMIT_CORE) == (0, core[1]))
resource.setrlimit(resource.RLIMIT_CORE, core)
print("core back:", resource.getrlimit(resource.RLIMIT_CORE) == core)
print("nice and rtprio:", resource.getrlimit(resource.RLIMIT_NICE), resource.getrlimit(resource.RLIMIT_RTPRIO))

# A lower RLIMIT_NOFILE refuses the socket past it with EMFILE; raised back to the hard limit, a
# socket opens again.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (24, hard))
print("nofile lowered:", resource.getrlimit(resource.RLIMIT_NOFILE) == (24, hard))
held = []
try:
    for _ in range(100):
        held.append(socket.socket())
    print("no limit met")
except OSError as e:
    print("past the limit:", type(e).__name__, e.errno == 24, len(held) <= 24)
for s in held:
    s.close()
old = resource.prlimit(0, resource.RLIMIT_NOFILE, (hard, hard))
print("prlimit gave the old limit:", old == (24, hard))
more = [socket.socket() for _ in range(40)]
print("raised back, 40 sockets open:", len(more))
for s in more:
    s.close()
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

# A lower RLIMIT_AS: an allocation past it is MemoryError, a small one still works.
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, hard))
try:
    big = bytearray(3 << 29)
    print("1.5 GiB allocated")
except MemoryError:
    print("1.5 GiB: MemoryError")
print("1 MiB:", len(bytearray(1 << 20)))
resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
print("memory limit back:", resource.getrlimit(resource.RLIMIT_AS) == (soft, hard))

usage = resource.getrusage(resource.RUSAGE_SELF)
print(type(usage), len(usage), type(usage).n_fields, type(usage).n_sequence_fields)
print(repr(usage).startswith("resource.struct_rusage(ru_utime="), usage[0] == usage.ru_utime)
print([type(v).__name__ for v in usage])
print("counts time and memory:", usage.ru_utime + usage.ru_stime > 0, usage.ru_maxrss > 1000)
print("pickles:", pickle.loads(pickle.dumps(usage)) == usage)
print("thread:", type(resource.getrusage(resource.RUSAGE_THREAD)).__name__)
print("children:", type(resource.getrusage(resource.RUSAGE_CHILDREN)).__name__)
attempt("struct_rusage((1,) * 15)", lambda: resource.struct_rusage((1,) * 15))
print("made:", resource.struct_rusage(range(16)).ru_nivcsw)

print("audited:", [(event, args[-2] if event == "resource.prlimit" else args[0]) for event, args in events])
