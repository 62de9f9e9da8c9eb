"""Work the stdlib hands to a thread, done in place, for an interpreter without threads.

WASI CPython cannot start a thread. Three stdlib paths that networking code takes all the time depend on
one, and so do Twisted, AnyIO, pika, waitress, boto3 and trio; each failed in the sandbox with
RuntimeError("can't start new thread"):

- asyncio resolves host names (`loop.getaddrinfo`, and through it `open_connection("example.com", ...)`,
  `create_connection`, `create_server`, `create_datagram_endpoint`) and addresses
  (`loop.getnameinfo`) in its default thread pool; `asyncio.run` then failed again shutting the pool
  down. Here the two methods call the socket module in place: the event loop waits for the lookup as
  a blocking call would make it wait, and pysock's host bounds every lookup (its resolver's timeout,
  the policy, the lookup quota).
- `socketserver.ThreadingMixIn` (ThreadingHTTPServer, so `python -m http.server`, and
  ThreadingTCPServer/UDPServer) starts a thread per request. Here it handles the request in place, as
  the non-threading servers do, with the mix-in's own per-request steps (errors go to `handle_error`,
  the request is always shut down): requests are served one after another.
- asyncio's default executor (`asyncio.to_thread`, `loop.run_in_executor(None, ...)`, which libraries
  use for blocking file and CPU work) is a thread pool. Here the function runs in place, in the call,
  and its outcome goes through the same future a worker thread would complete: the awaiting coroutine
  resumes on a later turn of the loop, as natively. The loop waits while the function runs, so a
  function that itself waits for the loop never returns; natively it would.

- Twisted's thread pool (`twisted.python.threadpool.ThreadPool`, the reactor's own: `deferToThread`,
  `reactor.callInThread`, and its default host-name resolver, which every `HostnameEndpoint`, so
  `twisted.web.client.Agent`, goes through) starts a thread per worker. Here the function runs in
  place, in Twisted's context for the call, and its outcome goes to the same callback a worker would
  give it (which hands a Deferred's result to the reactor through `callFromThread`, so it fires on a
  later turn of the reactor, as natively). The reactor waits while the function runs, as asyncio's
  loop does above. Twisted is no stdlib module, but networking code takes this path all the time.
- AnyIO's worker threads (`anyio.to_thread.run_sync` on the asyncio backend, which Starlette runs
  every plain `def` endpoint, `FileResponse` and `StaticFiles` through) start a thread
  per idle worker. Here a worker, once "started", runs each call it is handed in place, through its
  own loop body: the call runs in the worker's context with its cancel scope and event-loop token
  (so `from_thread.check_cancelled()` works), and its outcome reaches the awaiting task through the
  loop on a later turn, as natively. As with asyncio's executor, the loop waits while it runs.
- pika's connection workflow (`BlockingConnection`, `SelectConnection`) resolves the broker's name on
  a `threading.Timer`, a thread. Here that timer runs its function in place when started: the lookup
  runs, and its outcome reaches pika's I/O loop through `add_callback`, on a later turn, as natively.
- waitress, the WSGI server, hands each request to a pool of threads it starts when it starts
  serving. Here its dispatcher starts none, and the channel that read a request services it in
  place once its read is done (the channel hands the task over while holding a lock the task takes):
  requests are served one after another while the loop waits. When a client reads so slowly that
  more than waitress's `outbuf_high_watermark` (16 MiB) of a response waits to be sent, a worker
  waits for the loop to send some, which here can never happen: pysock stops the program and says
  why.
- boto3's S3 transfers (`upload_file`, `download_file`, their `fileobj` forms, `copy`) hand each part
  to s3transfer's thread pools unless told `use_threads=False`. Here those pools are s3transfer's own
  `NonThreadedExecutor`, which `use_threads=False` picks: each task runs when submitted, the parts
  one after another.

- trio's worker threads (`trio.to_thread.run_sync`, through which trio looks up names, and AnyIO's
  trio backend its workers) come from trio's thread cache, which starts a thread per idle worker.
  Here the cache runs each function in place, in a fresh context as a worker would, and delivers
  its outcome, which reaches the waiting task through trio's `run_sync_soon` on a later turn, as
  natively. `trio.from_thread` from such a function raises RuntimeError, as on trio's own thread.
  Two more mends let trio import at all (below, by `_TRIO_KQUEUE_NAMES` and `WITHOUT_CTYPES`).

- `concurrent.futures.ThreadPoolExecutor`, an executor a program makes itself (to fetch many URLs
  with `requests`, say, or to pass to `loop.run_in_executor`), starts a thread per worker. Here
  `submit` makes the future and work item as 3.14's does, after the same checks, and runs the item
  in place, in a worker's own context (its worker context, its `initializer` run first, and a
  contextvars context of its own, as a thread has): the futures are done when `submit` returns,
  `map` gives its results in order, and a function may submit more to its own executor and wait
  for it (a second worker runs that, as a second thread would). The work runs one item after
  another, on the program's thread. An initializer that fails breaks the pool as it does natively
  (BrokenThreadPool).

Everything else that needs a thread (`threading.Thread`, `multiprocessing.pool.ThreadPool`) still
fails as on any WASI CPython: a thread of one's own often runs for as long as the program, which
in place would never return.

The stdlib's files stay as they are: each module is adapted when it is first imported (at once if it
already was), by a finder ahead of the others on `sys.meta_path`. `_pysock.install()` runs this file
(it is compiled into the extension) and its `install()`. It never imports `socket` itself: it may run
before pysock's `_socket` is in place.
"""

