"""AF_UNIX sockets bound to and connected by path, in a folder the program may write: names as
bind() was given them (relative, absolute, bytes), what getsockname, getpeername and accept report
on each side, streams and datagrams through them (sendto a path, and recvfrom's sender's name,
socketserver's UnixDatagramServer replying by it), sequenced packets, and the kernel's errors (a
path in use, nothing there, a regular file, a missing folder, a name too long, the longest that is
not, a name ending in a slash, a `..` after a folder that is not there), the type os.stat and
os.lstat give a socket file, and asyncio serving on a path an earlier server left. Arguments: the
folder; then, optionally, the path of a native echo server (tests/python/unix_peer.py) to talk to
as its client. tests/tests/sandbox.rs compares this with native CPython.

With `--refusals READ-ONLY-FOLDER`, in the sandbox only: what its policy refuses, as PermissionError
(paths outside its folders, in a folder it may only read, through a symbolic link leading out,
abstract names, for bind, connect and sendto), and a link that stays inside, which works."""
import errno
import asyncio
import os
import socket
import stat
import sys



def attempt(label, f, *args):
    try:
        result = f(*args)
    except OSError as e:
        result = f"{type(e).__name__} {errno.errorcode.get(e.errno or 0, '')} {e.args[-1] if e.errno is None else ''}"
    except TypeError as e:
        result = f"TypeError {e}"
    print(f"{label}: {result}")


if sys.argv[1] == "--refusals":
    import tempfile
    own = tempfile.mkdtemp()
    os.mkdir(os.path.join(own, "inner"))
    os.symlink("inner", os.path.join(own, "within"))
    os.symlink("../" * 12 + "tmp", os.path.join(own, "out"))
    s = socket.socket(socket.AF_UNIX)
    attempt("outside the folders", s.bind, "/pysock-outside.sock")
    attempt("a read-only folder", s.bind, os.path.join(sys.argv[2], "pysock-read-only.sock"))
    attempt("a link out, bind", s.bind, os.path.join(own, "out", "pysock-escaped.sock"))
    attempt("a link out, connect", s.connect, os.path.join(own, "out"))
    attempt("an abstract name", s.bind, b"\0pysock")
    attempt("autobinding one", s.bind, "")
    attempt("listen unbound", s.listen)
    attempt("connect to an abstract name", s.connect, b"\0pysock")
    attempt("sendto outside the folders", socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto, b"x", "/pysock-outside.sock")
    attempt("sendto an abstract name", socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto, b"x", b"\0pysock")
    attempt("a link within, bind", s.bind, os.path.join(own, "within", "ok.sock"))
    s.listen()
    c = socket.socket(socket.AF_UNIX)
    attempt("a link within, connect", c.connect, os.path.join(own, "within", "ok.sock"))
    print("names:", s.getsockname() == os.path.join(own, "within", "ok.sock"), c.getpeername() == s.getsockname())
    try:
        socket.socket(socket.AF_UNIX).bind("/pysock-outside.sock")
    except PermissionError as e:
        print("why:", e.strerror)
    sys.exit()

folder = sys.argv[1]
os.chdir(folder)


def file_types(path):
    """What os.stat and os.lstat say `path` is, as the stdlib asks (asyncio's stale-socket check)."""
    for stat_of in (os.stat, os.lstat):
        mode = stat_of(path).st_mode
        kinds = [k for k in ("SOCK", "REG", "DIR", "FIFO", "LNK") if getattr(stat, "S_IS" + k)(mode)]
        print(f"{stat_of.__name__}({path!r}):", kinds)


def names(label, s):
    print(label, "getsockname", repr(s.getsockname()))
    try:
        print(label, "getpeername", repr(s.getpeername()))
    except OSError as e:
        print(label, "getpeername", type(e).__name__, errno.errorcode[e.errno])


print("-- a stream server bound by a relative name, a client by the absolute path")
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
names("unbound", server)
server.bind("relative.sock")
server.listen()
names("server", server)
print("a socket file:", os.path.exists("relative.sock"), sorted(os.listdir(".")))
file_types("relative.sock")
client = socket.socket(socket.AF_UNIX)
client.connect(os.path.join(folder, "relative.sock"))
conn, address = server.accept()
print("accept's address", repr(address))
names("client", client)
names("accepted", conn)
client.sendall(b"x" * 100_000)
client.shutdown(socket.SHUT_WR)
got = bytearray()
while chunk := conn.recv(65536):
    got += chunk
