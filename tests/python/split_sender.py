"""A native peer for recv_flags.py's MSG_WAITALL cases: accepts CONNECTIONS connections, one at a
time, and sends each b"abcd", then after a pause b"efgh", then closes. Prints its port first."""
import socket
import sys
import time

with socket.create_server(("127.0.0.1", 0)) as server:
    server.settimeout(60)
    print(server.getsockname()[1], flush=True)
    for _ in range(int(sys.argv[1])):
        conn, _ = server.accept()
        with conn:
            conn.sendall(b"abcd")
            time.sleep(0.2)
            conn.sendall(b"efgh")
