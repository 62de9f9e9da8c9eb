"""Descriptors passed in SCM_RIGHTS messages (sendmsg/recvmsg, socket.send_fds/recv_fds,
multiprocessing.reduction) between the program's own sockets: listeners, connections, datagram
sockets and pipe ends arrive working, sharing their open file description (O_NONBLOCK, identity)
with the descriptor they were sent from, also once that one is closed; the kernel's counting of
room for them (MSG_CTRUNC), what a receive without room or a plain recv does with them, and the
control messages Linux ignores or refuses, on stream, datagram and sequenced-packet pairs.
tests/tests/sandbox.rs compares this with native CPython. Descriptor numbers are never printed: a
native python3 may have inherited some.

With --refusals it prints what the sandbox refuses (files, epoll objects, credentials, IP
options), which a native run passes, and with --quota what arrives past the socket quota (closed,
MSG_CTRUNC, as past RLIMIT_NOFILE); tests/tests/sandbox.rs checks those on their own."""
import array
import errno
import os
import select
import socket
import stat
import sys
from multiprocessing import reduction


def attempt(label, f):
    try:
        print(f"{label}: {f()}")
    except OSError as e:
        print(f"{label}: {type(e).__name__}: {errno.errorcode.get(e.errno)} {e.strerror}")
    except Exception as e:
        print(f"{label}: {type(e).__name__}: {e}")


def rights(*fds):
    return [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]


def arrived(ancdata):
    """The descriptors of recvmsg's ancillary data, and what else came."""
    fds, other = [], []
    for level, kind, data in ancdata:
        if (level, kind) == (socket.SOL_SOCKET, socket.SCM_RIGHTS):
            numbers = array.array("i")
            numbers.frombytes(data[: len(data) - len(data) % numbers.itemsize])
            fds.extend(numbers)
        else:
            other.append((level, kind, len(data)))
    return fds, other


def close_all(fds):
    for fd in fds:
        os.close(fd)


sender, receiver = socket.socketpair()
receiver.settimeout(5)

if sys.argv[1:] == ["--refusals"]:
    r, w = os.pipe()
    with open(__file__, "rb") as f:
        attempt("a file", lambda: socket.send_fds(sender, [b"f"], [f.fileno()]))
    attempt("credentials", lambda: sender.sendmsg([b"c"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, array.array("i", [os.getpid(), 0, 0]))]))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ep = select.epoll()
    attempt("an epoll object", lambda: sender.sendmsg([b"e"], rights(ep.fileno())))
    dual = socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True)
    attempt("a dual-stack wildcard listener", lambda: socket.send_fds(sender, [b"d"], [dual.fileno()]))
    attempt("an IP option", lambda: udp.sendmsg([b"t"], [(socket.IPPROTO_IP, socket.IP_TOS, b"\x10\0\0\0")], 0, ("127.0.0.1", 9)))
    attempt("nothing went", lambda: (sender.setblocking(False), receiver.setblocking(False), receiver.recvmsg(10, 100))[2])
    sys.exit()

if sys.argv[1:] == ["--quota"]:
    # Run with --max-sockets 5: the pair and these three fill it, so what arrives is closed.
    three = [socket.socket() for _ in range(3)]
    sender.sendmsg([b"q"], rights(*(s.fileno() for s in three)))
    data, ancdata, flags, _ = receiver.recvmsg(100, 100)
    print("over the quota:", data, len(arrived(ancdata)[0]), flags == socket.MSG_CTRUNC)
    three.pop().close()
    socket.send_fds(sender, [b"r"], [three[0].fileno()])
    print("within it:", len(socket.recv_fds(receiver, 100, 1)[1]))
    sys.exit()

