"""os.read, os.write, os.readv, os.writev, os.preadv and os.pwritev (the last four, and os.RWF_*,
which WASI CPython lacks): their arguments and Linux's refusals in Linux's order, the file's
position, scatter and gather across buffers of every kind, flags, and a socket, a pipe and stdout
through them. A regular file takes and gives more than 64 KiB a call, as on Linux (wasmtime-wasi's
streams stop each call at 64 KiB), through os.read and os.write and an unbuffered file's FileIO. tests/tests/sandbox.rs compares this with native CPython."""
import array
import errno
import io
import os
import select
import socket
import sys
import tempfile


def attempt(label, f, *args, **kw):
    try:
        result = f(*args, **kw)
    except (OSError, ValueError, TypeError, OverflowError, MemoryError, BufferError, ZeroDivisionError, io.UnsupportedOperation) as e:
        code = errno.errorcode.get(getattr(e, "errno", None) or 0, "")
        result = f"{type(e).__name__} {code} {e.args[-1] if code else e}".rstrip()
    print(f"{label}: {str(result)[:100]}")


scratch = tempfile.mkdtemp()
path = os.path.join(scratch, "f")
fd = os.open(path, os.O_RDWR | os.O_CREAT)

print("-- os.writev and os.readv")
attempt("writev", os.writev, fd, [b"ab", bytearray(b"cd"), memoryview(b"ef")])
attempt("writev empty", os.writev, fd, [])
attempt("writev empty tuple", os.writev, fd, ())
attempt("writev str item", os.writev, fd, [b"x", "y"])
attempt("writev gen", os.writev, fd, (x for x in [b"a"]))
attempt("writev int", os.writev, fd, 5)
attempt("writev bytes", os.writev, fd, b"abc")
attempt("writev str", os.writev, fd, "abc")
attempt("writev 1025", os.writev, fd, [b"x"] * 1025)
attempt("writev 1024", os.writev, fd, [b"x"] * 1024)
attempt("writev closed", os.writev, 999, [b"x"])
attempt("writev closed bad item", os.writev, 999, ["x"])
attempt("writev closed 1025", os.writev, 999, [b"x"] * 1025)
attempt("writev -1", os.writev, -1, [b"x"])
attempt("writev float fd", os.writev, 1.5, [b"x"])
attempt("writev 1 arg", os.writev, fd)
attempt("writev 3 arg", os.writev, fd, [], 1)
attempt("writev kw", os.writev, fd, buffers=[])
attempt("readv bytes item", os.readv, fd, [b"abc"])
attempt("readv memoryview ro", os.readv, fd, [memoryview(b"abc")])
attempt("readv int", os.readv, fd, 3)
attempt("readv at end", os.readv, fd, [bytearray(3)])
os.lseek(fd, 0, 0)
b1, b2 = bytearray(3), bytearray(4)
attempt("readv", os.readv, fd, [b1, b2]); print(b1, b2)
attempt("readv empty", os.readv, fd, [])
attempt("readv zero-length", os.readv, fd, [bytearray(0)])
attempt("preadv", os.preadv, fd, [b1, b2], 1); print(b1, b2, os.lseek(fd, 0, 1))
attempt("preadv neg", os.preadv, fd, [b1], -1)
attempt("preadv flags bad", os.preadv, fd, [b1], 0, 1 << 20)
attempt("preadv flags neg", os.preadv, fd, [b1], 0, -1)
attempt("preadv 2 args", os.preadv, fd, [b1])
attempt("preadv 5 args", os.preadv, fd, [b1], 0, 0, 0)
attempt("preadv int", os.preadv, fd, 5, 0)
attempt("preadv float offset", os.preadv, fd, [b1], 1.0)
attempt("preadv huge offset", os.preadv, fd, [b1], 2**63)
attempt("preadv big offset", os.preadv, fd, [b1], 2**62)
attempt("pwritev", os.pwritev, fd, [b"XY", b"Z"], 2); print(os.pread(fd, 20, 0), os.lseek(fd, 0, 1))
attempt("pwritev past end", os.pwritev, fd, [b"!"], 1040); print(os.fstat(fd).st_size)
attempt("pwritev int", os.pwritev, fd, 5, 0)
attempt("pwritev neg", os.pwritev, fd, [b"x"], -5)
attempt("pwritev flags bad", os.pwritev, fd, [b"x"], 0, 1 << 20)
ro = os.open(path, os.O_RDONLY)
wo = os.open(path, os.O_WRONLY)
attempt("writev ro", os.writev, ro, [b"x"])
attempt("writev ro 1025", os.writev, ro, [b"x"]*1025)
attempt("readv wo", os.readv, wo, [bytearray(1)])
attempt("preadv wo", os.preadv, wo, [bytearray(1)], 0)
attempt("pwritev ro", os.pwritev, ro, [b"x"], 0)
dfd = os.open(scratch, os.O_RDONLY)
attempt("readv dir", os.readv, dfd, [bytearray(1)])
attempt("readv dir empty", os.readv, dfd, [])
attempt("readv dir 1025", os.readv, dfd, [bytearray(1)] * 1025)
attempt("preadv dir", os.preadv, dfd, [bytearray(1)], 0)
a, b = socket.socketpair()
attempt("writev sock", os.writev, a.fileno(), [b"hello ", b"world"])
c, e = bytearray(4), bytearray(20)
attempt("readv sock", os.readv, b.fileno(), [c, e]); print(c, e)
b.setblocking(False)
attempt("readv sock empty", os.readv, b.fileno(), [c])
attempt("preadv sock", os.preadv, b.fileno(), [c], 0)
attempt("pwritev sock", os.pwritev, a.fileno(), [b"x"], 0)
r, w = os.pipe()
attempt("writev pipe", os.writev, w, [b"abc", b"def"])
attempt("readv pipe", os.readv, r, [c]); print(c)
attempt("readv pipe w", os.readv, w, [c])
attempt("writev pipe r", os.writev, r, [b"x"])
attempt("preadv pipe", os.preadv, r, [c], 0)
a.close()
attempt("readv sock eof", os.readv, b.fileno(), [c])
attempt("writev peer closed", os.writev, b.fileno(), [b"x"])

