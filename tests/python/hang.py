# Opens CONNECTIONS connections to a native server at PORT, sends a byte on each, then ends the
# way MODE says: "wait" blocks in select forever, "compute" loops forever, "exit" calls sys.exit(3),
# "memory" allocates past any sensible limit. The Rust test checks that every socket closed.
import select, socket, sys

mode, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
for c in conns:
    c.sendall(b"!")
print("connected", count, flush=True)
if mode == "wait":
    select.select(conns, [], [])
    print("select returned: unexpected")
elif mode == "compute":
    while True:
        pass
elif mode == "exit":
    sys.exit(3)
elif mode == "memory":
    try:
        hoard = bytearray(1 << 30)
        print("allocated 1 GiB")
    except MemoryError:
        print("MemoryError")