import contextvars
import operator
import sys
from importlib.machinery import PathFinder


def _resolve_in_place(base_events):
    loop = base_events.BaseEventLoop

    # asyncio's own `socket`, looked up at each call as asyncio does (its tests replace it).
    async def getaddrinfo(self, host, port, *, family=0, type=0, proto=0, flags=0):
        if self._debug:
            return self._getaddrinfo_debug(host, port, family, type, proto, flags)
        return base_events.socket.getaddrinfo(host, port, family, type, proto, flags)

    async def getnameinfo(self, sockaddr, flags=0):
        return base_events.socket.getnameinfo(sockaddr, flags)

    run_in_pool = _original(loop.run_in_executor)

    def run_in_executor(self, executor, func, *args):
        if executor is not None or self._default_executor is not None:
            return run_in_pool(self, executor, func, *args)
        self._check_closed()
        if self._debug:
            self._check_callback(func, "run_in_executor")
        self._check_default_executor()
        done = base_events.concurrent.futures.Future()
        _run_now(done, func, args)
        return base_events.futures.wrap_future(done, loop=self)

    _replace(loop, getaddrinfo, getnameinfo, run_in_executor)


def _run_now(done, func, args):
    """Calls `func` and completes the concurrent future `done` with its outcome, as a pool's worker does."""
    try:
        # In a worker thread's context, not the caller's: `to_thread` passes its caller's context on
        # itself, and `run_in_executor` does not. A fresh one each time, so that a function that
        # itself runs one in place can enter it.
        result = contextvars.Context().run(func, *args)
    except BaseException as exc:  # a worker hands every exception to its future
        done.set_exception(exc)
    else:
        done.set_result(result)


