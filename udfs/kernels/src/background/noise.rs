//! Deterministic replacement of the winning recipe's unseeded `np.random` noise.
//!
//! The winning recipe picked `int(fraction · h · w)` pixel positions of the crop with replacement
//! (`np.random.randint` for y, then x) and added integer noise uniform in `[−a, a]` per channel
//! to the constant fill there (numpy fancy-index `+=`: on a repeated position the last draw
//! wins). Here the draws come from `rand_mt::Mt64` seeded with a `u64`, per position in the
//! order y, x, R, G, B, each an unbiased uniform integer (rejection sampling).

use rand_mt::Mt64;

/// Uniform integer in `0 .. n` (`n > 0`) without modulo bias.
fn below(rng: &mut Mt64, n: u64) -> u64 {
    debug_assert!(n > 0);
    // Reject the top `2^64 mod n` values so that every residue is equally likely.
    let reject = n.wrapping_neg() % n; // (2^64 - n) mod n == 2^64 mod n
    loop {
        let v = rng.next_u64();
        if v >= reject {
            return v % n;
        }
    }
}

/// Per-pixel noise offsets for a `width × height` crop: `draws` positions, each getting a
/// fresh `[−amplitude, amplitude]` triple (last draw wins on repeats). Returns `None` per
/// untouched pixel. `amplitude` must be ≥ 0.
pub fn noise_offsets(width: usize, height: usize, draws: usize, amplitude: i32, seed: u64) -> Vec<Option<[i16; 3]>> {
    let n = width.saturating_mul(height);
    let mut out = vec![None; n];
    if n == 0 || draws == 0 {
        return out;
    }
    let mut rng = Mt64::new(seed);
    let span = 2 * amplitude.max(0) as u64 + 1;
    for _ in 0..draws {
        let y = below(&mut rng, height as u64) as usize;
        let x = below(&mut rng, width as u64) as usize;
        let mut off = [0i16; 3];
        for o in &mut off {
            *o = (below(&mut rng, span) as i64 - amplitude as i64) as i16;
        }
        out[y * width + x] = Some(off);
    }
    out
}
