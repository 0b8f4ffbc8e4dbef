#!/usr/bin/env bash
# near_duplicates() on the challenge's image count (69,168 hashes), against the all-pairs
# hamming_distance self-join on a 5,000-hash sample (the full self-join is 2.4e9 pairs).
# Hashes: 90% random, 10% copies of another hash with one 16-bit block redrawn (a near or far
# neighbour), so the index meets both buckets with many members and empty ones.
#   scripts/bench/near_duplicates.sh [N] [MAX_DISTANCE]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-69168}
D=${2:-10}
BIN=target/release/cytologia
WH=$(mktemp -d)
trap 'rm -rf "$WH"' EXIT
# Random 64-bit hashes (two 32-bit halves), then every tenth replaced by its predecessor with
# one 16-bit block redrawn.
base="CREATE TABLE base AS SELECT value AS i,
  lpad(to_hex(CAST(random() * 4294967296 AS BIGINT)), 8, '0') || lpad(to_hex(CAST(random() * 4294967296 AS BIGINT)), 8, '0') AS phash
  FROM generate_series(1, $N)"
hashes="CREATE TABLE h AS SELECT 'img' || CAST(b.i AS VARCHAR) AS name,
  CASE WHEN b.i % 10 = 0 THEN substr(o.phash, 1, 12) || lpad(to_hex(CAST(random() * 65536 AS BIGINT)), 4, '0') ELSE b.phash END AS phash
  FROM base b LEFT JOIN base o ON o.i = b.i - 1"
"$BIN" --warehouse "$WH" sql "$base" >/dev/null
"$BIN" --warehouse "$WH" sql "$hashes" >/dev/null
t0=$(date +%s.%N)
"$BIN" --warehouse "$WH" sql --format csv "SELECT count(*) AS images, count(DISTINCT cluster_id) AS clusters FROM near_duplicates(h, max_distance => $D)"
t1=$(date +%s.%N)
echo "near_duplicates: $N hashes, max_distance $D: $(echo "$t1 - $t0" | bc) s (process start included)"
S=5000
t0=$(date +%s.%N)
"$BIN" --warehouse "$WH" sql --format csv "WITH s AS (SELECT * FROM h ORDER BY name LIMIT $S)
  SELECT count(DISTINCT a.name) AS images FROM s a JOIN s b ON a.name <> b.name WHERE hamming_distance(a.phash, b.phash) <= $D"
t1=$(date +%s.%N)
echo "all-pairs self-join: $S hashes: $(echo "$t1 - $t0" | bc) s"
t0=$(date +%s.%N)
"$BIN" --warehouse "$WH" sql --format csv "SELECT count(*) AS images FROM near_duplicates((SELECT * FROM h ORDER BY name LIMIT $S), max_distance => $D)"
t1=$(date +%s.%N)
echo "near_duplicates: the same $S hashes: $(echo "$t1 - $t0" | bc) s"
