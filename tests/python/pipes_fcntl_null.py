"""What Linux programs take from the os for their event loops, which WASI CPython lacks: os.pipe and
os.pipe2 (each end one way: EBADF the other way, ENOTSOCK as a socket, select, poll and epoll see
only its own way, EPIPE and EOF when the other end closes), the fcntl module (F_GETFL, F_SETFL,
F_GETFD, errors), termios and os.get_terminal_size (ENOTTY for every descriptor), /dev/null (os.open, open, os.stat), and asyncio's pipe transports on os.pipe.
tests/tests/sandbox.rs compares this with native CPython."""
import asyncio
import errno
import fcntl
import inspect
import os
import pathlib
import select
import socket
import stat
import sys
import tempfile
import termios
import tty


def attempt(label, f, *args, **kw):
    try:
        result = f(*args, **kw)
    except (OSError, ValueError, TypeError, OverflowError) as e:
        code = errno.errorcode.get(getattr(e, "errno", None) or 0, "")
        result = f"{type(e).__name__} {code}".rstrip()
    print(f"{label}: {result}")


def ready(poller, ends):
    """poll or epoll events by end name, so that descriptor numbers stay out of the transcript."""
    names = {fd: name for name, fd in ends.items()}
    return sorted((names[fd], events) for fd, events in poller.poll(0))


print("-- os.pipe")
r, w = os.pipe()
a, b = os.fstat(r), os.fstat(w)
print("fifo:", stat.S_ISFIFO(a.st_mode), oct(a.st_mode), oct(b.st_mode), "one inode:", a.st_ino == b.st_ino,
      a.st_nlink, a.st_size, a.st_blksize)
print("blocking:", os.get_blocking(r), os.get_blocking(w), "inheritable:", os.get_inheritable(r))
attempt("write to the read end", os.write, r, b"x")
attempt("read from the write end", os.read, w, 1)
attempt("socket on the read end", socket.socket, fileno=r)
attempt("seek", os.lseek, r, 0, os.SEEK_SET)
print("select:", select.select([r, w], [r, w], [], 0) == ([], [w], []))
p = select.poll()
for fd in (r, w):
    p.register(fd, select.POLLIN | select.POLLOUT)
print("poll:", ready(p, {"r": r, "w": w}))
print("moved:", os.write(w, b"abc"), os.read(r, 10))
os.close(r)
print("poll, reader gone:", ready(p, {"r": r, "w": w}))
print("select, reader gone:", select.select([w], [w], [w], 0) == ([w], [w], []))
attempt("write, reader gone", os.write, w, b"x")
os.close(w)

print("-- os.pipe2")
r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
print("blocking:", os.get_blocking(r), os.get_blocking(w))
attempt("read, nothing written", os.read, r, 1)
ep = select.epoll()
for fd in (r, w):
    ep.register(fd, select.EPOLLIN | select.EPOLLOUT)
print("epoll:", ready(ep, {"r": r, "w": w}))
filled = 0
try:
    while True:
        filled += os.write(w, b"y" * 4096)
except BlockingIOError:
    print("filled until EAGAIN:", filled > 0)
print("epoll, full:", ready(ep, {"r": r, "w": w}))
os.close(w)
drained = 0
while chunk := os.read(r, 65536):
    drained += len(chunk)
print("drained:", drained == filled, "then EOF:", os.read(r, 1))
print("epoll, writer gone:", ready(ep, {"r": r}))
ep.close()
os.close(r)
attempt("pipe2 with an unknown flag", os.pipe2, 0x40000000)

