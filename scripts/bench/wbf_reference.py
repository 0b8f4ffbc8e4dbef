"""Reference for the wbf benchmark: the winning recipe's box ensembling (docs/pipeline.md §6.1): per image, one
`ensemble_boxes.weighted_boxes_fusion` call (1.0.9) over a single model list holding the boxes of
all folds, coordinates normalised by the image (x/W, y/H), iou_thr 0.25, skip_box_thr 0.0001,
conf_type 'avg', weights None; outputs de-normalised (x W, x H).

Not timed: reading the parquet (pandas/pyarrow) and splitting it per image (as pandas' groupby
does: image name order, file order inside an image). Timed: the per-image loop (normalise, WBF,
de-normalise). Prints a human line and a JSON line and writes name,x1,y1,x2,y2,score per fused box
(WBF's output order) for the cross-check.

usage: wbf_reference.py RAW.parquet OUT_CSV
"""
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from ensemble_boxes import weighted_boxes_fusion

IOU_THR, SKIP_BOX_THR = 0.25, 0.0001


def main():
    raw, out_csv = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    df = pd.read_parquet(raw)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    # what df.groupby("name") yields (name order, file order inside an image), as numpy arrays
    df = df.iloc[np.argsort(df["name"].to_numpy(), kind="stable")]
    names = df["name"].to_numpy()
    starts = np.flatnonzero(np.r_[True, names[1:] != names[:-1]])
    ends = np.r_[starts[1:], len(df)]
    xyxy = df[["x1", "y1", "x2", "y2"]].to_numpy(np.float64)
    score = df["score"].to_numpy()
    wh = df[["width", "height"]].to_numpy()
    groups = [(names[a], int(wh[a, 0]), int(wh[a, 1]), xyxy[a:b], score[a:b]) for a, b in zip(starts, ends)]
    group_s = time.perf_counter() - t0
    # ensemble_boxes warns on every box it clamps into [0, 1]; the winning recipe's run showed each once
    warnings.filterwarnings("ignore")

    rows = []
    start = time.perf_counter()
    for name, w, h, boxes, scores in groups:
        scale = np.array([w, h, w, h], dtype=np.float64)
        b, s, _ = weighted_boxes_fusion([boxes / scale], [scores], [np.zeros(len(scores))], weights=None,
                                        iou_thr=IOU_THR, skip_box_thr=SKIP_BOX_THR)
        rows.append((name, b * scale, s))
    elapsed = time.perf_counter() - start

    n_fused = 0
    with open(out_csv, "w") as out:
        for name, b, s in rows:
            for (x1, y1, x2, y2), sc in zip(b.tolist(), s.tolist()):
                out.write(f"{name},{x1!r},{y1!r},{x2!r},{y2!r},{sc!r}\n")
                n_fused += 1
    n = len(groups)
    print(f"python (pandas + ensemble_boxes {IOU_THR}/{SKIP_BOX_THR}): {len(df)} raw boxes of {n} images in {elapsed:.2f} s "
          f"= {len(df) / elapsed:.0f} boxes/s -> {n_fused} fused boxes (not timed: read {load_s:.2f} s, groupby {group_s:.2f} s)")
    print(json.dumps({"bench": "wbf", "side": "python", "raw_boxes": len(df), "images": n, "fused_boxes": n_fused,
                      "seconds": round(elapsed, 4), "images_per_s": round(n / elapsed, 1), "load_s": round(load_s, 3),
                      "group_s": round(group_s, 3)}))


if __name__ == "__main__":
    main()
