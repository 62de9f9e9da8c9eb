# Listens on the IPv4 and IPv6 wildcards and on a dual-stack IPv6 one, prints the three ports, and
# reports the connections each accepts (one, one, and one per family); tests/tests/boundary.rs connects
# from loopback and from this machine's other addresses.
import socket

servers = [
    socket.create_server(("", 0)),
    socket.create_server(("::", 0), family=socket.AF_INET6),
    socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True),
]
print(*(s.getsockname()[1] for s in servers), flush=True)
for s, count in zip(servers, (1, 1, 2)):
    s.settimeout(10)
    for _ in range(count):
        conn, peer = s.accept()
        print("accepted from", peer[0], flush=True)
        conn.close()
