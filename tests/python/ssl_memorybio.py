# Two SSLObjects talk through MemoryBIOs only: handshake, data both ways, unwrap; then a client that
# does not trust the server's CA. tests/tests/sandbox.rs compares this with native CPython.
# usage: ssl_memorybio.py CERTS_DIR
import os
import ssl
import sys

certs = sys.argv[1]
client_ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))


def pair(ctx=client_ctx):
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = ctx.wrap_bio(bios[0], bios[1], server_hostname="localhost")
    s = server_ctx.wrap_bio(bios[2], bios[3], server_side=True)
    return c, s, bios


def pump(c, s, bios):
    """Moves bytes until both sides are done or stuck; returns each side's first failure (after one,
    OpenSSL answers further calls differently, which is not behaviour worth pinning)."""
    last = {}
    for _ in range(20):
        for name, obj in (("client", c), ("server", s)):
            if str(last.get(name, "")).startswith("SSLCert"):
                continue
            try:
                obj.do_handshake()
                last[name] = None
            except ssl.SSLWantReadError:
                last[name] = "SSLWantReadError"
            except ssl.SSLError as e:
                if not str(last.get(name, "")).startswith("SSLCert"):
                    last[name] = f"{type(e).__name__} {getattr(e, 'verify_code', '')}".strip()
        moved = bios[1].read() + b""
        bios[2].write(moved) if moved else None
        back = bios[3].read()
        bios[0].write(back) if back else None
        if not moved and not back:
            break
    return last


c, s, bios = pair()
print("handshake:", pump(c, s, bios))
print("versions agree:", c.version() == s.version(), c.version() in ("TLSv1.2", "TLSv1.3"))
print("client peer cert subject:", dict(x[0] for x in c.getpeercert()["subject"]))
print("server sees no client cert:", s.getpeercert())
c.write(b"ping over bio")
bios[2].write(bios[1].read())
print("server reads:", s.read(100), "pending after:", s.pending())
s.write(b"pong")
bios[0].write(bios[3].read())
print("client reads:", c.read(100))
try:
    s.read(10)
except ssl.SSLWantReadError as e:
    print("idle read:", type(e).__name__, e.errno == ssl.SSL_ERROR_WANT_READ)
# read(n) makes its bytes object before it reads: a size no machine's memory holds is MemoryError,
# one no size describes OverflowError; a large one just waits.
for n in (2**31, 2**40, 2**63 - 1):
    try:
        s.read(n)
    except (ssl.SSLWantReadError, MemoryError, OverflowError) as e:
        print(f"idle read({n}):", type(e).__name__)
try:
    c.unwrap()
except ssl.SSLWantReadError:
    print("client unwrap waits for the server's close_notify")
bios[2].write(bios[1].read())
print("server reads after close_notify:", s.read(10))

untrusting = ssl.create_default_context()
c, s, bios = pair(untrusting)
print("untrusted:", pump(c, s, bios)["client"])
bio = ssl.MemoryBIO()
bio.write(b"abc")
bio.write_eof()
print("bio read/eof:", bio.read(2), bio.eof, bio.read(), bio.eof)
try:
    bio.write(b"x")
except ssl.SSLError as e:
    print("write after eof:", type(e).__name__)
print("END")
