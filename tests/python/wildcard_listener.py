# Listens on the IPv4 and IPv6 wildcards and on a dual-stack IPv6 one, prints the three ports, and
# reports the one connection each accepts; tests/tests/boundary.rs connects from loopback and from this
# machine's other addresses.
import socket

servers = [
    socket.create_server(("", 0)),
    socket.create_server(("::", 0), family=socket.AF_INET6),
    socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True),
]
print(*(s.getsockname()[1] for s in servers), flush=True)
for s in servers:
    s.settimeout(10)
    conn, peer = s.accept()
    print("accepted from", peer[0], flush=True)
    conn.close()
