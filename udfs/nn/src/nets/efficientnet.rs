//! EfficientNet-B0 and TF EfficientNetV2-S/M with timm's parameter names (`conv_stem`, `bn1`,
//! `blocks.{stage}.{i}.*`, `conv_head`, `bn2`, `classifier`). The `tf_` variants use TF "same"
//! padding and batch-norm epsilon 1e-3, as the ported TensorFlow weights expect.
use tch::Tensor;
use tch::nn::{self, Module, ModuleT};

use super::efficientnet_blocks::{Block, Kind::*, Stage, build, stage};
use super::layers::{Conv, ConvBn, Pad, avg_pool, bn, goog_conv, head};

#[derive(Debug, Clone, Copy)]
pub struct EfficientNetConfig {
    pub stages: &'static [Stage],
    pub stem: i64,
    pub features: i64,
    pub eps: f64,
    pub pad: Pad,
}

const B0: &[Stage] = &[
    stage(Ds, 1, 3, 1, 1, 16, true),
    stage(Ir, 2, 3, 2, 6, 24, true),
    stage(Ir, 2, 5, 2, 6, 40, true),
    stage(Ir, 3, 3, 2, 6, 80, true),
    stage(Ir, 3, 5, 1, 6, 112, true),
    stage(Ir, 4, 5, 2, 6, 192, true),
    stage(Ir, 1, 3, 1, 6, 320, true),
];

const V2_S: &[Stage] = &[
    stage(Cn, 2, 3, 1, 1, 24, false),
    stage(Er, 4, 3, 2, 4, 48, false),
    stage(Er, 4, 3, 2, 4, 64, false),
    stage(Ir, 6, 3, 2, 4, 128, true),
    stage(Ir, 9, 3, 1, 6, 160, true),
    stage(Ir, 15, 3, 2, 6, 256, true),
];

const V2_M: &[Stage] = &[
    stage(Cn, 3, 3, 1, 1, 24, false),
    stage(Er, 5, 3, 2, 4, 48, false),
    stage(Er, 5, 3, 2, 4, 80, false),
    stage(Ir, 7, 3, 2, 4, 160, true),
    stage(Ir, 14, 3, 1, 6, 176, true),
    stage(Ir, 18, 3, 2, 6, 304, true),
    stage(Ir, 5, 3, 1, 6, 512, true),
];

impl EfficientNetConfig {
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "efficientnet_b0" => Some(EfficientNetConfig { stages: B0, stem: 32, features: 1280, eps: 1e-5, pad: Pad::Torch }),
            "tf_efficientnetv2_s" => Some(EfficientNetConfig { stages: V2_S, stem: 24, features: 1280, eps: 1e-3, pad: Pad::Same }),
            "tf_efficientnetv2_m" => Some(EfficientNetConfig { stages: V2_M, stem: 24, features: 1280, eps: 1e-3, pad: Pad::Same }),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct EfficientNet {
    stem: ConvBn,
    blocks: Vec<Block>,
    conv_head: ConvBn,
    classifier: nn::Linear,
}

impl EfficientNet {
    pub fn new(p: &nn::Path, cfg: EfficientNetConfig, classes: i64) -> Self {
        let stem = ConvBn {
            conv: Conv::new(p / "conv_stem", 3, cfg.stem, 3, 2, 1, false, cfg.pad, goog_conv(cfg.stem, 3, 1)),
            bn: bn(p / "bn1", cfg.stem, cfg.eps, 1.),
        };
        let (blocks, last) = build(&(p / "blocks"), cfg.stages, cfg.stem, cfg.eps, cfg.pad);
        let conv_head = ConvBn {
            conv: Conv::new(p / "conv_head", last, cfg.features, 1, 1, 1, false, cfg.pad, goog_conv(cfg.features, 1, 1)),
            bn: bn(p / "bn2", cfg.features, cfg.eps, 1.),
        };
        EfficientNet { stem, blocks, conv_head, classifier: head(p / "classifier", cfg.features, classes) }
    }
}

impl ModuleT for EfficientNet {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let mut y = self.stem.forward_t(x, train).silu();
        for b in &self.blocks {
            y = b.forward_t(&y, train);
        }
        let y = self.conv_head.forward_t(&y, train).silu();
        self.classifier.forward(&avg_pool(&y))
    }
}
