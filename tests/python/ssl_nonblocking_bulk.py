# 2 MiB each way over non-blocking SSL sockets in one thread, with SSLWantRead/WriteError and
# retries of the same buffer, as OpenSSL requires; byte-exact, checked with SHA-256 on both sides.
# usage: ssl_nonblocking_bulk.py CERTS_DIR
import hashlib
import os
import select
import socket
import ssl
import sys
import time

certs = sys.argv[1]
cctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
with socket.create_server(("127.0.0.1", 0)) as listener:
    c = socket.create_connection(listener.getsockname())
    s, _ = listener.accept()
for sock in (c, s):
    sock.setblocking(False)
    # Small kernel buffers, so sends hit SSLWantWriteError and must be retried.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32768)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
c = cctx.wrap_socket(c, server_hostname="localhost", do_handshake_on_connect=False)
s = sctx.wrap_socket(s, server_side=True, do_handshake_on_connect=False)
deadline = time.monotonic() + 60
pending = [c, s]
while pending:
    for side in list(pending):
        try:
            side.do_handshake()
            pending.remove(side)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
    select.select(pending, [], [], 1)

size = 2 * 1024 * 1024
payload = {c: os.urandom(size), s: os.urandom(size)}
offset = {c: 0, s: 0}
got = {c: bytearray(), s: bytearray()}
want_write_seen = False
while (len(got[c]) < size or len(got[s]) < size) and time.monotonic() < deadline:
    for me, peer in ((c, s), (s, c)):
        if offset[me] < size:
            chunk = payload[me][offset[me]:offset[me] + 1024 * 1024]
            try:
                offset[me] += me.send(chunk)
            except ssl.SSLWantWriteError:
                want_write_seen = True  # retry the same buffer next round
            except ssl.SSLWantReadError:
                pass
        try:
            while True:
                data = me.recv(1024 * 1024)
                if not data:
                    break
                got[me] += data
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
    select.select([c, s], [x for x in (c, s) if offset[x] < size], [], 1)

for name, me, peer in (("client", c, s), ("server", s, c)):
    same = hashlib.sha256(got[me]).digest() == hashlib.sha256(payload[peer]).digest()
    print(f"{name} received {len(got[me])} bytes, identical: {same}")
print("a send had to be retried:", want_write_seen)
print("END")
