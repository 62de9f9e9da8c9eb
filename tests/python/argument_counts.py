# recv, recvfrom, send and sendall take positional arguments only, counted as CPython's
# PyArg_ParseTuple counts them; their messages and results must be native CPython's.
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
t("descriptor", lambda: (type(_socket.socket.__dict__["recv"]).__name__, _socket.socket.recv.__qualname__))
a.close()
b.close()
t("recv closed", lambda: b.recv(1))
