# time.sleep in the sandbox is pysock's (so that Ctrl-C reaches it): what it takes, refuses, reports
# and how long it sleeps, against python3's. The messages of refused arguments that differ between
# CPython versions (the interpreter's own sleep raises them in the sandbox) print their class only.
import sys
import time


class Index:
    def __index__(self):
        return 0

    def __repr__(self):
        return "Index()"


events = []
sys.addaudithook(lambda event, args: event == "time.sleep" and events.append(args))

for length in [0, 0.0, -0.0, True, 1e-12, 0.05, 1, Index(), -1, -0.5, -1e-10, float("nan"), float("inf"),
               1e300, 10**30, 2**63 // 10**9 + 1, "1", None, b"1", 1j]:
    start = time.monotonic()
    try:
        time.sleep(length)
    except (ValueError, OverflowError) as e:
        print(f"{length!r}: {type(e).__name__}", e if isinstance(e, ValueError) else "")
    except TypeError as e:
        print(f"{length!r}: TypeError")
    else:
        took = time.monotonic() - start
        wanted = float(length.__index__() if isinstance(length, Index) else length)
        print(f"{length!r}: slept at least its length: {took >= wanted}, and not 0.5 s more: {took < wanted + 0.5}")

# Python 3.12 added the audit event; the sandbox's CPython is newer than that.
print("each call audited once, with its argument:", sys.version_info < (3, 12) or [type(a[0]).__name__ for a in events] == [
    "int", "float", "float", "bool", "float", "float", "int", "Index", "int", "float", "float", "float", "float",
    "float", "int", "int", "str", "NoneType", "bytes", "complex"])
print(repr(time.sleep), time.sleep.__module__, time.sleep.__name__, time.sleep.__qualname__)
# Python 3.14 spells its last line "floating-point".
print(time.sleep.__doc__.splitlines()[:3])
for call in [lambda: time.sleep(), lambda: time.sleep(1, 2), lambda: time.sleep(secs=1)]:
    try:
        call()
    except TypeError as e:
        print("TypeError:", e)
from time import sleep
print("from time import sleep:", sleep is time.sleep)
