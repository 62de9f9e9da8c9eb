"""Runs tests/real_clients/clients.py under native python3 and inside `pysock python`, against real servers
started here on loopback (an HTTPS server on 127.0.0.1 and 127.0.0.2, redis-server plain and TLS,
PostgreSQL, a websockets server, an SMTP server with STARTTLS, a CONNECT proxy plain and over TLS,
dnsmasq, mosquitto, memcached, an FTP server, MariaDB plain and TLS, an S3 server (moto), nats-server
plain and TLS, Dovecot's IMAP and POP3, hypercorn's HTTP/2, pproxy's SOCKS5 and OpenLDAP's slapd;
aiohttp's own server runs in clients.py beside its client), and compares the two transcripts. Then it
serves a web app on Flask (its own server and waitress), aiohttp, Starlette with uvicorn and with
hypercorn on trio, tornado and http.server (served_app.py), over HTTP and HTTPS, natively and from the
sandbox to the same native clients, and compares what they read. Everything stops by itself: the servers
are this process's children and threads, and every client call has a timeout.

usage: run.py PYSOCK SITE_DIR CERTS_DIR NATIVE_SITE_DIR   (scripts/real-clients.sh installs the libraries
and calls it; NATIVE_SITE_DIR holds what only the native servers use)
"""
import asyncio
import http.server
import json
import os
import select
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.server

# Real paths: pysock names a --dir inside the sandbox by its real path.
pysock, site, certs = sys.argv[1], os.path.realpath(sys.argv[2]), os.path.realpath(sys.argv[3])
native_site = os.path.realpath(sys.argv[4])
# The servers' own libraries first: moto brings the versions of boto3 and requests it was released with.
sys.path[:0] = [native_site, site]
here = os.path.dirname(os.path.abspath(__file__))
children = []
ports_given = set()


def free_port():
    """A port no one listens on, never the same one twice: a server that boots slowly (RabbitMQ) binds
    its ports seconds after they are chosen, and the kernel may offer them again meanwhile."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in ports_given:
            ports_given.add(port)
            return port


def wait_for(port, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{what} did not start listening on 127.0.0.1:{port} within {seconds} s")


class Hello(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, body, kind):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(b"hello from a native server", "text/plain")

    def do_POST(self):
        self.reply(self.rfile.read(int(self.headers["Content-Length"])), "application/json")

    def log_message(self, *args):
        pass


def server_context(identity=None):
    """A server's TLS context with `identity` (certificate, key), by default the test certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*(identity or (os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))))
    return context


def serve_over_tls(server, identity=None):
    """Puts TLS with `identity` (the test certificate by default) on `server`'s listening socket."""
    server.socket = server_context(identity).wrap_socket(server.socket, server_side=True)


def https_server(address, identity=None):
    server = http.server.ThreadingHTTPServer((address, 0), Hello)
    serve_over_tls(server, identity)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


class Tunnel(socketserver.StreamRequestHandler):
    """An HTTP proxy that only tunnels (CONNECT), as HTTPS through a proxy uses it."""

    def handle(self):
        method, target, _ = self.rfile.readline().decode().split()
        while self.rfile.readline() not in (b"\r\n", b""):
            pass
        if method != "CONNECT":
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, port = target.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as upstream:
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            other = {self.connection: upstream, upstream: self.connection}
            while True:
                # A TLS connection to the proxy may hold decrypted bytes that select() cannot see.
                ready = [s for s in other if getattr(s, "pending", lambda: 0)()]
                ready = ready or select.select(list(other), [], [], 10)[0]
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    other[s].sendall(data)


