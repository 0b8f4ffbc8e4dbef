#!/usr/bin/env bash
# Detect benchmark: detect() end to end (image files to boxes) vs the winning recipe's YOLOX inference in
# the YOLOX ONNX demo style (PIL + OpenCV + onnxruntime + numpy, scripts/bench/detect_reference.py),
# same synthetic smears, same ONNX models, same run, on both YOLOX-shaped bench models:
# depth 0.33 / width 0.25 at 416 (target 1.15x) and YOLOX-S at 512 (target 1.05x). Checks that
# every image has the same number of boxes and that >= 99% of the boxes agree within 1e-3 px.
# Both sides run on the CPU, with all its cores (onnxruntime defaults; detect() device => 'cpu').
#   scripts/bench/detect.sh [N_IMAGES]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-300}
scripts/setup --bench >/dev/null
cargo build --release --all-targets 2>/dev/null
PY=.cytologia-env/bench/bin/python
MODELS=$PWD/.cytologia-env/bench/models
missing=()
for f in yolox_d033_w025_416.onnx yolox_s_512.onnx; do [ -f "$MODELS/$f" ] || missing+=("$f"); done
if ((${#missing[@]})); then echo "building bench models: ${missing[*]} (a few minutes)"; $PY scripts/bench/make_bench_models.py "$MODELS" "${missing[@]}"; fi
tmp=$(mktemp -d)
WH="$tmp/wh"
target/release/cytologia synth --out "$tmp/data" --train "$N" --test 0 --seed 1 2>/dev/null
n=$(ls "$tmp/data/images" | wc -l)
echo "images: $n JPEGs of about 360x366, some 608x608 (synthetic), machine: $(nproc) cores"
cy() { target/release/cytologia --warehouse "$WH" sql "$@"; }
cy "CREATE TABLE bench_images AS SELECT name, path FROM read_images('$tmp/data/images')" >/dev/null
status=0
for spec in "yolox_d033_w025_416 416 1.15" "yolox_s_512 512 1.05"; do
  read -r model size goal <<<"$spec"
  echo "== $model.onnx at $size (target ${goal}x)"
  cy "SELECT name FROM register_model(name => 'bench_det$size', task => 'detector', uri => '$MODELS/$model.onnx',
      input_size => $size, preset => 'yolox', decoded => false, is_default => true)" >/dev/null
  $PY scripts/bench/detect_reference.py "$MODELS/$model.onnx" "$tmp/data/images" "$size" "$tmp/ref$size.csv" > "$tmp/ref$size.log"
  head -n 1 "$tmp/ref$size.log"
  start=$(date +%s.%N)
  cy "CREATE TABLE bench_boxes$size AS SELECT name, width, height, x1, y1, x2, y2, score
      FROM detect(bench_images, model => 'bench_det$size', batch_size => 1, device => 'cpu')" >/dev/null
  end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc)
  cy --format csv "SELECT name, x1, y1, x2, y2, score FROM bench_boxes$size ORDER BY name, score DESC" | tail -n +2 > "$tmp/ours$size.csv"
  py_secs=$(grep '^{' "$tmp/ref$size.log" | $PY -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
  printf 'cytologia detect(): %d images in %.2f s = %.1f images/s (whole process: start, models, decode, inference, NMS, write)\n' \
    "$n" "$secs" "$(echo "$n / $secs" | bc -l)"
  printf 'speedup: %.2fx (target %sx)\n' "$(echo "$py_secs / $secs" | bc -l)" "$goal"
  $PY - "$tmp/ref$size.csv" "$tmp/ours$size.csv" <<'EOF' || status=1
import collections, sys
import numpy as np
def load(p):
    d = collections.defaultdict(list)
    for line in open(p):
        f = line.rstrip("\n").split(",")
        if len(f) == 6:
            d[f[0]].append([float(v) for v in f[1:]])
    return {k: np.array(v) for k, v in d.items()}
ref, ours = load(sys.argv[1]), load(sys.argv[2])
names = sorted(set(ref) | set(ours))
bad_count = [k for k in names if len(ref.get(k, ())) != len(ours.get(k, ()))]
close = total = 0
for k in names:
    a, b = ref.get(k), ours.get(k)
    if a is None or b is None or len(a) != len(b):
        continue
    # pair each reference box with the nearest of ours (scores may tie or differ in the last bit)
    d = np.abs(a[:, None, :4] - b[None, :, :4]).max(axis=2).min(axis=1)
    close += int((d <= 1e-3).sum())
    total += len(a)
n_ref, n_ours = sum(map(len, ref.values())), sum(map(len, ours.values()))
print(f"boxes: python {n_ref}, cytologia {n_ours}; images with a different box count: {len(bad_count)}"
      + (f" (e.g. {bad_count[:3]})" if bad_count else ""))
frac = close / total if total else 0.0
print(f"boxes within 1e-3 px: {close}/{total} = {100 * frac:.2f}%")
ok = not bad_count and frac >= 0.99
print("AGREE" if ok else "DISAGREE")
sys.exit(0 if ok else 1)
EOF
done
rm -rf "$tmp"
exit $status
