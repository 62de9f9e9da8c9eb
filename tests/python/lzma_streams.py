"""`lzma`, whose `_lzma` WASI CPython lacks and pysock adds (XZ and .lzma streams in Rust): streams
that liblzma made (below, from native CPython) read back with their checks; round trips in every
container, check, preset and filter chain, whose compressed bytes are not liblzma's and so are not
printed; streaming with `max_length`, several streams, memory limits, `lzma.open`, `tarfile` and
`zipfile` on it; the filter-property functions; and CPython's refusals. tests/tests/sandbox.rs
compares this with native CPython."""
import _lzma
import base64
import io
import lzma
import pickle
import random
import zipfile

import archives
import transcript
from archives import digest


def attempt(label, f):
    """transcript.attempt, with liblzma's errors printed too."""
    def call():
        try:
            return f()
        except lzma.LZMAError as e:
            return f"LZMAError {e}"
    transcript.attempt(label, call)


TEXT = b"".join(b"line %d of the fixture, " % i + b"abc" * (i % 7) + b"\n" for i in range(40))
# liblzma's output for TEXT (native CPython 3.11 on Linux).
XZ_CRC32 = base64.b64decode(
    "/Td6WFoAAAFpIt42AgAhARAAAACocI6G4AU2AKNdADYaSh8IoCYDTQad+LKlrKlEfTKr/aBXfWHxq/5uv39MpH6xnmFRJkmr"
    "+gmZJShnfbf/d99l8caGB4ECTYbMZbhnNbZy4BsoDnKUT89tDrLwz8PsOWCldUrgvxYYuE+CR25nGlA8/T/P4O98L22S6Mhf"
    "EuAp72MwlPDb9sjbIYrWTtM6wPQ+YfIJUD4dgD8JSkCGc8yjZqUBLtlZzQ1llYW/ogAAADPD9RMAAbsBtwoAAC7tCgM+MA2L"
    "AgAAAAABWVo="
)
ALONE = base64.b64decode(
    "XQAABAD//////////wA2GkofCKAmA00GnfiypaypRH0yq/2gV31h8av+br9/TKR+sZ5hUSZJq/oJmSUoZ323/3eTUCotmroB"
    "cwlIRge6+U0TnXRwQ+QyGznsM/ykuDDGHy2rLlFxZ40vkO19aSa+gqSsKHiHRdv1wYIV+mtv4L9xHdmdmt7u+ytefxQS2eNx"
    "J9WdM9QoT5EO8O/xz2zyQ3BIwQYRiwTp5FganUW1CJySzPx7xrPfcX3ShQBe6/sAD5O5Yj7R2NKbEApWAuoj8Y7fxp0IAnKS"
    "UfqRrjQvBe7//3rfSgA="
)
RAW_DELTA_LZMA2 = base64.b64decode(
    "4AU2AQFdADYaPE+zn4YKQuMLJt3kvAEseav8/2J1dkX2XafkQlmdDW//thrXCEGxo8ZSR9jypJFwnyboNDkmmUSCX4N9U6/0"
    "WxJgM3kDOoILgcig8UlAyc0nwZKPiwTtMbtSnk5RaZMhkc1mT6Xf2PkoM+4W4gWdZNaGySAYRE6SwCnVPvDAtxv+jXo36niw"
    "JHMwlLLZ7v5nDov0Su8AEYoJJbKDTq7sv98UIhrzhfEdbgxEhFJRWTzvSJWkEeHTHoVwQ+YBvIGi/Dcuv0FVLJSolgLBw4sf"
    "I6cVMBAUvBnHgzNn78cA6VnZrRjyWz3R7FAaA3OOu0gg54+H0JZ77GAAjsbcI3mcAA=="
)
XZ_X86_SHA256 = base64.b64decode(
    "/Td6WFoAAArh+wyhAgEEACEBDADWfBiv4AU2ANJdADYaSh8IoCYDTQad+LKlrKlEfTKr/aBXfWHxq/5uv39MpH6xnmFRJkmr"
    "+gmZJShnfbf/d5NQKi2augFzCUhGB7r5TROddHBD5DIbOewz/KS4MMYfLasuUXFnjS+Q7X1pJr6CpKwoeIdF2/XBghX6a2/g"
    "v3Ed2Z2a3u77K15/FBLZ43En1Z0z1ChPkQ7w7/HPbPJDcEjBBhGLBOnkWBqdRbUInJLM/HvGs99xfdKFAF7r+wAPk7liPtHY"
    "0psQClYC6iPxjt/GnQgCcpJR+pGuMqK8AAAAAIbdg1hHCkgKioqCWAVj7RwBHjP93lKD1K07lRISQx5kAAGGArcKAACNg078"
    "tunfHAIAAAAAClla"
)


