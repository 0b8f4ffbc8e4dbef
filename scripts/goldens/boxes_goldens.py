#!/usr/bin/env python3
"""Generate golden files for the `boxes` kernels (udfs/src/boxes/) and `eval::f1`.

Reference implementations (pinned; the versions used are written to versions.json):
  * ensemble-boxes==1.0.9  weighted_boxes_fusion (the winning recipe's WBF), with numpy==1.26.4
    (the winning recipe's numpy). numpy 2 runs ensemble-boxes too but changes its numbers: under
    NEP 50 `box[4:] /= conf` (float32 array, float64 scalar) divides in float64 instead
    of float32; with numpy 2.3.5, 320 of the 500 "once" cases below come out different.
  * torch==2.5.1, torchvision==0.20.1 (CPU): torchvision.ops.nms and YOLOX's
    decode_outputs / postprocess (copied below from Megvii YOLOX, Apache-2.0)
  * scikit-learn (1.9.1 here): precision_recall_fscore_support, f1_score, accuracy_score
  * the winner's GIoU, code/src/cdc/yolo/tools.py::calculate_iou (copied below)

Setup (from the repository root; the PyPI torch wheel is the CUDA build, it runs on CPU):

    python3 -m venv venv && venv/bin/pip install ensemble-boxes==1.0.9 numpy==1.26.4 \
        scikit-learn torch==2.5.1 torchvision==0.20.1
    venv/bin/python scripts/goldens/boxes_goldens.py [--out tests/goldens/boxes]

Outputs (deterministic; floats as IEEE-754 bit patterns in hex: 16 digits for float64,
8 for float32; inputs that are short decimals are stored as Python repr strings, which
Rust's `str::parse::<f64>` reads to the same double):
  versions.json  library versions + two studies over 20,000 challenge-shaped images (statistics
                 only, not checked by the Rust tests): "dup_study", every box fed k = 2..4
                 times vs once; "fp16_tie_study", float16 scores with the folds' input
                 order reversed (how much the library's tie order matters)
  wbf.json       challenge-shaped WBF cases ("cases", tie-free scores): pixel boxes, W, H, iou_thr,
                 skip, and the library's output for the boxes fed once ("once") and fed k
                 times ("dup", k = 2..4); "tie_cases": float16 score ties and crafted edge
                 cases, the library fed in the reverse of the kernel's input order (relies
                 on numpy's argsort being stable below 17 elements, as on CPUs without
                 AVX-512; the script asserts it)
  nms.json       torchvision.ops.nms cases (float32 boxes / scores, ties included)
  yolox.json     YOLOX decode_outputs + postprocess(class_agnostic=True) cases
  giou.json      calculate_iou(use_giou=False/True) pairs
  f1.json        sklearn per-class / macro precision, recall, F1, support, accuracy
"""
import argparse
import json
import os
import platform
import struct
import sys
import warnings
from importlib.metadata import version

import numpy as np

warnings.filterwarnings("ignore")  # ensemble_boxes warns on every swapped / clamped box

from ensemble_boxes import weighted_boxes_fusion  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support  # noqa: E402

try:
    import torch
    import torchvision
except ImportError:  # pragma: no cover
    torch = None


def h64(x):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", float(x)))[0]


def h32(x):
    return "%08x" % struct.unpack("<I", struct.pack("<f", float(np.float32(x))))[0]


def r(x):
    return repr(float(x))


# --------------------------------------------------------------------------------------
# WBF
# --------------------------------------------------------------------------------------
SIZES = [(360, 366), (608, 608), (352, 357), (360, 360), (360, 363), (360, 367),
         (368, 369), (368, 370), (640, 652)]


def f32_score(rng, lo, hi, log=False):
    v = 10 ** rng.uniform(np.log10(lo), np.log10(hi)) if log else rng.uniform(lo, hi)
    return float(np.float32(v))


