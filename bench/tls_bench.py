# TLS handshakes per second and bulk throughput over loopback TCP, one thread, non-blocking SSL
# sockets. The same script runs under native CPython (OpenSSL) and in the sandbox (pysock, rustls);
# scripts/bench-tls.sh runs both and prints the ratios. Bounded: fixed counts, 60 s guard.
# usage: tls_bench.py CERTS_DIR [HANDSHAKES] [MEBIBYTES]
import os
import select
import socket
import ssl
import sys
import time

certs = sys.argv[1]
handshakes = int(sys.argv[2]) if len(sys.argv) > 2 else 100
mebibytes = int(sys.argv[3]) if len(sys.argv) > 3 else 64
client_ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
listener = socket.create_server(("127.0.0.1", 0), backlog=16)
guard = time.monotonic() + 60


def connected_tls_pair():
    c = socket.create_connection(listener.getsockname())
    s, _ = listener.accept()
    c.setblocking(False)
    s.setblocking(False)
    c = client_ctx.wrap_socket(c, server_hostname="localhost", do_handshake_on_connect=False)
    s = server_ctx.wrap_socket(s, server_side=True, do_handshake_on_connect=False)
    pending = [c, s]
    while pending:
        for side in list(pending):
            try:
                side.do_handshake()
                pending.remove(side)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
        if pending:
            select.select(pending, [], [], 5)
        assert time.monotonic() < guard, "benchmark guard reached"
    return c, s


start = time.perf_counter()
for _ in range(handshakes):
    c, s = connected_tls_pair()
    c.close()
    s.close()
handshake_rate = handshakes / (time.perf_counter() - start)

c, s = connected_tls_pair()
chunk = b"x" * (256 * 1024)
total = mebibytes * 1024 * 1024
sent = received = 0
view = memoryview(chunk)
start = time.perf_counter()
while received < total:
    if sent < total:
        try:
            sent += c.send(view[: min(len(chunk), total - sent)])
        except ssl.SSLWantWriteError:
            pass
    try:
        while True:
            data = s.recv(1024 * 1024)
            if not data:
                break
            received += len(data)
    except ssl.SSLWantReadError:
        select.select([s], [c] if sent < total else [], [], 5)
    assert time.monotonic() < guard, "benchmark guard reached"
throughput = received / (time.perf_counter() - start) / (1024 * 1024)
print(f"handshakes_per_s {handshake_rate:.1f}")
print(f"throughput_MiB_s {throughput:.1f}")
