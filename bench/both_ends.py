# Both ends of a TCP connection in one program, one thread: what the sandbox costs when every call on
# both sides pays it. The same script runs natively and in the sandbox. Bounded by its arguments.
#   bulk TOTAL CHUNK -> MiB/s moving TOTAL bytes in CHUNK-sized sends through a select loop
#   pingpong ROUNDS  -> p50 p99 in microseconds of a blocking 64-byte round trip between the two
import select
import socket
import sys
import time

kind = sys.argv[1]
listener = socket.create_server(("127.0.0.1", 0))
a = socket.create_connection(listener.getsockname())
b, _ = listener.accept()
listener.close()

if kind == "bulk":
    total, chunk = int(sys.argv[2]), int(sys.argv[3])
    payload = memoryview(b"x" * chunk)
    a.setblocking(False)
    b.setblocking(False)
    # Fixed buffers: with the kernel's autotuning the rate was bimodal (about 2,100 or 4,000 MiB/s,
    # natively and in the sandbox alike, decided by how the windows grew), so a median of five
    # swung the ratio between 0.55 and 1.75 from run to run. The same 4 MiB for every subject.
    for s in (a, b):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sent = received = 0
    start = time.perf_counter()
    while received < total:
        readable, writable, _ = select.select([b], [a] if sent < total else [], [], 5)
        if writable:
            try:
                sent += a.send(payload[: min(chunk, total - sent)])
            except BlockingIOError:
                pass
        if readable:
            try:
                received += len(b.recv(chunk))
            except BlockingIOError:
                pass
        if not readable and not writable:
            sys.exit("stalled")
    elapsed = time.perf_counter() - start
    print(f"{received / elapsed / 2**20:.1f}")
elif kind == "pingpong":
    rounds = int(sys.argv[2])
    for s in (a, b):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def round_trips(a, b, rounds, clock=time.perf_counter):
        # A function, as a hot loop would be written: its names are locals, not module globals.
        message = b"p" * 64
        samples = []
        for _ in range(rounds):
            start = clock()
            a.sendall(message)
            got = 0
            while got < 64:
                got += len(b.recv(64 - got))
            b.sendall(message)
            got = 0
            while got < 64:
                got += len(a.recv(64 - got))
            samples.append(clock() - start)
        return samples

    samples = sorted(round_trips(a, b, rounds))
    print(f"{samples[len(samples) // 2] * 1e6:.2f} {samples[int(len(samples) * 0.99)] * 1e6:.2f}")
else:
    sys.exit(f"unknown workload {kind}")
a.close()
b.close()
