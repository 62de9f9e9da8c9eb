"""socket.if_nameindex, if_nametoindex and if_indextoname: each interface found both ways, and
CPython's errors for names and indexes no interface has and for arguments of the wrong type or
range. With --list, the list itself: the sandbox sees the host's interfaces under --allow-net and
only the loopback ones otherwise, so tests/tests/sandbox.rs compares the list with native CPython's
under --allow-net and the rest in any case. (An index from 2**32 to 2**64 - 1 is left out: 3.11
takes it modulo 2**32 and 3.13 refuses it.)
"""
import errno
import pathlib
import socket
import sys

if sys.argv[1:] == ["--list"]:
    print(socket.if_nameindex())
    sys.exit()


def attempt(label, f):
    try:
        print(f"{label}: {f()!r}")
    except Exception as e:
        # The errno's name and text: the sandbox's CPython numbers errnos as WASI does.
        code = errno.errorcode.get(getattr(e, "errno", None) or -1)
        print(f"{label}: {type(e).__name__} {code} {getattr(e, 'strerror', None) or e}")


interfaces = socket.if_nameindex()
print("loopback among them:", (1, "lo") in interfaces)
attempt("each found both ways", lambda: all(
    socket.if_indextoname(i) == n and socket.if_nametoindex(n) == i for i, n in interfaces))
for name in ("lo", b"lo", pathlib.PurePath("lo"), "no-such0", "", "x" * 300, "l\0o", 1, bytearray(b"lo")):
    attempt(f"if_nametoindex({name!r:.24})", lambda: socket.if_nametoindex(name))
for index in (1, True, 0, 99999, 2**31, -1, 2**64, "1", 1.0):
    attempt(f"if_indextoname({index!r})", lambda: socket.if_indextoname(index))
try:
    socket.if_nameindex(1)
except TypeError:
    print("if_nameindex(1): TypeError")
