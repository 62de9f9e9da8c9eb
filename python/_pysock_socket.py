"""pysock's `_socket`: CPython's C module, as one call into the pysock guest per operation.

Installed as `sys.modules['_socket']` before user code runs, so the stdlib's `socket.py` runs unchanged
on top of it. This module only translates: Python arguments to WIT values (with CPython's TypeErrors),
and the guest's errors to this interpreter's exception classes and errno numbers. Timeouts, retries
and every socket rule live in the guest.
"""
import errno as _errno
import operator as _operator

from componentize_py_types import Err as _Err
from wit_world.imports import socket as _w
from wit_world.imports import staging as _staging
from wit_world.imports.pysock_net_types import Received_Inline as _Inline

error = OSError
timeout = TimeoutError


class herror(OSError):
    pass


class gaierror(OSError):
    pass


herror.__module__ = gaierror.__module__ = "socket"

# Linux's values: the guest's contract speaks them.
AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6 = 0, 1, 2, 10
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET = 1, 2, 3, 4, 5
SOCK_NONBLOCK, SOCK_CLOEXEC = 0o4000, 0o2000000
SOL_SOCKET, SOL_IP, SOL_TCP, SOL_UDP = 1, 0, 6, 17
IPPROTO_IP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IPV6, IPPROTO_ICMPV6, IPPROTO_RAW = 0, 1, 6, 17, 41, 58, 255
SO_DEBUG, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_DONTROUTE, SO_BROADCAST = 1, 2, 3, 4, 5, 6
SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE, SO_OOBINLINE, SO_LINGER, SO_REUSEPORT = 7, 8, 9, 10, 13, 15
SO_RCVLOWAT, SO_SNDLOWAT, SO_RCVTIMEO, SO_SNDTIMEO, SO_ACCEPTCONN = 18, 19, 20, 21, 30
SO_PROTOCOL, SO_DOMAIN = 38, 39
SOMAXCONN = 4096
TCP_NODELAY, TCP_MAXSEG, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT = 1, 2, 4, 5, 6
IP_TOS, IP_TTL, IP_MULTICAST_TTL, IP_MULTICAST_LOOP = 1, 2, 33, 34
IPV6_UNICAST_HOPS, IPV6_V6ONLY = 16, 26
MSG_OOB, MSG_PEEK, MSG_DONTROUTE, MSG_CTRUNC, MSG_TRUNC = 1, 2, 4, 8, 0x20
MSG_DONTWAIT, MSG_EOR, MSG_WAITALL, MSG_CONFIRM, MSG_ERRQUEUE = 0x40, 0x80, 0x100, 0x800, 0x2000
MSG_NOSIGNAL, MSG_MORE, MSG_FASTOPEN, MSG_CMSG_CLOEXEC = 0x4000, 0x8000, 0x20000000, 0x40000000
SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2
AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_V4MAPPED = 1, 2, 4, 8
AI_ALL, AI_ADDRCONFIG, AI_NUMERICSERV = 0x10, 0x20, 0x400
NI_NUMERICHOST, NI_NUMERICSERV, NI_NOFQDN, NI_NAMEREQD, NI_DGRAM = 1, 2, 4, 8, 16
NI_MAXHOST, NI_MAXSERV = 1025, 32
EAI_BADFLAGS, EAI_NONAME, EAI_AGAIN, EAI_FAIL, EAI_NODATA, EAI_FAMILY = -1, -2, -3, -4, -5, -6
EAI_SOCKTYPE, EAI_SERVICE, EAI_ADDRFAMILY, EAI_MEMORY, EAI_SYSTEM, EAI_OVERFLOW = -7, -8, -9, -10, -11, -12
INADDR_ANY, INADDR_BROADCAST, INADDR_LOOPBACK, INADDR_NONE = 0, 0xFFFFFFFF, 0x7F000001, 0xFFFFFFFF
has_ipv6 = True

_INT32 = range(-(2**31), 2**31)