# A listener, sent, then closed by its sender before it arrives: the one that arrives accepts.
listener = socket.create_server(("127.0.0.1", 0))
listener.settimeout(5)
address = listener.getsockname()
attempt("send_fds a listener", lambda: socket.send_fds(sender, [b"listener"], [listener.fileno()]))
listener.close()
message, fds, flags, addr = socket.recv_fds(receiver, 100, 4)
print("recv_fds:", message, len(fds), flags, addr)
moved = socket.socket(fileno=fds[0])
print("arrived:", moved.family, moved.type, moved.getsockname() == address, moved.gettimeout())
print("listening:", moved.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
client = socket.create_connection(address, timeout=5)
moved.settimeout(5)
conn, _ = moved.accept()
client.sendall(b"through the moved listener")
print("accepted:", conn.recv(100))

# A wildcard listener's address reads as the wildcard after the trip too.
wildcard = socket.create_server(("", 0))
socket.send_fds(sender, [b"wildcard"], [wildcard.fileno()])
wildcard.close()
_, fds, _, _ = socket.recv_fds(receiver, 100, 1)
wildcard = socket.socket(fileno=fds[0])
print("wildcard:", wildcard.getsockname()[0])
wildcard.close()

# A connection, passed while its sender keeps it open: both name one socket (one description).
attempt("sendmsg a connection", lambda: sender.sendmsg([b"conn"], rights(conn.fileno())))
data, ancdata, flags, addr = receiver.recvmsg(100, socket.CMSG_SPACE(4))
fds, other = arrived(ancdata)
print("recvmsg:", data, len(fds), other, flags, addr, fds[0] != conn.fileno())
print("same open file:", os.path.sameopenfile(fds[0], conn.fileno()))
print("O_NONBLOCK shared:", os.get_blocking(fds[0]), end=" ")
conn.setblocking(False)
print(os.get_blocking(fds[0]))
conn.setblocking(True)
again = socket.socket(fileno=fds[0])
client.sendall(b"read through the copy")
print("copy reads:", again.recv(100))
again.sendall(b"and writes")
print("client reads:", client.recv(100))
again.close()
client.sendall(b"still open")
print("original reads:", conn.recv(100))

# O_NONBLOCK set before it was sent, and its sender gone before it arrives.
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
udp.setblocking(False)
udp_address = udp.getsockname()
socket.send_fds(sender, [b"udp"], [udp.fileno()])
udp.close()
_, fds, _, _ = socket.recv_fds(receiver, 100, 1)
print("UDP arrived non-blocking:", os.get_blocking(fds[0]) is False)
udp = socket.socket(fileno=fds[0])
print("UDP:", udp.type, udp.getsockname() == udp_address, udp.gettimeout())
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"datagram", udp_address)
udp.settimeout(5)
print("UDP receives:", udp.recvfrom(100)[0])

# Pipe ends: still a pipe's ends after the trip, each one way only.
r, w = os.pipe()
socket.send_fds(sender, [b"pipe"], [r, w])
os.close(r)
_, fds, flags, _ = socket.recv_fds(receiver, 100, 2)
print("pipe ends:", len(fds), flags, [stat.S_ISFIFO(os.fstat(fd).st_mode) for fd in fds])
print("same pipe:", os.path.sameopenfile(fds[1], w))
os.write(fds[1], b"through the pipe")
print("read end reads:", os.read(fds[0], 100))
attempt("read end writes", lambda: os.write(fds[0], b"x"))
attempt("write end reads", lambda: os.read(fds[1], 1))
attempt("socket() on a pipe end", lambda: socket.socket(fileno=fds[0]))
close_all(fds)
os.close(w)

# The kernel's counting: CMSG_SPACE(4) holds two descriptors; what does not fit is closed.
three = [socket.socket() for _ in range(3)]
sender.sendmsg([b"three"], rights(*(s.fileno() for s in three)))
data, ancdata, flags, _ = receiver.recvmsg(100, socket.CMSG_SPACE(4))
fds, other = arrived(ancdata)
print("room for one:", data, len(fds), other, flags == socket.MSG_CTRUNC)
close_all(fds)
for room in (0, 8, 16, socket.CMSG_LEN(4), socket.CMSG_SPACE(8), 10000):
    sender.sendmsg([b"r"], rights(*(s.fileno() for s in three)))
    data, ancdata, flags, _ = receiver.recvmsg(100, room)
    fds, other = arrived(ancdata)
    print(f"room {room}:", data, len(fds), other, flags)
    close_all(fds)
sender.sendmsg([b"plain"], rights(three[0].fileno()))
print("recv drops them:", receiver.recv(100))
sender.send(b"after")
print("next recvmsg:", receiver.recvmsg(100, 100))
sender.sendmsg([b"into"], rights(three[0].fileno(), three[1].fileno()))
buffers = [bytearray(2), bytearray(10)]
nbytes, ancdata, flags, _ = receiver.recvmsg_into(buffers, socket.CMSG_SPACE(8))
fds, other = arrived(ancdata)
print("recvmsg_into:", nbytes, [bytes(b) for b in buffers], len(fds), flags)
close_all(fds)

# A message without descriptors joins the stream's bytes; one with them starts a new receive.
attempt("no descriptors", lambda: sender.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, b"")]))
attempt("a short tail", lambda: sender.sendmsg([b"y"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [three[0].fileno()]).tobytes() + b"\0")]))
attempt("two messages", lambda: sender.sendmsg([b"z"], rights(three[0].fileno()) + rights(three[1].fileno())))
for _ in range(2):
    data, ancdata, flags, _ = receiver.recvmsg(100, 100)
    fds, other = arrived(ancdata)
    print("received:", data, len(fds), other, flags)
    close_all(fds)