def _thread_pool_in_place(thread):
    executor = thread.ThreadPoolExecutor
    if not all(hasattr(executor, name) for name in ("prepare_context", "_initializer_failed")) or not hasattr(thread, "_WorkItem"):
        return  # a ThreadPoolExecutor made otherwise than 3.14's is left as it is

    def submit(self, fn, /, *args, **kwargs):
        # 3.14's checks and work item, then the item run here rather than queued for a thread;
        # with the locks released, so that a function may submit more to its own executor.
        with self._shutdown_lock, thread._global_shutdown_lock:
            if self._broken:
                raise self.BROKEN(self._broken)
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if thread._shutdown:
                raise RuntimeError("cannot schedule new futures after interpreter shutdown")
            future = thread._base.Future()
            item = thread._WorkItem(future, self._resolve_work_item_task(fn, args, kwargs))
        # A free worker, or a new one while every other is running an item that submitted this:
        # its own context (a thread's is its own, not the submitter's), initialized as a thread's
        # worker is before its first item.
        workers = self.__dict__.setdefault("_in_place_workers", [])
        worker = next((w for w in workers if not w.busy), None)
        if worker is None:
            worker = _InPlaceWorker(self._create_worker_context())
            try:
                worker.context.run(worker.ctx.initialize)
            except BaseException:
                thread._base.LOGGER.critical("Exception in initializer:", exc_info=True)
                self._work_queue.put(item)
                self._initializer_failed()
                return future
            workers.append(worker)
        worker.busy = True
        try:
            worker.context.run(item.run, worker.ctx)
        finally:
            worker.busy = False
        return future

    _replace(executor, submit)


class _InPlaceWorker:
    """What a pool's worker thread has of its own: its worker context and its contextvars context."""

    def __init__(self, ctx):
        self.ctx, self.context, self.busy = ctx, contextvars.Context(), False


def _serve_in_place(socketserver):
    mixin = socketserver.ThreadingMixIn

    def process_request(self, request, client_address):
        self.process_request_thread(request, client_address)

    _replace(mixin, process_request)


def _twisted_pool_in_place(threadpool):
    pool = threadpool.ThreadPool

    def callInThreadWithCallback(self, onResult, func, *args, **kw):
        if self.joined:
            return
        ctx = threadpool.context.theContextTracker.currentContext().contexts[-1]
        try:
            result, ok = threadpool.context.call(ctx, func, *args, **kw), True
        except BaseException:  # a worker hands every exception on as a Failure
            result, ok = threadpool.Failure(), False
        if onResult is not None:
            onResult(ok, result)
        elif not ok:
            threadpool.log.err(result)

    def start(self):
        self.joined, self.started = False, True

    def stop(self):
        self.joined, self.started = True, False

    _replace(pool, callInThreadWithCallback, start, stop)


def _anyio_workers_in_place(backend):
    worker = getattr(backend, "WorkerThread", None)
    if worker is None:  # an AnyIO whose workers are made otherwise: left to fail as it would
        return

    def start(self):
        self.queue = _RunAsHanded(self.run)

    _replace(worker, start)


class _RunAsHanded:
    """An AnyIO worker's queue that runs the worker's loop in place on each call it is handed.

    The worker's `run` takes calls from `get()` until it gets None (its stop signal), so each
    `put_nowait` lets it take the one call and then stop; the stop signal itself has nothing to end."""

    def __init__(self, run):
        self._run, self._handed = run, []

    def put_nowait(self, item):
        if item is not None:
            self._handed.append(item)
            self._run()

    def get(self):
        return self._handed.pop() if self._handed else None

    def task_done(self):
        pass


def _pika_resolver_in_place(adapter):
    if not hasattr(adapter, "_AddressResolver") or isinstance(adapter.threading, _TimersInPlace):
        return  # a pika that resolves otherwise is left as it is; one adapted already, too
    adapter.threading = _TimersInPlace(adapter.threading)


class _TimersInPlace:
    """A module's `threading`, but for `Timer`, which runs in place."""

    def __init__(self, threading):
        self._threading = threading

        class Timer(threading.Timer):
            """Started, it waits out its interval and calls its function in the caller's thread (no
            thread ever runs, so `join` and `is_alive` have none to report on; pika calls neither)."""

            def start(self):
                self.run()

        self.Timer = Timer

    def __getattr__(self, name):
        return getattr(self._threading, name)


# waitress's dispatcher classes adapted to queue their tasks for the channel to service.
_WAITRESS_DISPATCHERS = []


