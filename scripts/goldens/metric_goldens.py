#!/usr/bin/env python3
"""Generate the goldens of the challenge metric (sql/reports/score.sql, view metric_matches).

Reference: scripts/goldens/metric_reference.py, the organisers' metric of docs/pipeline.md
§11.1 written with pandas, numpy and scikit-learn (the bench venv's pins: pandas 3.1.1,
numpy 2.4.6, scikit-learn 1.9.1; the versions used are written to versions.json). The cases
are written by hand to exercise the per-image rules on submissions that cytologia would not
write; each is a folder with

    truth.csv        trustii_id,NAME,x1,y1,x2,y2,class: the ground truth; in the tests it is
                     also test.csv (test_rows: trustii_id, NAME in this order)
    submission.csv   trustii_id,NAME,x1,y1,x2,y2,class in file order (the order that decides
                     keep-first and ties)
    matches.csv      the reference's per-truth-box matches: trustii_id,NAME,truth,pred,giou
                     (pred "nan" for an image without prediction, giou the float32 value)

and expected.csv holds one line per case: case,truth_boxes,score,giou_term,macro_f1 at full
float64 precision. The Rust test is tests/integration/metric.rs.

The cases (class names are the challenge's, so read_annotations accepts the files):

- foreign_id: image a.jpg holds a row whose trustii_id belongs to b.jpg (with a perfect box and
  class for a truth box of a.jpg): it is not among a.jpg's ids, so it does not count.
- repeated_id_same_image: one trustii_id twice in the same image, the first occurrence a bad
  box and class: drop_duplicates(trustii_id) keeps the first.
- repeated_id_across_images: a trustii_id of a.jpg is submitted first under b.jpg (perfect for
  b.jpg's truth), then under a.jpg: each image keeps only rows of its own NAME and ids, so
  a.jpg keeps its row and b.jpg does not get the other one.
- duplicate_boxes: two ids with the same box and class (the second dropped), the second id also
  repeated with another box: trustii_id is de-duplicated first, so the other box is gone
  before the box de-duplication (the other order would keep it); and two rows of one image
  with one box and class (one kept, matched by both truth boxes).
- image_without_predictions: c.jpg has no row at all: GIoU -1 and class "nan" (an extra label
  with F1 0) for its two truth boxes.
- giou_ties: a.jpg has two predictions with exactly the same GIoU to a truth box, the later
  trustii_id first in the file (the first in file order wins, not the first in test.csv), and
  two whose GIoU differ in float64 (0.9636 and 0.96360000963...) but not in float32 (the first
  wins); b.jpg repeats the float32 tie with the file in test.csv order.
- images_not_in_truth: rows for z.jpg (absent from the truth), one with a trustii_id of a.jpg
  listed before a.jpg's own row, one with an id absent from the truth: ignored.
- clean: one row per truth row in test.csv order, as cytologia writes it (shifted boxes, wrong
  classes): the control case.

Usage (from the repository root, bench venv; under a second):

    .cytologia-env/bench/bin/python scripts/goldens/metric_goldens.py [OUT_DIR]

OUT_DIR defaults to tests/goldens/metric. Deterministic: no random input.
"""
import json
import os
import platform
import sys
from importlib.metadata import version

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metric_reference import metric, write_matches  # noqa: E402

COLS = ["trustii_id", "NAME", "x1", "y1", "x2", "y2", "class"]

