"""The os module on a socket's number: os.read, os.write, os.close, os.fstat, os.get_blocking and
os.set_blocking, os.lseek, os.isatty, os.dup2 and os.get_inheritable/set_inheritable act on the
socket (os.fstat and os.lseek on an epoll too),
whose O_NONBLOCK and inode its duplicates share, and a file never gets a socket's number (select and poll
find a file ready, epoll refuses it, a closed file's number is EBADF);
multiprocessing.connection, which moves its messages with os.read and os.write, on loopback.
tests/tests/sandbox.rs compares this with native CPython."""
import errno
import os
import select
import socket
import stat
import signal
import sys
import time
from multiprocessing.connection import Client, Listener


def attempt(label, f):
    try:
        print(f"{label}: {f()}")
    except OSError as e:
        print(f"{label}: {type(e).__name__} {errno.errorcode.get(e.errno, e.errno)}")
    except EOFError as e:
        print(f"{label}: {type(e).__name__}")


a, b = socket.socketpair()
attempt("os.write", lambda: os.write(a.fileno(), b"hello"))
attempt("os.read", lambda: os.read(b.fileno(), 100))
attempt("os.isatty", lambda: os.isatty(a.fileno()))
attempt("S_ISSOCK", lambda: stat.S_ISSOCK(os.fstat(a.fileno()).st_mode))
attempt("permissions", lambda: oct(stat.S_IMODE(os.fstat(a.fileno()).st_mode)))
attempt("os.lseek", lambda: os.lseek(a.fileno(), 0, os.SEEK_SET))
attempt("st_nlink, st_blksize", lambda: (os.fstat(a.fileno()).st_nlink, os.fstat(a.fileno()).st_blksize))
# A socket has an inode of its own, which its duplicate shares; every epoll is the one anonymous inode.
with socket.socket() as other, a.dup() as twin, select.epoll() as ep1, select.epoll() as ep2:
    same = os.path.sameopenfile
    attempt("an inode", lambda: os.fstat(a.fileno()).st_ino != 0)
    attempt("sameopenfile: two sockets", lambda: same(a.fileno(), other.fileno()))
    attempt("sameopenfile: a socket and its dup", lambda: same(a.fileno(), twin.fileno()))
    attempt("sameopenfile: two epolls", lambda: same(ep1.fileno(), ep2.fileno()))
    attempt("sameopenfile: a socket and an epoll", lambda: same(a.fileno(), ep1.fileno()))
    attempt("sameopenfile: a socket and stdout", lambda: same(a.fileno(), 1))
with select.epoll() as ep:
    # An epoll instance is an anonymous inode: no type bits, 0600, and a seek that goes nowhere.
    attempt("epoll: mode", lambda: oct(os.fstat(ep.fileno()).st_mode))
    attempt("epoll: st_blksize", lambda: os.fstat(ep.fileno()).st_blksize)
    attempt("epoll: os.lseek", lambda: os.lseek(ep.fileno(), 0, os.SEEK_SET))
    attempt("epoll: os.lseek, whence 7", lambda: os.lseek(ep.fileno(), 0, 7))
    attempt("epoll: os.read", lambda: os.read(ep.fileno(), 1))
attempt("os.lseek, whence 7", lambda: os.lseek(a.fileno(), 0, 7))
attempt("get_blocking", lambda: os.get_blocking(a.fileno()))
a.settimeout(1.0)
attempt("get_blocking with a timeout", lambda: os.get_blocking(a.fileno()))
attempt("os.read with a timeout, nothing there", lambda: os.read(a.fileno(), 10))
a.settimeout(None)
attempt("get_blocking without", lambda: os.get_blocking(a.fileno()))
os.set_blocking(a.fileno(), False)
attempt("get_blocking after os.set_blocking(False)", lambda: os.get_blocking(a.fileno()))
attempt("os.read, non-blocking", lambda: os.read(a.fileno(), 10))
# The object's timeout is still None, but CPython's calls meet the descriptor's O_NONBLOCK.
attempt("gettimeout, getblocking", lambda: (a.gettimeout(), a.getblocking()))
for name, call in [("recv", lambda: a.recv(1)), ("recv_into", lambda: a.recv_into(bytearray(4))),
                   ("recvfrom", lambda: a.recvfrom(1))]:
    attempt(name + " on a descriptor made non-blocking", call)
b.sendall(b"x")
attempt("recv when bytes are there", lambda: a.recv(1))
os.set_blocking(a.fileno(), True)
b.sendall(b"y")
attempt("recv after os.set_blocking(True)", lambda: a.recv(1))
with socket.create_server(("127.0.0.1", 0)) as srv, socket.socket() as c:
    os.set_blocking(srv.fileno(), False)
    attempt("accept on a descriptor made non-blocking", lambda: srv.accept())
    os.set_blocking(c.fileno(), False)
    attempt("connect on a descriptor made non-blocking", lambda: c.connect(srv.getsockname()))
attempt("gettimeout is the object's own", lambda: a.gettimeout())

