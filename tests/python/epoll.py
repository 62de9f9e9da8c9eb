# select.epoll as CPython on Linux behaves; the test compares this transcript with native python3.
import errno, select, selectors, socket, time


def show(label, f):
    try:
        print(label, "->", f())
    except Exception as e:
        code = errno.errorcode.get(e.errno) if isinstance(getattr(e, "errno", None), int) else None
        print(label, "->", type(e).__name__, code or "", e if code is None else "")


print("default selector:", selectors.DefaultSelector.__name__)
print("constants:", select.EPOLLIN, select.EPOLLOUT, select.EPOLLET, select.EPOLLONESHOT, select.EPOLLRDHUP, select.EPOLL_CLOEXEC)
show("epoll(0)", lambda: select.epoll(0))
show("epoll(-2)", lambda: select.epoll(-2))
show("epoll(flags=1)", lambda: select.epoll(-1, 1))
show("epoll(flags=EPOLL_CLOEXEC)", lambda: type(select.epoll(-1, select.EPOLL_CLOEXEC)).__name__)

ep = select.epoll()
a, b = socket.socketpair()
print("fileno is int:", isinstance(ep.fileno(), int), "closed:", ep.closed)
show("register(-1)", lambda: ep.register(-1))
show("register('x')", lambda: ep.register("x"))
show("register(closed socket number)", lambda: ep.register(1000))
show("register(self)", lambda: ep.register(ep))
show("modify unregistered", lambda: ep.modify(a, select.EPOLLIN))
show("unregister unregistered", lambda: ep.unregister(a))
show("register", lambda: ep.register(a, select.EPOLLIN))
show("register twice", lambda: ep.register(a, select.EPOLLIN))
show("poll(0) idle", lambda: ep.poll(0))
b.send(b"x")
show("poll(0) readable", lambda: [(fd == a.fileno(), ev) for fd, ev in ep.poll(0)])
show("level-triggered again", lambda: [(fd == a.fileno(), ev) for fd, ev in ep.poll(0)])
show("modify to EPOLLOUT", lambda: ep.modify(a, select.EPOLLOUT))
show("poll writable", lambda: [(fd == a.fileno(), ev) for fd, ev in ep.poll(0)])
show("modify edge-triggered", lambda: ep.modify(a, select.EPOLLIN | select.EPOLLET))
show("edge: first", lambda: len(ep.poll(0)))
show("edge: nothing new", lambda: len(ep.poll(0)))
b.send(b"y")
show("edge: new data", lambda: len(ep.poll(0)))
a.recv(10)
show("modify oneshot", lambda: ep.modify(a, select.EPOLLIN | select.EPOLLONESHOT))
b.send(b"z")
show("oneshot: first", lambda: len(ep.poll(0)))
b.send(b"z")
show("oneshot: disarmed", lambda: len(ep.poll(0)))
show("rearm", lambda: ep.modify(a, select.EPOLLIN | select.EPOLLRDHUP))
a.recv(10)
b.shutdown(socket.SHUT_WR)
show("peer shut down", lambda: [ev & (select.EPOLLIN | select.EPOLLRDHUP) for fd, ev in ep.poll(0)])
show("unregister", lambda: ep.unregister(a))
show("poll(0) after unregister", lambda: ep.poll(0))

show("poll(maxevents=0)", lambda: ep.poll(0, 0))
show("poll(maxevents=-2)", lambda: ep.poll(0, -2))
show("poll(nan)", lambda: ep.poll(float("nan")))
show("poll(3e6)", lambda: ep.poll(3e6))
show("poll(1e10)", lambda: ep.poll(1e10))
show("poll('x')", lambda: ep.poll("x"))
start = time.monotonic()
ep.poll(0.05)
print("poll(0.05) waited enough:", time.monotonic() - start >= 0.05)

# maxevents limits one poll; the rest come next time (level-triggered).
pairs = [socket.socketpair() for _ in range(5)]
for x, y in pairs:
    ep.register(x, select.EPOLLIN)
    y.send(b"!")
show("maxevents=2", lambda: len(ep.poll(0, 2)))
show("all ready", lambda: len(ep.poll(0)))
# Closing a registered socket removes it, as the kernel does for the last descriptor.
pairs[0][0].close()
show("after closing one", lambda: len(ep.poll(0)))

with select.epoll() as ep2:
    print("context manager:", ep2.closed)
print("closed after with:", ep2.closed)
ep.close()
ep.close()
print("closed:", ep.closed)
show("poll closed", lambda: ep.poll(0))
show("fileno closed", lambda: ep.fileno())
show("register closed", lambda: ep.register(b))
show("enter closed", lambda: ep.__enter__())

# selectors on epoll: an echo round trip.
sel = selectors.DefaultSelector()
x, y = socket.socketpair()
x.setblocking(False)
sel.register(x, selectors.EVENT_READ, data="x")
print("select idle:", sel.select(0))
y.send(b"ping")
events = sel.select(1)
print("select:", [(k.data, m) for k, m in events], x.recv(10))
sel.unregister(x)
sel.close()
