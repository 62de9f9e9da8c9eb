"""A native peer for blocking_send.py: accepts CONNECTIONS connections, one at a time; for each, reads
nothing for 0.2 s (so the sender's kernel buffer fills), then reads to the end of the stream and
answers with the byte count, 8 bytes big-endian. Prints its port first."""
import socket
import sys
import time

with socket.create_server(("127.0.0.1", 0)) as server:
    server.settimeout(60)
    print(server.getsockname()[1], flush=True)
    for _ in range(int(sys.argv[1])):
        conn, _ = server.accept()
        with conn:
            conn.settimeout(60)
            time.sleep(0.2)
            total = 0
            while chunk := conn.recv(1 << 20):
                total += len(chunk)
            conn.sendall(total.to_bytes(8, "big"))
