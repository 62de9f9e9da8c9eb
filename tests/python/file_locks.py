"""fcntl.flock and fcntl.lockf, which WASI CPython lacks (the stdlib's mailbox locks with lockf
whenever fcntl imports): locks between two opens of one file, the kernel's errors, sockets, pipes
and /dev/null, and locks against another process of the machine (tests/python/lock_holder.py,
native, at the port given): each side's lock refuses the other's, a blocking lock waits for the
other's release, a signal handler runs during that wait and its exception ends it, as python3's.
Arguments: a writable folder, the holder's port (its file is FOLDER/shared). tests/tests/sandbox.rs
compares this with native CPython."""
import errno
import fcntl
import mailbox
import os
import signal
import socket
import sys
import time

folder, port = sys.argv[1], int(sys.argv[2])


def attempt(label, f, *args):
    try:
        result = f(*args)
    except (OSError, ValueError, TypeError, OverflowError) as e:
        code = errno.errorcode.get(getattr(e, "errno", None) or 0, "")
        result = f"{type(e).__name__} {code}".rstrip()
    print(f"{label}: {result}")


print("constants:", fcntl.LOCK_SH, fcntl.LOCK_EX, fcntl.LOCK_NB, fcntl.LOCK_UN)
path = os.path.join(folder, "own")
with open(path, "w") as f:
    f.write("x" * 100)
r, w, rw = os.open(path, os.O_RDONLY), os.open(path, os.O_WRONLY), os.open(path, os.O_RDWR)
print("-- flock: two opens of one file exclude each other")
attempt("r EX", fcntl.flock, r, fcntl.LOCK_EX)
attempt("rw EX|NB", fcntl.flock, rw, fcntl.LOCK_EX | fcntl.LOCK_NB)
attempt("rw SH|NB", fcntl.flock, rw, fcntl.LOCK_SH | fcntl.LOCK_NB)
attempt("r EX again (the same open)", fcntl.flock, r, fcntl.LOCK_EX | fcntl.LOCK_NB)
attempt("r UN", fcntl.flock, r, fcntl.LOCK_UN)
attempt("rw SH|NB", fcntl.flock, rw, fcntl.LOCK_SH | fcntl.LOCK_NB)
attempt("w SH|NB", fcntl.flock, w, fcntl.LOCK_SH | fcntl.LOCK_NB)
attempt("w EX|NB", fcntl.flock, w, fcntl.LOCK_EX | fcntl.LOCK_NB)
for fd in (rw, w):
    fcntl.flock(fd, fcntl.LOCK_UN)
with open(path) as f:
    attempt("a file object", fcntl.flock, f, fcntl.LOCK_SH)
for op in (0, 3, fcntl.LOCK_NB, -1):
    attempt(f"operation {op}", fcntl.flock, r, op)
attempt("a closed number", fcntl.flock, 999, fcntl.LOCK_EX)
attempt("-1", fcntl.flock, -1, fcntl.LOCK_EX)
attempt("a str", fcntl.flock, "x", fcntl.LOCK_EX)
print("-- lockf: record locks, the process's own")
attempt("r EX", fcntl.lockf, r, fcntl.LOCK_EX)
attempt("w SH", fcntl.lockf, w, fcntl.LOCK_SH)
attempt("w EX", fcntl.lockf, w, fcntl.LOCK_EX)
attempt("rw EX|NB (the same process)", fcntl.lockf, rw, fcntl.LOCK_EX | fcntl.LOCK_NB)
attempt("r SH", fcntl.lockf, r, fcntl.LOCK_SH)
attempt("r UN", fcntl.lockf, r, fcntl.LOCK_UN)
attempt("a range", fcntl.lockf, rw, fcntl.LOCK_EX, 10, 5, 0)
os.lseek(rw, 20, os.SEEK_SET)
attempt("from the position", fcntl.lockf, rw, fcntl.LOCK_EX, 10, 5, os.SEEK_CUR)
attempt("from the end", fcntl.lockf, rw, fcntl.LOCK_EX, 0, -10, os.SEEK_END)
for args in ((0,), (fcntl.LOCK_NB,), (fcntl.LOCK_UN | fcntl.LOCK_NB,), (fcntl.LOCK_EX, 10, 5, 9),
             (fcntl.LOCK_EX, 10, -5, 0), (fcntl.LOCK_EX, 2**63), (fcntl.LOCK_EX, 1.5)):
    attempt(f"lockf{args}", fcntl.lockf, rw, *args)
