"""pysock's `_ssl`: CPython's C module, over the pysock guest and the host's rustls engine.

Installed as `sys.modules['_ssl']`, so the stdlib's `ssl.py` runs unchanged on top of it. As with
`_socket`, this module translates: it reads the files `load_verify_locations` and `load_cert_chain`
name, turns guest errors into `ssl`'s exception classes, and keeps Python objects. The TLS rules
(verification, timeouts, want-read/want-write) are the guest's and the host's.

A server's `sni_callback` is Python, so it runs here: a handshake call that reaches the
ClientHello returns to the adapter with the name, which calls the callback, tells the guest which
context to continue with (or the alert it refused with), and repeats the call. Not supported:
post-handshake auth.
"""
import os as _os
import weakref as _weakref

from wit_world.imports import ssl as _w

import sys as _sys
import warnings as _warnings

from componentize_py_types import Err as _Err
from wit_world.imports import socket as _ws

from _pysock_socket import _as_builtins, _call, _exception, _int64, _keep, _release

OPENSSL_VERSION = "pysock (rustls 0.23)"
# Version numbers stand at OpenSSL 3.0, whose API this module follows, so that code gating on
# OpenSSL >= 1.1.1 features takes its modern path.
OPENSSL_VERSION_NUMBER = 0x30000000
OPENSSL_VERSION_INFO = (3, 0, 0, 0, 0)
_OPENSSL_API_VERSION = (3, 0, 0, 0, 0)
_DEFAULT_CIPHERS = "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

HAS_SNI = HAS_ECDH = HAS_ALPN = HAS_TLSv1_2 = HAS_TLSv1_3 = True
HAS_NPN = HAS_SSLv2 = HAS_SSLv3 = HAS_TLSv1 = HAS_TLSv1_1 = HAS_PSK = HAS_PHA = HAS_TLS_UNIQUE = False