def wbf_case(rng, big=False, score_dtype=np.float32):
    """One image as the winning recipe saw it: usually one cell (rarely 2-11, or 12-19 when `big`),
    each seen by the 4 fold models with jitter, plus a few low-score noise boxes; pixel
    coordinates, some inverted / outside the image / zero-area. Scores are float32 values,
    distinct between different boxes (tie-free) unless score_dtype=float16."""
    W, H = SIZES[rng.integers(len(SIZES))] if rng.random() < 0.6 else SIZES[rng.integers(2)]
    if big:
        n_cells = int(rng.integers(12, 20))
    else:
        n_cells = int(rng.choice([1] * 17 + [2, 2, 3])) if rng.random() < 0.97 else int(rng.integers(4, 12))
    folds = [[] for _ in range(4)]
    for _ in range(n_cells):
        bw, bh = rng.uniform(25, 0.45 * W), rng.uniform(25, 0.45 * H)
        cx, cy = rng.uniform(-0.05 * W, 1.05 * W), rng.uniform(-0.05 * H, 1.05 * H)
        base = rng.uniform(0.35, 0.97)
        for f in range(4):
            if rng.random() < 0.08:
                continue  # a fold misses the cell
            for extra in range(1 if rng.random() < 0.9 else 2):  # sometimes a second, offset box
                j = rng.normal(0, rng.choice([1.5, 4, 10]), 4) + extra * rng.normal(0, 0.3 * bw, 4)
                b = [cx - bw / 2 + j[0], cy - bh / 2 + j[1], cx + bw / 2 + j[2], cy + bh / 2 + j[3]]
                hi = min(0.999, base + 0.05)
                folds[f].append((b, rng.uniform(max(0.0005, base - 0.3), hi) * (0.3 if extra else 1.0)))
    for f in range(4):
        for _ in range(int(rng.random() < 0.35) + int(rng.random() < 0.05)):
            if folds[f] and rng.random() < 0.5:  # a partial box on a cell
                b0 = folds[f][int(rng.integers(len(folds[f])))][0]
                x, y = rng.uniform(*sorted([b0[0], b0[2]])), rng.uniform(*sorted([b0[1], b0[3]]))
                bw, bh = rng.uniform(3, 3 + abs(b0[2] - b0[0])), rng.uniform(3, 3 + abs(b0[3] - b0[1]))
                x, y = x - bw / 2, y - bh / 2
            else:
                x, y = rng.uniform(-20, W), rng.uniform(-20, H)
                bw, bh = rng.uniform(3, 0.5 * W), rng.uniform(3, 0.5 * H)
            folds[f].append(([x, y, x + bw, y + bh], 10 ** rng.uniform(-5, -1.1)))
    boxes = []
    seen = set()
    for f in range(4):
        for b, sc in folds[f]:
            b = [round(v, 3) for v in b]
            u = rng.random()
            if u < 0.05:
                b = [b[2], b[1], b[0], b[3]]  # inverted x
            elif u < 0.08:
                b = [b[0], b[3], b[2], b[1]]  # inverted y
            elif u < 0.09:
                b = [b[0], b[1], b[0], b[3]]  # zero width
            elif u < 0.10:
                b = [W + 5.0, b[1], W + 50.0, b[3]]  # right of the image: zero area once clamped
            sc = score_dtype(sc)
            if score_dtype == np.float32:
                while float(sc) in seen:  # tie-free between different boxes
                    sc = np.nextafter(sc, np.float32(1))
            seen.add(float(sc))
            boxes.append((f, b, float(sc)))
    return W, H, boxes


def run_wbf(W, H, boxes, iou_thr, skip, k):
    """The winning recipe's run_wbf for one image, each raw box fed k times (fold blocks kept, the k
    copies adjacent as in the winning recipe's per-row inference)."""
    bl, sl = [], []
    for f in range(4):
        for ff, b, s in boxes:
            if ff != f:
                continue
            for _ in range(k):
                x1, y1, x2, y2 = b
                bl.append([x1 / W, y1 / H, x2 / W, y2 / H])
                sl.append(s)
    if not bl:
        return []
    ob, os_, _ = weighted_boxes_fusion([bl], [sl], [[0.0] * len(sl)], weights=None, iou_thr=iou_thr,
                                       skip_box_thr=skip, conf_type="avg", allows_overflow=False)
    return [[b[0] * W, b[1] * H, b[2] * W, b[3] * H, s] for b, s in zip(ob, os_)]


def enc_out(out):
    return [[h64(v) for v in row] for row in out]


