# A socket collected while open warns as CPython's finalizer does (ResourceWarning "unclosed <repr>",
# the subclass's own repr) and closes its descriptor; a closed, detached or already-finalized one
# says nothing; under an "error" filter the warning is reported as unraisable, never raised.
# Prints what a test can compare with native CPython: counts, whether the repr is in the message,
# the message without its descriptor number and addresses.
import gc
import re
import socket
import sys
import warnings


def collected(make):
    s = make()
    r = repr(s)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = None
        gc.collect()
    messages = [str(w.message) for w in caught if w.category is ResourceWarning]
    shown = [re.sub(r"fd=\d+|laddr=.*|raddr=.*", "…", m) for m in messages]
    print(len(messages), all(r in m for m in messages), shown)


collected(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
collected(lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM))
collected(lambda: socket.create_server(("127.0.0.1", 0)))
collected(lambda: socket.socketpair()[0])


def closed():
    s = socket.socket()
    s.close()
    return s


def detached():
    s = socket.socket()
    socket.socket(fileno=s.detach()).close()
    return s


collected(closed)
collected(detached)
print("__del__" in socket.socket.__mro__[1].__dict__, hasattr(socket.socket, "__del__"))


# A cycle: the finalizer runs once, from the collector.
class Holder:
    pass


def cycle():
    h = Holder()
    h.me = h
    h.sock = socket.socket()
    return h


collected(cycle)

# Under an "error" filter the warning does not escape the collection.
unraisable = []
sys.unraisablehook = lambda u: unraisable.append(type(u.exc_value).__name__)
with warnings.catch_warnings():
    warnings.simplefilter("error", ResourceWarning)
    s = socket.socket()
    s = None
    gc.collect()
print("unraisable:", unraisable)
