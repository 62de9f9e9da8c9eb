# TLS when the other side fails it: a peer that closes or resets before the handshake, a MemoryBIO
# that ends after each flight, a peer that speaks plain HTTP, a proxy request or another protocol
# (OpenSSL names the first two and answers none of them with an alert), and a program that retries
# an unfinished write with a shorter buffer (SSLError BAD_LENGTH, not bytes counted as sent); and an
# established session that the peer resets, ends, or sends a record that does not decrypt.
# tests/tests/sandbox.rs compares this with native CPython.
# usage: ssl_peer_faults.py CERTS_DIR
import os
import socket
import ssl
import sys
import time

from tls_helpers import attempt, shake

certs = sys.argv[1]
server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx.load_cert_chain(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
client_ctx.load_verify_locations(os.path.join(certs, "ca.pem"))
listener = socket.create_server(("127.0.0.1", 0))


def connected():
    c = socket.create_connection(listener.getsockname())
    return c, listener.accept()[0]


# The peer is gone before the ClientHello: EOF or a reset, in each mode that waits.
for ending in ("closes", "resets"):
    for timeout in (None, 2.0):
        c, peer = connected()
        if ending == "resets":
            peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        peer.close()
        c.settimeout(timeout)
        attempt(f"peer {ending}, timeout {timeout}: wrap_socket", lambda: client_ctx.wrap_socket(c, server_hostname="localhost"))
        c.close()

# MemoryBIOs that reach EOF after 0 to 3 flights of the handshake.
for flights in range(4):
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = client_ctx.wrap_bio(bios[0], bios[1], server_hostname="localhost")
    s = server_ctx.wrap_bio(bios[2], bios[3], server_side=True)
    for _ in range(flights):
        for side in (c, s):
            try:
                side.do_handshake()
            except ssl.SSLWantReadError:
                pass
        out, back = bios[1].read(), bios[3].read()
        bios[2].write(out)
        bios[0].write(back)
    bios[0].write_eof()
    bios[2].write_eof()
    attempt(f"EOF after {flights} flights: client do_handshake", c.do_handshake)
    attempt(f"EOF after {flights} flights: server do_handshake", s.do_handshake)
    attempt(f"EOF after {flights} flights: client read", c.read)

# A server that hears something other than TLS; the client shows whether an alert came back.
for first in (b"GET / HTTP/1.1\r\n\r\n", b"POST /x HTTP/1.1\r\n\r\n", b"HEAD / HTTP/1.0\r\n\r\n", b"PUT / HTTP/1.0\r\n\r\n",
              b"CONNECT example.com:443 HTTP/1.1\r\n\r\n", b"hello there\r\n", b"\x00\x01\x02\x03\x04\x05"):
    c, peer = connected()
    c.sendall(first)
    peer.settimeout(2)
    server = server_ctx.wrap_socket(peer, server_side=True, do_handshake_on_connect=False)
    attempt(f"server hears {first[:8]!r}: do_handshake", server.do_handshake)
    c.settimeout(0.2)
    attempt("  the client receives", lambda: c.recv(100)[:1])
    server.close()
    c.close()

def record_types(sock):
    """The content types of the TLS records `sock` receives within 0.2 s (22 handshake, 21 alert)."""
    sock.settimeout(0.2)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        pass
    types = []
    while len(data) >= 5:
        types.append(data[0])
        data = data[5 + int.from_bytes(data[3:5], "big"):]
    return types


# A client that hears something other than TLS: what it sent (a ClientHello, and no alert after).
for reply in (b"HTTP/1.0 400 Bad Request\r\n\r\n", b"SSH-2.0-OpenSSH\r\n"):
    c, peer = connected()
    peer.sendall(reply)
    c.settimeout(2)
    client = client_ctx.wrap_socket(c, server_hostname="localhost", do_handshake_on_connect=False)
    attempt(f"client hears {reply[:8]!r}: do_handshake", client.do_handshake)
    print("  the peer received records of types", record_types(peer))
    client.close()
    peer.close()


def established():
    c, peer = connected()
    client = client_ctx.wrap_socket(c, server_hostname="localhost", do_handshake_on_connect=False)
    server = server_ctx.wrap_socket(peer, server_side=True, do_handshake_on_connect=False)
    client.setblocking(False)
    server.setblocking(False)
    if not shake(client, server):
        raise RuntimeError("no handshake")
    return client, server


def drain(server, limit=5.0):
    """Reads what the server can get within `limit` seconds; whether it got anything."""
    got, end = 0, time.monotonic() + limit
    while time.monotonic() < end:
        try:
            data = server.recv(1 << 20)
        except ssl.SSLWantReadError:
            time.sleep(0.01)
            try:
                data = server.recv(1 << 20)
            except ssl.SSLWantReadError:
                break
        if not data:
            break
        got += len(data)
    return got > 0


def established_raw():
    """An established client, its server, and a plain socket on the server's descriptor, through
    which the test misbehaves as the server."""
    client, server = established()
    try:
        client.recv(1)  # takes the session tickets
    except ssl.SSLWantReadError:
        pass
    return client, server, socket.socket(socket.AF_INET, socket.SOCK_STREAM, fileno=server.fileno())


# Faults after the handshake, for a blocking client and one with a timeout: a reset after a record
# (a socket error in SSL_read_ex is SSLEOFError to CPython, its errno lost), an end without
# close_notify, a record that does not decrypt, and a record cut short.
for timeout in (None, 1.0):
    for fault in ("reset", "end", "garbage", "cut short"):
        client, server, raw = established_raw()
        client.settimeout(timeout)
        client.suppress_ragged_eofs = False
        if fault == "reset":
            server.send(b"x" * 100)
            time.sleep(0.05)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            raw.close()
            time.sleep(0.05)
            attempt(f"{fault}, timeout {timeout}: recv the record", lambda: len(client.recv(1000)))
        elif fault == "end":
            raw.shutdown(socket.SHUT_WR)
        elif fault == "garbage":
            raw.send(b"\x17\x03\x03\x00\x20" + b"\x00" * 32)
        else:
            raw.send(b"\x17\x03\x03\x00\x20" + b"\x00" * 10)
            raw.shutdown(socket.SHUT_WR)
        attempt(f"{fault}, timeout {timeout}: recv", lambda: client.recv(1000))
        attempt(f"{fault}, timeout {timeout}: recv again", lambda: client.recv(1000))
        if fault == "reset":
            # (OpenSSL's send here fails on the alert it could not send: not compared.)
            server.detach()
        else:
            attempt(f"{fault}, timeout {timeout}: send", lambda: client.send(b"x"))
            if fault == "garbage":
                # The alert (encrypted, so an application-data record). After an early end OpenSSL
                # sends one too, which pysock cannot (README).
                print(f"{fault}, timeout {timeout}: the peer received records of types", record_types(raw))
            raw.detach()
            server.close()
        client.close()

# A write that could not finish, retried: with the same buffer, a shorter one, a longer one; then
# the same with a non-blocking socket, and the session after a BAD_LENGTH.
data = b"x" * 50_000_000
for retry in ("same", "shorter", "longer"):
    client, server = established()
    client.settimeout(0.3)
    attempt(f"{retry}: sendall into a full buffer", lambda: client.sendall(data))
    attempt(f"{retry}: retry before the peer reads", lambda: client.send(b"y") if retry == "shorter" else None)
    print(f"{retry}: the peer read some", drain(server))
    again = {"same": data, "shorter": b"y", "longer": b"z" * 60_000_000}[retry]
    attempt(f"{retry}: retry after the peer read", lambda: client.send(again) > 1)
    client.close()
    server.close()
client, server = established()
sent = 0
try:
    while True:
        sent += client.send(b"a" * 1_000_000)
except ssl.SSLWantWriteError:
    print("non-blocking: SSLWantWriteError after some bytes", sent > 0)
drain(server)
attempt("non-blocking: retry shorter", lambda: client.send(b"b"))
attempt("non-blocking: then shorter again", lambda: client.send(b"c" * 10))
drain(server)
attempt("non-blocking: then longer", lambda: client.send(b"d" * 5_000_000))
attempt("non-blocking: then recv", lambda: client.recv(10))
client.close()
server.close()
listener.close()
