//! The exponential moving average of a model's weights, as YOLOX's `ModelEMA`.
use tch::{Tensor, nn};

/// `ModelEMA`: decay 0.9998 ramped by (1 − exp(−updates/2000)), over every float variable
/// (batch-norm statistics included).
pub struct Ema {
    pairs: Vec<(Tensor, Tensor)>,
    updates: f64,
}

impl Ema {
    pub fn new(model: &nn::VarStore, ema: &nn::VarStore) -> Ema {
        let src = model.variables();
        let dst = ema.variables();
        let mut pairs = Vec::new();
        tch::no_grad(|| {
            for (k, v) in &src {
                let mut e = dst[k].shallow_clone();
                e.copy_(v);
                pairs.push((e, v.shallow_clone()));
            }
        });
        Ema { pairs, updates: 0.0 }
    }

    pub fn update(&mut self) {
        self.updates += 1.0;
        let d = 0.9998 * (1.0 - (-self.updates / 2000.0).exp());
        tch::no_grad(|| {
            for (e, v) in &mut self.pairs {
                let _ = e.g_mul_scalar_(d).g_add_(&(v.detach() * (1.0 - d)));
            }
        });
    }
}
