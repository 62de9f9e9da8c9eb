# A TLS echo server in the sandbox: prints its port, serves CLIENTS connections (each sends a line,
# reads it back, closes), then exits. The certificate and key come from CERTS_DIR.
# usage: pysock python --allow-loopback --dir CERTS_DIR examples/tls_echo_server.py CERTS_DIR [CLIENTS]
import os
import socket
import ssl
import sys

certs = sys.argv[1]
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 10
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
with socket.create_server(("127.0.0.1", 0)) as server:
    print(server.getsockname()[1], flush=True)
    with context.wrap_socket(server, server_side=True) as tls_server:
        for _ in range(clients):
            conn, _ = tls_server.accept()
            with conn:
                conn.sendall(conn.recv(4096))
print("served", clients, file=sys.stderr)
