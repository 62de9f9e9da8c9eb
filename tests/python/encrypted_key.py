# load_cert_chain with an encrypted PKCS#8 key: the right password as str, bytes and a callable work;
# a wrong, missing, oversized or mistyped password fails as native CPython's does.
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
        print(label, "->", type(e).__name__)


attempt("str", "secret")
attempt("bytes", b"secret")
attempt("callable", lambda: "secret")
attempt("wrong", "nope")
attempt("too long", "x" * 2000)
attempt("wrong type", 42)
print("END")
