# ALPN in every combination of client and server lists: none, overlapping in either preference
# order, and sharing nothing (OpenSSL's server then goes on without a protocol), with and without
# an sni_callback on the server. tests/tests/sandbox.rs compares this with native CPython.
# usage: ssl_alpn.py CERTS_DIR
import os
import ssl
import sys

from tls_helpers import handshake, pair

certs = sys.argv[1]
LISTS = {"none": None, "h2+http/1.1": ["h2", "http/1.1"], "http/1.1+h2": ["http/1.1", "h2"], "spdy": ["spdy/3"]}

for with_callback in (False, True):
    for client_name, client_list in LISTS.items():
        for server_name, server_list in LISTS.items():
            client_ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
            server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            server_ctx.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
            if client_list:
                client_ctx.set_alpn_protocols(client_list)
            if server_list:
                server_ctx.set_alpn_protocols(server_list)
            if with_callback:
                server_ctx.sni_callback = lambda sock, name, ctx: None
            c, s, bios = pair(client_ctx, server_ctx)
            result = handshake(c, s, bios)
            chosen = (c.selected_alpn_protocol(), s.selected_alpn_protocol()) if result["client"] == "ok" else "-"
            print(f"callback={with_callback} client={client_name} server={server_name}: {result} {chosen}")
