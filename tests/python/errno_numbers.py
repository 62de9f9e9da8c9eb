"""Errno numbers and words as CPython shows them on Linux: `errno`'s names and `errorcode`,
os.strerror, the OSError the interpreter's C code raises from libc (os.close, open, mkdir, ...),
the one pysock's sockets raise, connect_ex's and SO_ERROR's numbers, the subclass OSError(n, ...)
picks for every number, and OSError subclasses of a program's own (an `__init__` taking keywords,
as requests' exceptions have, a `__new__` of their own), pickled and copied.
tests/tests/sandbox.rs compares this with native CPython. The argument is a writable folder."""
import copy
import errno
import os
import pickle
import socket
import sys

folder = sys.argv[1]


def show(label, f):
    try:
        print(f"{label}: {f()!r}")
    except OSError as e:
        print(f"{label}: {type(e).__name__} errno={e.errno} args={e.args} str={e}")
    except Exception as e:
        print(f"{label}: {type(e).__name__} {e}")


names = sorted(n for n in dir(errno) if n.startswith("E"))
print("names", [(n, getattr(errno, n)) for n in names])
print("errorcode", sorted(errno.errorcode.items()))
print("ENOTCAPABLE", hasattr(errno, "ENOTCAPABLE"))
print("strerror", [os.strerror(n) for n in range(-2, 140)])
for bad in ("a", 1.5, 2**31, None):
    show(f"strerror({bad!r})", lambda: os.strerror(bad))
show("strerror(code=1)", lambda: os.strerror(code=1))
print("strerror is", os.strerror is os.strerror, type(os.strerror).__name__, os.strerror.__module__,
      os.strerror.__text_signature__, os.strerror.__doc__)

# Raised by the interpreter's C code from libc's errno.
path = os.path.join(folder, "file")
with open(path, "w") as f:
    f.write("x")
show("os.close(bad)", lambda: os.close(987))
show("os.fstat(bad)", lambda: os.fstat(987))
show("open(missing)", lambda: open(os.path.join(folder, "missing")))
show("os.listdir(missing)", lambda: os.listdir(os.path.join(folder, "missing")))
show("os.mkdir(existing)", lambda: os.mkdir(folder))
show("os.rmdir(file)", lambda: os.rmdir(path))
show("os.listdir(file)", lambda: os.listdir(path))
show("open(folder, 'w')", lambda: open(folder, "w"))
os.mkdir(os.path.join(folder, "full"))
open(os.path.join(folder, "full", "file"), "w").close()
show("os.rmdir(nonempty)", lambda: os.rmdir(os.path.join(folder, "full")))
show("os.unlink(folder)", lambda: os.unlink(folder))
show("os.rename(missing)", lambda: os.rename(os.path.join(folder, "missing"), path))
show("os.stat(missing/x)", lambda: os.stat(os.path.join(path, "x")))

# Raised by pysock's sockets.
listener = socket.create_server(("127.0.0.1", 0))
port = listener.getsockname()[1]
listener.close()
s = socket.socket()
show("connect(refused)", lambda: s.connect(("127.0.0.1", port)))
s.close()
s = socket.socket()
print("connect_ex(refused)", errno.errorcode[s.connect_ex(("127.0.0.1", port))], s.connect_ex(("127.0.0.1", port)) > 0)
s.close()
s = socket.socket()
s.setblocking(False)
s.connect_ex(("127.0.0.1", port))
import select
select.select([], [s], [], 5)
print("SO_ERROR", s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == errno.ECONNREFUSED)
s.close()
a = socket.create_server(("127.0.0.1", 0))
b = socket.socket()
show("bind(in use)", lambda: b.bind(a.getsockname()))
b.close()
a.close()
left, right = socket.socketpair()
left.setblocking(False)
show("recv(empty)", lambda: left.recv(1))
right.close()
show("send(closed peer)", lambda: [left.send(b"x" * 65536) for _ in range(40)])
left.close()
show("send(closed)", lambda: left.send(b"x"))
show("SOCK_SEQPACKET over IPv6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_SEQPACKET))

# The subclass each number picks, made by Python.
print("classes", [(n, type(OSError(n, "w")).__name__, str(OSError(n, "w"))) for n in range(0, 135)])
for args in [(), (2,), ("a", "b"), (True, "w"), (2, "w", "f"), (2, "w", "f", None, "g"), (2, 3, 4, 5, 6, 7),
             (2**70, "w"), (11, "w", 5), (11.0, "w"), (errno.EAGAIN, "w", 5)]:
    show(f"OSError{args}", lambda: (type(OSError(*args)).__name__, OSError(*args).errno, str(OSError(*args)), OSError(*args).args))
show("BlockingIOError written", lambda: BlockingIOError(errno.EAGAIN, "w", 5).characters_written)

# A buffered write that would block: _io's own BlockingIOError, with EAGAIN.
reader, writer = socket.socketpair()
writer.setblocking(False)
buffered = writer.makefile("wb", buffering=8192)
try:
    for _ in range(1000):
        buffered.write(b"x" * 65536)
except BlockingIOError as e:
    print("buffered write", type(e).__name__, e.errno, e.strerror, e.characters_written >= 0)
reader.close()
writer.close()
show("ConnectionError(111, w)", lambda: type(ConnectionError(111, "w")).__name__)
show("OSError keyword", lambda: OSError(2, "w", x=1))


class RequestError(IOError):
    """As requests' RequestException: an `__init__` of its own, taking keywords."""

    def __init__(self, *args, **kwargs):
        self.response = kwargs.pop("response", None)
        super().__init__(*args, **kwargs)


class Refused(RequestError):
    pass


class Mapped(OSError):
    def __new__(cls, *args):
        return super().__new__(cls, *args)


class Late(Refused):
    def __new__(cls, *args, **kwargs):
        return super().__new__(cls, *args)


for make in [lambda: RequestError(errno.ENOENT, "w", response=1), lambda: Refused("plain", response=2),
             lambda: Mapped(errno.ECONNREFUSED, "w"), lambda: Late(errno.EPIPE, "w", response=3),
             lambda: RequestError(errno.EPIPE, "w")]:
    show("own class", lambda: (type(make()).__name__, make().errno, make().args, str(make()), getattr(make(), "response", "-")))

e = FileNotFoundError(errno.ENOENT, "No such file or directory", "f")
for name, again in [("pickle", pickle.loads(pickle.dumps(e))), ("copy", copy.copy(e)), ("deepcopy", copy.deepcopy(e))]:
    print(name, type(again).__name__, again.errno, again.args, str(again))
try:
    os.close(987)
except OSError as caught:
    again = pickle.loads(pickle.dumps(caught))
    print("pickled from C", type(again).__name__, again.errno, again.strerror, str(again))
