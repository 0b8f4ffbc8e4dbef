//! YOLOX's path-aggregation neck (`yolox/models/yolo_pafpn.py`): top-down (lateral 1x1,
//! nearest 2x upsample, CSP) then bottom-up (strided conv, CSP) over dark3..dark5.
use tch::Tensor;
use tch::nn;

use super::blocks::{BaseConv, Conv, CspLayer};
use super::darknet::{CspDarknet, py_round};

/// Channels of dark3..dark5 at width 1.
pub const IN_CHANNELS: [i64; 3] = [256, 512, 1024];

#[derive(Debug)]
pub struct Pafpn {
    pub(crate) backbone: CspDarknet,
    pub(crate) lateral_conv0: BaseConv,
    pub(crate) c3_p4: CspLayer,
    pub(crate) reduce_conv1: BaseConv,
    pub(crate) c3_p3: CspLayer,
    pub(crate) bu_conv2: Conv,
    pub(crate) c3_n3: CspLayer,
    pub(crate) bu_conv1: Conv,
    pub(crate) c3_n4: CspLayer,
}

fn up(x: &Tensor) -> Tensor {
    let (h, w) = (x.size()[2], x.size()[3]);
    x.upsample_nearest2d([h * 2, w * 2], 2.0, 2.0)
}

impl Pafpn {
    pub fn new(p: &nn::Path, depth: f64, width: f64, depthwise: bool) -> Pafpn {
        let c = IN_CHANNELS.map(|v| (v as f64 * width) as i64);
        let n = py_round(3.0 * depth);
        Pafpn {
            backbone: CspDarknet::new(&(p / "backbone"), depth, width, depthwise),
            lateral_conv0: BaseConv::new(&(p / "lateral_conv0"), c[2], c[1], 1, 1, 1),
            c3_p4: CspLayer::new(&(p / "C3_p4"), 2 * c[1], c[1], n, false, depthwise),
            reduce_conv1: BaseConv::new(&(p / "reduce_conv1"), c[1], c[0], 1, 1, 1),
            c3_p3: CspLayer::new(&(p / "C3_p3"), 2 * c[0], c[0], n, false, depthwise),
            bu_conv2: Conv::new(&(p / "bu_conv2"), c[0], c[0], 3, 2, depthwise),
            c3_n3: CspLayer::new(&(p / "C3_n3"), 2 * c[0], c[1], n, false, depthwise),
            bu_conv1: Conv::new(&(p / "bu_conv1"), c[1], c[1], 3, 2, depthwise),
            c3_n4: CspLayer::new(&(p / "C3_n4"), 2 * c[1], c[2], n, false, depthwise),
        }
    }

    /// The three pyramid outputs (strides 8, 16, 32).
    pub fn forward_t(&self, x: &Tensor, train: bool) -> [Tensor; 3] {
        let [x2, x1, x0] = self.backbone.forward_t(x, train);
        self.neck(x2, x1, x0, train)
    }

    /// The backbone's stages (stem, dark2..dark5) and the three outputs, for the goldens.
    #[cfg(test)]
    pub fn forward_stages(&self, x: &Tensor) -> (Vec<Tensor>, [Tensor; 3]) {
        let stages = self.backbone.forward_stages(x, false);
        let out = self.neck(stages[2].shallow_clone(), stages[3].shallow_clone(), stages[4].shallow_clone(), false);
        (stages, out)
    }

    fn neck(&self, x2: Tensor, x1: Tensor, x0: Tensor, train: bool) -> [Tensor; 3] {
        let fpn_out0 = self.lateral_conv0.forward_t(&x0, train);
        let f_out0 = self.c3_p4.forward_t(&Tensor::cat(&[up(&fpn_out0), x1], 1), train);
        let fpn_out1 = self.reduce_conv1.forward_t(&f_out0, train);
        let pan_out2 = self.c3_p3.forward_t(&Tensor::cat(&[up(&fpn_out1), x2], 1), train);
        let p_out1 = self.bu_conv2.forward_t(&pan_out2, train);
        let pan_out1 = self.c3_n3.forward_t(&Tensor::cat(&[p_out1, fpn_out1], 1), train);
        let p_out0 = self.bu_conv1.forward_t(&pan_out1, train);
        let pan_out0 = self.c3_n4.forward_t(&Tensor::cat(&[p_out0, fpn_out0], 1), train);
        [pan_out2, pan_out1, pan_out0]
    }
}
