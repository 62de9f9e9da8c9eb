"""One web app, written for six frameworks, that tests/real_clients/run.py serves natively and from
the sandbox to the same native clients: a route with a parameter, a 1 MB JSON upload, a 3 MB
download, a cookie the client sends back, a 404 and an error status; over HTTPS when given a folder
with cert.pem and key.pem.
- flask: Flask's development server (werkzeug's; a thread per request natively, one request after
  another in the sandbox);
- waitress: the same Flask app on waitress, a WSGI server with a pool of worker threads natively (in
  the sandbox its dispatcher serves each request in place; waitress has no TLS);
- aiohttp: aiohttp's `web.run_app`, on asyncio;
- starlette: a Starlette app on uvicorn, on asyncio;
- hypercorn-trio: the same Starlette app on hypercorn, on trio (Starlette on AnyIO's trio backend);
- tornado: a tornado.web app on tornado's own HTTP server, on asyncio;
- stdlib: http.server's ThreadingHTTPServer and a BaseHTTPRequestHandler, its listening socket
  wrapped by SSLContext.wrap_socket for HTTPS, as the stdlib's documentation shows.
usage: served_app.py FRAMEWORK PORT [CERTS_DIR]"""
import os
import ssl
import sys

framework, port = sys.argv[1], int(sys.argv[2])
identity = tuple(os.path.join(sys.argv[3], name) for name in ("cert.pem", "key.pem")) if len(sys.argv) > 3 else None


def server_context():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*identity)
    return context


def visits(cookie):
    return int(cookie or "0") + 1


def echoed(body, agent):
    return {"items": len(body["items"]), "first": body["items"][0], "agent": agent.split("/")[0]}


if framework in ("flask", "waitress"):
    from flask import Flask, abort, jsonify, request

    app = Flask(__name__)

    @app.get("/hello/<name>")
    def hello(name):
        return f"hello {name}"

    @app.post("/echo")
    def echo():
        return jsonify(echoed(request.get_json(), request.user_agent.string))

    @app.get("/big")
    def big():
        return "b" * 3_000_000

    @app.get("/visit")
    def visit():
        count = visits(request.cookies.get("visits"))
        response = app.make_response(f"visit {count}")
        response.set_cookie("visits", str(count))
        return response

    @app.get("/teapot")
    def teapot():
        abort(418)

    if framework == "flask":
        app.run("127.0.0.1", port, ssl_context=identity and server_context())
    else:
        import waitress

        waitress.serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)

elif framework == "aiohttp":
    from aiohttp import web

    routes = web.RouteTableDef()

    @routes.get("/hello/{name}")
    async def hello(request):
        return web.Response(text=f"hello {request.match_info['name']}")

    @routes.post("/echo")
    async def echo(request):
        return web.json_response(echoed(await request.json(), request.headers.get("User-Agent", "")))

    @routes.get("/big")
    async def big(request):
        return web.Response(text="b" * 3_000_000)

    @routes.get("/visit")
    async def visit(request):
        count = visits(request.cookies.get("visits"))
        response = web.Response(text=f"visit {count}")
        response.set_cookie("visits", str(count))
        return response

    @routes.get("/teapot")
    async def teapot(request):
        return web.Response(status=418, text="418: I'm a teapot")

    app = web.Application()
    app.add_routes(routes)
    web.run_app(app, host="127.0.0.1", port=port, print=None, ssl_context=identity and server_context())

elif framework in ("starlette", "hypercorn-trio"):
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    async def hello(request: Request):
        return PlainTextResponse(f"hello {request.path_params['name']}")

    async def echo(request: Request):
        return JSONResponse(echoed(await request.json(), request.headers.get("user-agent", "")))

    async def big(request: Request):
        return PlainTextResponse("b" * 3_000_000)

    async def visit(request: Request):
        count = visits(request.cookies.get("visits"))
        response = PlainTextResponse(f"visit {count}")
        response.set_cookie("visits", str(count))
        return response

    async def teapot(request: Request):
        raise HTTPException(418)

    app = Starlette(routes=[Route("/hello/{name}", hello), Route("/echo", echo, methods=["POST"]), Route("/big", big),
                            Route("/visit", visit), Route("/teapot", teapot)])
    certfile, keyfile = identity or (None, None)
    if framework == "starlette":
        import uvicorn

        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ssl_certfile=certfile, ssl_keyfile=keyfile)
    else:
        import hypercorn.config
        import hypercorn.trio
        import trio

        config = hypercorn.config.Config()
        config.bind, config.certfile, config.keyfile, config.loglevel = [f"127.0.0.1:{port}"], certfile, keyfile, "WARNING"
        trio.run(hypercorn.trio.serve, app, config)

elif framework == "tornado":
    import asyncio
    import json

    import tornado.web

    class Hello(tornado.web.RequestHandler):
        def get(self, name):
            self.write(f"hello {name}")

    class Echo(tornado.web.RequestHandler):
        def post(self):
            self.set_header("Content-Type", "application/json")
            self.write(json.dumps(echoed(json.loads(self.request.body), self.request.headers.get("User-Agent", ""))))

    class Big(tornado.web.RequestHandler):
        def get(self):
            self.write("b" * 3_000_000)

    class Visit(tornado.web.RequestHandler):
        def get(self):
            count = visits(self.get_cookie("visits"))
            self.set_cookie("visits", str(count))
            self.write(f"visit {count}")

    class Teapot(tornado.web.RequestHandler):
        def get(self):
            raise tornado.web.HTTPError(418)

    async def serve():
        app = tornado.web.Application([(r"/hello/(.*)", Hello), (r"/echo", Echo), (r"/big", Big), (r"/visit", Visit),
                                       (r"/teapot", Teapot)])
        app.listen(port, "127.0.0.1", ssl_options=identity and server_context())
        await asyncio.Event().wait()

    asyncio.run(serve())

elif framework == "stdlib":
    import http.cookies
    import http.server
    import json

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def reply(self, status, body, kind="text/plain", headers=()):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path.startswith("/hello/"):
                self.reply(200, f"hello {self.path[len('/hello/'):]}".encode())
            elif self.path == "/big":
                self.reply(200, b"b" * 3_000_000)
            elif self.path == "/visit":
                cookie = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
                count = visits(cookie["visits"].value if "visits" in cookie else None)
                self.reply(200, f"visit {count}".encode(), headers=[("Set-Cookie", f"visits={count}")])
            elif self.path == "/teapot":
                self.send_error(418)
            else:
                self.send_error(404)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.reply(200, json.dumps(echoed(body, self.headers.get("User-Agent", ""))).encode(), "application/json")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if identity:
        server.socket = server_context().wrap_socket(server.socket, server_side=True)
    server.serve_forever()

else:
    sys.exit(f"no such framework: {framework}")
