#!/usr/bin/env bash
# The whole pipeline at the challenge's size on one machine: synthetic smears with the
# challenge's counts (48,417 train images with the real boxes-per-image and class frequencies,
# 20,751 test images), then every stage as its pipeline script runs it, each stage its own
# process, with wall time, rows and peak resident memory (VmHWM, from /usr/bin/time).
#   scripts/bench/scale.sh [TRAIN] [TEST]        (48417 20751)
# Models: YOLOX-nano at 320 (one fold, DET_STEPS steps) and ResNet-18 crop classifiers at 224
# (batch 32, CLF_STEPS steps) and 512 (batch 16, CLF_STEPS steps, on every SAMPLE_512-th crop).
# Stages that would take over 20 minutes on 2 cores run on a stated sample (every
# SAMPLE_512-th crop for the 512 px model), and their full time is extrapolated and marked so;
# training is bounded by steps, and the winning recipe's full training time is extrapolated
# from the measured steps per second (4 folds; detector 150 epochs, classifiers 32).
# The run resumes from its last finished stage: stages are recorded in BENCH_DIR/stages.tsv
# (delete a line to run that stage again).
# Environment: BENCH_DIR (target/bench-scale), DET_STEPS (400), DET_CACHE_MB (0: the decoded
# images the detector keeps; at this size a cache saves few decodes for its memory: 1 GiB holds
# one image in 18 and adds 1 GiB to the stage's peak, the default, an eighth of memory, one in
# six for 3 GiB), CLF_STEPS (40), SAMPLE_512 (4),
# SAMPLE_OOF_512 (4), SAMPLE_TEST_512 (8), NO_BUILD=1, CYTOLOGIA_BIN (a copy of the binary, so a
# build during the run does not replace it).
set -euo pipefail
cd "$(dirname "$0")/../.."
TRAIN=${1:-48417}
TEST=${2:-20751}
DET_STEPS=${DET_STEPS:-400}
DET_CACHE_MB=${DET_CACHE_MB:-0}
CLF_STEPS=${CLF_STEPS:-40}
SAMPLE_512=${SAMPLE_512:-4}
SAMPLE_OOF_512=${SAMPLE_OOF_512:-4}
SAMPLE_TEST_512=${SAMPLE_TEST_512:-8}
[ -n "${NO_BUILD:-}" ] || scripts/cargo build --release 2>/dev/null
BIN=$(realpath "${CYTOLOGIA_BIN:-target/release/cytologia}")
DIR=${BENCH_DIR:-target/bench-scale}
mkdir -p "$DIR/logs"
DIR=$(realpath "$DIR")
WH=$DIR/warehouse
DATA=$DIR/data
STAGES=$DIR/stages.tsv
touch "$STAGES"
cpu=$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')
flags=$(grep -o -w -E 'avx512f|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')
echo "scale: $TRAIN train + $TEST test images in $DIR; $cpu, $(nproc) cores, ${flags:-AVX2 only}, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"

sql() { "$BIN" -q --warehouse "$WH" sql --format csv "$1" | tail -n 1; }

# stage NAME ROWS_SQL NOTE FACTOR -- COMMAND...: runs COMMAND unless NAME is recorded; records
# wall seconds, peak resident KB, the rows ROWS_SQL counts, NOTE, and FACTOR (the full-size
# work over the work done, for a stage run on a sample; 1 otherwise).
stage() {
  local name=$1 rows_sql=$2 note=$3 factor=$4
  shift 5
  if awk -F'\t' -v n="$name" '$1 == n {f = 1} END {exit !f}' "$STAGES"; then
    echo "[$name] done before: $(awk -F'\t' -v n="$name" '$1 == n {printf "%s s, %s rows", $2, $4}' "$STAGES")"
    return
  fi
  echo "[$name] $(date -u +%H:%M:%S) running (log: $DIR/logs/$name.log)"
  if ! /usr/bin/time -f '%e %M' -o "$DIR/logs/$name.time" "$@" >"$DIR/logs/$name.log" 2>&1; then
    echo "[$name] failed; the last lines of its log:" >&2
    tail -n 20 "$DIR/logs/$name.log" >&2
    exit 1
  fi
  local wall kb rows
  read -r wall kb < <(tail -n 1 "$DIR/logs/$name.time")
  rows=$(sql "$rows_sql")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "$kb" "$rows" "$note" "$factor" >>"$STAGES"
  printf '[%s] %s s, %s rows, peak %.2f GiB\n' "$name" "$wall" "$rows" "$(echo "$kb / 1048576" | bc -l)"
}

