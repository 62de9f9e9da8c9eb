"""Options any process may set that are not TCP's: SO_DONTROUTE, SO_INCOMING_CPU and
IP_BIND_ADDRESS_NO_PORT on TCP, UDP and AF_UNIX sockets (defaults, set, read back, too short a
value, none); IPv6's integer options and IP_MULTICAST_IF; an AF_UNIX socket's other levels; what IP_BIND_ADDRESS_NO_PORT does to a bind and a
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

# IPv6's integer options, which the kernel reads option by option: a NULL value is 0, a short one
# EINVAL for most and 0 for IPV6_DONTFRAG, and the multicast ones are ENOPROTOOPT on TCP.
for label, kind in (("tcp6", socket.SOCK_STREAM), ("udp6", socket.SOCK_DGRAM)):
    for name in ("IPV6_V6ONLY", "IPV6_UNICAST_HOPS", "IPV6_TCLASS", "IPV6_MULTICAST_HOPS", "IPV6_MULTICAST_LOOP",
                 "IPV6_MULTICAST_IF", "IPV6_DONTFRAG"):
        s = socket.socket(socket.AF_INET6, kind)
        opt = getattr(socket, name)
        trip = round_trip(s, socket.IPPROTO_IPV6, opt, 1)
        odd = [attempt(lambda: s.setsockopt(socket.IPPROTO_IPV6, opt, *v)) for v in ((None, 4), (None, 0), (b"",), (-1,), (256,))]
        print(f"{label} {name}: {trip}, odd values {odd}")
        s.close()
# IP_MULTICAST_IF: an address (struct in_addr or ip_mreqn), not an int.
for label, kind in (("tcp", socket.SOCK_STREAM), ("udp", socket.SOCK_DGRAM)):
    s = socket.socket(socket.AF_INET, kind)
    values = (socket.inet_aton("127.0.0.1"), socket.inet_aton("0.0.0.0"), b"\x01", 1, (None, 4))
    tries = [attempt(lambda: s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, *(v if isinstance(v, tuple) else (v,))))
             for v in values]
    print(f"{label} IP_MULTICAST_IF: {tries}, reads {attempt(lambda: s.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, 4))}")
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

# getsockopt's buflen is checked before the socket: a closed one says "out of range" too.
closed = socket.socket()
closed.close()
try:
    closed.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE, 1025)
except OSError as e:
    print("closed, buflen 1025:", e.errno, e)
