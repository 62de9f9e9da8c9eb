"""Options whose value is bytes, TCP_INFO and TCP_CONGESTION, and SO_PRIORITY, on fresh, listening
and connected TCP sockets and on UDP and AF_UNIX ones: read as an int and as bytes, set from bytes,
an int and a NULL pointer, with the kernel's errors. Only what an unprivileged process may do: the
sandbox refuses the rest whatever the host's privileges (tests/tests/sandbox.rs checks that)."""
import socket
import struct
import time

from option_survey import attempt

TCP = socket.IPPROTO_TCP


def tcp_state(s):
    """tcpi_state, the first byte of struct tcp_info."""
    return s.getsockopt(TCP, socket.TCP_INFO, 1)[0]


def congestion(s):
    return s.getsockopt(TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0")


def survey(label, s):
    default = attempt(lambda: congestion(s))
    print(f"{label}: TCP_INFO as an int {attempt(lambda: s.getsockopt(TCP, socket.TCP_INFO))},"
          f" 8 bytes asked: length and state {attempt(lambda: (lambda b: (len(b), b[0]))(s.getsockopt(TCP, socket.TCP_INFO, 8)))},"
          f" 1024 asked {attempt(lambda: len(s.getsockopt(TCP, socket.TCP_INFO, 1024)))},"
          f" set {attempt(lambda: s.setsockopt(TCP, socket.TCP_INFO, b'x' * 8))}")
    print(f"{label}: TCP_CONGESTION as an int {attempt(lambda: s.getsockopt(TCP, socket.TCP_CONGESTION))},"
          f" 2 bytes {attempt(lambda: s.getsockopt(TCP, socket.TCP_CONGESTION, 2))}")
    for value in (b"reno", b"reno\0padding", b"no-such-algorithm", b"", 0x6f6e6572):
        print(f"{label}: set TCP_CONGESTION {value!r} {attempt(lambda: s.setsockopt(TCP, socket.TCP_CONGESTION, value))},"
              f" reads {attempt(lambda: congestion(s))}")
    print(f"{label}: set TCP_CONGESTION NULL of 4 {attempt(lambda: s.setsockopt(TCP, socket.TCP_CONGESTION, None, 4))},"
          f" of 0 {attempt(lambda: s.setsockopt(TCP, socket.TCP_CONGESTION, None, 0))}")
    back = attempt(lambda: s.setsockopt(TCP, socket.TCP_CONGESTION, eval(default))) if default.startswith("b") else default
    print(f"{label}: the default back {back}, reads the default {attempt(lambda: congestion(s)) == default}")
    for value in (6, 0, 3):
        print(f"{label}: SO_PRIORITY {value} {attempt(lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, value))},"
              f" reads {attempt(lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY))}"
              f" {attempt(lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, 4))}")


survey("fresh", socket.socket())
survey("udp", socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
survey("unix", socket.socket(socket.AF_UNIX))
listener = socket.create_server(("127.0.0.1", 0))
survey("listening", listener)
client = socket.create_connection(listener.getsockname())
server, _ = listener.accept()
survey("connected", client)

# What programs read from TCP_INFO: the state, and a field or two further in (tcpi_snd_mss).
info = client.getsockopt(TCP, socket.TCP_INFO, 104)
print("fresh, listening, connected:", tcp_state(socket.socket()), tcp_state(listener), tcp_state(client),
      "snd_mss set:", struct.unpack_from("I", info, 16)[0] > 0)
server.close()
deadline = time.monotonic() + 5
while tcp_state(client) != 8 and time.monotonic() < deadline:
    time.sleep(0.01)
print("after the peer closed:", tcp_state(client))
client.close()
print("closed:", attempt(lambda: client.getsockopt(TCP, socket.TCP_INFO, 8)))
listener.close()