print("-- liblzma's streams")
for name, data, kwargs in (("xz, CRC32", XZ_CRC32, {}), (".lzma", ALONE, {}), (".lzma named", ALONE, {"format": lzma.FORMAT_ALONE}),
                           ("raw, delta and LZMA2", RAW_DELTA_LZMA2, {"format": lzma.FORMAT_RAW, "filters": [{"id": lzma.FILTER_DELTA, "dist": 2}, {"id": lzma.FILTER_LZMA2}]}),
                           ("xz, x86 and SHA-256", XZ_X86_SHA256, {})):
    attempt(name, lambda: lzma.decompress(data, **kwargs) == TEXT)
d = lzma.LZMADecompressor()
attempt("check before and after the header", lambda: (d.check, d.decompress(XZ_X86_SHA256[:11]), d.check, len(d.decompress(XZ_X86_SHA256[11:])), d.check, d.eof))
d = lzma.LZMADecompressor()
attempt("a .lzma stream's check", lambda: (d.decompress(ALONE[:1]), d.check))

rng = random.Random(2)
noise = rng.randbytes(100_000)
text = b"".join(b"%d: %s\n" % (i, bytes(rng.choice(b"abcdefgh ") for _ in range(rng.randrange(60)))) for i in range(8000))
print("inputs:", digest(noise), digest(text))

