"""Options any process may set that are not TCP's: SO_DONTROUTE, SO_INCOMING_CPU and
IP_BIND_ADDRESS_NO_PORT on TCP, UDP and AF_UNIX sockets (defaults, set, read back, too short a
value, none); an AF_UNIX socket's other levels; what IP_BIND_ADDRESS_NO_PORT does to a bind and a
connect; and SO_PASSCRED and SO_PASSSEC, which Linux has for AF_UNIX alone (EOPNOTSUPP on an IP
socket)."""
import socket

from option_survey import attempt, round_trip


def survey(label, s):
    for level, name, value in ((socket.SOL_SOCKET, "SO_DONTROUTE", 1), (socket.SOL_SOCKET, "SO_INCOMING_CPU", 0),
                               (socket.IPPROTO_IP, "IP_BIND_ADDRESS_NO_PORT", 1)):
        opt = getattr(socket, name, {"SO_INCOMING_CPU": 49, "IP_BIND_ADDRESS_NO_PORT": 24}.get(name))
        empty = attempt(lambda: s.setsockopt(level, opt, b""))
        print(f"{label} {name}: {round_trip(s, level, opt, value)}, none {empty}")
    if s.family == socket.AF_UNIX:
        # No level but SOL_SOCKET's: refused before the value is read.
        print(f"{label} TCP_NODELAY, 2 bytes: {attempt(lambda: s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, b'1'))},"
              f" get {attempt(lambda: s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))},"
              f" an unknown one {attempt(lambda: s.getsockopt(socket.IPPROTO_IP, 12345))}")
    else:
        for name, number in (("SO_PASSCRED", 16), ("SO_PASSSEC", 34)):
            print(f"{label} {name}: get {attempt(lambda: s.getsockopt(socket.SOL_SOCKET, number))},"
                  f" set {attempt(lambda: s.setsockopt(socket.SOL_SOCKET, number, 1))}")


for label, s in (("tcp", socket.socket()), ("udp", socket.socket(socket.AF_INET, socket.SOCK_DGRAM)),
                 ("tcp6", socket.socket(socket.AF_INET6)), ("unix", socket.socket(socket.AF_UNIX))):
    survey(label, s)
    s.close()

# IP_BIND_ADDRESS_NO_PORT: a bind to port 0 takes no port until the connect picks one.
listener = socket.create_server(("127.0.0.1", 0))
c = socket.socket()
c.setsockopt(socket.IPPROTO_IP, 24, 1)
c.bind(("127.0.0.1", 0))
print("bound, port", c.getsockname()[1])
c.connect(listener.getsockname())
server, peer = listener.accept()
print("connected, port chosen", c.getsockname()[1] != 0, "the peer sees it", peer == c.getsockname())
for s in (c, server, listener):
    s.close()

# A negative length is refused before the level or the option is looked at.
for label, s in (("tcp", socket.socket()), ("unix", socket.socket(socket.AF_UNIX))):
    print(label, "negative length:", attempt(lambda: s.setsockopt(socket.SOL_SOCKET, 12345, None, -1)),
          attempt(lambda: s.setsockopt(socket.IPPROTO_IP, 24, None, -1)),
          attempt(lambda: s.setsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, None, -1)))
    s.close()
