//! YOLOX's decoupled head (`yolox/models/yolo_head.py`): per level a 1x1 stem, two 3x3 convs
//! for classification and two for regression, then 1x1 predictors for classes, box (4) and
//! objectness (1), anchor-free (one prediction per grid cell).
use tch::Tensor;
use tch::nn;

use super::blocks::{BaseConv, Conv};
use crate::nets::TORCH_DEFAULT;

pub const STRIDES: [i64; 3] = [8, 16, 32];

#[derive(Debug)]
pub struct Head {
    pub(crate) stems: Vec<BaseConv>,
    pub(crate) cls_convs: Vec<[Conv; 2]>,
    pub(crate) reg_convs: Vec<[Conv; 2]>,
    pub(crate) cls_preds: Vec<nn::Conv2D>,
    pub(crate) reg_preds: Vec<nn::Conv2D>,
    pub(crate) obj_preds: Vec<nn::Conv2D>,
    pub classes: i64,
}

/// One level's raw predictions (logits; box offsets before the grid decode).
pub struct Level {
    pub reg: Tensor,
    pub obj: Tensor,
    pub cls: Tensor,
}

/// PyTorch's Conv2d default (what YOLOX keeps for its predictors), with a bias.
fn predictor(p: nn::Path, cin: i64, cout: i64, bias: Option<f64>) -> nn::Conv2D {
    let bound = 1.0 / (cin as f64).sqrt();
    let bs_init = match bias {
        Some(b) => nn::Init::Const(b),
        None => nn::Init::Uniform { lo: -bound, up: bound },
    };
    nn::conv2d(p, cin, cout, 1, nn::ConvConfig { ws_init: TORCH_DEFAULT, bs_init, ..Default::default() })
}

impl Head {
    pub fn new(p: &nn::Path, classes: i64, width: f64, in_channels: [i64; 3], depthwise: bool) -> Head {
        let hidden = (256.0 * width) as i64;
        // `initialize_biases(1e-2)`: objectness and classes start at a 1% prior.
        let prior = -((1.0f64 - 0.01) / 0.01).ln();
        let mut h = Head { stems: vec![], cls_convs: vec![], reg_convs: vec![], cls_preds: vec![], reg_preds: vec![], obj_preds: vec![], classes };
        for (i, &c) in in_channels.iter().enumerate() {
            let i = i as i64;
            let pair = |name: &str| {
                let q = p / name / i;
                [Conv::new(&(&q / 0), hidden, hidden, 3, 1, depthwise), Conv::new(&(&q / 1), hidden, hidden, 3, 1, depthwise)]
            };
            h.cls_convs.push(pair("cls_convs"));
            h.reg_convs.push(pair("reg_convs"));
            h.cls_preds.push(predictor(p / "cls_preds" / i, hidden, classes, Some(prior)));
            h.reg_preds.push(predictor(p / "reg_preds" / i, hidden, 4, None));
            h.obj_preds.push(predictor(p / "obj_preds" / i, hidden, 1, Some(prior)));
            h.stems.push(BaseConv::new(&(p / "stems" / i), (c as f64 * width) as i64, hidden, 1, 1, 1));
        }
        h
    }

    pub fn forward_t(&self, feats: &[Tensor; 3], train: bool) -> Vec<Level> {
        feats
            .iter()
            .enumerate()
            .map(|(k, x)| {
                let x = self.stems[k].forward_t(x, train);
                let two = |c: &[Conv; 2]| c[1].forward_t(&c[0].forward_t(&x, train), train);
                let cls_feat = two(&self.cls_convs[k]);
                let reg_feat = two(&self.reg_convs[k]);
                Level { reg: reg_feat.apply(&self.reg_preds[k]), obj: reg_feat.apply(&self.obj_preds[k]), cls: cls_feat.apply(&self.cls_preds[k]) }
            })
            .collect()
    }
}

/// Concatenates the levels to `[N, anchors, 5 + C]` (anchor order: level, then row-major
/// cells), with `[reg(4), obj, cls..]` per anchor; `sigmoid` applies the inference
/// activations to objectness and classes.
pub fn flatten(levels: &[Level], sigmoid: bool) -> Tensor {
    let parts: Vec<Tensor> = levels
        .iter()
        .map(|l| {
            let (obj, cls) = if sigmoid { (l.obj.sigmoid(), l.cls.sigmoid()) } else { (l.obj.shallow_clone(), l.cls.shallow_clone()) };
            Tensor::cat(&[l.reg.shallow_clone(), obj, cls], 1).flatten(2, -1)
        })
        .collect();
    Tensor::cat(&parts, 2).permute([0, 2, 1])
}

/// Per anchor: grid x, grid y and stride, `[anchors, 3]`, in `flatten`'s order.
pub fn grid(levels: &[Level]) -> Tensor {
    let sizes: Vec<(i64, i64)> = levels.iter().map(|l| (l.reg.size()[2], l.reg.size()[3])).collect();
    grid_of(&sizes, levels.first().map_or(tch::Device::Cpu, |l| l.reg.device()))
}

/// The same from the levels' (height, width).
pub fn grid_of(sizes: &[(i64, i64)], device: tch::Device) -> Tensor {
    let parts: Vec<Tensor> = sizes
        .iter()
        .zip(STRIDES)
        .map(|(&(h, w), s)| {
            let opts = (tch::Kind::Float, device);
            let ys = Tensor::arange(h, opts).view([h, 1]).expand([h, w], false);
            let xs = Tensor::arange(w, opts).view([1, w]).expand([h, w], false);
            Tensor::stack(&[xs.reshape([-1]), ys.reshape([-1]), Tensor::full([h * w], s as f64, opts)], 1)
        })
        .collect();
    Tensor::cat(&parts, 0)
}

/// Grid decode of `[N, A, 5 + C]`: centre `(t + g)·stride`, size `exp(t)·stride`, in input
/// pixels (`decode_outputs`).
pub fn decode(out: &Tensor, grid: &Tensor) -> Tensor {
    let g = grid.unsqueeze(0);
    let stride = g.narrow(2, 2, 1);
    let xy = (out.narrow(2, 0, 2) + g.narrow(2, 0, 2)) * &stride;
    let wh = out.narrow(2, 2, 2).exp() * &stride;
    Tensor::cat(&[xy, wh, out.narrow(2, 4, out.size()[2] - 4)], 2)
}
