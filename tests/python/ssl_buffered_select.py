# After a short read from an SSL socket, the rest of the TLS record is decrypted and buffered in the
# TLS layer while the kernel socket is empty. pysock's select and poll report such a socket readable
# (native CPython's do not: its users must check pending()). Also checks CPython's SSL timeout text.
# usage: ssl_buffered_select.py CERTS_DIR
import os
import select
import socket
import ssl
import sys
import time

from tls_helpers import shake

certs = sys.argv[1]
cctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
listener = socket.create_server(("127.0.0.1", 0))


def tls_pair():
    """A connected client and server, non-blocking, wrapped, their handshakes not begun."""
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    client.setblocking(False)
    server.setblocking(False)
    client = cctx.wrap_socket(client, server_hostname="localhost", do_handshake_on_connect=False)
    return client, sctx.wrap_socket(server, server_side=True, do_handshake_on_connect=False)


c, s = tls_pair()
shake(c, s)

c.sendall(b"x" * 100)
select.select([s], [], [], 5)
first = s.recv(10)
print("short read:", len(first), "pending:", s.pending())
r, _, _ = select.select([s], [], [], 0)
print("select says readable:", r == [s])
p = select.poll()
p.register(s, select.POLLIN)
print("poll says POLLIN:", p.poll(0) == [(s.fileno(), select.POLLIN)])
ep = select.epoll()
ep.register(s.fileno(), select.EPOLLIN)
print("epoll says EPOLLIN:", ep.poll(0) == [(s.fileno(), select.EPOLLIN)])
rest = s.recv(1000)
print("rest:", len(rest), "pending now:", s.pending())
r, _, _ = select.select([s], [], [], 0)
print("select after draining:", r)
print("epoll after draining:", ep.poll(0))

# Application data that came with the client's last handshake flight, as an HTTPS client's request
# does. OpenSSL reads one record at a time and leaves the request in the kernel socket, so natively
# every readiness call says readable; pysock's TLS layer took it with the handshake, and must too
# (tornado's HTTPS server waits for it with asyncio's epoll). Natively too these lines read True.
c2, s2 = tls_pair()


def handshake_step(side):
    try:
        side.do_handshake()
        return True
    except ssl.SSLWantReadError:
        return False


for _ in range(50):  # the client finishes first, the server still waiting for its Finished
    if handshake_step(c2):
        break
    handshake_step(s2)
    select.select([c2], [], [], 1)
c2.sendall(b"GET / HTTP/1.1\r\n\r\n")
time.sleep(0.3)  # the Finished and the request both in the server's kernel socket, as one read takes them
print("server's handshake done:", handshake_step(s2))
ep2 = select.epoll()
ep2.register(s2.fileno(), select.EPOLLIN)
print("after the handshake, epoll says EPOLLIN:", ep2.poll(0) == [(s2.fileno(), select.EPOLLIN)])
print("after the handshake, select says readable:", select.select([s2], [], [], 0)[0] == [s2])
print("the request:", s2.recv(100))
print("epoll once it is read:", ep2.poll(0))

s.setblocking(True)
s.settimeout(0.2)
try:
    s.recv(10)
except TimeoutError as e:
    print("timeout message:", e)
print("END")
