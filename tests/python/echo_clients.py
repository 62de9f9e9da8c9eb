# Native CPython peer: CLIENTS concurrent connections to an echo server, every echo checked.
# usage: python3 echo_clients.py PORT CLIENTS
import resource
import selectors
import socket
import sys

# A thousand clients need more descriptors than the usual soft limit of 1024.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

port, count = int(sys.argv[1]), int(sys.argv[2])
sel = selectors.DefaultSelector()
pending = {}
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    payload = (f"client {i} " * 50).encode()
    s.sendall(payload)
    s.setblocking(False)
    pending[s] = [payload, b""]
    sel.register(s, selectors.EVENT_READ)
while pending:
    events = sel.select(timeout=30)
    if not events:
        sys.exit(f"timed out with {len(pending)} clients waiting")
    for key, _ in events:
        s = key.fileobj
        want, got = pending[s]
        got += s.recv(65536)
        pending[s][1] = got
        if len(got) >= len(want):
            assert got == want, "echo mismatch"
            sel.unregister(s)
            s.close()
            del pending[s]
print("echoes correct:", count)