def gen_wbf(rng, n):
    cases = []
    thrs = [0.25] * 10 + [0.1, 0.4, 0.55, 0.7]
    for i in range(n):
        iou_thr = thrs[rng.integers(len(thrs))]
        skip = 0.0001 if rng.random() < 0.8 else 0.01
        W, H, boxes = wbf_case(rng, big=i < 8)
        k = int(rng.integers(2, 5))
        cases.append({
            "w": W, "h": H, "iou_thr": iou_thr, "skip": skip,
            "boxes": [[f] + [r(v) for v in b] + [h32(s)] for f, b, s in boxes],
            "once": enc_out(run_wbf(W, H, boxes, iou_thr, skip, 1)),
            "k": k,
            "dup": enc_out(run_wbf(W, H, boxes, iou_thr, skip, k)),
        })
    return cases


def kernel_key(fbs):
    """The Rust kernel's input order: score desc, then (x1, y1, x2, y2) asc (raw pixels)."""
    f, b, s = fbs
    return (-s, b[0], b[1], b[2], b[3])


def run_wbf_in_order(W, H, boxes, iou_thr, skip):
    """Feed the library one model list in the given order (no fold blocks)."""
    bl = [[b[0] / W, b[1] / H, b[2] / W, b[3] / H] for f, b, s in boxes]
    sl = [s for f, b, s in boxes]
    ob, os_, _ = weighted_boxes_fusion([bl], [sl], [[0.0] * len(sl)], weights=None, iou_thr=iou_thr,
                                       skip_box_thr=skip, conf_type="avg", allows_overflow=False)
    return [[b[0] * W, b[1] * H, b[2] * W, b[3] * H, s] for b, s in zip(ob, os_)]


def gen_wbf_ties(rng, n):
    """Score ties between different boxes (float16 scores, as the winning recipe's fp16 detector made).
    numpy's argsort is an insertion sort (stable) below 17 elements, so the library fed the
    boxes in the *reverse* of the kernel's order processes them in the kernel's order and
    emits equal fused scores later-cluster-first: these cases pin both tie rules. Plus
    crafted cases: IoU exactly equal to iou_thr (no match), far-apart equal scores."""
    specs = []
    # IoU exactly 0.25 at W = H = 512 (exact normalisation): I = 64*64, U = 256*64.
    specs.append((512, 512, 0.25, 0.0001, [(0, [0.0, 0.0, 160.0, 64.0], 0.75), (1, [96.0, 0.0, 256.0, 64.0], 0.5)]))
    specs.append((512, 512, 0.25, 0.0001, [(0, [0.0, 0.0, 160.0, 64.0], 0.75), (1, [95.0, 0.0, 256.0, 64.0], 0.5)]))
    # equal scores far apart (output tie), and within one cluster
    specs.append((608, 608, 0.25, 0.0001, [(0, [10.0, 10.0, 60.0, 60.0], 0.5), (1, [300.0, 300.0, 380.0, 390.0], 0.5),
                                           (2, [12.0, 11.0, 61.0, 58.0], 0.25), (3, [298.0, 305.0, 377.0, 391.0], 0.25)]))
    specs.append((360, 366, 0.25, 0.0001, [(f, [100.0 + f, 80.0 - f, 160.5 + 2 * f, 150.25], 0.625) for f in range(4)]))
    while len(specs) < n:
        W, H, boxes = wbf_case(rng, score_dtype=np.float16)
        kept = [s for f, b, s in boxes if s >= 0.0001]
        if len(boxes) > 16 or len(set(kept)) == len(kept):
            continue
        specs.append((W, H, 0.25, 0.0001, boxes))
    cases = []
    for W, H, iou_thr, skip, boxes in specs:
        order = sorted(boxes, key=kernel_key)[::-1]
        sc = np.array([s for f, b, s in order], dtype=np.float64)
        assert len(sc) <= 16 and np.array_equal(sc.argsort(), sc.argsort(kind="stable"))
        cases.append({"w": W, "h": H, "iou_thr": iou_thr, "skip": skip,
                      "boxes": [[f] + [r(v) for v in b] + [h32(s)] for f, b, s in boxes],
                      "once": enc_out(run_wbf_in_order(W, H, order, iou_thr, skip))})
    return cases


