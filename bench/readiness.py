# Readiness wait cost: N idle registered sockets and one active, for select, poll and epoll.
# Each round makes the active socket readable, times one wait that reports it, and drains it;
# prints "MECHANISM N MICROSECONDS" (median of ROUNDS). Runs the same natively and in the sandbox;
# the idle sockets are socketpairs, so no network permission is needed.
# usage: readiness.py [ROUNDS] [N...]
import select
import socket
import statistics
import sys
import time

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
sizes = [int(n) for n in sys.argv[2:]] or [10, 1000, 10000]
try:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
except ImportError:
    pass  # the sandbox has no rlimit of its own; the host's --max-sockets applies

idle = []
active, peer = socket.socketpair()


def grow(n):
    while len(idle) < n:
        idle.extend(socket.socketpair())


def timed(wait):
    samples = []
    for _ in range(rounds):
        peer.send(b"!")
        start = time.perf_counter()
        ready = wait()
        samples.append(time.perf_counter() - start)
        assert ready, "the active socket was not reported"
        active.recv(1)
    return statistics.median(samples) * 1e6


for n in sizes:
    grow(n)
    fds = idle[:n] + [active]
    if max(s.fileno() for s in fds) < 1024:  # select() takes descriptors below FD_SETSIZE only
        print("select", n, f"{timed(lambda: select.select(fds, [], [], 5)[0]):.2f}", flush=True)
    p = select.poll()
    for s in fds:
        p.register(s, select.POLLIN)
    print("poll", n, f"{timed(lambda: p.poll(5000)):.2f}", flush=True)
    del p
    ep = select.epoll()
    for s in fds:
        ep.register(s, select.EPOLLIN)
    print("epoll", n, f"{timed(lambda: ep.poll(5)):.2f}", flush=True)
    ep.close()
