# What a default context trusts: what the embedder configured (--ca-file, --system-ca), or none.
# cert_store_stats() and get_ca_certs() count what OpenSSL holds at once: a CA file's certificates,
# not those it would look up in a CA directory while verifying.
import ssl

ctx = ssl.create_default_context()
print("default context CAs:", ctx.cert_store_stats()["x509_ca"])
print("store:", ctx.cert_store_stats(), "get_ca_certs:", len(ctx.get_ca_certs()))
