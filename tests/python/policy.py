# The egress policy seen from inside the sandbox. The Rust test runs each mode with its rules:
#   literals: --allow bind,connect,send=127.0.0.2          (tricks that spell 127.0.0.1 are denied)
#   names:    --allow '*.test' --allow bind=127.0.0.2 --deny 127.0.0.1 --resolve-ttl 1
#             --add-host api.test=127.0.0.2 --add-host rebound.test=127.0.0.1
#   mapped:   --allow-net --deny 10.0.0.0/8 --deny 127.0.0.0/8 --deny ::1
# Each line says what happened; denials must come at once (a hang would hit the 5 s timeout).
import socket, sys, time, errno

mode = sys.argv[1]


def attempt(label, f):
    start = time.monotonic()
    try:
        result = f()
        print(f"{label}: ok {result}")
    except OSError as e:
        when = "at once" if time.monotonic() - start < 1.0 else "slowly"
        name = errno.errorcode.get(e.errno, e.errno) if isinstance(e.errno, int) and e.errno > 0 else e.errno
        print(f"{label}: {type(e).__name__} {name} {when} | {e}")


def tcp(host, port):
    def f():
        with socket.create_connection((host, port), timeout=5) as c:
            c.sendall(b"ping")
            return c.recv(4).decode()
    return f


def udp(host, port, family=socket.AF_INET):
    def f():
        with socket.socket(family, socket.SOCK_DGRAM) as u:
            return u.sendto(b"datagram", (host, port))
    return f


def serve_once(server):
    conn, _ = server.accept()
    with conn:
        conn.sendall(conn.recv(4))


if mode == "literals":
    server = socket.create_server(("127.0.0.2", 0))
    port = server.getsockname()[1]
    server.settimeout(5)
    for host in ["127.0.0.1", "127.1", "0x7f000001", "2130706433", "0.0.0.0", "localhost"]:
        attempt(f"connect {host}", tcp(host, port))
    for host in ["::ffff:127.0.0.1", "::", "::1"]:
        attempt(f"connect {host}", lambda: socket.create_connection((host, port), timeout=5).close())
    c = socket.create_connection(("127.0.0.2", port), timeout=5)
    serve_once_sock, _ = server.accept()
    c.sendall(b"ping"); serve_once_sock.sendall(serve_once_sock.recv(4))
    print("connect 127.0.0.2: echo", c.recv(4).decode())
    c.close(); serve_once_sock.close()
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.2", 0))
    uport = receiver.getsockname()[1]
    for host in ["127.0.0.1", "127.1", "0.0.0.0"]:
        attempt(f"sendto {host}", udp(host, uport))
    attempt("sendto ::ffff:127.0.0.1", udp("::ffff:127.0.0.1", uport, socket.AF_INET6))
    attempt("sendto 127.0.0.2", udp("127.0.0.2", uport))
    print("received", receiver.recvfrom(100)[0].decode())
    for host in ["0.0.0.0", "127.0.0.1", ""]:
        attempt(f"bind {host!r}", lambda: socket.create_server((host, 0)).close())
    attempt("bind '::'", lambda: socket.create_server(("::", 0), family=socket.AF_INET6).close())
    def listen_unbound():
        s = socket.socket()
        try:
            s.listen()
        finally:
            s.close()
    attempt("listen without bind", listen_unbound)
elif mode == "names":
    server = socket.create_server(("127.0.0.2", 0))
    server.settimeout(5)
    port = server.getsockname()[1]
    attempt("connect 127.0.0.2 before resolving", lambda: socket.create_connection(("127.0.0.2", port), timeout=5).close())
    print("getaddrinfo api.test:", socket.getaddrinfo("api.test", port, type=socket.SOCK_STREAM)[0][4])
    c = socket.create_connection(("127.0.0.2", port), timeout=5)
    print("connect 127.0.0.2 after resolving: ok")
    c.close(); server.accept()[0].close()
    time.sleep(1.3)
    attempt("connect 127.0.0.2 after the ttl", lambda: socket.create_connection(("127.0.0.2", port), timeout=5).close())
    c = socket.create_connection(("api.test", port), timeout=5)
    print("connect api.test: ok", c.getpeername())
    c.close(); server.accept()[0].close()
    attempt("connect rebound.test", tcp("rebound.test", port))
    attempt("connect 127.1", tcp("127.1", port))
    attempt("getaddrinfo example.com", lambda: socket.getaddrinfo("example.com", 80))
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.2", 0))
    attempt("sendto api.test", udp("api.test", receiver.getsockname()[1]))
    print("received", receiver.recvfrom(100)[0].decode())
elif mode == "mapped":
    for host in ["::ffff:10.0.0.1", "::ffff:127.0.0.1", "::", "::1"]:
        attempt(f"connect {host}", lambda: socket.create_connection((host, 80), timeout=5).close())
    for host in ["10.0.0.1", "167772161", "0.0.0.0", "127.0.0.1"]:
        attempt(f"connect {host}", lambda: socket.create_connection((host, 80), timeout=5).close())
    attempt("sendto ::ffff:10.1.2.3", udp("::ffff:10.1.2.3", 53, socket.AF_INET6))
    attempt("sendto 10.1.2.3", udp("10.1.2.3", 53))
