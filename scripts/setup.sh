#!/usr/bin/env bash
# Sets up a fresh machine and builds everything pysock needs: the wasm32-wasip2 target, a Python venv
# with componentize-py, the guest component, the sandboxed CPython and the host with its CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

if ! command -v openssl >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq openssl >/dev/null) || echo "setup: could not install openssl (only the TLS work needs it)"
fi
rustup target add wasm32-wasip2 >/dev/null
if [ ! -x .venv/bin/componentize-py ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q componentize-py==0.25.1 zstandard==0.23.0
fi

# The guest: built once per run, release, into the shared target dir under its own target triple.
cargo build -q --release --manifest-path guest/Cargo.toml --target wasm32-wasip2 --target-dir target

# The sandboxed CPython: its stdlib for /python, and the interpreter component with pysock's adapters.
if [ ! -f build/python/lib/os.py ]; then
  .venv/bin/python python/extract_stdlib.py build/python/lib
fi
VIRTUAL_ENV="$PWD/.venv" .venv/bin/componentize-py -q -d wit -w python componentize -p python pysock_app \
  -o build/python/interpreter.wasm

# The host and the `pysock` CLI (dev profile: dependencies are optimised, see Cargo.toml).
cargo build -q -p pysock
echo "setup: done; run target/debug/pysock python --allow-loopback SCRIPT.py"