print("-- round trips")
for fmt in (lzma.FORMAT_XZ, lzma.FORMAT_ALONE):
    for preset in (0, 1, 6, 9 | lzma.PRESET_EXTREME):
        packed = lzma.compress(text, format=fmt, preset=preset)
        attempt(f"format {fmt}, preset {preset}", lambda: (lzma.decompress(packed) == text, len(packed) < len(text) // 2))
for check in (lzma.CHECK_NONE, lzma.CHECK_CRC32, lzma.CHECK_CRC64, lzma.CHECK_SHA256):
    packed = lzma.compress(noise, check=check)
    d = lzma.LZMADecompressor()
    attempt(f"check {check}", lambda: (d.decompress(packed) == noise, d.check, d.eof))
chains = {
    "LZMA2 with options": [{"id": lzma.FILTER_LZMA2, "preset": 2, "dict_size": 1 << 16, "lc": 2, "lp": 1, "pb": 1, "mode": lzma.MODE_NORMAL, "nice_len": 64, "mf": lzma.MF_BT4, "depth": 10}],
    "delta": [{"id": lzma.FILTER_DELTA, "dist": 4}, {"id": lzma.FILTER_LZMA2}],
    "x86": [{"id": lzma.FILTER_X86, "start_offset": 16}, {"id": lzma.FILTER_LZMA2, "preset": 1}],
    "ARM, hash chains of 3": [{"id": lzma.FILTER_ARM}, {"id": lzma.FILTER_LZMA2, "mf": lzma.MF_HC3}],
}
for name, chain in chains.items():
    attempt(f"xz, {name}", lambda: lzma.decompress(lzma.compress(text, filters=chain)) == text)
    raw = lzma.compress(text, format=lzma.FORMAT_RAW, filters=chain)
    attempt(f"raw, {name}", lambda: lzma.decompress(raw, format=lzma.FORMAT_RAW, filters=chain) == text)
delta_x86 = [{"id": lzma.FILTER_DELTA}, {"id": lzma.FILTER_X86}, {"id": lzma.FILTER_LZMA2}]
raw = lzma.compress(text, format=lzma.FORMAT_RAW, filters=delta_x86)
attempt("raw, delta and x86", lambda: lzma.decompress(raw, format=lzma.FORMAT_RAW, filters=delta_x86) == text)
lzma1 = [{"id": lzma.FILTER_LZMA1, "preset": 3, "lc": 0, "pb": 0}]
attempt("raw LZMA1", lambda: lzma.decompress(lzma.compress(text, format=lzma.FORMAT_RAW, filters=lzma1), format=lzma.FORMAT_RAW, filters=lzma1) == text)
attempt(".lzma with an LZMA1 chain", lambda: lzma.decompress(lzma.compress(text, format=lzma.FORMAT_ALONE, filters=lzma1)) == text)
attempt("empty", lambda: [lzma.decompress(lzma.compress(b"", format=f)) for f in (1, 2)])

print("-- a compressor fed in pieces, a decompressor with max_length")
c = lzma.LZMACompressor()
packed = b"".join([c.compress(text[i:i + 50_001]) for i in range(0, len(text), 50_001)] + [c.flush()])
attempt("pieces", lambda: lzma.decompress(packed) == text)
attempt("compress after flush", lambda: c.compress(b"x"))
attempt("flush again", lambda: c.flush())
d = lzma.LZMADecompressor()
got = [d.decompress(packed[:2000], 100)]
attempt("first 100 bytes", lambda: (len(got[0]), d.needs_input, d.eof))
for size in (0, 1, 8192, 100_000):
    # How much the first 2,000 bytes hold depends on the encoder; never more than asked.
    attempt(f"max_length {size}", lambda: (len(got.append(d.decompress(b"", size)) or got[-1]) <= size, d.needs_input))
got.append(d.decompress(packed[2000:] + b"after"))
attempt("the rest", lambda: (b"".join(got) == text, d.eof, d.needs_input, d.unused_data))
attempt("after the end", lambda: d.decompress(b"x"))

print("-- several streams, what follows them, bad data")
two = lzma.compress(b"first ") + b"\0" * 8 + lzma.compress(b"second", format=lzma.FORMAT_XZ)
attempt("two streams and padding", lambda: lzma.decompress(two))
attempt("then garbage", lambda: lzma.decompress(lzma.compress(b"x") + b"junk"))
attempt("truncated", lambda: lzma.decompress(XZ_CRC32[:-10]))
attempt("a flipped byte", lambda: lzma.decompress(XZ_CRC32[:100] + bytes([XZ_CRC32[100] ^ 0x55]) + XZ_CRC32[101:]))
attempt("not lzma", lambda: lzma.decompress(b"garbage that is not lzma"))
attempt("xz magic, then garbage", lambda: lzma.decompress(b"\xfd7zXZ\0garbage that is not lzma"))
attempt(".lzma header, then garbage", lambda: lzma.decompress(b"]\0\0\x80\0" + b"\xff" * 8 + b"junk"))
attempt("xz as .lzma", lambda: lzma.decompress(XZ_CRC32, format=lzma.FORMAT_ALONE))
attempt(".lzma as xz", lambda: lzma.decompress(ALONE, format=lzma.FORMAT_XZ))
attempt("a memory limit, xz", lambda: lzma.decompress(lzma.compress(text), memlimit=1024))
attempt("a memory limit, .lzma", lambda: lzma.decompress(ALONE, memlimit=1024))
attempt("a memory limit it fits", lambda: lzma.decompress(XZ_CRC32, memlimit=1 << 30) == TEXT)
attempt("empty", lambda: lzma.decompress(b""))

print("-- lzma.open, tarfile and zipfile")
buffer = io.BytesIO()
with lzma.open(buffer, "wt", encoding="utf-8", preset=1) as f:
    f.write("café\n" * 1000)
buffer.seek(0)
with lzma.open(buffer, "rt", encoding="utf-8") as f:
    attempt("text read back by line", lambda: (f.readline(), len(f.readlines())))
archives.round_trips(attempt, "w:xz", zipfile.ZIP_LZMA, text, noise)

print("-- filter properties")
for spec in ({"id": lzma.FILTER_LZMA1}, {"id": lzma.FILTER_LZMA1, "lc": 1, "lp": 2, "pb": 3, "dict_size": 12345},
             {"id": lzma.FILTER_LZMA2}, {"id": lzma.FILTER_LZMA2, "dict_size": 3 << 20}, {"id": lzma.FILTER_LZMA2, "dict_size": 100},
             {"id": lzma.FILTER_DELTA, "dist": 7}, {"id": lzma.FILTER_DELTA, "dist": 300}, {"id": lzma.FILTER_X86, "start_offset": 16}):
    attempt(f"encode {spec}", lambda: _lzma._encode_filter_properties(spec))
for fid, props in ((lzma.FILTER_LZMA1, b"]\0\0\x80\0"), (lzma.FILTER_LZMA2, b"\x17"), (lzma.FILTER_LZMA2, b"\x29"),
                   (lzma.FILTER_DELTA, b"\x06"), (lzma.FILTER_X86, b"\x10\0\0\0"), (lzma.FILTER_LZMA1, b"]\0"), (99, b"")):
    attempt(f"decode {fid} {props!r}", lambda: _lzma._decode_filter_properties(fid, props))
attempt("is_check_supported", lambda: [c for c in range(17) if _lzma.is_check_supported(c)])

print("-- refusals")
for kwargs in ({"check": 2}, {"check": 16}, {"preset": 10}, {"preset": -1}, {"preset": 2**32}, {"format": 0}, {"format": 5},
               {"format": 2, "check": 1}, {"format": 3}, {"format": 3, "filters": [{"id": lzma.FILTER_LZMA2, "lc": 4, "lp": 1}]},
               {"filters": [{"id": lzma.FILTER_LZMA1}]}, {"filters": [{"id": lzma.FILTER_DELTA}]},
               {"filters": [{"id": lzma.FILTER_LZMA2}, {"id": lzma.FILTER_DELTA}]}, {"filters": [{"id": lzma.FILTER_LZMA2, "dict_size": 100}]},
               {"filters": [{"id": lzma.FILTER_LZMA2, "nice_len": 1000}]}, {"filters": [{"id": lzma.FILTER_LZMA2, "bogus": 1}]},
               {"filters": [{"id": 99}]}, {"filters": [1]}, {"filters": [{}]}, {"filters": [{"id": -1}]}, {"filters": [{"id": "x"}]},
               {"filters": [{"id": 3}] * 5}, {"filters": [{"id": lzma.FILTER_LZMA2, "preset": 2**33}]},
               {"filters": [{"id": lzma.FILTER_LZMA2, "dict_size": 2**33}]}, {"preset": 1, "filters": []}, {"filters": []},
               {"filters": {}}, {"format": 2, "filters": [{"id": lzma.FILTER_LZMA2}]}, {"format": "xz"}):
    attempt(f"compressor {kwargs}", lambda: type(lzma.LZMACompressor(**kwargs)).__name__)
for kwargs in ({"format": 3}, {"format": 1, "filters": []}, {"format": 3, "memlimit": 5, "filters": []}, {"memlimit": -1},
               {"memlimit": 1.5}, {"format": 9}, {"format": 3, "filters": []}, {"format": 3, "filters": {}}):
    attempt(f"decompressor {kwargs}", lambda: type(lzma.LZMADecompressor(**kwargs)).__name__)
c = lzma.LZMACompressor()
attempt("compress a str", lambda: c.compress("text"))
attempt("compress nothing", lambda: c.compress())
attempt("flush with an argument", lambda: c.flush(1))
attempt("pickle a compressor", lambda: pickle.dumps(c))
d = lzma.LZMADecompressor()
for max_length in (2**63, "1", None):
    attempt(f"max_length {max_length!r}", lambda: d.decompress(b"", max_length))
attempt("pickle a decompressor", lambda: pickle.dumps(d))
for member in ("check", "eof", "needs_input", "unused_data"):
    attempt(f"set {member}", lambda: setattr(d, member, 1))
attempt("subclass", lambda: type("Mine", (lzma.LZMADecompressor,), {}))
attempt("names", lambda: (_lzma.LZMAError.__module__, _lzma.LZMAError.__doc__, _lzma.LZMACompressor.__module__, repr(_lzma.LZMADecompressor)))
attempt("constants", lambda: {name: getattr(_lzma, name) for name in dir(_lzma) if name.isupper()})
for name, call in [("is_check_supported()", lambda: _lzma.is_check_supported()), ("is_check_supported(x=1)", lambda: _lzma.is_check_supported(x=1)),
                   ("_encode_filter_properties()", lambda: _lzma._encode_filter_properties()),
                   ("_decode_filter_properties(1)", lambda: _lzma._decode_filter_properties(1))]:
    attempt(name, call)
