#!/usr/bin/env python3
"""Generate numerical goldens for the Rust (tch) re-implementation of YOLOX (Megvii, yolox 0.3.0).

The Rust detector re-implements YOLOX with the official Megvii parameter names (YOLOX /
YOLOPAFPN / CSPDarknet / YOLOXHead state_dict), so that a checkpoint written by YOLOX loads as
is. These goldens prove the re-implementation computes the same function, in eval mode (raw and
decoded head outputs, intermediate feature maps) and in training mode (the losses and the SimOTA
label assignment). Every network gets deterministic weights from the same closed-form formula
as scripts/goldens/timm_nets.py (no RNG: the Rust test rebuilds them op for op with libtorch).

Environment: the YOLOX-reference venv (scripts/setup --yolox-ref, pinned in
scripts/requirements-yolox-ref.txt; yolox==0.3.0 installed --no-deps --no-build-isolation).
Run from the repository root:

    .cytologia-env/yoloxref/bin/python scripts/goldens/yolox_nets.py [OUT_DIR]

OUT_DIR defaults to tests/goldens/yolox. Takes about 30 s with one torch thread (the script
sets torch.set_num_threads(1) to stay light on a shared machine; x's fill dominates), plus ~10 s
of imports. A list of case names after OUT_DIR regenerates only those (development aid).

Models: built by yolox 0.3.0's own experiment classes, exactly as training does:
get_exp(exp_name="yolox-<preset>") (yolox/exp/default/yolox_<preset>.py, i.e. exps/default in
the source tree), exp.num_classes = C, exp.get_model(). get_model (yolox/exp/yolox_base.py:110;
yolox_nano.py overrides it) builds YOLOX(YOLOPAFPN(depth, width, in_channels=[256, 512, 1024],
act, depthwise), YOLOXHead(C, width, in_channels=[256, 512, 1024], act, depthwise)), sets every
BatchNorm2d to eps 1e-3 / momentum 0.03 (init_yolo) and calls head.initialize_biases(1e-2)
(irrelevant here: fill overwrites it). The presets, as yolox 0.3.0 defines them (every one
act="silu", in_channels [256, 512, 1024], strides [8, 16, 32]):

    preset  depth  width  depthwise               (nano is the only depthwise one: its
    nano    0.33   0.25   True                     get_model passes depthwise=True to both
    tiny    0.33   0.375  False                    YOLOPAFPN and YOLOXHead; the others use
    s       0.33   0.50   False                    Exp.get_model, depthwise=False)
    m       0.67   0.75   False
    l       1.00   1.00   False
    x       1.33   1.25   False

num_classes is 1 (the project's detector is single-class), plus nano with num_classes 3
(nano_c3.json) to catch class-axis bugs.

Weights (`fill` of formula_weights.py, shared with timm_nets.py). Entries are visited in state_dict order;
k counts the visited entries (num_batches_tracked is skipped and not counted):

    base = sin(arange(n, float64) * 0.1 + k * 0.7)          n = numel
    *running_var                 1 + 0.25 * (base + 1)
    *running_mean                0.1 * base
    1-D *weight (norm scales)    1 + 0.1 * base
    other 1-D (biases)           0.05 * base
    everything else              base / sqrt(numel // shape[0])
    then cast to the entry's dtype (float32) and reshaped row-major to its shape.

Input: x = (sin(arange(2*3*H*W, float64) * 0.01) * 100.0).reshape(2, 3, H, W), the product
taken in float64 and then cast to float32; H = 64, W = 96 (NOT square on purpose: a swapped
H/W, or a grid built (y, x) instead of (x, y), shows). YOLOX takes raw 0..255 pixel values (no
normalisation), hence the scale 100. Anchors: 8*12 + 4*6 + 2*3 = 126, level by level
(stride 8, 16, 32), row-major (y, x) within a level.

Outputs, one JSON per case, <case>.json (case = preset, or nano_c3):
    torch, yolox       library versions
    case, preset, exp, depth, width, depthwise, act, in_channels, strides, num_classes, bn_eps,
    bn_momentum
    keys               [[name, shape], ...] for every state_dict entry except
                       num_batches_tracked, in state_dict order (= the fill order)
  all but x (x: keys only; m and l are included, they take ~5 and ~10 s):
    input              {"shape": [2, 3, 64, 96], "formula": ...}
    raw                eval mode, head.decode_in_inference = False: [2][126][5 + C], full
                       (per anchor: reg x, y, w, h (raw), sigmoid(obj), sigmoid(cls)...)
    decoded            eval mode, decode_in_inference = True: [2][126][5 + C]
                       (cx = (x + grid_x) * stride, cy likewise, w = exp(w) * stride, ...)
    input_sensitivity  max |raw(x) - raw(zeros)|; max_abs_raw
    stages             [{name, alias, shape, mean, mean_abs, input_sensitivity, sample[16]}, ...]
                       recorded with forward hooks (register_forward_hook: the output of the
                       module's forward) on backbone.backbone.stem (Focus),
                       backbone.backbone.dark2 .. dark5 (the nn.Sequential stages of
                       CSPDarknet), and the three YOLOPAFPN outputs: pan_out2 = output of
                       backbone.C3_p3 (stride 8), pan_out1 = backbone.C3_n3 (stride 16),
                       pan_out0 = backbone.C3_n4 (stride 32). mean / mean_abs over the whole
                       output in float64; sample = values at the 16 row-major flat indices
                       round(j * (numel - 1) / 15), j = 0..15 (as timm_nets.py);
                       input_sensitivity = max |stage(x) - stage(zeros)|.
  nano, nano_c3 and s only:
    train              training-mode losses and SimOTA assignment, see below
  simota.json          the loss / SimOTA golden on chosen head outputs, see below

Why stages: as with the EfficientNets in timm_nets.py, these closed-form weights wash the input
out of the non-depthwise networks: for tiny and s only stem, dark2, dark3 still depend on the
input (> 1e-3), for m and l only stem and dark2, and their head outputs equal those of a zero
input to ~1e-7 (they check the layers' bias-driven response, not the input path). nano stays
input-dependent to the end (its obj / cls sigmoids saturate at 1.0 at many anchors, and its
stride-8 reg outputs reach -110, so decoded w / h there are ~1e-40: denormal but finite).

Training goldens (`train`): the model is refilled (fresh running stats), model.train() (BN uses
the batch statistics of the 2 images), head.iou_loss = IOUloss(reduction="none",
loss_type="giou") (the winning recipe's fork setting; 0.3.0's default is loss_type="iou"), and
outputs = model(x, labels) recorded twice: head.use_l1 = False and head.use_l1 = True (the
assignment is identical in both; asserted). labels: float32 [2, 120, 5], rows (class, cx, cy, w,
h) in input pixels, zero rows are padding (YOLOX counts an image's objects as the rows whose sum
is > 0 and takes the first that many rows); see LABELS_IMAGE0 below: image 0 has 3 boxes (large
central, medium, small in the top-right corner), image 1 has none (a background image: no
get_assignments call; its obj target is all zeros). For num_classes 3 the three boxes have
classes 2, 0, 1; for num_classes 1 all are class 0. The networks' predictions under these
weights are poor, so every dynamic_k is 1 here: simota.json covers dynamic_k > 1 and conflicts.

    losses       {total_loss, iou_loss, l1_loss, conf_loss, cls_loss, num_fg} per use_l1 setting,
                 as YOLOX.forward returns them. NOTE: `iou_loss` is already multiplied by 5.0,
                 and `num_fg` is num_fg / max(num_gts, 1) (a ratio, yolo_head.py:418), not a
                 count. l1_loss is the python float 0.0 when use_l1 is False.
    labels       per image, its non-padding label rows
    assignment   per image with boxes: {image, num_gt,
                   candidates           anchor indices with is_in_boxes_anchor (fg_mask before
                                        matching; see get_in_boxes_info below), ascending
                   in_box_and_center    per gt, the candidate anchors (global indices) that are
                                        in its box AND in its centre square
                   dynamic_ks, topk_iou_sum   per gt (topk_iou_sum before .int())
                   picked               per gt, the anchors its dynamic_k lowest costs pick
                                        (before conflict resolution), ascending
                   cost_gap_at_k        per gt, cost[k-th + 1] - cost[k-th] in its sorted costs
                                        (how robust the pick is; None if k = all candidates)
                   conflicts            anchors picked by > 1 gt: {anchor, claimed_by, winner
                                        (argmin of the anchor's cost column), cost per gt}
                   fg_anchors           final fg_mask indices, ascending
                   matched_gt_inds, gt_matched_classes, pred_ious_this_matching   one per fg
                                        anchor, in fg_anchors order
                   num_fg}
                 and {image, num_gt: 0, note} for an image without boxes. Recorded by wrapping
                 head.get_assignments / get_in_boxes_info / dynamic_k_matching on the instance
                 (the wrappers only read; the originals do the work).

simota.json: the training path of YOLOXHead on chosen head outputs (not a network's), so that
SimOTA is exercised where it branches: dynamic_k 2 and 3, anchors claimed by two gts, a box in
a corner, a background image, batch 3. One conflict is an exact tie (num_classes 1, anchor 104):
gts 0 and 1 are both 28x22 with the same y-range, and the anchor's predicted box lies inside
both x-ranges, so the two IoUs, and the two costs, are bit-equal; torch.min over dim 0 returns
the first minimal index, so gt 0 wins.
See the comment block above SYN_BOXES for how the head is fed, and the formula of the
outputs (also stored in full as `raw`). Per case (num_classes 1 and 3): labels, losses (use_l1
false / true), assignment (as above), raw [3][126][5 + C].

What yolox 0.3.0 does in training (read from the installed yolox/models/yolo_head.py, line
numbers of 0.3.0; NOTE: newer YOLOX main (after 0.3.0) replaced get_in_boxes_info by
get_geometry_constraint with center radius 1.5 and changed the cost; 0.3.0 is the OLD one):

  * forward (training, :164-185): per level, output = cat([reg, obj, cls], channel) (logits,
    no sigmoid); get_output_and_grid (:216-234): grid from meshgrid(arange(h), arange(w),
    indexing="ij") -> (yv, xv), stacked as (xv, yv) -> [1, h*w, 2] row-major; xy = (reg_xy +
    grid) * stride, wh = exp(reg_wh) * stride (decoded in place, so bbox_preds are decoded
    boxes); x_shifts/y_shifts = grid x / y, expanded_strides = stride per anchor. With use_l1,
    origin_preds keeps the raw reg outputs (cloned before the decode).
  * candidates, get_in_boxes_info (:526-609): anchor centre = (shift + 0.5) * stride. in_box:
    all four of centre - l, r - centre, centre - t, b - centre > 0 (strict) for the gt box;
    in_center: the same against the square gt_centre +- 2.5 * stride (center_radius = 2.5).
    Candidate anchors (fg_mask before matching) = in_box OR in_center for ANY gt;
    is_in_boxes_and_center [num_gt, num_candidates] = in_box AND in_center of that gt.
  * cost (:475-502), over candidates only: pair_wise_ious = bboxes_iou(gt, pred, xyxy=False)
    (cxcywh; intersection only where tl < br on both axes; iou = inter / (area_a + area_b -
    inter), no eps); iou cost = -log(iou + 1e-8); cls cost = F.binary_cross_entropy(
    sqrt(sigmoid(cls) * sigmoid(obj)), one_hot(gt_class)).sum(-1) in fp32 (BCE's log is
    clamped at -100); cost = cls_cost + 3.0 * iou_cost + 100000.0 * (~is_in_boxes_and_center).
  * dynamic_k_matching (:611-645): n_candidate_k = min(10, num_candidates); dynamic_k per gt =
    clamp(topk(ious, n_candidate_k).sum().int(), min=1) (.int() truncates toward zero); each
    gt takes the dynamic_k candidates of LOWEST cost (torch.topk(largest=False); exact ties
    follow torch.topk's order). An anchor picked by > 1 gt is given to the gt with the minimal
    cost over ALL gts (torch.min over dim 0 of cost[:, anchor]: first index on a tie; that gt
    need not be one of those that picked it). matched_gt_inds = argmax over gts of the matching
    column; gt_matched_classes = gt_classes[matched_gt_inds]; pred_ious_this_matching = iou of
    the anchor with its matched gt; fg_mask is updated in place to the matched anchors.
  * targets and losses (get_losses, :253-419): cls_target = F.one_hot(gt_matched_classes,
    C) * pred_ious_this_matching[:, None] (:362-364); obj_target = fg_mask (all anchors);
    reg_target = gt box (cxcywh) of the matched gt; l1_target = (gt_cx / stride - x_shift,
    gt_cy / stride - y_shift, log(gt_w / stride + 1e-8), log(gt_h / stride + 1e-8)).
    num_fg = max(total fg over the batch, 1) (:390);
    loss_iou = iou_loss(bbox_preds[fg], reg_targets).sum() / num_fg;
    loss_obj = BCEWithLogits(obj_preds of ALL anchors of all images, obj_targets).sum() / num_fg;
    loss_cls = BCEWithLogits(cls_preds[fg], cls_targets).sum() / num_fg;
    loss_l1 = L1(origin_preds[fg], l1_targets).sum() / num_fg (else 0.0);
    total = 5.0 * loss_iou + loss_obj + loss_cls + loss_l1 (reg_weight = 5.0, :409-410).
  * IOUloss giou (yolox/models/losses.py): iou = inter / (area_p + area_g - inter + 1e-16)
    (inter 0 unless tl < br on both axes); enclosing box c; giou = iou - (area_c - area_u) /
    area_c.clamp(1e-16); loss = 1 - giou.clamp(-1, 1).

Architecture facts worth knowing when porting (yolox/models/network_blocks.py, darknet.py,
yolo_pafpn.py, yolo_head.py):
  * Focus (stem) concatenates the 2x2 sub-grids in the order top_left (::2, ::2), bot_left
    (1::2, ::2), top_right (::2, 1::2), bot_right (1::2, 1::2): NOT tl, tr, bl, br. Then
    BaseConv(12, base, ksize 3, stride 1).
  * BaseConv = Conv2d(bias=False, padding (k-1)//2) -> BatchNorm2d -> SiLU; DWConv = dconv
    (BaseConv groups=in, ksize k, stride s) then pconv (BaseConv 1x1).
  * SPPBottleneck (dark5) max-pools with kernels 5, 9, 13 (stride 1, padding k//2), concatenated
    [x, pool5, pool9, pool13]. nn.Upsample(scale_factor=2, mode="nearest") in the PAFPN.
  * CSPLayer: cat([m(conv1(x)), conv2(x)]) -> conv3 (m branch FIRST); Bottleneck adds the
    shortcut only if shortcut and in == out (the PAFPN CSPs and dark5's CSP have
    shortcut=False). Depths: CSPDarknet base_depth = max(round(3 * depth), 1), dark3/dark4 use
    3 * base_depth; PAFPN CSPs use round(3 * depth) (python round).
  * YOLOXHead registers its ModuleLists as cls_convs, reg_convs, cls_preds, reg_preds,
    obj_preds, stems, so in the state_dict the stems come LAST though they run first.
    Eval output per level = cat([reg, sigmoid(obj), sigmoid(cls)]); obj_preds reads reg_feat.
"""
import json
import math
import os
import sys
import time

