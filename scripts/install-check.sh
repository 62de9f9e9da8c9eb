#!/usr/bin/env bash
# pysock installed as a user would, run with no checkout: `cargo install --path host`, the same
# binary copied to another folder, and the maturin wheel (host/pyproject.toml) pip-installed into a
# fresh venv. While they run, the checkout's build/ is moved away, so nothing can come from it; it is
# put back however the script ends. Each copy runs a script that serves and connects over loopback,
# and its output must equal native python3's; the first run of a fresh cache must say once that it
# compiles, and later runs nothing; three first runs at once share one cache. Prints the sizes of the binary and the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
restore() {
  if [ -d "$work/build.away" ]; then mv "$work/build.away" "$root/build"; fi
  rm -rf "$work"
}
trap restore EXIT

# Dev profile and the shared target dir: what scripts/setup.sh already built is reused, not rebuilt.
cargo install -q --locked --debug --path host --root "$work/cargo" --target-dir target
.venv/bin/pip install -q maturin==1.16.0
.venv/bin/maturin build -q -m host/Cargo.toml --profile dev --strip --locked --target-dir target -o "$work/wheels" >/dev/null 2>"$work/maturin.log" \
  || { cat "$work/maturin.log" >&2; exit 1; }
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-index "$work"/wheels/pysock-*.whl
mkdir "$work/elsewhere" && cp "$work/cargo/bin/pysock" "$work/elsewhere/pysock"

cat > "$work/check.py" <<'PY'
import socket, ssl, sys, tempfile
server = socket.create_server(("127.0.0.1", 0))
client = socket.create_connection(server.getsockname(), timeout=5)
peer, _ = server.accept()
client.sendall(b"ping " * 1000)
got = b""
while len(got) < 5000:
    got += peer.recv(65536)
with tempfile.TemporaryFile() as spool:
    spool.write(got)
    spool.seek(0)
    print(len(spool.read()), got[:10], sys.argv[1:], ssl.PROTOCOL_TLS_CLIENT.name)
for s in (client, peer, server):
    s.close()
PY
expected=$(cd "$work" && python3 check.py one two)

mv "$root/build" "$work/build.away"
cd "$work"
for pysock in "$work/cargo/bin/pysock" "$work/elsewhere/pysock" "$work/venv/bin/pysock"; do
  cache="$work/cache-$(basename "$(dirname "$(dirname "$pysock")")")"
  for attempt in first later; do
    got=$(XDG_CACHE_HOME="$cache" "$pysock" python --allow-loopback check.py one two 2>"$work/stderr")
    if [ "$got" != "$expected" ]; then
      echo "install-check: $pysock printed '$got', python3 printed '$expected'; stderr:" >&2
      cat "$work/stderr" >&2
      exit 1
    fi
    notices=$(grep -c "compiling the sandboxed interpreter" "$work/stderr" || true)
    if [ "$attempt" = first ] && [ "$notices" != 1 ] || [ "$attempt" = later ] && [ -s "$work/stderr" ]; then
      echo "install-check: $pysock's $attempt run wrote to stderr:" >&2
      cat "$work/stderr" >&2
      exit 1
    fi
  done
done
# Several first runs at once on one empty cache: each compiles or loads, none sees a half-written file.
for i in 1 2 3; do
  (XDG_CACHE_HOME="$work/cache-shared" "$work/venv/bin/pysock" python --allow-loopback check.py one two >"$work/out$i" 2>"$work/err$i"; echo $? >"$work/status$i") &
done
wait
for i in 1 2 3; do
  if [ "$(cat "$work/status$i")" != 0 ] || [ "$(cat "$work/out$i")" != "$expected" ]; then
    echo "install-check: run $i of 3 started at once failed:" >&2
    cat "$work/out$i" "$work/err$i" >&2
    exit 1
  fi
done
size() { du -h "$1" | cut -f1; }
echo "install-check: cargo install, a copied binary and the wheel run with build/ moved away, three at once on one cache;" \
  "binary $(size "$work/cargo/bin/pysock") (dev profile), wheel $(size "$work"/wheels/pysock-*.whl) (stripped)"