print("-- fcntl")
s = socket.socket()
print("F_GETFD:", fcntl.fcntl(s, fcntl.F_GETFD), "F_GETFL is O_RDWR:", fcntl.fcntl(s, fcntl.F_GETFL) & os.O_RDWR == os.O_RDWR)
print("F_SETFL O_NONBLOCK:", fcntl.fcntl(s.fileno(), fcntl.F_SETFL, os.O_NONBLOCK), os.get_blocking(s.fileno()))
print("F_GETFL has O_NONBLOCK:", bool(fcntl.fcntl(s, fcntl.F_GETFL) & os.O_NONBLOCK))
print("F_SETFL 0:", fcntl.fcntl(s, fcntl.F_SETFL, 0), os.get_blocking(s.fileno()))
r, w = os.pipe()
access = os.O_RDONLY | os.O_WRONLY | os.O_RDWR
read_only, write_only = fcntl.fcntl(r, fcntl.F_GETFL) & access, fcntl.fcntl(w, fcntl.F_GETFL) & access
print("pipe access modes:", read_only == os.O_RDONLY, write_only == os.O_WRONLY, "F_GETFD:", fcntl.fcntl(r, fcntl.F_GETFD))
fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_NONBLOCK)
attempt("read after F_SETFL O_NONBLOCK", os.read, r, 1)
attempt("unknown command", fcntl.fcntl, s, 999)
attempt("negative descriptor", fcntl.fcntl, -1, fcntl.F_GETFD)
attempt("float descriptor", fcntl.fcntl, 1.5, fcntl.F_GETFD)
attempt("argument beyond unsigned int, masked", fcntl.fcntl, s, fcntl.F_SETFL, 2**40)
attempt("argument -1", fcntl.fcntl, s, fcntl.F_SETFD, -1)
attempt("bytes argument", fcntl.fcntl, s, fcntl.F_GETFL, b"ab")
attempt("str argument", fcntl.fcntl, s, fcntl.F_GETFL, "ab")
s.close()
attempt("closed socket", fcntl.fcntl, s, fcntl.F_GETFD)

print("-- termios: nothing here is a terminal")


def terminal(label, f, *args):
    try:
        result = f(*args)
    except termios.error as e:
        result = f"termios.error {errno.errorcode.get(e.args[0])} {e.args[1]!r}"
    except (ValueError, TypeError, OverflowError) as e:
        result = f"{type(e).__name__} {e}"
    print(f"{label}: {result}")


print("error:", termios.error.__module__, termios.error.__name__, termios.error.__mro__[1].__name__)
print("constants:", termios.TCSANOW, termios.TCSAFLUSH, termios.B38400, termios.ECHO, termios.VMIN, termios.NCCS)
live = socket.socket()
terminal("tcgetattr of a socket", termios.tcgetattr, live)
terminal("tcgetattr of a pipe's read end", termios.tcgetattr, r)
terminal("tcgetattr of a pipe's write end", termios.tcgetattr, w)
terminal("tcgetattr of piped stdout", termios.tcgetattr, sys.stdout)
gone = socket.socket()
number = gone.fileno()
gone.close()
terminal("tcgetattr of a closed socket's number", termios.tcgetattr, number)
terminal("tcgetattr of -1", termios.tcgetattr, -1)
terminal("tcgetattr of 1.5", termios.tcgetattr, 1.5)
terminal("tcsetattr with a short list", termios.tcsetattr, live, termios.TCSANOW, [0])
terminal("tcsetattr with a tuple", termios.tcsetattr, live, termios.TCSANOW, (0,) * 7)
terminal("tcsetattr with a str when", termios.tcsetattr, live, "now", [0] * 7)
terminal("tcsetattr", termios.tcsetattr, live, termios.TCSANOW, [0] * 7)
terminal("tcsendbreak 1.5", termios.tcsendbreak, live, 1.5)
terminal("tcsendbreak", termios.tcsendbreak, live, 0)
terminal("tcdrain", termios.tcdrain, live)
terminal("tcflush beyond int", termios.tcflush, live, 2**40)
terminal("tcflush", termios.tcflush, live, termios.TCIOFLUSH)
terminal("tcflow", termios.tcflow, live, termios.TCOON)
terminal("tcgetwinsize", termios.tcgetwinsize, live)
terminal("tcsetwinsize with one item", termios.tcsetwinsize, live, (1,))
terminal("tcsetwinsize with strs", termios.tcsetwinsize, live, ("a", "b"))
terminal("tcsetwinsize", termios.tcsetwinsize, live, (24, 80))
terminal("tty.setraw", tty.setraw, live)
# Counted as termios.c counts: METH_O for one argument, Argument Clinic for more; no keywords.
for name in ("tcgetattr", "tcsetattr", "tcsendbreak", "tcdrain", "tcflush", "tcflow", "tcgetwinsize", "tcsetwinsize"):
    f = getattr(termios, name)
    print(name, inspect.signature(f))
    terminal(f"{name} with no arguments", f)
    terminal(f"{name} with four", f, live, 0, [0] * 7, 0)
    terminal(f"{name} with a keyword", lambda: f(fd=live))