import warnings

import torch
import yolox
from yolox.exp import get_exp
from yolox.models import IOUloss, YOLOXHead

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from formula_weights import fill  # noqa: E402  (the shared formula)

H, W = 64, 96
STRIDES = [8, 16, 32]
N_ANCHORS = sum((H // s) * (W // s) for s in STRIDES)  # 126

# (case, preset, num_classes, eval outputs, train goldens)
CASES = [
    ("nano", "nano", 1, True, True),
    ("nano_c3", "nano", 3, True, True),
    ("tiny", "tiny", 1, True, False),
    ("s", "s", 1, True, True),
    ("m", "m", 1, True, False),
    ("l", "l", 1, True, False),
    ("x", "x", 1, False, False),
]

# Image 0's boxes (cx, cy, w, h in input pixels, image 64 high x 96 wide): a large central box,
# a medium box right of centre, and a small box at the top-right corner (x 85.5..94.5,
# y 2..10: its centre-radius square runs past the image edge). Chosen among a few candidates so
# that every gt's cost gap at its dynamic_k boundary is large (>= 0.7 for nano, nano_c3 and s),
# i.e. the assignment does not hinge on float noise.
LABELS_IMAGE0 = [
    (40.0, 30.0, 48.0, 36.0),
    (66.0, 46.0, 18.0, 26.0),
    (90.0, 6.0, 9.0, 8.0),
]
CLASSES_C3 = [2.0, 0.0, 1.0]  # classes of those boxes when num_classes = 3 (0 for 1 class)
MAX_LABELS = 120


INPUT_FORMULA = "(sin(arange(2*3*64*96, float64) * 0.01) * 100.0).reshape(2, 3, 64, 96).to(float32)"


def make_input():
    # float64 arange/sin/scale, then cast, so the Rust side gets bit-identical inputs.
    return (torch.sin(torch.arange(2 * 3 * H * W, dtype=torch.float64) * 0.01) * 100.0).reshape(2, 3, H, W).to(torch.float32)


def make_labels(num_classes):
    labels = torch.zeros(2, MAX_LABELS, 5, dtype=torch.float32)
    for i, box in enumerate(LABELS_IMAGE0):
        cls = CLASSES_C3[i] if num_classes == 3 else 0.0
        labels[0, i] = torch.tensor((cls,) + box)
    return labels  # image 1: all zeros (background image)


def key_list(model):
    return [[name, list(t.shape)] for name, t in model.state_dict().items() if not name.endswith('num_batches_tracked')]


def f32(v):
    # float() of a float32 value is exact; json writes the shortest repr that round-trips the
    # double, i.e. exactly the float32 value.
    return float(v)


def nested(t):
    return [[[f32(v) for v in row] for row in img] for img in t.detach().to(torch.float32).cpu()]


def build(preset, num_classes):
    exp = get_exp(exp_name=f"yolox-{preset}")
    exp.num_classes = num_classes
    model = exp.get_model()
    return exp, model


STAGES = [
    ("backbone.backbone.stem", "stem"),
    ("backbone.backbone.dark2", "dark2"),
    ("backbone.backbone.dark3", "dark3"),
    ("backbone.backbone.dark4", "dark4"),
    ("backbone.backbone.dark5", "dark5"),
    ("backbone.C3_p3", "pan_out2"),
    ("backbone.C3_n3", "pan_out1"),
    ("backbone.C3_n4", "pan_out0"),
]
SAMPLES = 16


def stage_outputs(model, x):
    """Run the model (eval) with forward hooks; per recorded module: shape, float64 mean and mean
    |v| of the whole output (batch included), the values at SAMPLES evenly spread flat (row-major)
    indices round(j * (numel - 1) / (SAMPLES - 1)), j = 0..SAMPLES-1, and input_sensitivity =
    max |out(x) - out(zeros)| (a second hooked run on a zero input). The statistics are taken
    inside the hook, before any later in-place op could touch the tensor."""
    modules = dict(model.named_modules())

    def run(inp):
        rows, hooks = [], []
        for name, alias in STAGES:
            def hook(_mod, _inp, out, name=name, alias=alias):
                rows.append((name, alias, out.detach().clone()))
            hooks.append(modules[name].register_forward_hook(hook))
        try:
            with torch.no_grad():
                model(inp)
        finally:
            for h in hooks:
                h.remove()
        assert [r[0] for r in rows] == [n for n, _ in STAGES], "stage hooks fired out of order"
        return rows

    model.eval()
    result = []
    for (name, alias, out), (_, _, out0) in zip(run(x), run(torch.zeros_like(x))):
        flat = out.reshape(-1)
        idx = [round(j * (flat.numel() - 1) / (SAMPLES - 1)) for j in range(SAMPLES)]
        result.append({"name": name, "alias": alias, "shape": list(out.shape), "mean": float(flat.double().mean()),
                       "mean_abs": float(flat.double().abs().mean()), "input_sensitivity": float((out - out0).abs().max()),
                       "sample": [f32(flat[i]) for i in idx]})
    return result


def eval_outputs(model, x):
    model.eval()
    head = model.head
    with torch.no_grad():
        head.decode_in_inference = False
        raw = model(x).clone()
        zero = model(torch.zeros_like(x)).clone()
        head.decode_in_inference = True
        decoded = model(x).clone()
    return raw, decoded, float((raw - zero).abs().max())


LOSS_NAMES = ["total_loss", "iou_loss", "l1_loss", "conf_loss", "cls_loss", "num_fg"]


def record_training(head, forward):
    """Run forward() (a training-mode pass ending in head.get_losses) with head.use_l1 False and
    then True, recording the losses and, per image with boxes, the SimOTA assignment. The
    instance's get_in_boxes_info / dynamic_k_matching / get_assignments are wrapped (instance
    attributes shadow the methods; yolo_head.py calls them through self) and restored after."""
    records, current = [], {}
    orig_assign, orig_in_boxes, orig_dynk = head.get_assignments, head.get_in_boxes_info, head.dynamic_k_matching

    def in_boxes(*args, **kwargs):
        fg_mask, in_both = orig_in_boxes(*args, **kwargs)
        current["candidates"] = [int(i) for i in fg_mask.nonzero().reshape(-1)]
        current["in_box_and_center"] = [[current["candidates"][int(i)] for i in row.nonzero().reshape(-1)] for row in in_both]
        return fg_mask, in_both

    def dynk(cost, pair_wise_ious, gt_classes, num_gt, fg_mask):
        cand = current["candidates"]
        n = min(10, pair_wise_ious.size(1))
        ks = torch.clamp(torch.topk(pair_wise_ious, n, dim=1)[0].sum(1).int(), min=1).tolist()
        current["dynamic_ks"] = ks
        current["topk_iou_sum"] = [f32(v) for v in torch.topk(pair_wise_ious, n, dim=1)[0].sum(1)]
        # Per gt, the anchors it picks (dynamic_k lowest costs) and the cost gap between its k-th
        # and (k+1)-th lowest cost: a small gap would make the golden fragile (float32 costs
        # reach 1e5, where the spacing is 0.0078).
        picks, gaps, claims = [], [], {}
        for g, k in enumerate(ks):
            c, order = torch.sort(cost[g])
            picks.append(sorted(cand[int(j)] for j in order[:k]))
            gaps.append(f32(c[k] - c[k - 1]) if k < c.numel() else None)
            for j in order[:k]:
                claims.setdefault(cand[int(j)], []).append(g)
        current["picked"] = picks
        current["cost_gap_at_k"] = gaps
        conflicts = []
        for a, gs in sorted(claims.items()):
            if len(gs) > 1:
                col = cost[:, cand.index(a)]
                conflicts.append({"anchor": a, "claimed_by": gs, "winner": int(torch.argmin(col)),
                                  "cost": [f32(v) for v in col]})
        current["conflicts"] = conflicts
        return orig_dynk(cost, pair_wise_ious, gt_classes, num_gt, fg_mask)

    def assign(batch_idx, num_gt, *args, **kwargs):
        current.clear()
        gt_matched_classes, fg_mask, pious, matched_gt_inds, num_fg = orig_assign(batch_idx, num_gt, *args, **kwargs)
        rec = {"image": int(batch_idx), "num_gt": int(num_gt)}
        rec.update(current)
        rec["fg_anchors"] = [int(i) for i in fg_mask.nonzero().reshape(-1)]
        rec["matched_gt_inds"] = [int(v) for v in matched_gt_inds]
        rec["gt_matched_classes"] = [int(v) for v in gt_matched_classes]
        rec["pred_ious_this_matching"] = [f32(v) for v in pious]
        rec["num_fg"] = int(num_fg)
        records.append(rec)
        return gt_matched_classes, fg_mask, pious, matched_gt_inds, num_fg

    head.get_assignments, head.get_in_boxes_info, head.dynamic_k_matching = assign, in_boxes, dynk
    losses, assignments = {}, None
    try:
        for use_l1 in (False, True):
            head.use_l1 = use_l1
            records.clear()
            with torch.no_grad():
                out = forward()
            if not isinstance(out, dict):
                out = dict(zip(["total_loss", "iou_loss", "conf_loss", "cls_loss", "l1_loss", "num_fg"], out))
            losses[f"use_l1_{str(use_l1).lower()}"] = {k: float(out[k]) for k in LOSS_NAMES}
            if assignments is None:
                assignments = [dict(r) for r in records]
            else:
                assert assignments == records, "assignment differs between use_l1 settings"
    finally:
        del head.get_assignments, head.get_in_boxes_info, head.dynamic_k_matching
        head.use_l1 = False
    return losses, assignments


def with_background_notes(assignments, labels):
    nlabel = (labels.sum(dim=2) > 0).sum(dim=1).tolist()
    seen = {r["image"] for r in assignments}
    assert seen == {i for i, n in enumerate(nlabel) if n > 0}
    out = []
    for i, n in enumerate(nlabel):
        out += [r for r in assignments if r["image"] == i] or [
            {"image": i, "num_gt": 0, "note": "no boxes: get_assignments not called; obj target all 0"}]
    return out


def label_rows(labels):
    nlabel = (labels.sum(dim=2) > 0).sum(dim=1).tolist()
    return [labels[i, :n].tolist() for i, n in enumerate(nlabel)]


def train_goldens(model, x, num_classes):
    """Training-mode losses (use_l1 False, then True) and the SimOTA assignment of the network."""
    fill(model)  # fresh weights and running stats (the eval passes do not change them; be explicit)
    model.train()
    model.head.iou_loss = IOUloss(reduction="none", loss_type="giou")
    labels = make_labels(num_classes)
    losses, assignments = record_training(model.head, lambda: model(x, labels))
    return {
        "iou_loss_type": "giou",
        "labels_shape": list(labels.shape),
        "labels": label_rows(labels),
        "losses": losses,
        "assignment": with_background_notes(assignments, labels),
    }


# ---------------------------------------------------------------------------------------------
# SimOTA / loss golden on synthetic head outputs (simota.json).
#
# The networks' own predictions under the closed-form weights make a weak SimOTA test (every
# dynamic_k is 1, no anchor is claimed twice). So the head's training path is also run on chosen
# head outputs: a YOLOXHead whose stems / cls_convs / reg_convs are nn.Identity and whose
# reg_preds / obj_preds / cls_preds are channel slices, fed per-level tensors
# [B, 5 + C, h, w] = (reg x, y, w, h, obj logit, cls logits) as `xin`. Everything after the 1x1
# prediction convs is then yolox 0.3.0's own code: get_output_and_grid, l1 origin_preds,
# get_losses, get_assignments, get_in_boxes_info, dynamic_k_matching, IOUloss(giou).
#
# Synthetic raw outputs, in anchor order [B, 126, 5 + C] (level by level, row-major (y, x) within
# a level); all in float64, cast to float32 at the end:
#     s = sin(arange(B * 126 * (5 + C), float64) * 0.37 + 0.5).reshape(B, 126, 5 + C)
#     reg x, y   = 0.5 + 0.45 * s[..., 0:2]         (predicted centre within 0.45 cells of the cell centre)
#     reg w, h   = log(1.5) + 0.7 * s[..., 2:4]     (size exp(.) * stride: 0.74 .. 3.0 strides)
#     obj        = 1.5 * s[..., 4]
#     cls        = 1.5 * s[..., 5:]
# and the level-k tensor is raw[:, level_k_anchors, :].permute(0, 2, 1).reshape(B, 5 + C, h, w).
# The raw tensor is stored in the JSON too (`raw`, the same float32 values).
# ---------------------------------------------------------------------------------------------
SYN_B = 3
# Boxes (cx, cy, w, h), per image; image 1 is a background image.
SYN_BOXES = [
    [(30.0, 26.0, 28.0, 22.0),   # two heavily overlapping boxes: anchors claimed by both
     (34.0, 26.0, 28.0, 22.0),
     (74.0, 38.0, 36.0, 40.0),   # a large box
     (91.0, 5.0, 9.0, 8.0)],     # a small box in the top-right corner
    [],
    [(12.0, 50.0, 22.0, 26.0)],  # one box near the left / bottom edges
]
SYN_CLASSES_C3 = [[1.0, 2.0, 0.0, 2.0], [], [1.0]]
SYN_FORMULA = ("s = sin(arange(B*126*(5+C), float64)*0.37 + 0.5).reshape(B, 126, 5+C); "
               "reg_xy = 0.5 + 0.45*s[..., 0:2]; reg_wh = log(1.5) + 0.7*s[..., 2:4]; obj = 1.5*s[..., 4]; "
               "cls = 1.5*s[..., 5:]; cast to float32")


class Slice(torch.nn.Module):
    def __init__(self, lo, hi):
        super().__init__()
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return x[:, self.lo:self.hi]


def synthetic_raw(num_classes):
    ch = 5 + num_classes
    s = torch.sin(torch.arange(SYN_B * N_ANCHORS * ch, dtype=torch.float64) * 0.37 + 0.5).reshape(SYN_B, N_ANCHORS, ch)
    raw = torch.empty_like(s)
    raw[..., 0:2] = 0.5 + 0.45 * s[..., 0:2]
    raw[..., 2:4] = math.log(1.5) + 0.7 * s[..., 2:4]
    raw[..., 4] = 1.5 * s[..., 4]
    raw[..., 5:] = 1.5 * s[..., 5:]
    return raw.to(torch.float32)


def synthetic_case(num_classes):
    head = YOLOXHead(num_classes, width=0.25)  # widths are irrelevant: every conv is replaced
    for k in range(len(STRIDES)):
        head.stems[k] = torch.nn.Identity()
        head.cls_convs[k] = torch.nn.Identity()
        head.reg_convs[k] = torch.nn.Identity()
        head.reg_preds[k] = Slice(0, 4)
        head.obj_preds[k] = Slice(4, 5)
        head.cls_preds[k] = Slice(5, 5 + num_classes)
    head.iou_loss = IOUloss(reduction="none", loss_type="giou")
    head.train()
    raw = synthetic_raw(num_classes)
    xin, start = [], 0
    for stride in STRIDES:
        h, w = H // stride, W // stride
        xin.append(raw[:, start:start + h * w, :].permute(0, 2, 1).reshape(SYN_B, 5 + num_classes, h, w).contiguous())
        start += h * w
    labels = torch.zeros(SYN_B, MAX_LABELS, 5, dtype=torch.float32)
    for i, boxes in enumerate(SYN_BOXES):
        for j, box in enumerate(boxes):
            cls = SYN_CLASSES_C3[i][j] if num_classes == 3 else 0.0
            labels[i, j] = torch.tensor((cls,) + box)
    losses, assignments = record_training(head, lambda: head([t.clone() for t in xin], labels, None))
    # Sanity for the golden's purpose: it must exercise dynamic_k > 1, conflicts, and have no
    # near-tie at any gt's dynamic_k boundary.
    ks = [k for r in assignments for k in r["dynamic_ks"]]
    gaps = [g for r in assignments for g in r["cost_gap_at_k"] if g is not None]
    n_conf = sum(len(r["conflicts"]) for r in assignments)
    print(f"simota C={num_classes}: dynamic_ks {[r['dynamic_ks'] for r in assignments]}, conflicts {n_conf}, "
          f"min cost gap at k {min(gaps):.4g}, fg {[r['num_fg'] for r in assignments]}", flush=True)
    for k, v in losses.items():
        print(f"  {k}: " + ", ".join(f"{n} {v[n]:.6g}" for n in v), flush=True)
    sums = [v for r in assignments for v in r["topk_iou_sum"]]
    assert max(ks) > 1 and n_conf > 0 and min(gaps) > 1e-2, "synthetic SimOTA case lost its purpose"
    assert all(abs(v - round(v)) > 1e-3 for v in sums), "a top-k IoU sum sits on an integer (fragile dynamic_k)"
    return {
        "num_classes": num_classes,
        "batch": SYN_B,
        "labels": label_rows(labels),
        "labels_shape": list(labels.shape),
        "losses": losses,
        "assignment": with_background_notes(assignments, labels),
        "raw": [[[f32(v) for v in row] for row in img] for img in raw],
    }


def simota_golden(out_dir):
    t0 = time.time()
    doc = {
        "torch": torch.__version__, "yolox": yolox.__version__,
        "image_hw": [H, W], "strides": STRIDES, "anchors": N_ANCHORS, "iou_loss_type": "giou",
        "raw_formula": SYN_FORMULA,
        "raw_layout": "[B][126][5+C]: reg x, y, w, h (undecoded), obj logit, cls logits; anchors level by level, row-major (y, x)",
        "cases": [synthetic_case(1), synthetic_case(3)],
    }
    path = os.path.join(out_dir, "simota.json")
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in doc.items() if k != "cases"))
        cases = []
        for c in doc["cases"]:
            inner = ",\n    ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in c.items() if k not in ("assignment", "raw"))
            asg = ",\n      ".join(json.dumps(r) for r in c["assignment"])
            raw = ",\n      ".join(json.dumps(img) for img in c["raw"])
            cases.append(f"  {{\n    {inner},\n    \"assignment\": [\n      {asg}\n    ],\n    \"raw\": [\n      {raw}\n    ]\n  }}")
        f.write(',\n"cases": [\n' + ",\n".join(cases) + "\n]\n}\n")
    print(f"  simota.json {os.path.getsize(path) / 1024:.0f} KB, {time.time() - t0:.1f} s", flush=True)


