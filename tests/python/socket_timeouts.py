"""SO_RCVTIMEO and SO_SNDTIMEO on blocking sockets, printed so that native CPython's transcript is
the expected one: the values as the kernel reads and rounds them, the errors it gives for bad ones,
and the calls they end (recv, recv_into, recvfrom, accept, send, sendall, connect), each after about
the limit."""
import errno
import select
import socket
import struct
import time

LIMIT = 0.2
SOL, RCV, SND = socket.SOL_SOCKET, socket.SO_RCVTIMEO, socket.SO_SNDTIMEO


def timeval(seconds, fmt="ll"):
    return struct.pack(fmt, int(seconds), round(seconds % 1 * 1e6))


def show(label, call):
    started = time.monotonic()
    try:
        got = call()
    except OSError as e:
        got = f"{type(e).__name__} {errno.errorcode.get(e.errno, e.errno)}"
    took = time.monotonic() - started
    print(label, got, "after the limit" if LIMIT * 0.9 <= took < LIMIT * 10 else "at once" if took < LIMIT * 0.5 else f"after {took:.2f} s")


s = socket.socket()
for fmt in ("ll", "qq"):
    for value in [(1, 500000), (0, 1), (3, 0), (-5, 3), (0, 0)]:
        s.setsockopt(SOL, RCV, struct.pack(fmt, *value))
        size = struct.calcsize(fmt)
        print(fmt, value, "->", struct.unpack(fmt, s.getsockopt(SOL, RCV, size)), s.getsockopt(SOL, RCV))
    for value in [(2, 1000000), (2, -1)]:
        show(f"{fmt} {value}:", lambda: s.setsockopt(SOL, SND, struct.pack(fmt, *value)))
# The largest value: no limit, as for the kernel, which reads it back as 0.
s.setsockopt(SOL, RCV, struct.pack("qq", 2**63 - 1, 999999))
print("qq (2**63 - 1, 999999) ->", struct.unpack("qq", s.getsockopt(SOL, RCV, 16)))
show("an int:", lambda: s.setsockopt(SOL, RCV, 5))
show("seven bytes:", lambda: s.setsockopt(SOL, RCV, b"\x01" * 7))
show("NULL:", lambda: s.setsockopt(SOL, RCV, None, 16))
s.setsockopt(SOL, SND, timeval(7.25))
print("SO_SNDTIMEO bytes:", [s.getsockopt(SOL, SND, n) for n in (1, 4)])
s.close()

with socket.create_server(("127.0.0.1", 0)) as server:
    server.setsockopt(SOL, RCV, timeval(LIMIT))
    show("accept with none waiting:", server.accept)
    client = socket.create_connection(server.getsockname())
    peer, _ = server.accept()
    print("accepted socket inherits it:", struct.unpack("ll", peer.getsockopt(SOL, RCV, struct.calcsize("ll"))))
    with client, peer:
        client.setsockopt(SOL, RCV, timeval(LIMIT))
        show("recv with nothing sent:", lambda: client.recv(10))
        show("recv_into with nothing sent:", lambda: client.recv_into(bytearray(10)))
        peer.sendall(b"hello")
        show("recv with bytes there:", lambda: client.recv(10))
        client.setsockopt(SOL, SND, timeval(LIMIT))
        show("send past the buffer:", lambda: "partial" if 0 < client.send(b"x" * (64 << 20)) < 64 << 20 else "whole")
        show("sendall to a full buffer:", lambda: client.sendall(b"x" * (1 << 20)))

# A negative time: the kernel keeps a zero timeout, which reads back as no limit does, and each
# blocking call fails at once, as a non-blocking one would: for the socket, its duplicates and the
# connections its listener accepts.
NEGATIVE = timeval(-1)
with socket.create_server(("127.0.0.1", 0)) as server:
    server.setsockopt(SOL, RCV, NEGATIVE)
    print("negative reads back as", struct.unpack("ll", server.getsockopt(SOL, RCV, struct.calcsize("ll"))), server.getsockopt(SOL, RCV))
    show("negative: accept with none waiting:", server.accept)
    client = socket.socket()
    client.setsockopt(SOL, SND, NEGATIVE)
    show("negative: connect:", lambda: client.connect(server.getsockname()))
    select.select([], [client], [], 5)
    print("negative: connected after waiting for it:", client.getpeername() == server.getsockname())
    peer, _ = server.accept()
    with client, peer:
        show("negative: recv on the accepted socket:", lambda: peer.recv(10))
        twin = client.dup()
        client.setsockopt(SOL, RCV, NEGATIVE)
        show("negative: recv on a duplicate:", lambda: twin.recv(10))
        show("negative: recv_into:", lambda: client.recv_into(bytearray(10)))
        peer.sendall(b"hello")
        show("negative: recv with bytes there:", lambda: client.recv(10))
        show("negative: send past the buffer:", lambda: "partial" if 0 < client.send(b"x" * (64 << 20)) < 64 << 20 else "whole")
        show("negative: sendall to a full buffer:", lambda: client.sendall(b"x" * (1 << 20)))
        twin.setsockopt(SOL, RCV, timeval(LIMIT))
        show("a limit again, on the duplicate:", lambda: client.recv(10))
        twin.close()
with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as u:
    u.bind(("::", 0))
    u.setsockopt(SOL, RCV, NEGATIVE)
    show("negative: recvfrom on ::", lambda: u.recvfrom(10))

# A listener whose backlog is full drops the next SYN, so that connect waits for the retry.
with socket.socket() as server, socket.socket() as late:
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    first = socket.create_connection(server.getsockname())
    late.setsockopt(SOL, SND, timeval(LIMIT))
    show("connect to a full backlog:", lambda: late.connect(server.getsockname()))
    show("connect again while it is on its way:", lambda: late.connect(server.getsockname()))
    # With no limit, a blocking connect of a connection on its way waits for it, as the kernel's does:
    # room in the backlog lets the kernel's SYN retry through, about a second after the first.
    late.setsockopt(SOL, SND, timeval(0))
    accepted, _ = server.accept()
    late.connect(server.getsockname())
    print("connect again with no limit:", late.getpeername() == server.getsockname())
    show("connect once connected:", lambda: late.connect(server.getsockname()))
    first.close()
    accepted.close()

for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::")):
    with socket.socket(family, socket.SOCK_DGRAM) as u:
        u.bind((host, 0))
        u.setsockopt(SOL, RCV, timeval(LIMIT))
        show(f"recvfrom on {host}:", lambda: u.recvfrom(10))
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"datagram", ("127.0.0.1", u.getsockname()[1]))
        show(f"recvfrom on {host} with a datagram there:", lambda: u.recvfrom(10)[0])

# os.read and os.write on a blocking socket's number end at the limits too, as read(2) and write(2) do.
import os  # noqa: E402

reader, writer = socket.socketpair()
reader.setsockopt(SOL, RCV, timeval(LIMIT))
show("os.read:", lambda: os.read(reader.fileno(), 10))
writer.setsockopt(SOL, SND, timeval(LIMIT))
sent = []


def fill():
    for _ in range(1000):
        sent.append(os.write(writer.fileno(), b"w" * (1 << 20)))


show("os.write until full:", fill)
print("os.write sent some bytes first:", sum(sent) > 0)
reader.close()
writer.close()
