#!/usr/bin/env python3
"""Generate the goldens of the COCO box-AP kernel (udfs/src/eval/coco.rs).

Reference: pycocotools==2.0.11 (the newest release; the one used is written to the output as
"pycocotools", with numpy's and Python's versions) on Python 3.11: `COCOeval(gt, dt, "bbox")`
for one category with the default parameters, reporting stats[0] (AP@[.50:.95]), stats[1]
(AP50), stats[2] (AP75) and stats[8] (AR@100), all at area range 'all' and maxDets 100.

Setup and run (from the repository root; about 1.3 s of CPU for the 49 cases, single-threaded):

    python3.11 -m venv venv && venv/bin/pip install pycocotools==2.0.11 numpy
    venv/bin/python scripts/goldens/coco_goldens.py [--out tests/goldens/coco/cases.json]

The cases are seeded (numpy default_rng), so the output is deterministic for a given
pycocotools / numpy. Each case has 1..30 images with 0..8 truths each; detections are
jittered truths (the jitter spread over the whole IoU range), duplicates of truths, and
false positives; images without truth, score ties (2-decimal scores, and cases drawing
from three values), images with more than 100 detections (maxDets truncation), zero-area
boxes, and crafted cases: perfect, no detections at all (loadRes cannot load an empty list,
so that detection set is built as a COCO object directly), no truth at all (pycocotools
gives -1), IoUs exactly on the thresholds (np.linspace makes 0.8999999999999999 of 0.9),
IoUs that cross a threshold only through COCO's xywh round trip, equal-IoU and
ignored-truth matching, recalls exactly on the recall points (np.linspace makes
0.35000000000000003 of 0.35), and inverted / huge boxes whose area falls outside areaRng
'all' = [0, 1e10] (ignored truths, ignored unmatched detections).

Boxes are [x1, y1, x2, y2] pixels as the kernel takes them; COCO gets [x1, y1, x2-x1, y2-y1]
with the truth's `area` = w*h and iscrowd 0, truth ids 1.. and image ids 1.. in input order
(image order decides how tied scores of different images are ranked). Output layout:

    {"pycocotools": ..., "numpy": ..., "python": ...,
     "iou_thrs": [hex64 x10], "rec_thrs": [hex64 x101],       # Params().iouThrs / recThrs
     "cases": [{"name": str,
                "images": [{"truth": [[x1,y1,x2,y2], ...],
                            "detections": [[x1,y1,x2,y2,score], ...]}, ...],
                "stats": [hex64 x4],                             # AP, AP50, AP75, AR100 bits
                "stats_f": [float x4]}]}                         # the same, readable

Every input number has at most 15 significant digits and a decimal exponent within ±22, so
serde_json's default float parser (without `float_roundtrip`) reads exactly the double that
Python wrote; the script asserts it. Stats are IEEE-754 float64 bit patterns in hex.
"""
import argparse
import contextlib
import io
import json
import os
import platform
import struct
import time
from importlib.metadata import version

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval, Params


def h64(x):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", float(x)))[0]


def check_short(v):
    v = float(v)
    assert v == float("%.15g" % v), v
    assert v == 0.0 or 1e-20 < abs(v) < 1e15, v
    return v


# --------------------------------------------------------------------------------------
# pycocotools
# --------------------------------------------------------------------------------------
def coco_stats(images):
    """stats[0, 1, 2, 8] of COCOeval(bbox) over `images` (list of (truth, detections))."""
    img_list = [{"id": i + 1, "width": 2000, "height": 2000} for i in range(len(images))]
    cats = [{"id": 1, "name": "cell"}]
    anns, dets = [], []
    for i, (truth, detections) in enumerate(images):
        for (x1, y1, x2, y2) in truth:
            w, h = x2 - x1, y2 - y1
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": 1,
                         "bbox": [x1, y1, w, h], "area": w * h, "iscrowd": 0})
        for (x1, y1, x2, y2, s) in detections:
            dets.append({"image_id": i + 1, "category_id": 1, "bbox": [x1, y1, x2 - x1, y2 - y1],
                         "score": s})
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": img_list, "categories": cats, "annotations": anns}
        gt.createIndex()
        if dets:
            dt = gt.loadRes(dets)
        else:  # loadRes indexes anns[0]: build the empty result set by hand
            dt = COCO()
            dt.dataset = {"images": list(img_list), "categories": cats, "annotations": []}
            dt.createIndex()
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return [float(ev.stats[k]) for k in (0, 1, 2, 8)]


