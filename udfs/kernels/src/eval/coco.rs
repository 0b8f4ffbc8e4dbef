//! COCO box AP of one category, equal to pycocotools' `COCOeval(gt, dt, "bbox")` (checked
//! against pycocotools 2.0.11 by `tests/goldens/coco/cases.json`, made by
//! `scripts/goldens/coco_goldens.py`). Detector mAP is only comparable with published YOLOX
//! numbers if it is computed the way pycocotools computes it, quirks included, so this is a
//! transcription of `computeIoU` / `evaluateImg` / `accumulate` / `summarize` restricted to
//! what the pipeline uses (one category, area range 'all', maxDets 100, iscrowd 0), not a
//! cleaner AP. The quirks that move the numbers:
//!
//! * boxes go through COCO's `[x, y, w, h]` (w = x2 - x1) and back (`x + w`) inside the IoU,
//!   so the IoU is that of the rounded round trip, not of the input corners;
//! * the IoU thresholds and recall points are `np.linspace` values (`0.8999999999999999`,
//!   `0.35000000000000003`, ...), not the decimals they print as: an IoU of exactly 0.9
//!   matches at the "0.90" threshold, a recall of exactly 0.35 misses the "0.35" point;
//! * a truth whose area (w·h, signed) is outside `[0, 1e10]` is ignored (not counted, and a
//!   detection matched to it is neither true nor false positive), and so is an unmatched
//!   detection outside that range; zero-area boxes are kept and can never match;
//! * score order is numpy's stable mergesort of `-score`: ties keep input order, within an
//!   image and, after concatenating the images in input order, across images; NaN scores
//!   sort last;
//! * each detection takes the best still-free truth with IoU ≥ `min(t, 1 - 1e-10)`; on equal
//!   IoU the later truth wins; it never moves from a regular truth to an ignored one;
//! * precision is `tp / (tp + fp + 2^-52)`, made non-increasing from the right, sampled at the
//!   first detection whose recall reaches each recall point (0 past the end of the curve);
//! * the means are numpy's (pairwise summation), so the results are bit-identical, not just
//!   close.
//!
//! With no (non-ignored) truth at all pycocotools leaves every precision at its -1
//! placeholder and reports -1; so does this kernel (for every statistic), rather than
//! inventing a value for an undefined AP. Images with detections but no truth add false
//! positives; images with neither change nothing.

use std::cmp::Ordering;

use super::f1::numpy_sum;

/// One image: ground-truth boxes and detections, boxes as [x1, y1, x2, y2] in pixels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CocoImage {
    pub truth: Vec<[f64; 4]>,
    /// (box, score).
    pub detections: Vec<([f64; 4], f64)>,
}

/// pycocotools' `stats[0]`, `stats[1]`, `stats[2]` and `stats[8]`, plus the input counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CocoAp {
    /// AP@[.50:.95], area 'all', maxDets 100 (-1 without truth).
    pub ap: f64,
    /// AP at IoU 0.50 (-1 without truth).
    pub ap50: f64,
    /// AP at IoU 0.75 (-1 without truth).
    pub ap75: f64,
    /// AR@100 averaged over the ten IoU thresholds (-1 without truth).
    pub ar100: f64,
    /// Input images, empty ones included.
    pub images: usize,
    /// Input truth boxes, ignored ones included.
    pub truths: usize,
    /// Input detections, before the per-image cut to the 100 best.
    pub detections: usize,
}

/// `Params.maxDets[-1]`: detections of an image beyond its 100 best never count.
const MAX_DETS: usize = 100;
/// Upper end of areaRng 'all' (`1e5 ** 2`); the lower end is 0.
const AREA_MAX: f64 = 1e10;
const N_IOU: usize = 10;
const N_REC: usize = 101;
/// Index of 0.75 in the IoU thresholds (pycocotools finds it with `==`, and it is exact).
const T75: usize = 5;

