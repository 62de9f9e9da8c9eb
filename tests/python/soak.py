# Soak: connect/send/close cycles from the sandbox. It runs WARMUP cycles, prints "warm" and waits
# for a line on stdin (the test measures the host), runs CYCLES more, prints "done" and waits again.
# usage: soak.py WARMUP CYCLES
import socket, sys

warmup, cycles = int(sys.argv[1]), int(sys.argv[2])
server = socket.create_server(("127.0.0.1", 0), backlog=64)
address = server.getsockname()


def cycle():
    c = socket.create_connection(address)
    s, _ = server.accept()
    c.sendall(b"soak")
    assert s.recv(4) == b"soak"
    c.close()
    assert s.recv(1) == b""
    s.close()


for _ in range(warmup):
    cycle()
print("warm", flush=True)
sys.stdin.readline()
for _ in range(cycles):
    cycle()
print("done", cycles, flush=True)
sys.stdin.readline()
server.close()
