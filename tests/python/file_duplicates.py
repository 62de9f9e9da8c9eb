"""os.dup and os.dup2 of files, the standard streams and /dev/null: a duplicate shares the file's
offset and status flags and keeps the file open after the original number closes; dup2 moves a
temporary file onto stdout, stderr and stdin and back, step by step as pytest's output capture and
its fault handler do; a file moved onto a socket's number closes that socket; a number a file held
goes back to the sockets (lowest free first) when it closes; the errors of dup and dup2.
tests/tests/sandbox.rs compares this with native CPython."""
import faulthandler
import io
import os
import select
import socket
import sys
import tempfile

from transcript import attempt

print("-- a file's duplicate")
f = tempfile.TemporaryFile(buffering=0)
fd = f.fileno()
twin = os.dup(fd)
attempt("a new number", lambda: twin != fd)
attempt("not inheritable", lambda: os.get_inheritable(twin))
attempt("the same open file", lambda: os.path.sameopenfile(fd, twin))
os.write(fd, b"written through the original\n")
attempt("the offset is shared", lambda: (os.lseek(fd, 0, os.SEEK_CUR), os.lseek(twin, 0, os.SEEK_CUR)))
os.write(twin, b"and through the duplicate\n")
attempt("one file", lambda: (os.lseek(fd, 0, os.SEEK_SET), os.read(twin, 100)))
f.close()
attempt("the original is closed", lambda: os.fstat(fd))
attempt("the duplicate still reads", lambda: (os.lseek(twin, 0, os.SEEK_SET), os.read(twin, 7)))
third = os.dup(twin)
attempt("a duplicate of the duplicate", lambda: os.read(third, 5))
os.close(third)
with os.fdopen(twin, "rb") as again:
    attempt("read through a file object", lambda: again.read())
attempt("closed with its file object", lambda: os.fstat(twin))

print("-- os.dup2 between files")
a = tempfile.TemporaryFile(buffering=0)
b = tempfile.TemporaryFile(buffering=0)
a.write(b"A" * 10)
b.write(b"B" * 3)
attempt("b onto a", lambda: os.dup2(b.fileno(), a.fileno()) == a.fileno())
attempt("a's number reaches b's file", lambda: (os.lseek(a.fileno(), 0, os.SEEK_SET), a.read()))
attempt("b's inheritable flag", lambda: os.get_inheritable(b.fileno()))
attempt("onto itself", lambda: os.dup2(b.fileno(), b.fileno()) == b.fileno())
attempt("onto itself, not inheritable", lambda: os.dup2(b.fileno(), b.fileno(), inheritable=False))
attempt("onto itself, inheritable by a string's truth", lambda: os.dup2(b.fileno(), b.fileno(), inheritable="yes") == b.fileno())
attempt("onto itself, not inheritable by a string's truth", lambda: os.dup2(b.fileno(), b.fileno(), inheritable=""))
attempt("onto a duplicate of itself", lambda: os.dup2(b.fileno(), a.fileno()) == a.fileno())
b.close()
attempt("b's file after b closes", lambda: (os.lseek(a.fileno(), 0, os.SEEK_SET), os.read(a.fileno(), 10)))
number = a.fileno()
a.close()
attempt("both closed", lambda: os.fstat(number))

print("-- stdout and stderr captured as pytest captures them")
sys.stdout.flush()
captured = {}
for target in (1, 2):
    saved = os.dup(target)
    tmp = io.TextIOWrapper(tempfile.TemporaryFile(buffering=0), encoding="utf-8", errors="replace", newline="", write_through=True)
    os.dup2(tmp.fileno(), target)
    os.write(target, f"os.write to {target}\n".encode())
    print(f"print to {'stdout' if target == 1 else 'stderr'}", file=sys.stdout if target == 1 else sys.stderr, flush=True)
    os.dup2(saved, target)
    os.close(saved)
    tmp.seek(0)
    captured[target] = tmp.read()
    tmp.seek(0)
    tmp.truncate()
    tmp.close()
