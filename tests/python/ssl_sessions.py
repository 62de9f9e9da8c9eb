# Sessions: a client resumes only the session it is handed, as often as it likes, over TLS 1.2 and
# 1.3, with tickets and (OP_NO_TICKET) from the server's cache; SSLSession's attributes, equality and
# the setter's errors; session_stats() on both sides. MemoryBIOs and a socketpair.
# tests/tests/sandbox.rs compares this with native CPython.
# usage: ssl_sessions.py CERTS_DIR
import os
import socket
import ssl
import sys

from tls_helpers import attempt, handshake, pair, transfer

certs = sys.argv[1]


def contexts(top, tickets=True):
    client = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    client.maximum_version = top
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(os.path.join(certs, "certkey.pem"))
    if not tickets:
        server.options |= ssl.OP_NO_TICKET
    return client, server


def connect(client, server, session=None):
    """A handshake and one server-to-client write (TLS 1.3 tickets travel with it) over MemoryBIOs."""
    c, s, bios = pair(client, server, session=session)
    before = c.session
    handshake(c, s, bios)
    s.write(b"x")
    transfer(bios)
    assert c.read(10) == b"x"
    return c, s, before


def describe(session):
    return (type(session).__name__, len(session.id), session.time > 0, session.timeout > 0,
            session.has_ticket, session.ticket_lifetime_hint > 0)


def stats(ctx, *keys):
    return {k: v for k, v in ctx.session_stats().items() if k in keys}


for top in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
    print(top.name)
    client, server = contexts(top)
    c, s, before = connect(client, server)
    first = c.session
    print("  first:", before, describe(first), "reused:", c.session_reused, s.session_reused)
    print("  server has a session:", s.session is not None)
    for n in range(3):
        c, s, before = connect(client, server, first)
        again = c.session
        print(f"  offer #{n}: set before handshake:", before == first, "reused:", c.session_reused,
              s.session_reused, "same id:", again.id == first.id, "equal:", again == first,
              "time ok:", again.time >= first.time)
    c, s, _ = connect(client, server)
    print("  without offering: reused", c.session_reused, "equal:", c.session == first)
    print("  server stats:", stats(server, "accept", "accept_good", "hits"))
    print("  client stats:", stats(client, "connect", "connect_good", "hits"))
    # Without tickets the server resumes from its cache. (OpenSSL then resumes a session only once;
    # pysock resumes it as long as the server keeps it, so only the first offer is compared.)
    client, server = contexts(top, tickets=False)
    c, s, _ = connect(client, server)
    c, s, _ = connect(client, server, c.session)
    print("  OP_NO_TICKET: reused", c.session_reused, s.session_reused)

print("module:", type(first).__module__, type(first).__qualname__)
try:
    hash(first)
except TypeError as e:
    print("hash:", type(e).__name__)
try:
    ssl.SSLSession()
except TypeError as e:
    print("SSLSession():", e)

client, server = contexts(ssl.TLSVersion.TLSv1_3)
other_client, _ = contexts(ssl.TLSVersion.TLSv1_3)
c, s, _ = connect(client, server)
session = c.session
bios = [ssl.MemoryBIO() for _ in range(2)]
fresh = other_client.wrap_bio(bios[0], bios[1], server_hostname="localhost")
for label, obj, value in (("not a session", fresh, "x"), ("other context", fresh, session),
                          ("server side", s, session), ("after handshake", c, session)):
    attempt(label, lambda: setattr(obj, "session", value))
attempt("wrap_bio(session=other context's)",
        lambda: other_client.wrap_bio(bios[0], bios[1], server_hostname="localhost", session=session) and None)

print("over sockets:")
for offer in (None, session, session):
    a, b = socket.socketpair()
    c = client.wrap_socket(a, server_hostname="localhost", session=offer, do_handshake_on_connect=False)
    s = server.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
    c.setblocking(False)
    s.setblocking(False)
    done = set()
    for _ in range(50):
        for obj in (c, s):
            if obj in done:
                continue
            try:
                obj.do_handshake()
                done.add(obj)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
        if len(done) == 2:
            break
    s.sendall(b"y")
    for _ in range(50):
        try:
            c.recv(1)
            break
        except ssl.SSLWantReadError:
            pass
    print("  offered:", offer is not None, "reused:", c.session_reused, s.session_reused)
    c.close()
    s.close()
print("END")
