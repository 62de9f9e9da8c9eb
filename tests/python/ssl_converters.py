"""The argument converters of `_ssl` at their edges: SSLContext's setters and methods, SSLObject's
read and write, MemoryBIO, RAND_*, each printed as its result or its exception's class and text,
so that native CPython's transcript is the expected one (3.11's _ssl clinic definitions).
usage: ssl_converters.py CERTS_DIR"""
import os
import ssl
import sys
import warnings

warnings.simplefilter("ignore")  # the deprecated OP_NO_* options, the same on both sides

certs = sys.argv[1]
HUGE = (2**31, 2**32, 2**63, 2**64, -(2**31) - 1, -(2**63) - 1)
ODD = (-1, 0, 0.5, float("nan"), "1", None, b"1", True)


def attempt(label, f, *args):
    try:
        result = f(*args)
    except Exception as e:  # every class is printed, none is expected
        text = str(e).split(" (_ssl.c")[0].split(" (pysock)")[0]
        print(f"{label}: {type(e).__name__}: {text}")
    else:
        print(f"{label}: {result!r}"[:200])


def setter(obj, name):
    return lambda v: setattr(obj, name, v)


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
# (`options` is left out: 3.12 made it an unsigned 64-bit int, as the sandbox's 3.14 has it.)
for name in ("verify_mode", "verify_flags", "minimum_version", "maximum_version", "num_tickets",
             "check_hostname", "post_handshake_auth", "hostname_checks_common_name",
             "sni_callback", "security_level", "protocol"):
    for v in HUGE + ODD:
        attempt(f"ctx.{name} = {v!r}", setter(ctx, name), v)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
for v in (-1, 0, 1, 2**31, 0.5, "1", None):
    attempt(f"server.num_tickets = {v!r}", setter(server, "num_tickets"), v)
for protocol in (-1, 2**31, 0.5, "1", 99):
    attempt(f"SSLContext({protocol!r})", lambda p=protocol: ssl.SSLContext(p).protocol)
for v in (1, b"ALL", None, "NOTHING"):
    attempt(f"set_ciphers({v!r})", ctx.set_ciphers, v)
for v in (1, [1], ["x" * 256], [b"h2"], [], None):
    attempt(f"set_alpn_protocols({v!r})", ctx.set_alpn_protocols, v)
# The wire format below ssl.py's checks: a malformed list is what _ssl.c reports as MemoryError.
for v in (b"", b"\x02h2", b"\x00", b"\x02h2\x00", b"\x05ab", b"\x02h2\x08http/1.1", "h2", None, 1):
    attempt(f"_set_alpn_protocols({v!r})", ctx._set_alpn_protocols, v)
for v in (1, None, b"prime256v1", "no-such-curve"):
    attempt(f"set_ecdh_curve({v!r})", ctx.set_ecdh_curve, v)
for args in ((1,), (None,), (os.path.join(certs, "cert.pem"), 1), (os.path.join(certs, "cert.pem"), None, 1)):
    attempt(f"load_cert_chain{args!r}"[:60], ctx.load_cert_chain, *args)
for kw in ({"cafile": 1}, {"capath": 1}, {"cadata": 1}, {"cadata": "x"}, {"cadata": b"x"}, {}):
    attempt(f"load_verify_locations({kw!r})", lambda kw=kw: ctx.load_verify_locations(**kw))
attempt("cert_store_stats()", ctx.cert_store_stats)
attempt("get_ca_certs(1)", ctx.get_ca_certs, 1)
attempt("get_ca_certs(binary_form=None)", lambda: ctx.get_ca_certs(binary_form=None))

bio_in, bio_out = ssl.MemoryBIO(), ssl.MemoryBIO()
for v in (1, "x", None, b"ab", bytearray(b"cd")):
    attempt(f"MemoryBIO.write({v!r})", bio_in.write, v)
for n in HUGE + (-1, 0, 1, 0.5, "1", None):
    attempt(f"MemoryBIO.read({n!r})", bio_in.read, n)
bio_in.write_eof()
attempt("write after write_eof", bio_in.write, b"x")
attempt("pending, eof", lambda: (bio_in.pending, bio_in.eof))

obj = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")
for n in HUGE + (-1, 0, 0.5, "1", None):
    attempt(f"SSLObject.read({n!r})", obj.read, n)
for n in (-1, 0, 2**31, 0.5):
    attempt(f"SSLObject.read({n!r}, buffer)", obj.read, n, bytearray(4))
for v in (1, "x", None):
    attempt(f"SSLObject.write({v!r})", obj.write, v)
for v in (1, "x", "no/such/binding"):
    attempt(f"get_channel_binding({v!r})", obj.get_channel_binding, v)
# (Names the idna codec refuses are left out: its message changed in 3.13.)
for v in (None, 1, "", "-x", "x" * 63):
    attempt(f"wrap_bio server_hostname={v!r}",
            lambda v=v: ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=v).server_hostname)

for n in (-1, 0, 16, 2**31, 0.5, "1"):
    attempt(f"RAND_bytes({n!r})", lambda n=n: len(ssl.RAND_bytes(n)))
for args in ((b"x", 1.0), ("x", 0.5), (b"x", "1"), (1, 1.0), (b"x", float("nan"))):
    attempt(f"RAND_add{args!r}", ssl.RAND_add, *args)
attempt("RAND_status()", ssl.RAND_status)
for v in (1, b"x", "x"):
    attempt(f"DER_cert_to_PEM_cert({v!r})", ssl.DER_cert_to_PEM_cert, v)
    attempt(f"PEM_cert_to_DER_cert({v!r})", ssl.PEM_cert_to_DER_cert, v)
for v in ("x", 1, os.path.join(certs, "nonexistent.pem")):
    attempt(f"_test_decode_cert({v!r})", ssl._ssl._test_decode_cert, v)
