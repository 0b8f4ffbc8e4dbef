//! Per-image statistics as the winning recipe computed them with numpy over the RGB uint8 array:
//! mean and population std over all H·W·3 values, and per channel (RGB order).
//! Sums are exact integers, so the mean is exactly numpy's; the std is the correctly rounded
//! value of the exact variance (numpy's two-pass float sum can differ in the last ulp).

#[derive(Debug, Clone, PartialEq)]
pub struct ImageStats {
    pub mean: f64,
    pub std: f64,
    pub mean_c: [f64; 3],
    pub std_c: [f64; 3],
}

pub fn rgb_stats(rgb: &[u8]) -> ImageStats {
    let mut sum = [0u64; 3];
    let mut sumsq = [0u64; 3];
    for px in rgb.chunks_exact(3) {
        for c in 0..3 {
            let v = px[c] as u64;
            sum[c] += v;
            sumsq[c] += v * v;
        }
    }
    let n = (rgb.len() / 3) as u128;
    let moments = |s: u128, ss: u128, n: u128| -> (f64, f64) {
        if n == 0 {
            return (f64::NAN, f64::NAN);
        }
        // n²·var = n·Σx² − (Σx)², exact in integers.
        let num = n * ss - s * s;
        let var = num as f64 / (n * n) as f64;
        (s as f64 / n as f64, var.sqrt())
    };
    let mut mean_c = [0.0; 3];
    let mut std_c = [0.0; 3];
    for c in 0..3 {
        (mean_c[c], std_c[c]) = moments(sum[c] as u128, sumsq[c] as u128, n);
    }
    let (mean, std) = moments(sum.iter().map(|&v| v as u128).sum(), sumsq.iter().map(|&v| v as u128).sum(), n * 3);
    ImageStats { mean, std, mean_c, std_c }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_definition() {
        // Two pixels: (0, 10, 20) and (2, 10, 40).
        let s = rgb_stats(&[0, 10, 20, 2, 10, 40]);
        assert_eq!(s.mean_c, [1.0, 10.0, 30.0]);
        assert_eq!(s.std_c, [1.0, 0.0, 10.0]);
        let vals = [0.0f64, 10.0, 20.0, 2.0, 10.0, 40.0];
        let m = vals.iter().sum::<f64>() / 6.0;
        let sd = (vals.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 6.0).sqrt();
        assert_eq!(s.mean, m);
        assert!((s.std - sd).abs() < 1e-12);
    }

    #[test]
    fn empty_is_nan() {
        assert!(rgb_stats(&[]).mean.is_nan());
    }
}
