#!/usr/bin/env python3
"""Reference implementation of the challenge metric (docs/pipeline.md §11.1), image by image.

Written from the document, with pandas, numpy and scikit-learn, to check
`sql/reports/score.sql` (view `metric_matches`) on submissions that cytologia did not write.
For each image NAME of the ground truth, in order of first appearance:

- G = the image's ground-truth rows (file order);
- P = the submission rows with that NAME whose trustii_id is among G's trustii_ids, in file
  order, then `drop_duplicates(subset="trustii_id")` and then
  `drop_duplicates(subset=["x1", "y1", "x2", "y2", "class"])`, keeping the first occurrence
  each time (so the restriction to the image comes before either de-duplication);
- P empty: every row of G gets giou = -1 and a missing (NaN) predicted class;
- otherwise M[g, p] = GIoU(G_g, P_p), computed in float64 (eps 1e-16) and stored as float32,
  and each row g takes p* = argmax_p M[g, p] (the first maximum of the float32 values, so ties
  go to the earliest row of P in file order): giou_g = M[g, p*], predicted class = class of
  P_p*. Several ground-truth rows may take the same prediction.

Then rescaled_g = (giou_g + 1) / 2 (NaN counted as 0),
score = 0.2 * mean_g(rescaled_g) + 0.8 * f1_score(true class, str(predicted class),
average="macro"), scikit-learn's macro F1 over the union of the labels seen in truth and
prediction. A missing predicted class becomes the string "nan" (Python's str of NaN, what
pandas' astype(str) gave the organisers), one more label with F1 0. pandas 3 keeps missing
values missing in astype(str), so the conversion is written out here element by element.

GIoU (x1, y1, x2, y2): I = max(min(x2) - max(x1), 0) * max(min(y2) - max(y1), 0);
U = A1 + A2 - I; IoU = I / (U + eps); C = area of the enclosing box;
GIoU = IoU - (C - U) / (C + eps), eps = 1e-16.

Usage (bench venv, scripts/requirements-bench.txt: pandas, numpy, scikit-learn):

    .cytologia-env/bench/bin/python scripts/goldens/metric_reference.py TRUTH.csv SUBMISSION.csv \
        [--matches MATCHES.csv]

Both CSVs have the columns trustii_id, NAME, x1, y1, x2, y2, class (the submission format of
docs/pipeline.md §10; other columns are ignored). Prints one CSV line under a header:
truth_boxes, score, giou_term (the mean of rescaled_g) and macro_f1, at full float64
precision. `--matches` writes one row per ground-truth row, in the truth file's order grouped
by image: trustii_id, NAME, truth, pred ("nan" when the image had no prediction), giou
(float32 value; -1 without prediction).

`metric(truth_df, sub_df)` is the importable form (scripts/goldens/metric_goldens.py uses it).
"""
import argparse
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

EPS = 1e-16
BOX = ["x1", "y1", "x2", "y2"]


def giou_matrix(g, p):
    """GIoU of every row of g (n x 4) against every row of p (m x 4), float64 then float32."""
    g = np.asarray(g, dtype=np.float64)[:, None, :]
    p = np.asarray(p, dtype=np.float64)[None, :, :]
    iw = np.maximum(np.minimum(g[..., 2], p[..., 2]) - np.maximum(g[..., 0], p[..., 0]), 0)
    ih = np.maximum(np.minimum(g[..., 3], p[..., 3]) - np.maximum(g[..., 1], p[..., 1]), 0)
    inter = iw * ih
    area_g = (g[..., 2] - g[..., 0]) * (g[..., 3] - g[..., 1])
    area_p = (p[..., 2] - p[..., 0]) * (p[..., 3] - p[..., 1])
    union = area_g + area_p - inter
    iou = inter / (union + EPS)
    enclose = (np.maximum(g[..., 2], p[..., 2]) - np.minimum(g[..., 0], p[..., 0])) * (
        np.maximum(g[..., 3], p[..., 3]) - np.minimum(g[..., 1], p[..., 1])
    )
    return (iou - (enclose - union) / (enclose + EPS)).astype(np.float32)


def metric(truth, sub):
    """Returns (dict of truth_boxes, score, giou_term, macro_f1; per-truth-row DataFrame)."""
    truth = truth.reset_index(drop=True)
    sub = sub.reset_index(drop=True)
    frames = []
    for image in truth["NAME"].unique():
        g = truth[truth["NAME"] == image]
        p = sub[(sub["NAME"] == image) & sub["trustii_id"].isin(g["trustii_id"].unique())]
        p = p.drop_duplicates(subset="trustii_id", keep="first")
        p = p.drop_duplicates(subset=BOX + ["class"], keep="first")
        out = pd.DataFrame({"trustii_id": g["trustii_id"].to_numpy(), "NAME": g["NAME"].to_numpy(),
                            "truth": g["class"].to_numpy()})
        if len(p) == 0:
            out["pred"] = np.nan
            out["giou"] = -1
        else:
            m = giou_matrix(g[BOX].to_numpy(), p[BOX].to_numpy())
            best = np.argmax(m, axis=1)  # the first maximum
            out["pred"] = p["class"].to_numpy()[best]
            out["giou"] = m[np.arange(len(g)), best]  # float32
        frames.append(out)
    rows = pd.concat(frames, ignore_index=True)
    rescaled = ((rows["giou"] + 1) / 2).fillna(0)
    pred_str = [str(v) for v in rows["pred"].to_numpy(dtype=object)]  # NaN -> "nan"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero_division: a label never predicted scores 0
        f1 = float(f1_score(rows["truth"].astype(object).to_numpy(), np.array(pred_str, dtype=object),
                            average="macro"))
    giou_term = float(rescaled.mean())
    result = {"truth_boxes": len(rows), "score": 0.2 * giou_term + 0.8 * f1, "giou_term": giou_term,
              "macro_f1": f1}
    rows["pred"] = pred_str
    return result, rows


def read(path):
    df = pd.read_csv(path)
    missing = [c for c in ["trustii_id", "NAME"] + BOX + ["class"] if c not in df.columns]
    if missing:
        sys.exit(f"{path}: missing columns {missing}")
    return df


def write_matches(rows, path):
    with open(path, "w") as f:
        f.write("trustii_id,NAME,truth,pred,giou\n")
        for r in rows.itertuples(index=False):
            f.write(f"{r.trustii_id},{r.NAME},{r.truth},{r.pred},{repr(float(np.float32(r.giou)))}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("truth")
    ap.add_argument("submission")
    ap.add_argument("--matches", help="write the per-truth-box matches to this CSV")
    a = ap.parse_args()
    result, rows = metric(read(a.truth), read(a.submission))
    print("truth_boxes,score,giou_term,macro_f1")
    print(f"{result['truth_boxes']},{result['score']!r},{result['giou_term']!r},{result['macro_f1']!r}")
    if a.matches:
        write_matches(rows, a.matches)


if __name__ == "__main__":
    main()
