//! Vector arithmetic as numpy/scipy do it for the winning recipe's ensemble (docs/pipeline.md §9).

/// softmax with the max subtracted first (scipy.special.softmax), in float64.
pub fn softmax(v: &[f64]) -> Vec<f64> {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = v.iter().map(|x| (x - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|x| x / s).collect()
}

pub fn sigmoid(v: &[f64]) -> Vec<f64> {
    v.iter().map(|x| 1.0 / (1.0 + (-x).exp())).collect()
}

/// Index of the first maximum (numpy argmax); NaN entries are skipped; None when empty or
/// all NaN.
pub fn argmax(v: &[f64]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &x) in v.iter().enumerate() {
        if x.is_nan() {
            continue;
        }
        if best.is_none_or(|(_, b)| x > b) {
            best = Some((i, x));
        }
    }
    best.map(|b| b.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let s = softmax(&[1.0, 2.0, 3.0]);
        assert!((s[2] - 0.665_240_955_774_821_9).abs() < 1e-15);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        // Large logits do not overflow thanks to the max shift.
        assert!(softmax(&[1000.0, 1000.0]).iter().all(|x| (x - 0.5).abs() < 1e-15));
        assert_eq!(sigmoid(&[0.0]), vec![0.5]);
        assert!((sigmoid(&[2.0])[0] - 0.880_797_077_977_882_3).abs() < 1e-15);
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), Some(1));
        assert_eq!(argmax(&[f64::NAN, 1.0]), Some(1));
        assert_eq!(argmax(&[]), None);
    }
}