def tunnel_proxy(tls):
    """A CONNECT proxy on 127.0.0.1, reached over TLS when `tls` (HTTPS to an HTTPS proxy: TLS in TLS)."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Tunnel)
    server.daemon_threads = True
    if tls:
        serve_over_tls(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


class ThreadingXMLRPCServer(socketserver.ThreadingMixIn, xmlrpc.server.SimpleXMLRPCServer):
    daemon_threads = True


def xmlrpc_server(tls):
    """The stdlib's XML-RPC server with a few functions, over HTTPS when `tls`."""
    server = ThreadingXMLRPCServer(("127.0.0.1", 0), logRequests=False, allow_none=True)
    server.register_function(pow)
    server.register_function(lambda n: "x" * n, "text")
    server.register_function(lambda *parts: list(reversed(parts)), "reverse")
    server.register_multicall_functions()
    if tls:
        serve_over_tls(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def websocket_server(tls):
    """An echo server (websockets, in its own thread), over TLS (wss) when `tls`."""
    import websockets.asyncio.server

    port, ready = free_port(), threading.Event()
    context = server_context() if tls else None

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async def serve():
        async with websockets.asyncio.server.serve(echo, "127.0.0.1", port, max_size=None, ssl=context):
            ready.set()
            await asyncio.Future()

    threading.Thread(target=lambda: asyncio.run(serve()), daemon=True).start()
    ready.wait(30)
    return port


class Mailbox:
    """aiosmtpd's handler: answers every message with its size, as the client will see it."""

    async def handle_DATA(self, server, session, envelope):
        return f"250 OK {len(envelope.content)} bytes for {len(envelope.rcpt_tos)} recipient(s)"


def smtp_server():
    """An SMTP server offering STARTTLS with the test certificate (aiosmtpd, in its own thread)."""
    from aiosmtpd.controller import Controller

    context = server_context()
    port = free_port()
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port, tls_context=context, ready_timeout=30)
    controller.start()
    return port


def start(command, **kw):
    children.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw))


def http2_server():
    """hypercorn serving asgi_app.py over TLS, offering HTTP/2 by ALPN."""
    port = free_port()
    start([sys.executable, "-m", "hypercorn", "--certfile", os.path.join(certs, "cert.pem"), "--keyfile",
           os.path.join(certs, "key.pem"), "--bind", f"127.0.0.1:{port}", "asgi_app:app"],
          cwd=here, env={**os.environ, "PYTHONPATH": native_site})
    wait_for(port, "hypercorn")
    return port


def socks_server():
    """pproxy as a SOCKS5 proxy."""
    port = free_port()
    start([sys.executable, "-m", "pproxy", "-l", f"socks5://127.0.0.1:{port}"],
          env={**os.environ, "PYTHONPATH": native_site})
    wait_for(port, "pproxy")
    return port


def redis_servers(scratch):
    plain, tls = free_port(), free_port()
    start(["redis-server", "--port", str(plain), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--dir", scratch, "--tls-port", str(tls), "--tls-cert-file", os.path.join(certs, "cert.pem"),
           "--tls-key-file", os.path.join(certs, "key.pem"), "--tls-ca-cert-file", os.path.join(certs, "ca.pem"),
           "--tls-auth-clients", "no"])
    wait_for(plain, "redis-server")
    wait_for(tls, "redis-server (TLS)")
    return plain, tls


def postgres_server(scratch):
    """A throwaway cluster with a password-authenticated user, offering TLS with the test
    certificate. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user."""
    data, port = os.path.join(scratch, "pg"), free_port()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    os.makedirs(data)
    with open(os.path.join(scratch, "pw"), "w") as f:
        f.write("pysock\n")
    # The server reads its key only if no one else may: a copy of its own, mode 0600.
    cert, key = os.path.join(scratch, "pg-cert.pem"), os.path.join(scratch, "pg-key.pem")
    shutil.copy(os.path.join(certs, "cert.pem"), cert)
    shutil.copy(os.path.join(certs, "key.pem"), key)
    os.chmod(key, 0o600)
    if as_user:
        for path in (scratch, data, os.path.join(scratch, "pw"), cert, key):
            shutil.chown(path, "postgres")
    subprocess.run(as_user + ["initdb", "-D", data, "-U", "pysock", "--pwfile", os.path.join(scratch, "pw"),
                              "--auth", "scram-sha-256"], check=True, stdout=subprocess.DEVNULL, timeout=120)
    start(as_user + ["postgres", "-D", data, "-p", str(port), "-k", scratch, "-c", "listen_addresses=127.0.0.1",
                     "-c", "ssl=on", "-c", f"ssl_cert_file={cert}", "-c", f"ssl_key_file={key}"])
    wait_for(port, "postgres")
    return port