print("-- flags, buffers of every kind, sequences")
sys.stdout.flush()
attempt("writev stdout", os.writev, 1, [b"to ", b"stdout\n"])
os.ftruncate(fd, 0)
os.lseek(fd, 0, 0)
os.write(fd, b"0123456789")
print([n for n in dir(os) if n.startswith("RWF")], os.RWF_APPEND, os.RWF_NOWAIT)
attempt("pwritev append", os.pwritev, fd, [b"AP"], 0, os.RWF_APPEND); print(os.pread(fd, 50, 0), os.lseek(fd, 0, 1))
attempt("pwritev -1", os.pwritev, fd, [b"cur"], -1); print(os.pread(fd, 50, 0), os.lseek(fd, 0, 1))
os.lseek(fd, 2, 0)
attempt("pwritev -1 append", os.pwritev, fd, [b"E"], -1, os.RWF_APPEND); print(os.pread(fd, 50, 0), os.lseek(fd, 0, 1))
attempt("pwritev sync", os.pwritev, fd, [b"S"], 0, os.RWF_SYNC | os.RWF_DSYNC); print(os.pread(fd, 50, 0))
attempt("preadv hipri", os.preadv, fd, [bytearray(2)], 0, os.RWF_HIPRI)
attempt("preadv nowait", os.preadv, fd, [b := bytearray(3)], 1, os.RWF_NOWAIT); print(b)
attempt("preadv empty bad flags", os.preadv, fd, [], 0, 1 << 20)
attempt("preadv bad flags closed", os.preadv, 999, [bytearray(1)], 0, 1 << 20)
attempt("preadv -2", os.preadv, fd, [bytearray(1)], -2)
attempt("preadv flags float", os.preadv, fd, [bytearray(1)], 0, 1.0)
attempt("preadv flags big", os.preadv, fd, [bytearray(1)], 0, 2**40)
a = array.array("i", [0, 0])
attempt("preadv array", os.preadv, fd, [a], 0); print(a.tobytes())
ba = bytearray(b"..........")
attempt("preadv mv slice", os.preadv, fd, [memoryview(ba)[2:5], memoryview(ba)[7:]], 0); print(ba)
class Seq:
    def __len__(self): return 2
    def __getitem__(self, i):
        if i >= 2: raise IndexError
        return bytearray(2)
