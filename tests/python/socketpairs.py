"""socketpair() for every family, type and protocol Linux's AF_UNIX accepts or refuses, and what a
datagram pair does that a stream pair does not: message boundaries, truncation, MSG_TRUNC's length,
recvfrom's address; and the same of a sequenced-packet pair, with its end. tests/tests/sandbox.rs compares this with native CPython."""
import errno
import os
import socket


def attempt(label, f):
    try:
        print(f"{label}: {f()}")
    except OSError as e:
        print(f"{label}: {type(e).__name__} {errno.errorcode.get(e.errno, e.errno)}")


def describe(family, kind, proto):
    a, b = socket.socketpair(family, kind, proto)
    with a, b:
        return a.family, a.type, a.proto, a.gettimeout(), b.type


# (Raw and ICMP sockets, which pysock does not offer, are left out for the IP families.)
for family, kinds, protos in (
    (socket.AF_UNIX, (socket.SOCK_RAW, socket.SOCK_SEQPACKET, socket.SOCK_SEQPACKET | socket.SOCK_NONBLOCK), (0, 1, 17)),
    (socket.AF_INET, (), (0, 6, 17)),
    (socket.AF_INET6, (), (0, 6, 17)),
):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK,
                 socket.SOCK_STREAM | socket.SOCK_CLOEXEC) + kinds:
        for proto in protos:
            attempt(f"socketpair({family!r}, {kind!r}, {proto})", lambda: describe(family, kind, proto))

def keeps_boundaries(kind):
    """What a datagram and a sequenced-packet pair share: each message read whole or cut to the
    buffer, MSG_TRUNC's full length, recvfrom's address. Returns the pair for the rest."""
    a, b = socket.socketpair(socket.AF_UNIX, kind)
    b.settimeout(5)
    name = kind.name
    for message in (b"first", b"", b"x" * 3000, b"last"):
        a.send(message)
    print(f"{name} boundaries kept:", [len(b.recv(4096)) for _ in range(4)])
    a.sendall(b"0123456789")
    print(f"{name} truncated to the buffer:", b.recv(4))
    a.send(b"0123456789")
    buf = bytearray(4)
    print(f"{name} MSG_TRUNC gives the message's length:", b.recv_into(buf, 4, socket.MSG_TRUNC), bytes(buf))
    a.send(b"0123456789")
    print(f"{name} recvmsg:", b.recvmsg(4))
    a.sendmsg([b"gath", b"ered"])
    print(f"{name} recvfrom:", b.recvfrom(100))
    return a, b


a, b = keeps_boundaries(socket.SOCK_DGRAM)
a.send(b"peek")
print("peek then read:", b.recv(10, socket.MSG_PEEK), b.recv(10))
b.setblocking(False)
attempt("nothing queued", lambda: b.recv(10))
print("shutdown write then read:", a.shutdown(socket.SHUT_WR), end=" ")
attempt("recv", lambda: b.recv(10))
attempt("send after SHUT_WR", lambda: a.send(b"x"))
a.close()
attempt("send to a closed peer", lambda: b.send(b"x"))
b.close()

# A sequenced-packet pair keeps them on a connection, which ends.
a, b = keeps_boundaries(socket.SOCK_SEQPACKET)
print("seqpacket getsockopt SO_TYPE:", a.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE), socket.socket(fileno=os.dup(a.fileno())).type)
attempt("seqpacket too long", lambda: a.send(b"x" * (8 << 20)))
a.close()
attempt("seqpacket recv after the peer closed", lambda: b.recv(10))
attempt("seqpacket send to a closed peer", lambda: b.send(b"x"))
b.close()
attempt("seqpacket socket()", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).type)

s, t = socket.socketpair()
s.send(b"ab")
s.send(b"cd")
print("a stream pair joins sends:", t.recv(10) if t.recv(1, socket.MSG_PEEK) else None)
s.close()
t.close()