CY=("$BIN" -q --warehouse "$WH")

# training NAME RECIPE_IMAGES_SQL: appends the measured images/s and the recipe's extrapolated
# training time (the images its 4 folds x epochs see, over that rate) to NAME's note, from the
# last row the trainer streamed (images_per_s excludes evaluation and the 3 warm-up steps).
training() {
  local name=$1 recipe_sql=$2
  grep -q "^$name	.*steps/s" "$STAGES" && return
  local ips recipe
  ips=$(python3 - "$DIR/logs/$name.log" <<'EOF'
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1])) ]
head = next(i for i, r in enumerate(rows) if r[:3] == ["model", "epoch", "step"])
col = rows[head].index("images_per_s")
data = [r for r in rows[head + 1:] if len(r) == len(rows[head])]
print(data[-1][col])
EOF
)
  recipe=$(sql "$recipe_sql")
  python3 - "$STAGES" "$name" "$ips" "$recipe" <<'EOF'
import sys
path, name, recipe = sys.argv[1], sys.argv[2], int(sys.argv[4])
if sys.argv[3]:
    ips = float(sys.argv[3])
    note = f"{ips:.1f} images/s; the recipe's {recipe:,} training images (4 folds x epochs): {recipe / ips / 3600:,.1f} h (extrapolated)"
else:
    note = "too few steps to measure a rate (the first 3 are warm-up)"
lines = open(path).read().splitlines()
out = []
for l in lines:
    f = l.split("\t")
    if f[0] == name:
        f[4] = (f[4] + "; " if f[4] else "") + note
    out.append("\t".join(f))
open(path, "w").write("\n".join(out) + "\n")
print(f"[{name}] {note}")
EOF
}

stage synth "SELECT $TRAIN + $TEST" "" 1 -- "$BIN" -q synth --out "$DATA" --train "$TRAIN" --test "$TEST"
stage ingest "SELECT count(*) FROM images" "" 1 -- "${CY[@]}" run sql/01_ingest.sql --set data="$DATA"
stage clean "SELECT count(*) FROM boxes" "" 1 -- "${CY[@]}" run sql/02_clean.sql
stage folds "SELECT count(*) FROM folds" "" 1 -- "${CY[@]}" run sql/03_folds.sql

DET=(--set det_name=yolox_nano_scale --set det_preset=nano --set det_size=320 --set det_batch=16 --set fold=0
  --set det_epochs=150 --set det_no_aug=15 --set det_lr=0.000625 --set det_max_steps="$DET_STEPS" --set det_cache_mb="$DET_CACHE_MB")
stage train_detector "SELECT count(*) FROM detector_rows" "fold 0 of 4, $DET_STEPS steps of 16, cache_mb $DET_CACHE_MB" 1 -- \
  "${CY[@]}" run sql/train/01_detector.sql "${DET[@]}" --format csv
training train_detector "SELECT sum(t.n - f.n) * 150 FROM (SELECT fold, count(*) AS n FROM detector_rows GROUP BY fold) f CROSS JOIN (SELECT count(*) AS n FROM detector_rows) t"

stage oof_boxes "SELECT count(DISTINCT name) FROM oof_boxes" "the images of fold 0 (one detector trained); the recipe's 4 folds: 4x" 4 -- \
  "${CY[@]}" run sql/train/02_oof_boxes.sql --set det_name=yolox_nano_scale
stage crops "SELECT count(*) FROM train_crops" "" 1 -- "${CY[@]}" run sql/train/03_train_crops.sql
stage backgrounds "SELECT count(*) FROM backgrounds" "" 1 -- "${CY[@]}" run sql/train/04_backgrounds.sql

