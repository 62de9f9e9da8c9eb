# set_ciphers and get_ciphers over the suites both OpenSSL and rustls implement: which suites a
# cipher string selects and in what order, get_ciphers()'s dicts, the error for a string that selects
# nothing, that a TLS 1.2 handshake negotiates what set_ciphers chose, and shared_ciphers().
# tests/tests/sandbox.rs compares this with native CPython.
# usage: ssl_ciphers.py CERTS_DIR
import os
import ssl
import sys

from tls_helpers import handshake, pair

certs = sys.argv[1]
# rustls' suites; native OpenSSL lists many more, which this script leaves out.
BOTH = {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"}


def shown(ctx):
    return [c["name"] for c in ctx.get_ciphers() if c["name"] in BOTH]


ctx = ssl.create_default_context()
print("default:", shown(ctx))
for c in ctx.get_ciphers():
    if c["name"] in BOTH:
        print(" ", c)
for s in ("ECDHE+AESGCM", "AES256", "HIGH:!AES128", "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256",
          "DEFAULT", "ALL:@STRENGTH", "aECDSA", "CHACHA20:AESGCM+aRSA", "AES128:-AESGCM", "TLSv1.2", "ECDH",
          "ECDHE-RSA-AES128-GCM-SHA256:+AESGCM", "ALL:-CHACHA20:CHACHA20", "ALL:!CHACHA20:CHACHA20", "aRSA+AES128",
          "AES+ECDSA;CHACHA20", "foo:ECDHE-RSA-AES256-GCM-SHA384", "RSA", "SHA256",
          "!ALL", "AEAD", "MEDIUM", "TLS_AES_256_GCM_SHA384", "^$:,;?*'dorothyx"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        ctx.set_ciphers(s)
        print(repr(s), shown(ctx))
    except ssl.SSLError as e:
        print(repr(s), type(e).__name__, e.args, e.errno)


def negotiate(client_ciphers, server_ciphers=None, top=ssl.TLSVersion.TLSv1_2):
    client = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    client.maximum_version = top
    client.set_ciphers(client_ciphers)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(os.path.join(certs, "certkey.pem"))
    if server_ciphers:
        server.set_ciphers(server_ciphers)
    c, s, bios = pair(client, server)
    print("  shared before the handshake:", c.shared_ciphers(), s.shared_ciphers())
    result = handshake(c, s, bios)
    if result != {"client": "ok", "server": "ok"}:
        return result
    print("  shared: client", c.shared_ciphers(), "server", s.shared_ciphers())
    return c.cipher()


print("negotiated:", negotiate("ECDHE-RSA-CHACHA20-POLY1305"))
print("negotiated:", negotiate("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305"))
print("server preference:", negotiate("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
                                      "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"))
print("TLS 1.3:", negotiate("ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA",
                            top=ssl.TLSVersion.TLSv1_3))
print("nothing shared:", negotiate("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384"))
print("END")
