"""connect() to an AF_UNIX listener whose backlog is full (tests/python/unix_backlog_peer.py, whose
folder is the argument): a non-blocking socket's and one with a timeout fail at once with EAGAIN,
as CPython's do; a blocking one waits for room, for at most its SO_SNDTIMEO, and connects once the
listener accepts. tests/tests/sandbox.rs compares this with native CPython."""
import errno
import os
import socket
import struct
import sys
import time

folder = sys.argv[1]
full = os.path.join(folder, "full.sock")
first = socket.socket(socket.AF_UNIX)
first.connect(full)  # the backlog's one place


def attempt(label, sock):
    started = time.monotonic()
    try:
        sock.connect(full)
        result = "connected"
    except OSError as e:
        result = f"{type(e).__name__} {errno.errorcode[e.errno]}"
    waited = time.monotonic() - started
    span = "under 0.1 s" if waited < 0.1 else "0.2 to 2 s" if 0.2 <= waited < 2 else f"{waited:.2f} s"
    print(f"{label}: {result}, waited {span}")


s = socket.socket(socket.AF_UNIX)
s.setblocking(False)
attempt("non-blocking", s)
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
attempt("with a timeout", s)
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 0, 300_000))
attempt("blocking, SO_SNDTIMEO 0.3 s", s)
s = socket.socket(socket.AF_UNIX)
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"0.4", os.path.join(folder, "wake.sock"))
attempt("blocking, accepted after 0.4 s", s)
for conn, text in ((first, b"first"), (s, b"second")):
    conn.sendall(text)
    print("echoed", conn.recv(100))
