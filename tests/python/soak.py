# Soak: connect/send/close cycles from the sandbox. It runs WARMUP cycles and prints "warm", runs
# CYCLES more and prints "done"; with "pause" it waits for a line on stdin after each, so that a test
# can measure the host in between.
# usage: soak.py WARMUP CYCLES [pause]
import socket, sys

warmup, cycles = int(sys.argv[1]), int(sys.argv[2])
pause = sys.argv[3:] == ["pause"]
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
if pause:
    sys.stdin.readline()
for _ in range(cycles):
    cycle()
print("done", cycles, flush=True)
if pause:
    sys.stdin.readline()
server.close()
