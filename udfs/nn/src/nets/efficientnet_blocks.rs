//! The blocks of timm's EfficientNet family, with its parameter names: `cn` ConvBnAct,
//! `ds` depthwise-separable, `er` edge residual (EfficientNetV2's fused MBConv), `ir` inverted
//! residual (MBConv), each with optional squeeze-excitation.
use tch::Tensor;
use tch::nn;

use super::layers::{Conv, ConvBn, Pad, bn, goog_conv};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cn,
    Ds,
    Er,
    Ir,
}

/// One stage of an architecture definition (timm's `arch_def` strings, decoded).
#[derive(Debug, Clone, Copy)]
pub struct Stage {
    pub kind: Kind,
    pub repeats: usize,
    pub kernel: i64,
    pub stride: i64,
    pub expand: i64,
    pub out: i64,
    pub se: bool,
}

pub const fn stage(kind: Kind, repeats: usize, kernel: i64, stride: i64, expand: i64, out: i64, se: bool) -> Stage {
    Stage { kind, repeats, kernel, stride, expand, out, se }
}

#[derive(Debug)]
struct SqueezeExcite {
    reduce: nn::Conv2D,
    expand: nn::Conv2D,
}

impl SqueezeExcite {
    /// timm sizes the bottleneck from the block's input channels: round(in · 0.25).
    fn new(p: nn::Path, channels: i64, block_in: i64) -> Self {
        let rd = ((block_in as f64) * 0.25).round() as i64;
        let cfg = |out| nn::ConvConfig { ws_init: goog_conv(out, 1, 1), ..Default::default() };
        SqueezeExcite {
            reduce: nn::conv2d(&p / "conv_reduce", channels, rd, 1, cfg(rd)),
            expand: nn::conv2d(&p / "conv_expand", rd, channels, 1, cfg(channels)),
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let s = x.mean_dim(&[2i64, 3][..], true, x.kind()).apply(&self.reduce).silu().apply(&self.expand);
        x * s.sigmoid()
    }
}

#[derive(Debug)]
pub struct Block {
    kind: Kind,
    convs: Vec<ConvBn>,
    se: Option<SqueezeExcite>,
    skip: bool,
}

fn conv_bn(p: &nn::Path, conv: &str, norm: &str, cin: i64, cout: i64, k: i64, stride: i64, groups: i64, eps: f64, pad: Pad) -> ConvBn {
    ConvBn { conv: Conv::new(p / conv, cin, cout, k, stride, groups, false, pad, goog_conv(cout, k, groups)), bn: bn(p / norm, cout, eps, 1.) }
}

impl Block {
    pub fn new(p: &nn::Path, s: &Stage, cin: i64, stride: i64, eps: f64, pad: Pad) -> Block {
        let (k, out) = (s.kernel, s.out);
        let mid = cin * s.expand;
        let cb = |conv, norm, a, b, k, st, g| conv_bn(p, conv, norm, a, b, k, st, g, eps, pad);
        let (convs, se_channels) = match s.kind {
            Kind::Cn => (vec![cb("conv", "bn1", cin, out, k, stride, 1)], 0),
            Kind::Ds => (vec![cb("conv_dw", "bn1", cin, cin, k, stride, cin), cb("conv_pw", "bn2", cin, out, 1, 1, 1)], cin),
            Kind::Er => (vec![cb("conv_exp", "bn1", cin, mid, k, stride, 1), cb("conv_pwl", "bn2", mid, out, 1, 1, 1)], mid),
            Kind::Ir => {
                (vec![cb("conv_pw", "bn1", cin, mid, 1, 1, 1), cb("conv_dw", "bn2", mid, mid, k, stride, mid), cb("conv_pwl", "bn3", mid, out, 1, 1, 1)], mid)
            }
        };
        let se = (s.se && se_channels > 0).then(|| SqueezeExcite::new(p / "se", se_channels, cin));
        // timm: a residual only where shape is kept (`ds`/`ir`/`er` always, `cn` when asked: all
        // EfficientNetV2 `cn` stages say `_skip`).
        Block { kind: s.kind, convs, se, skip: stride == 1 && cin == out }
    }

    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let n = self.convs.len();
        let mut y = x.shallow_clone();
        for (i, c) in self.convs.iter().enumerate() {
            y = c.forward_t(&y, train);
            // Every conv but the projection is followed by the activation; a `cn` block's
            // only conv is activated too.
            if i + 1 < n || self.kind == Kind::Cn {
                y = y.silu();
            }
            // Squeeze-excitation sits after the depthwise (or expanding) conv.
            let se_after = match self.kind {
                Kind::Ir => 1,
                _ => 0,
            };
            if i == se_after
                && i + 1 < n
                && let Some(se) = &self.se
            {
                y = se.forward(&y);
            }
        }
        if self.skip { y + x } else { y }
    }
}

/// Builds every block of a definition; returns them and the last stage's channels.
pub fn build(p: &nn::Path, stages: &[Stage], stem: i64, eps: f64, pad: Pad) -> (Vec<Block>, i64) {
    let mut blocks = Vec::new();
    let mut cin = stem;
    for (si, s) in stages.iter().enumerate() {
        for r in 0..s.repeats {
            let stride = if r == 0 { s.stride } else { 1 };
            blocks.push(Block::new(&(p / si / r), s, cin, stride, eps, pad));
            cin = s.out;
        }
    }
    (blocks, cin)
}
