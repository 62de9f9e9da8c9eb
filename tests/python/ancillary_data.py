"""The control messages a UDP socket's options ask the kernel for (IP_PKTINFO, IP_RECVTTL,
IP_RECVTOS; IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS), as recvmsg and recvmsg_into
return them on loopback: their bytes, the room they need (MSG_CTRUNC and a message cut short), the
options read back and their value forms, and a TCP socket, which returns none.
tests/tests/sandbox.rs compares this with native CPython."""
import errno
import socket

IP_PKTINFO, IP_RECVTTL = 8, 12


def attempt(label, f):
    try:
        print(f"{label}: {f()}")
    except OSError as e:
        print(f"{label}: {type(e).__name__}: {errno.errorcode.get(e.errno)} {e.strerror}")
    except Exception as e:
        print(f"{label}: {type(e).__name__}: {e}")


def pair(family, host):
    into = socket.socket(family, socket.SOCK_DGRAM)
    into.bind((host, 0))
    into.settimeout(5)
    out = socket.socket(family, socket.SOCK_DGRAM)
    return out, into


for family, host, level, options in (
    (socket.AF_INET, "127.0.0.1", socket.IPPROTO_IP, {"IP_PKTINFO": IP_PKTINFO, "IP_RECVTTL": IP_RECVTTL, "IP_RECVTOS": socket.IP_RECVTOS}),
    (socket.AF_INET6, "::1", socket.IPPROTO_IPV6, {"IPV6_RECVPKTINFO": socket.IPV6_RECVPKTINFO, "IPV6_RECVHOPLIMIT": socket.IPV6_RECVHOPLIMIT, "IPV6_RECVTCLASS": socket.IPV6_RECVTCLASS}),
):
    out, into = pair(family, host)
    address = into.getsockname()
    if family == socket.AF_INET:
        out.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x28)
    else:
        out.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0x28)
    out.sendto(b"before", address)
    print(family.name, "without options:", into.recvmsg(100, 1000)[1:3])
    for name, option in options.items():
        attempt(f"{name} read", lambda: into.getsockopt(level, option))
        into.setsockopt(level, option, 1)
        attempt(f"{name} read back", lambda: into.getsockopt(level, option))
    for room in (1000, 0, 16, socket.CMSG_SPACE(1), socket.CMSG_SPACE(4) + socket.CMSG_LEN(2)):
        out.sendto(b"datagram", address)
        data, ancdata, flags, _ = into.recvmsg(100, room)
        print(f"{family.name} room {room}:", data, [(l, t, d if t != IP_PKTINFO and t != socket.IPV6_PKTINFO else (len(d), d[:4])) for l, t, d in ancdata], flags)
    out.sendto(b"scattered", address)
    buffers = [bytearray(3), bytearray(10)]
    nbytes, ancdata, flags, _ = into.recvmsg_into(buffers, 1000)
    print(family.name, "recvmsg_into:", nbytes, [bytes(b) for b in buffers], [(l, t, len(d)) for l, t, d in ancdata], flags)
    out.sendto(b"truncated", address)
    print(family.name, "datagram truncated:", into.recvmsg(3, 1000)[0::2])
    out.sendto(b"plain", address)
    print(family.name, "recv drops them:", into.recv(100))
    for name, option in options.items():
        into.setsockopt(level, option, 0)
    out.sendto(b"after", address)
    print(family.name, "options off:", into.recvmsg(100, 1000)[1:3])
    for value in (b"\x01", b"\x01\x00", b"\x01\x00\x00\x00\x00", b""):
        for name, option in options.items():
            attempt(f"{name} set {value!r}", lambda: into.setsockopt(level, option, value))
    for name, option in options.items():
        attempt(f"{name} set None 4", lambda: into.setsockopt(level, option, None, 4))
        attempt(f"{name} read 1 byte", lambda: into.getsockopt(level, option, 1))
    out.close()
    into.close()

listener = socket.create_server(("127.0.0.1", 0))
tcp = socket.create_connection(listener.getsockname())
conn, _ = listener.accept()
conn.settimeout(5)
attempt("TCP IP_RECVTOS", lambda: conn.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1))
tcp.sendall(b"stream")
attempt("TCP recvmsg", lambda: conn.recvmsg(100, 1000))
unix = socket.socketpair()[0]
attempt("AF_UNIX IP_PKTINFO", lambda: unix.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1))
