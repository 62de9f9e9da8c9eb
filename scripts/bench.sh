#!/usr/bin/env bash
# The benchmark suite (issue 7): builds the host in release mode and the comparison interpreter
# (CPython without pysock, for subject (e)), runs bench/ for every subject, and writes
# docs/BENCHMARKS.md, docs/benchmarks.json and the plots. Loopback only; every workload is bounded.
# Needs scripts/setup.sh first (the guest, the sandboxed interpreter and the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/shared.sh
.venv/bin/pip install -q matplotlib==3.9.2
mkdir -p build/plain
.venv/bin/componentize-py -q -d wit -w plain componentize -p bench/plain -p python plain_app -o build/plain/interpreter.wasm
cargo build --release -p pysock -p pysock-bench
target/release/pysock-bench
.venv/bin/python bench/plots.py docs
