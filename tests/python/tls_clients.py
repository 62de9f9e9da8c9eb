# Native CPython peer: COUNT TLS clients (CPython's ssl on OpenSSL) to an echo server, one after
# another, verifying it against CAFILE; every echo checked.
# usage: python3 tls_clients.py PORT CAFILE COUNT
import socket
import ssl
import sys

port, cafile, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
context = ssl.create_default_context(cafile=cafile)
versions = set()
for i in range(count):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            line = f"hello {i}\n".encode()
            tls.sendall(line)
            assert tls.recv(4096) == line, "echo mismatch"
            versions.add(tls.version())
print("tls echoes correct:", count, sorted(versions))
