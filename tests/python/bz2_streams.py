"""`bz2`, whose `_bz2` WASI CPython lacks and pysock adds (libbzip2's Rust port): the compressed
bytes themselves, which must equal libbzip2's at every level; streaming with `max_length`,
`needs_input` and `unused_data`; several streams in one file; `bz2.open`, `tarfile` and `zipfile` on
it; and every refusal of CPython's `_bz2`. tests/tests/sandbox.rs compares this with native CPython."""
import _bz2
import bz2
import io
import pickle
import random
import zipfile

import archives

from archives import digest
from transcript import attempt

rng = random.Random(1)
text = b"".join(b"line %d: %s\n" % (i, bytes(rng.choice(b"abcdefgh ") for _ in range(rng.randrange(80)))) for i in range(20000))
noise = rng.randbytes(300_000)
runs = b"a" * 2_000_000 + b"b" * 100_000
print("inputs:", digest(text), digest(noise), digest(runs))

print("-- the compressed bytes, as libbzip2's")
for level in (1, 5, 9):
    for name, data in (("text", text), ("noise", noise), ("runs", runs)):
        packed = bz2.compress(data, level)
        attempt(f"level {level}, {name}", lambda: f"{digest(packed)}, back {bz2.decompress(packed) == data}")
attempt("empty", lambda: bz2.compress(b"").hex())

print("-- a compressor fed in pieces")
c = _bz2.BZ2Compressor(3)
pieces = [c.compress(text[i:i + 70_001]) for i in range(0, len(text), 70_001)]
pieces.append(c.flush())
attempt("output per piece", lambda: [len(p) for p in pieces])
attempt("equal to one shot", lambda: b"".join(pieces) == bz2.compress(text, 3))
attempt("compress after flush", lambda: c.compress(b"x"))
attempt("flush again", lambda: c.flush())

print("-- a decompressor, max_length and needs_input")
packed = bz2.compress(text)
d = _bz2.BZ2Decompressor()
attempt("fresh", lambda: (d.eof, d.needs_input, d.unused_data))
attempt("first 1000 bytes of input", lambda: (len(d.decompress(packed[:1000])), d.needs_input, d.eof))
got = []
attempt("max_length 0", lambda: (d.decompress(packed[1000:50_000], max_length=0), d.needs_input))
for size in (1, 100, 8191, 8192, 8193, 100_000):
    attempt(f"max_length {size}", lambda: (len(got.append(d.decompress(b"", size)) or got[-1]), d.needs_input, d.eof))
rest = d.decompress(packed[50_000:] + b"tail bytes")
attempt("the rest", lambda: (len(rest), d.needs_input, d.eof, d.unused_data))
attempt("all of it", lambda: len(text) - len(rest) - sum(map(len, got)))
attempt("after the end", lambda: d.decompress(b"more"))
attempt("after the end, nothing", lambda: d.decompress(b""))

print("-- a byte at a time")
d = _bz2.BZ2Decompressor()
out = b"".join(d.decompress(packed[i:i + 1]) for i in range(0, 3000))
attempt("3000 bytes in", lambda: (len(out), d.needs_input, d.eof))

print("-- several streams, and what follows them")
two = bz2.compress(b"first ") + bz2.compress(b"second")
attempt("two streams", lambda: bz2.decompress(two))
attempt("one decompressor stops at the first", lambda: (_bz2.BZ2Decompressor().decompress(two)))
d = _bz2.BZ2Decompressor()
attempt("unused_data", lambda: (d.decompress(two), d.unused_data == bz2.compress(b"second")))
attempt("truncated", lambda: bz2.decompress(packed[:-10]))
attempt("trailing garbage", lambda: bz2.decompress(bz2.compress(b"x") + b"garbage"))
attempt("not bzip2", lambda: bz2.decompress(b"garbage that is not bzip2"))
attempt("a flipped byte", lambda: bz2.decompress(packed[:5000] + bytes([packed[5000] ^ 0xFF]) + packed[5001:]))
attempt("magic only", lambda: bz2.decompress(b"BZh9"))
attempt("empty", lambda: bz2.decompress(b""))
d = _bz2.BZ2Decompressor()
attempt("error, then", lambda: d.decompress(b"BZh91AY&SYxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"))
attempt("error, again", lambda: d.decompress(b"x"))

print("-- bz2.open, tarfile and zipfile")
buffer = io.BytesIO()
with bz2.open(buffer, "wt", encoding="utf-8", compresslevel=2) as f:
    f.write("café\n" * 1000)
attempt("text written", lambda: digest(buffer.getvalue()))
buffer.seek(0)
with bz2.open(buffer, "rt", encoding="utf-8") as f:
    attempt("read back by line", lambda: (f.readline(), len(f.readlines())))
archives.round_trips(attempt, "w:bz2", zipfile.ZIP_BZIP2, text, noise)

print("-- refusals")
attempt("two levels", lambda: _bz2.BZ2Compressor(1, 2))
attempt("level by keyword", lambda: _bz2.BZ2Compressor(compresslevel=2))
for level in (0, 10, -1, 2.0, 2**40, "9", None):
    attempt(f"level {level!r}", lambda: _bz2.BZ2Compressor(level))
attempt("decompressor with an argument", lambda: _bz2.BZ2Decompressor(1))
attempt("decompressor with a keyword", lambda: _bz2.BZ2Decompressor(x=1))
c = _bz2.BZ2Compressor()
attempt("compress a str", lambda: c.compress("text"))
attempt("compress nothing", lambda: c.compress())
attempt("compress two", lambda: c.compress(b"a", b"b"))
attempt("compress by keyword", lambda: c.compress(data=b"a"))
attempt("compress a bytearray and a view", lambda: len(c.compress(bytearray(b"ab")) + c.compress(memoryview(b"cd"))))
attempt("flush with an argument", lambda: c.flush(1))
attempt("pickle a compressor", lambda: pickle.dumps(c))
d = _bz2.BZ2Decompressor()
for max_length in (2**63, -2**70, "1", 1.0, None):
    attempt(f"max_length {max_length!r}", lambda: d.decompress(b"", max_length))
attempt("decompress by keyword", lambda: d.decompress(data=b"", max_length=-5))
attempt("decompress a str", lambda: d.decompress("BZh"))
attempt("pickle a decompressor", lambda: pickle.dumps(d))
for member in ("eof", "needs_input", "unused_data"):
    attempt(f"set {member}", lambda: setattr(d, member, 1))
    attempt(f"delete {member}", lambda: delattr(d, member))
attempt("subclass", lambda: type("Mine", (_bz2.BZ2Decompressor,), {}))
attempt("names", lambda: (_bz2.BZ2Compressor.__module__, _bz2.BZ2Decompressor.__qualname__, repr(_bz2.BZ2Compressor)))
attempt("docs", lambda: (_bz2.BZ2Compressor.__doc__.splitlines()[-1], _bz2.BZ2Decompressor.decompress.__doc__.splitlines()[0]))
