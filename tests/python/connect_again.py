"""Connecting a socket again after its connect failed, in each of CPython's three modes: the
"wait for the server to come up" loop that retries on one socket. A blocking connect(2) leaves the
socket unconnected when it fails, so the next one is a new attempt (ECONNREFUSED again, then success
once the server listens); the kernel's non-blocking one leaves it in its failed attempt, so the next
connect(2) reports ECONNABORTED, and CPython's timeout mode, which connects without blocking, shows
that. The sandbox's kernel sockets never block, so its blocking mode must end a failure as the
kernel's blocking connect does."""
import errno
import select
import socket


def name(n):
    return errno.errorcode.get(n, str(n))


def free_port():
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


for mode in ("blocking", "timeout", "non-blocking"):
    port = free_port()
    s = socket.socket()
    if mode == "timeout":
        s.settimeout(5)
    elif mode == "non-blocking":
        s.setblocking(False)
    seen = []
    for attempt in range(4):
        try:
            seen.append(name(s.connect_ex(("127.0.0.1", port))))
        except OSError as e:
            seen.append(f"raised {type(e).__name__} {name(e.errno)}")
        if mode == "non-blocking":
            select.select([], [s], [], 5)
            seen.append("SO_ERROR " + name(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)))
    print(mode, "refused again and again:", seen)
    # The server comes up on that port; the same socket connects on its next try (or the one after
    # an ECONNABORTED), as a retry loop expects.
    server = socket.create_server(("127.0.0.1", port))
    tries = []
    for attempt in range(3):
        result = s.connect_ex(("127.0.0.1", port))
        if mode == "non-blocking" and result == errno.EINPROGRESS:
            select.select([], [s], [], 5)
            result = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        tries.append(name(result))
        if result == 0:
            break
    print(mode, "once the server listens:", tries, "peer port", s.getpeername()[1] == port)
    # Connected: the kernel's blocking connect took its one-time completion, so the next connect is
    # EISCONN; a connection made without blocking reports that completion once more first.
    print(mode, "connect again once connected:", [name(s.connect_ex(("127.0.0.1", port))) for _ in range(2)])
    conn, _ = server.accept()
    s.sendall(b"ping")
    print(mode, "the connection carries bytes:", conn.recv(4))
    conn.close()
    s.close()
    server.close()

# connect() raises what connect_ex returns, on the first failure and on the next; a failure leaves
# the socket's address as the kernel's blocking connect leaves it: the wildcard where the kernel
# picked it, the address the program bound otherwise.
port = free_port()
for bind_first in (False, True):
    s = socket.socket()
    if bind_first:
        s.bind(("127.0.0.1", 0))
    for attempt in range(2):
        try:
            s.connect(("127.0.0.1", port))
        except OSError as e:
            address, local_port = s.getsockname()
            print("connect() again, bound first" if bind_first else "connect() again:", type(e).__name__, name(e.errno), "local address", address, local_port > 0)
    s.close()
