"""The ASGI app hypercorn serves for tests/real_clients/run.py: it answers with the request's method,
path, body length and HTTP version (so a client sees which protocol ALPN chose), or 300,000 bytes
for /big (more than one HTTP/2 flow-control window)."""


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    if scope["path"] == "/big":
        body = b"z" * 300_000
    else:
        body = f"{scope['method']} {scope['path']} {size} HTTP/{scope['http_version']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})
