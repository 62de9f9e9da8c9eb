"""A native echo server on an AF_UNIX path, the peer outside the sandbox for
tests/python/unix_paths.py: binds the path it is given, prints "ready", echoes one connection's
bytes until it closes, and ends."""
import socket
import sys

server = socket.socket(socket.AF_UNIX)
server.bind(sys.argv[1])
server.listen(1)
server.settimeout(60)
print("ready", flush=True)
conn, _ = server.accept()
conn.settimeout(60)
while data := conn.recv(65536):
    conn.sendall(data)
conn.close()
server.close()