def write_json(path, doc):
    # One top-level key per line; one state_dict entry / stage / anchor row per line.
    lines = []
    for key, value in doc.items():
        if key in ("keys", "stages"):
            inner = ",\n  ".join(json.dumps(e) for e in value)
            lines.append(f'"{key}": [\n  {inner}\n]')
        elif key in ("raw", "decoded"):
            imgs = ",\n  ".join("[\n   " + ",\n   ".join(json.dumps(r) for r in img) + "\n  ]" for img in value)
            lines.append(f'"{key}": [\n  {imgs}\n]')
        elif key == "train":
            inner = ",\n  ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in value.items() if k != "assignment")
            asg = ",\n    ".join(json.dumps(r) for r in value["assignment"])
            lines.append(f'"train": {{\n  {inner},\n  "assignment": [\n    {asg}\n  ]\n}}')
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value)}")
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def golden(case, preset, num_classes, with_outputs, with_train, out_dir):
    t0 = time.time()
    exp, model = build(preset, num_classes)
    fill(model)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert all(m.eps == 1e-3 and m.momentum == 0.03 for m in bns)
    depthwise = any(type(m).__name__ == "DWConv" for m in model.modules())
    doc = {
        "torch": torch.__version__, "yolox": yolox.__version__,
        "case": case, "preset": preset, "exp": f"yolox-{preset}",
        "depth": exp.depth, "width": exp.width, "depthwise": depthwise, "act": exp.act,
        "in_channels": [256, 512, 1024], "strides": list(model.head.strides),
        "num_classes": num_classes, "bn_eps": 1e-3, "bn_momentum": 0.03,
    }
    ok = True
    if with_outputs:
        x = make_input()
        raw, decoded, sens = eval_outputs(model, x)
        assert tuple(raw.shape) == (2, N_ANCHORS, 5 + num_classes), raw.shape
        ok = bool(torch.isfinite(raw).all() and torch.isfinite(decoded).all())
        doc["input"] = {"shape": [2, 3, H, W], "formula": INPUT_FORMULA}
        doc["input_sensitivity"] = sens
        doc["max_abs_raw"] = float(raw.abs().max())
        doc["raw"] = nested(raw)
        doc["decoded"] = nested(decoded)
        doc["stages"] = stage_outputs(model, x)
        live = [s["alias"] for s in doc["stages"] if s["input_sensitivity"] > 1e-3]
        print(f"{case:8s} max|raw| = {doc['max_abs_raw']:.6g}  input sensitivity {sens:.3g}"
              f"{'  (head output ~input-independent: rely on stages)' if sens < 1e-3 else ''}  "
              f"{'ok' if ok else 'NON-FINITE'}; input-dependent stages: {live}", flush=True)
        if with_train:
            doc["train"] = train_goldens(model, x, num_classes)
            for k, v in doc["train"]["losses"].items():
                print(f"  train {k}: " + ", ".join(f"{n} {v[n]:.6g}" for n in v), flush=True)
            a = doc["train"]["assignment"][0]
            assert min(g for g in a["cost_gap_at_k"] if g is not None) > 0.1, "near-tie in the network's SimOTA costs"
            assert all(abs(v - round(v)) > 1e-3 for v in a["topk_iou_sum"]), "a top-k IoU sum sits on an integer"
            print(f"  SimOTA image 0: {len(a['candidates'])} candidates, dynamic_ks {a['dynamic_ks']}, "
                  f"fg {a['fg_anchors']} -> gt {a['matched_gt_inds']}, min cost gap {min(g for g in a['cost_gap_at_k'] if g is not None):.4g}", flush=True)
    doc["keys"] = key_list(model)
    path = os.path.join(out_dir, f"{case}.json")
    write_json(path, doc)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"  {len(doc['keys'])} keys, {n_params / 1e6:.2f} M params, {os.path.getsize(path) / 1024:.0f} KB, "
          f"{time.time() - t0:.1f} s", flush=True)
    return ok


def main():
    # yolo_head.py:488 uses torch.cuda.amp.autocast(enabled=False), deprecated in torch 2.x: noise.
    warnings.filterwarnings("ignore", message=r".*torch\.cuda\.amp\.autocast", category=FutureWarning)
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/goldens/yolox"
    only = sys.argv[2:]  # optional case names (for development); default: all
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    t0 = time.time()
    print(f"yolox {yolox.__version__}, torch {torch.__version__}", flush=True)
    if not only or "simota" in only:
        simota_golden(out_dir)
    bad = [c[0] for c in CASES if (not only or c[0] in only) and not golden(*c, out_dir)]
    print(f"total {time.time() - t0:.1f} s", flush=True)
    if bad:
        raise SystemExit(f"non-finite outputs: {bad}")


if __name__ == "__main__":
    main()
