#!/usr/bin/env bash
# TLS benchmark: bench/tls_bench.py under native python3 and under pysock, in one invocation;
# prints both and the sandbox/native ratios. Needs scripts/setup.sh first. Loopback only, bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/shared.sh
CERTS="$PYSOCK_SHARED/conformance/certs"
native=$(python3 bench/tls_bench.py "$CERTS" "$@")
sandbox=$(target/debug/pysock python --allow-loopback --dir "$CERTS" bench/tls_bench.py "$CERTS" "$@")
python3 - "$native" "$sandbox" <<'PY'
import sys
n = dict(line.split() for line in sys.argv[1].splitlines())
s = dict(line.split() for line in sys.argv[2].splitlines())
for key in n:
    print(f"{key}: native {float(n[key]):.1f}, pysock {float(s[key]):.1f}, ratio {float(s[key]) / float(n[key]):.2f}")
PY
