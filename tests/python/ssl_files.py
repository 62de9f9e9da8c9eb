"""The files _ssl reads: what a cafile, certfile or keyfile OpenSSL cannot open raises (the OSError
of its errno alone, naming no file, where load_dh_params names it), and which files of a capath
folder are trusted: those named by the subject's hash as `openssl rehash` names them, and no
other. tests/tests/sandbox.rs compares this with native CPython.
usage: ssl_files.py CERTS_DIR CA_HASH (`openssl x509 -hash -noout -in CERTS_DIR/ca.pem`)"""
import os
import shutil
import ssl
import sys
import tempfile

from tls_helpers import handshake, pair

certs, ca_hash = sys.argv[1], sys.argv[2]
ca, certkey = os.path.join(certs, "ca.pem"), os.path.join(certs, "certkey.pem")
scratch = tempfile.mkdtemp()
os.mkdir(os.path.join(scratch, "folder"))
with open(os.path.join(scratch, "plain.txt"), "w") as f:
    f.write("not PEM\n")


def attempt(label, f):
    try:
        f()
        print(f"{label}: ok")
    except (OSError, ValueError) as e:
        text = str(e).replace(scratch, "SCRATCH").split(" (_ssl")[0].split(" (pysock")[0]
        filename = e.filename.replace(scratch, "SCRATCH") if isinstance(e, OSError) and e.filename else None
        print(f"{label}: {type(e).__name__} {text} filename={filename}")


context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
for name in ("missing.pem", "folder"):
    path = os.path.join(scratch, name)
    attempt(f"cafile {name}", lambda: context.load_verify_locations(path))
    attempt(f"certfile {name}", lambda: context.load_cert_chain(path))
    attempt(f"keyfile {name}", lambda: context.load_cert_chain(certkey, path))
    attempt(f"dh params {name}", lambda: context.load_dh_params(path))
attempt("cafile not PEM", lambda: context.load_verify_locations(os.path.join(scratch, "plain.txt")))

server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server.load_cert_chain(certkey)
for folder, names in (("by hash", [f"{ca_hash}.0"]), ("by another name", ["ca.pem", f"{ca_hash.upper()}.0", f"{ca_hash}.pem"]),
                      ("by hash, second", [f"{ca_hash}.1"]), ("by hash, after another", [f"{ca_hash}.1", f"{ca_hash}.0"])):
    capath = os.path.join(scratch, folder)
    os.mkdir(capath)
    for name in names:
        shutil.copy(ca, os.path.join(capath, name))
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(capath=capath)
    c, s, bios = pair(client, server)
    print(f"capath {folder}: {handshake(c, s, bios)['client']}")
shutil.rmtree(scratch)