attempt("readv custom seq", os.preadv, fd, Seq(), 0)
class Bad:
    def __len__(self): return 1
    def __getitem__(self, i): 1/0
attempt("readv raising seq", os.readv, fd, Bad())
attempt("readv dict", os.readv, fd, {0: bytearray(1)})
attempt("writev range", os.writev, fd, range(3))
attempt("writev big", os.pwritev, fd, [b"z" * 100000] * 3, 0); print(os.fstat(fd).st_size)
attempt("readv big", os.preadv, fd, [bytearray(150000), bytearray(200000)], 0)
s, t = socket.socketpair()
s.settimeout(0.2)
attempt("readv timeout sock", os.readv, s.fileno(), [bytearray(3)])
attempt("preadv -1 sock", os.preadv, s.fileno(), [bytearray(3)], -1)
attempt("pwritev -1 sock", os.pwritev, t.fileno(), [b"ab", b"c"], -1)
attempt("preadv -1 sock now", os.preadv, s.fileno(), [c := bytearray(2), e := bytearray(2)], -1); print(c, e)
t.setblocking(False)
n = 0
try:
    for _ in range(10000):
        n += os.writev(t.fileno(), [b"x" * 1000, b"y" * 1000])
except BlockingIOError as ex:
    print("filled:", n > 0, type(ex).__name__, errno.errorcode[ex.errno])
attempt("writev many small to sock", os.writev, s.fileno(), [b"a"] * 1024)
print(len(t.recv(5000)))
ep = __import__("select").epoll()
attempt("readv epoll", os.readv, ep.fileno(), [bytearray(1)])
attempt("writev epoll", os.writev, ep.fileno(), [b"x"])
attempt("preadv epoll", os.preadv, ep.fileno(), [bytearray(1)], 0)
s.close()
attempt("readv closed sock number", os.readv, s.fileno(), [bytearray(1)])

print("-- os.read and os.write")
attempt("dir read", os.read, dfd, 10)
attempt("dir read 0", os.read, dfd, 0)
attempt("read kw", os.read, fd=dfd, length=1)
attempt("write kw", os.write, 1, data=b"")
attempt("read 1 arg", os.read, dfd)
attempt("write 3 args", os.write, 1, b"", 3)
attempt("read neg", os.read, dfd, -1)
attempt("read huge", os.read, dfd, 2**62)
attempt("read float", os.read, 1.0, 2)
attempt("write str", os.write, 1, "x")
attempt("write closed", os.write, 999, b"x")
attempt("read closed", os.read, 999, 1)
attempt("read closed 0", os.read, 999, 0)

wo = os.open(os.path.join(scratch, "g"), os.O_WRONLY | os.O_CREAT)
attempt("write big", os.write, wo, b"w" * 300000)
attempt("write mv", os.write, wo, memoryview(b"abc"))
attempt("read wo", os.read, wo, 1)
attempt("read wo 0", os.read, wo, 0)
ro = os.open(os.path.join(scratch, "g"), os.O_RDONLY)
attempt("write ro", os.write, ro, b"x")
attempt("write ro empty", os.write, ro, b"")
attempt("read big", lambda: len(os.read(ro, 400000)))
attempt("read at end", os.read, ro, 10)
os.lseek(ro, 0, 0)
attempt("read exact", lambda: len(os.read(ro, 300003)))
os.lseek(ro, 0, 0)
attempt("read 131072", lambda: len(os.read(ro, 131072)))
attempt("pread big", lambda: len(os.pread(ro, 400000, 1)))
attempt("preadv big", os.preadv, ro, [bytearray(200000), bytearray(200000)], 0)
attempt("pwritev big", os.pwritev, wo, [b"p" * 200000] * 2, 10)
attempt("writev big", os.writev, wo, [b"q" * 200000] * 2)
print(os.fstat(wo).st_size)
r, w = os.pipe()
attempt("pipe write", os.write, w, b"abc")
attempt("pipe read", os.read, r, 100)
attempt("pipe read w", os.read, w, 1)
attempt("pipe write r", os.write, r, b"x")

