"""A native AF_UNIX listener whose backlog is full, the peer outside the sandbox for
tests/python/unix_backlog.py: binds FOLDER/full.sock with a backlog of 0 and FOLDER/wake.sock for
datagrams, and prints "ready". When a datagram comes, it waits the seconds it names, then accepts
two connections, echoes each one's first message, and ends."""
import os
import socket
import sys
import time

folder = sys.argv[1]
listener = socket.socket(socket.AF_UNIX)
listener.bind(os.path.join(folder, "full.sock"))
listener.listen(0)
listener.settimeout(60)
wake = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
wake.bind(os.path.join(folder, "wake.sock"))
wake.settimeout(60)
print("ready", flush=True)
time.sleep(float(wake.recv(100)))
for _ in range(2):
    conn, _ = listener.accept()
    conn.settimeout(60)
    conn.sendall(conn.recv(100))
    conn.close()
