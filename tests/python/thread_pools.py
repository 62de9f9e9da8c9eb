"""concurrent.futures.ThreadPoolExecutor, an executor a program makes itself, which WASI CPython
cannot start threads for and pysock runs in place: submit, map, futures and their exceptions,
as_completed and wait, nested submits, initializers (failing too), shutdown, the refusals, an
executor passed to asyncio, and real sockets inside the work. tests/tests/sandbox.rs compares this
with native CPython; what depends on the order threads finish in is printed sorted."""
import asyncio
import concurrent.futures as cf
import contextvars
import logging
import socket

from transcript import attempt



class Logged(logging.Handler):
    """concurrent.futures' log, without the traceback (its frames differ between interpreters)."""

    def emit(self, record):
        error = record.exc_info[1] if record.exc_info else None
        print(f"logged: {record.levelname} {record.getMessage()} {error!r}")


logging.getLogger("concurrent.futures").addHandler(Logged())
logging.getLogger("concurrent.futures").propagate = False


def refused(label, call):
    """attempt(), for the pool's refusals: RuntimeError (BrokenThreadPool is one) as well."""
    try:
        print(f"{label}: {call()}")
    except (RuntimeError, ValueError, TypeError) as e:
        print(f"{label}: {type(e).__name__} {e}")


def square(n):
    return n * n


def fail(n):
    raise ValueError(f"no {n}")


with cf.ThreadPoolExecutor(max_workers=4) as pool:
    futures = [pool.submit(square, n) for n in range(10)]
    attempt("results", lambda: [f.result(timeout=5) for f in futures])
    attempt("map", lambda: list(pool.map(square, range(5), timeout=5)))
    attempt("map of two", lambda: list(pool.map(pow, [2, 3], [5, 2])))
    failed = pool.submit(fail, 7)
    attempt("an exception", lambda: failed.result())
    attempt("exception()", lambda: repr(failed.exception()))
    attempt("done, cancelled", lambda: (failed.done(), failed.cancelled(), failed.cancel()))
    attempt("as_completed", lambda: sorted(f.result() for f in cf.as_completed(futures, timeout=5)))
    done, pending = cf.wait(futures + [failed], timeout=5, return_when=cf.FIRST_EXCEPTION)
    attempt("wait", lambda: (len(done) + len(pending), failed in done))
    attempt("map raising", lambda: list(pool.map(fail, [1, 2])))
    attempt("keywords", lambda: pool.submit(int, "ff", base=16).result())
    called = []
    pool.submit(square, 12).add_done_callback(lambda f: called.append(f.result()))


def crawl(pool, depth):
    # A function that submits more to its own executor and waits for it.
    if depth == 0:
        return [depth]
    return [depth] + pool.submit(crawl, pool, depth - 1).result(timeout=5)


print("callback:", called)
with cf.ThreadPoolExecutor(8) as pool:
    attempt("nested submits", lambda: pool.submit(crawl, pool, 4).result(timeout=5))

seen = contextvars.ContextVar("seen", default="fresh")
seen.set("caller's")
with cf.ThreadPoolExecutor(1) as pool:
    attempt("a worker's context", lambda: pool.submit(seen.get).result())
    pool.submit(seen.set, "the worker's").result()
    attempt("kept for its next item", lambda: pool.submit(seen.get).result())
attempt("the caller's own", lambda: seen.get())

started = []
with cf.ThreadPoolExecutor(1, initializer=started.append, initargs=("initialized",)) as pool:
    attempt("initializer", lambda: (pool.submit(len, started).result(), started))


def broken_initializer():
    raise OSError("cannot start")


pool = cf.ThreadPoolExecutor(1, initializer=broken_initializer)
first = pool.submit(square, 3)
refused("after a failed initializer", lambda: first.result(timeout=5))
refused("submit to a broken pool", lambda: pool.submit(square, 3))
pool.shutdown()

pool = cf.ThreadPoolExecutor(2)
pool.shutdown(wait=True, cancel_futures=True)
refused("submit after shutdown", lambda: pool.submit(square, 2))
refused("max_workers 0", lambda: cf.ThreadPoolExecutor(0))
refused("initializer not callable", lambda: cf.ThreadPoolExecutor(1, initializer=5))


def echo_over_a_socketpair(text):
    a, b = socket.socketpair()
    with a, b:
        a.sendall(text.encode())
        return b.recv(100).decode().upper()


with cf.ThreadPoolExecutor(3) as pool:
    attempt("sockets in the work", lambda: sorted(pool.map(echo_over_a_socketpair, ["one", "two", "three"])))


async def main():
    loop = asyncio.get_running_loop()
    with cf.ThreadPoolExecutor(2) as pool:
        got = await asyncio.gather(*(loop.run_in_executor(pool, square, n) for n in range(4)))
        print("run_in_executor:", got)
        try:
            await loop.run_in_executor(pool, fail, 9)
        except ValueError as e:
            print("run_in_executor raising:", e)


asyncio.run(main())
