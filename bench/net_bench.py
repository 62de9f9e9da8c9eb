# One network workload against a native peer on loopback; prints its result on one line.
# Runs unchanged under native python3, in the sandbox (pysock python), and on CPython with
# wasmtime-wasi's own sockets, so the three compare like with like. Sockets are closed explicitly:
# wasi-libc aborts in getpeername when a finalizer reports an unclosed socket after shutdown().
#   throughput PORT CHUNK TOTAL   -> MiB/s sending TOTAL bytes in sendall(CHUNK) calls to a sink
#   latency PORT ROUNDS           -> p50 p99 in microseconds of 64-byte ping-pongs with an echo peer
#   connrate PORT COUNT           -> connections per second (connect, close) to an accepting peer
import socket
import sys
import time

from bench_io import recv_exactly

kind, port = sys.argv[1], int(sys.argv[2])
peer = ("127.0.0.1", port)

if kind == "throughput":
    chunk, total = int(sys.argv[3]), int(sys.argv[4])
    payload = b"x" * chunk
    s = socket.create_connection(peer)
    start = time.perf_counter()
    sent = 0
    while sent < total:
        s.sendall(payload)
        sent += chunk
    s.shutdown(socket.SHUT_WR)
    ack = recv_exactly(s, 8)
    elapsed = time.perf_counter() - start
    s.close()
    assert int.from_bytes(ack, "big") == sent, "the sink did not receive everything"
    print(f"{sent / elapsed / 2**20:.1f}")
elif kind == "latency":
    rounds = int(sys.argv[3])
    s = socket.create_connection(peer)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass  # ping-pong never has unacknowledged data, so Nagle does not delay it
    message = b"p" * 64
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        s.sendall(message)
        got = 0
        while got < 64:
            got += len(s.recv(64 - got))
        samples.append(time.perf_counter() - start)
    s.close()
    samples.sort()
    print(f"{samples[len(samples) // 2] * 1e6:.1f} {samples[int(len(samples) * 0.99)] * 1e6:.1f}")
elif kind == "connrate":
    count = int(sys.argv[3])
    start = time.perf_counter()
    for _ in range(count):
        socket.create_connection(peer).close()
    print(f"{count / (time.perf_counter() - start):.0f}")
else:
    sys.exit(f"unknown workload {kind}")
