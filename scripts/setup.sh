#!/usr/bin/env bash
# Sets up a fresh machine and builds everything pysock needs: the wasm32-wasip2 target, a Python venv
# with componentize-py, the CPython extension (the guest), the sandboxed CPython with it linked in,
# and the host with its CLI.
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

# The guest: CPython's _socket, select and _ssl as one extension, a position-independent wasm
# library linked against componentize-py's own libc and libpython (fetched once), built once per run
# into the shared target dir under its own target triple.
if [ ! -f build/sdk/libpython3.14.so ]; then
  .venv/bin/python python/fetch_sdk.py build/sdk
fi
RUSTFLAGS="-C link-self-contained=no -L native=$PWD/build/sdk -C link-arg=--shared" \
  PYO3_CONFIG_FILE="$PWD/guest/cpython/pyo3-config.txt" \
  cargo build -q --release --manifest-path guest/cpython/Cargo.toml --target wasm32-wasip2 --target-dir target
mkdir -p build/extension
cp target/wasm32-wasip2/release/_pysock.wasm build/extension/_pysock.cpython-314-wasm32-wasi.so

# The sandboxed CPython: its stdlib for /python, and the interpreter component with the extension
# linked in (componentize-py finds it under -p build/extension).
if [ ! -f build/python/lib/os.py ]; then
  .venv/bin/python python/extract_stdlib.py build/python/lib
fi
# componentize-py initialises the interpreter here, in this environment: none of the build machine's
# PYTHON* variables (PYTHONUNBUFFERED, PYTHONDONTWRITEBYTECODE, ...) may become every run's settings.
for variable in $(compgen -e | grep '^PYTHON' || true); do unset "$variable"; done
VIRTUAL_ENV="$PWD/.venv" .venv/bin/componentize-py -q -d wit -w python componentize -p python -p build/extension \
  pysock_app -o build/python/interpreter.wasm

# The host and the `pysock` CLI (dev profile: dependencies are optimised, see Cargo.toml); it carries
# the interpreter and its standard library, so the binary runs anywhere (host/build.rs).
cargo build -q -p pysock
# The standard library compiled to bytecode by the sandbox's own CPython 3.14, once: the sandbox may
# not write /python, so without it every import of a module outside the snapshot compiles its source
# (0.9 s for asyncio, http.client and a dozen more; 0.15 s with it). Checked hashes, so an edited
# source is still read. Then the host again, to carry the compiled files (host/build.rs).
if [ ! -f build/python/lib/__pycache__/os.cpython-314.pyc ]; then
  target/debug/pysock python --writable-dir "$PWD/build/python/lib" \
    -m compileall -q -d /python --invalidation-mode checked-hash "$PWD/build/python/lib"
  cargo build -q -p pysock
fi
# Compile the interpreter for this machine now (the user's cache, see README), not in the first run.
target/debug/pysock python -c pass
echo "setup: done; run target/debug/pysock python --allow-loopback SCRIPT.py"