def program(name):
    """A server's program, also where Debian installs it outside a user's PATH (/usr/sbin)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin") or sys.exit(f"{name} is not installed")


def as_root(option):
    """Servers started as root drop privileges unless told to keep them, to users that may not exist."""
    return [option] if os.geteuid() == 0 else []


def dns_server():
    """dnsmasq answering for pysock.test alone (A, TXT, MX), over UDP and TCP, asking no one else."""
    port = free_port()
    start([program("dnsmasq"), "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", f"--port={port}",
           "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
           "--address=/pysock.test/192.0.2.7", "--txt-record=pysock.test,hello from dnsmasq",
           "--mx-host=pysock.test,mail.pysock.test,10", *as_root("--user=root")])
    wait_for(port, "dnsmasq")
    return port


def mqtt_server(scratch):
    port, config = free_port(), os.path.join(scratch, "mosquitto.conf")
    with open(config, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    os.chmod(config, 0o644)
    start([program("mosquitto"), "-c", config])
    wait_for(port, "mosquitto")
    return port


def memcached_server():
    port = free_port()
    start([program("memcached"), "-l", "127.0.0.1", "-p", str(port), "-U", "0", *as_root("-uroot")])
    wait_for(port, "memcached")
    return port


def ldap_servers(scratch):
    """OpenLDAP's slapd, in the foreground, holding dc=pysock,dc=test for its root user: LDAP (with
    StartTLS) and LDAPS on two ports, with the test certificate."""
    plain, tls, config = free_port(), free_port(), os.path.join(scratch, "slapd.conf")
    os.makedirs(os.path.join(scratch, "ldap"))
    schema = "".join(f"include /etc/ldap/schema/{name}.schema\n" for name in ("core", "cosine", "inetorgperson"))
    with open(config, "w") as f:
        f.write(f"""{schema}modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {scratch}/slapd.pid
TLSCACertificateFile {certs}/ca.pem
TLSCertificateFile {certs}/cert.pem
TLSCertificateKeyFile {certs}/key.pem
database mdb
maxsize 16777216
suffix "dc=pysock,dc=test"
rootdn "cn=admin,dc=pysock,dc=test"
rootpw pysock
directory {scratch}/ldap
""")
    start([program("slapd"), "-d", "0", "-f", config, "-h", f"ldap://127.0.0.1:{plain}/ ldaps://127.0.0.1:{tls}/"])
    wait_for(plain, "slapd")
    wait_for(tls, "slapd (LDAPS)")
    return plain, tls


def ftp_server(scratch):
    """pyftpdlib (native: it has no wheel for the sandbox, and is only the server here) serving one
    user's folder, with a file in it."""
    import logging

    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    logging.getLogger("pyftpdlib").setLevel(logging.CRITICAL)
    root = os.path.join(scratch, "ftp")
    os.makedirs(root)
    with open(os.path.join(root, "hello.txt"), "wb") as f:
        f.write(b"hello from pyftpdlib")
    users = DummyAuthorizer()
    users.add_user("pysock", "pysock", root, perm="elradfmw")
    server = FTPServer(("127.0.0.1", 0), type("Handler", (FTPHandler,), {"authorizer": users}))
    threading.Thread(target=server.serve_forever, kwargs={"timeout": 1, "handle_exit": False}, daemon=True).start()
    return server.address[1]


