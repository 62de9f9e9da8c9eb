"""hashlib.pbkdf2_hmac and hashlib.scrypt, which WASI CPython lacks (CPython takes them from
OpenSSL) and pysock adds: keys for each digest hashlib guarantees, by hashlib's and OpenSSL's names,
and the errors of CPython's argument checks and OpenSSL's own (unsupported and extendable-output
digests, counts and lengths out of range, scrypt's memory limits). tests/tests/sandbox.rs compares
this with native CPython."""
import array
import hashlib
import inspect


def attempt(label, f, *args, **kwargs):
    try:
        result = f(*args, **kwargs)
    except Exception as e:
        result = f"{type(e).__name__}: {e}"
    print(f"{label}: {result.hex() if isinstance(result, bytes) else result}")


pbkdf2, scrypt = hashlib.pbkdf2_hmac, hashlib.scrypt
print("in hashlib:", "pbkdf2_hmac" in hashlib.__all__, inspect.isbuiltin(pbkdf2), inspect.isbuiltin(scrypt))
print(inspect.signature(pbkdf2), pbkdf2.__doc__)
print(inspect.signature(scrypt), scrypt.__doc__)
print("-- pbkdf2_hmac")
for name in ["sha256", "SHA256", "Sha256", "sha-256", "SHA2-256", "2.16.840.1.101.3.4.2.1", "sha1", "sha-1",
             "ssl3-sha1", "md5", "ssl3-md5", "sha224", "sha384", "sha-384", "sha512", "sha512_224", "sha-512/224",
             "sha512_256", "SHA2-512/256", "sha3_224", "sha3_256", "sha3-256", "sha3_384", "SHA3-512", "blake2b",
             "BLAKE2b512", "blake2s", "blake2s256", "shake_128", "SHAKE256", "SHA3_512", "sha512/224", "nope", "",
             "sha\0256", " sha1", "md-5"]:
    attempt(f"digest {name!r}", pbkdf2, name, b"password", b"salt", 2)
attempt("RFC 6070, 4096 rounds", pbkdf2, "sha1", b"password", b"salt", 4096, 20)
attempt("RFC 6070, long", pbkdf2, "sha1", b"passwordPASSWORDpassword", b"saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25)
attempt("a key longer than a digest", pbkdf2, "sha256", b"pw", b"salt", 3, 100)
attempt("empty password and salt", pbkdf2, "sha512", b"", b"", 1)
attempt("buffers", pbkdf2, "sha256", bytearray(b"pw"), memoryview(b"salt"), 1)
attempt("an array", pbkdf2, "sha256", array.array("i", [1, 2]), b"salt", 1)
attempt("a strided view", pbkdf2, "sha256", memoryview(b"abcdef")[::2], b"salt", 1)
attempt("by keyword", pbkdf2, hash_name="md5", password=b"pw", salt=b"s", iterations=1, dklen=None)
for dklen in (0, -1, 2**31, 2**63, 1.0):
    attempt(f"dklen {dklen!r}", pbkdf2, "sha256", b"pw", b"salt", 1, dklen)
for iterations in (0, -1, 2**31, 2**63, 1.5, None):
    attempt(f"iterations {iterations!r}", pbkdf2, "sha256", b"pw", b"salt", iterations)
attempt("a str password", pbkdf2, "sha256", "pw", b"salt", 1)
attempt("an int salt", pbkdf2, "sha256", b"pw", 5, 1)
attempt("bytes for the name", pbkdf2, b"sha256", b"pw", b"salt", 1)
attempt("None for the name", pbkdf2, None, b"pw", b"salt", 1)
attempt("a surrogate in the name", pbkdf2, "sha256\udcff", b"pw", b"salt", 1)
attempt("the name checked before the count", pbkdf2, "nope", b"pw", b"salt", 0)
attempt("the password before the name", pbkdf2, "nope", "pw", b"salt", 0)
attempt("too few", pbkdf2, "sha256", b"pw")
attempt("too many", pbkdf2, "sha256", b"pw", b"s", 1, 2, 3)
attempt("twice", pbkdf2, "sha256", b"pw", b"s", 1, hash_name="x")
attempt("an unknown keyword", pbkdf2, "sha256", b"pw", b"s", 1, rounds=1)
print("-- scrypt")
attempt("RFC 7914", scrypt, b"password", salt=b"NaCl", n=1024, r=8, p=16)
attempt("short key", scrypt, b"pw", salt=b"salt", n=16, r=1, p=1, dklen=10)
attempt("werkzeug's", scrypt, b"pw", salt=b"s", n=2**15, r=8, p=1, maxmem=132 * 1024 * 1024)
attempt("2**14 within the default limit", scrypt, b"pw", salt=b"s", n=2**14, r=8, p=1)
attempt("2**15 beyond it", scrypt, b"pw", salt=b"s", n=2**15, r=8, p=1)
for n in (3, 1, 0, True, 2**64, 2**16, 2**32, -2):
    attempt(f"n {n!r}", scrypt, b"pw", salt=b"salt", n=n, r=1, p=1)
for r, p in ((0, 1), (1, 0), (-1, 1), (2**32, 1), (1, 2**40), (1, 2**30), (2**29, 3)):
    attempt(f"r {r}, p {p}", scrypt, b"pw", salt=b"salt", n=16, r=r, p=p)
for maxmem in (-1, 1, 2**31, 2**63, 1.5):
    attempt(f"maxmem {maxmem!r}", scrypt, b"pw", salt=b"salt", n=16, r=1, p=1, maxmem=maxmem)
for dklen in (0, 2**31, None):
    attempt(f"dklen {dklen!r}", scrypt, b"pw", salt=b"salt", n=16, r=1, p=1, dklen=dklen)
attempt("no salt", scrypt, b"pw", n=16, r=1, p=1)
attempt("salt None", scrypt, b"pw", salt=None, n=16, r=1, p=1)
attempt("no n", scrypt, b"pw", salt=b"s", r=1, p=1)
attempt("no r", scrypt, b"pw", salt=b"s", n=16, p=1)
attempt("n a float", scrypt, b"pw", salt=b"s", n=16.0, r=1, p=1)
attempt("n None", scrypt, b"pw", salt=b"s", n=None, r=1, p=1)
attempt("by position", scrypt, b"pw", b"s", 16, 1, 1)
attempt("password by keyword", scrypt, password=b"pw", salt=b"s", n=16, r=1, p=1)
attempt("password twice", scrypt, b"pw", salt=b"s", n=16, r=1, p=1, password=b"x")
attempt("an unknown keyword", scrypt, b"pw", salt=b"s", n=16, r=1, p=1, x=1)
attempt("nothing", scrypt)
attempt("a str password", scrypt, "pw", salt=b"s", n=16, r=1, p=1)
