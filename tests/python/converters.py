"""Every argument converter of `_socket`, `select` and `select.epoll`/`poll` at its edges: each call with
values at and beyond the C type's range, of the wrong type, NaN and infinities, printed as the
exception class and message (or the result) so that native CPython's transcript is the expected one.
Each converter class is CPython's Argument Clinic or PyArg format (`_PyTime_t` timeouts, `int` and
`unsigned short` masks, `int` descriptors, `Py_ssize_t` sizes, `uint16` ports).
"""
import errno
import select
import socket

HUGE = (2**31, 2**32, 2**63, 2**64, -(2**31) - 1, -(2**63) - 1)
ODD = (-1, 0.5, 1e20, -1e20, float("nan"), float("inf"), float("-inf"), "1", None, 1j, True)


def attempt(label, f, *args):
    try:
        result = f(*args)
    except OSError as e:
        # errno's numbers are the platform's (wasi-libc's in the sandbox); its names are not.
        name = errno.errorcode.get(e.errno, e.errno) if e.errno is not None else None
        print(f"{label}: {type(e).__name__}: {name} {e.strerror or e}")
    except Exception as e:  # every class is printed, none is expected
        print(f"{label}: {type(e).__name__}: {e}")
    else:
        if isinstance(result, list):
            result = f"list of {len(result)}"
        elif isinstance(result, tuple) and all(isinstance(r, list) for r in result):
            result = f"lists of {[len(r) for r in result]}"
        print(f"{label}: {result!r}")


a, b = socket.socketpair()
fd = a.fileno()
# Every wait below is on a writable socket, so a long timeout that is accepted returns at once.

for t in HUGE + ODD:
    attempt(f"select.select timeout {t!r}", select.select, [], [a], [], t)

p = select.poll()
p.register(fd, select.POLLOUT)
for t in HUGE + ODD:
    attempt(f"poll.poll {t!r}", p.poll, t)
for m in (0, 1, 2**15, 2**16 - 1, 2**16, -1, 2**31, 2**32, 0.5, "1", None):
    attempt(f"poll.register mask {m!r}", p.register, fd, m)
    attempt(f"poll.modify mask {m!r}", p.modify, fd, m)
p.register(fd, select.POLLOUT)
for f in (-1, 2**31, 2**63, 0.5, "3", None):
    attempt(f"poll.register fd {f!r}", p.register, f)
    attempt(f"poll.unregister fd {f!r}", p.unregister, f)

ep = select.epoll()
for m in (0, 2**31 - 1, 2**31, 2**32 - 1, 2**32, -1, -(2**31), -(2**31) - 1, 0.5, "1"):
    attempt(f"epoll.register mask {m!r}", ep.register, fd, m)
    attempt(f"epoll.modify mask {m!r}", ep.modify, fd, m)
    try:
        ep.unregister(fd)
    except OSError:
        pass
ep.register(fd, select.EPOLLOUT)
for t in HUGE + ODD:
    attempt(f"epoll.poll timeout {t!r}", ep.poll, t)
for n in (-1, 0, 1, 2**31, 2**63, 0.5, "1", None):
    attempt(f"epoll.poll maxevents {n!r}", ep.poll, 0, n)
for n in (-1, 0, 2**31, 0.5):
    attempt(f"epoll(sizehint={n!r})", lambda n=n: select.epoll(n).close())
ep.close()

for t in HUGE + ODD:
    attempt(f"settimeout {t!r}", a.settimeout, t)
    attempt(f"setdefaulttimeout {t!r}", socket.setdefaulttimeout, t)
# What a timeout reads back: CPython keeps whole nanoseconds, rounded up.
for t in (-0.0, 1e-10, 2.5e-9, 0.1, 1.5, 1e-9, 10**9, 3):
    a.settimeout(t)
    socket.setdefaulttimeout(t)
    print(f"timeout {t!r} reads back", repr(a.gettimeout()), repr(a.timeout), repr(socket.getdefaulttimeout()))
    print(f"  a new socket's", repr(socket.socket().timeout))
socket.setdefaulttimeout(None)
a.settimeout(None)

for n in HUGE + (-1, 0.5, "1", None):
    attempt(f"recv bufsize {n!r}", a.recv, n, socket.MSG_DONTWAIT)
    attempt(f"recv flags {n!r}", a.recv, 1, n)
    attempt(f"send flags {n!r}", b.send, b"", n)

for v in HUGE + (-1, 0.5, "1", None, b"\0\0\0\0"):
    attempt(f"setsockopt SO_RCVBUF {v!r}", a.setsockopt, socket.SOL_SOCKET, socket.SO_RCVBUF, v)
for n in HUGE + (-1, 0, 1025, 0.5):
    attempt(f"getsockopt buflen {n!r}", a.getsockopt, socket.SOL_SOCKET, socket.SO_TYPE, n)
for level in HUGE + (0.5, "1"):
    attempt(f"getsockopt level {level!r}", a.getsockopt, level, socket.SO_TYPE)

for f in ("htons", "ntohs", "htonl", "ntohl"):
    for v in (-1, 2**16, 2**32, 2**64, 0.5, "1"):
        attempt(f"{f} {v!r}", getattr(socket, f), v)

attempt("sendto with one argument", socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto, b"x")
attempt("sendto with four arguments", socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto, b"x", 0, None, 1)
for address in (None, 0, "x", ("127.0.0.1",)):
    attempt(f"sendto address {address!r}", socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto, b"x", address)
    attempt(f"sendto flags, address {address!r}", socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto, b"x", 0, address)
for port in (-1, 65536, 2**31, 2**64, 0.5, "80", None):
    attempt(f"bind port {port!r}", socket.socket().bind, ("127.0.0.1", port))
for flow in (-1, 2**32, 2**64 + 5, 2**20):
    attempt(f"bind flowinfo {flow!r}", socket.socket(socket.AF_INET6).bind, ("::1", 0, flow, 0))
for sockaddr in (("::1", 2**31), ("::1", 2**64), ("::1", 70000), ("::1", -1), ("::1", 80, 2**32, 0),
                 ("::1", 80, 0, 2**32), ("::1", 80, -1, 0), ("::1", 80, 0.5), ("127.0.0.1", 80, 0)):
    attempt(f"getnameinfo {sockaddr!r}", socket.getnameinfo, sockaddr, socket.NI_NUMERICSERV)
for backlog in (-1, 2**31, 0.5):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    attempt(f"listen backlog {backlog!r}", s.listen, backlog)
    s.close()

for family in (2**31, -1, 0.5):
    attempt(f"socket family {family!r}", lambda f=family: socket.socket(f).family)
for fileno in (-2, 2**31, 0.5, "3"):
    attempt(f"socket fileno {fileno!r}", lambda f=fileno: socket.socket(fileno=f))

a.close()
b.close()
