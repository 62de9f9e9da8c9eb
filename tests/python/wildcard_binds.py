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

# Linux's default IPV6_V6ONLY is off, so an IPv6 socket bound to '::' without setting it is dual-stack
# too: socketserver's servers with address_family AF_INET6, a listen() on an unbound IPv6 socket.
plain = socket.socket(socket.AF_INET6)
print("a new IPv6 socket: IPV6_V6ONLY", plain.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
plain.bind(("::", 0))
plain.listen()
print("bound to '::':", plain.getsockname()[0], "IPV6_V6ONLY", plain.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
accept_when_ready(plain, lambda s: select.select([s], [], [], 5)[0] == [s])
plain.close()
unbound6 = socket.socket(socket.AF_INET6)
unbound6.listen()
accept_when_ready(unbound6, lambda s: select.select([s], [], [], 5)[0] == [s])
unbound6.close()
# A socket bound to '::' that connects takes the address that reaches its peer, of either family,
# and keeps IPV6_V6ONLY off.
for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
    for host in ("::1", "::ffff:127.0.0.1"):
        peer = socket.socket(socket.AF_INET6, kind)
        peer.bind((host, 0))
        if kind == socket.SOCK_STREAM:
            peer.listen()
        client = socket.socket(socket.AF_INET6, kind)
        client.bind(("::", 0))
        client.connect((host, peer.getsockname()[1]))
        client.send(b"through")
        got = peer.accept()[0].recv(10) if kind == socket.SOCK_STREAM else peer.recvfrom(10)[0]
        print(kind.name, "from '::' to", host, "->", client.getsockname()[0], "IPV6_V6ONLY",
              client.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY), "| the peer got", got)
        client.close()
        peer.close()

# UDP on '::': datagrams of both families arrive through every wait, and the answers leave from the
# address each sender wrote to.
udp6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
udp6.bind(("::", 0))
port = udp6.getsockname()[1]
print("UDP on '::':", udp6.getsockname()[0], "IPV6_V6ONLY", udp6.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
senders = {host: socket.socket(family, socket.SOCK_DGRAM) for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1"))}
for s in senders.values():
    s.settimeout(5)
udp6.settimeout(5)
waits = {
    "select": lambda: select.select([udp6], [], [], 5)[0] == [udp6],
    "poll": lambda: (p := select.poll(), p.register(udp6, select.POLLIN), p.poll(5000))[2] == [(udp6.fileno(), select.POLLIN)],
    "epoll": lambda: (e := select.epoll(), e.register(udp6, select.EPOLLIN), e.poll(5), e.close())[2] == [(udp6.fileno(), select.EPOLLIN)],
    "blocking recv": lambda: True,
}
for name, wait in waits.items():
    for host, s in senders.items():
        s.sendto(f"{name} from {host}".encode(), (host, port))
        ready = wait()
        peeked = udp6.recv(100, socket.MSG_PEEK)
        data, source = udp6.recvfrom(100)
        udp6.sendto(data.upper(), source)
        print(" ", name, "ready", ready, "| peeked", peeked == data, "|", data, "from", source[0], "| answer", s.recv(100))
for host, s in senders.items():
    s.sendto(host.encode(), (host, port))
time.sleep(0.05)
buf = bytearray(20)
first = bytes(buf[: udp6.recvfrom_into(buf)[0]])
second, _, flags, source = udp6.recvmsg(20)
print("both waiting:", sorted([first, second]), "| recvmsg's flags", flags)
udp6.setblocking(False)
try:
    udp6.recv(20)
except BlockingIOError:
    print("and then nothing more")
udp6.settimeout(5)
twin = udp6.dup()
senders["::1"].sendto(b"to the duplicate", ("::1", port))
print("a duplicate receives:", twin.recvfrom(100)[0])
twin.close()
udp6.connect(("::ffff:127.0.0.1", senders["127.0.0.1"].getsockname()[1]))
print("connected to an IPv4 peer:", udp6.getsockname()[0], "| IPV6_V6ONLY", udp6.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
udp6.send(b"connected")
print("the peer gets:", senders["127.0.0.1"].recvfrom(100)[0])
udp6.close()
for s in senders.values():
    s.close()


async def datagrams_on_both_families():
    loop = asyncio.get_running_loop()

    class Echo(asyncio.DatagramProtocol):
        def connection_made(self, transport):
            self.transport = transport

        def datagram_received(self, data, addr):
            self.transport.sendto(data.upper(), addr)

    server, _ = await loop.create_datagram_endpoint(Echo, local_addr=("::", 0), family=socket.AF_INET6)
    port = server.get_extra_info("sockname")[1]
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        answers = asyncio.Queue()

        class Client(asyncio.DatagramProtocol):
            def datagram_received(self, data, addr):
                answers.put_nowait(data)

        client, _ = await loop.create_datagram_endpoint(Client, remote_addr=(host, port), family=family)
        client.sendto(f"asyncio over {host}".encode())
        print("asyncio datagram:", await asyncio.wait_for(answers.get(), 5))
        client.close()
    server.close()


asyncio.run(datagrams_on_both_families())
