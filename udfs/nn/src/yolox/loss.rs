//! YOLOX's training loss (`YOLOXHead.get_losses`, yolox 0.3.0) with the winning recipe's fork setting
//! (docs/pipeline.md §4.1): SimOTA label assignment, then
//! `5·Σ(1 − GIoU) + Σ BCE(obj) + Σ BCE(cls, IoU-aware) [+ Σ L1 in the no-augmentation epochs]`,
//! each divided by the number of foreground anchors. Ported op for op so that libtorch breaks
//! ties (topk, argmin) as PyTorch does; checked against yolox itself in the goldens.
use tch::{Kind, Reduction, Tensor};

use super::head::{Level, grid};

/// Per-term losses of one batch; `total` carries the gradient.
pub struct Losses {
    pub total: Tensor,
    /// Already multiplied by the regression weight 5, as YOLOX reports it.
    pub iou: f64,
    pub obj: f64,
    pub cls: f64,
    pub l1: f64,
    pub num_fg: f64,
}

const REG_WEIGHT: f64 = 5.0;
/// `get_in_boxes_info` (yolox 0.3.0): an anchor is a candidate when its cell centre lies inside
/// a box or within 2.5 strides of a box's centre; the cost penalises pairs that are not both.
const CENTER_RADIUS: f64 = 2.5;
const CANDIDATE_K: i64 = 10;

/// What SimOTA assigned in one image.
pub struct Assignment {
    /// Foreground anchors (indices into all anchors), ascending.
    pub fg: Tensor,
    /// For each foreground anchor, its box (index into the image's boxes) ...
    pub matched_gt: Tensor,
    /// ... and the IoU of its prediction with that box.
    pub ious: Tensor,
}

/// IoU matrix `[boxes, preds]` of cx,cy,w,h boxes (`bboxes_iou(xyxy=False)`).
fn pairwise_iou(a: &Tensor, b: &Tensor) -> Tensor {
    let (a_c, a_s) = (a.narrow(1, 0, 2).unsqueeze(1), a.narrow(1, 2, 2).unsqueeze(1));
    let (b_c, b_s) = (b.narrow(1, 0, 2), b.narrow(1, 2, 2));
    let tl = (&a_c - &a_s / 2.0).maximum(&(&b_c - &b_s / 2.0));
    let br = (&a_c + &a_s / 2.0).minimum(&(&b_c + &b_s / 2.0));
    let area_a = a.narrow(1, 2, 2).prod_dim_int(1, false, Kind::Float);
    let area_b = b.narrow(1, 2, 2).prod_dim_int(1, false, Kind::Float);
    let en = tl.lt_tensor(&br).to_kind(Kind::Float).prod_dim_int(2, false, Kind::Float);
    let inter = (&br - &tl).prod_dim_int(2, false, Kind::Float) * en;
    &inter / (area_a.unsqueeze(1) + area_b - &inter)
}

/// `1 − clamp(GIoU, −1, 1)` per row of two `[n, 4]` cx,cy,w,h tensors (`IOUloss("giou")`).
pub fn giou_loss(pred: &Tensor, target: &Tensor) -> Tensor {
    let (pc, ps) = (pred.narrow(1, 0, 2), pred.narrow(1, 2, 2));
    let (tc, ts) = (target.narrow(1, 0, 2), target.narrow(1, 2, 2));
    let (p_tl, p_br) = (&pc - &ps / 2.0, &pc + &ps / 2.0);
    let (t_tl, t_br) = (&tc - &ts / 2.0, &tc + &ts / 2.0);
    let tl = p_tl.maximum(&t_tl);
    let br = p_br.minimum(&t_br);
    let area_p = ps.prod_dim_int(1, false, Kind::Float);
    let area_g = ts.prod_dim_int(1, false, Kind::Float);
    let en = tl.lt_tensor(&br).to_kind(Kind::Float).prod_dim_int(1, false, Kind::Float);
    let area_i = (&br - &tl).prod_dim_int(1, false, Kind::Float) * en;
    let area_u = &area_p + &area_g - &area_i;
    let iou = &area_i / (&area_u + 1e-16);
    let c_tl = p_tl.minimum(&t_tl);
    let c_br = p_br.maximum(&t_br);
    let area_c = (c_br - c_tl).prod_dim_int(1, false, Kind::Float);
    let giou = iou - (&area_c - &area_u) / area_c.clamp_min(1e-16);
    giou.clamp(-1.0, 1.0).neg() + 1.0
}

