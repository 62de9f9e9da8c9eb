"""What only a privileged process may set, refused in the sandbox as for an unprivileged one,
whatever the host's privileges: SO_PRIORITY above 6, SO_MARK, a non-zero IP_TRANSPARENT (both read
as they are), and a congestion control algorithm the kernel
has but does not allow everyone (argv[1], or "-" when this machine has none); an algorithm it does
not have is ENOENT."""
import socket
import sys

from option_survey import attempt

s = socket.socket()
print("SO_PRIORITY 7:", attempt(lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, 7)),
      "-1:", attempt(lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, -1)),
      "reads", s.getsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY))
print("SO_MARK 1:", attempt(lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 1)),
      "0:", attempt(lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0)),
      "reads", s.getsockopt(socket.SOL_SOCKET, socket.SO_MARK))
print("IP_TRANSPARENT 1:", attempt(lambda: s.setsockopt(socket.IPPROTO_IP, socket.IP_TRANSPARENT, 1)),
      "0:", attempt(lambda: s.setsockopt(socket.IPPROTO_IP, socket.IP_TRANSPARENT, 0)),
      "reads", s.getsockopt(socket.IPPROTO_IP, socket.IP_TRANSPARENT))
before = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
if sys.argv[1] != "-":
    restricted = sys.argv[1].encode()
    print("a restricted algorithm:", attempt(lambda: s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, restricted)))
print("tcp_nonesuch:", attempt(lambda: s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"nonesuch")))
print("unchanged:", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16) == before)
