"""`mmap`, which WASI CPython lacks and pysock adds: maps of a file (shared, read-only, private) and
of anonymous memory, indexing, slicing, the file-like methods, changes reaching the file, the buffer
protocol, resizing, offsets, the refusals of CPython's `mmapmodule.c` and its constants.
tests/tests/sandbox.rs compares this with native CPython."""
import hashlib
import mmap
import os
import pickle
import re
import tempfile

from transcript import attempt

d = tempfile.mkdtemp()
path = os.path.join(d, "f")
with open(path, "wb") as f:
    f.write(b"hello world\nsecond line\n" + b"\0" * 100)
f = open(path, "r+b")
m = mmap.mmap(f.fileno(), 0)
attempt("len, size", lambda: (len(m), m.size(), m.tell()))
attempt("m[0], m[-1], m[0:5], m[::2][:5]", lambda: (m[0], m[-1], m[0:5], m[::2][:5]))
attempt("m[200]", lambda: m[200])
attempt("m['x']", lambda: m["x"])
attempt("find", lambda: (m.find(b"world"), m.find(b"zzz"), m.find(b"o", 5), m.find(b"o", 5, 6), m.rfind(b"o"), m.rfind(b"l", 0, 4), m.find(b"")))
attempt("read 5", lambda: (m.read(5), m.tell()))
attempt("readline", lambda: (m.readline(), m.tell()))
attempt("read_byte", lambda: (m.read_byte(), m.tell()))
attempt("seek end", lambda: (m.seek(0, 2) and None, m.tell()))
attempt("read at end", lambda: m.read())
attempt("read_byte at end", lambda: m.read_byte())
attempt("seek -1", lambda: m.seek(-1))
attempt("seek beyond", lambda: m.seek(1000))
attempt("seek whence 3", lambda: m.seek(0, 3))
m.seek(0)
attempt("write", lambda: (m.write(b"HELLO"), m.tell()))
attempt("write_byte", lambda: (m.write_byte(ord("!")), m.tell()))
attempt("file sees it", lambda: open(path, "rb").read(12))
attempt("m[0] = 104", lambda: m.__setitem__(0, 104))
attempt("m[0] = 256", lambda: m.__setitem__(0, 256))
attempt("m[0] = b'h'", lambda: m.__setitem__(0, b"h"))
attempt("m[0:2] = b'ab'", lambda: m.__setitem__(slice(0, 2), b"ab"))
attempt("m[0:2] = b'abc'", lambda: m.__setitem__(slice(0, 2), b"abc"))
attempt("m[::2][:3] assign", lambda: m.__setitem__(slice(0, 6, 2), b"xyz"))
attempt("file sees", lambda: open(path, "rb").read(12))
attempt("move", lambda: (m.move(0, 6, 5), m[:12]))
attempt("move bad", lambda: m.move(0, 120, 10))
m.seek(len(m) - 2)
attempt("write past end", lambda: m.write(b"abc"))
m.seek(0, 2)
attempt("write_byte at end", lambda: m.write_byte(1))
attempt("flush", lambda: m.flush())
attempt("flush range", lambda: m.flush(0, 10))
attempt("flush bad offset", lambda: m.flush(1, 10))
attempt("flush out of range", lambda: m.flush(0, 100000))
attempt("memoryview", lambda: bytes(memoryview(m)[:5]))
attempt("re, hashlib, bytes", lambda: (re.search(rb"w.rld", m).span(), hashlib.sha256(m).hexdigest()[:16], bytes(m)[:5]))
v = memoryview(m)
v[0:5] = b"VIEWS"
attempt("resize with export", lambda: m.resize(10))
v.release()
attempt("flush after view", lambda: (m.flush(), open(path, "rb").read(5)))
attempt("resize", lambda: (m.resize(200), len(m), os.path.getsize(path), m[-1]))
attempt("resize smaller", lambda: (m.resize(50), len(m), os.path.getsize(path)))
attempt("pickle", lambda: pickle.dumps(m))
attempt("in", lambda: b"VIEW" in m)
attempt("iter", lambda: list(m)[:3])
attempt("madvise", lambda: m.madvise(mmap.MADV_NORMAL))
attempt("madvise bad start", lambda: m.madvise(mmap.MADV_NORMAL, 1000))
m.close()
attempt("closed", lambda: m.closed)
attempt("read closed", lambda: m.read())
attempt("len closed", lambda: len(m))
attempt("close again", lambda: m.close())
f.close()
# Access modes.
f = open(path, "rb")
r = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
attempt("read-only write", lambda: r.write(b"x"))
attempt("read-only setitem", lambda: r.__setitem__(0, 1))
attempt("read-only resize", lambda: r.resize(10))
attempt("read-only move", lambda: r.move(0, 1, 1))
attempt("read-only memoryview", lambda: memoryview(r).readonly)
attempt("default on a read-only file", lambda: mmap.mmap(f.fileno(), 0))
attempt("ACCESS_WRITE on a read-only file", lambda: mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_WRITE))
c = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
c[0:4] = b"COPY"
attempt("copy changes the map", lambda: c[0:4])
attempt("copy leaves the file", lambda: open(path, "rb").read(4))
attempt("copy resize", lambda: c.resize(10))
attempt("both access and flags", lambda: mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE, access=mmap.ACCESS_READ))
attempt("bad access", lambda: mmap.mmap(f.fileno(), 0, access=7))
attempt("prot read", lambda: mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ).write(b"x"))
attempt("length too big", lambda: mmap.mmap(f.fileno(), 1000, access=mmap.ACCESS_READ))
attempt("offset too big", lambda: mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ, offset=65536))
attempt("negative length", lambda: mmap.mmap(f.fileno(), -1))
attempt("negative offset", lambda: mmap.mmap(f.fileno(), 0, offset=-1))
attempt("bad fd", lambda: mmap.mmap(999, 10))
attempt("str fd", lambda: mmap.mmap("x", 10))
f.close()
e = os.path.join(d, "empty")
open(e, "wb").close()
with open(e, "r+b") as g:
    attempt("empty file", lambda: mmap.mmap(g.fileno(), 0))
