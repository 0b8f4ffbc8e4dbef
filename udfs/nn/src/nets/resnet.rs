//! ResNet-18/34/50 with timm's parameter names (`conv1`, `bn1`, `layer1.0.conv1`, ...,
//! `downsample.0/1`, `fc`), so a timm `model.safetensors` loads as it is.
use tch::Tensor;
use tch::nn::{self, Module, ModuleT};

use super::layers::{Conv, ConvBn, KAIMING_FAN_OUT, Pad, avg_pool, bn, head};

const EPS: f64 = 1e-5;

#[derive(Debug, Clone, Copy)]
pub struct ResNetConfig {
    pub layers: [usize; 4],
    pub bottleneck: bool,
}

impl ResNetConfig {
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "resnet18" => Some(ResNetConfig { layers: [2, 2, 2, 2], bottleneck: false }),
            "resnet34" => Some(ResNetConfig { layers: [3, 4, 6, 3], bottleneck: false }),
            "resnet50" => Some(ResNetConfig { layers: [3, 4, 6, 3], bottleneck: true }),
            _ => None,
        }
    }
}

fn conv_bn(p: &nn::Path, conv: &str, norm: &str, cin: i64, cout: i64, k: i64, stride: i64) -> ConvBn {
    conv_bn_gamma(p, conv, norm, cin, cout, k, stride, 1.)
}

/// timm zero-initialises the last norm of each residual block (`zero_init_last`), so that
/// every block starts as the identity.
fn conv_bn_gamma(p: &nn::Path, conv: &str, norm: &str, cin: i64, cout: i64, k: i64, stride: i64, gamma: f64) -> ConvBn {
    ConvBn { conv: Conv::new(p / conv, cin, cout, k, stride, 1, false, Pad::Torch, KAIMING_FAN_OUT), bn: bn(p / norm, cout, EPS, gamma) }
}

#[derive(Debug)]
struct Block {
    convs: Vec<ConvBn>,
    downsample: Option<ConvBn>,
}

impl Block {
    fn new(p: &nn::Path, cin: i64, planes: i64, stride: i64, bottleneck: bool) -> (Block, i64) {
        let cout = if bottleneck { planes * 4 } else { planes };
        let convs = if bottleneck {
            vec![
                conv_bn(p, "conv1", "bn1", cin, planes, 1, 1),
                conv_bn(p, "conv2", "bn2", planes, planes, 3, stride),
                conv_bn_gamma(p, "conv3", "bn3", planes, cout, 1, 1, 0.),
            ]
        } else {
            vec![conv_bn(p, "conv1", "bn1", cin, planes, 3, stride), conv_bn_gamma(p, "conv2", "bn2", planes, planes, 3, 1, 0.)]
        };
        let downsample = (stride != 1 || cin != cout).then(|| conv_bn(&(p / "downsample"), "0", "1", cin, cout, 1, stride));
        (Block { convs, downsample }, cout)
    }

    // In place, as timm's blocks (`ReLU(inplace=True)`, `x += shortcut`): batch norm's and
    // addition's backward do not need their outputs, and a training step then writes two
    // fewer activation-sized tensors per block.
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let mut y = x.shallow_clone();
        let last = self.convs.len() - 1;
        for (i, c) in self.convs.iter().enumerate() {
            y = c.forward_t(&y, train);
            if i < last {
                let _ = y.relu_();
            }
        }
        match &self.downsample {
            Some(d) => y += d.forward_t(x, train),
            None => y += x,
        }
        let _ = y.relu_();
        y
    }
}

#[derive(Debug)]
pub struct ResNet {
    stem: ConvBn,
    blocks: Vec<Block>,
    fc: nn::Linear,
}

impl ResNet {
    pub fn new(p: &nn::Path, cfg: ResNetConfig, classes: i64) -> ResNet {
        let stem = ConvBn { conv: Conv::new(p / "conv1", 3, 64, 7, 2, 1, false, Pad::Torch, KAIMING_FAN_OUT), bn: bn(p / "bn1", 64, EPS, 1.) };
        let mut blocks = Vec::new();
        let mut cin = 64;
        for (stage, &n) in cfg.layers.iter().enumerate() {
            let planes = 64 << stage;
            let lp = p / format!("layer{}", stage + 1);
            for i in 0..n {
                let stride = if stage > 0 && i == 0 { 2 } else { 1 };
                let (b, cout) = Block::new(&(&lp / i), cin, planes, stride, cfg.bottleneck);
                blocks.push(b);
                cin = cout;
            }
        }
        ResNet { stem, blocks, fc: head(p / "fc", cin, classes) }
    }
}

impl ModuleT for ResNet {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let mut y = self.stem.forward_t(x, train);
        let _ = y.relu_();
        let mut y = y.max_pool2d([3, 3], [2, 2], [1, 1], [1, 1], false);
        for b in &self.blocks {
            y = b.forward_t(&y, train);
        }
        self.fc.forward(&avg_pool(&y))
    }
}
