"""A native process that takes and gives back locks on one file when asked, the other process for
tests/python/file_locks.py. Prints its loopback port, serves one connection, and ends when it
closes. Each request is a line: "flock EX", "lockf EX", "try flock EX", "try lockf SH", "release",
"release after 0.3"; the answer is "ok", or the errno's name when a lock was refused."""
import errno
import fcntl
import os
import socket
import sys
import threading
import time

path = sys.argv[1]
fd = os.open(path, os.O_RDWR | os.O_CREAT)
server = socket.create_server(("127.0.0.1", 0))
server.settimeout(60)
print(server.getsockname()[1], flush=True)
conn, _ = server.accept()
conn.settimeout(60)
lines = conn.makefile("r")
bits = {"SH": fcntl.LOCK_SH, "EX": fcntl.LOCK_EX}


def release():
    fcntl.flock(fd, fcntl.LOCK_UN)
    fcntl.lockf(fd, fcntl.LOCK_UN)


timer = None
for line in lines:
    # A release on a timer gives back flock's lock, then lockf's: the other side may wake on the
    # first and send its next request before the second is done, and that request's lock must
    # not be given back by the timer's late step.
    if timer is not None:
        timer.join()
        timer = None
    words = line.split()
    try:
        if words[0] == "release" and len(words) == 3:
            timer = threading.Timer(float(words[2]), release)
            timer.start()
        elif words[0] == "release":
            release()
        else:
            trying = words[0] == "try"
            kind, mode = words[-2], bits[words[-1]] | (fcntl.LOCK_NB if trying else 0)
            if trying:
                # Asked from another open of the file, as a second process would: this one's own
                # flock lock would not stand in its way.
                other = os.open(path, os.O_RDWR)
                try:
                    (fcntl.flock if kind == "flock" else fcntl.lockf)(other, mode)
                finally:
                    os.close(other)
            else:
                (fcntl.flock if kind == "flock" else fcntl.lockf)(fd, mode)
        answer = "ok"
    except OSError as e:
        answer = errno.errorcode[e.errno]
    conn.sendall(answer.encode() + b"\n")
