//! Classification report with scikit-learn semantics (seed spec §11.1, §11.2), for string
//! labels: per-class precision / recall / F1 / support and their macro averages, as
//! `precision_recall_fscore_support(y_true, y_pred, average=None | 'macro')` and
//! `f1_score(..., average='macro')`, plus `accuracy_score`. Bit-identical to scikit-learn
//! 1.9 on numpy 1.26 (goldens: `tests/goldens/boxes/f1.json`):
//!
//! * labels = sorted union of the labels in truth **and** prediction (`unique_labels`;
//!   strings sort by code point, which is Rust's `str` order), so a label that is only
//!   predicted counts as a class with support 0 and F1 0;
//! * `precision = tp / predicted`, `recall = tp / support`,
//!   `F1 = 2·tp / (support + predicted)` (scikit-learn's confusion-count form), each 0 when
//!   its denominator is 0 (`zero_division="warn"` → 0);
//! * macro = `np.nanmean` over the classes: numpy's pairwise sum divided by the class count
//!   (the summation order matters in the last bit, so it is reproduced);
//! * accuracy = matches / n.
//!
//! The challenge metric calls it with `class_y.astype(str)`: a missing prediction is the
//! string `"nan"` (or `"None"`), i.e. one more label; callers pass that string.
//! No pairs: an empty report with macro values and accuracy NaN.

use std::collections::BTreeMap;

/// Counts and scores of one class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassStats {
    pub label: String,
    /// Number of true rows with this label.
    pub support: u64,
    /// Number of predicted rows with this label.
    pub predicted: u64,
    pub tp: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Per-class statistics (sorted by label) and their macro averages.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub classes: Vec<ClassStats>,
    pub macro_precision: f64,
    pub macro_recall: f64,
    /// `sklearn.metrics.f1_score(y_true, y_pred, average="macro")`.
    pub macro_f1: f64,
    pub accuracy: f64,
    /// Number of pairs.
    pub n: u64,
}

/// numpy's `pairwise_sum` for float64 (`np.sum` / `np.add.reduce` of a contiguous array).
pub fn numpy_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[i..] {
            res += x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        numpy_sum(&a[..n2]) + numpy_sum(&a[n2..])
    }
}

/// `np.nanmean` of values that are never NaN here: `numpy_sum / len` (NaN when empty).
fn mean(a: &[f64]) -> f64 {
    numpy_sum(a) / a.len() as f64
}

/// `tp / d`, 0 when `d == 0`.
fn div(num: f64, d: f64) -> f64 {
    if d == 0.0 { 0.0 } else { num / d }
}

/// Report of `(truth, prediction)` pairs.
pub fn class_report<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Report {
    // label -> (support, predicted, tp)
    let mut counts: BTreeMap<&'a str, (u64, u64, u64)> = BTreeMap::new();
    let mut n = 0u64;
    let mut correct = 0u64;
    for (t, p) in pairs {
        n += 1;
        counts.entry(t).or_default().0 += 1;
        counts.entry(p).or_default().1 += 1;
        if t == p {
            correct += 1;
            counts.entry(t).or_default().2 += 1;
        }
    }
    let classes: Vec<ClassStats> = counts
        .into_iter()
        .map(|(label, (support, predicted, tp))| {
            let (s, p, t) = (support as f64, predicted as f64, tp as f64);
            ClassStats { label: label.to_string(), support, predicted, tp, precision: div(t, p), recall: div(t, s), f1: div(2.0 * t, 1.0 * s + p) }
        })
        .collect();
    let col = |f: fn(&ClassStats) -> f64| -> Vec<f64> { classes.iter().map(f).collect() };
    Report {
        macro_precision: mean(&col(|c| c.precision)),
        macro_recall: mean(&col(|c| c.recall)),
        macro_f1: mean(&col(|c| c.f1)),
        accuracy: correct as f64 / n as f64,
        n,
        classes,
    }
}

/// `sklearn.metrics.f1_score(y_true, y_pred, average="macro")`.
pub fn macro_f1<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> f64 {
    class_report(pairs).macro_f1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_report() {
        let t = ["a", "a", "b", "c", "c", "c"];
        let p = ["a", "b", "b", "c", "c", "d"];
        let r = class_report(t.iter().copied().zip(p.iter().copied()));
        let labels: Vec<&str> = r.classes.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["a", "b", "c", "d"]);
        let a = &r.classes[0];
        assert_eq!((a.support, a.predicted, a.tp), (2, 1, 1));
        assert_eq!((a.precision, a.recall), (1.0, 0.5));
        assert_eq!(a.f1, 2.0 / 3.0);
        let d = &r.classes[3];
        assert_eq!((d.support, d.predicted, d.tp, d.precision, d.recall, d.f1), (0, 1, 0, 0.0, 0.0, 0.0));
        assert_eq!(r.accuracy, 4.0 / 6.0);
        // f1: a 2/3, b 2/3, c 0.8, d 0
        assert_eq!(r.macro_f1, (2.0 / 3.0 + 2.0 / 3.0 + 0.8 + 0.0) / 4.0);
    }

    #[test]
    fn empty_input() {
        let r = class_report(std::iter::empty());
        assert!(r.classes.is_empty());
        assert!(r.macro_f1.is_nan() && r.accuracy.is_nan());
    }

    #[test]
    fn pairwise_sum_shapes() {
        let a: Vec<f64> = (0..300).map(|i| 1.0 / (i as f64 + 1.0)).collect();
        for n in [0, 1, 7, 8, 9, 16, 17, 128, 129, 300] {
            let want: f64 = a[..n].iter().sum();
            assert!((numpy_sum(&a[..n]) - want).abs() < 1e-12);
        }
    }
}
