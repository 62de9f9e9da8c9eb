# TLS bulk over a real loopback connection to a native TLS sink (the bench's rustls thread): sends
# an 8-byte big-endian length, then TOTAL bytes in sendall(CHUNK) calls, and reads back the 8-byte
# count the sink received. Prints MiB/s. The same script runs natively (OpenSSL) and in the sandbox.
# usage: tls_client.py PORT CAFILE TOTAL CHUNK
import socket
import ssl
import sys
import time

from bench_io import recv_exactly

port, cafile, total, chunk = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
context = ssl.create_default_context(cafile=cafile)
with socket.create_connection(("127.0.0.1", port)) as raw, context.wrap_socket(raw, server_hostname="localhost") as s:
    payload = b"x" * chunk
    start = time.perf_counter()
    s.sendall(total.to_bytes(8, "big"))
    sent = 0
    while sent < total:
        s.sendall(payload)
        sent += chunk
    ack = recv_exactly(s, 8)
    elapsed = time.perf_counter() - start
assert int.from_bytes(ack, "big") == total, "the sink did not receive everything"
print(f"{total / elapsed / 2**20:.1f}")
