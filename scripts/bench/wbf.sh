#!/usr/bin/env bash
# WBF benchmark: the wbf() aggregate over a warehouse table vs ensemble_boxes 1.0.9 called per image
# as the winning recipe did (scripts/bench/wbf_reference.py), same raw boxes (scripts/bench/make_wbf_input.py:
# about 250k boxes of 20k images, 4 folds, shaped like the winning recipe's test run), same run (target 50x).
# Neither side's timing includes reading the parquet file: the reference reads it before its clock,
# cytologia loads it into the warehouse table `raw` first and the timed query reads that table.
# Checks that every image gets the same number of fused boxes.
#   scripts/bench/wbf.sh [N_IMAGES]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-20000}
scripts/setup --bench >/dev/null
cargo build --release --all-targets 2>/dev/null
PY=.cytologia-env/bench/bin/python
tmp=$(mktemp -d)
WH="$tmp/wh"
$PY scripts/bench/make_wbf_input.py "$tmp/raw.parquet" "$N"
echo "machine: $(nproc) cores"
cy() { target/release/cytologia --warehouse "$WH" sql "$@"; }
cy "CREATE TABLE raw AS SELECT * FROM '$tmp/raw.parquet'" >/dev/null
$PY scripts/bench/wbf_reference.py "$tmp/raw.parquet" "$tmp/ref.csv" > "$tmp/ref.log"
head -n 1 "$tmp/ref.log"
# The query's own time (logged by `run -v`: scan the Delta table, group, fuse, commit the
# result table), and the whole process (adds start-up: loading libtorch and ONNX Runtime).
echo "CREATE TABLE fused AS SELECT name, wbf(x1, y1, x2, y2, score, width, height) AS boxes FROM raw GROUP BY name;" > "$tmp/q.sql"
start=$(date +%s.%N)
target/release/cytologia --warehouse "$WH" -v run "$tmp/q.sql" 2> "$tmp/q.log" >/dev/null
end=$(date +%s.%N)
whole=$(echo "$end - $start" | bc)
secs=$(sed -n 's/.*done in \([0-9.]*\)\(m\?s\).*/\1 \2/p' "$tmp/q.log" | awk '{print ($2 == "ms") ? $1 / 1000 : $1}')
cy --format csv "SELECT name, cardinality(boxes) AS n FROM fused ORDER BY name" | tail -n +2 > "$tmp/ours.csv"
py_secs=$(grep '^{' "$tmp/ref.log" | $PY -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
printf 'cytologia wbf(): %d images in %.3f s (the query: read table, group, fuse, write; whole process %.2f s)\n' "$N" "$secs" "$whole"
printf 'speedup: %.1fx on the query (target 50x), %.1fx on the whole process\n' "$(echo "$py_secs / $secs" | bc -l)" "$(echo "$py_secs / $whole" | bc -l)"
status=0
$PY - "$tmp/ref.csv" "$tmp/ours.csv" <<'EOF' || status=1
import collections, sys
ref = collections.Counter(l.split(",", 1)[0] for l in open(sys.argv[1]))
ours = {f[0]: int(f[1]) for f in (l.rstrip("\n").split(",") for l in open(sys.argv[2])) if len(f) == 2}
names = sorted(set(ref) | set(ours))
bad = [k for k in names if ref.get(k, 0) != ours.get(k, 0)]
print(f"fused boxes: python {sum(ref.values())}, cytologia {sum(ours.values())}; images with a different count: {len(bad)}"
      + (f" (e.g. {bad[:3]})" if bad else ""))
print("AGREE" if not bad else "DISAGREE")
sys.exit(0 if not bad else 1)
EOF
rm -rf "$tmp"
exit $status
