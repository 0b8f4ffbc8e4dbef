//! The winning recipe's losses (docs/pipeline.md §8.3): cross-entropy on (possibly mixed) one-hot targets for
//! multi-class models, focal BCE (α 1, γ 2, mean over every element) for multi-label ones.
use tch::{Reduction, Tensor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    Ce,
    FocalBce,
}

impl Loss {
    pub fn parse(s: &str) -> Option<Loss> {
        match s.to_ascii_lowercase().as_str() {
            "ce" | "cross_entropy" => Some(Loss::Ce),
            "focal_bce" | "focal" => Some(Loss::FocalBce),
            _ => None,
        }
    }

    pub fn compute(self, logits: &Tensor, target: &Tensor) -> Tensor {
        match self {
            Loss::Ce => -(target * logits.log_softmax(1, logits.kind())).sum_dim_intlist(1, false, logits.kind()).mean(logits.kind()),
            Loss::FocalBce => {
                let bce = logits.binary_cross_entropy_with_logits::<Tensor>(target, None, None, Reduction::None);
                let pt = (-&bce).exp();
                ((pt * -1.0 + 1.0).pow_tensor_scalar(2.0) * bce).mean(logits.kind())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_match_their_definitions() {
        let logits = Tensor::from_slice(&[2.0f32, 0.0, -1.0, 0.5, 0.5, 0.5]).view([2, 3]);
        let target = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 0.0, 0.0, 1.0]).view([2, 3]);
        let ce = Loss::Ce.compute(&logits, &target).double_value(&[]);
        let p0 = (2f64).exp() / ((2f64).exp() + 1.0 + (-1f64).exp());
        let want = (-(p0.ln()) + (3f64).ln()) / 2.0;
        assert!((ce - want).abs() < 1e-6, "{ce} vs {want}");
        let f = Loss::FocalBce.compute(&logits, &target).double_value(&[]);
        let mut acc = 0.0;
        let (l, t) = ([2.0f64, 0.0, -1.0, 0.5, 0.5, 0.5], [1.0f64, 0.0, 0.0, 0.0, 0.0, 1.0]);
        for i in 0..6 {
            let p = 1.0 / (1.0 + (-l[i]).exp());
            let bce = -(t[i] * p.ln() + (1.0 - t[i]) * (1.0 - p).ln());
            acc += (1.0 - (-bce).exp()).powi(2) * bce;
        }
        assert!((f - acc / 6.0).abs() < 1e-6, "{f} vs {}", acc / 6.0);
    }
}
