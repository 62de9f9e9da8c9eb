# An SSLObject's methods in each state of its life: before the handshake, after it, after unwrap()
# on one side and on both, after a failed handshake, and an SSLSocket after close().
# tests/tests/sandbox.rs compares this with native CPython.
# usage: ssl_states.py CERTS_DIR
import os
import socket
import ssl
import sys

from tls_helpers import attempt, handshake, pair, transfer

certs = sys.argv[1]
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
attempt("fresh client verify_client_post_handshake", c.verify_client_post_handshake)

# Established, then shut down from the client's side, then from both.
c, s, bios = pair(client_ctx, server_ctx)
print("handshake", handshake(c, s, bios))
attempt("client verify_client_post_handshake", c.verify_client_post_handshake)
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

# unwrap() with the peer's data unread: in the transport, partly read, or ahead of the peer's own
# close_notify. OpenSSL fails the session rather than drop the data.
for case in ("unread", "partly read", "before close_notify"):
    c, s, bios = pair(client_ctx, server_ctx)
    handshake(c, s, bios)
    s.write(b"data")
    if case == "before close_notify":
        attempt(f"{case}: server unwrap", s.unwrap)
    transfer(bios)
    if case == "partly read":
        attempt(f"{case}: client read(1)", lambda: c.read(1))
    attempt(f"{case}: client unwrap", c.unwrap)
    attempt(f"{case}: client read", c.read)
    attempt(f"{case}: client unwrap again", c.unwrap)

# After a failed handshake (the server's certificate lacks the name the client asked for).
c, s, bios = pair(client_ctx, server_ctx, hostname="wrong.example")
print("failed handshake", handshake(c, s, bios))
methods("failed client", c)
attempt("failed client do_handshake again", c.do_handshake)
attempt("failed client unwrap", c.unwrap)
# The server failed on the client's alert, which OpenSSL keeps as the peer's shutdown.
methods("failed server", s)
attempt("failed server do_handshake again", s.do_handshake)

# The same failure over a socket pair: there a failed side's handshake has no socket error to
# report, which CPython reads as EOF.
a, b = socket.socketpair()
sock = client_ctx.wrap_socket(a, server_hostname="wrong.example", do_handshake_on_connect=False)
peer = server_ctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
failed = {}
for name, side in (("client", sock), ("server", peer)) * 4:
    side.setblocking(False)
    if name not in failed:
        try:
            side.do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except ssl.SSLError as e:
            failed[name] = f"{type(e).__name__} {e.reason}"
print("failed socket handshake", failed)
for name, side in (("client", sock), ("server", peer)):
    for call, f in (("do_handshake", side.do_handshake), ("send", lambda: side.send(b"x")),
                    ("recv", lambda: side.recv(1)), ("pending", side.pending)):
        attempt(f"failed {name} socket {call}", f)
sock.close()
peer.close()

# An SSLSocket after close(), with and without a handshake first.
for shake in (False, True):
    a, b = socket.socketpair()
    sock = client_ctx.wrap_socket(a, server_hostname="localhost", do_handshake_on_connect=False)
    peer = server_ctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
    if shake:
        for side in (sock, peer) * 3:
            side.setblocking(False)
            try:
                side.do_handshake()
            except ssl.SSLWantReadError:
                pass
    sock.close()
    for name, call in (("send", lambda: sock.send(b"x")), ("recv", lambda: sock.recv(1)),
                       ("do_handshake", sock.do_handshake), ("unwrap", sock.unwrap), ("version", sock.version),
                       ("cipher", sock.cipher), ("pending", sock.pending), ("getpeercert", sock.getpeercert),
                       ("fileno", sock.fileno), ("selected_alpn_protocol", sock.selected_alpn_protocol)):
        attempt(f"closed SSLSocket (handshake {shake}) {name}", call)
    peer.close()
