# asyncio on pysock: the transcript must match native python3's.
#   own-loop: needs no network at all (the loop's self-pipe is a socketpair); run with no allow option.
#   loopback: sock_* methods, create_connection, start_server, create_datagram_endpoint, timeouts,
#   and connections by host name.
import asyncio, contextvars, selectors, socket, sys

mode = sys.argv[1]


async def own_loop():
    loop = asyncio.get_running_loop()
    print("selector:", type(loop._selector).__name__)
    fired = []
    loop.call_later(0.01, fired.append, "call_later")
    await asyncio.sleep(0.02)
    print("fired:", fired)
    try:
        await asyncio.wait_for(asyncio.sleep(5), 0.01)
    except asyncio.TimeoutError as e:
        print("wait_for:", type(e).__name__)
    a, b = socket.socketpair()
    reader, writer = await asyncio.open_connection(sock=a)
    b.setblocking(False)
    await loop.sock_sendall(b, b"over a socketpair\n")
    print("readline:", await reader.readline())
    writer.write(b"back\n")
    await writer.drain()
    print("sock_recv:", await loop.sock_recv(b, 100))
    writer.close()
    await writer.wait_closed()
    b.close()
    # Another thread's wakeup goes through the self-pipe: call_soon_threadsafe from this thread.
    loop.call_soon_threadsafe(fired.append, "threadsafe")
    await asyncio.sleep(0)
    print("fired:", fired)
    await default_executor(loop)


request = contextvars.ContextVar("request", default="none")


def blocking_work(x, *, y=0):
    return x + y, request.get()


def failing_work():
    raise KeyError("from the executor")


async def default_executor(loop):
    # asyncio's default executor: a thread pool natively, the function run in place in the sandbox.
    request.set("caller's")
    print("to_thread:", await asyncio.to_thread(blocking_work, 1, y=2))
    print("run_in_executor:", await loop.run_in_executor(None, blocking_work, 3))
    pending = loop.run_in_executor(None, blocking_work, 4)
    print("a future, done at once:", isinstance(pending, asyncio.Future), pending.done())
    print("awaited:", await pending)
    try:
        await asyncio.to_thread(failing_work)
    except KeyError as e:
        print("to_thread raised:", repr(e))
    print("gather:", await asyncio.gather(*(asyncio.to_thread(blocking_work, i) for i in range(3))))
    await loop.shutdown_default_executor()
    try:
        loop.run_in_executor(None, blocking_work, 5)
    except RuntimeError as e:
        print("after shutdown:", e)


class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data.upper(), addr)


class Client(asyncio.DatagramProtocol):
    def __init__(self, done):
        self.done = done

    def datagram_received(self, data, addr):
        self.done.set_result(data)


async def handle(reader, writer):
    data = await reader.read(100)
    writer.write(data[::-1])
    await writer.drain()
    writer.close()


async def loopback():
    loop = asyncio.get_running_loop()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    client = socket.socket()
    client.setblocking(False)
    connecting = asyncio.ensure_future(loop.sock_connect(client, listener.getsockname()))
    conn, _ = await loop.sock_accept(listener)
    await connecting
    conn.setblocking(False)
    await loop.sock_sendall(client, b"sock_sendall")
    print("sock_recv:", await loop.sock_recv(conn, 100))
    buf = bytearray(5)
    await loop.sock_sendall(conn, b"hello")
    print("sock_recv_into:", await loop.sock_recv_into(client, buf), bytes(buf))
    for s in (client, conn, listener):
        s.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"stressed")
    print("start_server:", await reader.read())
    writer.close()
    transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
    print("create_connection:", transport.get_extra_info("peername")[1] == port)
    transport.close()
    server.close()
    await server.wait_closed()

    echo, _ = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
    done = loop.create_future()
    client, _ = await loop.create_datagram_endpoint(lambda: Client(done), remote_addr=echo.get_extra_info("sockname"))
    client.sendto(b"datagram")
    print("create_datagram_endpoint:", await asyncio.wait_for(done, 5))
    client.close()
    echo.close()
    quiet, other = socket.socketpair()
    quiet.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_recv(quiet, 1), 0.01)
    except asyncio.TimeoutError:
        print("wait_for sock_recv: timed out")
    quiet.close()
    other.close()
    # By name: asyncio resolves in its thread pool natively, in place in the sandbox (no threads).
    server = await asyncio.start_server(lambda r, w: w.close(), "localhost", 0, family=socket.AF_INET)
    reader, writer = await asyncio.open_connection("localhost", server.sockets[0].getsockname()[1])
    print("open_connection by name:", writer.get_extra_info("peername")[0])
    writer.close()
    server.close()
    print("getaddrinfo:", await loop.getaddrinfo("localhost", 80, family=socket.AF_INET, type=socket.SOCK_STREAM))
    print("getnameinfo:", await loop.getnameinfo(("127.0.0.1", 80)))


asyncio.run(own_loop() if mode == "own-loop" else loopback())
