//! Validation scores: macro-F1 of the argmax (multi-class; scikit-learn semantics, as the
//! project's macro_f1()), or of sigmoid > 0.5 per label (multi-label: per-label F1 averaged over
//! the labels present in truth or prediction).
use crate::dataset::Target;
use cytologia_kernels::eval::f1;

pub fn macro_f1_multiclass(logits: &[f32], classes: usize, truth: &[&Target]) -> f64 {
    let pairs: Vec<(String, String)> = truth
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let row = &logits[i * classes..(i + 1) * classes];
            let pred = argmax(row);
            let truth = match t {
                Target::Class(c) => *c,
                Target::Multi(v) => v.first().copied().unwrap_or(0),
            };
            (format!("{truth:03}"), format!("{pred:03}"))
        })
        .collect();
    f1::macro_f1(pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())))
}

pub fn macro_f1_multilabel(logits: &[f32], classes: usize, truth: &[&Target]) -> f64 {
    let mut scores = Vec::new();
    for c in 0..classes {
        let (mut tp, mut pos, mut pred) = (0u64, 0u64, 0u64);
        for (i, t) in truth.iter().enumerate() {
            let p = logits[i * classes + c] > 0.0; // sigmoid > 0.5
            let y = match t {
                Target::Class(k) => *k == c,
                Target::Multi(v) => v.contains(&c),
            };
            tp += (p && y) as u64;
            pos += y as u64;
            pred += p as u64;
        }
        if pos + pred > 0 {
            scores.push(2.0 * tp as f64 / (pos + pred) as f64);
        }
    }
    if scores.is_empty() { f64::NAN } else { scores.iter().sum::<f64>() / scores.len() as f64 }
}

/// Index of the largest value; the first on ties (numpy / torch argmax).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_of_argmax_and_of_thresholds() {
        let logits = [0.9f32, 0.1, 0.2, 0.8, 0.7, 0.3];
        let t = [Target::Class(0), Target::Class(1), Target::Class(1)];
        let refs: Vec<&Target> = t.iter().collect();
        // preds 0, 1, 0: class 0 F1 = 2/3, class 1 F1 = 2/3.
        assert!((macro_f1_multiclass(&logits, 2, &refs) - 2.0 / 3.0).abs() < 1e-12);
        let logits = [1.0f32, -1.0, 1.0, 1.0];
        let t = [Target::Multi(vec![0]), Target::Multi(vec![0, 1])];
        let refs: Vec<&Target> = t.iter().collect();
        assert_eq!(macro_f1_multilabel(&logits, 2, &refs), 1.0);
    }
}
