//! Non-maximum suppression and the YOLOX post-processing around it (seed spec §4.4), in
//! `f32` like YOLOX / torchvision on CPU (goldens: `tests/goldens/boxes/nms.json`, from
//! torch / torchvision via `scripts/goldens/boxes_goldens.py`).
//!
//! * [`nms`] = `torchvision.ops.nms` (CPU kernel `nms_kernel_impl`): order by score
//!   descending with a **stable** sort (`scores.sort(stable=true, descending=true)`), so equal
//!   scores keep input-index order; NaN scores sort first, like torch. Walk that order; each
//!   kept box suppresses every later box with `IoU > iou_thr`, where, in f32,
//!   `IoU = I / ((A_i + A_j) - I)`, `I = max(0, min x2 - max x1) · max(0, min y2 - max y1)`,
//!   `A = (x2 - x1) · (y2 - y1)` (no +1), and the comparison is made in f64 against the
//!   f64 threshold (the kernel's `double iou_threshold`). Returns kept input indices in
//!   descending score order. (The winning recipe ran fp16 on CUDA, whose kernel differs in rounding;
//!   inference precision is a free choice, seed spec §13.2.)
//! * [`yolox_postprocess`] = YOLOX `utils.postprocess(num_classes=C, conf_thre,
//!   nms_thre, class_agnostic=True)` for one image: `cxcywh → xyxy` (`cx - w / 2` in f32),
//!   `class_conf` = max class probability (first max), keep `obj · class_conf >= conf`
//!   (f32 product and f32 comparison: torch casts the Python threshold to the tensor's
//!   dtype), class-agnostic [`nms`] on `obj · class_conf`.
//! * [`yolox_decode_grid`] = YOLOX `YOLOXHead.decode_outputs` for exports that leave the
//!   grid decode out: `cx = (tx + gx) · s`, `cy = (ty + gy) · s`, `w = exp(tw) · s`,
//!   `h = exp(th) · s` in f32; anchors level by level (strides 8, 16, 32), row-major over
//!   `(gy, gx)`. Objectness and class scores are left alone (YOLOX's head already applied the
//!   sigmoid in both export kinds). `exp` is Rust's `f32::exp`; torch's vectorised `exp`
//!   may differ from it by one ulp, so `w`, `h` match torch within 1 ulp, not bit for bit.

use std::cmp::Ordering;

/// One detection in the network's input (letterboxed) pixel space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    /// `obj · class_conf`.
    pub score: f32,
    /// Index of the best class (first max).
    pub class: usize,
}

/// The winning recipe's detector thresholds (`TEST_CONFIDENCE`, `NMS_THRESHOLD`).
pub const SEED_TEST_CONF: f32 = 0.001;
pub const SEED_NMS_THR: f64 = 0.30;

/// Descending order as torch sorts floats: NaN first, then larger values.
fn desc(a: f32, b: f32) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => b.partial_cmp(&a).unwrap_or(Ordering::Equal),
    }
}

/// `std::max` / `std::min` as C++ writes them (`a < b ? b : a`, `b < a ? b : a`).
#[inline]
fn cmax(a: f32, b: f32) -> f32 {
    if a < b { b } else { a }
}
#[inline]
fn cmin(a: f32, b: f32) -> f32 {
    if b < a { b } else { a }
}

/// `torchvision.ops.nms(boxes, scores, iou_thr)`: kept indices, highest score first.
/// `boxes[i] = [x1, y1, x2, y2]`. Panics if the lengths differ (a programming error).
pub fn nms(boxes: &[[f32; 4]], scores: &[f32], iou_thr: f64) -> Vec<usize> {
    assert_eq!(boxes.len(), scores.len(), "nms: boxes and scores differ in length");
    let n = boxes.len();
    let areas: Vec<f32> = boxes.iter().map(|b| (b[2] - b[0]) * (b[3] - b[1])).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| desc(scores[a], scores[b])); // stable
    let mut suppressed = vec![false; n];
    let mut keep = Vec::new();
    for (oi, &i) in order.iter().enumerate() {
        if suppressed[i] {
            continue;
        }
        keep.push(i);
        let [ix1, iy1, ix2, iy2] = boxes[i];
        let iarea = areas[i];
        for &j in &order[oi + 1..] {
            if suppressed[j] {
                continue;
            }
            let b = boxes[j];
            let xx1 = cmax(ix1, b[0]);
            let yy1 = cmax(iy1, b[1]);
            let xx2 = cmin(ix2, b[2]);
            let yy2 = cmin(iy2, b[3]);
            let w = cmax(0.0, xx2 - xx1);
            let h = cmax(0.0, yy2 - yy1);
            let inter = w * h;
            let ovr = inter / (iarea + areas[j] - inter);
            if f64::from(ovr) > iou_thr {
                suppressed[j] = true;
            }
        }
    }
    keep
}

