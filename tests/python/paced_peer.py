"""A native peer that takes its time, for tests of a blocking socket's waits: accepts CONNECTIONS
connections, one at a time, and serves each as ROLE says. Prints its port first.
  split-send  sends b"abcd", then after a pause b"efgh", then closes (recv_flags.py's MSG_WAITALL).
  slow-read   reads nothing for a pause, so the sender's kernel buffer fills, then reads to the end
              of the stream and answers with the byte count, 8 bytes big-endian (blocking_send.py).
Usage: paced_peer.py ROLE CONNECTIONS"""
import socket
import sys
import time

PAUSE = 0.2


def split_send(conn):
    conn.sendall(b"abcd")
    time.sleep(PAUSE)
    conn.sendall(b"efgh")


def slow_read(conn):
    time.sleep(PAUSE)
    total = 0
    while chunk := conn.recv(1 << 20):
        total += len(chunk)
    conn.sendall(total.to_bytes(8, "big"))


serve = {"split-send": split_send, "slow-read": slow_read}[sys.argv[1]]
with socket.create_server(("127.0.0.1", 0)) as server:
    server.settimeout(60)
    print(server.getsockname()[1], flush=True)
    for _ in range(int(sys.argv[2])):
        conn, _ = server.accept()
        with conn:
            conn.settimeout(60)
            serve(conn)
