# Sockets and poll objects in garbage cycles whose other finalizers still use them, as asyncio
# transports do in __del__. The component must not trap, and every descriptor must be closed.
import gc
import select
import socket
import warnings

warnings.simplefilter("ignore", ResourceWarning)


class Holder:
    """Part of a cycle (it refers to itself) that polls and closes its socket when finalized."""

    def __init__(self, sock, poller):
        self.sock, self.poller, self.me = sock, poller, self

    def __del__(self):
        self.poller.poll(0)
        self.sock.close()


for _ in range(200):
    a, b = socket.socketpair()
    p = select.poll()
    p.register(a, select.POLLIN)
    Holder(a, p)
    Holder(b, p)
del a, b, p
gc.collect()
# Had any descriptor leaked, new ones would be numbered above the 400 the loop made.
fresh = socket.socket()
print("every descriptor was closed:", fresh.fileno() == 3)
fresh.close()
print("END")
