# Runs CPython's own test modules inside the sandbox and prints their counts.
# usage: pysock python --allow-loopback --dir LIBDIR [--writable-dir SCRATCH] tests/cpython/run_stdlib_tests.py
#        [--as-linux] [--cwd SCRATCH] LIBDIR MODULE...
# --cwd runs the tests in SCRATCH, where their temporary files (os_helper.TESTFN) can be written.
# LIBDIR holds a CPython `test` package (3.13's from pyenv is the closest to the sandbox's 3.14).
# It goes last on sys.path, so only `test` comes from it and the sandbox's own stdlib wins.
import sys
import unittest

args = sys.argv[1:]
as_linux = args[0] == "--as-linux"
if as_linux:
    args = args[1:]
if args[0] == "--cwd":
    import os
    os.chdir(args[1])
    args = args[2:]
libdir, modules = args[0], args[1:]
sys.path.append(libdir)
if as_linux:
    # The test modules skip themselves on WASI because upstream WASI has no socketpair or select;
    # pysock has both, so --as-linux lets them run. Threads and subprocesses still skip on their own.
    from test import support
    support.is_wasi = False
    support.has_socket_support = True
    # The test package is 3.13's and the sandbox's asyncio 3.14's, which dropped child watchers;
    # 3.13's asyncio test utilities ask the policy for one in tearDown and accept NotImplementedError.
    from asyncio import unix_events

    def _no_child_watcher(self):
        raise NotImplementedError

    policy = getattr(unix_events, "_UnixDefaultEventLoopPolicy", None)
    if policy is not None and not hasattr(policy, "get_child_watcher"):
        policy.get_child_watcher = _no_child_watcher
    # 3.13's UnixEventLoopTestsMixin and GetEventLoopTestsMixin attach a SafeChildWatcher in setUp
    # and drop it in tearDown; 3.14 removed both names. Nothing here starts a child to watch.
    import asyncio

    class _NoChildWatcher:
        def attach_loop(self, loop):
            pass

    if not hasattr(asyncio, "SafeChildWatcher"):
        asyncio.SafeChildWatcher = _NoChildWatcher
        asyncio.set_child_watcher = lambda watcher: None
    # CPython's check that multiprocessing's locks work tries one on Linux alone. The sandbox has
    # `_multiprocessing`, but a default-context lock asks for a resource-tracker process, which a
    # sandbox cannot start: the tests behind the check (process pools) skip, as where it fails.
    import multiprocessing.synchronize

    _check_synchronize = support.skip_if_broken_multiprocessing_synchronize

    def _skip_if_no_default_lock():
        _check_synchronize()
        try:
            multiprocessing.synchronize.Lock(ctx=None)
        except (OSError, ImportError) as exc:
            raise unittest.SkipTest(f"broken multiprocessing SemLock: {exc!r}")

    support.skip_if_broken_multiprocessing_synchronize = _skip_if_no_default_lock
# Tests written for 3.13 that 3.14's stdlib answers differently by design, and that would hang.
VERSION_SKEW = {
    # 3.14's Runner.run() accepts any awaitable, so it waits on this never-completed future.
    "test.test_asyncio.test_runners.RunnerTests.test_run_future",
    # These put the pure-Python running-loop functions in place; 3.14's C tasks do not see the loop
    # they set, so the test's coroutine fails on every step and run_until_complete never returns.
    "test.test_asyncio.test_events.TestPyGetEventLoop.test_get_event_loop_returns_running_loop",
    "test.test_asyncio.test_events.TestPyGetEventLoop.test_get_event_loop_returns_running_loop2",
}

# Tests whose executor function waits for the event loop: natively it runs in a worker thread while
# the loop goes on; in the sandbox asyncio's default executor runs it in place, on the loop's one
# thread, so the wait could never end and WASI's libc stops the program. Counted as needing threads,
# not run.
WAIT_FOR_THE_LOOP = ("test.test_asyncio.test_tasks.RunCoroutineThreadsafeTests.",)


def selected(suite, held_back):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from selected(test, held_back)
        elif test.id().startswith(WAIT_FOR_THE_LOOP):
            held_back.append(test)
        elif test.id() not in VERSION_SKEW:
            yield test


# The sandbox has no threads; CPython's threaded test classes start one in setUp and error.
NEEDS_THREADS = "can't start new thread"

for name in modules:
    held_back = []
    suite = unittest.TestSuite(selected(unittest.defaultTestLoader.loadTestsFromName(name), held_back))
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite)
    # A test can fail and then error in tearDown: count each test once.
    problems = list({test.id(): (test, trace.strip().splitlines()[-1])
                     for test, trace in result.failures + result.errors}.values())
    threaded = [p for p in problems if NEEDS_THREADS in p[1]]
    failed = [p for p in problems if NEEDS_THREADS not in p[1]]
    passed = max(0, result.testsRun - len(problems) - len(result.skipped))
    print(f"{name}: ran {result.testsRun + len(held_back)}, passed {passed}, failed {len(failed)}, "
          f"skipped {len(result.skipped)}, need threads {len(threaded) + len(held_back)}", flush=True)
    for test, last_line in failed:
        print(f"  FAIL {test.id()}: {last_line}")
