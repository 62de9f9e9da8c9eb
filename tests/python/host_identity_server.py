# A TLS server whose certificate and key the host holds (pysock python --tls-identity site=CERT,KEY):
# the sandbox cannot read the key file, yet serves TLS with it. Prints its port, then serves CLIENTS.
# usage: host_identity_server.py KEYFILE [CLIENTS]
import socket
import ssl
import sys

keyfile = sys.argv[1]
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 1
try:
    open(keyfile, "rb").read()
    print("the key is readable in the sandbox", file=sys.stderr)
    sys.exit(1)
except OSError:
    pass
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("pysock-identity:site")
with socket.create_server(("127.0.0.1", 0)) as server:
    print(server.getsockname()[1], flush=True)
    with context.wrap_socket(server, server_side=True) as tls_server:
        for _ in range(clients):
            conn, _ = tls_server.accept()
            with conn:
                conn.sendall(conn.recv(4096))
