"""Receives of large buffers (which pysock's host has the kernel write straight into the sandbox's
memory) on TCP, UDP and socketpair, printed so that native CPython's transcript is the expected one:
what arrives, that a peek leaves it queued, that recv_into writes only what came, datagrams
whole or cut, empty datagrams, and the end of a stream after the data.
"""
import socket
import zlib

BIG = 1 << 20


def stream_pair(kind):
    if kind == "tcp":
        with socket.create_server(("127.0.0.1", 0)) as listener:
            sender = socket.create_connection(listener.getsockname())
            receiver, _ = listener.accept()
        return sender, receiver
    return socket.socketpair()


def receive_exactly(sock, n, method):
    """n bytes through `method`, with buffers larger than what is queued."""
    got = bytearray()
    while len(got) < n:
        if method == "recv":
            part = sock.recv(BIG)
        else:
            buffer = bytearray(b"." * BIG)
            count = sock.recv_into(buffer)
            assert buffer[count:] == b"." * (BIG - count), "recv_into wrote past its count"
            part = buffer[:count]
        assert part, "the stream ended early"
        got += part
    return bytes(got)


for kind in ("tcp", "socketpair"):
    for method in ("recv", "recv_into"):
        sender, receiver = stream_pair(kind)
        payload = bytes(range(256)) * 400  # 102,400 bytes: more than one receive's worth on a socketpair
        sender.sendall(payload)
        peeked = receiver.recv(BIG, socket.MSG_PEEK)
        print(kind, method, "peek is a prefix:", payload.startswith(peeked) and len(peeked) > 0)
        got = receive_exactly(receiver, len(payload), method)
        print(kind, method, "received", len(got), "crc", zlib.crc32(got))
        sender.sendall(b"tail" * 5000)
        sender.close()
        rest = b""
        while True:
            part = receiver.recv(BIG)
            if not part:
                break
            rest += part
        print(kind, method, "after close:", len(rest), rest[:8], "then", receiver.recv(BIG))
        receiver.close()

receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
receiver.bind(("127.0.0.1", 0))
sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sender.connect(receiver.getsockname())
for size in (30000, 0, 40000, 17):
    sender.send(bytes([size % 251]) * size)
print("udp whole:", len(receiver.recv(65536)))
print("udp empty:", receiver.recv(65536))
cut = receiver.recv(20000)
print("udp cut:", len(cut), "next is the next datagram:", receiver.recv(65536) == bytes([17]) * 17)
buffer = bytearray(b"." * 70000)
sender.send(b"x" * 50000)
count = receiver.recv_into(buffer, 65536)
print("udp recv_into:", count, buffer[count:count + 3], buffer.count(b"x"))
sender.close()
receiver.close()
