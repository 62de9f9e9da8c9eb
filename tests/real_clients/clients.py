"""Real client libraries, unmodified, against real servers on loopback, and pytest on a test file of
its own. Runs under native python3 and in the sandbox; tests/real_clients/run.py starts the servers, runs both and compares the transcripts.
usage: clients.py CERTS_DIR OTHER_CA SERVERS_JSON, with the libraries on the path (natively
PYTHONPATH=SITE_DIR, in the sandbox `pysock python --path SITE_DIR`, as a user would run them)
"""
import asyncio
import json
import os
import socket
import ssl
import sys
import tempfile
import time
import warnings

certs, other_ca, servers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
ca = os.path.join(certs, "ca.pem")
warnings.simplefilter("ignore")  # urllib3's InsecureRequestWarning, the same on both sides


def outcome(label, f):
    """Prints what `f()` returned, or the exception and every exception it was raised from (through
    the first of a group): class, and for a certificate failure its verify code (messages carry
    library versions and addresses)."""
    try:
        print(f"{label}: {f()}")
    except Exception as e:
        chain, seen = [], set()
        while e is not None and id(e) not in seen:  # some libraries' chains loop back on themselves
            seen.add(id(e))
            code = getattr(e, "verify_code", None)
            chain.append(type(e).__name__ + (f"({code})" if code else ""))
            e = (e.__cause__ or e.__context__ or (e.exceptions[0] if isinstance(e, BaseExceptionGroup) else None)
                 or (e.args[0] if e.args and isinstance(e.args[0], BaseException) else None))
            e = e if isinstance(e, BaseException) else getattr(e, "reason", None)
        print(f"{label}: raised {' <- '.join(chain)}")


https = f"https://localhost:{servers['https']}/hello"

# urllib3 judges the ssl module at import (NotOpenSSLWarning) and picks its host-name matching.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import urllib3
    import urllib3.util.ssl_
print("urllib3 warnings at import:", [type(w.message).__name__ for w in caught])
print("urllib3 trusts ssl's host-name check:", urllib3.util.ssl_.HAS_NEVER_CHECK_COMMON_NAME)


def urllib3_get(**kw):
    with urllib3.PoolManager(retries=False, timeout=5, **kw) as pool:
        r = pool.request("GET", https)
        return r.status, r.data


outcome("urllib3 verified", lambda: urllib3_get(ca_certs=ca))
outcome("urllib3 unverified", lambda: urllib3_get(cert_reqs="CERT_NONE"))
outcome("urllib3 wrong CA", lambda: urllib3_get(ca_certs=other_ca))
outcome("urllib3 wrong host name", lambda: urllib3_get(ca_certs=ca, server_hostname="wrong.example"))
outcome("urllib3 wrong IP", lambda: urllib3_get(ca_certs=ca, server_hostname="127.0.0.2"))

import requests  # noqa: E402


def requests_get(url=https, **kw):
    with requests.Session() as s:
        r = s.get(url, timeout=5, **kw)
        return r.status_code, r.text, r.headers.get("Content-Type")


outcome("requests verified", lambda: requests_get(verify=ca))
outcome("requests unverified", lambda: requests_get(verify=False))
outcome("requests wrong CA", lambda: requests_get(verify=other_ca))
outcome("requests wrong IP", lambda: requests_get(f"https://127.0.0.2:{servers['https_other_ip']}/hello", verify=ca))
outcome("requests POST json", lambda: requests.post(https, json={"a": 1}, verify=ca, timeout=5).json())
# A local server's self-signed certificate from `openssl req -x509` (it marks itself a CA), trusted as itself.
self_signed = os.path.join(os.path.dirname(other_ca), "self_signed.pem")
self_signed_url = f"https://localhost:{servers['https_self_signed']}/hello"
outcome("requests self-signed, trusted", lambda: requests_get(self_signed_url, verify=self_signed))
outcome("requests self-signed, not trusted", lambda: requests_get(self_signed_url, verify=ca))
# A certificate from a local CA, made with `openssl req -x509 -CA` (it marks itself a CA too).
dev_ca = os.path.join(os.path.dirname(other_ca), "dev_ca.pem")
dev_ca_url = f"https://localhost:{servers['https_dev_ca']}/hello"
outcome("requests from a local CA, trusted", lambda: requests_get(dev_ca_url, verify=dev_ca))
outcome("requests from a local CA, not trusted", lambda: requests_get(dev_ca_url, verify=ca))

import redis  # noqa: E402


def redis_round(**kw):
    r = redis.Redis(host="127.0.0.1", socket_timeout=5, **kw)
    try:
        r.set("pysock", "value")
        pipe = r.pipeline()
        pipe.incr("counter").incr("counter").get("pysock")
        return r.ping(), pipe.execute()[1:], r.delete("pysock", "counter")
    finally:
        r.close()


outcome("redis plain", lambda: redis_round(port=servers["redis"]))
outcome("redis TLS", lambda: redis_round(port=servers["redis_tls"], ssl=True, ssl_ca_certs=ca))
outcome("redis TLS wrong CA", lambda: redis_round(port=servers["redis_tls"], ssl=True, ssl_ca_certs=other_ca))

import redis.asyncio  # noqa: E402  (the same client on asyncio's streams, and pub/sub)


async def redis_async_round(**kw):
    r = redis.asyncio.Redis(host="127.0.0.1", socket_timeout=5, **kw)
    try:
        async with r.pubsub() as pubsub:
            await pubsub.subscribe("pysock-channel")
            await pubsub.get_message(timeout=5)  # the subscription's confirmation
            receivers = await r.publish("pysock-channel", "hello")
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
        await r.set("pysock-async", "v" * 100_000)
        value = await r.get("pysock-async")
        return receivers, message["data"], len(value), await r.delete("pysock-async")
    finally:
        await r.aclose()


outcome("redis asyncio", lambda: asyncio.run(redis_async_round(port=servers["redis"])))
outcome("redis asyncio TLS", lambda: asyncio.run(redis_async_round(port=servers["redis_tls"], ssl=True, ssl_ca_certs=ca)))

import pg8000.native  # noqa: E402


def postgres_round(**kw):
    con = pg8000.native.Connection("pysock", host="127.0.0.1", port=servers["postgres"], password="pysock", database="postgres", timeout=5, **kw)
    try:
        con.run("CREATE TEMPORARY TABLE t (n int, s text)")
        for n in range(3):
            con.run("INSERT INTO t VALUES (:n, :s)", n=n, s="x" * n)
        return con.run("SELECT n, s FROM t ORDER BY n"), con.run("SELECT version() LIKE 'PostgreSQL%'")
    finally:
        con.close()


outcome("pg8000", postgres_round)
# PostgreSQL's own TLS upgrade: an SSLRequest on the open connection, then the handshake on it.
outcome("pg8000 TLS", lambda: postgres_round(ssl_context=ssl.create_default_context(cafile=ca)))
outcome("pg8000 TLS wrong CA", lambda: postgres_round(ssl_context=ssl.create_default_context(cafile=other_ca)))
outcome("pg8000 bad password", lambda: pg8000.native.Connection("pysock", host="127.0.0.1", port=servers["postgres"], password="wrong", timeout=5))

import httpx  # noqa: E402

trusting = ssl.create_default_context(cafile=ca)


def httpx_get(**kw):
    with httpx.Client(timeout=5, **kw) as client:
        r = client.get(https)
        big = client.post(https, content=b"x" * 1_000_000, headers={"Content-Type": "application/octet-stream"})
        return r.status_code, r.text, r.http_version, len(big.content)


async def httpx_async(**kw):
    async with httpx.AsyncClient(timeout=5, **kw) as client:
        replies = await asyncio.gather(*(client.get(https) for _ in range(3)))
        echoed = await client.post(https, json={"async": True})
        return [r.status_code for r in replies], echoed.json()


outcome("httpx verified", lambda: httpx_get(verify=trusting))
outcome("httpx unverified", lambda: httpx_get(verify=False))
outcome("httpx wrong CA", lambda: httpx_get(verify=ssl.create_default_context(cafile=other_ca)))
outcome("httpx async verified", lambda: asyncio.run(httpx_async(verify=trusting)))
outcome("httpx async wrong CA", lambda: asyncio.run(httpx_async(verify=ssl.create_default_context(cafile=other_ca))))

import smtplib  # noqa: E402


