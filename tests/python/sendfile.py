"""os.sendfile, which WASI CPython lacks, and what runs on it: its arguments and Linux's refusals in
Linux's order, a file's position with offset None, a non-blocking socket filling up, socket.sendfile
through a blocking socket and one with a timeout, and asyncio's sock_sendfile and sendfile. And
os.pread, which sendfile reads a file at an offset with (WASI's libc's own pread corrupted the
interpreter's memory when a read failed).
tests/tests/sandbox.rs compares this with native CPython."""
import asyncio
import errno
import os
import socket
import struct
import tempfile


def attempt(label, f, *args, **kw):
    try:
        result = f(*args, **kw)
    except (OSError, ValueError, TypeError, OverflowError, MemoryError) as e:
        code = errno.errorcode.get(getattr(e, "errno", None) or 0, "")
        result = f"{type(e).__name__} {code} {e.args[-1] if code else e}".rstrip()
    print(f"{label}: {result}")


scratch = tempfile.mkdtemp()


def file_of(name, data):
    path = os.path.join(scratch, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


print("-- os.sendfile")
a, b = socket.socketpair()
path = file_of("digits", b"0123456789" * 10)
fd = os.open(path, os.O_RDONLY)
attempt("offset 5, count 10", os.sendfile, a.fileno(), fd, 5, 10)
print("received:", b.recv(100), "position:", os.lseek(fd, 0, os.SEEK_CUR))
attempt("offset None, count 7", os.sendfile, a.fileno(), fd, None, 7)
print("received:", b.recv(100), "position:", os.lseek(fd, 0, os.SEEK_CUR))
attempt("by keyword", lambda: os.sendfile(out_fd=a.fileno(), in_fd=fd, offset=0, count=3))
print("received:", b.recv(100))
attempt("count beyond the file", os.sendfile, a.fileno(), fd, 90, 2**40)
print("received:", b.recv(100))
attempt("at the end", os.sendfile, a.fileno(), fd, 100, 10)
attempt("beyond the end", os.sendfile, a.fileno(), fd, 1000, 10)
attempt("count 0", os.sendfile, a.fileno(), fd, 0, 0)
attempt("negative offset", os.sendfile, a.fileno(), fd, -1, 10)
attempt("negative count", os.sendfile, a.fileno(), fd, 0, -1)
attempt("count 2**63", os.sendfile, a.fileno(), fd, 0, 2**63)
attempt("offset 2**63", os.sendfile, a.fileno(), fd, 2**63, 1)
attempt("offset str", os.sendfile, a.fileno(), fd, "x", 1)
attempt("offset float", os.sendfile, a.fileno(), fd, 1.5, 1)
attempt("out_fd str", os.sendfile, "x", fd, 0, 1)
attempt("out_fd 2**40", os.sendfile, 2**40, fd, 0, 1)
attempt("a socket as the file, at an offset", os.sendfile, a.fileno(), b.fileno(), 0, 1)
attempt("a socket as the file", os.sendfile, a.fileno(), b.fileno(), None, 1)
r, w = os.pipe()
attempt("a pipe's read end as the file", os.sendfile, a.fileno(), r, None, 1)
attempt("a pipe's write end as the file", os.sendfile, a.fileno(), w, None, 1)
attempt("into a pipe's write end", os.sendfile, w, fd, 0, 4)
print("through the pipe:", os.read(r, 10))
attempt("into a pipe's read end", os.sendfile, r, fd, 0, 4)
copy = os.open(os.path.join(scratch, "copy"), os.O_WRONLY | os.O_CREAT)
attempt("into a file", os.sendfile, copy, fd, 0, 4)
os.close(copy)
print("the file has:", open(os.path.join(scratch, "copy"), "rb").read())
write_only = os.open(path, os.O_WRONLY)
attempt("a write-only file as the file", os.sendfile, a.fileno(), write_only, 0, 4)
folder = os.open(scratch, os.O_RDONLY)
attempt("a folder as the file", os.sendfile, a.fileno(), folder, 0, 4)
null = os.open(os.devnull, os.O_RDWR)
attempt("/dev/null as the file", os.sendfile, a.fileno(), null, 0, 4)
attempt("into /dev/null", os.sendfile, null, fd, 0, 4)
for n in (write_only, folder, null):
    os.close(n)
gone = socket.socket()
number = gone.fileno()
gone.close()
attempt("a closed file", os.sendfile, a.fileno(), number, 0, 4)
attempt("into a closed socket", os.sendfile, number, fd, 0, 4)

print("-- os.pread, which sendfile reads a file at an offset with")
os.lseek(fd, 7, os.SEEK_SET)
attempt("3 bytes at 5", os.pread, fd, 3, 5)
attempt("then the position", os.lseek, fd, 0, os.SEEK_CUR)
attempt("past the end", os.pread, fd, 3, 1000)
attempt("length 0", os.pread, fd, 0, 0)
attempt("length 2**31", lambda: len(os.pread(fd, 2**31, 95)))
attempt("length 2**40", os.pread, fd, 2**40, 0)
attempt("negative length", os.pread, fd, -1, 0)
attempt("negative offset", os.pread, fd, 3, -1)
attempt("offset 2**63", os.pread, fd, 3, 2**63)
attempt("offset float", os.pread, fd, 3, 1.5)
attempt("by keyword", lambda: os.pread(fd=fd, length=3, offset=0))
write_only, folder, null = os.open(path, os.O_WRONLY), os.open(scratch, os.O_RDONLY), os.open(os.devnull, os.O_RDWR)
# A read that fails, again and again: WASI's libc's own pread corrupted memory on each.
for _ in range(3):
    attempt("a write-only file", os.pread, write_only, 3, 0)
    attempt("a write-only file, length 0", os.pread, write_only, 0, 0)
    attempt("a write-only file, negative offset", os.pread, write_only, 3, -1)
    attempt("a folder", os.pread, folder, 3, 0)
attempt("/dev/null", os.pread, null, 3, 0)
attempt("a socket", os.pread, a.fileno(), 3, 0)
attempt("a pipe's read end", os.pread, r, 3, 0)
attempt("a pipe's write end", os.pread, w, 3, 0)
attempt("a pipe, negative offset", os.pread, r, 3, -1)
attempt("a closed number", os.pread, number, 3, 0)
attempt("a closed number, negative length", os.pread, number, -1, 0)
attempt("a write-only file as sendfile's file, again", os.sendfile, a.fileno(), write_only, 0, 4)
for n in (write_only, folder, null):
    os.close(n)
b.close()
attempt("to a closed peer", os.sendfile, a.fileno(), fd, 0, 4)
a.close()
unconnected = socket.socket()
attempt("into an unconnected TCP socket", os.sendfile, unconnected.fileno(), fd, 0, 3)
unconnected.close()
datagram = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
attempt("into an unconnected UDP socket", os.sendfile, datagram.fileno(), fd, 0, 3)
datagram.close()
c, d = socket.socketpair()
c.shutdown(socket.SHUT_WR)
attempt("after SHUT_WR", os.sendfile, c.fileno(), fd, 0, 4)
attempt("after SHUT_WR, at the end", os.sendfile, c.fileno(), fd, 100, 4)
attempt("after SHUT_WR, count 0", os.sendfile, c.fileno(), fd, 0, 0)
c.close()
d.close()

print("-- a non-blocking socket fills up")
big = os.open(file_of("big", b"y" * (8 << 20)), os.O_RDONLY)
c, d = socket.socketpair()
c.setblocking(False)
total = 0
for _ in range(1000):
    try:
        total += os.sendfile(c.fileno(), big, None, 1 << 20)
    except BlockingIOError:
        print("BlockingIOError after some bytes:", total > 0, "position at what was sent:", os.lseek(big, 0, os.SEEK_CUR) == total)
        break
c.close()
d.close()
os.close(big)

print("-- a blocking socket waits, up to SO_SNDTIMEO")
big = os.open(os.path.join(scratch, "big"), os.O_RDONLY)
c, d = socket.socketpair()
c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("qq", 0, 200_000))
total = 0
for _ in range(1000):
    try:
        total += os.sendfile(c.fileno(), big, None, 1 << 20)
    except BlockingIOError:
        print("BlockingIOError after waiting, some bytes sent:", total > 0,
              "position at what was sent:", os.lseek(big, 0, os.SEEK_CUR) == total)
        break