def _exception(v):
    """The Python exception for a guest error value."""
    kind = type(v)
    if kind is _w.Error_Os:
        return OSError(getattr(_errno, v.value.code.name, _errno.EIO), v.value.message)
    if kind is _w.Error_Timeout:
        return TimeoutError(v.value)
    if kind is _w.Error_Gai:
        code, message = v.value
        return gaierror(globals()[code.name], message)
    if kind is _w.Error_Herror:
        return herror(*v.value)
    if kind is _w.Error_Value:
        return ValueError(v.value)
    if kind is _w.Error_Type:
        return TypeError(v.value)
    if kind is _w.Error_Overflow:
        return OverflowError(v.value)
    if kind is _w.Error_Key:
        return KeyError(v.value)
    if kind is _w.Error_Ssl:
        import _pysock_ssl
        return _pysock_ssl._ssl_exception(v.value)
    return OSError(v.value)


# Resources this module's objects use, held here so that they are never garbage themselves.
# componentize-py drops a resource from a weakref callback, and in a garbage cycle the collector runs
# those callbacks before any __del__: a socket's finalizer, or another object's (asyncio transports
# close their socket in __del__), would then call a dropped handle, which traps the whole component.
# Each Python object releases its resource from its own __del__, after its last use.
_live = set()


def _keep(resource):
    _live.add(resource)
    return resource


def _release(resource):
    _live.discard(resource)


def _call(fn, *args):
    try:
        return fn(*args)
    except _Err as e:
        error = e.value
    # Raised outside the handler, so the Python exception carries no chained `Err`: componentize-py's
    # Err is frozen, and code that walks __context__ (unittest does) must not meet it.
    raise _exception(error)


def _int32(value, what="argument"):
    value = _operator.index(value)
    if value not in _INT32:
        raise OverflowError(f"{what}: signed integer is greater than maximum" if value > 0
                            else f"{what}: signed integer is less than minimum")
    return value


def _int64(value):
    value = _operator.index(value)
    if not -(2**63) <= value < 2**63:
        raise OverflowError("Python int too large to convert to C ssize_t")
    return value


# Buffers at least this large travel through the host's staging area (pysock:net/staging): between
# the interpreter's and the guest's memories a byte costs 2.8 ns to copy, into the host next to
# nothing. Below it the extra call costs more than the copy it saves.
_STAGED = 1024


def _bytes(data):
    if type(data) is bytes:
        return data
    if isinstance(data, str):
        raise TypeError(f"a bytes-like object is required, not '{type(data).__name__}'")
    try:
        return memoryview(data).tobytes()
    except TypeError:
        raise TypeError(f"a bytes-like object is required, not '{type(data).__name__}'") from None


def _host(host):
    if isinstance(host, str):
        host = host if host.isascii() else host.encode("idna").decode("ascii")
    elif isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii")
    else:
        raise TypeError(f"str, bytes or bytearray expected, not {type(host).__name__}")
    if "\0" in host:
        raise TypeError("host name must not contain null character")
    return host


def _port(port):
    if not isinstance(port, int):
        raise TypeError(f"'{type(port).__name__}' object cannot be interpreted as an integer")
    return _int32(port, "port")


def _address(family, address, caller):
    """A Python address tuple as the guest's `address`, with CPython's TypeErrors."""
    if family == AF_INET:
        if not isinstance(address, tuple):
            raise TypeError(f"{caller}(): AF_INET address must be tuple, not {type(address).__name__}")
        if len(address) != 2:
            raise TypeError("AF_INET address must be a pair (host, port)")
        return _w.Address_Inet((_host(address[0]), _port(address[1])))
    if family == AF_INET6:
        if not isinstance(address, tuple):
            raise TypeError(f"{caller}(): AF_INET6 address must be tuple, not {type(address).__name__}")
        if not 2 <= len(address) <= 4:
            raise TypeError("AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])")
        host, port, flowinfo, scope_id = (address + (0, 0))[:4]
        return _w.Address_Inet6((_host(host), _port(port), _int64(flowinfo), _int64(scope_id)))
    if family == AF_UNIX:
        raise OSError(_errno.EAFNOSUPPORT, "AF_UNIX addresses are not supported in the sandbox")
    raise OSError(_errno.EAFNOSUPPORT, "Address family not supported by protocol")


def _python_address(a):
    return None if a is None else a.value


def _timeout(value):
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError("Timeout value must be int, float or None")