def smtp_round(context):
    """STARTTLS: TLS begins on a connection that has already spoken plain SMTP."""
    with smtplib.SMTP("localhost", servers["smtp"], timeout=5) as smtp:
        smtp.ehlo()
        started = smtp.starttls(context=context)[0]
        smtp.ehlo()
        message = "Subject: pysock\r\n\r\n" + "a line of the body\r\n" * 20000
        code, reply = smtp.data(message) if smtp.mail("a@example.com")[0] == 250 and smtp.rcpt("b@example.com")[0] == 250 else (0, b"")
        return started, code, reply, smtp.noop()[0]


outcome("smtplib STARTTLS", lambda: smtp_round(trusting))
outcome("smtplib STARTTLS wrong CA", lambda: smtp_round(ssl.create_default_context(cafile=other_ca)))

import aiosmtplib  # noqa: E402


async def aiosmtplib_round(context):
    """asyncio SMTP: STARTTLS upgrades the loop's transport in place (loop.start_tls)."""
    message = "Subject: pysock\r\n\r\n" + "a line of the body\r\n" * 20000
    smtp = aiosmtplib.SMTP(hostname="localhost", port=servers["smtp"], timeout=5, start_tls=False)
    async with smtp:
        started = (await smtp.starttls(tls_context=context)).code
        errors, reply = await smtp.sendmail("a@example.com", ["b@example.com"], message)
        return started, errors, reply, (await smtp.noop()).code


outcome("aiosmtplib STARTTLS", lambda: asyncio.run(aiosmtplib_round(trusting)))
outcome("aiosmtplib STARTTLS wrong CA", lambda: asyncio.run(aiosmtplib_round(ssl.create_default_context(cafile=other_ca))))

import httplib2  # noqa: E402


def httplib2_get(**kw):
    """httplib2 wraps its own sockets in its own SSLContext (ca_certs, or no verification)."""
    response, body = httplib2.Http(timeout=5, **kw).request(https, "GET")
    return response.status, body


outcome("httplib2 verified", lambda: httplib2_get(ca_certs=ca))
outcome("httplib2 unverified", lambda: httplib2_get(disable_ssl_certificate_validation=True))
outcome("httplib2 wrong CA", lambda: httplib2_get(ca_certs=other_ca))

import websockets.asyncio.client  # noqa: E402


async def websocket_round(url=f"ws://127.0.0.1:{servers['websocket']}", **kw):
    async with websockets.asyncio.client.connect(url, open_timeout=5, **kw) as ws:
        replies = []
        for message in ("hello", b"\x00\x01" * 40000, "bye"):
            await ws.send(message)
            reply = await asyncio.wait_for(ws.recv(), 5)
            replies.append(reply if len(reply) < 20 else (type(reply).__name__, len(reply)))
        return replies


outcome("websockets", lambda: asyncio.run(websocket_round()))
outcome("websockets wss", lambda: asyncio.run(websocket_round(f"wss://localhost:{servers['websocket_tls']}", ssl=trusting)))

import websocket  # noqa: E402  (websocket-client: blocking sockets with a timeout, no asyncio)


def websocket_client_round(url=f"ws://127.0.0.1:{servers['websocket']}", **kw):
    ws = websocket.create_connection(url, timeout=5, **kw)
    try:
        replies = []
        for message in ("hello", b"\x00\x01" * 40000, "bye"):
            ws.send_binary(message) if isinstance(message, bytes) else ws.send(message)
            reply = ws.recv()
            replies.append(reply if len(reply) < 20 else (type(reply).__name__, len(reply)))
        ws.settimeout(0.2)
        try:
            ws.recv()
        except websocket.WebSocketTimeoutException:
            replies.append("timed out waiting")
        return replies
    finally:
        ws.close()


outcome("websocket-client", websocket_client_round)
outcome("websocket-client wss", lambda: websocket_client_round(f"wss://localhost:{servers['websocket_tls']}", sslopt={"ca_certs": ca}))

import tornado.httpclient  # noqa: E402  (tornado's HTTP and WebSocket clients, on its own IOStream)
import tornado.websocket  # noqa: E402


async def tornado_fetch(**kw):
    r = await tornado.httpclient.AsyncHTTPClient().fetch(https, connect_timeout=5, request_timeout=5, **kw)
    return r.code, r.body


async def tornado_websocket(url=f"ws://127.0.0.1:{servers['websocket']}", **kw):
    request = tornado.httpclient.HTTPRequest(url, connect_timeout=5, request_timeout=5, **kw)
    ws = await tornado.websocket.websocket_connect(request)
    try:
        replies = []
        for message in ("hello", b"\x00\x01" * 40000, "bye"):
            await ws.write_message(message, binary=isinstance(message, bytes))
            reply = await asyncio.wait_for(ws.read_message(), 5)
            replies.append(reply if len(reply) < 20 else (type(reply).__name__, len(reply)))
        return replies
    finally:
        ws.close()


outcome("tornado verified", lambda: asyncio.run(tornado_fetch(ca_certs=ca)))
outcome("tornado unverified", lambda: asyncio.run(tornado_fetch(validate_cert=False)))
outcome("tornado wrong CA", lambda: asyncio.run(tornado_fetch(ca_certs=other_ca)))
outcome("tornado websocket", lambda: asyncio.run(tornado_websocket()))
outcome("tornado websocket wss", lambda: asyncio.run(tornado_websocket(f"wss://localhost:{servers['websocket_tls']}", ca_certs=ca)))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402


async def aiohttp_client(context):
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        async def get():
            async with session.get(https, ssl=context) as r:
                return r.status, await r.text()

        replies = await asyncio.gather(*(get() for _ in range(3)))
        async with session.post(https, data=b"y" * 1_000_000, ssl=context) as r:
            echoed = len(await r.read())
        return replies[0], len(replies), echoed


async def aiohttp_both_ends():
    """aiohttp's server and client in one program: a handler, a streamed upload and a file served
    with FileResponse (which opens the file in asyncio's default executor, then uses sendfile)."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(bytes(range(256)) * 4096)
    served = f.name

    async def hello(request):
        return web.Response(text=f"hello {request.match_info['name']}")

    async def upload(request):
        total = 0
        async for chunk in request.content.iter_chunked(65536):
            total += len(chunk)
        return web.json_response({"received": total})

    app = web.Application()
    app.add_routes([web.get("/hello/{name}", hello), web.post("/upload", upload),
                    web.get("/file", lambda request: web.FileResponse(served))])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.get("/hello/sandbox") as r:
                greeting = await r.text()
            async with session.post("/upload", data=b"z" * 3_000_000) as r:
                uploaded = await r.json()
            async with session.get("/file") as r:
                body = await r.read()
            async with session.get("/missing") as r:
                missing = r.status
        return greeting, uploaded, len(body), body == bytes(range(256)) * 4096, missing
    finally:
        await runner.cleanup()
        os.unlink(served)


outcome("aiohttp verified", lambda: asyncio.run(aiohttp_client(trusting)))
outcome("aiohttp wrong CA", lambda: asyncio.run(aiohttp_client(ssl.create_default_context(cafile=other_ca))))
outcome("aiohttp server and client", lambda: asyncio.run(aiohttp_both_ends()))


def aiohttp_run_app():
    """aiohttp's `web.run_app`, which installs its SIGINT and SIGTERM handlers with asyncio's
    `loop.add_signal_handler`: once serving, a request to itself, then a SIGALRM handler ends it
    with GracefulExit, as a watchdog would."""
    import signal

    got = []

    async def hello(request):
        return web.Response(text="hello from run_app")

    async def ask_then_stop(app):
        port = app["site_port"]()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.get(f"http://127.0.0.1:{port}/") as r:
                got.append((r.status, await r.text()))
        signal.setitimer(signal.ITIMER_REAL, 0.1)

    def stop(signum, frame):
        raise web.GracefulExit()

    async def on_startup(app):
        app["asking"] = asyncio.get_running_loop().create_task(ask_then_stop(app))

    listener = socket.create_server(("127.0.0.1", 0))
    app = web.Application()
    app["site_port"] = lambda: listener.getsockname()[1]
    app.router.add_get("/", hello)
    app.on_startup.append(on_startup)
    previous = signal.signal(signal.SIGALRM, stop)
    try:
        web.run_app(app, sock=listener, print=None, handle_signals=True)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return got, "returned"


outcome("aiohttp run_app, ended by a SIGALRM handler", aiohttp_run_app)


async def aiohttp_websocket():
    """aiohttp's WebSocket client against the websockets server over wss."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        async with session.ws_connect(f"wss://localhost:{servers['websocket_tls']}", ssl=trusting) as ws:
            await ws.send_str("hello")
            text = (await ws.receive(timeout=5)).data
            await ws.send_bytes(b"\x02" * 200_000)
            blob = (await ws.receive(timeout=5)).data
            return text, len(blob)