# os.get_terminal_size, which WASI CPython lacks: the OSError natively raised for a descriptor that is
# no terminal (piped stdout, by default), which shutil.get_terminal_size and programs catch.
for label, args in (("stdout", ()), ("a socket", (live.fileno(),)), ("a pipe", (r,)), ("a closed number", (number,)),
                    ("a str", ("1",)), ("beyond int", (2**40,)), ("two arguments", (1, 2))):
    attempt(f"os.get_terminal_size of {label}", os.get_terminal_size, *args)
live.close()
os.close(r)
os.close(w)

print("-- /dev/null")
st = os.stat(os.devnull)
print("stat:", oct(st.st_mode), st.st_rdev, st.st_nlink, st.st_size, st.st_blksize, stat.S_ISCHR(st.st_mode))
print("exists:", os.path.exists(os.devnull), os.path.isfile(os.devnull), os.path.isdir(os.devnull),
      oct(os.lstat(b"/dev/null").st_mode), oct(os.stat(pathlib.Path("//dev/./null")).st_mode))
fd = os.open(os.devnull, os.O_RDWR)
print("os.open:", os.read(fd, 10), os.write(fd, b"abc"), os.lseek(fd, 100, os.SEEK_SET), os.lseek(fd, 0, os.SEEK_CUR),
      os.isatty(fd), os.get_blocking(fd))
os.set_blocking(fd, False)
print("non-blocking:", not os.get_blocking(fd), "read:", os.read(fd, 1))
print("select:", select.select([fd], [fd], [], 0) == ([fd], [fd], []))
attempt("socket on it", socket.socket, fileno=fd)
os.close(fd)
attempt("read after close", os.read, fd, 1)
attempt("O_DIRECTORY", os.open, os.devnull, os.O_RDONLY | os.O_DIRECTORY)
attempt("O_CREAT | O_EXCL", os.open, os.devnull, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
# Linux's O_RDONLY is 0, so flags without an access mode open for reading (WASI's libc says EINVAL).
for label, path, flags in [("no access mode", os.devnull, 0), ("a folder, O_DIRECTORY alone", tempfile.mkdtemp(), os.O_DIRECTORY),
                           ("a file, O_CLOEXEC alone", __file__, os.O_CLOEXEC)]:
    no_mode = os.open(path, flags)
    print(f"{label}:", fcntl.fcntl(no_mode, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY, stat.S_IFMT(os.fstat(no_mode).st_mode))
    os.close(no_mode)
with open(os.devnull, "w") as f:
    print("text write:", f.write("x" * 10), f.seekable(), f.tell(), f.isatty())
with open(os.devnull, "rb") as f:
    print("binary read:", f.read(), f.readable(), f.writable(), f.read(5))
with open(os.devnull, "a") as f:
    print("append:", f.write("y"), f.tell())
attempt("mode x", open, os.devnull, "x")
print("pathlib:", pathlib.Path(os.devnull).read_bytes(), pathlib.Path(os.devnull).write_text("zz"))
attempt("a neighbour", os.stat, "/dev/nul")
print("os.open and os.stat still in os.supports_dir_fd:", os.open in os.supports_dir_fd, os.stat in os.supports_dir_fd)
first = os.open(os.devnull, os.O_RDONLY)
os.close(first)
for _ in range(2000):
    open(os.devnull).close()
again = os.open(os.devnull, os.O_RDONLY)
print("2000 opens leave no descriptor behind:", again == first)
os.close(again)

print("-- asyncio pipe transports on os.pipe")


async def through_a_pipe(size):
    loop = asyncio.get_running_loop()
    r, w = os.pipe()
    reader = asyncio.StreamReader()
    read_transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(r, "rb"))
    write_transport, write_protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, os.fdopen(w, "wb"))
    writer = asyncio.StreamWriter(write_transport, write_protocol, None, loop)
    writer.write(b"z" * size)
    await writer.drain()
    writer.close()
    got = await asyncio.wait_for(reader.read(), 10)
    read_transport.close()
    return len(got)


print("moved through the pipe:", asyncio.run(through_a_pipe(200_000)))
# os.ttyname: no descriptor is a terminal here (the tests' standard input is none natively either).
r, w = os.pipe()
for name, call in [("ttyname(pipe)", lambda: os.ttyname(r)), ("ttyname(closed)", lambda: os.ttyname(999)),
                   ("ttyname('x')", lambda: os.ttyname("x")), ("ttyname()", lambda: os.ttyname())]:
    attempt(name, call)
os.close(r)
os.close(w)