/// SimOTA for one image. `boxes` `[n, 4]` cx,cy,w,h and `classes` `[n]` (int64) of the
/// truth; `pred_boxes` `[A, 4]` decoded, `obj` `[A, 1]` and `cls` `[A, C]` logits; `grid`
/// `[A, 3]` (x, y, stride). Runs without gradients.
pub fn simota(boxes: &Tensor, classes: &Tensor, pred_boxes: &Tensor, obj: &Tensor, cls: &Tensor, grid: &Tensor) -> Assignment {
    tch::no_grad(|| {
        let n = boxes.size()[0];
        let c = cls.size()[1];
        let stride = grid.select(1, 2);
        let xc = (grid.select(1, 0) * &stride + &stride * 0.5).unsqueeze(0);
        let yc = (grid.select(1, 1) * &stride + &stride * 0.5).unsqueeze(0);
        let (bx, by) = (boxes.narrow(1, 0, 1), boxes.narrow(1, 1, 1));
        let (bw, bh) = (boxes.narrow(1, 2, 1), boxes.narrow(1, 3, 1));
        let inside = |l: Tensor, t: Tensor, r: Tensor, b: Tensor| Tensor::stack(&[&xc - l, &yc - t, r - &xc, b - &yc], 2).amin(&[-1i64][..], false).gt(0.0);
        let in_boxes = inside(&bx - &bw * 0.5, &by - &bh * 0.5, &bx + &bw * 0.5, &by + &bh * 0.5);
        let dist = stride.unsqueeze(0) * CENTER_RADIUS;
        let in_centers = inside(&bx - &dist, &by - &dist, &bx + &dist, &by + &dist);
        let any = |t: &Tensor| t.sum_dim_intlist(&[0i64][..], false, Kind::Int64).gt(0);
        let candidates = any(&in_boxes).logical_or(&any(&in_centers));
        let cand_idx = candidates.nonzero().squeeze_dim(1);
        let geometry = in_boxes.index_select(1, &cand_idx).logical_and(&in_centers.index_select(1, &cand_idx));
        let m = cand_idx.size()[0];
        let empty = || Assignment {
            fg: Tensor::zeros([0], (Kind::Int64, boxes.device())),
            matched_gt: Tensor::zeros([0], (Kind::Int64, boxes.device())),
            ious: Tensor::zeros([0], (Kind::Float, boxes.device())),
        };
        if m == 0 {
            return empty();
        }
        let preds = pred_boxes.index_select(0, &cand_idx).to_kind(Kind::Float);
        let ious = pairwise_iou(&boxes.to_kind(Kind::Float), &preds);
        let iou_cost = (&ious + 1e-8).log().neg();
        let gt_cls = classes.one_hot(c).to_kind(Kind::Float);
        let p = (cls.index_select(0, &cand_idx).to_kind(Kind::Float).sigmoid() * obj.index_select(0, &cand_idx).to_kind(Kind::Float).sigmoid()).sqrt();
        let cls_cost = p
            .unsqueeze(0)
            .expand([n, m, c], false)
            .binary_cross_entropy::<Tensor>(&gt_cls.unsqueeze(1).expand([n, m, c], false), None, Reduction::None)
            .sum_dim_intlist(&[-1i64][..], false, Kind::Float);
        let cost = cls_cost + iou_cost * 3.0 + geometry.logical_not().to_kind(Kind::Float) * 100000.0;

        let k = CANDIDATE_K.min(m);
        let (top, _) = ious.topk(k, 1, true, true);
        let dynamic_k = top.sum_dim_intlist(&[1i64][..], false, Kind::Float).to_kind(Kind::Int).clamp_min(1);
        let mut matching = Tensor::zeros([n, m], (Kind::Uint8, boxes.device()));
        for g in 0..n {
            let kg = dynamic_k.int64_value(&[g]);
            let (_, pos) = cost.get(g).topk(kg, 0, false, true);
            let mut row = matching.get(g);
            let _ = row.index_fill_(0, &pos, 1i64);
        }
        let per_anchor = matching.sum_dim_intlist(&[0i64][..], false, Kind::Int64);
        let multiple = per_anchor.gt(1);
        if multiple.any().int64_value(&[]) != 0 {
            let cols = multiple.nonzero().squeeze_dim(1);
            let argmin = cost.index_select(1, &cols).argmin(0, false);
            let mut sub = Tensor::zeros([n, cols.size()[0]], (Kind::Uint8, boxes.device()));
            let _ = sub.scatter_value_(0, &argmin.unsqueeze(0), 1i64);
            let _ = matching.index_copy_(1, &cols, &sub);
        }
        let fg_in = matching.sum_dim_intlist(&[0i64][..], false, Kind::Int64).gt(0);
        let fg_cols = fg_in.nonzero().squeeze_dim(1);
        if fg_cols.size()[0] == 0 {
            return empty();
        }
        let matched_gt = matching.index_select(1, &fg_cols).argmax(0, false);
        let ious_fg = (matching.to_kind(Kind::Float) * &ious).sum_dim_intlist(&[0i64][..], false, Kind::Float).index_select(0, &fg_cols);
        Assignment { fg: cand_idx.index_select(0, &fg_cols), matched_gt, ious: ious_fg }
    })
}

