# Huge requests get CPython's answer without making the host allocate them.
import select
import socket

a, b = socket.socketpair()
b.sendall(b"abc")
print("recv(2**31):", a.recv(2**31))
try:
    socket.gethostbyname("a" * (1 << 20))
except (socket.gaierror, UnicodeError) as e:
    print("1 MiB hostname:", type(e).__name__)
a.close()
b.close()
try:
    a.recv(1)
except OSError as e:
    print("closed:", type(e).__name__, e.errno == __import__("errno").EBADF)
