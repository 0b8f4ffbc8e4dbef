#!/usr/bin/env bash
# Load on `cytologia serve`: 32 psycopg clients for 60 s query the analyst views of a demo
# warehouse over SCRAM on loopback, while another process re-runs sql/08_submission.sql (the
# writer). Reports queries, errors, p50/p99 latency, throughput and writes
# (scripts/bench/serve_load.py); fails on any error or a read that saw a mixed submission.
#   scripts/bench/serve.sh [CLIENTS] [SECONDS]
# The demo warehouse (target/bench-serve/demo, 120 + 60 images) is made on the first run.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLIENTS=${1:-32}
SECONDS_=${2:-60}
scripts/setup --test >/dev/null
[ -n "${NO_BUILD:-}" ] || scripts/cargo build --release --bin cytologia
BIN=${CYTOLOGIA_BIN:-$(scripts/cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/cytologia}
OUT=target/bench-serve
mkdir -p "$OUT"
if [ ! -d "$OUT/demo/warehouse" ]; then
  "$BIN" demo --out "$OUT/demo" --train 120 --test 60 > "$OUT/demo.log" 2>&1
fi
WH=$OUT/demo/warehouse
ROLES=$OUT/roles
CYTOLOGIA_PASSWORD=bench "$BIN" role add bench --role analyst --roles "$ROLES" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --warehouse "$WH" serve --pg "127.0.0.1:$PORT" --roles "$ROLES" --max-connections 64 2> "$OUT/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
until grep -q "listening on" "$OUT/serve.log"; do sleep 0.2; done
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
PGPASSWORD=bench PGSSLMODE=disable .cytologia-env/venv/bin/python scripts/bench/serve_load.py \
  --port "$PORT" --user bench --clients "$CLIENTS" --seconds "$SECONDS_" \
  --writer "$BIN --warehouse $WH run sql/08_submission.sql --set out=$OUT/submission.csv"
kill -TERM $SERVER
wait $SERVER
tail -n 1 "$OUT/serve.log"