class socket:
    """_socket.socket: a Python handle on one guest socket object."""

    __slots__ = ("_pysock",)

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is not None:
            # CPython stores the fd in a C int, so an out-of-range number wraps as it does there.
            fileno = (_operator.index(fileno) + 2**31) % 2**32 - 2**31
        self._pysock = _keep(_call(_w.Socket.create, _int32(family), _int32(type), _int32(proto), fileno))

    family = property(lambda self: self._pysock.family())
    proto = property(lambda self: self._pysock.proto())
    timeout = property(lambda self: self._pysock.gettimeout())

    def fileno(self):
        return self._pysock.fileno()

    def close(self):
        _call(self._pysock.close)

    def detach(self):
        return self._pysock.detach()

    def bind(self, address):
        _call(self._pysock.bind, _address(self.family, address, "bind"))

    def listen(self, backlog=None):
        if backlog is not None:
            backlog = _int32(backlog)
        _call(self._pysock.listen, backlog)

    def _accept(self):
        fd, address = _call(self._pysock.accept)
        return fd, _python_address(address)

    def connect(self, address):
        _call(self._pysock.connect, _address(self.family, address, "connect"))

    def connect_ex(self, address):
        try:
            self._pysock.connect_ex(_address(self.family, address, "connect_ex"))
            return 0
        except _Err as e:
            error = e.value
        if type(error) is _w.Error_Os:
            return getattr(_errno, error.value.code.name, _errno.EIO)
        raise _exception(error)

    def send(self, data, flags=0):
        data, flags = _bytes(data), _int32(flags)
        if len(data) >= _STAGED:
            _staging.stage(data)
            return _call(self._pysock.send_staged, len(data), flags)
        return _call(self._pysock.send, data, flags)

    def sendall(self, data, flags=0):
        data, flags = _bytes(data), _int32(flags)
        if len(data) >= _STAGED:
            _staging.stage(data)
            _call(self._pysock.sendall_staged, len(data), flags)
        else:
            _call(self._pysock.sendall, data, flags)

    def sendto(self, data, flags_or_address, address=None):
        if address is None:
            flags, address = 0, flags_or_address
        else:
            flags = _int32(flags_or_address)
        data = _bytes(data)
        return _call(self._pysock.sendto, data, flags, _address(self.family, address, "sendto"))

    def recv(self, bufsize, flags=0):
        return self._recv(_int64(bufsize), _int32(flags))

    def _recv(self, bufsize, flags):
        if bufsize >= _STAGED:
            got = _call(self._pysock.recv_staged, bufsize, flags)
            return got.value if type(got) is _Inline else _staging.take()
        return _call(self._pysock.recv, bufsize, flags)

    def recvfrom(self, bufsize, flags=0):
        data, address = _call(self._pysock.recvfrom, _int64(bufsize), _int32(flags))
        return data, _python_address(address)

    def _into(self, buffer, nbytes, caller):
        view = memoryview(buffer)
        if view.readonly:
            raise TypeError(f"{caller}() argument 'buffer' must be read-write bytes-like object, not {type(buffer).__name__}")
        view = view.cast("B")
        nbytes = _operator.index(nbytes)
        if nbytes < 0:
            raise ValueError(f"negative buffersize in {caller}")
        if nbytes == 0:
            nbytes = len(view)
        elif nbytes > len(view):
            raise ValueError(f"buffer too small for requested bytes" if caller == "recv_into" else "nbytes is greater than the length of the buffer")
        return view, nbytes

    def recv_into(self, buffer, nbytes=0, flags=0):
        view, nbytes = self._into(buffer, nbytes, "recv_into")
        flags = _int32(flags)
        if nbytes >= _STAGED and not flags & MSG_TRUNC:
            data = self._recv(nbytes, flags)
            count = len(data)
        else:
            # Only the bytes the kernel wrote go into the buffer; with MSG_TRUNC the count is more.
            got = _call(self._pysock.recv_into, nbytes, flags)
            data, count = got.data, got.length
        view[:len(data)] = data
        return count

    def recvfrom_into(self, buffer, nbytes=0, flags=0):
        view, nbytes = self._into(buffer, nbytes, "recvfrom_into")
        got, address = _call(self._pysock.recvfrom_into, nbytes, _int32(flags))
        view[:len(got.data)] = got.data
        return got.length, _python_address(address)

    def shutdown(self, how):
        _call(self._pysock.shutdown, _int32(how))

    def getsockname(self):
        return _python_address(_call(self._pysock.getsockname))

    def getpeername(self):
        return _python_address(_call(self._pysock.getpeername))

    def setsockopt(self, level, optname, value, optlen=None):
        level, optname = _int32(level), _int32(optname)
        if value is None and optlen is not None:
            option = _w.OptionValue_Bytes(bytes(_operator.index(optlen)))
        elif isinstance(value, int) and value in _INT32:
            option = _w.OptionValue_Int(value)
        else:
            option = _w.OptionValue_Bytes(_bytes(value))
        _call(self._pysock.setsockopt, level, optname, option)

    def getsockopt(self, level, optname, buflen=None):
        if buflen is not None:
            buflen = _int64(buflen)
        v = _call(self._pysock.getsockopt, _int32(level), _int32(optname), buflen)
        if type(v) is _w.OptionValue_Error:
            return getattr(_errno, v.value.name, _errno.EIO)
        return v.value

    def settimeout(self, value):
        _call(self._pysock.settimeout, _timeout(value))

    def gettimeout(self):
        return self._pysock.gettimeout()

    def setblocking(self, flag):
        _call(self._pysock.setblocking, bool(_operator.index(flag)))

    def getblocking(self):
        return _call(self._pysock.getblocking)

    def dup(self):
        return socket(self.family, self.type, self.proto, dup(self.fileno()))

    def __repr__(self):
        return f"<socket object, fd={self.fileno()}, family={self.family}, type={self.type}, proto={self.proto}>"

    def __del__(self):
        # As CPython's socket finalizer: an unclosed socket warns, naming itself, then closes.
        sock = getattr(self, "_pysock", None)
        if sock is None:
            return
        if sock.fileno() != -1:
            import warnings
            warnings.warn(f"unclosed {self!r}", ResourceWarning, stacklevel=2, source=self)
            try:
                sock.close()
            except _Err:
                pass
        _release(sock)

    type = property(lambda self: self._pysock.type())


