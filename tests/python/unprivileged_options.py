"""What only a privileged process may set, refused in the sandbox as for an unprivileged one,
whatever the host's privileges: SO_PRIORITY above 6, SO_MARK, a non-zero IP_TRANSPARENT (both read
as they are), a congestion control algorithm the kernel
has but does not allow everyone (argv[1], or "-" when this machine has none); an algorithm it does
not have is ENOENT. SO_BINDTODEVICE binds once, to an interface the sandbox sees; the host's others
(argv[2], or "-") are ENODEV, as one the machine does not have."""
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

bound, other = socket.socket(), socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
print("SO_BINDTODEVICE lo:", attempt(lambda: bound.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")),
      "reads", bound.getsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, 16),
      "again:", attempt(lambda: bound.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")),
      "unbound:", attempt(lambda: bound.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, None, 0)))
print("unbinding an unbound one:", attempt(lambda: other.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"")),
      "none such:", attempt(lambda: other.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"nonesuch0")))
if sys.argv[2] != "-":
    hidden = sys.argv[2].encode()
    print("a hidden interface:", attempt(lambda: other.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, hidden)))
