#!/usr/bin/env bash
# Training step throughput of two cytologia binaries on the same data, in interleaved rounds
# (the machine's speed drifts by up to ±20% between minutes): train_classifier (ResNet-18 at
# 224, batch 32, the winning recipe's augmentations and mixing, PNG crops) and train_detector
# (YOLOX-nano at 416, batch 16, mosaic and mixup on; MULTISCALE=3 redraws the size every 10
# steps as the recipe does). Each prints images/s after 3 warm-up steps, the loader's stalls
# included.
#   scripts/bench/train_compare.sh OTHER_BIN [ROUNDS]     (3 rounds)
# Environment: IMAGES (synthetic train images, 400), MULTISCALE (0: the detector at 416 only), BENCH_DIR (keep the data between runs),
# CYTOLOGIA_BIN (the binary compared with OTHER_BIN; target/release/cytologia).
set -euo pipefail
cd "$(dirname "$0")/../.."
OTHER=${1:?usage: $0 OTHER_BIN [ROUNDS]}
ROUNDS=${2:-3}
IMAGES=${IMAGES:-400}
MULTISCALE=${MULTISCALE:-0}
BIN=${CYTOLOGIA_BIN:-target/release/cytologia}
tmp=${BENCH_DIR:-$(mktemp -d)}
WH=$tmp/wh
if [ ! -f "$tmp/prepared" ]; then
  "$BIN" --warehouse "$WH" synth --out "$tmp/data" --train "$IMAGES" --test 10 >/dev/null
  "$BIN" --warehouse "$WH" run sql/01_ingest.sql sql/02_clean.sql sql/03_folds.sql sql/train/03_train_crops.sql \
    --set data="$tmp/data" --set crops_from=truth >/dev/null
  "$BIN" --warehouse "$WH" sql "CREATE OR REPLACE TABLE cmp_crops AS SELECT crop(path, x1, y1, x2, y2, 16) AS image, label, fold FROM train_crops" >/dev/null
  # The detector's rows as sql/train/01_detector.sql makes them.
  "$BIN" --warehouse "$WH" sql "CREATE OR REPLACE TABLE detector_rows AS SELECT i.name, i.path, f.fold,
      array_agg(named_struct('x1', b.x1, 'y1', b.y1, 'x2', b.x2, 'y2', b.y2) ORDER BY b.box_id) AS boxes
    FROM images i JOIN folds f ON f.name = i.name JOIN boxes b ON b.name = i.name WHERE i.error IS NULL GROUP BY i.name, i.path, f.fold" >/dev/null
  touch "$tmp/prepared"
fi
echo "$IMAGES synthetic images; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)$(grep -qm1 avx512f /proc/cpuinfo && echo ', AVX-512')"

classifier() { # binary -> images/s
  "$1" --warehouse "$WH" sql --format csv "SELECT images_per_s FROM train_classifier(cmp_crops, name => 'cmp_clf', architecture => 'resnet18',
      input_size => 224, num_classes => 23, fold => 0, epochs => 1, batch_size => 32, evals_per_epoch => 1, checkpoint_dir => '$tmp/ckpt')" 2>/dev/null | tail -n 1
}
detector() { # binary -> images/s
  "$1" --warehouse "$WH" sql --format csv "SELECT images_per_s FROM train_detector((SELECT path AS image, fold, boxes FROM detector_rows),
      name => 'cmp_det', preset => 'nano', input_size => 416, fold => 0, epochs => 1, batch_size => 16, no_aug_epochs => 0,
      warmup_epochs => 0, multiscale_range => $MULTISCALE, checkpoint_dir => '$tmp/ckpt')" 2>/dev/null | tail -n 1
}

for r in $(seq 1 "$ROUNDS"); do
  for b in "$BIN" "$OTHER"; do
    printf 'round %d  %-40s classifier %6.2f images/s  detector %6.2f images/s\n' "$r" "$b" "$(classifier "$b")" "$(detector "$b")"
  done
done
