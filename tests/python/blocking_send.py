"""Sends larger than the kernel's socket buffer, to a peer that reads only after a pause
(paced_peer.py slow-read, whose port is the argument): on a blocking socket, send() and sendmsg() return the
whole length, as send(2) waits for room on Linux; with a timeout, send() returns what fitted."""
import socket
import sys

BIG = 32 << 20
peer = ("127.0.0.1", int(sys.argv[1]))
payload = b"x" * BIG


def through(label, send, timeout=None):
    with socket.create_connection(peer) as s:
        s.settimeout(timeout)
        sent = send(s)
        s.settimeout(60)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while len(got) < 8 and (part := s.recv(8 - len(got))):
            got += part
        print(label, "whole" if sent == BIG else "partial" if 0 < sent < BIG else sent, int.from_bytes(got, "big") == sent)


through("send, blocking:", lambda s: s.send(payload))
through("sendmsg, blocking:", lambda s: s.sendmsg([payload[: BIG // 2], payload[BIG // 2 :]]))
through("send, with a timeout:", lambda s: s.send(payload), timeout=5)
through("sendall, with a timeout:", lambda s: s.sendall(payload) or BIG, timeout=5)
