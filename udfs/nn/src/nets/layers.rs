//! Building blocks shared by the architectures: convolutions with PyTorch or TensorFlow
//! ("same") padding, batch norm with the right epsilon, the classifier head.
use tch::Tensor;
use tch::nn::{self, Module};

/// How a convolution pads: PyTorch's symmetric `k / 2`, or TF "same" (asymmetric when needed,
/// computed from the input size at run time, as timm's `Conv2dSame`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pad {
    Torch,
    Same,
}

#[derive(Debug)]
pub struct Conv {
    conv: nn::Conv2D,
    same: Option<(i64, i64)>,
}

impl Conv {
    pub fn new(p: nn::Path, cin: i64, cout: i64, k: i64, stride: i64, groups: i64, bias: bool, pad: Pad, init: nn::Init) -> Conv {
        // TF "same" with stride 1 and an odd kernel is symmetric: a static pad does it.
        let dynamic = pad == Pad::Same && stride > 1;
        let cfg = nn::ConvConfig { stride, padding: if dynamic { 0 } else { k / 2 }, groups, bias, ws_init: init, ..Default::default() };
        Conv { conv: nn::conv2d(p, cin, cout, k, cfg), same: dynamic.then_some((k, stride)) }
    }
}

/// TF "same" padding of one axis: total = max((ceil(i / s) - 1)·s + k - i, 0), extra on the end.
fn same_pad(i: i64, k: i64, s: i64) -> (i64, i64) {
    let total = (((i + s - 1) / s - 1) * s + k - i).max(0);
    (total / 2, total - total / 2)
}

impl Module for Conv {
    fn forward(&self, x: &Tensor) -> Tensor {
        match self.same {
            None => x.apply(&self.conv),
            Some((k, s)) => {
                let (h, w) = (x.size()[2], x.size()[3]);
                let (t, b) = same_pad(h, k, s);
                let (l, r) = same_pad(w, k, s);
                if t + b + l + r == 0 { x.apply(&self.conv) } else { x.constant_pad_nd([l, r, t, b]).apply(&self.conv) }
            }
        }
    }
}

/// Batch norm with weight `gamma` and zero bias. (tch's own default draws the weight from
/// U(0, 1); PyTorch and timm start at 1, or 0 for a residual block's last norm.)
pub fn bn(p: nn::Path, c: i64, eps: f64, gamma: f64) -> nn::BatchNorm {
    nn::batch_norm2d(p, c, nn::BatchNormConfig { eps, ws_init: nn::Init::Const(gamma), ..Default::default() })
}

// Random initialisation as timm's `create_model(..., pretrained=False)`, so that training from
// scratch starts where a timm user starts (tch's defaults differ from PyTorch's: its Kaiming
// uniform uses the ReLU gain, PyTorch's layer default a = sqrt(5)).

/// timm ResNet: `kaiming_normal_(mode='fan_out', nonlinearity='relu')`.
pub const KAIMING_FAN_OUT: nn::Init =
    nn::Init::Kaiming { dist: nn::init::NormalOrUniform::Normal, fan: nn::init::FanInOut::FanOut, non_linearity: nn::init::NonLinearity::ReLU };

/// PyTorch's own Conv2d/Linear default, `kaiming_uniform_(a=sqrt(5))`: U(±1/sqrt(fan_in)).
pub const TORCH_DEFAULT: nn::Init = nn::Init::Kaiming {
    dist: nn::init::NormalOrUniform::Uniform,
    fan: nn::init::FanInOut::FanIn,
    non_linearity: nn::init::NonLinearity::ExplicitGain(0.577_350_269_189_625_8),
};

/// timm EfficientNet (`_init_weight_goog`): N(0, sqrt(2 / fan_out)) with fan_out = k²·out/groups.
pub fn goog_conv(cout: i64, k: i64, groups: i64) -> nn::Init {
    nn::Init::Randn { mean: 0., stdev: (2.0 * groups as f64 / (k * k * cout) as f64).sqrt() }
}

/// The winning recipe's head: Xavier-uniform weights, zero bias (docs/pipeline.md §8.1).
pub fn head(p: nn::Path, features: i64, classes: i64) -> nn::Linear {
    let bound = (6.0 / (features + classes) as f64).sqrt();
    nn::linear(p, features, classes, nn::LinearConfig { ws_init: nn::Init::Uniform { lo: -bound, up: bound }, bs_init: Some(nn::Init::Const(0.)), bias: true })
}

/// Global average pooling to [N, C].
pub fn avg_pool(x: &Tensor) -> Tensor {
    x.mean_dim(&[2i64, 3][..], false, x.kind())
}

/// Conv, batch norm, optional activation: the unit most CNN blocks are made of.
#[derive(Debug)]
pub struct ConvBn {
    pub conv: Conv,
    pub bn: nn::BatchNorm,
}

impl ConvBn {
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        self.conv.forward(x).apply_t(&self.bn, train)
    }
}

#[cfg(test)]
mod tests {
    use super::same_pad;

    #[test]
    fn same_padding_matches_tensorflow() {
        // 66 -> 33 with k3 s2 needs 1 pixel, all on the end.
        assert_eq!(same_pad(66, 3, 2), (0, 1));
        assert_eq!(same_pad(33, 3, 2), (1, 1));
        assert_eq!(same_pad(8, 5, 2), (1, 2));
        assert_eq!(same_pad(7, 1, 1), (0, 0));
    }
}
