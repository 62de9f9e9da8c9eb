#!/usr/bin/env bash
# Real client libraries, unmodified, inside the sandbox against real servers on loopback: urllib3 and
# requests over HTTPS (verification on and off, a wrong CA, a wrong host name and IP, a self-signed
# certificate from `openssl req -x509` and one from a local CA's `openssl req -x509 -CA`, trusted and not), httpx (its
# blocking and asyncio clients), redis-py (plain and TLS) against redis-server, pg8000 against
# PostgreSQL, websockets (asyncio) and websocket-client (blocking, with a timeout), the stdlib's smtplib and aiosmtplib with STARTTLS against aiosmtpd, httplib2 over HTTPS, and aiohttp (its
# client against the HTTPS server; its server and client in one program; web.run_app ended by SIGALRM), and HTTPS through a CONNECT
# proxy, plain and over TLS (TLS inside TLS), dnspython (UDP and TCP, blocking and asyncio) against
# dnsmasq, paho-mqtt and aiomqtt against mosquitto, pymemcache and aiomcache against memcached, ftplib (passive and active
# mode) against pyftpdlib, PyMySQL, aiomysql and MySQL's Connector/Python (plain and TLS) and SQLAlchemy's ORM against MariaDB, boto3 against moto's S3, and nats-py
# (asyncio, plain and TLS) against nats-server, tornado's HTTP and WebSocket clients (plain and TLS), and the stdlib's imaplib and poplib (STARTTLS and TLS) and IMAPClient
# against Dovecot, aio-pika, py-amqp and pika (plain and TLS) and kombu against RabbitMQ, httpx's HTTP/2
# against hypercorn, SOCKS5 (httpx, PySocks' socksocket under TLS, urllib) through pproxy, and Twisted
# (twisted.web's server and Agent, its XML-RPC client), trio (TCP, UDP, SSLStream, workers), grpclib in one program, ldap3 against slapd, and uvicorn serving a Starlette app (its plain `def`
# endpoints and file responses on AnyIO's worker threads) to httpx and websockets in one program, and
# hypercorn serving HTTP/2 over TLS to httpx in one program. The
# transcript must equal native CPython's. Then the other way round: a web app on Flask's development server
# and on waitress, on aiohttp, on Starlette with uvicorn and with hypercorn on trio, on tornado and on http.server, over HTTP and HTTPS, in the sandbox, to native clients
# (16 at once), must answer as the same app does natively. Installs what is missing (Debian packages as root, the
# libraries into build/real-clients/site), then runs tests/real_clients/run.py. About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/shared.sh
[ -x target/debug/pysock ] && [ -f build/python/interpreter.wasm ] || bash scripts/setup.sh

missing=()
# Debian installs some servers in /usr/sbin, outside a user's PATH.
have() { PATH="$PATH:/usr/sbin" command -v "$1" >/dev/null 2>&1; }
have redis-server || missing+=(redis-server)
have initdb || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
have dnsmasq || missing+=(dnsmasq-base)
have mosquitto || missing+=(mosquitto)
have memcached || missing+=(memcached)
have mariadbd || missing+=(mariadb-server)
have nats-server || missing+=(nats-server)
have dovecot || missing+=(dovecot-imapd dovecot-pop3d)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
have slapd || missing+=(slapd)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "real-clients: needs ${missing[*]} (apt-get install ${missing[*]}, as root)" >&2
    exit 2
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian keeps PostgreSQL's programs out of PATH.
for d in /usr/lib/postgresql/*/bin; do [ -d "$d" ] && PATH="$PATH:$d"; done

site=build/real-clients/site
wanted=$(cat tests/real_clients/requirements.txt tests/real_clients/abi3-requirements.txt)
if [ "$wanted" != "$(cat "$site/.requirements" 2>/dev/null)" ]; then
  rm -rf "$site"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --target "$site" --only-binary=:all: \
    --python-version 3.14 --implementation py --abi none --platform any -r tests/real_clients/requirements.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --target "$site" --only-binary=:all: \
    --python-version 3.14 --implementation cp --abi abi3 --abi cp314 --platform manylinux2014_x86_64 \
    -r tests/real_clients/abi3-requirements.txt
  # The speedups are native code: without them both interpreters run the libraries' Python.
  find "$site" -name '*.so' -delete
  printf '%s' "$wanted" > "$site/.requirements"
fi
# What only the native servers use: pyftpdlib, which has no wheel (so not in the sandbox's site).
native=build/real-clients/native
if ! cmp -s tests/real_clients/native-requirements.txt "$native/.requirements"; then
  rm -rf "$native"
  .venv/bin/python -m pip install -q --disable-pip-version-check --target "$native" -r tests/real_clients/native-requirements.txt
  cp tests/real_clients/native-requirements.txt "$native/.requirements"
fi
exec python3 tests/real_clients/run.py target/debug/pysock "$site" "$PYSOCK_SHARED/conformance/certs" "$native"
