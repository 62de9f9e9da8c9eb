"""Fetches what pysock's CPython extension (guest/cpython) links against: componentize-py's own
builds of wasi-libc (`libc.so`) and CPython (`libpython3.14.so`), as position-independent wasm.
They ship, zstd-compressed, in the componentize-py crate of the release whose wheel scripts/setup.sh
installs; the crate is checked against its published SHA-256 before anything is unpacked.

usage: python fetch_sdk.py DEST
"""
import hashlib
import io
import pathlib
import sys
import tarfile
import urllib.request

import zstandard

VERSION = "0.25.1"
URL = f"https://static.crates.io/crates/componentize-py/componentize-py-{VERSION}.crate"
SHA256 = "addb8010b8a05a736a7efaee36975e616bdc4762c458a3ad553405354b90ed47"
LIBRARIES = ("libc.so", "libpython3.14.so")


def main(dest):
    dest = pathlib.Path(dest)
    with urllib.request.urlopen(URL, timeout=120) as response:
        crate = response.read()
    digest = hashlib.sha256(crate).hexdigest()
    if digest != SHA256:
        sys.exit(f"fetch_sdk: {URL} has SHA-256 {digest}, expected {SHA256}")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(crate), mode="r:gz") as archive:
        for name in LIBRARIES:
            member = archive.extractfile(f"componentize-py-{VERSION}/{name}.zst")
            (dest / name).write_bytes(zstandard.ZstdDecompressor().stream_reader(member).read())
    print(f"fetch_sdk: {', '.join(LIBRARIES)} from componentize-py {VERSION} in {dest}")


main(sys.argv[1])
