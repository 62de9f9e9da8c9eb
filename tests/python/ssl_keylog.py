# keylog_filename: the header for a new file, NSS key log lines for each handshake (TLS 1.3's five
# secrets, TLS 1.2's CLIENT_RANDOM), nothing once cleared, and the setter's errors.
# tests/tests/sandbox.rs compares this with native CPython.
# usage: ssl_keylog.py CERTS_DIR SCRATCH_DIR
import os
import ssl
import sys

from tls_helpers import attempt, handshake, pair

certs, scratch = sys.argv[1], sys.argv[2]
log = os.path.join(scratch, "keylog.txt")


def lines():
    with open(log) as f:
        return [line.split()[0] for line in f if line.strip()]


client = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server.load_cert_chain(os.path.join(certs, "certkey.pem"))
print("default:", client.keylog_filename)
client.keylog_filename = log
print("set:", client.keylog_filename == log, lines())
print("TLS 1.3:", handshake(*pair(client, server)))
print(" ", sorted(lines()[1:]))
client.maximum_version = ssl.TLSVersion.TLSv1_2
print("TLS 1.2:", handshake(*pair(client, server)))
print(" ", lines()[6:])
client.keylog_filename = None
handshake(*pair(client, server))
print("cleared:", client.keylog_filename, len(lines()))
client.keylog_filename = log
print("set again, no second header:", lines().count("#"))
attempt("keylog_filename = 1", lambda: setattr(client, "keylog_filename", 1))
try:
    client.keylog_filename = scratch
except OSError as e:  # errno numbers differ between Linux and WASI; the class does not
    print("keylog_filename = a directory ->", type(e).__name__)
print("END")