CLF=(--set architecture=resnet18 --set fold=0 --set epochs=32 --set max_steps="$CLF_STEPS" --format csv)
RECIPE_CLF="SELECT sum(t.n - f.n) * 32 FROM (SELECT fold, count(*) AS n FROM train_crops GROUP BY fold) f CROSS JOIN (SELECT count(*) AS n FROM train_crops) t"
stage train_classifier_224 "SELECT count(*) FROM train_crops" "fold 0 of 4, $CLF_STEPS steps of 32" 1 -- \
  "${CY[@]}" run sql/train/05_classifier.sql --set name=resnet18_224 --set size=224 --set batch=32 "${CLF[@]}"
training train_classifier_224 "$RECIPE_CLF"
stage train_classifier_512 "SELECT count(*) FROM train_crops WHERE box_id % $SAMPLE_512 = 0" \
  "1 crop in $SAMPLE_512 (validating every crop of fold 0 at 512 px would take over 20 minutes), $CLF_STEPS steps of 16" 1 -- \
  "${CY[@]}" run sql/train/05_classifier.sql --set name=resnet18_512 --set size=512 --set batch=16 --set sample_every="$SAMPLE_512" "${CLF[@]}"
training train_classifier_512 "$RECIPE_CLF"

stage oof_predictions_512 "SELECT count(*) FROM oof_predictions" \
  "1 crop in $SAMPLE_OOF_512 of fold 0; the recipe's 4 folds in full: $((4 * SAMPLE_OOF_512))x" $((4 * SAMPLE_OOF_512)) -- \
  "${CY[@]}" run sql/train/06_oof_predictions.sql --set classifiers=resnet18_512_fold0 --set sample_every="$SAMPLE_OOF_512"
stage oof_predictions_224 "SELECT count(*) FROM oof_predictions" "fold 0's crops; the recipe's 4 folds: 4x" 4 -- \
  "${CY[@]}" run sql/train/06_oof_predictions.sql --set classifiers=resnet18_224_fold0

stage detect "SELECT count(*) FROM detections" "every test image" 1 -- "${CY[@]}" run sql/04_detect.sql --set detectors=yolox_nano_scale_fold0
stage wbf_fit "SELECT count(*) FROM test_boxes" "" 1 -- "${CY[@]}" run sql/05_fit_boxes.sql
stage classify_512 "SELECT count(*) FROM predictions" \
  "hflip TTA on 1 test row in $SAMPLE_TEST_512; every row: ${SAMPLE_TEST_512}x" "$SAMPLE_TEST_512" -- \
  "${CY[@]}" run sql/06_classify.sql --set classifiers=resnet18_512_fold0 --set sample_every="$SAMPLE_TEST_512"
stage classify_224 "SELECT count(*) FROM predictions" "hflip TTA on every test row" 1 -- \
  "${CY[@]}" run sql/06_classify.sql --set classifiers=resnet18_224_fold0
stage ensemble "SELECT count(*) FROM final_predictions" "" 1 -- "${CY[@]}" run sql/07_ensemble.sql
stage submission "SELECT count(*) FROM submission" "" 1 -- "${CY[@]}" run sql/08_submission.sql --set out="$DIR/submission.csv"
stage score "SELECT count(*) FROM metric_matches" "" 1 -- "${CY[@]}" run sql/reports/score.sql --format csv

echo
echo "| stage | wall s | rows | peak resident GiB | full size, s | note |"
echo "| --- | --- | --- | --- | --- | --- |"
awk -F'\t' '{full = $6 == 1 ? sprintf("%.0f", $2) : sprintf("%.0f (extrapolated)", $2 * $6)
  printf "| %s | %.0f | %s | %.2f | %s | %s |\n", $1, $2, $4, $3 / 1048576, full, $5}' "$STAGES"
awk -F'\t' '{s += $2; x += $2 * $6; if ($3 > m) m = $3} END {printf "\nall stages: %.0f s (%.1f min); at full size %.0f s (%.1f min, extrapolated where marked); highest peak %.2f GiB\n", s, s / 60, x, x / 60, m / 1048576}' "$STAGES"
echo "score of the submission against the synthetic truth: $(tail -n 1 "$DIR/logs/score.log") (truth_boxes,score,giou_term,macro_f1)"
