# A million-entry select list: CPython returns all million as readable.
import select
import socket

a, b = socket.socketpair()
b.sendall(b"x")
r, w, x = select.select([a] * 1_000_000, [], [], 0)
print("million-entry select:", len(r))
