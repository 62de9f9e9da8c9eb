# An SSLObject's methods in each state of its life: before the handshake, after it, after unwrap()
# on one side and on both; then the verify codes OpenSSL gives when an IP-address server_hostname
# is not among the certificate's names, and for chains that reach no trusted certificate.
# tests/tests/sandbox.rs compares this with native CPython.
# usage: ssl_states.py CERTS_DIR CHAIN_FILE (the server's certificate followed by its CA's)
import os
import socket
import ssl
import sys

from tls_helpers import attempt, handshake, pair, transfer

certs, chain_file = sys.argv[1], sys.argv[2]
client_ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))


def methods(label, obj):
    """The calls whose answer depends on the state, each printed."""
    attempt(f"{label} write", lambda: obj.write(b"x"))
    attempt(f"{label} read", obj.read)
    attempt(f"{label} read(5)", lambda: obj.read(5))
    attempt(f"{label} pending", obj.pending)
    attempt(f"{label} version", obj.version)
    attempt(f"{label} has cipher", lambda: obj.cipher() is not None)
    attempt(f"{label} has peer cert", lambda: bool(obj.getpeercert()))


# Before the handshake.
c, s, bios = pair(client_ctx, server_ctx)
methods("fresh client", c)
attempt("fresh client unwrap", c.unwrap)

# Established, then shut down from the client's side, then from both.
c, s, bios = pair(client_ctx, server_ctx)
print("handshake", handshake(c, s, bios))
c.write(b"hello")
transfer(bios)
attempt("server read", s.read)
attempt("client unwrap (peer still open)", c.unwrap)
transfer(bios)
methods("half-closed client", c)
attempt("server read after peer's close_notify", s.read)
attempt("server unwrap", s.unwrap)
transfer(bios)
attempt("client unwrap again", c.unwrap)
methods("unwrapped client", c)
methods("unwrapped server", s)
attempt("unwrapped client do_handshake", c.do_handshake)



def verify_failure(client_ctx, server_ctx, name):
    """The client's SSLCertVerificationError as (code, message, reason), or None."""
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    client = client_ctx.wrap_socket(a, server_hostname=name, do_handshake_on_connect=False)
    server = server_ctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
    failure = None
    for _ in range(50):
        for side in (client, server):
            try:
                side.do_handshake()
            except ssl.SSLCertVerificationError as e:
                failure = e
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, ssl.SSLError):
                pass
        if failure:
            break
    client.close()
    server.close()
    return failure and (failure.verify_code, failure.verify_message, failure.reason)


# An IP address as the server's name is checked against the IP SANs, with OpenSSL's own code.
for name in ("127.0.0.2", "::2", "wrong.example"):
    print(name, "->", verify_failure(client_ctx, server_ctx, name))

# A chain that reaches no trusted certificate: OpenSSL follows it and names a self-signed end.
trusting_nothing = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
for label, cert, key in (("leaf only", "cert.pem", "key.pem"), ("leaf and its CA", chain_file, "key.pem"),
                         ("self-signed leaf", "ca.pem", "ca.key")):
    presenting = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    presenting.load_cert_chain(os.path.join(certs, cert), os.path.join(certs, key))
    print(label, "->", verify_failure(trusting_nothing, presenting, "localhost"))
