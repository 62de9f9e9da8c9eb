# Fetches a URL with the stdlib's urllib.request from inside the sandbox and prints the body.
# usage: pysock python --allow-loopback examples/urllib_fetch.py http://127.0.0.1:PORT/PATH
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
    print(response.status, response.headers.get_content_type())
    sys.stdout.write(response.read().decode())