/// `np.linspace(start, stop, N)` bit for bit (`i * step + start`, the last value set to
/// `stop`), because the thresholds are compared with `>=` and their last bits decide matches.
fn linspace<const N: usize>(start: f64, stop: f64) -> [f64; N] {
    let step = (stop - start) / (N - 1) as f64;
    let mut y = [0.0; N];
    for (i, v) in y.iter_mut().enumerate() {
        *v = i as f64 * step + start;
    }
    y[N - 1] = stop;
    y
}

/// `Params.iouThrs`.
fn iou_thresholds() -> [f64; N_IOU] {
    linspace(0.5, 0.95)
}

/// `Params.recThrs`.
fn recall_thresholds() -> [f64; N_REC] {
    linspace(0.0, 1.0)
}

/// The box as COCO stores it; IoU and area are computed from this form, never from corners.
fn xywh(b: &[f64; 4]) -> [f64; 4] {
    [b[0], b[1], b[2] - b[0], b[3] - b[1]]
}

/// maskApi.c `bbIou` for a non-crowd truth, operation for operation (`fmin`/`fmax` are
/// `f64::min`/`max`, NaN included), so that IoUs sitting on a threshold compare the same.
fn bb_iou(d: &[f64; 4], g: &[f64; 4]) -> f64 {
    let ga = g[2] * g[3];
    let da = d[2] * d[3];
    let w = (d[2] + d[0]).min(g[2] + g[0]) - d[0].max(g[0]);
    if w <= 0.0 {
        return 0.0;
    }
    let h = (d[3] + d[1]).min(g[3] + g[1]) - d[1].max(g[1]);
    if h <= 0.0 {
        return 0.0;
    }
    let i = w * h;
    i / (da + ga - i)
}

/// areaRng 'all' test of pycocotools (`area < 0 or area > 1e10`). Not a range `contains`:
/// a NaN area is inside for pycocotools (both comparisons false).
#[allow(clippy::manual_range_contains)]
fn outside_area(b: &[f64; 4]) -> bool {
    let area = b[2] * b[3];
    area < 0.0 || area > AREA_MAX
}

/// `np.argsort(-scores, kind='mergesort')`: stable, numpy's float order (NaN after all
/// numbers), so tied scores keep their input order as in pycocotools.
fn descending_order(scores: &[f64]) -> Vec<usize> {
    // numpy's DOUBLE_LT: a < b, or b is NaN and a is not.
    let lt = |a: f64, b: f64| a < b || (b.is_nan() && !a.is_nan());
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&i, &j| {
        let (a, b) = (-scores[i], -scores[j]);
        if lt(a, b) {
            Ordering::Less
        } else if lt(b, a) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    });
    idx
}

/// What a detection counts as at one IoU threshold (`dtMatches` / `dtIgnore`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Tp,
    Fp,
    /// Matched to an ignored truth, or unmatched and outside the area range: in the ranking
    /// but neither true nor false.
    Ignored,
}

