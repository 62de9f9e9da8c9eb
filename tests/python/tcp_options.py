"""TCP's integer options (TCP_MAXSEG, TCP_CORK, TCP_SYNCNT, TCP_LINGER2, TCP_DEFER_ACCEPT,
TCP_WINDOW_CLAMP, TCP_QUICKACK, TCP_USER_TIMEOUT, TCP_FASTOPEN, TCP_NOTSENT_LOWAT) on fresh,
listening and connected sockets: their defaults, a value set and read back as an int and as bytes,
too short a value, and a UDP socket's answer; then py-amqp's habit, reading every option it knows
and setting them all back before it connects."""
import socket

from option_survey import attempt, round_trip

NAMES = ["TCP_MAXSEG", "TCP_CORK", "TCP_SYNCNT", "TCP_LINGER2", "TCP_DEFER_ACCEPT", "TCP_WINDOW_CLAMP",
         "TCP_QUICKACK", "TCP_USER_TIMEOUT", "TCP_FASTOPEN", "TCP_NOTSENT_LOWAT"]
VALUES = {"TCP_MAXSEG": 1200, "TCP_CORK": 1, "TCP_SYNCNT": 3, "TCP_LINGER2": 10, "TCP_DEFER_ACCEPT": 5,
          "TCP_WINDOW_CLAMP": 20000, "TCP_QUICKACK": 0, "TCP_USER_TIMEOUT": 30000, "TCP_FASTOPEN": 5,
          "TCP_NOTSENT_LOWAT": 16384}


def survey(label, s):
    for name in NAMES:
        opt = getattr(socket, name)
        print(f"{label} {name}: {round_trip(s, socket.IPPROTO_TCP, opt, VALUES[name])}")


survey("fresh", socket.socket())
listener = socket.create_server(("127.0.0.1", 0))
survey("listening", listener)
client = socket.create_connection(listener.getsockname())
server, _ = listener.accept()
survey("connected", client)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("udp TCP_CORK:", attempt(lambda: udp.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK)),
      attempt(lambda: udp.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)))

# py-amqp's transport: every option it knows, read from a fresh socket and set again.
known = ["TCP_CORK", "TCP_DEFER_ACCEPT", "TCP_KEEPCNT", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_LINGER2",
         "TCP_MAXSEG", "TCP_NODELAY", "TCP_QUICKACK", "TCP_SYNCNT", "TCP_USER_TIMEOUT", "TCP_WINDOW_CLAMP"]
fresh = socket.socket()
options = {getattr(socket, n): fresh.getsockopt(socket.SOL_TCP, getattr(socket, n)) for n in known}
for opt, value in options.items():
    fresh.setsockopt(socket.SOL_TCP, opt, value)
fresh.connect(listener.getsockname())
print("py-amqp's options, then connect:", fresh.getpeername() == listener.getsockname())
for s in (fresh, udp, server, client, listener):
    s.close()
