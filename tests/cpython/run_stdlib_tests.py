# Runs CPython's own test modules inside the sandbox and prints their counts.
# usage: pysock python --allow-loopback --dir LIBDIR tests/cpython/run_stdlib_tests.py [--as-linux] LIBDIR MODULE...
# LIBDIR holds a CPython `test` package (3.13's from pyenv is the closest to the sandbox's 3.14).
# It goes last on sys.path, so only `test` comes from it and the sandbox's own stdlib wins.
import sys
import unittest

args = sys.argv[1:]
as_linux = args[0] == "--as-linux"
if as_linux:
    args = args[1:]
libdir, modules = args[0], args[1:]
sys.path.append(libdir)
if as_linux:
    # The test modules skip themselves on WASI because upstream WASI has no socketpair or select;
    # pysock has both, so --as-linux lets them run. Threads and subprocesses still skip on their own.
    from test import support
    support.is_wasi = False
    support.has_socket_support = True
# The sandbox has no threads; CPython's threaded test classes start one in setUp and error.
NEEDS_THREADS = "can't start new thread"

for name in modules:
    suite = unittest.defaultTestLoader.loadTestsFromName(name)
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite)
    problems = [(test, trace.strip().splitlines()[-1]) for test, trace in result.failures + result.errors]
    threaded = [p for p in problems if NEEDS_THREADS in p[1]]
    failed = [p for p in problems if NEEDS_THREADS not in p[1]]
    passed = result.testsRun - len(problems) - len(result.skipped)
    print(f"{name}: ran {result.testsRun}, passed {passed}, failed {len(failed)}, "
          f"skipped {len(result.skipped)}, need threads {len(threaded)}", flush=True)
    for test, last_line in failed:
        print(f"  FAIL {test.id()}: {last_line}")