conn.sendall(bytes(got[:10]))
print("through the path:", len(got), client.recv(100))
for s in (client, conn):
    s.close()

print("-- a client bound to a path of its own, by bytes")
bound = socket.socket(socket.AF_UNIX)
bound.bind(os.fsencode(os.path.join(folder, "client.sock")))
names("bound client", bound)
bound.connect("relative.sock")
conn, address = server.accept()
print("accept's address", repr(address))
names("accepted", conn)
for s in (bound, conn):
    s.close()

print("-- the kernel's errors")
again = socket.socket(socket.AF_UNIX)
attempt("bind a path in use", again.bind, "relative.sock")
attempt("bind in a missing folder", again.bind, "missing/x.sock")
attempt("bind a name too long", again.bind, "x" * 108)
attempt("bind a name of 80", again.bind, "y" * 80)
longest = socket.socket(socket.AF_UNIX)
attempt("bind a name of 106", longest.bind, "w" * 106)
longest.listen()
reaching = socket.socket(socket.AF_UNIX)
attempt("connect to it", reaching.connect, "w" * 106)
print("its names:", longest.getsockname() == "w" * 106, reaching.getpeername() == "w" * 106)
taken = socket.socket(socket.AF_UNIX)
attempt("bind it again", taken.bind, "w" * 106)
print("in the folder:", sorted(name[:3] for name in os.listdir(".") if name.startswith(("w", "."))))
for s in (longest, reaching, taken):
    s.close()
os.unlink("w" * 106)
os.mkdir("a-folder")
for name in ("not-there/", "not-there/.", "a-folder/", "a-folder/."):
    with socket.socket(socket.AF_UNIX) as s:
        attempt(f"bind {name!r}", s.bind, name)
# The kernel walks each `..` back from a folder it found, so the folder must be there.
for name in ("not-there/../dots.sock", "a-folder/not-there/../../dots.sock", "a-folder/../dots.sock"):
    with socket.socket(socket.AF_UNIX) as s:
        attempt(f"bind {name!r}", s.bind, name)
print("bound through a-folder/..:", os.path.exists("dots.sock"))
os.unlink("dots.sock")
for name in ("not-there/../relative.sock", "a-folder/../relative.sock"):
    with socket.socket(socket.AF_UNIX) as c:
        attempt(f"connect to {name!r}", c.connect, name)
os.rmdir("a-folder")
attempt("an address of another family", again.bind, ("127.0.0.1", 0))
attempt("an int", again.bind, 5)
again.close()
with open("plain", "w") as f:
    f.write("not a socket")
file_types("plain")
with socket.socket(socket.AF_UNIX) as s:
    attempt("bind through a file's ..", s.bind, "plain/../dots.sock")
os.symlink("relative.sock", "link.sock")
file_types("link.sock")
os.unlink("link.sock")
for label, path in (("nothing there", "nothing.sock"), ("a regular file", "plain"),
                    ("a missing folder", "missing/x.sock"), ("a folder", ".")):
    c = socket.socket(socket.AF_UNIX)
    attempt(f"connect to {label}", c.connect, path)
    attempt(f"connect_ex to {label}", c.connect_ex, path)
    c.close()
server.close()
attempt("connect once the server closed", socket.socket(socket.AF_UNIX).connect, "relative.sock")
os.unlink("relative.sock")
print("unlinked:", os.path.exists("relative.sock"))

print("-- a server's name is free again once unlinked")
server = socket.socket(socket.AF_UNIX)
server.bind("relative.sock")
server.listen(1)
client = socket.socket(socket.AF_UNIX)
client.setblocking(False)
attempt("non-blocking connect", client.connect, "relative.sock")
conn, _ = server.accept()
client.setblocking(True)
conn.sendall(b"hello")
print("non-blocking client got", client.recv(10))
for s in (client, conn, server):
    s.close()
os.unlink("relative.sock")

print("-- datagrams and sequenced packets")
for kind, label in ((socket.SOCK_DGRAM, "dgram"), (socket.SOCK_SEQPACKET, "seqpacket")):
    a = socket.socket(socket.AF_UNIX, kind)
    a.bind(f"{label}-a.sock")
    if kind == socket.SOCK_SEQPACKET:
        a.listen()
    b = socket.socket(socket.AF_UNIX, kind)
    if kind == socket.SOCK_DGRAM:
        b.bind(f"{label}-b.sock")
    b.connect(os.path.join(folder, f"{label}-a.sock"))
    names(f"{label} b", b)
    peer = a.accept()[0] if kind == socket.SOCK_SEQPACKET else a
    b.send(b"one")
    b.send(b"two, longer")
    print(label, "boundaries kept:", peer.recv(100), peer.recv(100))
    for s in {a, b, peer}:
        s.close()
    for name in (f"{label}-a.sock", f"{label}-b.sock"):
        if os.path.exists(name):
            os.unlink(name)