def dup_study(rng, n):
    """Feeding each box k times vs once, over n challenge-shaped images (iou 0.25, skip 1e-4)."""
    st = dict(images=0, same_count=0, bit_identical=0, same_scores=0, same_after_round=0,
              max_abs_px=0.0, count_diff_examples=[])
    for _ in range(n):
        W, H, boxes = wbf_case(rng)
        a = run_wbf(W, H, boxes, 0.25, 0.0001, 1)
        k = int(rng.integers(2, 5))
        b = run_wbf(W, H, boxes, 0.25, 0.0001, k)
        st["images"] += 1
        if len(a) != len(b):
            if len(st["count_diff_examples"]) < 3:
                st["count_diff_examples"].append({"w": W, "h": H, "k": k, "once": len(a), "dup": len(b)})
            continue
        st["same_count"] += 1
        A, B = np.array(a).reshape(-1, 5), np.array(b).reshape(-1, 5)
        st["bit_identical"] += int(np.array_equal(A, B))
        st["same_scores"] += int(np.array_equal(A[:, 4], B[:, 4]))
        st["same_after_round"] += int(np.array_equal(np.round(A[:, :4]), np.round(B[:, :4])))
        if len(A):
            st["max_abs_px"] = max(st["max_abs_px"], float(np.abs(A[:, :4] - B[:, :4]).max()))
    return st


def tie_study(rng, n):
    """The winning recipe's scores were float16 (fp16 detector), so equal scores between different
    boxes of one image happen; the library then orders them as numpy's unstable argsort
    does. Compare the winning recipe's input order (fold 0..3 blocks) with the folds reversed."""
    st = dict(images=0, with_ties=0, differs_bits=0, differs_after_round=0, differs_count=0)
    for _ in range(n):
        W, H, boxes = wbf_case(rng, score_dtype=np.float16)
        st["images"] += 1
        kept = [s for f, b, s in boxes if s >= 0.0001]
        if len(set(kept)) == len(kept):
            continue
        st["with_ties"] += 1
        a = run_wbf(W, H, boxes, 0.25, 0.0001, 1)
        rev = [(3 - f, b, s) for f, b, s in boxes]
        b = run_wbf(W, H, rev, 0.25, 0.0001, 1)
        if len(a) != len(b):
            st["differs_count"] += 1
            continue
        A, B = np.array(a).reshape(-1, 5), np.array(b).reshape(-1, 5)
        st["differs_bits"] += int(not np.array_equal(A, B))
        st["differs_after_round"] += int(not np.array_equal(np.round(A[:, :4]), np.round(B[:, :4])))
    return st