/// The batch's loss. `targets[i]` is image i's truth `[n_i, 5]` (class, cx, cy, w, h in input
/// pixels; n_i may be 0: a background image).
pub fn yolox_loss(levels: &[Level], targets: &[Tensor], use_l1: bool) -> Losses {
    loss_of(&super::head::flatten(levels, false), &grid(levels), targets, use_l1)
}

/// The loss from the flattened head output `[B, A, 5 + C]` (logits, box offsets undecoded)
/// and its grid `[A, 3]`.
pub fn loss_of(raw: &Tensor, g: &Tensor, targets: &[Tensor], use_l1: bool) -> Losses {
    let decoded = super::head::decode(raw, g).narrow(2, 0, 4);
    let (bsz, anchors, width) = (raw.size()[0], raw.size()[1], raw.size()[2]);
    let c = width - 5;
    let dev = raw.device();
    let mut fg_masks = Vec::new();
    let (mut cls_t, mut reg_t, mut l1_t, mut obj_t) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut num_fg = 0i64;
    for b in 0..bsz {
        let t = &targets[b as usize];
        let mut obj_target = Tensor::zeros([anchors, 1], (Kind::Float, dev));
        let mut fg_mask = Tensor::zeros([anchors], (Kind::Bool, dev));
        if t.size()[0] > 0 {
            let boxes = t.narrow(1, 1, 4).to_kind(Kind::Float);
            let classes = t.select(1, 0).to_kind(Kind::Int64);
            let a = simota(&boxes, &classes, &decoded.get(b), &raw.get(b).narrow(1, 4, 1), &raw.get(b).narrow(1, 5, c), g);
            let nf = a.fg.size()[0];
            if nf > 0 {
                num_fg += nf;
                let matched = classes.index_select(0, &a.matched_gt);
                cls_t.push(matched.one_hot(c).to_kind(Kind::Float) * a.ious.unsqueeze(-1));
                let reg = boxes.index_select(0, &a.matched_gt);
                if use_l1 {
                    let gf = g.index_select(0, &a.fg);
                    let s = gf.narrow(1, 2, 1);
                    let xy = reg.narrow(1, 0, 2) / &s - gf.narrow(1, 0, 2);
                    let wh = (reg.narrow(1, 2, 2) / &s + 1e-8).log();
                    l1_t.push(Tensor::cat(&[xy, wh], 1));
                }
                reg_t.push(reg);
                fg_mask = fg_mask.index_fill(0, &a.fg, 1i64);
                obj_target = fg_mask.to_kind(Kind::Float).unsqueeze(-1);
            }
        }
        obj_t.push(obj_target);
        fg_masks.push(fg_mask);
    }
    let fg = Tensor::cat(&fg_masks, 0);
    let denom = num_fg.max(1) as f64;
    let fg_idx = fg.nonzero().squeeze_dim(1);
    let flat = |t: &Tensor, k: i64| t.reshape([-1, k]).index_select(0, &fg_idx);
    let obj_all = raw.narrow(2, 4, 1).reshape([-1, 1]);
    let loss_obj = obj_all.binary_cross_entropy_with_logits::<Tensor>(&Tensor::cat(&obj_t, 0), None, None, Reduction::Sum) / denom;
    let (loss_iou, loss_cls, loss_l1) = if num_fg > 0 {
        let iou = giou_loss(&flat(&decoded, 4), &Tensor::cat(&reg_t, 0)).sum(Kind::Float) / denom;
        let cls = flat(&raw.narrow(2, 5, c), c).binary_cross_entropy_with_logits::<Tensor>(&Tensor::cat(&cls_t, 0), None, None, Reduction::Sum) / denom;
        let l1 =
            if use_l1 { (flat(&raw.narrow(2, 0, 4), 4) - Tensor::cat(&l1_t, 0)).abs().sum(Kind::Float) / denom } else { Tensor::zeros([], (Kind::Float, dev)) };
        (iou, cls, l1)
    } else {
        let z = || raw.sum(Kind::Float) * 0.0;
        (z(), z(), z())
    };
    let total = &loss_iou * REG_WEIGHT + &loss_obj + &loss_cls + &loss_l1;
    let v = |t: &Tensor| t.double_value(&[]);
    Losses { iou: v(&loss_iou) * REG_WEIGHT, obj: v(&loss_obj), cls: v(&loss_cls), l1: v(&loss_l1), num_fg: num_fg as f64, total }
}
