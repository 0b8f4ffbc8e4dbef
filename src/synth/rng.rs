//! Seeded randomness. Every stream is derived from the user seed plus a stream tag and an
//! index, so an image's pixels depend only on (seed, image ordinal), never on thread timing.

use rand_mt::Mt64;

/// SplitMix64 finaliser: spreads nearby inputs (seed, seed+1, …) over the whole u64 range
/// before they seed a Mersenne Twister, whose outputs for close seeds start correlated.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) fn derive_seed(seed: u64, stream: u64, index: u64) -> u64 {
    mix(mix(seed ^ mix(stream)).wrapping_add(index))
}

/// Stream tags; changing one changes every dataset, so bump `GENERATOR_VERSION` with it.
pub(crate) const STREAM_PLAN: u64 = 1;
pub(crate) const STREAM_NAMES: u64 = 2;
pub(crate) const STREAM_RENDER: u64 = 3;
pub(crate) const STREAM_FAULTS: u64 = 4;

pub(crate) struct Rng(Mt64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(Mt64::new(seed))
    }

    pub fn stream(seed: u64, stream: u64, index: u64) -> Self {
        Rng::new(derive_seed(seed, stream, index))
    }

    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    pub fn f32(&mut self) -> f32 {
        (self.0.next_u64() >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }

    pub fn f64(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.f32()
    }

    /// Uniform integer in [0, n); 0 when n == 0 so callers never divide by zero.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Lemire's multiply-shift: unbiased enough for n far below 2^64 and branch-free.
        ((self.0.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform integer in [lo, hi] (inclusive).
    pub fn int(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as usize) as i32
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Standard normal, clamped to ±3σ so jittered sizes/colours never go absurd.
    pub fn normal(&mut self) -> f32 {
        let u1 = self.f64().max(1e-12);
        let u2 = self.f64();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        z.clamp(-3.0, 3.0) as f32
    }

    /// `v` scaled by a normal factor with relative spread `rel`.
    pub fn jitter(&mut self, v: f32, rel: f32) -> f32 {
        v * (1.0 + rel * self.normal()).max(0.2)
    }

    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        if weights.is_empty() || total <= 0.0 {
            return 0;
        }
        let mut t = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if t < *w {
                return i;
            }
            t -= w;
        }
        weights.len() - 1
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }

    pub fn angle(&mut self) -> f32 {
        self.range(0.0, std::f32::consts::TAU)
    }
}
