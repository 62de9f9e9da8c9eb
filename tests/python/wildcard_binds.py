"""Wildcard binds as client libraries and servers make them: create_server(('', 0)), a client's
source_address=('', 0), listen() on an unbound socket, a UDP socket on 0.0.0.0, a listener on :: and a
dual-stack one (IPV6_V6ONLY off, as create_server(dualstack_ipv6=True) and http.server make it), which
both loopbacks reach through every readiness mechanism.
Under --allow-loopback the sandbox binds loopback for them, and the addresses read as CPython's.
tests/tests/sandbox.rs compares this with native CPython."""
import asyncio
import errno
import select
import selectors
import socket
import time

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
c6 = socket.create_connection(("::1", dual.getsockname()[1]), timeout=5)
conn6, peer6 = dual.accept()
print("an IPv6 client reaches it as:", peer6[0], "| the accepted socket's address:", conn6.getsockname()[0])
dual.settimeout(0)
try:
    dual.accept()
except BlockingIOError:
    print("and then nothing more to accept")
for s in (c4, conn, c6, conn6, dual):
    s.close()

# The dual-stack listener through every readiness mechanism, and duplicated: a connection of either
# family makes it readable, and accept() takes it.


def accept_when_ready(listener, wait):
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        client = socket.create_connection((host, listener.getsockname()[1]), timeout=5)
        ready = wait(listener)
        conn, peer = listener.accept()
        print(" ", family.name, "client: ready", ready, "| accepted", peer[0])
        conn.close()
        client.close()


dual = socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True)
print("select:")
accept_when_ready(dual, lambda s: select.select([s], [], [], 5)[0] == [s])
print("poll:")
poller = select.poll()
poller.register(dual, select.POLLIN)
accept_when_ready(dual, lambda s: poller.poll(5000) == [(s.fileno(), select.POLLIN)])
print("epoll:")
ep = select.epoll()
ep.register(dual, select.EPOLLIN)
accept_when_ready(dual, lambda s: ep.poll(5) == [(s.fileno(), select.EPOLLIN)])
ep.unregister(dual)
ep.close()
print("selectors.DefaultSelector:")
with selectors.DefaultSelector() as chosen:
    chosen.register(dual, selectors.EVENT_READ, "listener")
    accept_when_ready(dual, lambda s: [key.data for key, _ in chosen.select(5)] == ["listener"])
print("a duplicate:")
twin = dual.dup()
dual.close()
accept_when_ready(twin, lambda s: select.select([s], [], [], 5)[0] == [s])


async def served_on_both_families(listener):
    async def handle(reader, writer):
        writer.write((await reader.readline()).upper())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, sock=listener)
    async with server:
        for host in ("127.0.0.1", "::1"):
            reader, writer = await asyncio.open_connection(host, listener.getsockname()[1])
            writer.write(f"hello over {host}\n".encode())
            print("asyncio:", await reader.readline())
            writer.close()
            await writer.wait_closed()


asyncio.run(served_on_both_families(twin))

# Clients of both families waiting at once: one event for the one listener.

dual = socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True)
ep = select.epoll()
ep.register(dual, select.EPOLLIN)
clients = [socket.create_connection((host, dual.getsockname()[1]), timeout=5) for host in ("127.0.0.1", "::1")]
time.sleep(0.05)
print("epoll with both waiting:", ep.poll(5) == [(dual.fileno(), select.EPOLLIN)])
print("accepted:", sorted(dual.accept()[1][0] for _ in clients))
ep.close()

# A port taken in either family is taken for a dual-stack bind, and the socket stays unbound.
for host, family in (("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)):
    taken = socket.create_server((host, 0), family=family)
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    try:
        s.bind(("", taken.getsockname()[1]))
    except OSError as e:
        print("dual-stack bind to a port taken on", host, "->", errno.errorcode[e.errno], "| still unbound:", s.getsockname()[1] == 0)
    s.close()
    taken.close()
for s in clients + [dual]:
    s.close()