outcome("aiohttp websocket wss", lambda: asyncio.run(aiohttp_websocket()))


async def uvicorn_starlette():
    """uvicorn serving a Starlette app, and httpx and websockets as its clients, in one program.
    Starlette runs each plain `def` endpoint, a sync iterator streamed out, `FileResponse` and
    `StaticFiles` through AnyIO's worker threads (`anyio.to_thread.run_sync`)."""
    import tempfile

    import anyio.from_thread
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, StreamingResponse
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles

    folder = tempfile.mkdtemp()
    served = os.path.join(folder, "blob.bin")
    with open(served, "wb") as f:
        f.write(bytes(range(256)) * 4096)
    events = []

    async def hello(request):
        return JSONResponse({"hello": request.path_params["name"], "q": request.query_params.get("q")})

    def blocking(request):  # a worker's call: it may check its cancel scope, as in a worker thread
        anyio.from_thread.check_cancelled()
        return PlainTextResponse("a plain def endpoint")

    async def upload(request):
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
        return JSONResponse({"received": total})

    def lines():
        for i in range(3):
            yield f"line {i}\n"

    async def echo(websocket):
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text.upper())

    async def lifespan(app):
        events.append("startup")
        yield
        events.append("shutdown")

    app = Starlette(lifespan=lifespan, routes=[
        Route("/hello/{name}", hello), Route("/blocking", blocking), Route("/upload", upload, methods=["POST"]),
        Route("/lines", lambda request: StreamingResponse(lines(), media_type="text/plain")),
        Route("/file", lambda request: FileResponse(served)), WebSocketRoute("/ws", echo),
        Mount("/static", StaticFiles(directory=folder)),
    ])
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, loop="asyncio", http="h11", ws="websockets-sansio", log_level="warning"))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        replies = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for method, path, body in [("GET", "/hello/sandbox?q=1", None), ("GET", "/blocking", None),
                                       ("POST", "/upload", b"u" * 2_000_000), ("GET", "/lines", None),
                                       ("GET", "/file", None), ("GET", "/static/blob.bin", None), ("GET", "/missing", None)]:
                r = await client.request(method, path, content=body)
                content = r.content if len(r.content) < 100 else (len(r.content), r.content == bytes(range(256)) * 4096)
                replies.append((r.status_code, content))
        async with websockets.asyncio.client.connect(f"ws://127.0.0.1:{port}/ws") as ws:
            await ws.send("hello")
            replies.append(await asyncio.wait_for(ws.recv(), 5))
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
        listener.close()
        os.unlink(served)
        os.rmdir(folder)
    return replies, events


outcome("uvicorn and Starlette server, httpx and websockets clients", lambda: asyncio.run(uvicorn_starlette()))


import http.client  # noqa: E402


def through_proxy_http_client():
    c = http.client.HTTPSConnection("127.0.0.1", servers["proxy"], context=trusting, timeout=5)
    try:
        c.set_tunnel("localhost", servers["https"])
        c.request("GET", "/hello")
        return c.getresponse().read()
    finally:
        c.close()


def through_tls_proxy(proxy_ca):
    """urllib3 to an HTTPS origin through an HTTPS proxy: TLS inside TLS (ssl.MemoryBIO and SSLObject
    over the proxy's SSLSocket)."""
    proxy = f"https://localhost:{servers['tls_proxy']}"
    context = ssl.create_default_context(cafile=proxy_ca)
    with urllib3.ProxyManager(proxy, ca_certs=ca, proxy_ssl_context=context, timeout=5, retries=False) as pool:
        return pool.request("GET", https).data


outcome("requests through a proxy", lambda: requests_get(proxies={"https": f"http://127.0.0.1:{servers['proxy']}"}, verify=ca))
outcome("http.client set_tunnel", through_proxy_http_client)
outcome("urllib3 through a TLS proxy", lambda: through_tls_proxy(ca))
outcome("urllib3 through a TLS proxy, wrong CA", lambda: through_tls_proxy(other_ca))

# HTTP/2 (httpx with h2) against hypercorn: ALPN chooses h2, and one connection carries many streams.
h2_origin = f"https://localhost:{servers['http2']}"


def http2_round(context):
    with httpx.Client(http2=True, verify=context, timeout=5) as client:
        a = client.get(h2_origin + "/a")
        b = client.post(h2_origin + "/b", content=b"q" * 100_000)
        big = client.get(h2_origin + "/big")
        return a.http_version, a.text, b.text, len(big.content)


async def http2_multiplexed():
    async with httpx.AsyncClient(http2=True, verify=trusting, timeout=5) as client:
        replies = await asyncio.gather(*(client.get(f"{h2_origin}/s{i}") for i in range(20)))
        return sorted({r.http_version for r in replies}), [r.text for r in replies[:2]], len(replies)


outcome("httpx HTTP/2", lambda: http2_round(trusting))
outcome("httpx HTTP/2 wrong CA", lambda: http2_round(ssl.create_default_context(cafile=other_ca)))
outcome("httpx HTTP/2, 20 streams at once", lambda: asyncio.run(http2_multiplexed()))


