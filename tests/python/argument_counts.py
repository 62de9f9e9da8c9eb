# The socket methods CPython declares METH_VARARGS (positional arguments only, counted by
# PyArg_ParseTuple) or METH_O (exactly one): their messages and results must be native CPython's.
# tests/tests/sandbox.rs runs this under native python3 and under pysock and compares the output.
import _socket
import errno
import socket

a, b = socket.socketpair()
a.settimeout(2)
b.settimeout(2)


def t(label, call):
    try:
        print(label, "->", repr(call()))
    except OSError as e:
        # By name: the sandbox's errno numbers are WASI's.
        print(label, "->", type(e).__name__, errno.errorcode[e.errno])
    except Exception as e:
        print(label, "->", type(e).__name__, e)


t("sendall", lambda: a.sendall(b"abcdef"))
t("send, flags", lambda: a.send(b"gh", 0))
t("recv", lambda: b.recv(3))
t("recv, MSG_PEEK", lambda: b.recv(2, socket.MSG_PEEK))
t("recvfrom", lambda: b.recvfrom(3))
t("recv, no arguments", lambda: b.recv())
t("recv, three", lambda: b.recv(1, 0, 0))
t("recv, keyword", lambda: b.recv(bufsize=1))
t("recvfrom, no arguments", lambda: b.recvfrom())
t("recvfrom, keyword", lambda: b.recvfrom(1, flags=0))
t("send, no arguments", lambda: a.send())
t("send, three", lambda: a.send(b"x", 0, 0))
t("send, keyword", lambda: a.send(b"", flags=0))
t("sendall, keyword", lambda: a.sendall(data=b"x"))
t("sendall, three", lambda: a.sendall(b"x", 0, None))
t("sendall, str", lambda: a.sendall("x"))
t("recv, float", lambda: b.recv(1.0))
t("recv, flags str", lambda: b.recv(1, "0"))
t("recv on another type", lambda: _socket.socket.recv(object(), 1))
t("sendall unbound", lambda: _socket.socket.sendall(a, b"!"))
t("recv unbound", lambda: socket.socket.recv(b, 1))
t("the rest", lambda: b.recv(16))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
u.settimeout(2)
t("sendto", lambda: u.sendto(b"d", u.getsockname()))
t("sendto, flags", lambda: u.sendto(b"e", 0, u.getsockname()))
t("recvfrom the datagrams", lambda: (u.recvfrom(4)[0], u.recvfrom(4)[0]))
t("sendto, one", lambda: u.sendto(b"d"))
t("sendto, keyword", lambda: u.sendto(b"d", address=u.getsockname()))
t("sendto, None address", lambda: u.sendto(b"d", 0, None))
t("sendmsg, ancdata None", lambda: a.sendmsg([b"x"], None))
t("sendmsg, address None", lambda: a.sendmsg([b"xy"], [], 0, None))
t("recvmsg", lambda: b.recvmsg(10))
t("recvmsg, keyword", lambda: b.recvmsg(10, ancbufsize=0))
t("recvmsg, none", lambda: b.recvmsg())
t("recvmsg_into, four", lambda: b.recvmsg_into([bytearray(4)], 0, 0, 0))
t("sendmsg, five", lambda: a.sendmsg([b"x"], [], 0, None, 1))
t("setsockopt", lambda: a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1))
t("setsockopt, four", lambda: a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1, 4))
t("setsockopt, two", lambda: a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))
t("setsockopt, keyword", lambda: a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, value=1))
t("getsockopt", lambda: a.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))
t("getsockopt, buflen", lambda: len(a.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 4)))
t("getsockopt, one", lambda: a.getsockopt(socket.SOL_SOCKET))
t("getsockopt, keyword", lambda: a.getsockopt(socket.SOL_SOCKET, optname=2))
t("listen, two", lambda: u.listen(1, 2))
t("listen, keyword", lambda: u.listen(backlog=1))
t("bind, none", lambda: u.bind())
t("bind, keyword", lambda: u.bind(address=("127.0.0.1", 0)))
t("connect, two", lambda: u.connect(("127.0.0.1", 1), 2))
t("connect_ex", lambda: u.connect_ex(u.getsockname()))
t("settimeout, keyword", lambda: a.settimeout(value=1))
t("setblocking, none", lambda: a.setblocking())
t("shutdown, str", lambda: a.shutdown("x"))
u.close()
t("descriptor", lambda: (type(_socket.socket.__dict__["recv"]).__name__, _socket.socket.recv.__qualname__))
a.close()
b.close()
t("recv closed", lambda: b.recv(1))
