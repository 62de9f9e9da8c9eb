# Native CPython peer: an HTTPS server (CPython's ssl on OpenSSL) for DIRECTORY on 127.0.0.1, port 0,
# with the conformance suite's localhost certificate. Prints the port; serves until killed or 120 s.
# usage: python3 https_peer.py DIRECTORY CERTS_DIR
import functools
import http.server
import os
import ssl
import sys
import threading

directory, certs = sys.argv[1], sys.argv[2]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
# A daemon: Ctrl-C (the tests' way to stop a peer) ends the process at once.
limit = threading.Timer(120, server.shutdown)
limit.daemon = True
limit.start()
server.serve_forever()
