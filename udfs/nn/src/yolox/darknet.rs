//! CSPDarknet, YOLOX's backbone (`yolox/models/darknet.py`): a Focus stem and four stages
//! (`dark2`..`dark5`), each a strided conv and a CSP layer, SPP before dark5's CSP layer.
use tch::Tensor;
use tch::nn;

use super::blocks::{Conv, CspLayer, Focus, SppBottleneck};

#[derive(Debug)]
pub(crate) struct Stage {
    pub(crate) down: Conv,
    pub(crate) spp: Option<SppBottleneck>,
    pub(crate) csp: CspLayer,
}

impl Stage {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let mut y = self.down.forward_t(x, train);
        if let Some(spp) = &self.spp {
            y = spp.forward_t(&y, train);
        }
        self.csp.forward_t(&y, train)
    }
}

#[derive(Debug)]
pub struct CspDarknet {
    pub(crate) stem: Focus,
    pub(crate) stages: Vec<Stage>,
}

/// Python's `round` (half to even), as YOLOX sizes depths with it.
pub fn py_round(v: f64) -> i64 {
    let r = v.round();
    (if (v - v.trunc()).abs() == 0.5 && r % 2.0 != 0.0 { r - v.signum() } else { r }) as i64
}

impl CspDarknet {
    pub fn new(p: &nn::Path, depth: f64, width: f64, depthwise: bool) -> CspDarknet {
        let base = (width * 64.0) as i64;
        let base_depth = py_round(depth * 3.0).max(1);
        let stem = Focus::new(&(p / "stem"), 3, base, 3);
        let mut stages = Vec::new();
        for (i, (n, last)) in [(base_depth, false), (base_depth * 3, false), (base_depth * 3, false), (base_depth, true)].into_iter().enumerate() {
            let (cin, cout) = (base << i, base << (i + 1));
            let sp = p / format!("dark{}", i + 2);
            let down = Conv::new(&(&sp / 0), cin, cout, 3, 2, depthwise);
            let (spp, csp_index) = if last { (Some(SppBottleneck::new(&(&sp / 1), cout, cout)), 2) } else { (None, 1) };
            // The last stage's CSP layer has no shortcuts.
            let csp = CspLayer::new(&(&sp / csp_index), cout, cout, n, !last, depthwise);
            stages.push(Stage { down, spp, csp });
        }
        CspDarknet { stem, stages }
    }

    /// The outputs of dark3, dark4 and dark5 (strides 8, 16, 32).
    pub fn forward_t(&self, x: &Tensor, train: bool) -> [Tensor; 3] {
        let mut all = self.forward_stages(x, train);
        let c = all.pop().expect("dark5");
        let b = all.pop().expect("dark4");
        let a = all.pop().expect("dark3");
        [a, b, c]
    }

    /// The stem's and every stage's output (stem, dark2..dark5).
    pub fn forward_stages(&self, x: &Tensor, train: bool) -> Vec<Tensor> {
        let mut outs = vec![self.stem.forward_t(x, train)];
        for s in &self.stages {
            let y = s.forward_t(outs.last().expect("stem"), train);
            outs.push(y);
        }
        outs
    }
}

#[cfg(test)]
mod tests {
    use super::py_round;

    #[test]
    fn rounds_half_to_even_like_python() {
        assert_eq!(py_round(0.99), 1);
        assert_eq!(py_round(2.01), 2);
        assert_eq!(py_round(0.5), 0);
        assert_eq!(py_round(1.5), 2);
        assert_eq!(py_round(2.5), 2);
        assert_eq!(py_round(3.99), 4);
    }
}
