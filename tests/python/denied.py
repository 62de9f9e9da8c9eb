# Without --allow-* the sandbox has no network, but a host-made socketpair still works.
import errno
import socket

s = socket.socket()
try:
    s.connect(("127.0.0.1", 9))
except OSError as e:
    hint = "--allow-loopback" if "--allow-loopback" in str(e) else "no hint"
    print("connect:", type(e).__name__, errno.errorcode[e.errno], hint)
s.close()
a, b = socket.socketpair()
a.sendall(b"ok")
print("socketpair:", b.recv(2).decode())
# With no network, numeric lookups still work (they touch no network); names do not resolve.
print("numeric getaddrinfo:", socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET, socket.SOCK_STREAM)[0][4])
try:
    socket.getaddrinfo("localhost", 80)
except socket.gaierror as e:
    print("name lookup:", type(e).__name__)