async def hypercorn_in_this_program():
    """hypercorn serving asgi_app.py over TLS, offering HTTP/2 by ALPN, to httpx in one program: the
    server side's handshake, ALPN and HTTP/2 flow control, on the sandbox's `ssl`."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from asgi_app import app

    listener = socket.create_server(("127.0.0.1", 0))
    config = Config()
    config.certfile, config.keyfile = os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem")
    config.alpn_protocols, config.accesslog, config.errorlog = ["h2", "http/1.1"], None, None
    port = listener.getsockname()[1]
    config.bind = [f"fd://{listener.detach()}"]  # hypercorn's now: it closes it when it stops
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))
    origin = f"https://localhost:{port}"
    try:
        async with httpx.AsyncClient(http2=True, verify=trusting, timeout=5) as client:
            replies = await asyncio.gather(client.get(origin + "/a"), client.post(origin + "/b", content=b"q" * 100_000),
                                           client.get(origin + "/big"))
        async with httpx.AsyncClient(verify=trusting, timeout=5) as client:
            replies.append(await client.get(origin + "/one"))
        return [(r.http_version, r.text if len(r.text) < 100 else len(r.text)) for r in replies]
    finally:
        stop.set()
        await asyncio.wait_for(serving, 10)


outcome("hypercorn HTTP/2 server and httpx, in one program", lambda: asyncio.run(hypercorn_in_this_program()))

# grpclib (gRPC on asyncio and h2, messages in protobuf's pure-Python runtime): its server and client
# in one program, plain and over TLS with ALPN "h2", every cardinality, megabyte messages, a deadline.
from google.protobuf.wrappers_pb2 import BytesValue, StringValue  # noqa: E402
from grpclib import client as grpc_client, const as grpc_const, exceptions as grpc_exceptions  # noqa: E402
from grpclib.server import Server as GrpcServer  # noqa: E402


class GrpcEcho:
    async def unary(self, stream):
        request = await stream.recv_message()
        await stream.send_message(StringValue(value=request.value.upper()))

    async def count(self, stream):
        request = await stream.recv_message()
        for i in range(int(request.value)):
            await stream.send_message(StringValue(value=str(i)))

    async def total(self, stream):
        size = 0
        async for message in stream:
            size += len(message.value)
        await stream.send_message(StringValue(value=str(size)))

    async def mirror(self, stream):
        async for message in stream:
            await stream.send_message(message)

    async def slow(self, stream):
        await stream.recv_message()
        await asyncio.sleep(5)
        await stream.send_message(StringValue(value="late"))

    async def fails(self, stream):
        await stream.recv_message()
        raise grpc_exceptions.GRPCError(grpc_const.Status.NOT_FOUND, "no such thing")

    def __mapping__(self):
        c = grpc_const.Cardinality
        return {
            "/pysock.Echo/Unary": grpc_const.Handler(self.unary, c.UNARY_UNARY, StringValue, StringValue),
            "/pysock.Echo/Count": grpc_const.Handler(self.count, c.UNARY_STREAM, StringValue, StringValue),
            "/pysock.Echo/Total": grpc_const.Handler(self.total, c.STREAM_UNARY, BytesValue, StringValue),
            "/pysock.Echo/Mirror": grpc_const.Handler(self.mirror, c.STREAM_STREAM, BytesValue, BytesValue),
            "/pysock.Echo/Slow": grpc_const.Handler(self.slow, c.UNARY_UNARY, StringValue, StringValue),
            "/pysock.Echo/Fails": grpc_const.Handler(self.fails, c.UNARY_UNARY, StringValue, StringValue),
        }


async def grpc_in_this_program(tls, cafile=ca):
    server_ssl = client_ssl = None
    if tls:
        server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_ssl.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
        server_ssl.set_alpn_protocols(["h2"])
        client_ssl = ssl.create_default_context(cafile=cafile)
        client_ssl.set_alpn_protocols(["h2"])
    server = GrpcServer([GrpcEcho()])
    await server.start("127.0.0.1", 0, ssl=server_ssl)
    port = server._server.sockets[0].getsockname()[1]
    try:
        async with grpc_client.Channel("localhost", port, ssl=client_ssl) as channel:
            def method(kind, name, request, reply):
                return kind(channel, f"/pysock.Echo/{name}", request, reply)

            up = await method(grpc_client.UnaryUnaryMethod, "Unary", StringValue, StringValue)(StringValue(value="hello"))
            counted = await method(grpc_client.UnaryStreamMethod, "Count", StringValue, StringValue)(StringValue(value="100"))
            async with method(grpc_client.StreamUnaryMethod, "Total", BytesValue, StringValue).open() as stream:
                for _ in range(4):
                    await stream.send_message(BytesValue(value=os.urandom(1_000_000)))
                await stream.end()
                total = await stream.recv_message()
            mirrored = []
            async with method(grpc_client.StreamStreamMethod, "Mirror", BytesValue, BytesValue).open() as stream:
                for i in range(20):
                    await stream.send_message(BytesValue(value=bytes([i]) * 50_000))
                    mirrored.append((await stream.recv_message()).value == bytes([i]) * 50_000)
                await stream.end()
            slow = method(grpc_client.UnaryUnaryMethod, "Slow", StringValue, StringValue)
            try:
                await slow(StringValue(value="x"), timeout=0.3)
            except asyncio.TimeoutError as e:
                late = type(e).__name__
            try:
                await method(grpc_client.UnaryUnaryMethod, "Fails", StringValue, StringValue)(StringValue(value="x"))
            except grpc_exceptions.GRPCError as e:
                failed = (e.status.name, e.message)
            return up.value, len(counted), counted[-1].value, total.value, all(mirrored), late, failed
    finally:
        server.close()
        await server.wait_closed()


outcome("grpclib in this program", lambda: asyncio.run(grpc_in_this_program(False)))
outcome("grpclib over TLS in this program", lambda: asyncio.run(grpc_in_this_program(True)))
outcome("grpclib over TLS, wrong CA", lambda: asyncio.run(grpc_in_this_program(True, other_ca)))

# SOCKS5 through pproxy: httpx's own (socksio), PySocks' socksocket (a socket.socket subclass that
# speaks SOCKS in connect) with TLS on top, and urllib through PySocks' handler.
import socks  # noqa: E402
import sockshandler  # noqa: E402
import urllib.request  # noqa: E402

socks_proxy = f"socks5://127.0.0.1:{servers['socks']}"


def httpx_through_socks():
    with httpx.Client(proxy=socks_proxy, verify=trusting, timeout=5) as client:
        return client.get(h2_origin + "/httpx").text


def pysocks_round(proxy_port):
    with socks.socksocket() as s:
        s.set_proxy(socks.SOCKS5, "127.0.0.1", proxy_port)
        s.settimeout(5)
        s.connect(("127.0.0.1", servers["http2"]))
        with trusting.wrap_socket(s, server_hostname="localhost") as t:
            t.sendall(b"GET /pysocks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := t.recv(4096):
                reply += chunk
            return reply.split(b"\r\n")[0], b"GET /pysocks 0 HTTP/1.1" in reply


def urllib_through_socks():
    handler = sockshandler.SocksiPyHandler(socks.SOCKS5, "127.0.0.1", servers["socks"], context=trusting)
    with urllib.request.build_opener(handler).open(h2_origin + "/urllib", timeout=5) as reply:
        return reply.status, reply.read()


outcome("httpx through SOCKS5", httpx_through_socks)
outcome("PySocks with TLS", lambda: pysocks_round(servers["socks"]))
outcome("PySocks, no proxy listening", lambda: pysocks_round(servers["closed"]))
outcome("urllib through SOCKS5", urllib_through_socks)

import dns.asyncquery  # noqa: E402  (dnspython: DNS over UDP, and over TCP, sync and asyncio)
import dns.asyncresolver  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.resolver  # noqa: E402


def dns_resolver(kind):
    r = kind(configure=False)
    r.nameservers, r.port, r.lifetime = ["127.0.0.1"], servers["dns"], 5
    return r


def dns_records():
    r = dns_resolver(dns.resolver.Resolver)
    return [sorted(a.to_text() for a in r.resolve("pysock.test", kind)) for kind in ("A", "TXT", "MX")]


query = dns.message.make_query("pysock.test", "A")
outcome("dnspython resolver (UDP)", dns_records)
outcome("dnspython over TCP", lambda: dns.query.tcp(query, "127.0.0.1", port=servers["dns"], timeout=5).answer[0].to_text())
outcome("dnspython unknown name", lambda: dns_resolver(dns.resolver.Resolver).resolve("other.test", "A"))
# Nothing answers UDP on the port a TCP listener just took and closed: dnspython waits out its timeout.
outcome("dnspython silent port", lambda: dns.query.udp(query, "127.0.0.1", port=servers["closed"], timeout=0.3))


async def dns_async():
    answer = await dns_resolver(dns.asyncresolver.Resolver).resolve("pysock.test", "A")
    over_tcp = await dns.asyncquery.tcp(query, "127.0.0.1", port=servers["dns"], timeout=5)
    return [a.to_text() for a in answer], over_tcp.answer[0].to_text()


outcome("dnspython asyncio", lambda: asyncio.run(dns_async()))

import paho.mqtt.client as mqtt  # noqa: E402  (paho-mqtt: a non-blocking socket in its own select loop)


def mqtt_round():
    received = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="pysock-real-clients")
    client.on_message = lambda _client, _userdata, message: received.append((message.topic, len(message.payload), message.qos))
    client.connect("127.0.0.1", servers["mqtt"], keepalive=30)
    client.subscribe("pysock/#", qos=1)
    for qos, size in ((0, 1), (1, 100_000)):
        client.publish(f"pysock/qos{qos}", b"m" * size, qos=qos)
    deadline = time.monotonic() + 10
    while len(received) < 2 and time.monotonic() < deadline:
        client.loop(timeout=0.5)
    client.disconnect()
    return sorted(received)


outcome("paho-mqtt", mqtt_round)

import aiomqtt  # noqa: E402  (aiomqtt: paho's client on asyncio's add_reader and add_writer)


async def aiomqtt_round():
    """A 200 KB message at QoS 1 to a topic this client subscribed to, read back through its iterator."""
    async with aiomqtt.Client("127.0.0.1", servers["mqtt"], identifier="pysock-aiomqtt", timeout=5) as client:
        await client.subscribe("pysock-aiomqtt/#", qos=1)
        await client.publish("pysock-aiomqtt/big", b"a" * 200_000, qos=1)
        async for message in client.messages:
            return str(message.topic), len(message.payload), message.qos


outcome("aiomqtt", lambda: asyncio.run(asyncio.wait_for(aiomqtt_round(), 30)))

from pymemcache.client.base import Client as Memcache  # noqa: E402  (pymemcache: blocking, with timeouts)


def memcache_round():
    m = Memcache(("127.0.0.1", servers["memcached"]), connect_timeout=5, timeout=5)
    try:
        m.set("big", b"v" * 300_000)
        m.set("count", "5")
        return len(m.get("big")), m.incr("count", 3), m.get("absent"), sorted(m.get_many(["big", "count"]))
    finally:
        m.close()


outcome("pymemcache", memcache_round)

import aiomcache  # noqa: E402  (aiomcache: asyncio memcached, a pool of stream connections)


async def aiomcache_round():
    m = aiomcache.Client("127.0.0.1", servers["memcached"])
    try:
        await m.set(b"big", b"w" * 300_000)
        await m.set(b"count", b"5")
        return len(await m.get(b"big")), await m.incr(b"count", 3), await m.get(b"absent")
    finally:
        await m.close()


outcome("aiomcache", lambda: asyncio.run(asyncio.wait_for(aiomcache_round(), 30)))

import ftplib  # noqa: E402  (the stdlib's FTP client; in active mode the server connects to the sandbox)
import io  # noqa: E402


def ftp_round(passive):
    """Upload, download, list and delete against pyftpdlib, leaving its folder as it was found."""
    name, data = f"upload-{'passive' if passive else 'active'}.bin", bytes(range(256)) * 800
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", servers["ftp"], timeout=5)
        ftp.login("pysock", "pysock")
        ftp.set_pasv(passive)
        ftp.storbinary(f"STOR {name}", io.BytesIO(data))
        got = bytearray()
        ftp.retrbinary(f"RETR {name}", got.extend)
        listing = []
        ftp.retrlines("LIST", listing.append)
        greeting = bytearray()
        ftp.retrbinary("RETR hello.txt", greeting.extend)
        size = ftp.size(name)
        ftp.delete(name)
        return got == data, size, sorted(ftp.nlst()), len(listing), bytes(greeting)


outcome("ftplib passive", lambda: ftp_round(True))
outcome("ftplib active", lambda: ftp_round(False))

import xmlrpc.client  # noqa: E402  (the stdlib's XML-RPC client: http.client, keep-alive, faults)


def xmlrpc_round(url, **kw):
    with xmlrpc.client.ServerProxy(url, allow_none=True, **kw) as proxy:
        big = proxy.text(300_000)
        multi = xmlrpc.client.MultiCall(proxy)
        multi.pow(3, 4)
        multi.reverse(1, "two", None)
        try:
            proxy.no_such_method()
        except xmlrpc.client.Fault as fault:
            failed = fault.faultCode
        return proxy.pow(2, 20), len(big), list(multi()), failed


outcome("xmlrpc.client", lambda: xmlrpc_round(f"http://127.0.0.1:{servers['xmlrpc']}/"))
outcome("xmlrpc.client over TLS", lambda: xmlrpc_round(f"https://localhost:{servers['xmlrpc_tls']}/",
                                                      context=__import__("ssl").create_default_context(cafile=ca)))

import pymysql  # noqa: E402  (PyMySQL: blocking, with its own TLS upgrade inside the handshake)


def mysql_round(**kw):
    """A temporary table with a 2 MB value (the server's packets span many receives), then which TLS
    version the server saw: the empty string for a plain connection."""
    con = pymysql.connect(host="127.0.0.1", port=servers["mariadb"], user="pysock", password="pysock",
                          connect_timeout=5, read_timeout=5, write_timeout=5, **kw)
    try:
        with con.cursor() as c:
            c.execute("CREATE TEMPORARY TABLE test.t (n int, s longtext)")
            c.executemany("INSERT INTO test.t VALUES (%s, %s)", [(n, "x" * n) for n in range(3)])
            c.execute("INSERT INTO test.t VALUES (%s, %s)", (9, "y" * 2_000_000))
            c.execute("SELECT n, LENGTH(s) FROM test.t ORDER BY n")
            rows = c.fetchall()
            c.execute("SELECT s FROM test.t WHERE n = 9")
            big = c.fetchone()[0] == "y" * 2_000_000
            c.execute("SHOW SESSION STATUS LIKE 'Ssl_version'")
            return rows, big, c.fetchone()[1]
    finally:
        con.close()


def mysql_slow_query():
    """A query that outlasts read_timeout: PyMySQL's socket timeout ends it."""
    con = pymysql.connect(host="127.0.0.1", port=servers["mariadb"], user="pysock", password="pysock",
                          connect_timeout=5, read_timeout=0.5, ssl_disabled=True)
    try:
        with con.cursor() as c:
            started = time.monotonic()
            try:
                c.execute("SELECT SLEEP(3)")
            except pymysql.err.OperationalError as e:
                return e.args[0], 0.4 < time.monotonic() - started < 2.5
    finally:
        con.close()


outcome("PyMySQL plain", lambda: mysql_round(ssl_disabled=True))
outcome("PyMySQL TLS preferred", mysql_round)
outcome("PyMySQL TLS verified", lambda: mysql_round(ssl_ca=ca, ssl_verify_identity=True))
outcome("PyMySQL TLS wrong CA", lambda: mysql_round(ssl=ssl.create_default_context(cafile=other_ca)))
outcome("PyMySQL bad password", lambda: pymysql.connect(host="127.0.0.1", port=servers["mariadb"], user="pysock",
                                                        password="wrong", connect_timeout=5, ssl_disabled=True))
outcome("PyMySQL read timeout", mysql_slow_query)

import aiomysql  # noqa: E402  (aiomysql: PyMySQL's protocol on asyncio's streams)


async def aiomysql_round(**kw):
    """The 2 MB value again, through asyncio's stream reader, and the TLS version the server saw."""
    con = await aiomysql.connect(host="127.0.0.1", port=servers["mariadb"], user="pysock", password="pysock",
                                 connect_timeout=5, **kw)
    try:
        async with con.cursor() as c:
            await c.execute("CREATE TEMPORARY TABLE test.t (n int, s longtext)")
            await c.execute("INSERT INTO test.t VALUES (%s, %s)", (9, "y" * 2_000_000))
            await c.execute("SELECT s FROM test.t WHERE n = 9")
            big = (await c.fetchone())[0] == "y" * 2_000_000
            await c.execute("SHOW SESSION STATUS LIKE 'Ssl_version'")
            return big, (await c.fetchone())[1]
    finally:
        con.close()


def aiomysql_run(**kw):
    return asyncio.run(asyncio.wait_for(aiomysql_round(**kw), 30))


outcome("aiomysql plain", aiomysql_run)
outcome("aiomysql TLS verified", lambda: aiomysql_run(ssl=trusting))
outcome("aiomysql TLS wrong CA", lambda: aiomysql_run(ssl=ssl.create_default_context(cafile=other_ca)))

import mysql.connector  # noqa: E402  (MySQL's own Connector/Python, its pure-Python protocol)


def connector_round(**kw):
    """The 2 MB value through Oracle's client, and the TLS version the server saw."""
    con = mysql.connector.connect(host="127.0.0.1", port=servers["mariadb"], user="pysock", password="pysock",
                                  use_pure=True, connection_timeout=5, **kw)
    try:
        c = con.cursor()
        c.execute("CREATE TEMPORARY TABLE test.t (n int, s longtext)")
        c.execute("INSERT INTO test.t VALUES (%s, %s)", (9, "z" * 2_000_000))
        c.execute("SELECT s FROM test.t WHERE n = 9")
        big = c.fetchone()[0] == "z" * 2_000_000
        c.execute("SHOW SESSION STATUS LIKE 'Ssl_version'")
        return big, c.fetchone()[1]
    finally:
        con.close()


outcome("mysql-connector plain", lambda: connector_round(ssl_disabled=True))
outcome("mysql-connector TLS verified", lambda: connector_round(ssl_ca=ca, ssl_verify_identity=True))
outcome("mysql-connector TLS wrong CA", lambda: connector_round(ssl_ca=other_ca, ssl_verify_cert=True))

import sqlalchemy  # noqa: E402  (SQLAlchemy's ORM and connection pool, on PyMySQL)
from sqlalchemy import orm  # noqa: E402


class Base(orm.DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "pysock_notes"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    text: orm.Mapped[str] = orm.mapped_column(sqlalchemy.Text(1_000_000))  # MEDIUMTEXT


def sqlalchemy_round():
    """A table made, rows added in one session and read in another (the pool hands the connection
    back), a 500 KB value, and the table dropped."""
    engine = sqlalchemy.create_engine(f"mysql+pymysql://pysock:pysock@127.0.0.1:{servers['mariadb']}/pysock",
                                      connect_args={"connect_timeout": 5, "read_timeout": 5, "ssl_disabled": True})
    try:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        with orm.Session(engine) as session:
            session.add_all([Note(text="first"), Note(text="n" * 500_000)])
            session.commit()
        with orm.Session(engine) as session:
            notes = session.scalars(sqlalchemy.select(Note).order_by(Note.id)).all()
            read = [(n.id, len(n.text)) for n in notes]
        Base.metadata.drop_all(engine)
        return read, engine.pool.checkedin()
    finally:
        engine.dispose()


outcome("SQLAlchemy on PyMySQL", sqlalchemy_round)

import boto3  # noqa: E402  (boto3: botocore's HTTP over urllib3, SigV4 signing, s3transfer's multipart upload)
import boto3.s3.transfer  # noqa: E402
import botocore.config  # noqa: E402


def s3_round():
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{servers['s3']}", region_name="us-east-1",
                      aws_access_key_id="pysock", aws_secret_access_key="pysock",
                      config=botocore.config.Config(connect_timeout=5, read_timeout=5, retries={"max_attempts": 1}))
    s3.create_bucket(Bucket="pysock")
    s3.put_object(Bucket="pysock", Key="small.txt", Body=b"hello from boto3")
    data = bytes(range(256)) * 45_000  # 11.5 MB: three parts of a multipart upload
    # As users leave it: use_threads, so s3transfer's thread pools (in place in the sandbox).
    chunks = boto3.s3.transfer.TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20)
    s3.upload_fileobj(io.BytesIO(data), "pysock", "big.bin", Config=chunks)
    got = io.BytesIO()
    s3.download_fileobj("pysock", "big.bin", got, Config=chunks)
    with tempfile.TemporaryDirectory() as folder:  # by file name: s3transfer writes the parts in its I/O pool
        path = os.path.join(folder, "big.bin")
        s3.download_file("pysock", "big.bin", path, Config=chunks)
        s3.upload_file(path, "pysock", "copy.bin", Config=chunks)
    listing = s3.list_objects_v2(Bucket="pysock")["Contents"]
    try:
        s3.head_object(Bucket="pysock", Key="absent")
        missing = None
    except s3.exceptions.ClientError as e:
        missing = e.response["Error"]["Code"]
    small = s3.get_object(Bucket="pysock", Key="small.txt")["Body"].read()
    for item in listing:
        s3.delete_object(Bucket="pysock", Key=item["Key"])
    s3.delete_bucket(Bucket="pysock")
    return small, got.getvalue() == data, [(o["Key"], o["Size"]) for o in listing], missing