print("-- datagrams addressed by path, and replies to the sender's name")
server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
server.bind("dgram-server.sock")
client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
client.bind(os.path.join(folder, "dgram-client.sock"))
print("sendto by a relative name:", client.sendto(b"hello", "dgram-server.sock"))
data, sender = server.recvfrom(100)
print("recvfrom:", data, repr(sender))
print("a reply to that name:", server.sendto(data.upper(), sender))
print("the client's recvfrom:", client.recvfrom(100))
client.sendto(b"by bytes", os.fsencode(os.path.join(folder, "dgram-server.sock")))
data, ancillary, flags, sender = server.recvmsg(100)
print("recvmsg:", data, repr(sender))
client.sendmsg([b"sendmsg ", b"to a path"], [], 0, "dgram-server.sock")
print("recvfrom_into:", server.recvfrom_into(bytearray(100)))
unnamed = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
unnamed.sendto(b"from no name", "dgram-server.sock")
print("an unnamed sender:", server.recvfrom(100))
attempt("sendto nothing there", client.sendto, b"x", "missing.sock")
open("regular-file", "w").close()
attempt("sendto a regular file", client.sendto, b"x", "regular-file")
os.unlink("regular-file")
listener = socket.socket(socket.AF_UNIX)
listener.bind("stream-listener.sock")
listener.listen()
attempt("sendto a stream listener", client.sendto, b"x", "stream-listener.sock")
attempt("sendto on a stream socket", socket.socket(socket.AF_UNIX).sendto, b"x", "dgram-server.sock")
attempt("sendto with an IP address", client.sendto, b"x", ("127.0.0.1", 9))
stream_client = socket.socket(socket.AF_UNIX)
stream_client.connect("stream-listener.sock")
conn = listener.accept()[0]
conn.sendall(b"from the accepted end")
print("a stream client's recvfrom:", stream_client.recvfrom(100))
stream_client.sendall(b"from the client")
print("the accepted end's recvfrom:", conn.recvfrom(100))
for s in (server, client, unnamed, listener, stream_client, conn):
    s.close()
for name in ("dgram-server.sock", "dgram-client.sock", "stream-listener.sock"):
    os.unlink(name)

print("-- socketserver's UnixDatagramServer answers each sender by its name")
import socketserver


class Upper(socketserver.DatagramRequestHandler):
    def handle(self):
        self.wfile.write(self.rfile.read().upper())


with socketserver.UnixDatagramServer("upper.sock", Upper) as upper:
    asking = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    asking.bind("asking.sock")
    asking.sendto(b"shout this", "upper.sock")
    upper.handle_request()
    print("UnixDatagramServer answered", asking.recvfrom(100))
    asking.close()
os.unlink("upper.sock")
os.unlink("asking.sock")

print("-- asyncio serves on a path where an earlier server left its socket file")
stale = socket.socket(socket.AF_UNIX)
stale.bind("stale.sock")
stale.close()
file_types("stale.sock")


async def serve_once():
    async def echo(reader, writer):
        writer.write(await reader.read(100))
        await writer.drain()
        writer.close()
    server = await asyncio.start_unix_server(echo, "stale.sock")
    reader, writer = await asyncio.open_unix_connection("stale.sock")
    writer.write(b"through asyncio")
    print("asyncio echoed", await reader.read(100))
    writer.close()
    server.close()
    await server.wait_closed()
asyncio.run(serve_once())
if os.path.exists("stale.sock"):  # 3.13's asyncio removes it as the server closes; 3.11's leaves it
    os.unlink("stale.sock")

if len(sys.argv) > 2:
    print("-- a native server's path")
    peer = socket.socket(socket.AF_UNIX)
    peer.connect(sys.argv[2])
    peer.sendall(b"ping over a path")
    print("the native server echoed", peer.recv(100))
    print("its name", peer.getpeername() == sys.argv[2])
    peer.close()
print("left in the folder:", sorted(os.listdir(".")))
