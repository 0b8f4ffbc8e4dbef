//! Batch-level MixUp / CutMix as the winning recipe (docs/pipeline.md §8.2): half of the batches are mixed;
//! of those, half by CutMix (λ ~ Beta(1, 1), a box of side ∝ √(1-λ), λ recomputed from the
//! clipped box) and half by MixUp (λ ~ Beta(0.2, 0.2)), with a random partner permutation.
//! The loss is then λ·L(y) + (1-λ)·L(y[perm]).
use rand_mt::Mt64;
use tch::Tensor;

use cytologia_kernels::rng;

pub struct Mixed {
    pub x: Tensor,
    /// The partner targets and λ, when the batch was mixed.
    pub partner: Option<(Tensor, f64)>,
}

pub fn mix(x: &Tensor, y: &Tensor, r: &mut Mt64) -> Mixed {
    let n = x.size()[0];
    if rng::uniform(r) <= 0.5 || n < 2 {
        return Mixed { x: x.shallow_clone(), partner: None };
    }
    let perm: Vec<i64> = rng::permutation(r, n as usize).into_iter().map(|v| v as i64).collect();
    let perm = Tensor::from_slice(&perm).to_device(x.device());
    let (xb, yb) = (x.index_select(0, &perm), y.index_select(0, &perm));
    if rng::uniform(r) > 0.5 {
        let (h, w) = (x.size()[2], x.size()[3]);
        let lam = rng::beta(r, 1.0, 1.0);
        let cut = (1.0 - lam).sqrt();
        let (cw, ch) = ((w as f64 * cut) as i64, (h as f64 * cut) as i64);
        let (cx, cy) = (rng::randint(r, 0, w - 1), rng::randint(r, 0, h - 1));
        let (x1, x2) = ((cx - cw / 2).clamp(0, w), (cx + cw / 2).clamp(0, w));
        let (y1, y2) = ((cy - ch / 2).clamp(0, h), (cy + ch / 2).clamp(0, h));
        let out = x.copy();
        if x2 > x1 && y2 > y1 {
            out.narrow(2, y1, y2 - y1).narrow(3, x1, x2 - x1).copy_(&xb.narrow(2, y1, y2 - y1).narrow(3, x1, x2 - x1));
        }
        let lam = 1.0 - ((x2 - x1) * (y2 - y1)) as f64 / (w * h) as f64;
        Mixed { x: out, partner: Some((yb, lam)) }
    } else {
        let lam = rng::beta(r, 0.2, 0.2);
        Mixed { x: x * lam + xb * (1.0 - lam), partner: Some((yb, lam)) }
    }
}