print("-- an unbuffered file (FileIO.write) takes every byte")
raw_path = os.path.join(scratch, "raw")
with open(raw_path, "wb", buffering=0) as f:
    print(type(f).__name__, f.write(b"r" * 300000), f.write(memoryview(array.array("i", range(40000)))), f.write(b""))
print(os.path.getsize(raw_path), io.FileIO.write.__name__, io.FileIO.write.__qualname__)


class Sub(io.FileIO):
    pass


with Sub(raw_path, "w") as f:
    print(f.write(bytearray(200000)), os.path.getsize(raw_path))
pr, pw = os.pipe()
os.set_blocking(pw, False)
with open(pw, "wb", buffering=0) as f:
    took = f.write(b"p" * 300000)
    print("a full non-blocking pipe took some:", 0 < took < 300000, f.write(b"x" * 10))
os.close(pr)
attempt("FileIO.write(None)", io.FileIO.write, None, b"x")
with open(raw_path, "rb", buffering=0) as f:
    attempt("read-only", f.write, b"x")
f = open(raw_path, "wb", buffering=0)
f.close()
attempt("closed", f.write, b"x")

print("-- an unbuffered file's reads (FileIO.read, readinto) fill the request to the file's end")
with open(raw_path, "wb") as f:
    f.write(bytes(range(256)) * 1024)
with open(raw_path, "rb", buffering=0) as f:
    first = f.read(200000)
    print(len(first), first[65530:65542] == bytes(range(250, 256)) + bytes(range(6)), len(f.read(200000)), f.read(10))
    f.seek(0)
    print(len(f.read()), len(f.read()), len(f.readall()))
    f.seek(1000)
    into = bytearray(300000)
    got = f.readinto(into)
    print(got, into[:got] == (bytes(range(256)) * 1024)[1000:], f.readinto(into))
    f.seek(0)
    print(f.readinto(memoryview(into)[7:200007]), f.readinto(array.array("i", bytes(40000))))
    f.seek(-5, os.SEEK_END)
    print(f.read(100000), f.read(-1), f.read(None))
print(io.FileIO.read.__name__, io.FileIO.readinto.__qualname__)
with open(raw_path, "rb") as f:
    print(len(f.read1(200000)), f.readinto(bytearray(100000)), len(f.read()))
with Sub(raw_path, "r") as f:
    print(len(f.read(100000)), f.readinto(bytearray(100000)))


class Size:
    def __index__(self):
        return 100000


with open(raw_path, "rb", buffering=0) as f:
    print(len(f.read(Size())), len(f.read(True)), len(f.read(-5)))
with open(raw_path, "wb", buffering=0) as f:
    attempt("write-only read", f.read, 100000)
    attempt("write-only readinto", f.readinto, bytearray(100000))
with open(raw_path, "rb", buffering=0) as f:
    try:
        f.readinto(b"x" * 100000)
    except TypeError as e:  # 3.11 and 3.14 word the argument differently
        print("readinto bytes:", type(e).__name__, "read-write bytes-like object" in str(e), f.tell())
pr, pw = os.pipe()
os.write(pw, b"q" * 60000)
with open(pr, "rb", buffering=0) as f:
    print("a pipe gives what has arrived:", len(f.read(100000)))
os.close(pw)