# --------------------------------------------------------------------------------------
# case generation
# --------------------------------------------------------------------------------------
W, H = 1000.0, 800.0


def rnd(v, dec):
    return check_short(round(float(v), dec))


def rand_box(rng, dec, smin=8, smax=220):
    w, h = rng.uniform(smin, smax), rng.uniform(smin, smax)
    x, y = rng.uniform(0, W - w), rng.uniform(0, H - h)
    return [rnd(x, dec), rnd(y, dec), rnd(x + w, dec), rnd(y + h, dec)]


def jitter(rng, b, dec, sigma):
    w, h = b[2] - b[0], b[3] - b[1]
    j = rng.normal(0, sigma, 4) * np.array([w, h, w, h])
    x1, y1, x2, y2 = b[0] + j[0], b[1] + j[1], b[2] + j[2], b[3] + j[3]
    x1, x2 = min(x1, x2), max(x1, x2)
    y1, y2 = min(y1, y2), max(y1, y2)
    return [rnd(x1, dec), rnd(y1, dec), rnd(x2, dec), rnd(y2, dec)]


def score(rng, a, b, sdec, tie_set):
    if tie_set is not None:
        return check_short(float(rng.choice(tie_set)))
    return rnd(min(max(rng.beta(a, b), 0.0), 1.0), sdec)


def random_case(rng, n_images=None, big=0, degenerate=0.0, tie_set=None):
    n_images = int(rng.integers(1, 31)) if n_images is None else n_images
    dec = int(rng.choice([0, 1, 2]))
    sdec = int(rng.choice([2, 2, 3, 6]))
    p_miss = rng.uniform(0.0, 0.4)
    p_dup = rng.uniform(0.0, 0.3)
    fp_rate = rng.uniform(0.0, 3.0)
    images = []
    big_images = set(rng.choice(n_images, size=min(big, n_images), replace=False).tolist()) if big else set()
    for i in range(n_images):
        n_truth = 0 if rng.random() < 0.15 else int(rng.integers(0, 9))
        if i in big_images:
            n_truth = int(rng.integers(3, 9))
        truth = [rand_box(rng, dec) for _ in range(n_truth)]
        dets = []
        for b in truth:
            if rng.random() >= p_miss:
                dets.append(jitter(rng, b, dec, rng.choice([0.01, 0.03, 0.06, 0.1, 0.2, 0.35]))
                            + [score(rng, 5, 2, sdec, tie_set)])
            while rng.random() < p_dup:
                dets.append(jitter(rng, b, dec, rng.choice([0.02, 0.08, 0.2]))
                            + [score(rng, 3, 3, sdec, tie_set)])
        for _ in range(int(rng.poisson(fp_rate))):
            dets.append(rand_box(rng, dec) + [score(rng, 2, 5, sdec, tie_set)])
        if i in big_images:
            for _ in range(int(rng.integers(95, 170))):
                if truth and rng.random() < 0.5:
                    b = truth[int(rng.integers(len(truth)))]
                    dets.append(jitter(rng, b, dec, 0.15) + [score(rng, 2, 2, sdec, tie_set)])
                else:
                    dets.append(rand_box(rng, dec) + [score(rng, 2, 2, sdec, tie_set)])
        if degenerate:
            for b in truth + dets:
                if rng.random() < degenerate:
                    k = int(rng.integers(2))
                    b[2 + k] = b[k]  # zero width or zero height
        order = rng.permutation(len(dets))
        images.append((truth, [dets[k] for k in order]))
    return images


def perfect_case(rng):
    images = []
    for _ in range(5):
        truth = [rand_box(rng, 1) for _ in range(int(rng.integers(1, 6)))]
        images.append((truth, [b + [rnd(rng.uniform(0.1, 1), 3)] for b in truth]))
    return images


