//! SGD with momentum as `torch.optim.SGD` (used by the YOLOX trainer).
use tch::{Tensor, nn};

/// Hand-written SGD as torch.optim.SGD (dampening 0, Nesterov; the first step's buffer is the
/// gradient), so that weight decay applies per parameter group as YOLOX's `get_optimizer`.
pub struct Sgd {
    params: Vec<(Tensor, bool, Option<Tensor>)>,
    momentum: f64,
    weight_decay: f64,
}

impl Sgd {
    pub fn new(vs: &nn::VarStore, momentum: f64, weight_decay: f64) -> Sgd {
        let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().filter(|(_, v)| v.requires_grad()).collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        // No decay on biases and batch-norm weights (YOLOX's pg0 and pg2).
        let params = named.into_iter().map(|(n, v)| (v, !(n.ends_with(".bias") || n.contains(".bn.")), None)).collect();
        Sgd { params, momentum, weight_decay }
    }

    pub fn zero_grad(&mut self) {
        for (p, _, _) in &mut self.params {
            let mut g = p.grad();
            if g.defined() {
                let _ = g.zero_();
            }
        }
    }

    pub fn step(&mut self, lr: f64) {
        tch::no_grad(|| {
            for (p, decay, buf) in &mut self.params {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                let mut d = if *decay { &g + &*p * self.weight_decay } else { g.shallow_clone() };
                let b = match buf.take() {
                    None => d.detach().copy(),
                    Some(mut b) => {
                        let _ = b.g_mul_scalar_(self.momentum).g_add_(&d);
                        b
                    }
                };
                d += &b * self.momentum;
                let _ = p.g_sub_(&(d * lr));
                *buf = Some(b);
            }
        });
    }
}