outcome("boto3 S3", s3_round)

import nats  # noqa: E402  (nats-py: asyncio, upgraded to TLS with loop.start_tls after the server's INFO)


async def nats_round(url, **kw):
    async def quiet(e):  # nats-py prints every error it reports; the outcome shows it once
        pass

    nc = await nats.connect(url, connect_timeout=5, allow_reconnect=False, error_cb=quiet, **kw)
    try:
        async def reverse(msg):
            await msg.respond(msg.data[::-1])

        everything = await nc.subscribe("pysock.>")
        await nc.subscribe("service.reverse", cb=reverse)
        await nc.publish("pysock.small", b"hello")
        await nc.publish("pysock.big", b"z" * 500_000)
        got = [(m.subject, len(m.data)) for m in [await everything.next_msg(timeout=5) for _ in range(2)]]
        reply = await nc.request("service.reverse", b"abc", timeout=5)
        return got, reply.data, nc.connected_url.scheme
    finally:
        await nc.close()


outcome("nats-py", lambda: asyncio.run(nats_round(f"nats://127.0.0.1:{servers['nats']}")))
outcome("nats-py TLS", lambda: asyncio.run(nats_round(f"tls://localhost:{servers['nats_tls']}", tls=trusting)))
outcome("nats-py TLS wrong CA", lambda: asyncio.run(nats_round(f"tls://localhost:{servers['nats_tls']}",
                                                               tls=ssl.create_default_context(cafile=other_ca))))