SocketType = socket


def getdefaulttimeout():
    return _w.getdefaulttimeout()


def setdefaulttimeout(value):
    _call(_w.setdefaulttimeout, _timeout(value))


def socketpair(family=AF_UNIX, type=SOCK_STREAM, proto=0):
    a, b = _call(_w.socketpair, _int32(family), _int32(type), _int32(proto))
    return _wrap(a), _wrap(b)


def _wrap(resource):
    s = socket.__new__(socket)
    s._pysock = _keep(resource)
    return s


def dup(fd):
    return _call(_w.dup, _int32(fd))


def close(fd):
    _call(_w.close, _int32(fd))


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    if host is not None:
        if not isinstance(host, (str, bytes, bytearray)):
            raise TypeError("getaddrinfo() argument 1 must be string or None")
        host = _host(host)
    if isinstance(port, int):
        if not -(2**63) <= port < 2**63:
            raise OverflowError("Python int too large to convert to C long")
        port = str(port)
    elif isinstance(port, (bytes, bytearray)):
        port = bytes(port).decode("ascii")
    elif isinstance(port, str):
        _utf8(port)
    elif port is not None:
        raise OSError("Int or String expected")
    infos = _call(_w.getaddrinfo, host, port, _int32(family), _int32(type), _int32(proto), _int32(flags))
    return [(i.family, i.type, i.proto, i.canonname, i.address.value) for i in infos]


def getnameinfo(sockaddr, flags):
    if not isinstance(sockaddr, tuple):
        raise TypeError("getnameinfo() argument 1 must be a tuple")
    if len(sockaddr) == 2:
        address = _w.Address_Inet((_host(sockaddr[0]), _port(sockaddr[1])))
    elif 3 <= len(sockaddr) <= 4:
        host, port, flowinfo, scope_id = (sockaddr + (0,))[:4]
        address = _w.Address_Inet6((_host(host), _port(port), _int64(flowinfo), _int64(scope_id)))
    else:
        raise TypeError("getnameinfo(): illegal sockaddr argument")
    return _call(_w.getnameinfo, address, _int32(flags))


