"""Blocking methods with a timeout wait for readiness before they call, as CPython's sock_call_ex
does: after a sendall to a peer that never reads has timed out, the next send waits and times out
rather than squeezing bytes into a full buffer; MSG_DONTWAIT does not change that (it only spares a
blocking socket's call, which CPython makes on a blocking descriptor, the wait). Each line gives the outcome and whether the call
waited its timeout ("waited") or returned at once ("at once")."""
import socket
import time

TIMEOUT = 0.2


def attempt(label, f, *args):
    start = time.monotonic()
    try:
        result = f(*args)
        outcome = "ok" if result is None else type(result).__name__
    except OSError as e:
        outcome = type(e).__name__
    waited = "waited" if time.monotonic() - start >= TIMEOUT * 0.75 else "at once"
    print(f"{label}: {outcome}, {waited}")


listener = socket.create_server(("127.0.0.1", 0))
writer = socket.create_connection(listener.getsockname())
reader, _ = listener.accept()
writer.settimeout(TIMEOUT)
reader.settimeout(TIMEOUT)

attempt("recv on an empty socket", reader.recv, 1)
attempt("recv_into on an empty socket", reader.recv_into, bytearray(1))
attempt("recvfrom on an empty socket", reader.recvfrom, 1)
attempt("recv(MSG_DONTWAIT) on an empty socket", reader.recv, 1, socket.MSG_DONTWAIT)
attempt("recv_into(MSG_DONTWAIT) on an empty socket", reader.recv_into, bytearray(1), 1, socket.MSG_DONTWAIT)
reader.settimeout(None)
attempt("recv(MSG_DONTWAIT) on an empty blocking socket", reader.recv, 1, socket.MSG_DONTWAIT)
reader.settimeout(TIMEOUT)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
udp.settimeout(TIMEOUT)
attempt("UDP recvfrom(MSG_DONTWAIT) with nothing queued", udp.recvfrom, 1, socket.MSG_DONTWAIT)
udp.close()
listener.settimeout(TIMEOUT)
attempt("accept with no client", listener.accept)
attempt("sendall to a peer that never reads", writer.sendall, b"x" * (64 << 20))
for method in ("send", "sendall"):
    attempt(f"{method} after the buffer filled", getattr(writer, method), b"x" * 1024)
attempt("sendto after the buffer filled", writer.sendto, b"x", listener.getsockname())
attempt("send(MSG_DONTWAIT) after the buffer filled", writer.send, b"x", socket.MSG_DONTWAIT)
writer.settimeout(None)
attempt("send(MSG_DONTWAIT) on the blocking socket", writer.send, b"x", socket.MSG_DONTWAIT)
writer.settimeout(TIMEOUT)
# Drain what the kernel queued (bounded: the loopback buffers hold a few MiB at most).
reader.setblocking(False)
for _ in range(10_000):
    try:
        reader.recv(1 << 20)
    except BlockingIOError:
        break
attempt("send once the peer read", writer.send, b"y")
for s in (listener, writer, reader):
    s.close()
