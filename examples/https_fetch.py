# Fetches a URL over HTTPS with urllib.request from inside the sandbox, verifying the server against
# CAFILE; without CAFILE the sandbox trusts nothing and verification fails.
# usage: pysock python --allow-loopback --dir CERTS examples/https_fetch.py https://localhost:PORT/PATH [CAFILE]
import ssl
import sys
import urllib.error
import urllib.request

context = ssl.create_default_context(cafile=sys.argv[2] if len(sys.argv) > 2 else None)
try:
    with urllib.request.urlopen(sys.argv[1], timeout=10, context=context) as response:
        print(response.status, response.headers.get_content_type(), response.fp.raw._sock.version())
        sys.stdout.write(response.read().decode())
except urllib.error.URLError as e:
    reason = e.reason
    print(type(reason).__name__, getattr(reason, "verify_code", None), getattr(reason, "reason", None))
