# CLIENTS concurrent asyncio connections to an echo server at PORT: all connect, then all send,
# then every echo is checked. Runs the same natively and in the sandbox.
# usage: asyncio_clients.py PORT CLIENTS
import asyncio
import sys

port, count = int(sys.argv[1]), int(sys.argv[2])


async def main():
    conns = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in range(count)))
    print("connected:", len(conns), flush=True)

    async def exchange(i, reader, writer):
        payload = (f"request {i} " * 40).encode()
        writer.write(payload)
        await writer.drain()
        got = await reader.readexactly(len(payload))
        writer.close()
        await writer.wait_closed()
        return got == payload

    results = await asyncio.wait_for(asyncio.gather(*(exchange(i, r, w) for i, (r, w) in enumerate(conns))), 60)
    print("echoes correct:", sum(results))


asyncio.run(main())
