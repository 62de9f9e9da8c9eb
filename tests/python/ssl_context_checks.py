# _ssl's own checks and objects, where CPython 3.11 and 3.13 agree: Certificate objects and the
# verified chain, server_hostname, set_ecdh_curve, load_dh_params, cadata and cafile errors, password
# callbacks, load_cert_chain's errors and their numbers, verify_flags, cert_store_stats/get_ca_certs,
# a PROTOCOL_TLSv1_2 context, MemoryBIO buffers and how want-read errors read. tests/tests/sandbox.rs compares this with native CPython.
# usage: ssl_context_checks.py CERTS_DIR
import os
import _ssl
import ssl
import sys
import warnings

from tls_helpers import attempt, handshake, pair

certs = sys.argv[1]
ca, cert, key, certkey = (os.path.join(certs, n) for n in ("ca.pem", "cert.pem", "key.pem", "certkey.pem"))


client = ssl.create_default_context(cafile=ca)
server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server.load_cert_chain(certkey)
c, s, bios = pair(client, server)
try:
    c.do_handshake()
except ssl.SSLWantReadError as e:
    print("want-read:", str(e).startswith("The operation did not complete (read)"), e.errno, e.library, e.reason)
print("handshake:", handshake(c, s, bios))
chain = c._sslobj.get_verified_chain()
print("verified chain:", [type(x).__name__ for x in chain], [repr(x) for x in chain])
print("unverified chain:", [repr(x) for x in c._sslobj.get_unverified_chain()])
print("server sees:", s._sslobj.get_verified_chain(), s._sslobj.get_unverified_chain())
leaf = chain[0]
print("equal, hashable:", leaf == c._sslobj.get_unverified_chain()[0], hash(leaf) == hash(c._sslobj.get_verified_chain()[0]))
print("DER matches:", leaf.public_bytes(_ssl.ENCODING_DER) == c.getpeercert(True))
print("PEM:", leaf.public_bytes().splitlines()[0], leaf.public_bytes() == ssl.DER_cert_to_PEM_cert(c.getpeercert(True)))
print("info:", leaf.get_info() == c.getpeercert())
attempt("public_bytes(7)", lambda: leaf.public_bytes(7))
attempt("Certificate()", lambda: type(leaf)())

def ctx_host(h):
    obj = client.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=h)
    return obj.server_hostname


for h in ("", "example.org\x00evil.com"):
    attempt(f"server_hostname {h[:20]!r}", lambda: ctx_host(h))
for h in ("a" * 300, "bücher.example"):
    try:
        print(repr(h[:10]), ctx_host(h))
    except UnicodeError as e:
        print(repr(h[:10]), "UnicodeError")

for v in ("prime256v1", b"secp384r1", "X25519", "foo", b"foo", None):
    attempt(f"set_ecdh_curve({v!r})", lambda: server.set_ecdh_curve(v))
attempt("load_dh_params(cert)", lambda: server.load_dh_params(cert))
try:
    server.load_dh_params(os.path.join(certs, "missing.pem"))
except FileNotFoundError:
    print("load_dh_params(missing) -> FileNotFoundError")
for cadata in ("nothing", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", b"\x30\x03abc", b"junk"):
    attempt(f"cadata {cadata!r:.20}", lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=cadata))
# OpenSSL reads capath when it looks for an issuer, so a folder it cannot read is no error here.
# An empty or NUL-bearing path is refused at once, as CPython and OpenSSL refuse it.
for capath in ("/nonexistent-capath", cert, "", "a\0b"):
    attempt(f"capath {os.path.basename(capath)!r}", lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(capath=capath))
attempt("cafile with only a key", lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(key))
attempt("a key as the certificate", lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(key))
attempt("another certificate's key", lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, os.path.join(certs, "ca.key")))
attempt("password callback returns 42", lambda: server.load_cert_chain(cert, key, password=lambda: 42))
attempt("verify_flags = None", lambda: setattr(server, "verify_flags", None))
attempt("verify_flags = VERIFY_CRL_CHECK_LEAF", lambda: setattr(server, "verify_flags", ssl.VERIFY_CRL_CHECK_LEAF))
print("verify_flags:", server.verify_flags)

store = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
print("empty store:", store.cert_store_stats(), store.get_ca_certs())
store.load_verify_locations(cert)
print("after a leaf:", store.cert_store_stats(), store.get_ca_certs())
store.load_verify_locations(ca)
print("after the CA:", store.cert_store_stats(), [c["subject"] for c in store.get_ca_certs()],
      len(store.get_ca_certs(binary_form=True)[0]) > 0)

with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    fixed = ssl.SSLContext(ssl.PROTOCOL_TLSv1_2)
print("PROTOCOL_TLSv1_2:", [str(x.message) for x in w], fixed.minimum_version, fixed.maximum_version,
      fixed.verify_mode, fixed.check_hostname)
attempt("its minimum_version = TLSv1_3", lambda: setattr(fixed, "minimum_version", ssl.TLSVersion.TLSv1_3))
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    server.minimum_version = ssl.TLSVersion.TLSv1_1
print("minimum_version = TLSv1_1:", [str(x.message) for x in w], server.minimum_version)

bio = ssl.MemoryBIO()
attempt("bio.write(non-contiguous)", lambda: bio.write(memoryview(bytearray(b"noncontig"))[::-2]))
attempt("bio.write(str)", lambda: bio.write("foo"))

# _ssl's types are immutable, as C types are; ssl.py's subclasses are not.
for kind in (_ssl._SSLContext, _ssl._SSLSocket, _ssl.MemoryBIO, _ssl.Certificate, _ssl.SSLSession, _ssl.SSLError,
             ssl.SSLContext, ssl.SSLZeroReturnError):
    attempt(f"{kind.__name__}.value = None", lambda: setattr(kind, "value", None))
# A callback that refers back to its context is a cycle the collector breaks (test_ssl's
# test_sni_callback_refcycle).
import gc, weakref
cyclic = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
cyclic.sni_callback = lambda sock, name, ctx, cycle=cyclic: None
cyclic._msg_callback = lambda *args, cycle=cyclic: None
gone = weakref.ref(cyclic)
del cyclic
gc.collect()
print("a context in a cycle with its callbacks is collected:", gone() is None)
print("END")
