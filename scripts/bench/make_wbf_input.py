"""Writes the raw detector boxes of the wbf benchmark, shaped like the winning recipe's test run before WBF
(docs/pipeline.md §4.6, §6): 20,000 images (mostly about 360x366, 5% 608x608), 1-3 cells each, 4 folds
each giving every cell 2-4 jittered boxes (one confident, the others weaker) plus a few low-score
noise boxes (some under WBF's skip threshold 0.0001), coordinates as a detector leaves them
(float32 values, not clipped: boxes may cross the image border). Rows come fold by fold (as the
recipe concatenated its fold outputs), images in name order, boxes in descending score order.
Deterministic: about 250k rows.

Columns: name (string), width, height, fold (int64), x1, y1, x2, y2 (float64 pixels),
score (float32).

usage: make_wbf_input.py OUT.parquet [N_IMAGES]
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SIZES = [(360, 366), (360, 363), (368, 370), (360, 360), (352, 357), (360, 367), (608, 608)]
SIZE_P = [0.55, 0.1, 0.1, 0.08, 0.04, 0.08, 0.05]
FOLDS = 4


def main():
    out = sys.argv[1]
    n_images = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    rng = np.random.default_rng(2024)
    names = [f"{i:08x}-{rng.integers(1, 10)}.jpg" for i in rng.choice(1 << 32, size=n_images, replace=False)]
    names.sort()
    images = []
    for name in names:
        w, h = SIZES[rng.choice(len(SIZES), p=SIZE_P)]
        k = rng.choice([1, 2, 3], p=[0.8, 0.15, 0.05])
        cells = []
        for _ in range(k):
            s = rng.uniform(70, 170) * w / 360
            bw, bh = s * rng.uniform(0.85, 1.15), s * rng.uniform(0.85, 1.15)
            cx, cy = rng.uniform(bw * 0.35, w - bw * 0.35), rng.uniform(bh * 0.35, h - bh * 0.35)
            cells.append((cx, cy, bw, bh))
        images.append((name, w, h, cells))

    cols = {c: [] for c in ("name", "width", "height", "fold", "x1", "y1", "x2", "y2", "score")}
    for fold in range(FOLDS):
        for name, w, h, cells in images:
            boxes = []
            for cx, cy, bw, bh in cells:
                m = rng.choice([2, 3, 4], p=[0.6, 0.3, 0.1])
                for j in range(m):
                    jit = 0.03 if j == 0 else 0.12
                    x = cx + rng.normal(0, jit * bw)
                    y = cy + rng.normal(0, jit * bh)
                    ww = bw * np.exp(rng.normal(0, jit))
                    hh = bh * np.exp(rng.normal(0, jit))
                    score = rng.uniform(0.55, 0.97) if j == 0 else 10 ** rng.uniform(-3, -0.5)
                    boxes.append((x - ww / 2, y - hh / 2, x + ww / 2, y + hh / 2, score))
            for _ in range(rng.poisson(0.05)):
                s = rng.uniform(15, 120) * w / 360
                x, y = rng.uniform(0, w), rng.uniform(0, h)
                boxes.append((x - s / 2, y - s / 2, x + s / 2, y + s / 2, 10 ** rng.uniform(-4.3, -1.3)))
            boxes.sort(key=lambda b: -b[4])
            for x1, y1, x2, y2, score in boxes:
                cols["name"].append(name)
                cols["width"].append(w)
                cols["height"].append(h)
                cols["fold"].append(fold)
                cols["x1"].append(x1)
                cols["y1"].append(y1)
                cols["x2"].append(x2)
                cols["y2"].append(y2)
                cols["score"].append(score)

    table = pa.table({
        "name": pa.array(cols["name"], pa.string()),
        "width": pa.array(cols["width"], pa.int64()),
        "height": pa.array(cols["height"], pa.int64()),
        "fold": pa.array(cols["fold"], pa.int64()),
        # a detector's float32 outputs, stored as float64 (as pandas saved the winning recipe's)
        **{c: pa.array(np.asarray(cols[c], np.float32).astype(np.float64)) for c in ("x1", "y1", "x2", "y2")},
        "score": pa.array(np.asarray(cols["score"], np.float32)),
    })
    pq.write_table(table, out)
    print(f"{table.num_rows} raw boxes of {n_images} images ({FOLDS} folds) in {out}")


if __name__ == "__main__":
    main()
