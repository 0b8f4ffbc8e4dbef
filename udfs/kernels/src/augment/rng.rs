//! Sampling helpers over `Mt64`.

use rand_mt::Mt64;

/// Uniform in [0, 1) with 53 random bits.
pub fn unit(rng: &mut Mt64) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform in [a, b) (Python's `random.uniform`).
pub fn uniform(rng: &mut Mt64, a: f64, b: f64) -> f64 {
    a + (b - a) * unit(rng)
}

/// Uniform integer in [lo, hi], both inclusive (Python's `random.randint`); `lo` when hi < lo.
pub fn randint(rng: &mut Mt64, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        return lo;
    }
    let n = (hi - lo) as u128 + 1;
    // Multiply-shift keeps the bias below 2^-64 without a rejection loop.
    lo + ((rng.next_u64() as u128 * n) >> 64) as i64
}

/// True with probability `p`.
pub fn chance(rng: &mut Mt64, p: f64) -> bool {
    unit(rng) < p
}

/// Index drawn with probability proportional to `weights` (albumentations' OneOf normalises).
pub fn weighted_index(rng: &mut Mt64, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut r = unit(rng) * total;
    for (i, &w) in weights.iter().enumerate() {
        if r < w {
            return i;
        }
        r -= w;
    }
    weights.len() - 1
}

/// Fisher-Yates shuffle.
pub fn shuffle<T>(rng: &mut Mt64, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = randint(rng, 0, i as i64) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_hold() {
        let mut rng = Mt64::new(7);
        for _ in 0..10_000 {
            let u = uniform(&mut rng, -0.1, 0.1);
            assert!((-0.1..0.1).contains(&u));
            let k = randint(&mut rng, 0, 3);
            assert!((0..=3).contains(&k));
        }
        assert_eq!(randint(&mut rng, 5, 5), 5);
        let mut seen = [0usize; 3];
        for _ in 0..30_000 {
            seen[weighted_index(&mut rng, &[0.25, 0.25, 0.5])] += 1;
        }
        assert!(seen[2] > 14_000 && seen[0] > 7_000 && seen[1] > 7_000, "{seen:?}");
    }
}
