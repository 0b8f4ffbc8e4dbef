//! Small helpers over the Mersenne Twister every training draw uses, so runs repeat per seed.
use rand_mt::Mt64;

/// Uniform in [0, 1) with 53 random bits.
pub fn uniform(rng: &mut Mt64) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform integer in [lo, hi], both included.
pub fn randint(rng: &mut Mt64, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        return lo;
    }
    lo + (uniform(rng) * (hi - lo + 1) as f64) as i64
}

/// A generator for one use (`stream`, `index`) of a run seeded by `seed`: independent of
/// the thread that happens to do the work.
pub fn derive(seed: u64, stream: u64, index: u64) -> Mt64 {
    Mt64::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03))
}

/// Fisher-Yates shuffle of 0..n.
pub fn permutation(rng: &mut Mt64, n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (uniform(rng) * (i + 1) as f64) as usize;
        v.swap(i, j.min(i));
    }
    v
}

/// Standard normal (Box-Muller).
pub fn normal(rng: &mut Mt64) -> f64 {
    let u1 = uniform(rng).max(f64::MIN_POSITIVE);
    let u2 = uniform(rng);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Gamma(shape, 1) by Marsaglia and Tsang (with the shape + 1 boost below 1).
pub fn gamma(rng: &mut Mt64, shape: f64) -> f64 {
    if shape < 1.0 {
        let u = uniform(rng).max(f64::MIN_POSITIVE);
        return gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = uniform(rng);
        if u < 1.0 - 0.0331 * x.powi(4) || u.max(f64::MIN_POSITIVE).ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// Beta(a, b) as a ratio of gammas.
pub fn beta(rng: &mut Mt64, a: f64, b: f64) -> f64 {
    let x = gamma(rng, a);
    let y = gamma(rng, b);
    if x + y == 0.0 { 0.5 } else { x / (x + y) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_have_the_right_moments_and_repeat_per_seed() {
        let mut r = Mt64::new(7);
        let n = 20000;
        let b: Vec<f64> = (0..n).map(|_| beta(&mut r, 0.2, 0.2)).collect();
        let mean = b.iter().sum::<f64>() / n as f64;
        // Beta(0.2, 0.2): mean 0.5, variance 0.25 / 1.4 ≈ 0.179 (mass near 0 and 1).
        let var = b.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        assert!((var - 0.25 / 1.4).abs() < 0.01, "{var}");
        assert!(b.iter().all(|v| (0.0..=1.0).contains(v)));
        let k: Vec<i64> = (0..1000).map(|_| randint(&mut r, 88, 224)).collect();
        assert!(k.iter().all(|v| (88..=224).contains(v)) && k.contains(&88) && k.contains(&224));
        let p = permutation(&mut derive(1, 2, 3), 50);
        let mut s = p.clone();
        s.sort();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
        assert_eq!(p, permutation(&mut derive(1, 2, 3), 50));
        assert_ne!(p, permutation(&mut derive(1, 2, 4), 50));
    }
}
