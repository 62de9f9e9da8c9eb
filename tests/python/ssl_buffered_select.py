# After a short read from an SSL socket, the rest of the TLS record is decrypted and buffered in the
# TLS layer while the kernel socket is empty. pysock's select and poll report such a socket readable
# (native CPython's do not: its users must check pending()). Also checks CPython's SSL timeout text.
# usage: ssl_buffered_select.py CERTS_DIR
import os
import select
import socket
import ssl
import sys

from tls_helpers import shake

certs = sys.argv[1]
cctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
listener = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(listener.getsockname())
s, _ = listener.accept()
c.setblocking(False)
s.setblocking(False)
c = cctx.wrap_socket(c, server_hostname="localhost", do_handshake_on_connect=False)
s = sctx.wrap_socket(s, server_side=True, do_handshake_on_connect=False)
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
rest = s.recv(1000)
print("rest:", len(rest), "pending now:", s.pending())
r, _, _ = select.select([s], [], [], 0)
print("select after draining:", r)

s.setblocking(True)
s.settimeout(0.2)
try:
    s.recv(10)
except TimeoutError as e:
    print("timeout message:", e)
print("END")