def _waitress_dispatcher_in_place(task):
    dispatcher = getattr(task, "ThreadedTaskDispatcher", None)
    if dispatcher is None:
        return

    def set_thread_count(self, count):
        pass  # no worker to start or stop: the channel services what add_task queues

    def add_task(self, task):
        self.queue.append(task)

    def shutdown(self, cancel_pending=True, timeout=5):
        if cancel_pending:
            while self.queue:
                self.queue.popleft().cancel()
        return True

    _replace(dispatcher, set_thread_count, add_task, shutdown)
    if dispatcher not in _WAITRESS_DISPATCHERS:
        _WAITRESS_DISPATCHERS.append(dispatcher)


def _waitress_channel_in_place(channel):
    http_channel = getattr(channel, "HTTPChannel", None)
    if http_channel is None:
        return
    read_only = _original(http_channel.received)

    def received(self, data):
        taken = read_only(self, data)
        dispatcher = getattr(self.server, "task_dispatcher", None)
        if isinstance(dispatcher, tuple(_WAITRESS_DISPATCHERS)):
            while dispatcher.queue:  # a task may queue another: the next request it found waiting
                task = dispatcher.queue.popleft()
                try:
                    task.service()
                except KeyboardInterrupt:  # natively the main thread's, which then stops serving
                    raise
                except BaseException:  # a worker logs every other exception and goes on
                    dispatcher.logger.exception("Exception when servicing %r", task)
        return taken

    _replace(http_channel, received)


def _s3transfer_in_place(futures):
    executor = getattr(futures, "BoundedExecutor", None)
    if executor is None or not hasattr(futures, "NonThreadedExecutor"):
        return  # an s3transfer made otherwise is left as it is
    executor.EXECUTOR_CLS = futures.NonThreadedExecutor


def _trio_workers_in_place(thread_cache):
    cache = getattr(thread_cache, "ThreadCache", None)
    if cache is None or not hasattr(thread_cache, "outcome"):
        return  # a trio whose workers are made otherwise is left to fail as it would

    def start_thread_soon(self, fn, deliver, name=None):
        # As a worker's `_handle_job`: a fresh context (trio's workers get one), then the outcome
        # delivered; `deliver` hands it to the trio loop through `run_sync_soon`.
        result = contextvars.Context().run(thread_cache.outcome.capture, fn)
        try:
            deliver(result)
        except BaseException as e:  # a worker prints what `deliver` raised and goes on
            print("Exception while delivering result of thread", file=sys.stderr)
            thread_cache.traceback.print_exception(type(e), e, e.__traceback__)

    _replace(cache, start_thread_soon)


# trio's `_core` imports its kqueue functions from `_run` on every platform but Linux, Windows and
# Android, while `_run` defines them only where `select` has no epoll. WASI CPython is such a platform
# ("wasi"), and pysock's `select` has epoll, so `import trio` failed. The names are held in `_run`
# while `_core` is imported and taken out of both after, leaving trio as it is on Linux.
_TRIO_KQUEUE_NAMES = ("current_kqueue", "monitor_kevent", "wait_kevent")


def _trio_kqueue_names_held(run):
    if getattr(getattr(run, "TheIOManager", None), "__name__", None) == "EpollIOManager":
        for name in _TRIO_KQUEUE_NAMES:
            if not hasattr(run, name):
                setattr(run, name, _trio_kqueue_names_held)


def _trio_kqueue_names_dropped(core):
    run = getattr(core, "_run", None)
    for module in (core, run):
        for name in _TRIO_KQUEUE_NAMES:
            if getattr(module, name, None) is _trio_kqueue_names_held:
                delattr(module, name)