c.close()
d.close()
os.close(big)

print("-- socket.sendfile")
payload = bytes(range(256)) * (3 * 4096 + 7)
payload_path = file_of("payload", payload)


def received(sock, size):
    got = bytearray()
    while len(got) < size:
        chunk = sock.recv(size - len(got))
        if not chunk:
            break
        got += chunk
    return bytes(got)


for timeout in (None, 5.0):
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname(), timeout=timeout)
    peer, _ = server.accept()
    # 200,000 bytes fit in loopback's buffers, so one thread can send them all before reading.
    with open(payload_path, "rb") as f:
        sent = client.sendfile(f, 1000, 200_000)
        print(f"timeout {timeout}: sent", sent, "file position", f.tell(),
              "received intact:", received(peer, sent) == payload[1000:201_000])
    client.close()
    peer.close()
    server.close()
client, peer = socket.socketpair()
client.setblocking(False)
with open(payload_path, "rb") as f:
    attempt("a non-blocking socket", client.sendfile, f)
client.close()
peer.close()

print("-- asyncio")


async def through_asyncio():
    loop = asyncio.get_running_loop()
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    client = socket.socket()
    client.setblocking(False)
    await loop.sock_connect(client, server.getsockname())
    peer, _ = await loop.sock_accept(server)

    async def drain(size):
        got = bytearray()
        while len(got) < size:
            chunk = await loop.sock_recv(peer, 1 << 16)
            if not chunk:
                break
            got += chunk
        return bytes(got)

    with open(payload_path, "rb") as f:
        draining = loop.create_task(drain(len(payload)))
        sent = await loop.sock_sendfile(client, f)
        print("sock_sendfile sent", sent, "received intact:", await draining == payload)
    client.close()
    peer.close()
    server.close()

    got = bytearray()
    done = loop.create_future()

    class Receiver(asyncio.Protocol):
        def data_received(self, data):
            got.extend(data)
            if len(got) >= 500_000:
                done.set_result(None)

    listener = await loop.create_server(Receiver, "127.0.0.1", 0)
    transport, _ = await loop.create_connection(asyncio.Protocol, *listener.sockets[0].getsockname()[:2])
    with open(payload_path, "rb") as f:
        sent = await loop.sendfile(transport, f, 12_345, 500_000)
    await asyncio.wait_for(done, 10)
    print("loop.sendfile sent", sent, "received intact:", bytes(got) == payload[12_345:512_345])
    transport.close()
    listener.close()
    await listener.wait_closed()


asyncio.run(through_asyncio())

# Argument Clinic's words for missing, extra and doubled arguments.
for label, call in [("no arguments", lambda: os.sendfile()), ("one", lambda: os.sendfile(1)),
                    ("three", lambda: os.sendfile(1, 2, 3)), ("five", lambda: os.sendfile(1, 2, 3, 4, 5)),
                    ("by keyword, one missing", lambda: os.sendfile(out_fd=1, in_fd=2, offset=0)),
                    ("a keyword twice", lambda: os.sendfile(1, 2, None, count=4, out_fd=1))]:
    try:
        call()
    except TypeError as e:
        print(f"{label}: TypeError {e}")
