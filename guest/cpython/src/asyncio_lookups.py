"""asyncio's name lookups, for an interpreter without threads.

asyncio resolves host names (`loop.getaddrinfo`, and through it `open_connection("example.com", ...)`,
`create_connection`, `create_server`, `create_datagram_endpoint`) and addresses
(`loop.getnameinfo`) by running `socket.getaddrinfo`/`getnameinfo` in its default thread pool. WASI
CPython cannot start a thread, so every such call raised RuntimeError("can't start new thread"), and
`asyncio.run` then failed again while shutting the pool down. Here the two methods call the socket
module in place instead: the event loop waits for the lookup as a blocking call would make it wait,
and pysock's host bounds every lookup (its resolver's timeout, the policy, the lookup quota).
Everything else that needs the pool (`asyncio.to_thread`, `run_in_executor`) still fails as on any
WASI CPython.

The stdlib's files stay as they are: the two methods are replaced on `BaseEventLoop` when
`asyncio.base_events` is first imported, by a finder ahead of the others on `sys.meta_path`.
`_pysock.install()` runs this file (it is compiled into the extension) and its `install()`.
"""

import sys
from importlib.machinery import PathFinder

PATCHED_MODULE = "asyncio.base_events"


def install():
    """Patches `asyncio.base_events` when it is imported (now, if it already was)."""
    if PATCHED_MODULE in sys.modules:
        _resolve_in_place(sys.modules[PATCHED_MODULE])
    elif _Finder not in sys.meta_path:
        sys.meta_path.insert(0, _Finder)


class _Finder:
    """Finds `asyncio.base_events` as the path finder does, and patches it once it has run."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != PATCHED_MODULE:
            return None
        spec = PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                _resolve_in_place(module)

            spec.loader.exec_module = exec_module
        return spec


def _resolve_in_place(base_events):
    # asyncio's own `socket`, looked up at each call as asyncio does (its tests replace it); this
    # file may run before pysock's `_socket` is in place, so it never imports `socket` itself.
    loop = base_events.BaseEventLoop

    async def getaddrinfo(self, host, port, *, family=0, type=0, proto=0, flags=0):
        if self._debug:
            return self._getaddrinfo_debug(host, port, family, type, proto, flags)
        return base_events.socket.getaddrinfo(host, port, family, type, proto, flags)

    async def getnameinfo(self, sockaddr, flags=0):
        return base_events.socket.getnameinfo(sockaddr, flags)

    for new, old in ((getaddrinfo, loop.getaddrinfo), (getnameinfo, loop.getnameinfo)):
        new.__qualname__, new.__doc__ = old.__qualname__, old.__doc__
    loop.getaddrinfo, loop.getnameinfo = getaddrinfo, getnameinfo