def mariadb_server(scratch):
    """A throwaway MariaDB with a password-authenticated user, offering TLS with the test certificate."""
    data, port = os.path.join(scratch, "mariadb"), free_port()
    # Small redo logs: the default 100 MiB would be written in full for a run that stores kilobytes.
    small = ["--no-defaults", f"--datadir={data}", "--innodb-log-file-size=8M", *as_root("--user=root")]
    subprocess.run(["mariadb-install-db", *small, "--auth-root-authentication-method=socket", "--skip-test-db"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    init = os.path.join(scratch, "mariadb-init.sql")
    with open(init, "w") as f:
        f.write("CREATE USER 'pysock'@'127.0.0.1' IDENTIFIED BY 'pysock';\n"
                "GRANT ALL ON *.* TO 'pysock'@'127.0.0.1';\n"
                "CREATE DATABASE pysock;\n")  # for SQLAlchemy's tables, which are not temporary
    start([program("mariadbd"), *small, f"--port={port}", "--bind-address=127.0.0.1", "--skip-name-resolve",
           f"--socket={os.path.join(scratch, 'mariadb.sock')}", f"--pid-file={os.path.join(scratch, 'mariadb.pid')}",
           "--skip-log-bin", f"--init-file={init}", f"--ssl-cert={os.path.join(certs, 'cert.pem')}",
           f"--ssl-key={os.path.join(certs, 'key.pem')}", f"--ssl-ca={os.path.join(certs, 'ca.pem')}"])
    wait_for(port, "mariadbd")
    return port


def nats_servers():
    """nats-server plain, and with TLS required (the client upgrades after the server's INFO)."""
    plain, tls = free_port(), free_port()
    start([program("nats-server"), "-a", "127.0.0.1", "-p", str(plain)])
    start([program("nats-server"), "-a", "127.0.0.1", "-p", str(tls), "--tls",
           "--tlscert", os.path.join(certs, "cert.pem"), "--tlskey", os.path.join(certs, "key.pem")])
    wait_for(plain, "nats-server")
    wait_for(tls, "nats-server (TLS)")
    return plain, tls


def mail_server(scratch):
    """Dovecot's IMAP and POP3, each plain (with STARTTLS/STLS) and over TLS from the first byte. Every
    user name is a mailbox of its own, and the password is "pysock"."""
    ports = {name: free_port() for name in ("imap", "imaps", "pop3", "pop3s")}
    home, config = os.path.join(scratch, "mail"), os.path.join(scratch, "dovecot.conf")
    os.makedirs(home)
    if os.geteuid() == 0:
        owner, services = "dovecot", ""  # Debian's package made the user; the login processes drop to it
        shutil.chown(home, owner, owner)
    else:
        owner = __import__("pwd").getpwuid(os.geteuid()).pw_name
        services = f"default_internal_user = {owner}\ndefault_login_user = {owner}\n"
    listeners = lambda protocol: "".join(
        f"  inet_listener {name} {{\n    port = {ports[name]}\n{'    ssl = yes' if name.endswith('s') else ''}\n  }}\n"
        for name in (protocol, protocol + "s"))
    with open(config, "w") as f:
        f.write(f"""base_dir = {scratch}/dovecot-run
state_dir = {scratch}/dovecot-state
log_path = /dev/null
{services}protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <{os.path.join(certs, "cert.pem")}
ssl_key = <{os.path.join(certs, "key.pem")}
disable_plaintext_auth = no
first_valid_uid = 1
passdb {{
  driver = static
  args = password=pysock
}}
userdb {{
  driver = static
  args = uid={owner} gid={owner} home={home}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
{listeners("imap")}}}
service pop3-login {{
{listeners("pop3")}}}
""")
    start([program("dovecot"), "-F", "-c", config])
    for name, port in ports.items():
        wait_for(port, f"dovecot ({name})")
    return ports


def rabbitmq_server(scratch):
    """RabbitMQ, plain and TLS (verify_none: it asks for no client certificate), with the default
    guest/guest user, which it admits from loopback only. Its Erlang node gets an epmd, a distribution
    port and a home of its own, all on loopback, so it neither meets nor leaves anything on the machine.
    Booting takes about ten seconds: this starts it and returns its ports; wait_for them later."""
    ports = {name: free_port() for name in ("amqp", "amqps", "epmd", "dist")}
    home, config = os.path.join(scratch, "rabbitmq"), os.path.join(scratch, "rabbitmq.conf")
    os.makedirs(home)
    with open(config, "w") as f:
        f.write(f"""listeners.tcp.default = 127.0.0.1:{ports["amqp"]}
listeners.ssl.default = 127.0.0.1:{ports["amqps"]}
ssl_options.certfile = {os.path.join(certs, "cert.pem")}
ssl_options.keyfile = {os.path.join(certs, "key.pem")}
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
""")
    with open(os.path.join(home, "plugins"), "w") as f:
        f.write("[].\n")
    start([program("epmd"), "-port", str(ports["epmd"]), "-address", "127.0.0.1"])
    wait_for(ports["epmd"], "epmd")
    # Debian's /usr/sbin/rabbitmq-server switches to the rabbitmq user; the script behind it does not.
    server = "/usr/lib/rabbitmq/bin/rabbitmq-server"
    os.path.exists(server) or sys.exit(f"{server} is missing: apt-get install rabbitmq-server")
    start([server], env={
        **os.environ, "HOME": home, "ERL_EPMD_PORT": str(ports["epmd"]), "RABBITMQ_CONFIG_FILE": config,
        "RABBITMQ_NODENAME": "pysock@localhost", "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(ports["amqp"]), "RABBITMQ_DIST_PORT": str(ports["dist"]),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "RABBITMQ_MNESIA_BASE": os.path.join(home, "mnesia"), "RABBITMQ_LOG_BASE": os.path.join(home, "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(home, "plugins")})
    return {"amqp": ports["amqp"], "amqps": ports["amqps"]}


def s3_server():
    """moto's S3 (native: it is only the server here), answering any credentials."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    port = free_port()
    ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False).start()
    wait_for(port, "moto")
    return port


def other_ca(scratch):
    """A CA that did not sign the servers' certificate."""
    key, pem = os.path.join(scratch, "other.key"), os.path.join(scratch, "other_ca.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=pysock other CA",
                    "-keyout", key, "-out", pem, "-days", "2"], check=True, capture_output=True, timeout=60)
    os.chmod(scratch, 0o755)
    return pem


def self_signed(scratch):
    """What a developer makes for a local server with `openssl req -x509`: a self-signed certificate
    for localhost that marks itself a CA. clients.py finds it beside the other CA."""
    key, pem = os.path.join(scratch, "self_signed.key"), os.path.join(scratch, "self_signed.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", pem, "-days", "2"],
                   check=True, capture_output=True, timeout=60)
    return pem, key


