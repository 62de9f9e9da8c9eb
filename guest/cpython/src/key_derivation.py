"""`hashlib.pbkdf2_hmac` and `hashlib.scrypt`: key derivation from a password, which CPython takes
from OpenSSL's libcrypto (its `_hashlib`, built beside `_ssl`) and WASI CPython, built without
OpenSSL, lacks.

So werkzeug's `generate_password_hash` (scrypt by default) and `check_password_hash` failed in the
sandbox, and with them the logins of Flask apps served from it; Django's and passlib's PBKDF2 hashers
too. The derivations are RustCrypto's, in the interpreter's memory (key_derivation.rs). Here the
arguments are converted and refused as CPython's `_hashopenssl.c` converts and refuses them, with
OpenSSL 3's own checks and messages after, so a program sees the errors it sees on Linux.

`pbkdf2_hmac` takes the digests hashlib guarantees (MD5, SHA-1, SHA-2, SHA-3 and BLAKE2), by
hashlib's names and by the names OpenSSL 3's default provider gives them. The rest of OpenSSL's
(RIPEMD-160, SM3, MD5-SHA1) are UnsupportedDigestmodError, as where OpenSSL lacks them.
"""

import hashlib
import operator

from _pysock._builtin_function import builtin_function, parse_arguments

INT_MAX = 2**31 - 1
UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1


class UnsupportedDigestmodError(ValueError):
    pass


UnsupportedDigestmodError.__module__ = "_hashlib"

# hashlib's names that OpenSSL spells otherwise; CPython turns them into OpenSSL's first.
PYTHON_NAMES = {
    "sha512_224": "sha512-224", "sha512_256": "sha512-256", "sha3_224": "sha3-224", "sha3_256": "sha3-256",
    "sha3_384": "sha3-384", "sha3_512": "sha3-512", "shake_128": "shake128", "shake_256": "shake256",
    "blake2s": "blake2s256", "blake2b": "blake2b512",
}

# OpenSSL 3's names for each digest (it reads them without regard to ASCII case), by hashlib's name.
OPENSSL_NAMES = {
    "md5": ["MD5", "SSL3-MD5", "1.2.840.113549.2.5"],
    "sha1": ["SHA1", "SHA-1", "SSL3-SHA1", "1.3.14.3.2.26"],
    "sha224": ["SHA2-224", "SHA-224", "SHA224", "2.16.840.1.101.3.4.2.4"],
    "sha256": ["SHA2-256", "SHA-256", "SHA256", "2.16.840.1.101.3.4.2.1"],
    "sha384": ["SHA2-384", "SHA-384", "SHA384", "2.16.840.1.101.3.4.2.2"],
    "sha512": ["SHA2-512", "SHA-512", "SHA512", "2.16.840.1.101.3.4.2.3"],
    "sha512_224": ["SHA2-512/224", "SHA-512/224", "SHA512-224", "2.16.840.1.101.3.4.2.5"],
    "sha512_256": ["SHA2-512/256", "SHA-512/256", "SHA512-256", "2.16.840.1.101.3.4.2.6"],
    "sha3_224": ["SHA3-224", "2.16.840.1.101.3.4.2.7"],
    "sha3_256": ["SHA3-256", "2.16.840.1.101.3.4.2.8"],
    "sha3_384": ["SHA3-384", "2.16.840.1.101.3.4.2.9"],
    "sha3_512": ["SHA3-512", "2.16.840.1.101.3.4.2.10"],
    "blake2s": ["BLAKE2S-256", "BLAKE2s256", "1.3.6.1.4.1.1722.12.2.2.8"],
    "blake2b": ["BLAKE2B-512", "BLAKE2b512", "1.3.6.1.4.1.1722.12.2.1.16"],
}
BY_OPENSSL_NAME = {alias.upper(): digest for digest, aliases in OPENSSL_NAMES.items() for alias in aliases}
# Extendable-output digests, which OpenSSL finds and HMAC then refuses, with no reason given.
XOF_NAMES = {"SHAKE-128", "SHAKE128", "2.16.840.1.101.3.4.2.11", "SHAKE-256", "SHAKE256", "2.16.840.1.101.3.4.2.12"}

# scrypt's limits in OpenSSL 3 (crypto/evp/pbe_scrypt.c, providers/implementations/kdfs/scrypt.c).
SCRYPT_MAX_MEM = 32 * 1024 * 1024
SCRYPT_PR_MAX = (1 << 30) - 1

_NOT_GIVEN = object()


def _openssl_error(reason, kind=ValueError):
    return kind(f"[digital envelope routines] {reason}")


def _digest(name):
    """The digest OpenSSL finds for `name`, as CPython asks it for one: by hashlib's name, then by
    the C string (up to a NUL) in OpenSSL's names."""
    name = PYTHON_NAMES.get(name, name)
    key = name.encode("utf-8").split(b"\0")[0].upper().decode("utf-8")
    if key in XOF_NAMES:
        raise ValueError("no reason supplied")
    try:
        return BY_OPENSSL_NAME[key]
    except KeyError:
        raise _openssl_error("unsupported", UnsupportedDigestmodError) from None


