# load_cert_chain with an encrypted PKCS#8 key: the right password as str, bytes and a callable work;
# a wrong, oversized or mistyped password fails as native CPython's does (a missing one: README).
# usage: encrypted_key.py CERT_PEM ENCRYPTED_KEY_PEM   (the key's password is "secret")
import ssl
import sys

cert, key = sys.argv[1], sys.argv[2]


def attempt(label, password):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.load_cert_chain(cert, key, password=password)
        print(label, "-> ok")
    except Exception as e:
        # SSLError's errno and text (without where it was raised) as well as its class: a wrong
        # password reads as OpenSSL's last error, "[SSL] PEM lib", number 524297.
        text = str(e).split(" (_ssl.c")[0].split(" (pysock)")[0]
        print(label, "->", type(e).__name__, getattr(e, "errno", None) if isinstance(e, ssl.SSLError) else "", text)


attempt("str", "secret")
attempt("bytes", b"secret")
attempt("callable", lambda: "secret")
attempt("wrong", "nope")
attempt("too long", "x" * 2000)
attempt("wrong type", 42)
print("END")