def issued_by_dev_ca(scratch):
    """What a developer makes with a local CA of their own: the CA with `openssl req -x509`, then the
    server's certificate with `openssl req -x509 -CA`, which marks it a CA too (OpenSSL 3). clients.py
    finds the CA beside the other CA."""
    ca_key, ca_pem = os.path.join(scratch, "dev_ca.key"), os.path.join(scratch, "dev_ca.pem")
    key, pem = os.path.join(scratch, "from_dev_ca.key"), os.path.join(scratch, "from_dev_ca.pem")
    for args in (["-subj", "/CN=pysock dev CA", "-keyout", ca_key, "-out", ca_pem],
                 ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-CA", ca_pem, "-CAkey", ca_key,
                  "-keyout", key, "-out", pem]):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", *args],
                       check=True, capture_output=True, timeout=60)
    return pem, key


def served_transcript(framework, tls, command, env=None):
    """What native clients read from served_app.py's app for `framework`, served by `command` (over
    HTTPS if `tls`, the clients verifying it): single requests, a session with a cookie, and 200
    requests from 16 threads at once."""
    import concurrent.futures
    import http.cookiejar
    import urllib.error
    import urllib.request

    port = free_port()
    server = subprocess.Popen([*command, os.path.join(here, "served_app.py"), framework, str(port), *([certs] if tls else [])],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base, lines = f"{'https://localhost' if tls else 'http://127.0.0.1'}:{port}", []
    verifying = urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=os.path.join(certs, "ca.pem")))

    def get(path, opener=urllib.request.build_opener(verifying), data=None, headers=None):
        try:
            with opener.open(urllib.request.Request(base + path, data=data, headers=headers or {}), timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()[:40]

    try:
        wait_for(port, f"the {framework} app")
        lines.append(get("/hello/world"))
        upload = json.dumps({"items": list(range(100_000))}).encode()
        lines.append(get("/echo", data=upload, headers={"Content-Type": "application/json", "User-Agent": "pysock/1"}))
        status, body = get("/big")
        lines.append((status, len(body), body == b"b" * 3_000_000))
        session = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), verifying)
        lines.append([get("/visit", session) for _ in range(3)])
        lines.append(get("/missing"))
        lines.append(get("/teapot"))
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            replies = list(pool.map(lambda i: get(f"/hello/{i}"), range(200)))
        lines.append(replies == [(200, f"hello {i}".encode()) for i in range(200)])
        return lines
    finally:
        server.terminate()
        server.wait(10)