# O_NONBLOCK belongs to the open file description, which a duplicate shares: one object's
# setblocking changes how the other's calls wait, whatever the other's own timeout says.
e, f = socket.socketpair()
e2 = e.dup()
e2.setblocking(False)
attempt("get_blocking of the original after dup().setblocking(False)", lambda: os.get_blocking(e.fileno()))
attempt("recv on the original, which has no timeout", lambda: e.recv(1))
attempt("the original's timeout", lambda: e.gettimeout())
e.setblocking(True)
attempt("get_blocking of the duplicate after setblocking(True)", lambda: os.get_blocking(e2.fileno()))
# The duplicate's timeout is still 0, but its recv now waits: a timer sends the bytes it gets.
signal.signal(signal.SIGALRM, lambda *_: f.send(b"late"))
signal.setitimer(signal.ITIMER_REAL, 0.2)
started = time.monotonic()
attempt("recv on the duplicate with timeout 0", lambda: e2.recv(10))
attempt("it waited for the timer", lambda: time.monotonic() - started >= 0.15)
signal.signal(signal.SIGALRM, signal.SIG_DFL)
e2.close()
e2 = socket.fromfd(e.fileno(), e.family, e.type)
e2.setblocking(False)
attempt("recv on the original after fromfd(...).setblocking(False)", lambda: e.recv(1))
for s in (e, e2, f):
    s.close()
with socket.create_server(("127.0.0.1", 0)) as srv, srv.dup() as srv2, socket.socket() as c, c.dup() as c2:
    srv2.settimeout(0.0)
    attempt("accept on a listener whose duplicate has timeout 0", lambda: srv.accept())
    c2.setblocking(False)
    attempt("connect on a socket whose duplicate has timeout 0", lambda: c.connect(srv.getsockname()))

fd = b.detach()
attempt("os.close(detach())", lambda: os.close(fd))
attempt("os.read after os.close", lambda: os.read(fd, 1))
attempt("os.close again", lambda: os.close(fd))
attempt("os.close of a number nothing holds", lambda: os.close(500))
attempt("the peer sees the close", lambda: a.recv(10))
a.close()

c, d = socket.socketpair()
os.close(c.fileno())
attempt("close() after os.close", lambda: c.close())
attempt("fileno after close()", lambda: c.fileno())
d.close()

here = os.open(os.path.dirname(os.path.abspath(__file__)) or ".", os.O_RDONLY)
attempt("socket(fileno=) of a folder", lambda: socket.socket(fileno=here))
with open(os.path.abspath(__file__), "rb") as f, socket.socket() as s:
    attempt("a file and a socket have different numbers", lambda: len({f.fileno(), s.fileno(), here}) == 3)
    attempt("the file reads", lambda: os.read(f.fileno(), 3))
    attempt("os.fstat of the file is no socket", lambda: stat.S_ISSOCK(os.fstat(f.fileno()).st_mode))
    # A file or a folder is ready at once for select and poll, and epoll refuses it.
    attempt("select on the file", lambda: [len(l) for l in select.select([f], [f], [f], 0)])
    attempt("select on the folder", lambda: [len(l) for l in select.select([here], [here], [], 0)])
    poller = select.poll()
    poller.register(f, select.POLLIN | select.POLLOUT)
    attempt("poll on the file", lambda: [mask for _, mask in poller.poll(0)])
    with select.epoll() as ep:
        attempt("epoll of the file", lambda: ep.register(f, select.EPOLLIN))
    file_number = f.fileno()
attempt("select on a closed file's number", lambda: select.select([file_number], [], [], 0))
os.close(here)

# Inheritance (FD_CLOEXEC), kept per descriptor: a socket and a pipe start non-inheritable, a
# duplicate too, the standard streams inheritable; fcntl's F_GETFD and F_SETFD see the same flag.
import fcntl  # noqa: E402
s = socket.socket()
attempt("a new socket inheritable, F_GETFD", lambda: (s.get_inheritable(), fcntl.fcntl(s, fcntl.F_GETFD)))
s.set_inheritable(True)
attempt("after set_inheritable(True)", lambda: (s.get_inheritable(), fcntl.fcntl(s, fcntl.F_GETFD)))
with s.dup() as d:
    attempt("its duplicate, and it", lambda: (d.get_inheritable(), s.get_inheritable()))