def gethostbyname(hostname):
    return _call(_w.gethostbyname, _host(hostname))


def gethostbyname_ex(hostname):
    return _call(_w.gethostbyname_ex, _host(hostname))


def gethostbyaddr(ip_address):
    return _call(_w.gethostbyaddr, _host(ip_address))


_PROTOCOLS = {"ip": 0, "icmp": 1, "tcp": 6, "udp": 17, "ipv6": 41, "icmpv6": 58, "raw": 255}
_SERVICE_KINDS = {None: SOCK_STREAM, "tcp": SOCK_STREAM, "udp": SOCK_DGRAM}


def getservbyname(servicename, protocolname=None, /):
    kind = _SERVICE_KINDS.get(protocolname)
    if kind is None or not isinstance(servicename, str) or servicename.isdigit():
        if not isinstance(servicename, str):
            raise TypeError(f"getservbyname() argument 1 must be str, not {type(servicename).__name__}")
        raise OSError("service/proto not found")
    try:
        infos = _w.getaddrinfo(None, _utf8(servicename), AF_INET, kind, 0, AI_PASSIVE)
    except _Err:
        infos = []
    if not infos:
        raise OSError("service/proto not found")
    return infos[0].address.value[1]


def getservbyport(port, protocolname=None, /):
    port = _operator.index(port)
    if not 0 <= port <= 0xFFFF:
        raise OverflowError("getservbyport: port must be 0-65535.")
    if protocolname not in _SERVICE_KINDS:
        raise OSError("port/proto not found")
    flags = NI_NUMERICHOST | (NI_DGRAM if protocolname == "udp" else 0)
    name = _call(_w.getnameinfo, _w.Address_Inet(("127.0.0.1", port)), flags)[1]
    if name.isdigit():
        raise OSError("port/proto not found")
    return name


def getprotobyname(protocolname, /):
    try:
        return _PROTOCOLS[protocolname]
    except (KeyError, TypeError):
        raise OSError("protocol not found") from None


def gethostname():
    return _call(_w.gethostname)


def _utf8(text):
    """Checks that `text` can cross into WIT as a string, raising what CPython's UTF-8 conversion
    raises; a lone surrogate would otherwise trap the component."""
    text.encode("utf-8")
    return text


def _text(value, caller):
    if not isinstance(value, str):
        raise TypeError(f"{caller}() argument 1 must be str, not {type(value).__name__}")
    if "\0" in value:
        raise ValueError("embedded null character")
    return _utf8(value)


def inet_aton(ip_string):
    return _call(_w.inet_aton, _text(ip_string, "inet_aton"))


def inet_ntoa(packed_ip):
    if isinstance(packed_ip, str):
        raise TypeError("a bytes-like object is required, not 'str'")
    return _call(_w.inet_ntoa, _bytes(packed_ip))


def inet_pton(address_family, ip_string):
    return _call(_w.inet_pton, _int32(address_family), _text(ip_string, "inet_pton"))


def inet_ntop(address_family, packed_ip):
    if isinstance(packed_ip, str):
        raise TypeError("a bytes-like object is required, not 'str'")
    return _call(_w.inet_ntop, _int32(address_family), _bytes(packed_ip))


def _swap(x, bits, name):
    x = _operator.index(x)
    if x < 0:
        raise ValueError(f"{name}: can't convert negative Python int to C {bits}-bit unsigned integer")
    if x >= 1 << bits:
        raise OverflowError(f"{name}: Python int too large to convert to C {bits}-bit unsigned integer")
    return int.from_bytes(x.to_bytes(bits // 8, "little"), "big")


def htons(x):
    return _swap(x, 16, "htons")


def ntohs(x):
    return _swap(x, 16, "ntohs")


def htonl(x):
    return _swap(x, 32, "htonl")


def ntohl(x):
    return _swap(x, 32, "ntohl")


def _as_builtins(namespace):
    """Makes the public functions behave like C builtins, which do not bind when stored on a class
    (selectors.SelectSelector keeps `_select = select.select`). A staticmethod is callable and never binds."""
    import types
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and not name.startswith("_"):
            namespace[name] = staticmethod(value)


_as_builtins(globals())