# Anonymous maps.
a = mmap.mmap(-1, 13)
attempt("anonymous", lambda: (len(a), a[:]))
attempt("anonymous size", lambda: a.size())
a.write(b"anonymous map")
attempt("anonymous written", lambda: a[:])
attempt("anonymous resize", lambda: (a.resize(20), a[:]))
attempt("anonymous zero length", lambda: mmap.mmap(-1, 0))
with mmap.mmap(-1, 4) as w:
    w[:] = b"with"
    attempt("context", lambda: w[:])
attempt("closed after with", lambda: w.closed)
attempt("constants", lambda: (mmap.ACCESS_DEFAULT, mmap.ACCESS_READ, mmap.ACCESS_WRITE, mmap.ACCESS_COPY, mmap.MAP_SHARED, mmap.MAP_PRIVATE, mmap.MAP_ANONYMOUS, mmap.PROT_READ, mmap.PROT_WRITE, mmap.PROT_EXEC, mmap.MADV_DONTNEED))
attempt("error", lambda: mmap.error is OSError)
attempt("names", lambda: (mmap.mmap.__module__, mmap.mmap.__name__))
# An offset of a whole number of pages (65,536 bytes: the sandbox's page, a multiple of Linux's).
big = os.path.join(d, "big")
with open(big, "wb") as g:
    g.write(bytes(range(256)) * 512)
with open(big, "r+b") as g:
    o = mmap.mmap(g.fileno(), 0, offset=65536)
    attempt("offset 65536", lambda: (len(o), o[:4], o[-1]))
    o[0:4] = b"page"
    o.close()
    attempt("written at the offset", lambda: (os.pread(g.fileno(), 4, 65536), os.pread(g.fileno(), 4, 0)))
    attempt("offset 100", lambda: mmap.mmap(g.fileno(), 10, offset=100))
    attempt("offset at the end", lambda: mmap.mmap(g.fileno(), 0, offset=131072))
# What is no regular file: a pipe's read end (its mode refuses a shared writable map first), sockets,
# a closed descriptor.
import socket
r, w = os.pipe()
held = [socket.socket(type=socket.SOCK_DGRAM), socket.socket(), socket.socket(socket.AF_UNIX)]
for name, fd in [("pipe", r), ("UDP socket", held[0].fileno()), ("TCP socket", held[1].fileno()), ("AF_UNIX socket", held[2].fileno())]:
    for access in (mmap.ACCESS_DEFAULT, mmap.ACCESS_COPY, mmap.ACCESS_WRITE):
        attempt(f"{name}, access {access}", lambda: mmap.mmap(fd, 10, access=access))
closed = socket.socket()
number = closed.fileno()
closed.close()
attempt("a closed socket's number", lambda: mmap.mmap(number, 10))