def threshold_case():
    """Truth [0,0,100,100]; a detection [0,0,100,k] has IoU exactly k/100 as a double (k/100
    correctly rounded): k = 50, 55, ..., 95 sit on (or just under) np.linspace's thresholds;
    also one image per k so each match is independent, plus a lower-score false positive."""
    images = []
    for k in list(range(50, 100, 5)) + [74, 76, 84, 86, 99, 100]:
        images.append(([[0.0, 0.0, 100.0, 100.0]], [[0.0, 0.0, 100.0, float(k), 0.9], [300.0, 300.0, 350.0, 350.0, 0.5]]))
    # IoU == 0.8999999999999999 (found by search): matched at iouThrs[8], not at a decimal 0.9.
    for d, g in [([22.51, 426.2, 290.91, 477.32], [22.51, 426.2, 290.91, 483.0]),
                 ([140.3, 450.7, 371.4, 702.7], [140.3, 450.7, 371.4, 730.7]),
                 ([328.3, 96.6, 621.6, 114.6], [328.3, 96.6, 621.6, 116.6])]:
        images.append(([g], [d + [0.8]]))
    return images


def round_trip_case():
    """Pairs (found by search) whose IoU through COCO's xywh (x + (x2 - x1) != x2) falls on the
    other side of 0.75 / 0.8 than the IoU of the corners: only the round trip matches."""
    pairs = [([143.86, 221.45, 413.01, 406.76], [105.41, 221.45, 374.56, 406.76]),  # 0.7499999999999997
             ([475.25, 440.03, 1002.47, 454.42], [416.67, 440.03, 943.89, 454.42]),  # 0.8000000000000002
             ([192.12, 385.34, 499.0, 508.57], [148.28, 385.34, 455.16, 508.57]),  # 0.7499999999999999
             ([165.19, 490.06, 494.5, 646.31], [128.6, 490.06, 457.91, 646.31])]  # 0.8000000000000004
    return [([g], [d + [0.9 - 0.1 * k]]) for k, (d, g) in enumerate(pairs)]


def matching_case():
    """evaluateImg's greedy matching details. Image 1: a detection with equal IoU (0.905) on
    two overlapping truths takes the later one, leaving the first for the next detection.
    Image 2: after matching a regular truth (IoU 0.9) the scan stops at the ignored one
    (area 1.1e10 > 1e10) although its IoU (0.909) is higher."""
    return [
        ([[0.0, 0.0, 10.0, 10.0], [1.0, 0.0, 11.0, 10.0]],
         [[0.5, 0.0, 10.5, 10.0, 0.9], [0.0, 0.0, 10.0, 10.0, 0.8]]),
        ([[0.0, 0.0, 100000.0, 90000.0], [0.0, 0.0, 100000.0, 110000.0]],
         [[0.0, 0.0, 100000.0, 100000.0, 0.7]]),
        ([[20.0, 20.0, 40.0, 40.0]], [[21.0, 20.0, 41.0, 40.0, 0.6], [60.0, 60.0, 70.0, 70.0, 0.85]]),
    ]


def recall_grid_case(rng, n_images, per_image):
    """n_images * per_image truths (100 or 20): recalls k/100 or k/20 land exactly on the
    decimal recall points, where np.linspace's 0.35000000000000003 etc. differ."""
    images = []
    for _ in range(n_images):
        truth = [rand_box(rng, 1, smin=30) for _ in range(per_image)]
        dets = [jitter(rng, b, 1, 0.04) + [rnd(rng.uniform(0.05, 1.0), 3)] for b in truth if rng.random() < 0.9]
        dets += [rand_box(rng, 1) + [rnd(rng.uniform(0.05, 1.0), 3)] for _ in range(int(rng.poisson(1.0)))]
        images.append((truth, dets))
    return images