# OpenSSL 3.0's values, as native CPython's _ssl exposes them.
ALERT_DESCRIPTION_ACCESS_DENIED = 49
ALERT_DESCRIPTION_BAD_CERTIFICATE = 42
ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE = 114
ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE = 113
ALERT_DESCRIPTION_BAD_RECORD_MAC = 20
ALERT_DESCRIPTION_CERTIFICATE_EXPIRED = 45
ALERT_DESCRIPTION_CERTIFICATE_REVOKED = 44
ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN = 46
ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE = 111
ALERT_DESCRIPTION_CLOSE_NOTIFY = 0
ALERT_DESCRIPTION_DECODE_ERROR = 50
ALERT_DESCRIPTION_DECOMPRESSION_FAILURE = 30
ALERT_DESCRIPTION_DECRYPT_ERROR = 51
ALERT_DESCRIPTION_HANDSHAKE_FAILURE = 40
ALERT_DESCRIPTION_ILLEGAL_PARAMETER = 47
ALERT_DESCRIPTION_INSUFFICIENT_SECURITY = 71
ALERT_DESCRIPTION_INTERNAL_ERROR = 80
ALERT_DESCRIPTION_NO_RENEGOTIATION = 100
ALERT_DESCRIPTION_PROTOCOL_VERSION = 70
ALERT_DESCRIPTION_RECORD_OVERFLOW = 22
ALERT_DESCRIPTION_UNEXPECTED_MESSAGE = 10
ALERT_DESCRIPTION_UNKNOWN_CA = 48
ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY = 115
ALERT_DESCRIPTION_UNRECOGNIZED_NAME = 112
ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE = 43
ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION = 110
ALERT_DESCRIPTION_USER_CANCELLED = 90
CERT_NONE = 0
CERT_OPTIONAL = 1
CERT_REQUIRED = 2
ENCODING_DER = 2
ENCODING_PEM = 1
HOSTFLAG_ALWAYS_CHECK_SUBJECT = 1
HOSTFLAG_MULTI_LABEL_WILDCARDS = 8
HOSTFLAG_NEVER_CHECK_SUBJECT = 32
HOSTFLAG_NO_PARTIAL_WILDCARDS = 4
HOSTFLAG_NO_WILDCARDS = 2
HOSTFLAG_SINGLE_LABEL_SUBDOMAINS = 16
OP_ALL = 2147483728
OP_ENABLE_KTLS = 8
OP_LEGACY_SERVER_CONNECT = 4
OP_CIPHER_SERVER_PREFERENCE = 4194304
OP_ENABLE_MIDDLEBOX_COMPAT = 1048576
OP_IGNORE_UNEXPECTED_EOF = 128
OP_NO_COMPRESSION = 131072
OP_NO_RENEGOTIATION = 1073741824
OP_NO_SSLv2 = 0
OP_NO_SSLv3 = 33554432
OP_NO_TICKET = 16384
OP_NO_TLSv1 = 67108864
OP_NO_TLSv1_1 = 268435456
OP_NO_TLSv1_2 = 134217728
OP_NO_TLSv1_3 = 536870912
OP_SINGLE_DH_USE = 0
OP_SINGLE_ECDH_USE = 0
PROTOCOL_SSLv23 = 2
PROTOCOL_TLS = 2
PROTOCOL_TLS_CLIENT = 16
PROTOCOL_TLS_SERVER = 17
PROTOCOL_TLSv1 = 3
PROTOCOL_TLSv1_1 = 4
PROTOCOL_TLSv1_2 = 5
PROTO_MAXIMUM_SUPPORTED = -1
PROTO_MINIMUM_SUPPORTED = -2
PROTO_SSLv3 = 768
PROTO_TLSv1 = 769
PROTO_TLSv1_1 = 770
PROTO_TLSv1_2 = 771
PROTO_TLSv1_3 = 772
SSL_ERROR_EOF = 8
SSL_ERROR_INVALID_ERROR_CODE = 10
SSL_ERROR_SSL = 1
SSL_ERROR_SYSCALL = 5
SSL_ERROR_WANT_CONNECT = 7
SSL_ERROR_WANT_READ = 2
SSL_ERROR_WANT_WRITE = 3
SSL_ERROR_WANT_X509_LOOKUP = 4
SSL_ERROR_ZERO_RETURN = 6
VERIFY_ALLOW_PROXY_CERTS = 64
VERIFY_CRL_CHECK_CHAIN = 12
VERIFY_CRL_CHECK_LEAF = 4
VERIFY_DEFAULT = 0
VERIFY_X509_PARTIAL_CHAIN = 524288
VERIFY_X509_STRICT = 32
VERIFY_X509_TRUSTED_FIRST = 32768


class SSLError(OSError):
    """An error from the TLS layer: `str()` is OpenSSL's `[library: reason] message`."""

    def __str__(self):
        # As _ssl.c's SSLError_str: the message, or the args tuple when there is none.
        return self.strerror if isinstance(self.strerror, str) else str(self.args)


class SSLZeroReturnError(SSLError):
    """The TLS session was closed cleanly (close_notify)."""


class SSLWantReadError(SSLError):
    """Non-blocking: the operation needs ciphertext from the peer first."""


class SSLWantWriteError(SSLError):
    """Non-blocking: the operation needs to send ciphertext first."""


class SSLSyscallError(SSLError):
    """A system error in the transport."""


class SSLEOFError(SSLError):
    """The transport ended without close_notify."""


class SSLCertVerificationError(SSLError, ValueError):
    """Certificate verification failed."""

    verify_code = None
    verify_message = None


for _cls in (SSLError, SSLZeroReturnError, SSLWantReadError, SSLWantWriteError, SSLSyscallError,
             SSLEOFError, SSLCertVerificationError):
    _cls.__module__ = "ssl"

_KINDS = {
    "SSL": (SSLError, SSL_ERROR_SSL),
    "ZERO_RETURN": (SSLZeroReturnError, SSL_ERROR_ZERO_RETURN),
    "WANT_READ": (SSLWantReadError, SSL_ERROR_WANT_READ),
    "WANT_WRITE": (SSLWantWriteError, SSL_ERROR_WANT_WRITE),
    "SYSCALL": (SSLSyscallError, SSL_ERROR_SYSCALL),
    "EOF": (SSLEOFError, SSL_ERROR_EOF),
    "CERT_VERIFICATION": (SSLCertVerificationError, SSL_ERROR_SSL),
    "NONE": (SSLError, 0),
}


