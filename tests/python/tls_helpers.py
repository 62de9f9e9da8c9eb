"""Helpers for the ssl transcript scripts, which run natively and in the sandbox and whose outputs
are compared: two SSLObjects talking through MemoryBIOs in one thread, and a call's outcome as text."""
import errno
import select
import ssl


def attempt(label, f):
    """Prints `label -> ok` (or the result), or the exception's class and text, without what
    differs between builds (CPython's `(_ssl.c:NNN)`, pysock's `(pysock)`, errno's numbers); SSLErrors
    also show their library, reason and errno (SSL_get_error's number from a connection, OpenSSL's
    reason number from setting up a context)."""
    try:
        result = f()
        print(label, "->", "ok" if result is None else result)
    except Exception as e:
        text = str(e).split(" (_ssl.c")[0].split(" (pysock)")[0]
        if isinstance(e, OSError) and not isinstance(e, ssl.SSLError) and e.errno:
            text = f"{errno.errorcode.get(e.errno, e.errno)} {e.strerror}"
        extra = [getattr(e, a, "-") for a in ("library", "reason", "errno")] if isinstance(e, ssl.SSLError) else []
        print(label, "->", type(e).__name__, text, *extra)


def pair(client_ctx, server_ctx, hostname="localhost", session=None):
    """A client and a server SSLObject and their four BIOs: client in/out, server in/out."""
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = client_ctx.wrap_bio(bios[0], bios[1], server_hostname=hostname, session=session)
    s = server_ctx.wrap_bio(bios[2], bios[3], server_side=True)
    return c, s, bios


def transfer(bios):
    """Moves what each side wrote to the other; False when neither had anything."""
    out, back = bios[1].read(), bios[3].read()
    if out:
        bios[2].write(out)
    if back:
        bios[0].write(back)
    return bool(out or back)


def handshake(c, s, bios, rounds=10):
    """Runs both handshakes until they settle. Returns each side's outcome: "ok", "want" (still
    waiting), or its first SSLError as "Class REASON" (after one, a side is left alone)."""
    result = {}
    for _ in range(rounds):
        for name, obj in (("client", c), ("server", s)):
            if result.get(name, "want") != "want":
                continue
            try:
                obj.do_handshake()
                result[name] = "ok"
            except ssl.SSLWantReadError:
                result[name] = "want"
            except ssl.SSLError as e:
                result[name] = f"{type(e).__name__} {e.reason}"
        if not transfer(bios):
            break
    return result


def shake(client, server, rounds=50):
    """Runs two non-blocking SSLSockets' handshakes until both finish, waiting for either socket
    between rounds. Returns whether they did."""
    for _ in range(rounds):
        done = 0
        for side in (client, server):
            try:
                side.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
        if done == 2:
            return True
        select.select([client, server], [], [], 1)
    return False