/// `evaluateImg` of one image: appends its (at most 100) detections' scores and outcomes in
/// score order, returns its number of non-ignored truths.
fn evaluate_image(img: &CocoImage, thresholds: &[f64; N_IOU], scores: &mut Vec<f64>, outcomes: &mut Vec<[Outcome; N_IOU]>) -> usize {
    // Truths, regular first (stable mergesort on the ignore flag).
    let mut gts: Vec<([f64; 4], bool)> = img.truth.iter().map(xywh).map(|b| (b, outside_area(&b))).collect();
    gts.sort_by_key(|g| g.1);
    let gt_ignored: Vec<bool> = gts.iter().map(|g| g.1).collect();
    let regular = gt_ignored.iter().filter(|&&ig| !ig).count();

    let det_scores: Vec<f64> = img.detections.iter().map(|d| d.1).collect();
    let mut order = descending_order(&det_scores);
    order.truncate(MAX_DETS);
    let dets: Vec<[f64; 4]> = order.iter().map(|&k| xywh(&img.detections[k].0)).collect();

    let (n_g, n_d) = (gts.len(), dets.len());
    // maskUtils.iou returns [] when either side is empty: then nothing is matched.
    let ious: Vec<f64> = if n_g == 0 || n_d == 0 { Vec::new() } else { dets.iter().flat_map(|d| gts.iter().map(move |g| bb_iou(d, &g.0))).collect() };

    let mut out = vec![[Outcome::Fp; N_IOU]; n_d];
    for (t, &thr) in thresholds.iter().enumerate() {
        let mut gt_taken = vec![false; n_g];
        for (d, det) in dets.iter().enumerate() {
            let mut best = thr.min(1.0 - 1e-10);
            let mut m: Option<usize> = None;
            if !ious.is_empty() {
                for g in 0..n_g {
                    if gt_taken[g] {
                        continue; // iscrowd is 0: a truth matches once
                    }
                    if let Some(mg) = m
                        && !gt_ignored[mg]
                        && gt_ignored[g]
                    {
                        break; // matched a regular truth; only ignored ones remain
                    }
                    let iou = ious[d * n_g + g];
                    if iou < best {
                        continue;
                    }
                    best = iou;
                    m = Some(g);
                }
            }
            out[d][t] = match m {
                Some(g) => {
                    gt_taken[g] = true;
                    if gt_ignored[g] { Outcome::Ignored } else { Outcome::Tp }
                }
                None if outside_area(det) => Outcome::Ignored,
                None => Outcome::Fp,
            };
        }
    }
    scores.extend(order.iter().map(|&k| det_scores[k]));
    outcomes.extend(out);
    regular
}