# case -> (truth rows, submission rows), each row (trustii_id, NAME, x1, y1, x2, y2, class)
CASES = {
    "foreign_id": (
        [(1, "a.jpg", 10, 10, 60, 60, "LY"), (2, "a.jpg", 100, 100, 150, 160, "PNN"),
         (3, "b.jpg", 20, 20, 80, 70, "MO"), (4, "b.jpg", 200, 50, 260, 120, "EO")],
        [(1, "a.jpg", 12, 10, 60, 62, "LY"), (2, "a.jpg", 5, 5, 40, 40, "LY"),
         (4, "a.jpg", 100, 100, 150, 160, "PNN"),  # id of b.jpg: not a.jpg's
         (3, "b.jpg", 20, 22, 80, 70, "MO")],
    ),
    "repeated_id_same_image": (
        [(1, "a.jpg", 10, 10, 60, 60, "LY"), (2, "a.jpg", 100, 100, 150, 160, "PNN"),
         (3, "b.jpg", 20, 20, 80, 70, "MO")],
        [(1, "a.jpg", 10, 10, 60, 60, "LY"),
         (2, "a.jpg", 300, 300, 340, 350, "EO"),  # first occurrence of 2: kept
         (2, "a.jpg", 100, 100, 150, 160, "PNN"),  # repeated id: dropped
         (3, "b.jpg", 22, 20, 80, 70, "MO")],
    ),
    "repeated_id_across_images": (
        [(1, "a.jpg", 10, 10, 60, 60, "LY"), (2, "a.jpg", 100, 100, 150, 160, "PNN"),
         (3, "b.jpg", 20, 20, 80, 70, "MO")],
        [(2, "b.jpg", 20, 20, 80, 70, "MO"),  # id of a.jpg under b.jpg, first in the file
         (1, "a.jpg", 10, 10, 60, 60, "LY"), (2, "a.jpg", 100, 100, 150, 160, "PNN"),
         (3, "b.jpg", 30, 25, 90, 75, "EO")],
    ),
    "duplicate_boxes": (
        [(1, "a.jpg", 10, 10, 60, 60, "LY"), (2, "a.jpg", 100, 100, 150, 160, "MO"),
         (3, "b.jpg", 20, 20, 80, 70, "EO"), (4, "b.jpg", 30, 20, 90, 75, "EO")],
        [(1, "a.jpg", 10, 12, 60, 60, "LY"),
         (2, "a.jpg", 10, 12, 60, 60, "LY"),  # same box and class as id 1: dropped
         (2, "a.jpg", 100, 100, 150, 160, "MO"),  # id 2 again: dropped before the box step
         (3, "b.jpg", 25, 20, 85, 72, "EO"), (4, "b.jpg", 25, 20, 85, 72, "EO")],
    ),
    "image_without_predictions": (
        [(1, "a.jpg", 10, 10, 60, 60, "LY"), (2, "a.jpg", 100, 100, 150, 160, "PNN"),
         (3, "b.jpg", 20, 20, 80, 70, "MO"),
         (4, "c.jpg", 5, 5, 50, 55, "EO"), (5, "c.jpg", 70, 80, 120, 140, "LY")],
        [(1, "a.jpg", 10, 10, 60, 60, "LY"), (2, "a.jpg", 101, 100, 150, 158, "PNN"),
         (3, "b.jpg", 20, 20, 80, 70, "MO")],
    ),
    "giou_ties": (
        [(1, "a.jpg", 100, 100, 200, 200, "LY"), (2, "a.jpg", 40, 30, 440, 330, "PNN"),
         (3, "a.jpg", 600, 600, 650, 660, "EO"), (4, "a.jpg", 700, 100, 760, 170, "MO"),
         (5, "b.jpg", 40, 30, 440, 330, "LGL"), (6, "b.jpg", 500, 400, 560, 470, "EO")],
        [(2, "a.jpg", 90, 100, 190, 200, "MO"),  # exact tie with the next row for truth 1
         (1, "a.jpg", 110, 100, 210, 200, "LY"),
         (4, "a.jpg", 40, 34, 436, 326, "BA"),  # GIoU 0.9636 to truth 2
         (3, "a.jpg", 34, 27, 445, 330, "PNN"),  # 0.96360000963... in float64, equal in float32
         (5, "b.jpg", 40, 34, 436, 326, "LGL"), (6, "b.jpg", 34, 27, 445, 330, "MM")],
    ),
    "images_not_in_truth": (
        [(1, "a.jpg", 10, 10, 60, 60, "LY"), (2, "a.jpg", 100, 100, 150, 160, "PNN"),
         (3, "b.jpg", 20, 20, 80, 70, "MO")],
        [(1, "a.jpg", 10, 10, 60, 60, "LY"),
         (2, "z.jpg", 10, 10, 60, 60, "EO"),  # id of a.jpg under an image absent from the truth
         (2, "a.jpg", 100, 102, 150, 160, "PNN"),
         (9, "z.jpg", 20, 20, 80, 70, "BA"),  # id absent from the truth
         (3, "b.jpg", 20, 20, 80, 70, "MO")],
    ),
    "clean": (
        [(1, "a.jpg", 10, 10, 60, 60, "LY"), (2, "a.jpg", 100, 100, 150, 160, "PNN"),
         (3, "b.jpg", 20, 20, 80, 70, "MO"), (4, "b.jpg", 200, 50, 260, 120, "EO"),
         (5, "c.jpg", 5, 5, 50, 55, "EO"), (6, "c.jpg", 70, 80, 120, 140, "LY")],
        [(1, "a.jpg", 12, 10, 60, 62, "LY"), (2, "a.jpg", 100, 100, 150, 160, "PNN"),
         (3, "b.jpg", 20, 22, 80, 70, "EO"), (4, "b.jpg", 190, 40, 250, 110, "EO"),
         (5, "c.jpg", 0, 0, 119, 139, "LY"), (6, "c.jpg", 0, 0, 119, 139, "LY")],
    ),
}


def fmt(x):
    return repr(float(x))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/goldens/metric"
    os.makedirs(out, exist_ok=True)
    lines = ["case,truth_boxes,score,giou_term,macro_f1"]
    for case, (truth_rows, sub_rows) in CASES.items():
        d = os.path.join(out, case)
        os.makedirs(d, exist_ok=True)
        truth = pd.DataFrame(truth_rows, columns=COLS)
        sub = pd.DataFrame(sub_rows, columns=COLS)
        truth.to_csv(os.path.join(d, "truth.csv"), index=False)
        sub.to_csv(os.path.join(d, "submission.csv"), index=False)
        # The reference reads the files back, as the command line does.
        result, rows = metric(pd.read_csv(os.path.join(d, "truth.csv")), pd.read_csv(os.path.join(d, "submission.csv")))
        write_matches(rows, os.path.join(d, "matches.csv"))
        lines.append(f"{case},{result['truth_boxes']},{fmt(result['score'])},{fmt(result['giou_term'])},{fmt(result['macro_f1'])}")
        print(lines[-1])
    with open(os.path.join(out, "expected.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    versions = {"python": platform.python_version(), "pandas": version("pandas"), "numpy": version("numpy"),
                "scikit-learn": version("scikit-learn")}
    with open(os.path.join(out, "versions.json"), "w") as f:
        json.dump(versions, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
