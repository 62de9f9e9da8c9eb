#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs every test: the guest's native unit tests, the host and
# component tests (cargo test, which include every public conformance script in the sandbox),
# real client libraries against real servers (scripts/real-clients.sh), and installed copies of
# pysock with no checkout (scripts/install-check.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/shared.sh
bash scripts/setup.sh
cargo test -q --lib --manifest-path guest/Cargo.toml --target-dir target
cargo test --workspace
# Real client libraries against real servers (installs the servers it needs as root: redis-server,
# PostgreSQL, dnsmasq, mosquitto, memcached, MariaDB, nats-server, Dovecot, RabbitMQ).
bash scripts/real-clients.sh
# pysock installed with cargo install, copied, and as a wheel, run with the checkout's build/ moved away.
bash scripts/install-check.sh
