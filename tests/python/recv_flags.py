"""Every receive method x every MSG_* flag x TCP, UDP and socketpair x buffers below, at and above
the queued data, printed so that native CPython's transcript is the expected one.

Buffers for the *_into methods are filled with a pattern first, so a byte the kernel did not write
shows. recv() and recvfrom() with MSG_TRUNC return a bytes object as long as the kernel's count,
longer than what it wrote; CPython leaves that tail as its allocator had it, so only the written
part is printed (nothing on TCP, which discards; what fit on a datagram socket).

With --split-peer PORT, it also receives with MSG_WAITALL from tests/python/paced_peer.py (split-send), whose
bytes arrive in two parts: a blocking receive waits for both (one connection per method).

usage: recv_flags.py [--split-peer PORT] METHOD...   (recv recv_into recvfrom recvfrom_into)
"""
import errno
import select
import socket
import sys

DATA = b"abcdefgh"
SIZES = (3, len(DATA), 16)
PATTERN = b"." * 24
FLAGS = sorted(name for name in dir(socket) if name.startswith("MSG_"))
COMBINATIONS = [("MSG_PEEK", "MSG_TRUNC"), ("MSG_PEEK", "MSG_WAITALL"), ("MSG_DONTWAIT", "MSG_TRUNC")]


def pair(kind):
    """(sender, receiver) with DATA queued at the receiver; a stream's sender has shut its side,
    so MSG_WAITALL on a larger buffer ends at the end of the stream instead of waiting."""
    if kind == "tcp":
        with socket.create_server(("127.0.0.1", 0)) as listener:
            sender = socket.create_connection(listener.getsockname())
            receiver, _ = listener.accept()
    elif kind == "udp":
        receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        receiver.bind(("127.0.0.1", 0))
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.connect(receiver.getsockname())
    else:
        sender, receiver = socket.socketpair()
    sender.send(DATA)
    if kind != "udp":
        sender.shutdown(socket.SHUT_WR)
    ready, _, _ = select.select([receiver], [], [], 5)
    assert ready, "the data never arrived"
    return sender, receiver


def written(kind, flags, size, data):
    """The part of recv()'s result the kernel wrote."""
    if flags & socket.MSG_TRUNC and kind != "unix":
        return data[:0] if kind == "tcp" else data[:size]
    return data


def receive(method, kind, s, size, flags):
    if method == "recv":
        data = s.recv(size, flags)
        return len(data), written(kind, flags, size, data)
    if method == "recvfrom":
        data, address = s.recvfrom(size, flags)
        return len(data), written(kind, flags, size, data), address and address[0]
    buffer = bytearray(PATTERN)
    if method == "recv_into":
        return s.recv_into(buffer, size, flags), bytes(buffer)
    n, address = s.recvfrom_into(buffer, size, flags)
    return n, bytes(buffer), address and address[0]


def left(s):
    """What the receive left queued (for PEEK, TRUNC and datagram boundaries)."""
    try:
        return s.recv(100, socket.MSG_DONTWAIT)
    except BlockingIOError:
        return "EAGAIN"


def wait_for_all(methods, port):
    for method in methods:
        with socket.create_connection(("127.0.0.1", port)) as s:
            result = receive(method, "tcp", s, len(DATA), socket.MSG_WAITALL)
            select.select([s], [], [], 5)  # the peer's close
            print("split", method, result, left(s))


def main(methods):
    cases = [("0", 0)] + [(name, getattr(socket, name)) for name in FLAGS]
    cases += [("|".join(c), getattr(socket, c[0]) | getattr(socket, c[1])) for c in COMBINATIONS]
    for kind in ("tcp", "udp", "unix"):
        for label, flags in cases:
            for method in methods:
                for size in SIZES:
                    sender, receiver = pair(kind)
                    with sender, receiver:
                        try:
                            result = receive(method, kind, receiver, size, flags)
                        except OSError as e:
                            # Names, not numbers: inside the sandbox errno has wasi-libc's numbers.
                            result = f"{type(e).__name__} {errno.errorcode[e.errno]} {e.strerror}"
                        print(kind, label, method, size, result, left(receiver))


if sys.argv[1] == "--split-peer":
    wait_for_all(sys.argv[3:], int(sys.argv[2]))
else:
    main(sys.argv[1:])