def _buffer(value):
    """Argument Clinic's `Py_buffer`: the bytes of a C-contiguous buffer."""
    if isinstance(value, str):
        raise TypeError("a bytes-like object is required, not 'str'")
    try:
        view = memoryview(value)
    except TypeError:
        raise TypeError(f"a bytes-like object is required, not '{type(value).__name__}'") from None
    if not view.c_contiguous:
        raise BufferError("memoryview: underlying buffer is not C-contiguous")
    return view.tobytes()


def _c_long(value):
    number = operator.index(value)
    if not -2**63 <= number < 2**63:
        raise OverflowError("Python int too large to convert to C long")
    return number


def _type_name(value):
    return "None" if value is None else type(value).__name__


def pbkdf2_hmac(*args, **kwargs):
    """Password based key derivation function 2 (PKCS #5 v2.0) with HMAC as pseudorandom function."""
    hash_name, password, salt, iterations, dklen = parse_arguments(
        "pbkdf2_hmac", ["hash_name", "password", "salt", "iterations", "dklen"], {"dklen": None}, args, kwargs)
    if not isinstance(hash_name, str):
        raise TypeError(f"pbkdf2_hmac() argument 'hash_name' must be str, not {_type_name(hash_name)}")
    password, salt, iterations = _buffer(password), _buffer(salt), _c_long(iterations)
    digest = _digest(hash_name)
    if len(password) > INT_MAX:
        raise OverflowError("password is too long.")
    if len(salt) > INT_MAX:
        raise OverflowError("salt is too long.")
    if iterations < 1:
        raise ValueError("iteration value must be greater than 0.")
    if iterations > INT_MAX:
        raise OverflowError("iteration value is too great.")
    dklen = _digest_size(digest) if dklen is None else _c_long(dklen)
    if dklen < 1:
        raise ValueError("key length must be greater than 0.")
    if dklen > INT_MAX:
        raise OverflowError("key length is too great.")
    return _pbkdf2_hmac(digest, password, salt, iterations, dklen)


def _unsigned(value, name):
    """`PyLong_AsUnsignedLong`, whose failure CPython's scrypt words as its own."""
    if value is _NOT_GIVEN or not 0 <= value <= UINT64_MAX:
        raise TypeError(f"{name} is required and must be an unsigned int")
    return int(value)


def scrypt(*args, **kwargs):
    """scrypt password-based key derivation function."""
    names = ["password", "salt", "n", "r", "p", "maxmem", "dklen"]
    defaults = {"salt": _NOT_GIVEN, "n": _NOT_GIVEN, "r": _NOT_GIVEN, "p": _NOT_GIVEN, "maxmem": 0, "dklen": 64}
    password, salt, n, r, p, maxmem, dklen = parse_arguments("scrypt", names, defaults, args, kwargs, positional=1)
    password = _buffer(password)
    if salt is not _NOT_GIVEN:
        salt = _buffer(salt)
    for name, value in (("n", n), ("r", r), ("p", p)):
        if value is not _NOT_GIVEN and not isinstance(value, int):
            raise TypeError(f"scrypt() argument '{name}' must be int, not {_type_name(value)}")
    maxmem, dklen = _c_long(maxmem), _c_long(dklen)
    if len(password) > INT_MAX:
        raise OverflowError("password is too long.")
    if salt is _NOT_GIVEN:
        raise TypeError("salt is required")
    if len(salt) > INT_MAX:
        raise OverflowError("salt is too long.")
    n = _unsigned(n, "n")
    if n < 2 or n & (n - 1):
        raise ValueError("n must be a power of 2.")
    r, p = _unsigned(r, "r"), _unsigned(p, "p")
    if not 0 <= maxmem <= INT_MAX:
        raise ValueError(f"maxmem must be positive and smaller than {INT_MAX}")
    if not 1 <= dklen <= INT_MAX:
        raise ValueError(f"dklen must be greater than 0 and smaller than {INT_MAX}")
    _scrypt_limits(n, r, p, maxmem or SCRYPT_MAX_MEM)
    return _scrypt(password, salt, n.bit_length() - 1, r, p, dklen)


def _scrypt_limits(n, r, p, maxmem):
    """OpenSSL 3's checks of scrypt's parameters, in its order: its own reason for each refusal, and
    CPython's sentence where OpenSSL gives none."""
    if r > UINT32_MAX or p > UINT32_MAX:
        raise _openssl_error("parameter too large")
    if r == 0 or p == 0:
        raise ValueError("Invalid parameter combination for n, r, p, maxmem.")
    if p > SCRYPT_PR_MAX // r or (16 * r <= 63 and n >= 1 << (16 * r)):
        raise _openssl_error("memory limit exceeded")
    blocks = p * 128 * r
    if blocks > INT_MAX or n + 2 > (UINT64_MAX // 128) // r:
        raise _openssl_error("memory limit exceeded")
    if blocks + 128 * r * (n + 2) > maxmem:
        raise _openssl_error("memory limit exceeded")


def install():
    """Puts `pbkdf2_hmac` and `scrypt` in `hashlib`, as its import does where `_hashlib` has them."""
    shapes = {
        pbkdf2_hmac: lambda hash_name, password, salt, iterations, dklen=None: None,
        scrypt: lambda password, *, salt=None, n=None, r=None, p=None, maxmem=0, dklen=64: None,
    }
    for function, shape in shapes.items():
        setattr(hashlib, function.__name__, builtin_function(function, hashlib, shape))
    hashlib.__all__ += ("pbkdf2_hmac",)