fcntl.fcntl(s, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
attempt("after F_SETFD FD_CLOEXEC", lambda: s.get_inheritable())
os.set_inheritable(s.fileno(), 5)
attempt("after os.set_inheritable(fd, 5)", lambda: os.get_inheritable(s.fileno()))
s.close()
attempt("os.get_inheritable of a closed socket's number", lambda: os.get_inheritable(s.fileno() if s.fileno() >= 0 else fd))
r, w = os.pipe()
attempt("a pipe's ends", lambda: (os.get_inheritable(r), os.get_inheritable(w)))
os.close(r)
os.close(w)
attempt("stdout", lambda: os.get_inheritable(1))
os.set_inheritable(1, False)
attempt("stdout after set_inheritable(False)", lambda: os.get_inheritable(1))
os.set_inheritable(1, True)
attempt("os.get_inheritable of a number nothing holds", lambda: os.get_inheritable(500))

# os.dup2 onto a socket's number (which closes that socket), onto itself, onto a free number, from a
# pipe's end; and CPython's test_unregister_after_fd_close_and_reuse for each selector.
import selectors  # noqa: E402
a, b = socket.socketpair()
c, d = socket.socketpair()
cfd = c.fileno()
attempt("dup2 onto a socket's number", lambda: os.dup2(a.fileno(), cfd) == cfd)
attempt("inheritable", lambda: os.get_inheritable(cfd))
os.write(cfd, b"hi")
attempt("through the new number", lambda: b.recv(10))
attempt("the socket that was there closed: its peer reads", lambda: d.recv(10))
attempt("dup2 onto itself", lambda: os.dup2(a.fileno(), a.fileno()) == a.fileno())
attempt("dup2 onto -1", lambda: os.dup2(a.fileno(), -1))
attempt("dup2 from -1", lambda: os.dup2(-1, cfd))
attempt("dup2 onto 900, not inheritable", lambda: (os.dup2(a.fileno(), 900, inheritable=False), os.get_inheritable(900)))
os.write(900, b"x")
attempt("900 writes to the socket", lambda: b.recv(1))
os.close(900)
attempt("900 after os.close", lambda: os.write(900, b"x"))
r, w = os.pipe()
attempt("a pipe's read end onto 901", lambda: os.dup2(r, 901))
os.write(w, b"p")
attempt("901 reads the pipe", lambda: os.read(901, 1))
attempt("901 does not write", lambda: os.write(901, b"p"))
for n in (901, r, w):
    os.close(n)
c.detach()
os.close(cfd)
for a_selector in (selectors.SelectSelector, selectors.PollSelector, selectors.EpollSelector):
    with a_selector() as sel:
        rd, wr = socket.socketpair()
        rd2, wr2 = socket.socketpair()
        rdfd, wrfd = rd.fileno(), wr.fileno()
        sel.register(rdfd, selectors.EVENT_READ)
        sel.register(wrfd, selectors.EVENT_WRITE)
        rd.close()
        wr.close()
        os.dup2(rd2.fileno(), rdfd)
        os.dup2(wr2.fileno(), wrfd)
        sel.unregister(rdfd)
        sel.unregister(wrfd)
        attempt(f"{a_selector.__name__}: unregistered after the numbers were reused", lambda: len(sel.get_map()))
        for n in (rdfd, wrfd):
            os.close(n)
        rd2.close()
        wr2.close()
a.close()
b.close()
d.close()

with Listener(("127.0.0.1", 0)) as listener:
    client = Client(listener.address)
    server = listener.accept()
    client.send({"greeting": "hello", "n": list(range(5))})
    attempt("multiprocessing.connection: recv", lambda: server.recv())
    server.send_bytes(b"x" * 100_000)
    attempt("multiprocessing.connection: 100,000 bytes back", lambda: len(client.recv_bytes()))
    attempt("poll with nothing there", lambda: client.poll(0.05))
    server.close()
    attempt("poll after the peer closed", lambda: client.poll(5))
    attempt("recv after the peer closed", lambda: client.recv())
    client.close()
sys.stdout.flush()

print("-- os.dup and os.set_blocking (WASI's libc refuses dup for every number, and says EINVAL")
print("   where Linux says EBADF for a number nothing holds)")
r, w = os.pipe()
os.close(r)
os.close(w)
attempt("dup of a closed number", lambda: os.dup(r))
attempt("dup of -1", lambda: os.dup(-1))
attempt("dup2 of a closed number", lambda: os.dup2(r, 5))
attempt("dup2 of a file onto -1", lambda: os.dup2(sys.stdout.fileno(), -1))
attempt("set_blocking of a closed number", lambda: os.set_blocking(r, True))
attempt("set_blocking of -1", lambda: os.set_blocking(-1, False))
a, b = socket.socketpair()
d = os.dup(a.fileno())
attempt("dup of a socket: a new number, not inheritable", lambda: (d not in (a.fileno(), b.fileno()), os.get_inheritable(d)))
os.write(d, b"via dup")
attempt("what the duplicate wrote", lambda: b.recv(10))
os.set_blocking(d, False)
attempt("O_NONBLOCK is shared", lambda: (os.get_blocking(a.fileno()), a.gettimeout()))
try:
    os.set_blocking(d, 1.5)
except TypeError as e:
    print("set_blocking(fd, 1.5): TypeError", e)
os.close(d)
a.close()
b.close()
r, w = os.pipe()
d = os.dup(w)
os.write(d, b"pipe")
attempt("through a pipe end's duplicate", lambda: os.read(r, 10))
for n in (r, w, d):
    os.close(n)
sys.stdout.flush()
