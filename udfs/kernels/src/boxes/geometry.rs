//! Box overlap measures of the challenge metric (seed spec §11.1), in `f64`.
//!
//! Boxes are `[x1, y1, x2, y2]`. Both functions follow the winner's
//! `code/src/cdc/yolo/tools.py::calculate_iou` operation by operation, so the results are
//! bit-identical to it on the same `f64` inputs (goldens: `tests/goldens/boxes/giou.json`):
//!
//! ```text
//! I = max(min(x2) - max(x1), 0) * max(min(y2) - max(y1), 0)
//! U = (A1 + A2) - I                          A = (x2 - x1) * (y2 - y1)
//! IoU  = I / (U + 1e-16)
//! C = (max(x2) - min(x1)) * (max(y2) - min(y1))
//! GIoU = IoU - (C - U) / (C + 1e-16)
//! ```
//!
//! No validation: inverted boxes give negative areas exactly as the Python does. The metric
//! stores GIoU in a `float32` matrix before its per-row argmax (`generalized_box_iou`), so a
//! caller reproducing `compute_metric` rounds these values to `f32` before choosing the best
//! match (first max) and averaging.

/// The metric's epsilon (`calculate_iou(..., eps=1e-16)`).
pub const EPS: f64 = 1e-16;

/// Area `(x2 - x1) * (y2 - y1)` (negative for inverted boxes, as in Python).
#[inline]
pub fn area(b: [f64; 4]) -> f64 {
    (b[2] - b[0]) * (b[3] - b[1])
}

/// Intersection area and union area `(A1 + A2) - I`.
#[inline]
fn inter_union(a: [f64; 4], b: [f64; 4]) -> (f64, f64) {
    let xi1 = a[0].max(b[0]);
    let yi1 = a[1].max(b[1]);
    let xi2 = a[2].min(b[2]);
    let yi2 = a[3].min(b[3]);
    let inter = (xi2 - xi1).max(0.0) * (yi2 - yi1).max(0.0);
    (inter, area(a) + area(b) - inter)
}

/// `I / (U + 1e-16)`.
#[inline]
pub fn iou(a: [f64; 4], b: [f64; 4]) -> f64 {
    let (inter, union) = inter_union(a, b);
    inter / (union + EPS)
}

/// `IoU - (C - U) / (C + 1e-16)`, C the area of the smallest enclosing box.
#[inline]
pub fn giou(a: [f64; 4], b: [f64; 4]) -> f64 {
    let (inter, union) = inter_union(a, b);
    let iou = inter / (union + EPS);
    let enclose = (a[2].max(b[2]) - a[0].min(b[0])) * (a[3].max(b[3]) - a[1].min(b[1]));
    iou - (enclose - union) / (enclose + EPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_boxes() {
        let b = [10.0, 20.0, 30.0, 60.0];
        assert!((iou(b, b) - 1.0).abs() < 1e-15);
        assert!((giou(b, b) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn disjoint_boxes_have_negative_giou() {
        let a = [0.0, 0.0, 1.0, 1.0];
        let b = [2.0, 0.0, 3.0, 1.0];
        assert_eq!(iou(a, b), 0.0);
        // C = 3, U = 2: GIoU = -(1/3)
        assert!((giou(a, b) + 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn half_overlap() {
        let a = [0.0, 0.0, 2.0, 1.0];
        let b = [1.0, 0.0, 3.0, 1.0];
        // I = 1, U = 3, C = 3
        assert!((iou(a, b) - 1.0 / 3.0).abs() < 1e-15);
        assert!((giou(a, b) - 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn degenerate_boxes_do_not_divide_by_zero() {
        let p = [5.0, 5.0, 5.0, 5.0];
        assert_eq!(iou(p, p), 0.0);
        assert_eq!(giou(p, p), 0.0);
    }
}