import imaplib  # noqa: E402  (the stdlib's IMAP and POP3 clients, with STARTTLS and over TLS)
import poplib  # noqa: E402

letter = b"Subject: from the sandbox\r\n\r\n" + b"line of a long letter\r\n" * 15_000


def imap_round(imap, user, starttls=None):
    """Store a 345 KB letter, find it, read it back, delete it: the mailbox ends as it began."""
    with imap:
        if starttls:
            imap.starttls(starttls)
        imap.login(user, "pysock")
        imap.append("INBOX", None, None, letter)
        imap.select("INBOX")
        found = imap.search(None, 'SUBJECT "from the sandbox"')[1]
        body = imap.fetch(b"1", "(BODY[])")[1][0][1]
        imap.store(b"1", "+FLAGS", "\\Deleted")
        imap.expunge()
        return found, body == letter, imap.select("INBOX")[1]


def pop3_round(pop, user, stls=None):
    """POP3 has no way to store a letter: IMAP puts one in this user's mailbox for it to fetch."""
    with imaplib.IMAP4("127.0.0.1", servers["imap"], timeout=5) as imap:
        imap.login(user, "pysock")
        imap.append("INBOX", None, None, letter)
    if stls:
        pop.stls(stls)
    pop.user(user)
    pop.pass_("pysock")
    try:
        count, size = pop.stat()
        lines = pop.retr(1)[1]
        pop.dele(1)
        return count, size, b"\r\n".join(lines) + b"\r\n" == letter
    finally:
        pop.quit()


outcome("imaplib STARTTLS", lambda: imap_round(imaplib.IMAP4("127.0.0.1", servers["imap"], timeout=5), "starttls", trusting))
outcome("imaplib over TLS", lambda: imap_round(imaplib.IMAP4_SSL("localhost", servers["imaps"], ssl_context=trusting, timeout=5), "imaps"))
outcome("imaplib over TLS, wrong CA", lambda: imaplib.IMAP4_SSL("localhost", servers["imaps"], timeout=5,
                                                                ssl_context=ssl.create_default_context(cafile=other_ca)))


def imap_bad_password():
    with imaplib.IMAP4("127.0.0.1", servers["imap"], timeout=5) as imap:
        return imap.login("x", "wrong")


outcome("imaplib bad password", imap_bad_password)

import imapclient  # noqa: E402  (IMAPClient: imaplib underneath, its own TLS set-up and response parser)


def imapclient_round(**kw):
    """A letter appended, searched for and fetched over TLS, then deleted."""
    with imapclient.IMAPClient("localhost", servers["imaps"], ssl=True, timeout=5, **kw) as imap:
        imap.login("imapclient", "pysock")
        imap.append("INBOX", letter)
        imap.select_folder("INBOX")
        found = imap.search(["SUBJECT", "from the sandbox"])
        body = imap.fetch(found, ["BODY[]"])[found[0]][b"BODY[]"]
        imap.delete_messages(found)
        imap.expunge()
        return len(found), body == letter


outcome("IMAPClient over TLS", lambda: imapclient_round(ssl_context=trusting))
outcome("IMAPClient over TLS, wrong CA", lambda: imapclient_round(ssl_context=ssl.create_default_context(cafile=other_ca)))
outcome("poplib STLS", lambda: pop3_round(poplib.POP3("127.0.0.1", servers["pop3"], timeout=5), "stls", trusting))
outcome("poplib over TLS", lambda: pop3_round(poplib.POP3_SSL("localhost", servers["pop3s"], context=trusting, timeout=5), "pop3s"))

import logging  # noqa: E402

import aio_pika  # noqa: E402  (aio-pika on aiormq: AMQP 0-9-1 over asyncio streams)

logging.getLogger("aiormq").setLevel(logging.CRITICAL)  # it logs each failed connect; the outcome shows it


async def amqp_round(url, **kw):
    """A plain and a 1 MB message through a queue of this connection's own, each acknowledged."""
    async with await aio_pika.connect(url, timeout=5, **kw) as connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        for body in (b"hello", b"m" * 1_000_000):
            await channel.default_exchange.publish(aio_pika.Message(body), routing_key=queue.name)
        got = []
        async with queue.iterator(timeout=5) as messages:
            async for message in messages:
                async with message.process():
                    got.append(len(message.body))
                if len(got) == 2:
                    break
        return got


def amqp(url, **kw):
    return asyncio.run(asyncio.wait_for(amqp_round(url, **kw), 30))


