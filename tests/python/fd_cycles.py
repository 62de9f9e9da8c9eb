# 1,000 connect/send/close cycles; the Rust test around it compares the host's fd count.
import socket

server = socket.create_server(("127.0.0.1", 0))
for i in range(1000):
    c = socket.create_connection(server.getsockname())
    s, _ = server.accept()
    c.sendall(b"x")
    assert s.recv(1) == b"x"
    c.close()
    assert s.recv(1) == b""
    s.close()
server.close()
print("cycles: 1000")
