#!/usr/bin/env bash
# Runs CPython's own test modules inside the sandbox (not part of CI: the counts and every failure's
# cause are kept in docs/cpython-tests.md). Each module runs in its own sandbox with a time limit.
#   bash scripts/cpython-tests.sh           test_socket, test_select, test_selectors
#   bash scripts/cpython-tests.sh asyncio   the test_asyncio modules that need no subprocesses
#   bash scripts/cpython-tests.sh ssl       test_ssl (CPython's certificates in LIBDIR/test/certdata)
# Needs a CPython `test` package: 3.13's from the machine image's pyenv by default, or LIBDIR=...
set -euo pipefail
cd "$(dirname "$0")/.."
LIBDIR="${LIBDIR:-$(pyenv prefix 3.13.0 2>/dev/null)/lib/python3.13}"
[ -f "$LIBDIR/test/test_socket.py" ] || { echo "no CPython test package in $LIBDIR; set LIBDIR" >&2; exit 2; }
if [ "${1:-}" = ssl ]; then
  modules="test.test_ssl"
elif [ "${1:-}" = asyncio ]; then
  modules=""
  for m in base_events buffered_proto context eager_task_factory events futures futures2 locks pep492 \
           protocols queues runners selector_events sendfile server sock_lowlevel ssl sslproto staggered \
           streams taskgroups tasks timeouts transports unix_events waitfor; do
    modules="$modules test.test_asyncio.test_$m"
  done
else
  modules="test.test_socket test.test_select test.test_selectors"
fi
# A writable scratch folder, so that tests can make their temporary files (os_helper.TESTFN).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for module in $modules; do
  target/debug/pysock python --allow-loopback --time-limit 600 --dir "$LIBDIR" --writable-dir "$scratch" \
    tests/cpython/run_stdlib_tests.py --as-linux --cwd "$scratch" "$LIBDIR" "$module" 2>/dev/null \
    || echo "$module: stopped (status $?)"
done