attempt("253 descriptors", lambda: sender.sendmsg([b"m"], rights(*[three[0].fileno()] * 253)))
data, ancdata, flags, _ = receiver.recvmsg(100, socket.CMSG_SPACE(253 * 4))
fds, other = arrived(ancdata)
print("253 arrived:", data, len(fds), flags, len(set(fds)))
close_all(fds)
attempt("254 descriptors", lambda: sender.sendmsg([b"n"], rights(*[three[0].fileno()] * 254)))
attempt("a closed descriptor", lambda: sender.sendmsg([b"n"], rights(999)))
attempt("a negative one", lambda: sender.sendmsg([b"n"], rights(-1)))
attempt("another SOL_SOCKET type", lambda: sender.sendmsg([b"n"], [(socket.SOL_SOCKET, 99, b"\0" * 4)]))
attempt("another level", lambda: sender.sendmsg([b"i"], [(socket.IPPROTO_IP, socket.IP_TOS, b"\0" * 4)]))
print("what came:", receiver.recvmsg(100, 100))

# IP sockets ignore descriptors, whatever they are.
tcp_listener = socket.create_server(("127.0.0.1", 0))
tcp = socket.create_connection(tcp_listener.getsockname())
tcp_in, _ = tcp_listener.accept()
tcp_in.settimeout(5)
attempt("TCP with descriptors", lambda: tcp.sendmsg([b"tcp"], rights(three[0].fileno())))
attempt("TCP with a closed one", lambda: tcp.sendmsg([b"!"], rights(999)))
attempt("TCP receives", lambda: tcp_in.recvmsg(100, 100))
attempt("UDP with descriptors", lambda: udp.sendmsg([b"udp"], rights(three[0].fileno()), 0, udp_address))
attempt("UDP receives", lambda: udp.recvmsg(100, 100)[:3])

# A datagram pair keeps each message's descriptors with it.
d1, d2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
d2.settimeout(5)
d1.sendmsg([b"first"], rights(three[0].fileno()))
d1.sendmsg([b"second"], rights(three[1].fileno(), three[2].fileno()))
for _ in range(2):
    data, ancdata, flags, _ = d2.recvmsg(3, 100)
    fds, other = arrived(ancdata)
    print("datagram:", data, len(fds), flags)
    close_all(fds)

# A sequenced-packet pair too, and a sequenced-packet socket sent over it.
q1, q2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
q2.settimeout(5)
q1.sendmsg([b"packet"], rights(q1.fileno(), three[0].fileno()))
data, ancdata, flags, _ = q2.recvmsg(3, 100)
fds, other = arrived(ancdata)
print("seqpacket:", data, len(fds), flags, socket.socket(fileno=fds[0]).type)
close_all(fds[1:])

# The socket pair itself, passed through itself.
socket.send_fds(sender, [b"self"], [receiver.fileno()])
_, fds, _, _ = socket.recv_fds(receiver, 100, 1)
print("itself:", os.path.sameopenfile(fds[0], receiver.fileno()))
close_all(fds)

# multiprocessing's receiving helper (its sender waits for an acknowledgement since 3.12, which
# one thread cannot give), and a receive that waits.
socket.send_fds(sender, [bytes([2])], [three[0].fileno(), three[1].fileno()])
fds = reduction.recvfds(receiver, 2)
print("multiprocessing:", len(fds))
close_all(fds)
receiver.settimeout(0.05)
attempt("nothing to receive", lambda: receiver.recvmsg(10, 100))
receiver.setblocking(False)
attempt("non-blocking", lambda: receiver.recvmsg(10, 100))

# Nothing stays open: a listener sent three times and received with room for one, and sent once
# more into a pair closed with it in flight, then closed: its port is free again.
port_listener = socket.create_server(("127.0.0.1", 0))
port = port_listener.getsockname()[1]
sender.sendmsg([b"l"], rights(*[port_listener.fileno()] * 3))
receiver.setblocking(True)
data, ancdata, flags, _ = receiver.recvmsg(100, socket.CMSG_LEN(4))
fds, _ = arrived(ancdata)
print("one of three:", data, len(fds), flags)
close_all(fds)
a, b = socket.socketpair()
socket.send_fds(a, [b"lost"], [port_listener.fileno()])
b.close()
a.close()
port_listener.close()
attempt("the port again", lambda: socket.socket().bind(("127.0.0.1", port)))
for _ in range(2000):
    socket.send_fds(sender, [b"c"], [three[0].fileno()])
    receiver.setblocking(True)
    _, fds, _, _ = socket.recv_fds(receiver, 1, 1)
    close_all(fds)
print("2000 round trips, one descriptor each: done")
for s in three:
    s.close()
