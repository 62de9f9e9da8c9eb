# One quota breach per mode; the Rust test passes the matching --max-* option and reads the line.
import socket, ssl, sys, errno

mode = sys.argv[1]


def report(what, e):
    code = errno.errorcode.get(e.errno, e.errno) if isinstance(e.errno, int) and e.errno > 0 else e.errno
    print(f"{mode}: {what}: {type(e).__name__} {code} | {e}")


keep = []
i = 0
breach = None
try:
    if mode == "sockets":  # --max-sockets 3
        for i in range(1, 10):
            keep.append(socket.socket())
    elif mode == "listeners":  # --max-listeners 1
        for i in range(1, 10):
            keep.append(socket.create_server(("127.0.0.1", 0)))
    elif mode in ("bytes-sent", "bytes-sent-large"):  # --max-bytes-sent 1000 (large: 10000)
        size, quota = (600, 1000) if mode == "bytes-sent" else (6000, 10000)
        server = socket.create_server(("127.0.0.1", 0))
        c = socket.create_connection(server.getsockname())
        peer, _ = server.accept()
        i = 0
        try:
            for i in range(1, 10):
                c.sendall(b"x" * size)
        finally:
            peer.settimeout(1)
            got = b""
            while len(got) < quota:
                got += peer.recv(65536)
            print(f"{mode}: the peer received {len(got)} bytes")
    elif mode in ("bytes-received", "bytes-received-large"):  # --max-bytes-received 1000 (large: 100000)
        # Large: receives big enough for the kernel to write into the sandbox's memory directly.
        size, total = (700, 3000) if mode == "bytes-received" else (30000, 300000)
        server = socket.create_server(("127.0.0.1", 0))
        c = socket.create_connection(server.getsockname())
        peer, _ = server.accept()
        peer.sendall(b"y" * total)
        c.settimeout(5)  # were the quota not to hold, the receives would end here
        got = 0
        try:
            while True:
                got += len(c.recv(size))
        finally:
            print(f"{mode}: received {got} bytes before the quota")
    elif mode == "connections":  # --max-connections-per-second 5
        server = socket.create_server(("127.0.0.1", 0), backlog=20)
        for i in range(1, 20):
            keep.append(socket.create_connection(server.getsockname()))
    elif mode == "tls":  # --max-tls-sessions 1
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        for i in range(1, 10):
            keep.append(ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com"))
    elif mode == "lookups":  # --max-lookups 0
        i = 1
        socket.getaddrinfo("localhost", 80)
    print(f"{mode}: no breach")
except OSError as e:
    breach = e
    report(f"at {i}", e)
if mode == "lookups":
    # Also an exit status (success: the breach), for the in-process test that shares lookup slots.
    sys.exit(0 if isinstance(breach, socket.gaierror) and breach.errno == socket.EAI_AGAIN else 1)