def _ssl_exception(e):
    """The `ssl` exception for the guest's ssl-error record, formatted as _ssl.c's
    fill_and_set_sslerror does: `[LIBRARY: REASON] message`, `[LIBRARY] message` without a reason,
    and the bare message for statuses with no OpenSSL error code (want-read, zero-return)."""
    cls, code = _KINDS[e.kind.name]
    library, reason = e.library or None, e.reason or None
    if code == SSL_ERROR_SSL and library is None and reason is None:
        return cls(e.message)  # one of _ssl's own checks: no errno, library or reason
    prefix = f"[{library}: {reason}] " if library and reason else f"[{library}] " if library else ""
    exc = cls(code, f"{prefix}{e.message} (pysock)")
    exc.library, exc.reason = library, reason
    if cls is SSLCertVerificationError:
        exc.verify_code, exc.verify_message = e.verify_code, e.verify_message
    return exc


# load_cert_chain(_HOST_IDENTITY + NAME) selects an identity the embedder registered under NAME.
_HOST_IDENTITY = "pysock-identity:"


def _password(password):
    """load_cert_chain's password as bytes, with CPython's checks (a callable is called once)."""
    if password is None:
        return None
    if callable(password):
        password = password()
        if not isinstance(password, (str, bytes, bytearray)):
            raise TypeError("password callback must return a string")
    if isinstance(password, str):
        password = password.encode("utf-8")
    elif isinstance(password, (bytes, bytearray)):
        password = bytes(password)
    else:
        raise TypeError("password should be a string or callable")
    if len(password) > 1024:
        raise ValueError("password cannot be longer than 1024 bytes")
    return password


def _read_file(path):
    with open(_os.fspath(path), "rb") as f:
        return f.read()


