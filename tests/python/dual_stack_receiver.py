# Binds a UDP socket to the IPv6 wildcard (dual-stack, as Linux has it by default), prints its port,
# and blocks in recv for two datagrams that a native peer sends later, one from each loopback family:
# the wait must wake for either. tests/tests/sandbox.rs sends them and compares with native CPython.
import socket

u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.bind(("::", 0))
print(u.getsockname()[1], flush=True)
for _ in range(2):
    print("received", u.recv(100), flush=True)
u.close()
