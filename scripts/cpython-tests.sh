#!/usr/bin/env bash
# Runs CPython's own test_socket, test_select and test_selectors inside the sandbox (not part of CI:
# the counts and every failure's cause are kept in docs/cpython-tests.md).
# Needs a CPython `test` package: 3.13's from the machine image's pyenv by default, or LIBDIR=...
set -euo pipefail
cd "$(dirname "$0")/.."
LIBDIR="${LIBDIR:-$(pyenv prefix 3.13.0 2>/dev/null)/lib/python3.13}"
[ -f "$LIBDIR/test/test_socket.py" ] || { echo "no CPython test package in $LIBDIR; set LIBDIR" >&2; exit 2; }
target/debug/pysock python --allow-loopback --dir "$LIBDIR" tests/cpython/run_stdlib_tests.py \
  --as-linux "$LIBDIR" test.test_socket test.test_select test.test_selectors 2>/dev/null
