//! YOLOX's building blocks (`yolox/models/network_blocks.py`) with the official parameter
//! names: `BaseConv` (`conv`, `bn`), `DWConv` (`dconv`, `pconv`), `Bottleneck`, `CSPLayer`,
//! `SPPBottleneck`, `Focus`.
use tch::Tensor;
use tch::nn;

use crate::nets::TORCH_DEFAULT;

/// YOLOX sets every BatchNorm to eps 1e-3, momentum 0.03 (`Exp.get_model`'s `init_yolo`).
pub(crate) const BN_EPS: f64 = 1e-3;
pub(crate) const BN_MOMENTUM: f64 = 0.03;

/// Conv (no bias, "same" padding for odd kernels) + BN + SiLU.
#[derive(Debug)]
pub struct BaseConv {
    pub(crate) conv: nn::Conv2D,
    pub(crate) bn: nn::BatchNorm,
    /// Kept for the ONNX export (tch's conv config is private).
    pub(crate) stride: i64,
    pub(crate) groups: i64,
}

impl BaseConv {
    pub fn new(p: &nn::Path, cin: i64, cout: i64, k: i64, stride: i64, groups: i64) -> BaseConv {
        let cfg = nn::ConvConfig { stride, padding: (k - 1) / 2, groups, bias: false, ws_init: TORCH_DEFAULT, ..Default::default() };
        let bn_cfg = nn::BatchNormConfig { eps: BN_EPS, momentum: BN_MOMENTUM, ws_init: nn::Init::Const(1.), ..Default::default() };
        BaseConv { conv: nn::conv2d(p / "conv", cin, cout, k, cfg), bn: nn::batch_norm2d(p / "bn", cout, bn_cfg), stride, groups }
    }

    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        x.apply(&self.conv).apply_t(&self.bn, train).silu()
    }
}

/// `BaseConv`, or YOLOX's depthwise-separable `DWConv` (nano): a depthwise `dconv` then a
/// pointwise `pconv`.
#[derive(Debug)]
// Built once per layer when a model loads; boxing would only add an indirection per call.
#[allow(clippy::large_enum_variant)]
pub enum Conv {
    Base(BaseConv),
    Dw { dconv: BaseConv, pconv: BaseConv },
}

impl Conv {
    pub fn new(p: &nn::Path, cin: i64, cout: i64, k: i64, stride: i64, depthwise: bool) -> Conv {
        if depthwise {
            Conv::Dw { dconv: BaseConv::new(&(p / "dconv"), cin, cin, k, stride, cin), pconv: BaseConv::new(&(p / "pconv"), cin, cout, 1, 1, 1) }
        } else {
            Conv::Base(BaseConv::new(p, cin, cout, k, stride, 1))
        }
    }

    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        match self {
            Conv::Base(c) => c.forward_t(x, train),
            Conv::Dw { dconv, pconv } => pconv.forward_t(&dconv.forward_t(x, train), train),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Bottleneck {
    pub(crate) conv1: BaseConv,
    pub(crate) conv2: Conv,
    pub(crate) add: bool,
}

impl Bottleneck {
    fn new(p: &nn::Path, cin: i64, cout: i64, shortcut: bool, depthwise: bool) -> Bottleneck {
        // CSPLayer builds its bottlenecks with expansion 1.0.
        let hidden = cout;
        Bottleneck {
            conv1: BaseConv::new(&(p / "conv1"), cin, hidden, 1, 1, 1),
            conv2: Conv::new(&(p / "conv2"), hidden, cout, 3, 1, depthwise),
            add: shortcut && cin == cout,
        }
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let y = self.conv2.forward_t(&self.conv1.forward_t(x, train), train);
        if self.add { y + x } else { y }
    }
}

/// Cross-stage partial layer: two 1x1 branches, `n` bottlenecks on the first, concatenated
/// and merged by `conv3`.
#[derive(Debug)]
pub struct CspLayer {
    pub(crate) conv1: BaseConv,
    pub(crate) conv2: BaseConv,
    pub(crate) conv3: BaseConv,
    pub(crate) m: Vec<Bottleneck>,
}

impl CspLayer {
    pub fn new(p: &nn::Path, cin: i64, cout: i64, n: i64, shortcut: bool, depthwise: bool) -> CspLayer {
        let hidden = (cout as f64 * 0.5) as i64;
        let m = p / "m";
        CspLayer {
            conv1: BaseConv::new(&(p / "conv1"), cin, hidden, 1, 1, 1),
            conv2: BaseConv::new(&(p / "conv2"), cin, hidden, 1, 1, 1),
            conv3: BaseConv::new(&(p / "conv3"), 2 * hidden, cout, 1, 1, 1),
            m: (0..n).map(|i| Bottleneck::new(&(&m / i), hidden, hidden, shortcut, depthwise)).collect(),
        }
    }

    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let mut x1 = self.conv1.forward_t(x, train);
        let x2 = self.conv2.forward_t(x, train);
        for b in &self.m {
            x1 = b.forward_t(&x1, train);
        }
        self.conv3.forward_t(&Tensor::cat(&[x1, x2], 1), train)
    }
}

/// Spatial pyramid pooling (max pools 5, 9, 13 at stride 1) between two 1x1 convs.
#[derive(Debug)]
pub struct SppBottleneck {
    pub(crate) conv1: BaseConv,
    pub(crate) conv2: BaseConv,
}

pub(crate) const SPP_KERNELS: [i64; 3] = [5, 9, 13];

impl SppBottleneck {
    pub fn new(p: &nn::Path, cin: i64, cout: i64) -> SppBottleneck {
        let hidden = cin / 2;
        SppBottleneck { conv1: BaseConv::new(&(p / "conv1"), cin, hidden, 1, 1, 1), conv2: BaseConv::new(&(p / "conv2"), hidden * 4, cout, 1, 1, 1) }
    }

    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let x = self.conv1.forward_t(x, train);
        let mut parts = vec![x.shallow_clone()];
        parts.extend(SPP_KERNELS.iter().map(|&k| x.max_pool2d([k, k], [1, 1], [k / 2, k / 2], [1, 1], false)));
        self.conv2.forward_t(&Tensor::cat(&parts, 1), train)
    }
}

/// Space-to-depth: the four pixel phases stacked on channels (top-left, bottom-left,
/// top-right, bottom-right, YOLOX's order), then a conv.
#[derive(Debug)]
pub struct Focus {
    pub(crate) conv: BaseConv,
}

impl Focus {
    pub fn new(p: &nn::Path, cin: i64, cout: i64, k: i64) -> Focus {
        Focus { conv: BaseConv::new(&(p / "conv"), cin * 4, cout, k, 1, 1) }
    }

    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let phase = |r: i64, c: i64| x.slice(2, r, None, 2).slice(3, c, None, 2);
        self.conv.forward_t(&Tensor::cat(&[phase(0, 0), phase(1, 0), phase(0, 1), phase(1, 1)], 1), train)
    }
}