outcome("aio-pika", lambda: amqp(f"amqp://guest:guest@127.0.0.1:{servers['amqp']}/"))
outcome("aio-pika TLS", lambda: amqp(f"amqps://guest:guest@localhost:{servers['amqps']}/", ssl_context=trusting))
outcome("aio-pika TLS wrong CA", lambda: amqp(f"amqps://guest:guest@localhost:{servers['amqps']}/",
                                              ssl_context=ssl.create_default_context(cafile=other_ca)))
outcome("aio-pika bad password", lambda: amqp(f"amqp://guest:wrong@127.0.0.1:{servers['amqp']}/"))

import amqp  # noqa: E402  (py-amqp: blocking AMQP 0-9-1, on which kombu and celery run)
import kombu  # noqa: E402


def py_amqp_round(host, **kw):
    """py-amqp's blocking client: a queue of its own, a plain and a 1 MB message, each fetched with
    basic_get and acknowledged; its transport reads and sets back every TCP option it knows."""
    with amqp.Connection(host, userid="guest", password=kw.pop("password", "guest"), connect_timeout=5, **kw) as connection:
        channel = connection.channel()
        queue, _, _ = channel.queue_declare(exclusive=True)
        got = []
        for body in (b"hello", b"m" * 1_000_000):
            channel.basic_publish(amqp.Message(body), routing_key=queue)
            deadline = time.monotonic() + 5
            while (message := channel.basic_get(queue)) is None and time.monotonic() < deadline:
                time.sleep(0.01)
            channel.basic_ack(message.delivery_tag)
            got.append(len(message.body))
        return got


def kombu_round(url, **kw):
    """kombu's SimpleQueue on its pyamqp transport: put, then get with a timeout (which drains events
    on the connection's socket until a message or the time limit)."""
    with kombu.Connection(url, connect_timeout=5, **kw) as connection:
        queue = connection.SimpleQueue(f"pysock-{os.getpid()}", queue_opts={"exclusive": True})
        queue.put({"hello": "kombu"})
        message = queue.get(timeout=5)
        message.ack()
        queue.close()
        return message.payload


outcome("py-amqp", lambda: py_amqp_round(f"127.0.0.1:{servers['amqp']}"))
# py-amqp takes its TLS settings as a dict and builds the context itself.
amqp_tls = {"server_hostname": "localhost", "cert_reqs": ssl.CERT_REQUIRED}
outcome("py-amqp TLS", lambda: py_amqp_round(f"localhost:{servers['amqps']}", ssl={**amqp_tls, "ca_certs": ca}))
outcome("py-amqp TLS wrong CA", lambda: py_amqp_round(f"localhost:{servers['amqps']}", ssl={**amqp_tls, "ca_certs": other_ca}))
outcome("py-amqp bad password", lambda: py_amqp_round(f"127.0.0.1:{servers['amqp']}", password="wrong"))
outcome("kombu", lambda: kombu_round(f"pyamqp://guest:guest@127.0.0.1:{servers['amqp']}//"))

import pika  # noqa: E402  (pika: RabbitMQ's own blocking client, on its select/poll/epoll loop)

logging.getLogger("pika").setLevel(logging.CRITICAL)  # it logs each failed connect; the outcome shows it


def pika_round(port, password="guest", **kw):
    """pika's BlockingConnection: a plain and a 1 MB message through a queue of its own, consumed with
    an inactivity timeout and acknowledged."""
    parameters = pika.ConnectionParameters("127.0.0.1", port, credentials=pika.PlainCredentials("guest", password),
                                           connection_attempts=1, socket_timeout=5, blocked_connection_timeout=5, **kw)
    with pika.BlockingConnection(parameters) as connection:
        channel = connection.channel()
        queue = channel.queue_declare("", exclusive=True).method.queue
        for body in (b"hello", b"m" * 1_000_000):
            channel.basic_publish("", queue, body)
        got = []
        for method, _, body in channel.consume(queue, inactivity_timeout=5):
            if method is None:
                break
            channel.basic_ack(method.delivery_tag)
            got.append(len(body))
            if len(got) == 2:
                break
        channel.cancel()
        return got


outcome("pika", lambda: pika_round(servers["amqp"]))
outcome("pika TLS", lambda: pika_round(servers["amqps"], ssl_options=pika.SSLOptions(trusting, "localhost")))
outcome("pika TLS wrong CA", lambda: pika_round(servers["amqps"], ssl_options=pika.SSLOptions(
    ssl.create_default_context(cafile=other_ca), "localhost")))
outcome("pika bad password", lambda: pika_round(servers["amqp"], password="wrong"))

# trio: its own run loop on epoll (trio takes sys.platform "wasi" for a BSD, which pysock's adapters
# mend), its socket wrappers, SSLStream over ssl's memory BIOs, worker threads (to_thread, and
# through it every name lookup), and httpx on trio through AnyIO's trio backend.
import functools  # noqa: E402
import hashlib  # noqa: E402

import trio  # noqa: E402


async def trio_https_get(context):
    stream = await trio.open_tcp_stream("localhost", servers["https"])
    async with trio.SSLStream(stream, context, server_hostname="localhost", https_compatible=True) as tls:
        await tls.send_all(b"GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := await tls.receive_some(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body.decode()


async def trio_echo_in_this_program():
    async def echo(stream):
        async with stream:
            async for chunk in stream:
                await stream.send_all(chunk)

    sent = os.urandom(1_000_000)
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, echo, 0, host="127.0.0.1"))
        port = listeners[0].socket.getsockname()[1]
        async with await trio.open_tcp_stream("127.0.0.1", port) as client:
            async def send():
                await client.send_all(sent)
                await client.send_eof()

            nursery.start_soon(send)
            got = bytearray()
            async for chunk in client:
                got += chunk
        nursery.cancel_scope.cancel()
    return len(got), hashlib.sha256(got).digest() == hashlib.sha256(sent).digest()


async def trio_datagrams():
    with trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM) as a, \
            trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM) as b:
        await a.bind(("127.0.0.1", 0))
        await b.bind(("127.0.0.1", 0))
        await b.sendto(b"over UDP", a.getsockname())
        data, sender = await a.recvfrom(100)
        return data, sender == b.getsockname()


async def trio_timeout():
    async with await trio.open_tcp_stream("127.0.0.1", servers["https"]) as stream:
        with trio.move_on_after(0.3) as scope:
            await stream.receive_some(100)  # the server waits for a TLS hello that never comes
        return scope.cancelled_caught


async def trio_workers():
    total = await trio.to_thread.run_sync(sum, range(10))
    try:
        await trio.to_thread.run_sync(int, "x")
    except ValueError as e:
        return total, f"ValueError: {e}"


async def httpx_on_trio(**kw):
    async with httpx.AsyncClient(timeout=5, **kw) as client:
        replies = []

        async def get():
            replies.append((await client.get(https)).status_code)

        async with trio.open_nursery() as nursery:
            for _ in range(3):
                nursery.start_soon(get)
        echoed = await client.post(https, json={"on": "trio"})
        return replies, echoed.json()


outcome("trio HTTPS verified", lambda: trio.run(trio_https_get, trusting))
outcome("trio HTTPS wrong CA", lambda: trio.run(trio_https_get, ssl.create_default_context(cafile=other_ca)))
outcome("trio echo in this program", lambda: trio.run(trio_echo_in_this_program))
outcome("trio UDP", lambda: trio.run(trio_datagrams))
outcome("trio timeout", lambda: trio.run(trio_timeout))
outcome("trio worker threads", lambda: trio.run(trio_workers))
outcome("trio refused", lambda: trio.run(trio.open_tcp_stream, "127.0.0.1", servers["closed"]))
outcome("httpx on trio verified", lambda: trio.run(functools.partial(httpx_on_trio, verify=trusting)))
outcome("httpx on trio wrong CA", lambda: trio.run(functools.partial(
    httpx_on_trio, verify=ssl.create_default_context(cafile=other_ca))))

import ldap3  # noqa: E402  (ldap3: LDAP in Python alone, its own BER codec, blocking sockets with timeouts)
from ldap3.protocol.microsoft import dir_sync_control  # noqa: E402

ldap_base = "dc=pysock,dc=test"


