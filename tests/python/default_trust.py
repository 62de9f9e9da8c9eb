# How many CAs a default context trusts: what the embedder configured (--ca-file, --system-ca), or none.
import ssl

print("default context CAs:", ssl.create_default_context().cert_store_stats()["x509_ca"])
