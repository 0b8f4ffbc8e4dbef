#!/usr/bin/env bash
# Training memory: peak resident memory (VmHWM, from /usr/bin/time -v) of one train_classifier()
# process on the pipeline's PNG crops of synthetic smears, with the picture cache at several
# sizes, and, when OLD_BIN names one, of another binary on the same data in the same run (a
# build that keeps every decoded crop in memory, say).
#   scripts/bench/train_memory.sh [IMAGES] [SIZE]     (4000 synthetic images, 512 px)
# Environment: CACHES (cache_mb values to try; "default" is the automatic size: "default 512 0"),
# STEPS (max_steps of each run, 5), BATCH (8), OLD_BIN (a second binary, run with its defaults
# and stopped after OLD_SECONDS, 300: a build that decodes everything first peaks before then),
# BENCH_DIR (keep the data between runs), NO_BUILD=1 (use the binary as built), CYTOLOGIA_BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGES=${1:-4000}
SIZE=${2:-512}
CACHES=${CACHES:-default 512 0}
STEPS=${STEPS:-5}
BATCH=${BATCH:-8}
[ -n "${NO_BUILD:-}" ] || scripts/cargo build --release 2>/dev/null
BIN=${CYTOLOGIA_BIN:-target/release/cytologia}
tmp=${BENCH_DIR:-$(mktemp -d)}
WH=$tmp/wh
if [ ! -d "$tmp/data" ]; then
  "$BIN" --warehouse "$WH" synth --out "$tmp/data" --train "$IMAGES" --test 10 >/dev/null
  "$BIN" --warehouse "$WH" run sql/01_ingest.sql sql/02_clean.sql sql/03_folds.sql sql/train/03_train_crops.sql \
    --set data="$tmp/data" --set crops_from=truth >/dev/null
  "$BIN" --warehouse "$WH" sql "CREATE OR REPLACE TABLE mem_crops AS SELECT crop(path, x1, y1, x2, y2, 16) AS image, label, fold FROM train_crops" >/dev/null
fi
n=$("$BIN" --warehouse "$WH" sql --format csv "SELECT count(*) AS n FROM mem_crops" | tail -n 1)
echo "crops: $n PNGs of $IMAGES synthetic images; ResNet-18 at $SIZE, batch $BATCH, $STEPS steps; machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"

run() { # label binary cache-option
  local log=$tmp/time.log
  /usr/bin/time -v "$2" --warehouse "$WH" sql --format csv "SELECT max(step) AS steps, max(seconds) AS seconds FROM train_classifier(mem_crops,
      name => 'mem', architecture => 'resnet18', input_size => $SIZE, num_classes => 23, fold => 0, epochs => 1, batch_size => $BATCH,
      max_steps => $STEPS$3, checkpoint_dir => '$tmp/ckpt')" >"$tmp/out.csv" 2>"$log"
  local kb
  kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$log")
  printf '%-34s peak resident %6.2f GiB  (%s)\n' "$1" "$(echo "$kb / 1048576" | bc -l)" "$(tail -n 1 "$tmp/out.csv" | awk -F, '{printf "%d steps, %.0f s", $1, $2}')"
}

for c in $CACHES; do
  if [ "$c" = default ]; then run "cytologia, cache_mb default" "$BIN" ""; else run "cytologia, cache_mb => $c" "$BIN" ", cache_mb => $c"; fi
done
if [ -n "${OLD_BIN:-}" ]; then
  # A binary without max_steps would train the whole epoch: it is stopped once its peak (every
  # crop decoded before the first step) is behind it.
  log=$tmp/time.log
  /usr/bin/time -v timeout "${OLD_SECONDS:-300}" "$OLD_BIN" --warehouse "$WH" sql --format csv "SELECT step FROM train_classifier(mem_crops,
      name => 'mem_old', architecture => 'resnet18', input_size => $SIZE, num_classes => 23, fold => 0, epochs => 1, batch_size => $BATCH,
      evals_per_epoch => 1, checkpoint_dir => '$tmp/ckpt') LIMIT 1" >/dev/null 2>"$log" || true
  kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$log")
  printf '%-34s peak resident %6.2f GiB\n' "$OLD_BIN" "$(echo "$kb / 1048576" | bc -l)"
fi
