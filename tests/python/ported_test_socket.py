# CPython's test_socket BasicTCPTest, BasicUDPTest and NonBlockingTCPTests, ported to one thread: the
# originals run client and server in two threads, which the sandbox has not. Connects complete from the
# listen backlog and sends fit in loopback buffers, so every step runs in order. tests/tests/sandbox.rs
# compares this transcript with native CPython's.
import select
import socket
import time

MSG = "Michael Gilfix was here\u1234\r\n".encode("utf-8")
HOST = "127.0.0.1"


def listener():
    serv = socket.socket()
    serv.bind((HOST, 0))
    serv.listen()
    return serv


def connected_pair():
    serv = listener()
    cli = socket.create_connection(serv.getsockname())
    conn, _ = serv.accept()
    serv.close()
    return cli, conn


def check(label, value):
    print(f"{label}: {value}")


# BasicTCPTest
cli, conn = connected_pair()
cli.sendall(MSG)
check("testRecv", conn.recv(1024) == MSG)
cli.sendall(MSG)
seg1 = conn.recv(len(MSG) - 3)
seg2 = conn.recv(1024)
check("testOverFlowRecv", seg1 + seg2 == MSG)
cli.sendall(MSG)
msg, addr = conn.recvfrom(1024)
check("testRecvFrom", (msg == MSG, addr))
cli.sendall(MSG)
seg1, addr = conn.recvfrom(len(MSG) - 3)
seg2, addr = conn.recvfrom(1024)
check("testOverFlowRecvFrom", seg1 + seg2 == MSG)
big = b"f" * 2048 * 32
cli.sendall(big)
got = b""
while len(got) < len(big):
    got += conn.recv(65536)
check("testSendAll", got == big)
fd = conn.fileno()
sock = socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM)
cli.sendall(MSG)
check("testFromFd", (sock.recv(1024) == MSG, sock.fileno() != fd))
sock.close()
dup = conn.dup()
cli.sendall(MSG)
check("testDup", dup.recv(1024) == MSG)
dup.close()
cli.sendall(MSG)
check("testShutdown recv", conn.recv(1024) == MSG)
cli.shutdown(socket.SHUT_RDWR)
check("testShutdown EOF", conn.recv(1024))
f = conn.detach()
check("testDetach closed", (conn.fileno(), conn._closed))
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, fileno=f)
check("testDetach reuse", sock.fileno() == f)
sock.close()
cli.close()

# BasicUDPTest
serv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
serv.bind((HOST, 0))
ucli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ucli.sendto(MSG, serv.getsockname())
check("testSendtoAndRecv", serv.recv(len(MSG)) == MSG)
ucli.sendto(MSG, serv.getsockname())
msg, addr = serv.recvfrom(len(MSG))
check("testRecvFrom", (msg == MSG, addr == (HOST, ucli.getsockname()[1])))
try:
    serv.recvfrom(-1)
except ValueError:
    check("testRecvFromNegative", "ValueError")
ucli.sendto(MSG, serv.getsockname())
serv.recvfrom(len(MSG))
serv.close()
ucli.close()

# NonBlockingTCPTests
serv = listener()
for action, arg in [("setblocking", True), ("setblocking", False), ("settimeout", None),
                    ("settimeout", 0), ("settimeout", 10), ("settimeout", 0)]:
    getattr(serv, action)(arg)
    check(f"testSetBlocking {action}({arg})", (serv.gettimeout(), serv.getblocking()))
nb = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
check("testInitNonBlocking", (nb.gettimeout(), nb.type.name))
nb.close()
for default in (None, 20.0):
    socket.setdefaulttimeout(default)
    serv.settimeout(10)
    cli = socket.create_connection(serv.getsockname())
    conn, _ = serv.accept()
    check(f"testInheritFlags default={default}", conn.gettimeout())
    conn.close()
    cli.close()
socket.setdefaulttimeout(None)
serv.setblocking(False)
start = time.monotonic()
try:
    serv.accept()
except BlockingIOError:
    check("testAccept before connect", ("BlockingIOError", time.monotonic() - start < 1.0))
cli = socket.create_connection(serv.getsockname())
read, _, _ = select.select([serv], [], [], 10)
check("testAccept readable", serv in read)
conn, _ = serv.accept()
check("testAccept conn timeout", conn.gettimeout())
conn.setblocking(False)
try:
    conn.recv(len(MSG))
except BlockingIOError:
    check("testRecv before send", "BlockingIOError")
cli.sendall(MSG)
read, _, _ = select.select([conn], [], [], 10)
check("testRecv after send", (conn in read, conn.recv(len(MSG)) == MSG))
for s in (conn, cli, serv):
    s.close()
print("END")
