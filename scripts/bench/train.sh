#!/usr/bin/env bash
# Training benchmark: train_classifier() (libtorch through tch) vs the same recipe in PyTorch
# (timm + albumentations + DataLoader, scripts/bench/train_reference.py), on the same PNG crops
# of synthetic smears, in the same run.
#   scripts/bench/train.sh throughput [SIZE] [PRECISION]   images/s, ResNet-18, batch 32 (224, fp32)
#   scripts/bench/train.sh quality [SIZE] [EPOCHS] [SEEDS]  best validation macro-F1, ResNet-18,
#                                                           mean over seeds (64 px, 10 epochs, 3 seeds)
# Environment: IMAGES (synthetic train images; 3000 by default, which gives about 3,100 crops),
# WORKERS (PyTorch DataLoader workers, 2), THREADS (torch threads on both sides, nproc),
# BENCH_DIR (keep the data between runs), NO_BUILD=1 (use the binary as built), CYTOLOGIA_BIN
# (a copy of the binary, so that a build during a long run does not replace it).
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE=${1:-throughput}
IMAGES=${IMAGES:-3000}
WORKERS=${WORKERS:-2}
THREADS=${THREADS:-$(nproc)}
scripts/setup --train-ref >/dev/null
[ -n "${NO_BUILD:-}" ] || cargo build --release --all-targets 2>/dev/null
PY=.cytologia-env/torchref/bin/python
tmp=${BENCH_DIR:-$(mktemp -d)}
WH=$tmp/wh
cy() { "${CYTOLOGIA_BIN:-target/release/cytologia}" --warehouse "$WH" "$@"; }
if [ ! -f "$tmp/crops.parquet" ]; then
  cy synth --out "$tmp/data" --train "$IMAGES" --test 10 >/dev/null
  cy run sql/01_ingest.sql sql/02_clean.sql sql/03_folds.sql sql/train/03_train_crops.sql --set data="$tmp/data" >/dev/null
  # The crops both sides train on, as the winning recipe dumped them: PNG, margin 16 (docs/pipeline.md §7.1).
  cy sql "CREATE OR REPLACE TABLE bench_crops AS SELECT crop(path, x1, y1, x2, y2, 16) AS image, label, fold FROM train_crops ORDER BY box_id" >/dev/null
  cy sql "COPY (SELECT image, label, fold FROM bench_crops) TO '$tmp/crops.parquet' STORED AS PARQUET" >/dev/null
fi
n=$(cy sql --format csv "SELECT count(*) AS n FROM bench_crops" | tail -n 1)
echo "crops: $n PNGs from $IMAGES synthetic train images; machine: $(nproc) cores; threads $THREADS; DataLoader workers $WORKERS"

ours() { # size epochs seed precision mix evals -> CSV of evaluations
  cy sql --format csv "SELECT epoch, step, train_loss, val_loss, val_f1, seconds, images_per_s, loader_wait_s FROM train_classifier(bench_crops,
      name => 'bench', architecture => 'resnet18', input_size => $1, num_classes => 23, fold => 0, epochs => $2, batch_size => 32,
      lr => 0.0002, seed => $3, precision => '$4', threads => $THREADS, evals_per_epoch => $5, checkpoint_dir => '$tmp/ckpt') ORDER BY step"
}

case "$MODE" in
throughput)
  SIZE=${2:-224}; PREC=${3:-fp32}
  # One epoch of the training folds (about 2,300 crops: 70 steps), no evaluation counted.
  r=$(ours "$SIZE" 1 42 "$PREC" 1 | tail -n 1)
  echo "cytologia: ResNet-18 at $SIZE, batch 32, $PREC: $(echo "$r" | cut -d, -f7) images/s (after 3 warm-up steps), loader wait $(echo "$r" | cut -d, -f8) s"
  # The reference twice: as a PyTorch user writes it (default layout) and in the engine's
  # channels-last layout.
  for cl in "" --channels-last; do
    $PY scripts/bench/train_reference.py --data "$tmp/crops.parquet" --fold 0 --arch resnet18 --size "$SIZE" --epochs 1 --batch 32 \
      --precision "$PREC" --workers "$WORKERS" --threads "$THREADS" --max-steps 70 $cl --json "$tmp/ref$cl.json" >/dev/null
    $PY - "$tmp/ref$cl.json" "$(echo "$r" | cut -d, -f7)" "${cl:-default layout}" <<'PYEOF'
import json, sys
ref = json.load(open(sys.argv[1])); ours = float(sys.argv[2])
print(f"pytorch ({sys.argv[3]}): {ref['images_per_s']:.1f} images/s, loader wait {ref.get('loader_wait_timed_s', ref['loader_wait_s']):.1f} s; "
      f"speedup {ours / ref['images_per_s']:.2f}x (target 1.0x)")
PYEOF
  done
  ;;
quality)
  SIZE=${2:-64}; EPOCHS=${3:-10}; SEEDS=${4:-3}
  for s in $(seq 1 "$SEEDS"); do
    b=$(ours "$SIZE" "$EPOCHS" "$s" fp32 2 | tail -n +2 | cut -d, -f5 | sort -g | tail -n 1)
    echo "cytologia seed $s: best val macro-F1 $b"
    echo "$b" >> "$tmp/ours_f1"
    $PY scripts/bench/train_reference.py --data "$tmp/crops.parquet" --fold 0 --arch resnet18 --size "$SIZE" --epochs "$EPOCHS" \
      --batch 32 --seed "$s" --precision fp32 --workers "$WORKERS" --threads "$THREADS" --json "$tmp/ref_$s.json" >/dev/null
    p=$($PY -c "import json; print(json.load(open('$tmp/ref_$s.json'))['best_val_f1'])")
    echo "pytorch   seed $s: best val macro-F1 $p"
    echo "$p" >> "$tmp/ref_f1"
  done
  $PY - "$tmp/ours_f1" "$tmp/ref_f1" <<'PYEOF'
import sys
o = [float(l) for l in open(sys.argv[1])]; r = [float(l) for l in open(sys.argv[2])]
mo, mr = sum(o) / len(o), sum(r) / len(r)
print(f"mean best macro-F1: cytologia {mo:.4f}, pytorch {mr:.4f}, difference {mo - mr:+.4f} (target within 0.02)")
PYEOF
  ;;
*) echo "usage: $0 throughput|quality ..." >&2; exit 2 ;;
esac
