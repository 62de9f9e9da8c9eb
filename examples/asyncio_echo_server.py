# An asyncio echo server. It prints its port, echoes each connection until the client closes, and
# exits after CLIENTS connections. Runs the same natively and in the sandbox.
# usage: pysock python --allow-loopback examples/asyncio_echo_server.py [CLIENTS]
import asyncio
import sys

clients = int(sys.argv[1]) if len(sys.argv) > 1 else 100


async def main():
    finished = 0
    done = asyncio.Event()

    async def echo(reader, writer):
        nonlocal finished
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()
        finished += 1
        if finished == clients:
            done.set()

    server = await asyncio.start_server(echo, "127.0.0.1", 0, backlog=clients)
    print(server.sockets[0].getsockname()[1], flush=True)
    await done.wait()
    server.close()
    await server.wait_closed()
    print("served", finished, file=sys.stderr)


asyncio.run(main())
