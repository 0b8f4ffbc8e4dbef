#!/usr/bin/env bash
# Classify benchmark: classify() with hflip TTA, batch 32, vs the winning recipe's crop classifier at test
# time (PIL + OpenCV Lanczos-4 + onnxruntime, batch 32, scripts/bench/classify_reference.py), same
# PNG crops, same ResNet-18-shaped ONNX at 224, same run (target 1.10x). Checks that the argmax
# agrees on >= 99% of the crops. Both sides run on the CPU, with all its cores.
#   scripts/bench/classify.sh [N_CROPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-640}
scripts/setup --bench >/dev/null
cargo build --release --all-targets 2>/dev/null
PY=.cytologia-env/bench/bin/python
MODELS=$PWD/.cytologia-env/bench/models
MODEL=$MODELS/resnet18_224.onnx
[ -f "$MODEL" ] || { echo "building the bench classifier"; $PY scripts/bench/make_bench_models.py "$MODELS" resnet18_224.onnx; }
tmp=$(mktemp -d)
WH="$tmp/wh"
$PY scripts/bench/make_crops.py "$tmp/crops" "$N" >/dev/null
echo "crops: $N PNGs of 80..200 px (synthetic), model: resnet18_224.onnx, machine: $(nproc) cores"
cy() { target/release/cytologia --warehouse "$WH" sql "$@"; }
cy "SELECT name FROM register_model(name => 'bench_clf', task => 'classifier', uri => '$MODEL', input_size => 224,
    preset => 'imagenet', is_default => true)" >/dev/null
cy "CREATE TABLE bench_crops AS SELECT name, path FROM read_images('$tmp/crops')" >/dev/null
$PY scripts/bench/classify_reference.py "$MODEL" "$tmp/crops" "$tmp/ref.csv" > "$tmp/ref.log"
head -n 1 "$tmp/ref.log"
start=$(date +%s.%N)
cy "CREATE TABLE bench_logits AS SELECT name, classify(path, 'bench_clf', 'hflip', 32, 'cpu') AS logits FROM bench_crops" >/dev/null
end=$(date +%s.%N)
secs=$(echo "$end - $start" | bc)
cy --format csv "SELECT name, argmax(logits) AS argmax, logits[1] AS first FROM bench_logits ORDER BY name" | tail -n +2 > "$tmp/ours.csv"
py_secs=$(grep '^{' "$tmp/ref.log" | $PY -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
printf 'cytologia classify(hflip, 32): %d crops in %.2f s = %.1f images/s (whole process: start, model, decode, resize, inference x2, write)\n' \
  "$N" "$secs" "$(echo "$N / $secs" | bc -l)"
printf 'speedup: %.2fx (target 1.10x)\n' "$(echo "$py_secs / $secs" | bc -l)"
status=0
$PY - "$tmp/ref.csv" "$tmp/ours.csv" <<'EOF' || status=1
import sys
def load(p):
    return {f[0]: (int(f[1]), float(f[2])) for f in (l.rstrip("\n").split(",") for l in open(p)) if len(f) == 3}
ref, ours = load(sys.argv[1]), load(sys.argv[2])
common = sorted(set(ref) & set(ours))
agree = sum(ref[k][0] == ours[k][0] for k in common)
diff = max((abs(ref[k][1] - ours[k][1]) for k in common), default=float("nan"))
print(f"crops: python {len(ref)}, cytologia {len(ours)}; argmax agrees on {agree}/{len(ref)} = {100 * agree / max(len(ref), 1):.2f}%; "
      f"max |first logit difference| {diff:.2e}")
ok = len(ref) == len(ours) == len(common) and agree >= 0.99 * len(ref)
print("AGREE" if ok else "DISAGREE")
sys.exit(0 if ok else 1)
EOF
rm -rf "$tmp"
exit $status
