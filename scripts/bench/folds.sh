#!/usr/bin/env bash
# Folds benchmark: multilabel_kfold in cytologia vs iterstrat, same label matrix (the real
# train.csv in ../shared/data by default), same run; checks the folds are identical.
#   scripts/bench/folds.sh [TRAIN_CSV]
set -euo pipefail
cd "$(dirname "$0")/../.."
TRAIN=${1:-../shared/data/train.csv}
scripts/setup --bench >/dev/null
cargo build --release --all-targets 2>/dev/null
tmp=$(mktemp -d)
.cytologia-env/bench/bin/python scripts/bench/folds_reference.py "$TRAIN" "$tmp/ref.csv"
WH="$tmp/wh"
CLASSES="PNN LY MO EO BA Er PM Thromb LAM3 Lysee LyB LLC MBL LGL B M MM LF MoB LH_lyAct LM LZMG SS"
cols=$(for c in $CLASSES; do printf "max(CASE WHEN class = '%s' THEN 1 ELSE 0 END) AS \"%s\"," "$c" "$c"; done)
arr=$(for c in $CLASSES; do printf '"%s",' "$c"; done)
target/release/cytologia --warehouse "$WH" sql "CREATE TABLE y AS
  SELECT name, make_array(${arr%,}) AS labels
  FROM (SELECT name, ${cols%,} FROM read_annotations('$TRAIN', kind => 'train') GROUP BY name)" >/dev/null
start=$(date +%s.%N)
target/release/cytologia --warehouse "$WH" sql --format csv \
  "SELECT name, fold FROM multilabel_kfold(y, id => 'name', labels => 'labels', k => 4, seed => 42) ORDER BY name" \
  | tail -n +2 > "$tmp/ours.csv"
end=$(date +%s.%N)
printf 'cytologia: whole process (start, plan, read table, folds, print) %.3f s\n' "$(echo "$end - $start" | bc)"
if cmp -s "$tmp/ref.csv" "$tmp/ours.csv"; then echo "folds identical: $(wc -l < "$tmp/ours.csv") images"; else echo "FOLDS DIFFER"; diff <(head "$tmp/ref.csv") <(head "$tmp/ours.csv"); exit 1; fi
rm -rf "$tmp"