class _Uninstantiable:
    """A type only _ssl makes (CPython's Py_TPFLAGS_DISALLOW_INSTANTIATION); `_made` builds one."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        raise TypeError(f"cannot create '_ssl.{cls.__name__}' instances")


class _SSLContext:
    """_ssl._SSLContext: the settings live in the guest."""

    __slots__ = ("_pysock", "_host_flags", "_verify_flags", "post_handshake_auth", "_keylog_filename",
                 "_sni_callback", "_msg_callback", "__weakref__")

    def __new__(cls, protocol=None):
        if protocol is None:
            _warnings.warn("ssl.SSLContext() without protocol argument is deprecated.",
                           category=DeprecationWarning, stacklevel=2)
            protocol = PROTOCOL_TLS
        protocol = int(protocol)
        if protocol not in _PROTOCOLS:
            raise ValueError("invalid or unsupported protocol version %i" % protocol)
        if protocol in _DEPRECATED_PROTOCOLS:
            _warnings.warn(f"ssl.{_DEPRECATED_PROTOCOLS[protocol]} is deprecated", DeprecationWarning, stacklevel=2)
        self = super().__new__(cls)
        self._pysock = _keep(_w.Context(protocol))
        self._host_flags = HOSTFLAG_NO_PARTIAL_WILDCARDS
        self._verify_flags = VERIFY_X509_TRUSTED_FIRST
        self.post_handshake_auth = False
        self._keylog_filename = None
        self._sni_callback = None
        self._msg_callback = None
        return self

    def __del__(self):
        _release(self._pysock)

    protocol = property(lambda self: self._pysock.protocol())
    security_level = property(lambda self: 2)

    @property
    def sni_callback(self):
        return self._sni_callback

    @sni_callback.setter
    def sni_callback(self, callback):
        if callback is not None and not callable(callback):
            # A client context's ValueError comes first, as in CPython.
            _call(self._pysock.set_sni_callback, self._sni_callback is not None)
            raise TypeError("not a callable object")
        _call(self._pysock.set_sni_callback, callback is not None)
        self._sni_callback = callback

    @property
    def keylog_filename(self):
        return self._keylog_filename

    @keylog_filename.setter
    def keylog_filename(self, path):
        if path is None:
            self._pysock.set_key_log(False)
            self._keylog_filename = None
            return
        with open(_os.fspath(path), "a") as f:
            # As CPython: a header for a new, empty file.
            if f.tell() == 0:
                f.write("# TLS secrets log file, generated by OpenSSL / Python\n")
        self._pysock.set_key_log(True)
        self._keylog_filename = path

    def _write_key_log(self):
        """Appends the secrets the host recorded since the last call (keylog_filename)."""
        lines = self._pysock.take_key_log()
        if lines:
            with open(self._keylog_filename, "a") as f:
                f.writelines(line + "\n" for line in lines)

    @property
    def num_tickets(self):
        return self._pysock.num_tickets()

    @num_tickets.setter
    def num_tickets(self, value):
        _call(self._pysock.set_num_tickets, _int64(value))

    @property
    def verify_mode(self):
        return self._pysock.verify_mode()

    @verify_mode.setter
    def verify_mode(self, value):
        _call(self._pysock.set_verify_mode, int(value))

    @property
    def check_hostname(self):
        return self._pysock.check_hostname()

    @check_hostname.setter
    def check_hostname(self, value):
        self._pysock.set_check_hostname(bool(value))

    @property
    def minimum_version(self):
        return self._pysock.minimum_version()

    @minimum_version.setter
    def minimum_version(self, value):
        _call(self._pysock.set_minimum_version, _tls_version(value))

    @property
    def maximum_version(self):
        return self._pysock.maximum_version()

    @maximum_version.setter
    def maximum_version(self, value):
        _call(self._pysock.set_maximum_version, _tls_version(value))

    @property
    def options(self):
        return self._pysock.options()

    @options.setter
    def options(self, value):
        value = _uint64(value)
        if value & ~self._pysock.options() & _OP_NO_PROTOCOLS:
            _warnings.warn("ssl.OP_NO_SSL*/ssl.OP_NO_TLS* options are deprecated", DeprecationWarning,
                           stacklevel=2)
        self._pysock.set_options(value)

    @property
    def verify_flags(self):
        return self._verify_flags

    @verify_flags.setter
    def verify_flags(self, value):
        if not isinstance(value, int):
            raise TypeError(f"argument must be int, not {_type_name(value)}")
        self._verify_flags = value

    def load_verify_locations(self, cafile=None, capath=None, cadata=None):
        if cafile is None and capath is None and cadata is None:
            raise TypeError("cafile, capath and cadata cannot be all omitted")
        if cafile is not None:
            _call(self._pysock.load_verify_pem, _read_file(cafile), _w.TrustSource.CAFILE)
        if capath is not None:
            # OpenSSL looks certificates up in capath when it needs them; reading the folder now
            # gives the same trust, skipping files that hold none (the guest keeps them out of
            # cert_store_stats, as OpenSSL's lookups are).
            for name in sorted(_os.listdir(capath)):
                try:
                    _call(self._pysock.load_verify_pem, _read_file(_os.path.join(capath, name)),
                          _w.TrustSource.CAPATH)
                except (OSError, SSLError):
                    pass
        if cadata is not None:
            if isinstance(cadata, str):
                _call(self._pysock.load_verify_pem, cadata.encode("ascii"), _w.TrustSource.CADATA)
            else:
                _call(self._pysock.load_verify_der, memoryview(cadata).tobytes())

    def load_cert_chain(self, certfile, keyfile=None, password=None):
        if isinstance(certfile, str) and certfile.startswith(_HOST_IDENTITY) and keyfile is None:
            # An identity the embedder holds (pysock python --tls-identity): the key stays in the host.
            _call(self._pysock.load_host_identity, certfile[len(_HOST_IDENTITY):])
            return
        chain = _read_file(certfile)
        key = _read_file(keyfile) if keyfile is not None else chain
        _call(self._pysock.load_cert_chain, chain, key, _password(password) if b"ENCRYPTED" in key else None)

    def load_default_certs(self, purpose=None):
        self.set_default_verify_paths()

    def set_default_verify_paths(self):
        # The sandbox's "system" trust is what the embedder configured (pysock python --ca-file or
        # --system-ca); by default it is empty. As OpenSSL does, SSL_CERT_FILE and SSL_CERT_DIR in
        # the sandbox's environment add their certificates, and missing ones are ignored.
        _call(self._pysock.load_default_trust)
        for variable, keyword in (("SSL_CERT_FILE", "cafile"), ("SSL_CERT_DIR", "capath")):
            path = _os.environ.get(variable)
            if path:
                try:
                    self.load_verify_locations(**{keyword: path})
                except (OSError, SSLError):
                    pass

    def load_dh_params(self, path, /):
        # rustls offers no finite-field DHE suites, so the parameters are checked, not used.
        if b"-----BEGIN DH PARAMETERS-----" not in _read_file(path):
            exc = SSLError(SSL_ERROR_SSL, "[PEM: NO_START_LINE] no start line (pysock)")
            exc.library, exc.reason = "PEM", "NO_START_LINE"
            raise exc

    def set_ciphers(self, cipherlist):
        _call(self._pysock.set_ciphers, cipherlist)

    def get_ciphers(self):
        return [{"id": c.id, "name": c.name, "protocol": c.protocol, "description": c.description,
                 "strength_bits": c.strength_bits, "alg_bits": c.alg_bits, "aead": c.aead,
                 "symmetric": c.symmetric, "digest": c.digest, "kea": c.kea, "auth": c.auth}
                for c in self._pysock.get_ciphers()]

    def _set_alpn_protocols(self, protos):
        _call(self._pysock.set_alpn_protocols, bytes(protos))

    def set_ecdh_curve(self, name, /):
        curve = _os.fsdecode(_os.fsencode(name))
        if "\x00" in curve:
            raise ValueError("embedded null byte")
        if curve not in _CURVES:
            raise ValueError(f"unknown elliptic curve name {name!r}")
        self._pysock.set_ecdh_curve(curve)

    def cert_store_stats(self):
        x509, x509_ca = self._pysock.cert_store_stats()
        return {"x509": x509, "crl": 0, "x509_ca": x509_ca}

    def get_ca_certs(self, binary_form=False):
        certs = self._pysock.ca_certificates()
        return certs if binary_form else [_decode(der) for der in certs]

    def session_stats(self):
        return dict(self._pysock.session_stats())

    def _wrap_socket(self, sock, server_side, server_hostname=None, *, owner=None, session=None):
        server_hostname = _server_hostname(server_hostname)
        wrapped = _call(_w.SslSocket.wrap, self._pysock, bool(server_side), server_hostname)
        return _SSLSocket._made(wrapped, _weakref.ref(sock), self, owner, session)

    def _wrap_bio(self, incoming, outgoing, server_side, server_hostname=None, *, owner=None, session=None):
        server_hostname = _server_hostname(server_hostname)
        wrapped = _call(_w.SslSocket.wrap_bio, self._pysock, incoming._pysock, outgoing._pysock,
                        bool(server_side), server_hostname)
        return _SSLSocket._made(wrapped, None, self, owner, session)


class _SSLSocket(_Uninstantiable):
    """_ssl._SSLSocket: the TLS state of one SSL socket, in the guest."""

    __slots__ = ("_pysock", "_sock", "_owner", "_context", "__weakref__")


    def __del__(self):
        _release(self._pysock)

    @classmethod
    def _made(cls, wrapped, sock, context, owner, session):
        obj = object.__new__(cls)
        obj._pysock = _keep(wrapped)
        obj._sock = sock
        obj._owner = _weakref.ref(owner) if owner is not None else None
        obj._context = context
        if session is not None:
            obj.session = session
        return obj

    def _io(self, fn, *args):
        """One SSL call into the guest. A server's handshake may pause after the ClientHello: then
        sni_callback runs here and the call is repeated."""
        try:
            while True:
                try:
                    return fn(*args)
                except _Err as e:
                    error = e.value
                if type(error) is not _ws.Error_SniCallback:
                    raise _exception(error)
                self._run_sni_callback(error.value)
        finally:
            if self._context._keylog_filename is not None:
                self._context._write_key_log()

    def _run_sni_callback(self, server_name):
        """As _ssl.c's _servername_callback: None continues with `context` (which the callback may
        have switched), an int is the alert to refuse with, and a failure is unraisable and refuses
        with handshake_failure."""
        callback = self._context.sni_callback
        alert = None
        if callback is not None:
            try:
                owner = self.owner
                result = callback(self if owner is None else owner, server_name, self._context)
                if result is not None:
                    try:
                        alert = _operator_index(result)
                    except TypeError as e:
                        _unraisable(e, result)
                        alert = ALERT_DESCRIPTION_HANDSHAKE_FAILURE
            except BaseException as e:
                _unraisable(e, callback)
                alert = ALERT_DESCRIPTION_HANDSHAKE_FAILURE
        if alert is None:
            self._pysock.choose_context(self._context._pysock)
        else:
            self._pysock.refuse_handshake(alert)

    def _socket(self):
        """The socket resource for the guest, or None for an SSLObject (its MemoryBIOs are in the guest)."""
        if self._sock is None:
            return None
        sock = self._sock()
        if sock is None:
            raise ValueError("Underlying socket connection gone")
        return sock._pysock

    def do_handshake(self):
        self._io(self._pysock.do_handshake, self._socket())

    def read(self, len=1024, buffer=None):
        if buffer is None:
            return self._io(self._pysock.read, self._socket(), len)
        view = memoryview(buffer).cast("B")
        size = len if 0 < len <= view.nbytes else view.nbytes
        data = self._io(self._pysock.read, self._socket(), size)
        view[:memoryview(data).nbytes] = data
        return memoryview(data).nbytes

    def write(self, data):
        return self._io(self._pysock.write, self._socket(), memoryview(data).tobytes())

    def pending(self):
        return self._pysock.pending()

    def shutdown(self):
        self._io(self._pysock.shutdown, self._socket())
        return self._sock() if self._sock is not None else None

    def getpeercert(self, binary_form=False):
        if self._pysock.version() is None:
            raise ValueError("handshake not done yet")
        chain = self._pysock.peer_certificates()
        if not chain:
            return None
        if binary_form:
            return chain[0]
        # As CPython: a certificate that was not verified is reported as an empty dict.
        return _decode(chain[0]) if self._pysock.verified() else {}

    def get_verified_chain(self):
        chain = self._pysock.verified_chain(self._context._pysock)
        return [Certificate._made(der) for der in chain] if chain else None

    def get_unverified_chain(self):
        chain = self._pysock.peer_certificates()
        return [Certificate._made(der) for der in chain] if chain else None

    def cipher(self):
        return self._pysock.cipher()

    def shared_ciphers(self):
        return self._pysock.shared_ciphers()

    def version(self):
        return self._pysock.version()

    def selected_alpn_protocol(self):
        return self._pysock.selected_alpn_protocol()

    def selected_npn_protocol(self):
        return None

    def compression(self):
        return None

    def get_channel_binding(self, cb_type="tls-unique"):
        if cb_type != "tls-unique":
            raise ValueError(f"'{cb_type}' channel binding type not implemented")
        return None

    def verify_client_post_handshake(self):
        raise SSLError(SSL_ERROR_SSL, "[SSL] post-handshake authentication is not supported (pysock)")

    server_side = property(lambda self: self._pysock.server_side())
    server_hostname = property(lambda self: self._pysock.server_hostname())
    session_reused = property(lambda self: self._pysock.session_reused())

    @property
    def session(self):
        s = self._pysock.session()
        return SSLSession._made(s) if s is not None else None

    @session.setter
    def session(self, value):
        if not isinstance(value, SSLSession):
            raise TypeError("Value is not a SSLSession.")
        _call(self._pysock.set_session, value._pysock)

    @property
    def owner(self):
        return self._owner() if self._owner is not None else None

    @property
    def context(self):
        return self._context

    @context.setter
    def context(self, ctx):
        if not isinstance(ctx, _SSLContext):
            raise TypeError("The value must be a SSLContext")
        self._context = ctx



class MemoryBIO:
    """_ssl.MemoryBIO: the buffer lives in the guest, where an SSLObject's calls fill and drain it."""

    __slots__ = ("_pysock", "__weakref__")

    def __init__(self):
        self._pysock = _keep(_w.MemoryBio())

    def __del__(self):
        _release(self._pysock)

    pending = property(lambda self: self._pysock.pending())
    eof = property(lambda self: self._pysock.eof())

    def read(self, size=-1, /):
        return self._pysock.read(size)

    def write(self, b, /):
        try:
            view = memoryview(b)
        except TypeError:
            raise TypeError(f"a bytes-like object is required, not '{type(b).__name__}'") from None
        if not view.c_contiguous:
            raise BufferError("memoryview: underlying buffer is not C-contiguous")
        return _call(self._pysock.write, view.tobytes())

    def write_eof(self):
        self._pysock.write_eof()