attempt("captured from 1", lambda: captured[1])
attempt("captured from 2", lambda: captured[2])
sys.stdout.flush()
attempt("stdout is back", lambda: os.write(1, b"written to stdout after the capture\n"))
attempt("stdout's inheritable flag", lambda: os.get_inheritable(1))

print("-- stdin from /dev/null and back")
saved = os.dup(0)
null = open(os.devnull, encoding="utf-8")
os.dup2(null.fileno(), 0)
attempt("stdin reads the null device", lambda: os.read(0, 10))
attempt("a character device", lambda: oct(os.fstat(0).st_mode))
os.dup2(saved, 0, inheritable=False)
attempt("stdin's inheritable flag", lambda: os.get_inheritable(0))
os.set_inheritable(0, True)
os.close(saved)
null.close()

print("-- the null device's duplicates share its status flags")
import fcntl

n = os.open(os.devnull, os.O_WRONLY)
m = os.dup(n)
fcntl.fcntl(n, fcntl.F_SETFL, os.O_APPEND)
attempt("O_APPEND through the duplicate", lambda: bool(fcntl.fcntl(m, fcntl.F_GETFL) & os.O_APPEND))
os.close(n)
attempt("the duplicate writes", lambda: os.write(m, b"x" * 5))
os.close(m)

print("-- pytest's fault handler on a duplicate of stderr")
stderr_copy = os.dup(sys.stderr.fileno())
faulthandler.enable(file=stderr_copy)
attempt("enabled", faulthandler.is_enabled)
faulthandler.disable()
os.close(stderr_copy)
attempt("the copy closed", lambda: os.fstat(stderr_copy))

print("-- a file onto a socket's number, and numbers going back to sockets")
s = socket.socket()
number = s.fileno()
f = tempfile.TemporaryFile(buffering=0)
attempt("a file onto a socket's number", lambda: os.dup2(f.fileno(), number) == number)
attempt("the number is the file now", lambda: os.path.sameopenfile(number, f.fileno()))
attempt("the socket object", lambda: s.getsockname())
e = socket.socket()
os.dup2(f.fileno(), e.fileno())
os.close(e.fileno())
with select.epoll() as ep:
    attempt("an epoll object takes the number back", lambda: ep.fileno() == e.fileno())
    attempt("the socket object on it", lambda: e.getsockname())
    e.detach()
s.detach()
t = socket.socket()
attempt("a new socket takes another number", lambda: t.fileno() != number)
os.close(number)
u = socket.socket()
attempt("the number is the sockets' again", lambda: u.fileno() == number)
u.close()
attempt("a file onto a free number below 1024", lambda: os.dup2(f.fileno(), number) == number)
with os.fdopen(number, "rb") as through:
    pass
v = socket.socket()
attempt("closed through a file object, the number is the sockets' again", lambda: v.fileno() == number)
attempt("a socket onto the file's number", lambda: os.dup2(v.fileno(), f.fileno()) == f.fileno())
with socket.socket(fileno=os.dup(f.fileno())) as w:
    attempt("that number is a socket", lambda: w.getsockname()[0])
f.close()
for sock in (t, v):
    sock.close()

print("-- errors")
closed = tempfile.TemporaryFile()
gone = closed.fileno()
closed.close()
attempt("dup of a closed file's number", lambda: os.dup(gone))
attempt("dup2 from a closed file's number", lambda: os.dup2(gone, 1))
g = tempfile.TemporaryFile()
attempt("dup2 of a file onto -1", lambda: os.dup2(g.fileno(), -1))
attempt("dup2 of a closed number onto itself, not inheritable", lambda: os.dup2(gone, gone, inheritable=False))
attempt("dup of a file, a float", lambda: os.dup(float(g.fileno())))
g.close()

print("-- many duplicates, each closed")
h = tempfile.TemporaryFile(buffering=0)
h.write(b"kept")
for _ in range(2000):
    os.close(os.dup(h.fileno()))
attempt("the file after 2000 duplicates", lambda: (os.lseek(h.fileno(), 0, os.SEEK_SET), h.read()))
h.close()