def ldap_round(port, password="pysock", cafile=ca, auto_bind=ldap3.AUTO_BIND_NO_TLS, **kw):
    """Binds as the directory's root, adds a unit and 60 people (one with a 200 KB photo), searches
    them by pages and by filter, modifies one, and deletes them all, the unit last."""
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=cafile)
    server = ldap3.Server("localhost", port=port, tls=tls, get_info=ldap3.NONE, connect_timeout=5, **kw)
    conn = ldap3.Connection(server, f"cn=admin,{ldap_base}", password, receive_timeout=5, auto_bind=auto_bind)
    with conn:
        conn.add(ldap_base, ["dcObject", "organization"], {"o": "pysock", "dc": "pysock"})  # once; then it exists
        unit = f"ou=people-{os.getpid()},{ldap_base}"
        added = [conn.add(unit, ["organizationalUnit"], {"ou": f"people-{os.getpid()}"})]
        photo = bytes(range(256)) * 800
        for i in range(60):
            attributes = {"cn": f"Person {i}", "sn": f"Number {i}", "mail": f"p{i}@pysock.test"}
            if i == 7:
                attributes["jpegPhoto"] = photo
            added.append(conn.add(f"cn=Person {i},{unit}", ["inetOrgPerson"], attributes))
        pages = list(conn.extend.standard.paged_search(unit, "(objectClass=inetOrgPerson)", attributes=["cn"],
                                                       paged_size=25, generator=False))
        conn.search(unit, "(&(objectClass=inetOrgPerson)(cn=Person 7))", attributes=["mail", "jpegPhoto"])
        found = conn.entries[0]
        conn.modify(f"cn=Person 7,{unit}", {"mail": [(ldap3.MODIFY_REPLACE, ["seven@pysock.test"])]})
        conn.search(unit, "(mail=seven@pysock.test)", attributes=["cn"])
        modified = [str(e.cn) for e in conn.entries]
        deleted = [conn.delete(f"cn=Person {i},{unit}") for i in range(60)] + [conn.delete(unit)]
        return (all(added), len(pages), str(found.mail), found.jpegPhoto.value == photo, modified, all(deleted),
                conn.server.ssl or conn.tls_started)


def ldap_start_tls(**kw):
    return ldap_round(servers["ldap"], auto_bind=ldap3.AUTO_BIND_TLS_BEFORE_BIND, **kw)


outcome("ldap3 plain", lambda: ldap_round(servers["ldap"]))
outcome("ldap3 StartTLS verified", ldap_start_tls)
outcome("ldap3 LDAPS verified", lambda: ldap_round(servers["ldaps"], use_ssl=True))
outcome("ldap3 LDAPS wrong CA", lambda: ldap_round(servers["ldaps"], use_ssl=True, cafile=other_ca))
outcome("ldap3 StartTLS wrong CA", lambda: ldap_start_tls(cafile=other_ca))
outcome("ldap3 bad password", lambda: ldap_round(servers["ldap"], password="wrong"))
outcome("ldap3 DirSync control (a C long)", lambda: dir_sync_control(True, False, True, False, True, 1000, None))

# Twisted, with its default reactor (epoll under Linux, poll in the sandbox, whose sys.platform is
# "wasi"): a twisted.web server and its Agent in one program, and its XML-RPC client against the
# native server. The reactor wakes itself through os.pipe, makes every descriptor non-blocking and
# close-on-exec through fcntl, and a listening port holds a spare descriptor on /dev/null.
import io  # noqa: E402

from twisted.internet import defer, endpoints, protocol, reactor  # noqa: E402
from twisted.web import client as web_client, resource, server as web_server, xmlrpc as twisted_xmlrpc  # noqa: E402


class TwistedEcho(resource.Resource):
    isLeaf = True

    def render_GET(self, request):
        return b"twisted says " + request.path

    def render_POST(self, request):
        return b"%d bytes" % len(request.content.read())


def twisted_outcome(label, d):
    """`outcome` for a Deferred: its result, or the class of the failure's exception."""
    d.addCallbacks(lambda result: print(f"{label}: {result}"),
                   lambda failure: print(f"{label}: raised {failure.type.__name__}"))
    return d


@defer.inlineCallbacks
def twisted_agent(agent, method, url, body=None):
    producer = web_client.FileBodyProducer(io.BytesIO(body)) if body is not None else None
    response = yield agent.request(method, url, None, producer)
    content = yield web_client.readBody(response)
    return response.code, content


@defer.inlineCallbacks
def twisted_xmlrpc_round():
    proxy = twisted_xmlrpc.Proxy(f"http://127.0.0.1:{servers['xmlrpc']}/".encode(), allowNone=True)
    power = yield proxy.callRemote("pow", 2, 20)
    big = yield proxy.callRemote("text", 300_000)
    try:
        yield proxy.callRemote("no_such_method")
    except twisted_xmlrpc.Fault as fault:
        failed = fault.faultCode
    return power, len(big), failed


@defer.inlineCallbacks
def twisted_rounds():
    port = reactor.listenTCP(0, web_server.Site(TwistedEcho()), interface="127.0.0.1")
    base = f"http://127.0.0.1:{port.getHost().port}".encode()
    agent = web_client.Agent(reactor, pool=web_client.HTTPConnectionPool(reactor, persistent=False))
    yield twisted_outcome("Twisted web server, Agent GET", twisted_agent(agent, b"GET", base + b"/hello"))
    yield twisted_outcome("Twisted Agent POST 100 kB", twisted_agent(agent, b"POST", base + b"/upload", b"p" * 100_000))
    yield twisted_outcome("Twisted XML-RPC client", twisted_xmlrpc_round())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    refused = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", closed, timeout=5)
    yield twisted_outcome("Twisted connect to a closed port", refused.connect(protocol.Factory.forProtocol(protocol.Protocol)))
    yield port.stopListening()


def twisted_run():
    done = twisted_rounds()
    done.addErrback(lambda failure: print("Twisted failed:", failure.getTraceback()))
    done.addBoth(lambda _: reactor.stop())
    reactor.callLater(30, lambda: reactor.running and reactor.stop())
    reactor.run()


twisted_run()

# werkzeug's password hashes, a Flask app's logins: scrypt by default, and PBKDF2 (hashlib's, which
# WASI CPython lacks and pysock adds). The salts are random; what they hash to is checked, not shown.
from werkzeug.security import check_password_hash, generate_password_hash


def password_round(**kw):
    hashed = generate_password_hash("correct horse", **kw)
    return hashed.split("$")[0], check_password_hash(hashed, "correct horse"), check_password_hash(hashed, "wrong")


outcome("werkzeug scrypt", password_round)
outcome("werkzeug pbkdf2", lambda: password_round(method="pbkdf2:sha256:600000"))


# pytest with its default options, as a user runs their tests: its output capture moves a temporary
# file onto descriptors 1 and 2 with os.dup2 and back, its fault handler writes to a duplicate of 2,
# its cache (which reads os.umask) keeps the failures for --lf, and it goes back to the folder it
# started in when it ends ("/" in the sandbox, where run.py starts it).
import contextlib  # noqa: E402
import io  # noqa: E402

import pytest  # noqa: E402

PYTEST_EXAMPLE = '''
import os, socket, sys


def test_prints():
    print("printed")
    os.write(1, b"written to descriptor 1\\n")
    print("to stderr", file=sys.stderr)


def test_fails():
    print("output of a failing test")
    assert [1, 2] == [1, 3]


def test_loopback():
    with socket.create_server(("127.0.0.1", 0)) as server, socket.create_connection(server.getsockname()) as client:
        peer, _ = server.accept()
        with peer:
            client.sendall(b"ping")
            assert peer.recv(4) == b"ping"


def test_capfd(capfd):
    os.write(1, b"raw\\n")
    print("python")
    assert capfd.readouterr().out == "raw\\npython\\n"


def test_tmp_path(tmp_path):
    (tmp_path / "note").write_text("kept")
    assert (tmp_path / "note").read_text() == "kept"
'''


class PytestReports:
    """What each test did, as pytest reports it: its outcome and the output it captured."""

    def __init__(self):
        self.seen = []

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            self.seen.append((report.nodeid.split("::")[-1], report.outcome, report.capstdout, report.capstderr))


pytest_folder = tempfile.mkdtemp()
with open(os.path.join(pytest_folder, "test_example.py"), "w") as f:
    f.write(PYTEST_EXAMPLE)


def pytest_round(*options):
    reports = PytestReports()
    with contextlib.redirect_stdout(io.StringIO()):  # its report, with timings
        status = pytest.main([pytest_folder, *options], plugins=[reports])
    return int(status), reports.seen


outcome("pytest", pytest_round)
outcome("pytest --lf", lambda: pytest_round("--lf"))
