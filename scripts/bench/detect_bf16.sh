#!/usr/bin/env bash
# detect() in bf16 with channels-last memory through libtorch, against the Python ONNX Runtime
# fp32 reference of the detect benchmark (scripts/bench/detect_reference.py), same weights.
#   scripts/bench/detect_bf16.sh speed [N_IMAGES] [BATCH]   the project's YOLOX-S at 512: one
#       training step of train_detector from random weights (speed does not depend on what the
#       weights learnt), exported to ONNX by export_onnx() for the reference; detect() with
#       precision 'bf16' and 'fp32' (libtorch) at batch BATCH (8), the reference at batch 1 (its
#       loop); N_IMAGES synthetic smears (200). Seconds are the whole query / the reference's
#       timed loop, files to boxes on both sides.
#   scripts/bench/detect_bf16.sh accuracy [DETECTOR]   COCO AP50 and AP50:95 of fp32 vs bf16 on
#       the held-out fold (0) of a trained detector in BENCH_DIR's warehouse (the BENCH_DIR of
#       `scripts/bench/detector.sh quality`; DETECTOR defaults to its bench_quality_fold0), with
#       the validation thresholds of train_detector (confidence 0.01, NMS 0.65).
# Environment: BENCH_DIR, NO_BUILD=1, CYTOLOGIA_BIN (a copy of the binary).
# bf16 pays where the CPU has AMX (or on a GPU); elsewhere libtorch emulates it and it is slower
# than fp32: the script prints which case this machine is.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE=${1:-speed}
[ -n "${NO_BUILD:-}" ] || cargo build --release --all-targets 2>/dev/null
cy() { "${CYTOLOGIA_BIN:-target/release/cytologia}" --warehouse "$WH" "$@"; }
amx=$(grep -m1 -o 'amx_bf16' /proc/cpuinfo || true)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), AMX-BF16: ${amx:-no}"
case "$MODE" in
speed)
  N=${2:-200}; BATCH=${3:-8}
  scripts/setup --bench >/dev/null
  PY=.cytologia-env/bench/bin/python
  tmp=${BENCH_DIR:-$(mktemp -d)}
  WH=$tmp/wh
  if [ ! -f "$tmp/prepared-s512" ]; then
    cy synth --out "$tmp/data" --train "$N" --test 0 --seed 1 >/dev/null
    cy run sql/01_ingest.sql sql/02_clean.sql sql/03_folds.sql --set data="$tmp/data" >/dev/null
    cy sql "CREATE OR REPLACE TABLE det_rows AS SELECT i.name, i.path, f.fold,
        array_agg(named_struct('x1', b.x1, 'y1', b.y1, 'x2', b.x2, 'y2', b.y2) ORDER BY b.box_id) AS boxes
        FROM images i JOIN folds f ON f.name = i.name JOIN boxes b ON b.name = i.name WHERE i.error IS NULL
        GROUP BY i.name, i.path, f.fold" >/dev/null
    echo "making the project's YOLOX-S at 512 (one training step)"
    cy sql "SELECT epoch, step, round(seconds, 1) AS seconds FROM train_detector(
        (SELECT * FROM (SELECT path AS image, fold, boxes FROM det_rows WHERE fold <> 0 ORDER BY name LIMIT 8)
         UNION ALL SELECT * FROM (SELECT path AS image, fold, boxes FROM det_rows WHERE fold = 0 ORDER BY name LIMIT 2)), name => 'bench_s512', preset => 's',
        input_size => 512, fold => 0, epochs => 1, batch_size => 8, no_aug_epochs => 0, warmup_epochs => 0,
        multiscale_range => 0, mosaic => false)" >/dev/null
    cy sql "SELECT name FROM export_onnx(model => 'bench_s512', uri => '$tmp/bench_s512.onnx')" >/dev/null
    cy sql "CREATE OR REPLACE TABLE bench_images AS SELECT name, path FROM images WHERE error IS NULL" >/dev/null
    touch "$tmp/prepared-s512"
  fi
  n=$(cy sql --format csv "SELECT count(*) FROM bench_images" | tail -n 1)
  echo "images: $n synthetic smears of about 360x366; YOLOX-S at 512"
  $PY scripts/bench/detect_reference.py "$tmp/bench_s512.onnx" "$tmp/data/images" 512 "$tmp/ref.csv" > "$tmp/ref.log"
  head -n 1 "$tmp/ref.log"
  ref=$(grep '^{' "$tmp/ref.log" | $PY -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
  for p in bf16 fp32; do
    start=$(date +%s.%N)
    cy sql "CREATE OR REPLACE TABLE boxes_$p AS SELECT * FROM detect(bench_images, model => 'bench_s512', device => 'cpu',
        batch_size => $BATCH, precision => '$p')" >/dev/null
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    printf 'cytologia detect(), libtorch %s channels-last=%s, batch %s: %.2f s = %.1f ms per image; vs ONNX Runtime fp32: %.2fx\n' \
      "$p" "$([ $p = bf16 ] && echo yes || echo no)" "$BATCH" "$secs" "$(echo "1000 * $secs / $n" | bc -l)" "$(echo "$ref / $secs" | bc -l)"
  done
  printf 'python onnxruntime fp32, batch 1: %.2f s = %.1f ms per image (target: bf16 >= 2.0x)\n' "$ref" "$(echo "1000 * $ref / $n" | bc -l)"
  ;;
accuracy)
  DET=${2:-bench_quality_fold0}
  tmp=${BENCH_DIR:?set BENCH_DIR to the folder of a scripts/bench/detector.sh quality run}
  WH=$tmp/wh
  size=$(cy sql --format csv "SELECT input_size FROM models WHERE name = '$DET'" | tail -n 1)
  echo "detector $DET at $size px, held-out fold 0"
  cy sql "CREATE OR REPLACE TABLE bf16_val AS SELECT name, path, boxes FROM detector_rows WHERE fold = 0" >/dev/null
  for p in fp32 bf16; do
    start=$(date +%s.%N)
    cy sql "CREATE OR REPLACE TABLE bf16_val_$p AS SELECT name, x1, y1, x2, y2, score FROM detect(bf16_val, model => '$DET',
        confidence => 0.01, nms_iou => 0.65, batch_size => 8, precision => '$p')" >/dev/null
    printf '%s: detect() %.1f s; ' "$p" "$(echo "$(date +%s.%N) - $start" | bc)"
    cy sql --format csv "SELECT round(r.ap50, 4) AS ap50, round(r.ap, 4) AS ap, r.images, r.truths, r.detections FROM (
        SELECT coco_map(t.boxes, d.boxes, t.name) AS r FROM bf16_val t LEFT JOIN (
          SELECT name, array_agg(named_struct('x1', x1, 'y1', y1, 'x2', x2, 'y2', y2, 'score', score)) AS boxes
          FROM bf16_val_$p GROUP BY name) d USING (name))" | tail -n 1 | awk -F, '{print "AP50 " $1 ", AP50:95 " $2 " (" $3 " images, " $4 " truths, " $5 " detections)"}'
  done
  ;;
*) echo "usage: $0 speed [N_IMAGES] [BATCH] | accuracy [DETECTOR]" >&2; exit 2 ;;
esac