def ignored_area_case(rng):
    """Inverted truths (negative area), a truth larger than 1e10 px^2: ignored by areaRng 'all';
    inverted detections: ignored when unmatched. Plus normal boxes around them."""
    images = [
        ([[10.0, 10.0, 60.0, 60.0], [200.0, 200.0, 150.0, 260.0]],
         [[11.0, 10.0, 61.0, 59.0, 0.8], [200.0, 200.0, 150.0, 260.0, 0.95], [400.0, 400.0, 380.0, 380.0, 0.7]]),
        ([[0.0, 0.0, 200000.0, 100000.0], [5.0, 5.0, 25.0, 45.0]],
         [[0.0, 0.0, 200000.0, 100000.0, 0.99], [5.0, 6.0, 25.0, 44.0, 0.6], [500.0, 500.0, 520.0, 520.0, 0.65]]),
        ([[30.0, 30.0, 10.0, 10.0]], [[30.0, 30.0, 10.0, 10.0, 0.9], [10.0, 10.0, 30.0, 30.0, 0.85]]),
    ]
    images += random_case(rng, n_images=4)
    return images


def all_ignored_case():
    """Every truth outside areaRng (one side inverted: negative area): npig = 0, so
    pycocotools reports -1. (Both sides inverted gives a positive area: not ignored.)"""
    return [([[50.0, 50.0, 10.0, 90.0]], [[10.0, 50.0, 50.0, 90.0, 0.9]]),
            ([], [[1.0, 1.0, 5.0, 5.0, 0.4]])]


def build_cases(rng):
    cases = []
    for n in range(28):
        cases.append(("random_%02d" % n, random_case(rng)))
    for n in range(4):
        cases.append(("big_%02d" % n, random_case(rng, n_images=int(rng.integers(1, 8)), big=int(rng.integers(1, 4)))))
    for n in range(3):
        cases.append(("ties_%02d" % n, random_case(rng, tie_set=[0.25, 0.5, 0.75])))
    cases.append(("big_ties", random_case(rng, n_images=3, big=2, tie_set=[0.3, 0.6, 0.9])))
    for n in range(2):
        cases.append(("degenerate_%02d" % n, random_case(rng, n_images=int(rng.integers(10, 31)), degenerate=0.15)))
    cases.append(("perfect", perfect_case(rng)))
    no_det = random_case(rng, n_images=6)
    cases.append(("no_detections", [(t, []) for (t, _) in no_det]))
    no_truth = random_case(rng, n_images=4)
    cases.append(("no_truth", [([], d) for (_, d) in no_truth]))
    cases.append(("empty_images", [([], []), ([], [])]))
    cases.append(("thresholds", threshold_case()))
    cases.append(("round_trip", round_trip_case()))
    cases.append(("matching", matching_case()))
    cases.append(("recall_grid_100", recall_grid_case(rng, 20, 5)))
    cases.append(("recall_grid_20", recall_grid_case(rng, 20, 1)))
    cases.append(("ignored_area", ignored_area_case(rng)))
    cases.append(("all_ignored", all_ignored_case()))
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/goldens/coco/cases.json")
    args = ap.parse_args()
    t0 = time.time()
    rng = np.random.default_rng(20240611)
    p = Params(iouType="bbox")
    assert p.iouThrs[5] == 0.75 and p.iouThrs[0] == 0.5 and p.maxDets[-1] == 100
    out = {
        "pycocotools": version("pycocotools"),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "iou_thrs": [h64(v) for v in p.iouThrs],
        "rec_thrs": [h64(v) for v in p.recThrs],
        "cases": [],
    }
    for name, images in build_cases(rng):
        for truth, dets in images:
            for b in truth + dets:
                for v in b:
                    check_short(v)
        stats = coco_stats(images)
        out["cases"].append({
            "name": name,
            "images": [{"truth": t, "detections": d} for (t, d) in images],
            "stats": [h64(s) for s in stats],
            "stats_f": stats,
        })
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    n_img = sum(len(c["images"]) for c in out["cases"])
    print("%d cases, %d images, %d bytes, %.2f s -> %s"
          % (len(out["cases"]), n_img, os.path.getsize(args.out), time.time() - t0, args.out))


if __name__ == "__main__":
    main()
