# A server's sni_callback: it sees the name the client asked for (None without SNI), can switch the
# connection to another context (another certificate), can refuse with an alert, and a callback that
# raises fails the handshake. Both over MemoryBIOs and over a socketpair of non-blocking sockets.
# tests/tests/sandbox.rs compares this with native CPython.
# usage: ssl_sni.py CERTS_DIR OTHER_CERT OTHER_KEY   (OTHER_CERT names other.example, signed by the CA)
import os
import socket
import ssl
import sys

from tls_helpers import attempt, handshake, pair

certs, other_cert, other_key = sys.argv[1:4]
client_ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
other_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
other_ctx.load_cert_chain(other_cert, other_key)
calls = []


def choose(sslobj, name, ctx):
    calls.append((type(sslobj).__name__, name, ctx is server_ctx, sslobj.server_side))
    if name == "other.example":
        sslobj.context = other_ctx
    elif name == "refused.example":
        return ssl.ALERT_DESCRIPTION_ACCESS_DENIED
    elif name == "broken.example":
        raise RuntimeError("callback failed on purpose")


def outcome(f):
    try:
        return f()
    except ssl.SSLError as e:
        return f"{type(e).__name__} {e.reason}"


def over_bios(hostname, ctx=client_ctx):
    c, s, bios = pair(ctx, server_ctx, hostname)
    result = handshake(c, s, bios)
    subject = None
    if result.get("client") == "ok":
        subject = dict(x[0] for x in c.getpeercert()["subject"])["commonName"]
    context_after = "other" if s.context is other_ctx else "server" if s.context is server_ctx else "?"
    return result, subject, context_after


def over_sockets(hostname):
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    c = client_ctx.wrap_socket(a, server_hostname=hostname, do_handshake_on_connect=False)
    s = server_ctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
    done = {}
    for _ in range(50):
        for name, obj in (("client", c), ("server", s)):
            if name in done:
                continue
            try:
                obj.do_handshake()
                done[name] = "ok"
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
            except ssl.SSLError as e:
                done[name] = f"{type(e).__name__} {e.reason}"
        if len(done) == 2:
            break
    subject = None
    if done.get("client") == "ok":
        s.sendall(b"hello from " + (b"other" if s.context is other_ctx else b"default"))
        for _ in range(50):
            try:
                print("  client reads:", c.recv(100))
                break
            except ssl.SSLWantReadError:
                pass
        subject = dict(x[0] for x in c.getpeercert()["subject"])["commonName"]
    c.close()
    s.close()
    return done, subject


server_ctx.sni_callback = choose
for host in ("localhost", "other.example", "127.0.0.1", "refused.example"):
    calls.clear()
    print(host, "over bios:", over_bios(host), calls)

calls.clear()
print("no check_hostname, other.example:", end=" ")
loose = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
loose.check_hostname = False
print(over_bios("other.example", loose)[1], calls)

calls.clear()
print("raising callback:", over_bios("broken.example")[0], calls)

for host in ("other.example", "localhost"):
    calls.clear()
    print(host, "over sockets:")
    print(" ", over_sockets(host), calls)

print("set_servername_callback shim:")
seen = []
server_ctx.set_servername_callback(lambda obj, name, ctx: seen.append(name))
over_bios("other.example")
print(" ", seen)
server_ctx.set_servername_callback(None)
print("  cleared:", server_ctx.sni_callback, over_bios("other.example")[1])

for label, target, value in (("client context", client_ctx, choose), ("not callable", server_ctx, 42)):
    attempt(label, lambda: setattr(target, "sni_callback", value))
attempt("set_servername_callback(42)", lambda: server_ctx.set_servername_callback(42))
print("END")