class Certificate(_Uninstantiable):
    """_ssl.Certificate: one certificate of a peer's chain (`_sslobj.get_verified_chain()`)."""

    __slots__ = ("_der", "__weakref__")

    @classmethod
    def _made(cls, der):
        obj = object.__new__(cls)
        obj._der = der
        return obj

    def public_bytes(self, format=ENCODING_PEM):
        if format == ENCODING_DER:
            return self._der
        if format == ENCODING_PEM:
            import ssl
            return ssl.DER_cert_to_PEM_cert(self._der)
        raise ValueError("Unsupported format")

    def get_info(self):
        return _decode(self._der)

    def __repr__(self):
        return f"<_ssl.Certificate '{_call(_w.certificate_name, self._der)}'>"

    def __eq__(self, other):
        if not isinstance(other, Certificate):
            return NotImplemented
        return self._der == other._der

    def __hash__(self):
        return hash(self._der)


Certificate.__module__ = "_ssl"


class SSLSession(_Uninstantiable):
    """_ssl.SSLSession: a client's session, to offer again through `session=`. Each read of
    `SSLSocket.session` makes a new object; equal objects name the same session."""

    __slots__ = ("_pysock", "__weakref__")

    @classmethod
    def _made(cls, wrapped):
        obj = object.__new__(cls)
        obj._pysock = _keep(wrapped)
        return obj

    def __del__(self):
        _release(self._pysock)

    def __eq__(self, other):
        if not isinstance(other, SSLSession):
            return NotImplemented
        return self.id == other.id

    __hash__ = None

    id = property(lambda self: self._pysock.id())
    time = property(lambda self: self._pysock.time())
    timeout = property(lambda self: self._pysock.timeout())
    ticket_lifetime_hint = property(lambda self: self._pysock.ticket_lifetime_hint())
    has_ticket = property(lambda self: self._pysock.has_ticket())


