"""The machine's own host name, which socket.gethostname() tells the sandbox, resolves under
--allow-loopback as localhost does, to its loopback addresses only: Python's habits
(gethostbyname(gethostname()), getfqdn(), http.server's server_name) then read as natively wherever
the name means this machine's loopback (Debian's /etc/hosts gives it 127.0.1.1). Where it also
resolves elsewhere, tests/tests/sandbox.rs runs this with --loopback-only: the loopback addresses
(natively filtered, in the sandbox all it gets) and nothing that depends on the others.
"""
import http.server
import ipaddress
import socket
import sys

name = socket.gethostname()


def loopback_addresses():
    try:
        infos = socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    return sorted({i[4][0] for i in infos if ipaddress.ip_address(i[4][0]).is_loopback})


print("loopback addresses:", loopback_addresses())
if sys.argv[1:] == ["--loopback-only"]:
    sys.exit()

print("gethostbyname_ex:", socket.gethostbyname_ex(name))
print("gethostbyname:", socket.gethostbyname(name))
print("gethostbyaddr:", socket.gethostbyaddr(name))
print("getfqdn():", socket.getfqdn())
print("getfqdn('0.0.0.0'):", socket.getfqdn("0.0.0.0"))
# http.server binds '' in `python -m http.server`, and names itself by getfqdn: the wildcard bind
# stands in loopback in the sandbox, so bind 127.0.0.1 and ask the way server_bind does for ''.
server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
print("server_name for '':", socket.getfqdn(""), "for 127.0.0.1:", server.server_name)
server.server_close()
