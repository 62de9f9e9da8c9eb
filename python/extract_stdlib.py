"""Unpacks the CPython standard library that componentize-py bundles, for the sandbox's /python.

componentize-py snapshots only the modules its app imports at build time; a generic interpreter
needs the rest at run time. The wheel carries the stdlib as a zstd-compressed tar inside its native
module; this finds that archive (the one whose first member is a stdlib file) and unpacks it.

usage: python extract_stdlib.py DEST
"""
import io
import pathlib
import sys
import tarfile

import componentize_py
import zstandard

MAGIC = b"\x28\xb5\x2f\xfd"


def archives(blob):
    start = blob.find(MAGIC)
    while start >= 0:
        try:
            head = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(blob[start:])).read(1024)
        except zstandard.ZstdError:
            head = b""
        if len(head) >= 512 and head[257:262] == b"ustar":
            yield start, head
        start = blob.find(MAGIC, start + 4)


def main(dest):
    module = pathlib.Path(componentize_py.__file__).parent
    blob = next(module.glob("componentize_py*.so")).read_bytes()
    for start, head in archives(blob):
        # The stdlib archive holds os.py; the others are componentize-py's own helper modules.
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(blob[start:]))
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            members = []
            for member in tar:
                members.append(member.name)
                if member.name == "os.py":
                    break
            if "os.py" not in members:
                continue
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(blob[start:]))
        out = pathlib.Path(dest)
        out.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            tar.extractall(out, filter="data")
        print(f"stdlib unpacked to {out}")
        return 0
    print("no stdlib archive found in componentize-py", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
