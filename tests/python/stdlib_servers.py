# asyncio streams, wait_for and socketserver, unmodified, in the sandbox.
import asyncio
import socket
import socketserver

async def main():
    async def handle(r, w):
        w.write(await r.read(100)); await w.drain(); w.close()
    server = await asyncio.start_server(handle, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    rs = []
    for i in range(20):
        r, w = await asyncio.open_connection('127.0.0.1', port)
        w.write(b'hi %d' % i); await w.drain(); w.write_eof()
        rs.append(r)
    print('asyncio echoes:', [await r.read() for r in rs] == [b'hi %d' % i for i in range(20)])
    try:
        await asyncio.wait_for(asyncio.sleep(1), 0.05)
    except TimeoutError:
        print('wait_for timeout: TimeoutError')
    server.close(); await server.wait_closed()

asyncio.run(main())

class H(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(self.request.recv(100).upper())
with socketserver.TCPServer(('127.0.0.1', 0), H) as srv:
    c = socket.create_connection(srv.server_address)
    c.sendall(b'abc')
    srv.handle_request()
    print('socketserver:', c.recv(10))
    c.close()