/// COCO bbox AP / AR of `images` (one category), as pycocotools reports it; see the module
/// doc for the semantics and why they are kept. Every statistic is -1 when no truth counts.
pub fn coco_ap(images: &[CocoImage]) -> CocoAp {
    let thresholds = iou_thresholds();
    let rec_thrs = recall_thresholds();
    let mut scores = Vec::new();
    let mut outcomes = Vec::new();
    let mut npig = 0usize;
    for img in images {
        // evaluateImg returns None for an image with neither truth nor detection.
        if img.truth.is_empty() && img.detections.is_empty() {
            continue;
        }
        npig += evaluate_image(img, &thresholds, &mut scores, &mut outcomes);
    }
    let mut result = CocoAp {
        ap: -1.0,
        ap50: -1.0,
        ap75: -1.0,
        ar100: -1.0,
        images: images.len(),
        truths: images.iter().map(|i| i.truth.len()).sum(),
        detections: images.iter().map(|i| i.detections.len()).sum(),
    };
    if npig == 0 {
        return result; // accumulate skips the category: precision and recall stay -1
    }

    let order = descending_order(&scores);
    let nd = order.len();
    let npig_f = npig as f64;
    let mut precision = [[0.0f64; N_REC]; N_IOU];
    let mut recall = [0.0f64; N_IOU];
    let mut rc = Vec::with_capacity(nd);
    let mut pr = Vec::with_capacity(nd);
    for t in 0..N_IOU {
        rc.clear();
        pr.clear();
        let (mut tp, mut fp) = (0u64, 0u64);
        for &k in &order {
            match outcomes[k][t] {
                Outcome::Tp => tp += 1,
                Outcome::Fp => fp += 1,
                Outcome::Ignored => {}
            }
            let (tpf, fpf) = (tp as f64, fp as f64);
            rc.push(tpf / npig_f);
            pr.push(tpf / (fpf + tpf + f64::EPSILON)); // np.spacing(1) == 2^-52
        }
        recall[t] = rc.last().copied().unwrap_or(0.0);
        for i in (1..nd).rev() {
            if pr[i] > pr[i - 1] {
                pr[i - 1] = pr[i];
            }
        }
        // np.searchsorted(rc, recThrs, side='left'); an index past the end stops the fill.
        for (r, &thr) in rec_thrs.iter().enumerate() {
            let i = rc.partition_point(|&x| x < thr);
            if i >= nd {
                break;
            }
            precision[t][r] = pr[i];
        }
    }

    let flat: Vec<f64> = precision.iter().flatten().copied().collect();
    result.ap = numpy_sum(&flat) / flat.len() as f64;
    result.ap50 = numpy_sum(&precision[0]) / N_REC as f64;
    result.ap75 = numpy_sum(&precision[T75]) / N_REC as f64;
    result.ar100 = numpy_sum(&recall) / N_IOU as f64;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn hex(v: &serde_json::Value) -> f64 {
        f64::from_bits(u64::from_str_radix(v.as_str().expect("hex string"), 16).expect("hex"))
    }

    /// Inputs are short decimals (at most 15 digits, the script checks), which serde_json's
    /// default parser reads to the same double as Python without `float_roundtrip`.
    fn num(v: &serde_json::Value) -> f64 {
        v.as_f64().expect("number")
    }

    fn image(truth: &[[f64; 4]], dets: &[([f64; 4], f64)]) -> CocoImage {
        CocoImage { truth: truth.to_vec(), detections: dets.to_vec() }
    }

    fn stats(a: &CocoAp) -> [f64; 4] {
        [a.ap, a.ap50, a.ap75, a.ar100]
    }

    #[test]
    fn goldens_match_pycocotools() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/goldens/coco/cases.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: serde_json::Value = serde_json::from_str(&text).expect("json");

        let want_iou: Vec<f64> = doc["iou_thrs"].as_array().unwrap().iter().map(hex).collect();
        let want_rec: Vec<f64> = doc["rec_thrs"].as_array().unwrap().iter().map(hex).collect();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&iou_thresholds()), bits(&want_iou));
        assert_eq!(bits(&recall_thresholds()), bits(&want_rec));

        let cases = doc["cases"].as_array().unwrap();
        assert!(cases.len() >= 40);
        let mut exact = 0;
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let boxes =
                |v: &serde_json::Value| -> Vec<Vec<f64>> { v.as_array().unwrap().iter().map(|b| b.as_array().unwrap().iter().map(num).collect()).collect() };
            let images: Vec<CocoImage> = case["images"]
                .as_array()
                .unwrap()
                .iter()
                .map(|img| CocoImage {
                    truth: boxes(&img["truth"]).iter().map(|b| [b[0], b[1], b[2], b[3]]).collect(),
                    detections: boxes(&img["detections"]).iter().map(|b| ([b[0], b[1], b[2], b[3]], b[4])).collect(),
                })
                .collect();
            let want: Vec<f64> = case["stats"].as_array().unwrap().iter().map(hex).collect();
            let got = coco_ap(&images);
            assert_eq!(got.images, images.len());
            for (k, (g, w)) in stats(&got).iter().zip(&want).enumerate() {
                // Same operations in the same order as pycocotools + numpy: equal to the bit
                // in practice; 1e-12 only leaves room for a different numpy summation.
                assert!((g - w).abs() <= 1e-12, "{name} stat {k}: got {g:?}, pycocotools {w:?}");
                exact += (g.to_bits() == w.to_bits()) as usize;
            }
        }
        eprintln!("coco goldens: {} cases, {exact} of {} stats bit-identical", cases.len(), 4 * cases.len());
    }

    #[test]
    fn perfect_detections_score_one() {
        let truth = [[10.0, 10.0, 50.0, 40.0], [100.0, 80.0, 130.0, 150.0]];
        let imgs = vec![image(&truth, &[(truth[1], 0.6), (truth[0], 0.9)]), image(&[[0.0, 0.0, 5.0, 5.0]], &[([0.0, 0.0, 5.0, 5.0], 0.6)])];
        let a = coco_ap(&imgs);
        // tp / (tp + 0 + 2^-52) is 1 - 2^-52 or so for tp = 1 but rounds to 1 from tp >= 2; the
        // top-ranked point is lifted by the later ones, so every sample is exactly 1.
        assert_eq!(stats(&a), [1.0; 4]);
        assert_eq!((a.images, a.truths, a.detections), (2, 3, 3));
    }

    #[test]
    fn no_detections_score_zero() {
        let imgs = vec![image(&[[0.0, 0.0, 10.0, 10.0]], &[]), image(&[], &[])];
        assert_eq!(stats(&coco_ap(&imgs)), [0.0; 4]);
    }

    #[test]
    fn no_truth_is_minus_one() {
        let fp = [([0.0, 0.0, 10.0, 10.0], 0.5)];
        assert_eq!(stats(&coco_ap(&[image(&[], &fp)])), [-1.0; 4]);
        assert_eq!(stats(&coco_ap(&[])), [-1.0; 4]);
        // A truth with one inverted side has negative area: ignored, so none counts.
        assert_eq!(stats(&coco_ap(&[image(&[[10.0, 0.0, 0.0, 10.0]], &fp)])), [-1.0; 4]);
    }

    #[test]
    fn two_images_one_hit_one_miss() {
        // Image 1: a perfect hit (score 0.9). Image 2: its truth missed, a false positive
        // (0.8). Ranked: TP, FP -> recall 0.5 at precision 1/(1 + eps) and 1/(2 + eps); lifted
        // from the right, recall points 0.00..0.50 (51 of 101) get 1/(1 + eps), the rest 0.
        let b = [0.0, 0.0, 10.0, 10.0];
        let imgs = vec![image(&[b], &[(b, 0.9)]), image(&[b], &[([50.0, 50.0, 60.0, 60.0], 0.8)])];
        let a = coco_ap(&imgs);
        let p = 1.0 / (1.0 + f64::EPSILON);
        let want = 51.0 * p / 101.0;
        for v in [a.ap, a.ap50, a.ap75] {
            assert!((v - want).abs() < 1e-15, "{v} vs {want}");
        }
        assert_eq!(a.ar100, 0.5);
    }

    #[test]
    fn thresholds_are_numpy_linspace() {
        let t = iou_thresholds();
        assert_eq!(t[T75], 0.75);
        assert_eq!(t[8], 0.8999999999999999); // an IoU of exactly 0.9 matches at "0.90"
        assert_eq!(recall_thresholds()[35], 0.35000000000000003);
    }

    #[test]
    fn score_order_is_numpy_stable_argsort() {
        // np.argsort(-s, kind='mergesort') of this array is [2 7 0 3 4 5 1 6] (numpy 2.4).
        let s = [0.5, f64::NAN, 0.9, 0.5, -0.0, 0.0, f64::NAN, 0.9];
        assert_eq!(descending_order(&s), [2, 7, 0, 3, 4, 5, 1, 6]);
    }

    #[test]
    fn only_best_hundred_detections_count() {
        // 100 false positives scored above the only hit push it out of the image's top 100.
        let b = [0.0, 0.0, 10.0, 10.0];
        let mut dets: Vec<([f64; 4], f64)> = vec![(b, 0.5)];
        dets.extend((0..100).map(|i| ([100.0 + i as f64, 100.0, 105.0 + i as f64, 105.0], 0.9)));
        assert_eq!(coco_ap(&[image(&[b], &dets)]).ar100, 0.0);
        dets.pop(); // 99 above it: the hit is the 100th and counts
        assert_eq!(coco_ap(&[image(&[b], &dets)]).ar100, 1.0);
    }

    #[test]
    fn tied_scores_rank_in_input_order() {
        // Same score: the image listed first ranks first. One truth: TP then FP samples
        // precision 1/(1 + eps) at every recall point; FP then TP samples 1/2 everywhere.
        let b = [0.0, 0.0, 10.0, 10.0];
        let hit = image(&[b], &[(b, 0.7)]);
        let miss = image(&[], &[([50.0, 50.0, 60.0, 60.0], 0.7)]);
        let first = coco_ap(&[hit.clone(), miss.clone()]).ap50;
        let second = coco_ap(&[miss, hit]).ap50;
        assert!((first - 1.0).abs() < 1e-15, "{first}");
        assert!((second - 0.5).abs() < 1e-15, "{second}");
    }
}