def served_from_the_sandbox():
    """Each framework's app in the sandbox must answer native clients as it does natively."""
    for framework in ("flask", "waitress", "aiohttp", "starlette", "hypercorn-trio", "tornado", "stdlib"):
        for tls in (False, True) if framework != "waitress" else (False,):
            served = f"{framework} over {'HTTPS' if tls else 'HTTP'}"
            native = served_transcript(framework, tls, [sys.executable], env={**os.environ, "PYTHONPATH": site})
            sandbox = served_transcript(framework, tls, [pysock, "python", "--allow-loopback", "--time-limit", "120",
                                                         "--path", site, "--dir", certs])
            for line in native:
                print(f"{served}, native clients:", line)
            if sandbox != native:
                print("--- in the sandbox:", *sandbox, sep="\n")
                sys.exit(f"the {served} app in the sandbox answered otherwise than natively")


def main():
    scratch = tempfile.mkdtemp(prefix="pysock-real-clients-")
    try:
        amqp = rabbitmq_server(scratch)  # first: it boots while the others start
        servers = {"https": https_server("127.0.0.1"), "https_other_ip": https_server("127.0.0.2"),
                   "https_self_signed": https_server("127.0.0.1", self_signed(scratch)),
                   "https_dev_ca": https_server("127.0.0.1", issued_by_dev_ca(scratch))}
        servers["redis"], servers["redis_tls"] = redis_servers(scratch)
        servers["postgres"] = postgres_server(scratch)
        servers["websocket"], servers["websocket_tls"] = websocket_server(False), websocket_server(True)
        servers["smtp"] = smtp_server()
        servers["proxy"], servers["tls_proxy"] = tunnel_proxy(False), tunnel_proxy(True)
        servers["dns"], servers["closed"] = dns_server(), free_port()
        servers["mqtt"], servers["memcached"] = mqtt_server(scratch), memcached_server()
        servers["ftp"] = ftp_server(scratch)
        servers["xmlrpc"], servers["xmlrpc_tls"] = xmlrpc_server(False), xmlrpc_server(True)
        servers["mariadb"], servers["s3"] = mariadb_server(scratch), s3_server()
        servers["nats"], servers["nats_tls"] = nats_servers()
        servers["http2"], servers["socks"] = http2_server(), socks_server()
        servers["ldap"], servers["ldaps"] = ldap_servers(scratch)
        servers.update(mail_server(scratch))
        for name, port in amqp.items():
            wait_for(port, f"RabbitMQ ({name})", 120)
        servers.update(amqp)
        args = [os.path.join(here, "clients.py"), certs, other_ca(scratch), json.dumps(servers)]
        native = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300,
                                env={**os.environ, "PYTHONPATH": site})
        sandbox = subprocess.run(
            # No USER: aiomysql calls getpass.getuser() at import, which finds the sandbox's user (README).
            [pysock, "python", "--allow-loopback", "--time-limit", "300", "--path", site, "--dir", certs,
             "--dir", scratch, *args], capture_output=True, text=True, timeout=360)
        print(native.stdout, end="")
        if native.returncode != 0:
            sys.exit(f"native python3 failed:\n{native.stderr}")
        if (sandbox.stdout, sandbox.returncode) != (native.stdout, 0):
            print(f"--- in the sandbox (exit status {sandbox.returncode}):\n{sandbox.stdout}{sandbox.stderr}")
            sys.exit("the sandbox's transcript differs from native CPython's")
        print(f"real clients: the sandbox's transcript equals native CPython's ({len(native.stdout.splitlines())} lines)")
        served_from_the_sandbox()
        print("served from the sandbox: native clients read from each app what they read natively")
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        shutil.rmtree(scratch, ignore_errors=True)


main()