class _NoForeignLibraries(type(sys)):
    """`ctypes`, as seen by the modules in WITHOUT_CTYPES: no library can be loaded, and `c_long`.

    WASI CPython has no `_ctypes`, so `import ctypes` fails. trio imports it only to name its worker
    threads through libpthread, and gives up naming them when the library cannot be loaded, as it
    does on platforms without one. ldap3 imports it only to wrap an integer as a C `long`, for an
    Active Directory control. Only the listed modules see this stand-in (it is theirs while they are
    imported, and stays their global): everyone else's `import ctypes` still fails as on any WASI
    CPython."""

    def __init__(self):
        super().__init__("ctypes", self.__doc__)
        self.util = type(sys)("ctypes.util")
        self.util.find_library = lambda name: None

    class c_long:
        """An integer as Linux's C `long` holds it on x86-64 and arm64 (64 bits, signed), not as
        wasm32's (32 bits): what the same program computes natively."""

        def __init__(self, value=0):
            self.value = value

        @property
        def value(self):
            return self._value

        @value.setter
        def value(self, value):
            value = operator.index(value)  # TypeError for a float, as ctypes raises
            self._value = (value + 2**63) % 2**64 - 2**63

        def __repr__(self):
            return f"c_long({self._value})"

    @staticmethod
    def CDLL(name, *args, **kwargs):
        # The OSError dlopen's failure gives natively, with its message.
        raise OSError(f"{name}: cannot open shared object file: No such file or directory")


def _imported_without_ctypes(run, module):
    try:
        import ctypes  # noqa: F401 (an interpreter with ctypes needs no stand-in)
    except ImportError:
        pass
    else:
        return run(module)
    stand_in = _NoForeignLibraries()
    sys.modules["ctypes"], sys.modules["ctypes.util"] = stand_in, stand_in.util
    try:
        return run(module)
    finally:
        for name, held in (("ctypes", stand_in), ("ctypes.util", stand_in.util)):
            if sys.modules.get(name) is held:
                del sys.modules[name]


def _replace(cls, *functions):
    for new in functions:
        old = getattr(cls, new.__name__)
        new.__qualname__, new.__doc__ = old.__qualname__, old.__doc__
        new.__wrapped__ = _original(old)
        setattr(cls, new.__name__, new)


def _original(method):
    # The stdlib's own method, however often `_pysock.install()` has adapted the class: the
    # in-place `run_in_executor` must not end up calling itself.
    return getattr(method, "__wrapped__", method)


ADAPTED = {
    "asyncio.base_events": _resolve_in_place,
    "concurrent.futures.thread": _thread_pool_in_place,
    "socketserver": _serve_in_place,
    "twisted.python.threadpool": _twisted_pool_in_place,
    "anyio._backends._asyncio": _anyio_workers_in_place,
    "pika.adapters.utils.selector_ioloop_adapter": _pika_resolver_in_place,
    "s3transfer.futures": _s3transfer_in_place,
    "waitress.task": _waitress_dispatcher_in_place,
    "waitress.channel": _waitress_channel_in_place,
    # `_run` before `_core`: an `install()` after trio's import holds the names, then drops them.
    "trio._core._run": _trio_kqueue_names_held,
    "trio._core": _trio_kqueue_names_dropped,
    "trio._core._thread_cache": _trio_workers_in_place,
}

# Modules imported with `_NoForeignLibraries` as their `ctypes`.
WITHOUT_CTYPES = {"trio._core._thread_cache", "ldap3.protocol.microsoft"}


def install():
    """Adapts each module in ADAPTED when it is imported (now, if it already was)."""
    for name, adapt in ADAPTED.items():
        if name in sys.modules:
            adapt(sys.modules[name])
    if _Finder not in sys.meta_path:
        sys.meta_path.insert(0, _Finder)


class _Finder:
    """Finds the modules in ADAPTED and WITHOUT_CTYPES as the path finder does, and runs each as
    they say."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        adapt = ADAPTED.get(name)
        if adapt is None and name not in WITHOUT_CTYPES:
            return None
        spec = PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            run = spec.loader.exec_module

            def exec_module(module):
                if name in WITHOUT_CTYPES:
                    _imported_without_ctypes(run, module)
                else:
                    run(module)
                if adapt is not None:
                    adapt(module)

            spec.loader.exec_module = exec_module
        return spec
