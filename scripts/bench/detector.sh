#!/usr/bin/env bash
# Detector training benchmark: train_detector() (YOLOX on libtorch through tch) vs the official
# YOLOX code (scripts/bench/yolox_reference.py, .cytologia-env/yoloxref), in the same run.
#   scripts/bench/detector.sh throughput [PRESET] [SIZE] [BATCH]  images/s of the training step
#                                                                (nano, 416, 16)
#   scripts/bench/detector.sh quality [PRESET] [SIZE] [EPOCHS]     AP / AP50 per epoch on the
#                                                                held-out fold (nano, 320, 20)
# Environment: IMAGES (synthetic train images; 400 for throughput, 2070 for quality, which
# leaves 2,000 after dedupe), LR (learning rate per image for quality: 0.000625, 4x YOLOX's
# 0.01/64, as the demo), NO_AUG (last epochs without mosaic, 3), THREADS
# (torch threads on both sides, nproc), BENCH_DIR (keep data between runs), NO_BUILD=1,
# CYTOLOGIA_BIN (a copy of the binary, so that a build during a long run does not replace it).
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE=${1:-throughput}
THREADS=${THREADS:-$(nproc)}
scripts/setup --yolox-ref >/dev/null
[ -n "${NO_BUILD:-}" ] || cargo build --release --all-targets 2>/dev/null
PY=.cytologia-env/yoloxref/bin/python
tmp=${BENCH_DIR:-$(mktemp -d)}
WH=$tmp/wh
cy() { "${CYTOLOGIA_BIN:-target/release/cytologia}" --warehouse "$WH" "$@"; }
prepare() { # images
  if [ ! -f "$tmp/prepared-$1" ]; then
    cy synth --out "$tmp/data" --train "$1" --test 10 >/dev/null
    cy run sql/01_ingest.sql sql/02_clean.sql sql/03_folds.sql --set data="$tmp/data" >/dev/null
    touch "$tmp/prepared-$1"
  fi
}
case "$MODE" in
throughput)
  PRESET=${2:-nano}; SIZE=${3:-416}; BATCH=${4:-16}; IMAGES=${IMAGES:-400}
  prepare "$IMAGES"
  # One epoch of the training folds; mosaic off and a fixed size, so the step (not the loader,
  # which the reference does not have) is what is timed: images_per_s counts step time only.
  r=$(cy run sql/train/01_detector.sql --format csv --set det_preset="$PRESET" --set det_size="$SIZE" --set det_batch="$BATCH" \
        --set det_epochs=1 --set det_no_aug=0 --set det_warmup=0 --set det_multiscale=0 --set det_mosaic=false --set det_name=bench 2>/dev/null | tail -n 1)
  ours=$(echo "$r" | awk -F, '{print $(NF-1)}')
  echo "cytologia: YOLOX-$PRESET at $SIZE, batch $BATCH, $THREADS threads: $ours images/s (training step)"
  $PY scripts/bench/yolox_reference.py --preset "$PRESET" --size "$SIZE" --batch "$BATCH" --threads "$THREADS" --json "$tmp/yolox_ref.json" >/dev/null
  $PY - "$tmp/yolox_ref.json" "$ours" <<'PYEOF'
import json, sys
ref = json.load(open(sys.argv[1])); ours = float(sys.argv[2])
print(f"official YOLOX {ref['preset']} (torch {ref['torch']}): {ref['images_per_s']:.2f} images/s, "
      f"{ref['seconds_per_step']:.2f} s/step; speedup {ours / ref['images_per_s']:.2f}x (target 1.0x)")
PYEOF
  ;;
quality)
  PRESET=${2:-nano}; SIZE=${3:-320}; EPOCHS=${4:-20}; IMAGES=${IMAGES:-2070}
  prepare "$IMAGES"
  cy run sql/train/01_detector.sql --set det_preset="$PRESET" --set det_size="$SIZE" --set det_epochs="$EPOCHS" \
    --set det_lr="${LR:-0.000625}" --set det_no_aug="${NO_AUG:-3}" --set det_name=bench_quality --set seed="${SEED:-42}"
  ;;
*) echo "usage: $0 throughput|quality ..." >&2; exit 2 ;;
esac
