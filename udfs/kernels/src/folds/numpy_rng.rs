//! Bit-exact port of the parts of numpy's *legacy* `np.random.RandomState`
//! that `iterstrat` uses (verified against numpy 2.4.6 goldens in
//! `tests/goldens/folds/rng.json`).
//!
//! * `RandomState(seed)` with an integer seed in `0..2**32` goes through
//!   `_legacy_seeding` -> `mt19937_seed(state, seed & 0xffffffff)`, i.e. the
//!   reference `init_genrand`, which is what `rand_mt::Mt::new` does.
//! * `next_uint32` = `genrand_int32`; `next_uint64` = `(hi << 32) | lo` with
//!   the high word drawn first (`mt19937_next64`).
//! * `randint(0, n)` (and therefore `choice(n)` without `p`) uses the masked
//!   rejection sampler (`_masked=True`): range `rng = n - 1`; `rng == 0`
//!   consumes no draw; `rng < 2**32 - 1` draws 32-bit words and rejects
//!   `(u32 & mask) > rng`; `rng == 2**32 - 1` returns a raw 32-bit word;
//!   larger ranges draw 64-bit words with the same mask rejection.
//! * `shuffle(x)` for a 1-d array: `for i in reversed(range(1, n)):
//!   j = random_interval(i); swap(x[i], x[j])`, where `random_interval(max)`
//!   is the same mask rejection sampler (32-bit words if `max <= 0xffffffff`).

use rand_mt::Mt;

/// numpy legacy `RandomState(seed)` (MT19937).
#[derive(Clone)]
pub struct NumpyRandomState {
    mt: Mt,
}

impl std::fmt::Debug for NumpyRandomState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumpyRandomState").finish_non_exhaustive()
    }
}

/// Smallest all-ones mask `>= max` (numpy `gen_mask`).
#[inline]
fn gen_mask(max: u64) -> u64 {
    let mut mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    mask
}

impl NumpyRandomState {
    /// `np.random.RandomState(seed)` for an integer seed (init_genrand).
    pub fn new(seed: u32) -> Self {
        Self { mt: Mt::new(seed) }
    }

    /// Raw 32-bit output (`genrand_int32`).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// Raw 64-bit output as numpy's legacy MT19937 builds it: high word first.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.mt.next_u32());
        let lo = u64::from(self.mt.next_u32());
        (hi << 32) | lo
    }

    /// numpy `random_interval(bitgen, max)`: uniform in `0..=max` by mask
    /// rejection (used by legacy `shuffle`/`permutation`).
    pub fn random_interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = gen_mask(max);
        if max <= 0xffff_ffff {
            loop {
                let v = u64::from(self.next_u32()) & mask;
                if v <= max {
                    return v;
                }
            }
        } else {
            loop {
                let v = self.next_u64() & mask;
                if v <= max {
                    return v;
                }
            }
        }
    }

    /// Legacy `RandomState.randint(0, high)` (scalar, default int64 dtype,
    /// masked sampler). `high` must be >= 1; `high == 1` consumes no draw.
    pub fn randint_below(&mut self, high: u64) -> u64 {
        debug_assert!(high >= 1);
        let rng = high.saturating_sub(1);
        if rng == 0 {
            0
        } else if rng == 0xffff_ffff {
            u64::from(self.next_u32())
        } else {
            // Identical to random_interval for all other ranges (32-bit words
            // below 2**32 - 1, 64-bit words above).
            self.random_interval(rng)
        }
    }

    /// Legacy `RandomState.choice(n)` (no `p`, scalar): `randint(0, n)`.
    /// `n` must be >= 1 (numpy raises for `n == 0`; we return 0 without a draw).
    pub fn choice_index(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.randint_below(n as u64) as usize
    }

    /// Legacy `RandomState.shuffle(x)` for a 1-d array (Fisher-Yates from
    /// the end with `random_interval(i)`).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        let n = v.len();
        for i in (1..n).rev() {
            let j = self.random_interval(i as u64) as usize;
            v.swap(i, j);
        }
    }
}
