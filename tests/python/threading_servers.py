# socketserver's threading servers, which start a thread per request natively and serve it in place in
# the sandbox (no threads there): the same replies, errors and shutdown. Both ends in one program: the
# client sends before the server takes the request, so handle_request() never waits for it.
# tests/tests/sandbox.rs compares this with native CPython.
import http.client
import http.server
import socket
import socketserver
import sys


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/fail":
            raise ValueError("the handler failed")
        body = f"hello {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    errors = []

    def handle_error(self, request, client_address):
        # Runs before the request is shut down, so before the client sees the connection close.
        self.errors.append(sys.exc_info()[0].__name__)


server = Server(("127.0.0.1", 0), Hello)
port = server.server_address[1]
for path in ("/one", "/two", "/fail"):
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    client.request("GET", path)
    server.handle_request()
    try:
        reply = client.getresponse()
        print(path, reply.status, reply.read())
    except (http.client.HTTPException, ConnectionError) as e:
        print(path, type(e).__name__)
    print(path, "errors so far:", server.errors)
    client.close()
server.server_close()


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(self.rfile.readline().upper())


with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo) as tcp:
    replies = []
    for word in (b"alpha\n", b"beta\n"):
        with socket.create_connection(tcp.server_address, timeout=5) as c:
            c.sendall(word)
            tcp.handle_request()
            replies.append(c.recv(100))
    print("ThreadingTCPServer:", replies)
print("END")
