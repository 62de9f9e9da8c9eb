# Native CPython peer: an HTTP server for DIRECTORY on 127.0.0.1, port 0; prints the port, serves
# until interrupted or killed, or for at most 120 s.
# usage: python3 http_peer.py DIRECTORY
import functools
import http.server
import sys
import threading

handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
# A daemon: Ctrl-C (the tests' way to stop a peer) ends the process at once.
limit = threading.Timer(120, server.shutdown)
limit.daemon = True
limit.start()
server.serve_forever()
