# Connects to a native peer at PORT and sends back every line it receives, until the peer closes.
import socket, sys

with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as conn, conn.makefile("rwb") as f:
    for line in f:
        f.write(line)
        f.flush()
