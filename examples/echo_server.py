# A selectors echo server in the sandbox. It prints its port, serves CLIENTS connections to the
# end (each client sends, reads its echo, closes), then exits.
# usage: pysock python --allow-loopback examples/echo_server.py [CLIENTS]
import selectors
import socket
import sys

clients = int(sys.argv[1]) if len(sys.argv) > 1 else 100
server = socket.create_server(("127.0.0.1", 0), backlog=clients)
server.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(server, selectors.EVENT_READ)
print(server.getsockname()[1], flush=True)

finished = 0
while finished < clients:
    for key, _ in sel.select(timeout=30):
        if key.fileobj is server:
            conn, _ = server.accept()
            conn.setblocking(False)
            sel.register(conn, selectors.EVENT_READ)
            continue
        conn = key.fileobj
        data = conn.recv(65536)
        if data:
            conn.sendall(data)
        else:
            sel.unregister(conn)
            conn.close()
            finished += 1
sel.close()
server.close()
print("served", finished, file=sys.stderr)
