# select, poll and selectors on stdout and stderr, beside a socket, with both streams regular files
# (the test redirects them): Linux finds a regular file ready at once for reading and writing and
# epoll refuses it, which is how the sandbox's streams behave. Compared with native python3's.
import select
import selectors
import socket
import sys

a, b = socket.socketpair()
names = {1: "stdout", 2: "stderr", a.fileno(): "a", b.fileno(): "b"}


def named(objects):
    return [names[o if isinstance(o, int) else o.fileno()] for o in objects]


# Blocking, yet stdout and stderr are ready: the call returns at once.
r, w, x = select.select([sys.stdout, b], [sys.stdout, sys.stderr, a], [sys.stderr], None)
print("select:", named(r), named(w), named(x))
b.send(b"!")
r, w, x = select.select([a, 2], [], [1], 0)
print("select, a readable:", named(r), named(w), named(x))

p = select.poll()
p.register(sys.stdout, select.POLLOUT)
p.register(2, select.POLLIN | select.POLLPRI)
p.register(b, select.POLLIN)
print("poll:", sorted((names[fd], ev) for fd, ev in p.poll(None)))

# CPython's test_select_mutated: fileno() shortens the list being read.
entries = []


class Shrinking:
    def fileno(self):
        del entries[-1]
        return sys.__stdout__.fileno()


entries[:] = [Shrinking()] * 10
print("mutated:", select.select([], entries, []) == ([], entries[:5], []))

ep = select.epoll()
for fd in (1, 2):
    try:
        ep.register(fd, select.EPOLLOUT)
        print("epoll took", names[fd])
    except OSError as e:
        print("epoll refused", names[fd], type(e).__name__)
with selectors.DefaultSelector() as sel:
    try:
        sel.register(sys.stdout, selectors.EVENT_WRITE)
        print("selector took stdout")
    except OSError as e:
        print("selector refused stdout", type(e).__name__)
print("done", file=sys.stderr)