# --------------------------------------------------------------------------------------
# NMS and YOLOX
# --------------------------------------------------------------------------------------
def gen_nms(rng, n):
    cases = []
    # crafted: IoU exactly float32(0.3) (I = 3, U = 10) -> suppressed at 0.3 (double compare)
    crafted = [
        ([[0, 0, 6.5, 1], [3.5, 0, 10, 1]], [0.9, 0.8], 0.3),
        ([[0, 0, 6.5, 1], [3.5, 0, 10, 1]], [0.5, 0.5], 0.3),
        ([[0, 0, 2, 1], [1, 0, 3, 1], [2, 0, 4, 1]], [0.7, 0.7, 0.7], 0.3),
        ([[0, 0, 1, 1]], [0.1], 0.5),
        ([], [], 0.5),
    ]
    specs = [(b, s, t) for b, s, t in crafted]
    for _ in range(n):
        m = int(rng.integers(1, 45))
        W = rng.uniform(50, 700)
        cx, cy = rng.uniform(0, W, m), rng.uniform(0, W, m)
        w, h = rng.uniform(1, W / 3, m), rng.uniform(1, W / 3, m)
        if rng.random() < 0.3:  # clustered boxes
            centres = rng.uniform(0, W, (max(1, m // 6), 2))
            c = rng.integers(0, len(centres), m)
            cx = centres[c, 0] + rng.normal(0, 5, m)
            cy = centres[c, 1] + rng.normal(0, 5, m)
        b = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1).astype(np.float32)
        if rng.random() < 0.5:
            s = rng.random(m).astype(np.float32)
        else:  # many ties
            s = (rng.integers(0, 8, m) / 8).astype(np.float32)
        t = float(rng.choice([0.3, 0.45, 0.5, 0.65, 0.1]))
        specs.append((b.tolist(), s.tolist(), t))
    for b, s, t in specs:
        bt = torch.tensor(b, dtype=torch.float32).reshape(-1, 4)
        stt = torch.tensor(s, dtype=torch.float32)
        keep = torchvision.ops.nms(bt, stt, t).tolist()
        cases.append({"thr": t, "boxes": [[h32(v) for v in row] for row in bt.tolist()],
                      "scores": [h32(v) for v in stt.tolist()], "keep": keep})
    return cases


def yolox_decode_outputs(outputs, hw, strides_, dtype):
    """YOLOXHead.decode_outputs (Megvii YOLOX, yolox/models/yolo_head.py)."""
    grids = []
    strides = []
    for (hsize, wsize), stride in zip(hw, strides_):
        yv, xv = torch.meshgrid([torch.arange(hsize), torch.arange(wsize)], indexing="ij")
        grid = torch.stack((xv, yv), 2).view(1, -1, 2)
        grids.append(grid)
        shape = grid.shape[:2]
        strides.append(torch.full((*shape, 1), stride))
    grids = torch.cat(grids, dim=1).type(dtype)
    strides = torch.cat(strides, dim=1).type(dtype)
    outputs = torch.cat([
        (outputs[..., 0:2] + grids) * strides,
        torch.exp(outputs[..., 2:4]) * strides,
        outputs[..., 4:]
    ], dim=-1)
    return outputs


def yolox_postprocess(prediction, num_classes, conf_thre=0.7, nms_thre=0.45, class_agnostic=False):
    """yolox.utils.postprocess (Megvii YOLOX, yolox/utils/boxes.py)."""
    box_corner = prediction.new(prediction.shape)
    box_corner[:, :, 0] = prediction[:, :, 0] - prediction[:, :, 2] / 2
    box_corner[:, :, 1] = prediction[:, :, 1] - prediction[:, :, 3] / 2
    box_corner[:, :, 2] = prediction[:, :, 0] + prediction[:, :, 2] / 2
    box_corner[:, :, 3] = prediction[:, :, 1] + prediction[:, :, 3] / 2
    prediction[:, :, :4] = box_corner[:, :, :4]
    output = [None for _ in range(len(prediction))]
    for i, image_pred in enumerate(prediction):
        if not image_pred.size(0):
            continue
        class_conf, class_pred = torch.max(image_pred[:, 5: 5 + num_classes], 1, keepdim=True)
        conf_mask = (image_pred[:, 4] * class_conf.squeeze() >= conf_thre).squeeze()
        detections = torch.cat((image_pred[:, :5], class_conf, class_pred.float()), 1)
        detections = detections[conf_mask]
        if not detections.size(0):
            continue
        if class_agnostic:
            nms_out_index = torchvision.ops.nms(detections[:, :4], detections[:, 4] * detections[:, 5], nms_thre)
        else:
            nms_out_index = torchvision.ops.batched_nms(detections[:, :4], detections[:, 4] * detections[:, 5],
                                                        detections[:, 6], nms_thre)
        detections = detections[nms_out_index]
        output[i] = detections if output[i] is None else torch.cat((output[i], detections))
    return output


def gen_yolox(rng):
    cases = []
    for size, C, conf, nms in [(64, 1, 0.001, 0.3), (64, 1, 0.3, 0.45), (96, 3, 0.001, 0.3),
                               (64, 2, 0.01, 0.65), (32, 1, 0.001, 0.3), (32, 4, 0.001, 0.5)]:
        strides = [8, 16, 32]
        hw = [(size // s, size // s) for s in strides]
        a = sum(h * w for h, w in hw)
        raw = np.zeros((a, 5 + C), dtype=np.float32)
        raw[:, 0:2] = rng.normal(0.3, 0.6, (a, 2))
        raw[:, 2:4] = rng.normal(1.0, 0.7, (a, 2))
        raw[:, 4] = 1 / (1 + np.exp(-rng.normal(-3, 3, a)))
        p = 1 / (1 + np.exp(-rng.normal(0, 2, (a, C))))
        if C > 1:
            ties = rng.random(a) < 0.1
            p[ties, 1] = p[ties, 0]  # equal class probabilities: first max wins
        raw[:, 5:] = p
        raw = raw.astype(np.float32)
        t = torch.from_numpy(raw.copy()).unsqueeze(0)
        dec = yolox_decode_outputs(t, hw, strides, t.type())
        dec_np = dec[0].numpy().copy()
        out = yolox_postprocess(dec.clone(), C, conf, nms, class_agnostic=True)[0]
        rows = []
        if out is not None:
            for d in out.tolist():
                score = float(np.float32(d[4]) * np.float32(d[5]))
                rows.append([h32(v) for v in d[:4]] + [h32(score), int(d[6])])
        cases.append({"input_size": size, "strides": strides, "classes": C, "conf": conf, "nms": nms,
                      "raw": [h32(v) for v in raw.ravel()], "decoded": [h32(v) for v in dec_np.ravel()],
                      "out": rows})
    return cases


# --------------------------------------------------------------------------------------
# GIoU
# --------------------------------------------------------------------------------------
def calculate_iou(box1, box2, use_giou=False, eps=1e-16):
    """code/src/cdc/yolo/tools.py::calculate_iou (the winner's metric)."""
    x1, y1, x2, y2 = box1
    x3, y3, x4, y4 = box2
    xi1 = max(x1, x3)
    yi1 = max(y1, y3)
    xi2 = min(x2, x4)
    yi2 = min(y2, y4)
    inter_area = max(xi2 - xi1, 0) * max(yi2 - yi1, 0)
    box1_area = (x2 - x1) * (y2 - y1)
    box2_area = (x4 - x3) * (y4 - y3)
    union_area = box1_area + box2_area - inter_area
    iou = inter_area / (union_area + eps)
    if use_giou:
        enclose_x1 = min(x1, x3)
        enclose_y1 = min(y1, y3)
        enclose_x2 = max(x2, x4)
        enclose_y2 = max(y2, y4)
        enclose_area = (enclose_x2 - enclose_x1) * (enclose_y2 - enclose_y1)
        giou = iou - (enclose_area - union_area) / (enclose_area + eps)
        return giou
    return iou


def gen_giou(rng, n):
    pairs = []
    for i in range(n):
        kind = i % 4
        if kind == 0:  # integer boxes as the metric sees them (numpy int64 from .values)
            def box():
                x, y = rng.integers(0, 400, 2)
                w, h = rng.integers(1, 200, 2)
                return np.array([x, y, x + w, y + h], dtype=np.int64)
            a = box()
            b = box() if rng.random() < 0.5 else a + rng.integers(-20, 21, 4)
        elif kind == 1:  # floats
            a = np.round(rng.uniform(0, 600, 4), 3)
            a = np.array([min(a[0], a[2]), min(a[1], a[3]), max(a[0], a[2]), max(a[1], a[3])])
            b = a + np.round(rng.normal(0, 30, 4), 3)
        elif kind == 2:  # degenerate, inverted, identical, touching
            c = rng.integers(0, 6)
            a = np.array([10.0, 10.0, 50.0, 60.0])
            b = [a.copy(), np.array([50.0, 10.0, 90.0, 60.0]), np.array([30.0, 30.0, 30.0, 30.0]),
                 np.array([60.0, 70.0, 20.0, 15.0]), np.array([0.0, 0.0, 0.0, 0.0]),
                 np.array([10.0, 60.0, 50.0, 100.0])][c]
            if rng.random() < 0.5:
                a, b = b, a
        else:  # the padding full-image box vs a detection
            W, H = SIZES[rng.integers(len(SIZES))]
            a = np.array([0, 0, W - 1, H - 1], dtype=np.int64)
            x, y = rng.integers(0, W - 30), rng.integers(0, H - 30)
            b = np.array([x, y, x + rng.integers(5, 150), y + rng.integers(5, 150)], dtype=np.int64)
            if rng.random() < 0.5:
                a, b = b, a
        if a.dtype == np.int64:
            a_s, b_s = [str(int(v)) for v in a], [str(int(v)) for v in b]
            pa, pb = list(a), list(b)  # numpy int64 scalars, as from DataFrame.values
        else:
            a_s, b_s = [r(v) for v in a], [r(v) for v in b]
            pa, pb = [float(v) for v in a], [float(v) for v in b]
        pairs.append([a_s, b_s, h64(calculate_iou(pa, pb)), h64(calculate_iou(pa, pb, use_giou=True))])
    return pairs


# --------------------------------------------------------------------------------------
# macro-F1
# --------------------------------------------------------------------------------------
CLASSES = ["PNN", "LY", "MO", "EO", "BA", "Er", "PM", "Thromb", "LAM3", "Lysee", "LyB",
           "LLC", "MBL", "LGL", "B", "M", "MM", "LF", "MoB", "LH_lyAct", "LM", "LZMG", "SS"]


def gen_f1(rng, n):
    cases = []
    for i in range(n):
        if i < 6:
            k = [1, 2, 7, 9, 130, 200][i]
            names = ["c%03d" % j for j in range(k)]
        else:
            names = list(CLASSES) + ["nan", "None", "lz", "Été"]
            names = [names[j] for j in rng.permutation(len(names))[: int(rng.integers(1, len(names) + 1))]]
        m = int(rng.integers(1, 250)) if i >= 6 else 250
        k_true = max(1, int(len(names) * rng.uniform(0.3, 1.0)))
        t = rng.integers(0, k_true, m)  # some labels only ever predicted
        acc = rng.uniform(0, 1)
        p = np.where(rng.random(m) < acc, t, rng.integers(0, len(names), m))
        yt = [names[j] for j in t]
        yp = [names[j] for j in p]
        pr, rc, f, sup = precision_recall_fscore_support(yt, yp, average=None, zero_division="warn")
        labels = sorted(set(yt) | set(yp))
        mp, mr, mf, _ = precision_recall_fscore_support(yt, yp, average="macro")
        cases.append({
            "names": names, "truth": [int(j) for j in t], "pred": [int(j) for j in p],
            "labels": labels,
            "support": [int(v) for v in sup],
            "precision": [h64(v) for v in pr], "recall": [h64(v) for v in rc], "f1": [h64(v) for v in f],
            "macro_precision": h64(mp), "macro_recall": h64(mr), "macro_f1": h64(mf),
            "f1_score_macro": h64(f1_score(yt, yp, average="macro")),
            "accuracy": h64(accuracy_score(yt, yp)),
        })
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/goldens/boxes")
    ap.add_argument("--wbf-cases", type=int, default=500)
    ap.add_argument("--dup-study", type=int, default=20000)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    def dump(name, obj):
        with open(os.path.join(args.out, name), "w") as fh:
            json.dump(obj, fh, separators=(",", ":"))
            fh.write("\n")

    wbf = gen_wbf(np.random.default_rng(20240601), args.wbf_cases)
    ties = gen_wbf_ties(np.random.default_rng(12), 40)
    dump("wbf.json", {"cases": wbf, "tie_cases": ties})
    study = dup_study(np.random.default_rng(7), args.dup_study)
    print("dup study:", study, file=sys.stderr)
    tstudy = tie_study(np.random.default_rng(8), args.dup_study)
    print("tie study:", tstudy, file=sys.stderr)
    dump("giou.json", {"pairs": gen_giou(np.random.default_rng(3), 600)})
    dump("f1.json", {"cases": gen_f1(np.random.default_rng(11), 70)})
    if torch is not None:
        torch.set_num_threads(1)
        dump("nms.json", {"cases": gen_nms(np.random.default_rng(5), 100)})
        dump("yolox.json", {"cases": gen_yolox(np.random.default_rng(9))})
    vers = {"python": platform.python_version()}
    for p in ["ensemble-boxes", "numpy", "scikit-learn", "torch", "torchvision"]:
        try:
            vers[p] = version(p)
        except Exception:
            vers[p] = None
    dump("versions.json", {"versions": vers, "dup_study": study, "fp16_tie_study": tstudy,
                           "wbf_cases": len(wbf)})
    for name in sorted(os.listdir(args.out)):
        print(name, os.path.getsize(os.path.join(args.out, name)), file=sys.stderr)


if __name__ == "__main__":
    main()
