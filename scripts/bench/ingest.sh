#!/usr/bin/env bash
# Ingest benchmark: read_images (decode, statistics, PHash, sha256; both cores) vs the winning recipe's
# Python pass (PIL + numpy + imagededup), same JPEGs, same run; checks the hashes agree.
#   scripts/bench/ingest.sh [N_IMAGES]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1200}
scripts/setup --bench >/dev/null
cargo build --release --all-targets 2>/dev/null
tmp=$(mktemp -d)
target/release/cytologia synth --out "$tmp/data" --train "$N" --test 0 --seed 1 2>/dev/null
n=$(ls "$tmp/data/images" | wc -l)
echo "images: $n JPEGs of about 360x366 (synthetic), machine: $(nproc) cores"
.cytologia-env/bench/bin/python scripts/bench/ingest_reference.py "$tmp/data/images" "$tmp/ref.csv"
start=$(date +%s.%N)
target/release/cytologia --warehouse "$tmp/wh" sql --format csv \
  "SELECT name, phash FROM read_images('$tmp/data/images') ORDER BY name" | tail -n +2 > "$tmp/ours.csv"
end=$(date +%s.%N)
secs=$(echo "$end - $start" | bc)
printf 'cytologia read_images: %d images in %.2f s = %.1f images/s (whole process)\n' "$n" "$secs" "$(echo "$n / $secs" | bc -l)"
if cmp -s "$tmp/ref.csv" "$tmp/ours.csv"; then echo "phash identical on all $n images"; else echo "PHASH DIFFERS on $(diff "$tmp/ref.csv" "$tmp/ours.csv" | grep -c '^<') images"; fi
rm -rf "$tmp"
