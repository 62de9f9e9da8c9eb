"""sendmsg, recvmsg and recvmsg_into without control messages (descriptor_passing.py has them) on
stream and datagram sockets: gathering, scattering, msg_flags for truncated datagrams, addresses,
MSG_TRUNC and MSG_PEEK, argument errors, and CMSG_LEN/CMSG_SPACE. tests/tests/sandbox.rs compares
this with native CPython."""
import errno
import socket


def attempt(label, f):
    try:
        print(f"{label}: {f()}")
    except OSError as e:
        print(f"{label}: {type(e).__name__}: {errno.errorcode.get(e.errno)} {e.strerror}")
    except Exception as e:
        print(f"{label}: {type(e).__name__}: {e}")


stream = socket.socketpair()
datagram = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
udp_in = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp_in.bind(("127.0.0.1", 0))
udp_out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp_out.bind(("127.0.0.1", 0))
listener = socket.create_server(("127.0.0.1", 0))
tcp_out = socket.create_connection(listener.getsockname())
tcp_in, _ = listener.accept()
for s in (stream[1], datagram[1], udp_in, tcp_in):
    s.settimeout(5)

for name, (out, into) in {"stream pair": stream, "datagram pair": datagram, "TCP": (tcp_out, tcp_in)}.items():
    attempt(f"{name} sendmsg", lambda: out.sendmsg([b"gath", bytearray(b"ered"), memoryview(b" parts")]))
    attempt(f"{name} recvmsg", lambda: into.recvmsg(100))
    out.sendmsg([b"0123456789"])
    attempt(f"{name} recvmsg 4", lambda: into.recvmsg(4))
    if name != "datagram pair":
        attempt(f"{name} recvmsg the rest", lambda: into.recvmsg(100))
    out.sendmsg([b"scatter me please"], [], 0)
    buffers = [bytearray(3), bytearray(5), bytearray(20)]
    attempt(f"{name} recvmsg_into", lambda: into.recvmsg_into(buffers))
    print(f"{name} buffers:", [bytes(b) for b in buffers])

port = udp_in.getsockname()[1]
attempt("UDP sendmsg to", lambda: udp_out.sendmsg([b"to ", b"an address"], [], 0, ("127.0.0.1", port)))
attempt("UDP recvmsg", lambda: udp_in.recvmsg(100)[:3])
udp_out.sendmsg([b"a long datagram"], [], 0, ("127.0.0.1", port))
attempt("UDP recvmsg truncated", lambda: udp_in.recvmsg(6)[:3])
udp_out.sendmsg([b"a long datagram"], [], 0, ("127.0.0.1", port))
attempt("UDP recvmsg MSG_TRUNC", lambda: udp_in.recvmsg(6, 0, socket.MSG_TRUNC)[:3])
udp_out.sendmsg([b"peeked"], [], 0, ("127.0.0.1", port))
attempt("UDP recvmsg MSG_PEEK", lambda: udp_in.recvmsg(100, 0, socket.MSG_PEEK)[:3])
attempt("UDP recvmsg after the peek", lambda: udp_in.recvmsg(100, socket.CMSG_SPACE(4))[:3])
udp_out.sendmsg([b"a long datagram"], [], 0, ("127.0.0.1", port))
scattered = [bytearray(2), bytearray(3)]
attempt("UDP recvmsg_into truncated", lambda: udp_in.recvmsg_into(scattered)[:3])
print("UDP buffers:", [bytes(b) for b in scattered])
udp_in.setblocking(False)
attempt("UDP recvmsg with nothing queued", lambda: udp_in.recvmsg(10))

a = stream[0]
for label, f in [
    ("sendmsg int", lambda: a.sendmsg(1)),
    ("sendmsg [int]", lambda: a.sendmsg([1])),
    ("sendmsg ancdata int", lambda: a.sendmsg([b"x"], 1)),
    ("sendmsg ancdata [int]", lambda: a.sendmsg([b"x"], [1])),
    ("sendmsg ancdata [(1, 2)]", lambda: a.sendmsg([b"x"], [(1, 2)])),
    ("sendmsg ancdata [(1, 2, 3)]", lambda: a.sendmsg([b"x"], [(1, 2, 3)])),
    ("sendmsg flags str", lambda: a.sendmsg([b"x"], [], "1")),
    ("sendmsg flags None", lambda: a.sendmsg([b"x"], [], None)),
    ("sendmsg bad address", lambda: udp_out.sendmsg([b"x"], [], 0, "nowhere")),
    ("recvmsg -1", lambda: a.recvmsg(-1)),
    ("recvmsg ancbufsize -1", lambda: a.recvmsg(1, -1)),
    ("recvmsg_into int", lambda: a.recvmsg_into(1)),
    ("recvmsg_into [bytes]", lambda: a.recvmsg_into([b"x"])),
    ("recvmsg_into ancbufsize -1", lambda: a.recvmsg_into([bytearray(1)], -1)),
]:
    attempt(label, f)
for n in (0, 1, 7, 8, 2**31 - 25, 2**31 - 24, 2**31 - 17, 2**31 - 16, 2**32, -1):
    attempt(f"CMSG_LEN({n})", lambda: socket.CMSG_LEN(n))
    attempt(f"CMSG_SPACE({n})", lambda: socket.CMSG_SPACE(n))