/// YOLOX `postprocess(..., class_agnostic=True)` for one image. `pred` holds `anchors`
/// rows of `stride_row = 5 + C` values `(cx, cy, w, h, obj, p_0 .. p_{C-1})` (decoded, see
/// [`yolox_decode_grid`]). Output in descending score order.
pub fn yolox_postprocess(pred: &[f32], anchors: usize, stride_row: usize, conf: f32, nms_thr: f64) -> Vec<Detection> {
    assert!(stride_row > 5, "yolox_postprocess: a row needs 5 + C values, C >= 1");
    assert!(pred.len() >= anchors * stride_row, "yolox_postprocess: prediction shorter than anchors * stride_row");
    let mut cand: Vec<Detection> = Vec::new();
    for row in pred.chunks_exact(stride_row).take(anchors) {
        let (cx, cy, w, h, obj) = (row[0], row[1], row[2], row[3], row[4]);
        let mut class = 0usize;
        let mut class_conf = row[5];
        for (c, &p) in row[5..].iter().enumerate().skip(1) {
            // torch.max: NaN propagates (first NaN), else first maximum.
            if class_conf.is_nan() {
                break;
            }
            if p > class_conf || p.is_nan() {
                class_conf = p;
                class = c;
            }
        }
        let score = obj * class_conf;
        if score >= conf {
            cand.push(Detection { x1: cx - w / 2.0, y1: cy - h / 2.0, x2: cx + w / 2.0, y2: cy + h / 2.0, score, class });
        }
    }
    let boxes: Vec<[f32; 4]> = cand.iter().map(|d| [d.x1, d.y1, d.x2, d.y2]).collect();
    let scores: Vec<f32> = cand.iter().map(|d| d.score).collect();
    nms(&boxes, &scores, nms_thr).into_iter().map(|i| cand[i]).collect()
}

/// Number of anchors of a square `input_size` for the given strides (5,376 for 512 and
/// 8,400 for 640 with strides 8, 16, 32).
pub fn yolox_anchor_count(input_size: usize, strides: &[usize]) -> usize {
    strides.iter().map(|s| (input_size / s) * (input_size / s)).sum()
}

/// YOLOX grid decode in place, for exports without it (`decode_in_inference=False`).
/// `pred` must hold [`yolox_anchor_count`] rows of `stride_row` values.
pub fn yolox_decode_grid(pred: &mut [f32], input_size: usize, strides: &[usize], stride_row: usize) {
    assert!(stride_row >= 4, "yolox_decode_grid: a row needs at least 4 values");
    let anchors = yolox_anchor_count(input_size, strides);
    assert!(pred.len() >= anchors * stride_row, "yolox_decode_grid: prediction shorter than the anchor grid");
    let mut rows = pred.chunks_exact_mut(stride_row);
    for &s in strides {
        let g = input_size / s;
        let sf = s as f32;
        for gy in 0..g {
            for gx in 0..g {
                let Some(r) = rows.next() else { return };
                r[0] = (r[0] + gx as f32) * sf;
                r[1] = (r[1] + gy as f32) * sf;
                r[2] = r[2].exp() * sf;
                r[3] = r[3].exp() * sf;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nms_suppresses_above_threshold_only() {
        // IoU(a, b) = 1/3 exactly representable? I = 1, U = 3 -> 0.33333334f32.
        let boxes = [[0.0, 0.0, 2.0, 1.0], [1.0, 0.0, 3.0, 1.0], [10.0, 10.0, 11.0, 11.0]];
        let scores = [0.9, 0.8, 0.7];
        assert_eq!(nms(&boxes, &scores, 0.3), vec![0, 2]);
        assert_eq!(nms(&boxes, &scores, 0.34), vec![0, 1, 2]);
    }

    #[test]
    fn nms_orders_by_score_and_ties_by_index() {
        let boxes = [[0.0, 0.0, 1.0, 1.0], [5.0, 5.0, 6.0, 6.0], [10.0, 10.0, 11.0, 11.0], [0.1, 0.0, 1.0, 1.0]];
        let scores = [0.5, 0.9, 0.5, 0.5];
        assert_eq!(nms(&boxes, &scores, 0.3), vec![1, 0, 2]);
        assert!(nms(&[], &[], 0.3).is_empty());
    }

    #[test]
    fn postprocess_thresholds_and_converts() {
        // two classes; rows: cx cy w h obj p0 p1
        let pred = [
            10.0, 10.0, 4.0, 4.0, 0.9, 0.2, 0.8, // score 0.72, class 1
            10.5, 10.0, 4.0, 4.0, 0.9, 0.5, 0.5, // score 0.45, class 0 (first max), suppressed
            50.0, 50.0, 2.0, 6.0, 0.01, 0.05, 0.01, // score 0.0005 < 0.001: dropped
        ];
        let out = yolox_postprocess(&pred, 3, 7, 0.001, 0.3);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0], Detection { x1: 8.0, y1: 8.0, x2: 12.0, y2: 12.0, score: 0.9f32 * 0.8f32, class: 1 });
        let out = yolox_postprocess(&pred, 3, 7, 0.001, 0.99);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].class, 0);
    }

    #[test]
    fn decode_grid_layout() {
        assert_eq!(yolox_anchor_count(512, &[8, 16, 32]), 5376);
        assert_eq!(yolox_anchor_count(640, &[8, 16, 32]), 8400);
        let n = yolox_anchor_count(64, &[8, 16, 32]); // 64 + 16 + 4
        let mut p = vec![0.0f32; n * 6];
        yolox_decode_grid(&mut p, 64, &[8, 16, 32], 6);
        // anchor 9 = level 0, gy 1, gx 1
        assert_eq!(&p[9 * 6..9 * 6 + 4], &[8.0, 8.0, 8.0, 8.0]);
        // anchor 64 + 5 = level 1 (stride 16, 4x4), gy 1, gx 1
        assert_eq!(&p[69 * 6..69 * 6 + 4], &[16.0, 16.0, 16.0, 16.0]);
        // last anchor: level 2 (stride 32, 2x2), gy 1, gx 1
        assert_eq!(&p[(n - 1) * 6..(n - 1) * 6 + 4], &[32.0, 32.0, 32.0, 32.0]);
    }
}
