//! Random-weight YOLOX models for tests that compare two ways of running one (libtorch vs
//! ONNX Runtime, fp32 vs bf16).
use tch::{Kind, Tensor};

use super::{Preset, Yolox};

/// libtorch's generator is global: tests seed and draw under this lock, so each draws the
/// same values whatever runs beside it.
pub(crate) static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A random-weight YOLOX whose BatchNorms hold non-trivial affine terms and statistics.
/// With PyTorch's default init and untouched statistics the signal fades through the depth
/// and the output is the predictors' biases whatever the input, which would hide a wrong
/// graph; with made-up statistics it explodes. So the statistics come from the batch
/// `calib` (one train-mode pass from zeroed running stats leaves `momentum x batch
/// statistic`), each variance raised by 0.3 x its layer's mean variance, then jittered per
/// channel, and the tests run the model on the images of that batch. Measured with YOLOX
/// itself (nano, tiny; 64 and 96 px): exact batch statistics blow up in eval mode (the few
/// samples of the 2x2 stride-32 maps make the deep layers ill-conditioned: box offsets
/// in the thousands), a floor of 0.5 or more fades the signal again, 0.3 keeps box offsets
/// of order 0.1-2 that still move with the input.
pub(crate) fn random_model(preset: &str, classes: i64, calib: &Tensor, seed: i64) -> Yolox {
    use super::blocks::BN_MOMENTUM;
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    tch::manual_seed(seed);
    let m = Yolox::new(Preset::parse(preset).unwrap(), classes, tch::Device::Cpu).unwrap();
    let vars = m.vs.variables();
    let bn = |suffix: &'static str| vars.iter().filter(move |(n, _)| n.ends_with(suffix)).map(|(n, t)| (n.clone(), t.shallow_clone()));
    tch::no_grad(|| {
        for (_, mut t) in bn(".bn.weight") {
            let _ = t.uniform_(0.6, 1.4);
        }
        for (_, mut t) in bn(".bn.bias") {
            let _ = t.uniform_(-0.2, 0.2);
        }
        for (_, mut t) in bn(".bn.running_mean").chain(bn(".bn.running_var")) {
            let _ = t.zero_();
        }
        let _ = m.levels(calib, true);
        for (name, mut var) in bn(".bn.running_var") {
            let mut mean = vars[&name.replace(".running_var", ".running_mean")].shallow_clone();
            let v = &var / BN_MOMENTUM;
            let v = &v + v.mean(Kind::Float) * 0.3;
            let jitter_mean = (mean.rand_like() - 0.5) * 0.1 * v.sqrt();
            mean.copy_(&(&mean / BN_MOMENTUM + jitter_mean));
            var.copy_(&(&v * (v.rand_like() * 0.2 + 0.9)));
        }
    });
    m
}

pub(crate) fn input(batch: i64, size: i64, seed: i64) -> Tensor {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    tch::manual_seed(seed);
    Tensor::rand([batch, 3, size, size], (Kind::Float, tch::Device::Cpu)) * 255.0
}