attempt("a closed number", fcntl.lockf, 999, fcntl.LOCK_EX)
print("-- sockets, pipes and /dev/null")
a, b = socket.socketpair()
attempt("flock a socket", fcntl.flock, a, fcntl.LOCK_EX)
attempt("lockf a socket", fcntl.lockf, a, fcntl.LOCK_EX)
pr, pw = os.pipe()
attempt("flock a pipe", fcntl.flock, pr, fcntl.LOCK_EX | fcntl.LOCK_NB)
attempt("lockf a pipe's write end", fcntl.lockf, pw, fcntl.LOCK_EX | fcntl.LOCK_NB)
attempt("lockf EX a pipe's read end", fcntl.lockf, pr, fcntl.LOCK_EX | fcntl.LOCK_NB)
null = os.open(os.devnull, os.O_RDWR)
attempt("flock /dev/null", fcntl.flock, null, fcntl.LOCK_EX | fcntl.LOCK_NB)
attempt("lockf /dev/null", fcntl.lockf, null, fcntl.LOCK_EX | fcntl.LOCK_NB)
for fd in (r, w, rw, pr, pw, null):
    os.close(fd)

print("-- against another process")
holder = socket.create_connection(("127.0.0.1", port), timeout=30)
answers = holder.makefile("r")


def ask(request):
    holder.sendall(request.encode() + b"\n")
    return answers.readline().strip()


shared = os.open(os.path.join(folder, "shared"), os.O_RDWR)
for kind, lock in (("flock", fcntl.flock), ("lockf", fcntl.lockf)):
    print(kind, "theirs:", ask(f"{kind} EX"))
    attempt(f"{kind} EX|NB while they hold it", lock, shared, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print(kind, "they release:", ask("release"))
    attempt(f"{kind} EX|NB", lock, shared, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print(kind, "theirs while we hold it:", ask(f"try {kind} SH"))
    lock(shared, fcntl.LOCK_UN)
    print(kind, "theirs once we let go:", ask(f"try {kind} SH"))
    # A blocking lock waits for their release.
    print(kind, "theirs:", ask(f"{kind} EX"), ask("release after 0.3"))
    t = time.monotonic()
    lock(shared, fcntl.LOCK_EX)
    print(kind, "waited for their release:", 0.2 < time.monotonic() - t < 10)
    lock(shared, fcntl.LOCK_UN)

print("-- a signal while a lock waits")
ran = []
signal.signal(signal.SIGALRM, lambda signum, frame: ran.append(signum))
print("theirs:", ask("flock EX"), ask("release after 0.5"))
signal.setitimer(signal.ITIMER_REAL, 0.1)
fcntl.flock(shared, fcntl.LOCK_EX)
print("the handler ran and the lock went on waiting:", ran)
fcntl.flock(shared, fcntl.LOCK_UN)


def watchdog(signum, frame):
    raise TimeoutError("watchdog")


signal.signal(signal.SIGALRM, watchdog)
print("theirs:", ask("lockf EX"))
signal.setitimer(signal.ITIMER_REAL, 0.2)
t = time.monotonic()
attempt("lockf ended by its handler", fcntl.lockf, shared, fcntl.LOCK_EX)
print("after", 0.1 < time.monotonic() - t < 10, ask("release"))
try:
    fcntl.lockf(shared, fcntl.LOCK_EX)
except TimeoutError as e:
    print("not reached", e)
signal.setitimer(signal.ITIMER_REAL, 0)
fcntl.lockf(shared, fcntl.LOCK_UN)
os.close(shared)
holder.close()

print("-- mailbox locks with lockf")
box = mailbox.mbox(os.path.join(folder, "box"))
box.lock()
box.add(mailbox.mboxMessage("From: someone@example.com\n\nhello\n"))
box.flush()
box.unlock()
print(len(box), [m["From"] for m in box])
box.close()
