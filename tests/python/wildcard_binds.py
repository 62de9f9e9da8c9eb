"""Wildcard binds as client libraries and servers make them: create_server(('', 0)), a client's
source_address=('', 0), listen() on an unbound socket, a UDP socket on 0.0.0.0, a listener on :: and a
dual-stack one (IPV6_V6ONLY off, as create_server(dualstack_ipv6=True) and http.server make it).
Under --allow-loopback the sandbox binds loopback for them, and the addresses read as CPython's.
tests/tests/sandbox.rs compares this with native CPython."""
import socket

server = socket.create_server(("", 0))
host, port = server.getsockname()
print("create_server(('', 0)):", host, port > 0)
client = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("", 0))
conn, peer = server.accept()
print("client's address after connecting:", client.getsockname()[0], "| peer seen by the server:", peer[0])
print("the accepted socket's address:", conn.getsockname()[0])
client.sendall(b"through")
print("data:", conn.recv(10))
for s in (client, conn, server):
    s.close()

unbound = socket.socket()
unbound.listen()
host, port = unbound.getsockname()
print("listen() unbound:", host, port > 0)
late = socket.create_connection(("127.0.0.1", port), timeout=5)
print("reachable on 127.0.0.1:", unbound.accept()[1][0])
late.close()
unbound.close()

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("0.0.0.0", 0))
print("UDP on 0.0.0.0:", udp.getsockname()[0])
sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sender.sendto(b"datagram", ("127.0.0.1", udp.getsockname()[1]))
data, source = udp.recvfrom(100)
print("UDP received:", data, source[0])
udp.connect(("127.0.0.1", sender.getsockname()[1]))
print("UDP after connect():", udp.getsockname()[0])
udp.close()
sender.close()

v6 = socket.create_server(("::", 0), family=socket.AF_INET6)
print("create_server(('::', 0)):", v6.getsockname()[0])
c6 = socket.create_connection(("::1", v6.getsockname()[1]), timeout=5)
print("reachable on ::1:", v6.accept()[1][0])
c6.close()
v6.close()

dual = socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True)
print("dual-stack:", dual.getsockname()[0], "IPV6_V6ONLY", dual.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
c4 = socket.create_connection(("127.0.0.1", dual.getsockname()[1]), timeout=5)
conn, peer = dual.accept()
print("an IPv4 client reaches it as:", peer[0], "| the accepted socket's address:", conn.getsockname()[0], conn.family.name)
for s in (c4, conn, dual):
    s.close()
