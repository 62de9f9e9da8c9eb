# A chat client's loop: select, poll, epoll (selectors) and asyncio watching stdin beside a socket.
# The test feeds stdin a line each time this prints "send", and closes it at "close": every answer
# is compared with native python3's. Sockets are named, not numbered: descriptors differ.
import asyncio
import select
import selectors
import socket
import sys

listener = socket.create_server(("127.0.0.1", 0))
peer = socket.create_connection(listener.getsockname())
conn, _ = listener.accept()
names = {0: "stdin", conn.fileno(): "socket"}


def say(*words):
    print(*words, flush=True)


def readable(timeout):
    return sorted(names[r if isinstance(r, int) else r.fileno()] for r in select.select([sys.stdin, conn], [], [], timeout)[0])


say("nothing yet:", readable(0))
say("send")
say("a line:", readable(10), repr(sys.stdin.readline()))
peer.sendall(b"from the network")
say("the network:", readable(10), conn.recv(100))

poller = select.poll()
poller.register(sys.stdin, select.POLLIN)
poller.register(conn, select.POLLIN)
say("poll, nothing:", poller.poll(0))
say("send")
say("poll:", [(names[fd], ev) for fd, ev in poller.poll(10_000)], repr(sys.stdin.readline()))

with selectors.DefaultSelector() as sel:
    sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    sel.register(conn, selectors.EVENT_READ, "socket")
    say(type(sel).__name__, "nothing:", sel.select(0))
    say("send")
    say("selector:", [(key.data, ev) for key, ev in sel.select(10)], repr(sys.stdin.readline()))


async def chat():
    loop = asyncio.get_running_loop()
    line = loop.create_future()
    loop.add_reader(sys.stdin, lambda: line.done() or line.set_result(sys.stdin.readline()))
    say("send")
    try:
        return await asyncio.wait_for(line, 10)
    finally:
        loop.remove_reader(sys.stdin)

say("asyncio:", repr(asyncio.run(chat())))

# The end of input is readable, as python3 sees it: EOF for the read, POLLHUP for poll.
say("close")
say("closed:", readable(10), repr(sys.stdin.readline()))
say("poll, closed:", [(names[fd], ev) for fd, ev in poller.poll(10_000)])
with selectors.DefaultSelector() as sel:
    sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    say("selector, closed:", [(key.data, ev) for key, ev in sel.select(10)])
for s in (conn, peer, listener):
    s.close()
