"""An app of your own with pysock's sockets: a componentize-py app that fetches a URL with
http.client and prints the status and body. Build and run it (from the pysock checkout, after
scripts/setup.sh):

    .venv/bin/componentize-py -d wit -w pysock:net/python componentize \
        -p examples/embedded_app -p build/extension app -o app.wasm
    target/debug/pysock run --allow-loopback app.wasm http://127.0.0.1:PORT/PATH

`-p build/extension` is the step that adds pysock: componentize-py links the `_pysock` extension
it finds there into its CPython, and the world (`pysock:net/python` here; in a world of your own,
`include pysock:net/extension@0.1.0;`) imports what the extension needs from the host. The app
calls `_pysock.install()` before anything imports `socket`, at build time: componentize-py keeps
only the modules imported then, so import everything the app will use at the top.
"""
import _pysock

_pysock.install()

import http.client  # noqa: E402  (after install: socket and ssl must be pysock's)
import sys  # noqa: E402
import urllib.parse  # noqa: E402

from wit_world import exports  # noqa: E402
from wit_world.imports import environment  # noqa: E402


class Run(exports.Run):
    def run(self) -> None:
        url = urllib.parse.urlsplit(environment.get_arguments()[1])
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        connection.request("GET", url.path)
        response = connection.getresponse()
        print(response.status, response.getheader("Content-Type"))
        sys.stdout.write(response.read().decode())
        connection.close()
