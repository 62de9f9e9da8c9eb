# A sandboxed echo round trip over loopback: run with `pysock python --allow-loopback`.
import selectors
import socket

server = socket.create_server(("127.0.0.1", 0))
client = socket.create_connection(server.getsockname())
conn, _ = server.accept()
sel = selectors.DefaultSelector()
sel.register(conn, selectors.EVENT_READ)
client.sendall(b"hello from the sandbox")
for key, _ in sel.select(timeout=5):
    key.fileobj.sendall(key.fileobj.recv(1024))
print(client.recv(1024).decode())
for s in (client, conn, server):
    s.close()