SSLSession.__module__ = "_ssl"


_PROTOCOLS = (PROTOCOL_TLS, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, PROTOCOL_TLSv1, PROTOCOL_TLSv1_1,
              PROTOCOL_TLSv1_2)
_DEPRECATED_PROTOCOLS = {PROTOCOL_TLS: "PROTOCOL_TLS", PROTOCOL_TLSv1: "PROTOCOL_TLSv1",
                         PROTOCOL_TLSv1_1: "PROTOCOL_TLSv1_1", PROTOCOL_TLSv1_2: "PROTOCOL_TLSv1_2"}
_DEPRECATED_VERSIONS = {PROTO_SSLv3: "SSLv3", PROTO_TLSv1: "TLSv1", PROTO_TLSv1_1: "TLSv1_1"}
_OP_NO_PROTOCOLS = OP_NO_SSLv2 | OP_NO_SSLv3 | OP_NO_TLSv1 | OP_NO_TLSv1_1 | OP_NO_TLSv1_2 | OP_NO_TLSv1_3
# Curve names OpenSSL knows; rustls uses X25519, prime256v1 and secp384r1 and ignores the others.
_CURVES = {"prime256v1", "secp256r1", "secp384r1", "secp521r1", "X25519", "X448", "secp224r1", "secp256k1",
           "prime192v1", "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "P-256", "P-384", "P-521"}


def _type_name(value):
    return "None" if value is None else type(value).__name__


def _uint64(value):
    """An option value with CPython 3.13's checks (uint64_t)."""
    if not isinstance(value, int):
        raise TypeError(f"argument must be int, not {_type_name(value)}")
    if value < 0:
        raise OverflowError("can't convert negative int to unsigned")
    if value >= 1 << 64:
        raise OverflowError("int too big to convert")
    return value


def _tls_version(value):
    value = int(value)
    if value in _DEPRECATED_VERSIONS:
        _warnings.warn(f"ssl.TLSVersion.{_DEPRECATED_VERSIONS[value]} is deprecated", DeprecationWarning,
                       stacklevel=3)
    return value


def _server_hostname(name):
    """server_hostname as _ssl.c takes it: IDNA-encoded, never empty or with a leading dot."""
    if name is None:
        return None
    if isinstance(name, str):
        if "\x00" in name:
            raise TypeError("argument must be encoded string without null bytes, not str")
        name = name.encode("idna")
    name = bytes(name).decode("ascii")
    if not name or name.startswith("."):
        raise ValueError("server_hostname cannot be an empty string or start with a leading dot.")
    return name


def _operator_index(value):
    import operator
    return operator.index(value)


def _unraisable(exc, obj):
    """What PyErr_WriteUnraisable does: report through sys.unraisablehook and go on."""
    _sys.unraisablehook(_hook_args_type()((type(exc), exc, exc.__traceback__, None, obj)))


def _hook_args_type():
    """sys.UnraisableHookArgs, which sys does not export: caught from one unraisable event."""
    global _HOOK_ARGS
    if _HOOK_ARGS is None:
        caught, hook = [], _sys.unraisablehook

        class Raiser:
            def __del__(self):
                raise RuntimeError

        _sys.unraisablehook = caught.append
        try:
            Raiser()
        finally:
            _sys.unraisablehook = hook
        _HOOK_ARGS = type(caught[0])
    return _HOOK_ARGS


_HOOK_ARGS = None


def _decode(der):
    """getpeercert()'s dict for a DER certificate, keys as CPython's _decode_certificate sets them."""
    c = _call(_w.decode_certificate, der)
    cert = {
        "subject": tuple(tuple(rdn) for rdn in c.subject),
        "issuer": tuple(tuple(rdn) for rdn in c.issuer),
        "version": c.version,
        "serialNumber": c.serial_number,
        "notBefore": c.not_before,
        "notAfter": c.not_after,
    }
    alt_names = [(n.value[0], n.value[1]) if isinstance(n, _w.AltName_Text)
                 else ("DirName", tuple(tuple(rdn) for rdn in n.value)) for n in c.subject_alt_name]
    for key, value in (("subjectAltName", alt_names), ("OCSP", c.ocsp),
                       ("caIssuers", c.ca_issuers), ("crlDistributionPoints", c.crl_distribution_points)):
        if value:
            cert[key] = tuple(value)
    return cert


def _test_decode_cert(path):
    # As OpenSSL's PEM reader: the first certificate in the file, whatever precedes it.
    import ssl
    with open(path) as f:
        text = f.read()
    start = text.find(ssl.PEM_HEADER)
    end = text.find(ssl.PEM_FOOTER, start)
    if start < 0 or end < 0:
        raise SSLError(SSL_ERROR_SSL, "[PEM: NO_START_LINE] no start line (pysock)")
    return _decode(ssl.PEM_cert_to_DER_cert(text[start:end + len(ssl.PEM_FOOTER)]))


def get_default_verify_paths():
    return ("SSL_CERT_FILE", "/etc/ssl/cert.pem", "SSL_CERT_DIR", "/etc/ssl/certs")


def txt2obj(txt, name=False):
    known = {"1.3.6.1.5.5.7.3.1": (129, "serverAuth", "TLS Web Server Authentication", "1.3.6.1.5.5.7.3.1"),
             "1.3.6.1.5.5.7.3.2": (130, "clientAuth", "TLS Web Client Authentication", "1.3.6.1.5.5.7.3.2")}
    for value in known.values():
        if txt in (value[3],) or (name and txt in value[1:3]):
            return value
    raise ValueError(f"unknown object '{txt}'")


def nid2obj(nid):
    for value in (txt2obj("1.3.6.1.5.5.7.3.1"), txt2obj("1.3.6.1.5.5.7.3.2")):
        if value[0] == nid:
            return value
    raise ValueError(f"unknown NID {nid}")


def RAND_status():
    return True


def RAND_add(string, entropy, /):
    pass


def RAND_bytes(n, /):
    return _os.urandom(n)


_as_builtins(globals())
