//! The project's YOLOX (`train::yolox`) served from safetensors weights: what
//! train_detector() registers, or an official checkpoint converted to safetensors. Outputs
//! `[N, anchors, 5 + C]` with box offsets not grid-decoded (register with decoded => false),
//! as the official ONNX export.
use std::sync::Mutex;

use super::device::Device;
use super::model_runtime::{ModelFile, ModelRuntime, Tensor};
use super::torch::{err, from_tch, to_tch};
use crate::error::Result;
use crate::train::yolox::{Preset, Yolox};

pub struct TorchYolox {
    net: Mutex<Yolox>,
    device: Device,
    tch_device: tch::Device,
    path: String,
    input_size: i64,
}

/// True for the architecture names this runtime serves (`yolox_nano` ... `yolox_x`).
pub fn serves(architecture: &str) -> bool {
    architecture.trim().to_ascii_lowercase().starts_with("yolox")
}

impl TorchYolox {
    pub fn open(file: &ModelFile, arch: &str, device: Device) -> Result<Self> {
        let path = file.path.as_str();
        let preset = Preset::parse(arch)?;
        let classes = if file.outputs > 0 { file.outputs as i64 } else { super::torch_net::head_outputs(path, "head.cls_preds.0.")? };
        let tch_device = device.tch();
        let mut net = Yolox::new(preset, classes, tch_device)?;
        net.load(path, true)?;
        Ok(TorchYolox { net: Mutex::new(net), device, tch_device, path: path.to_string(), input_size: file.input_size as i64 })
    }
}

impl ModelRuntime for TorchYolox {
    fn run(&self, input: &Tensor) -> Result<Tensor> {
        let net = self.net.lock().map_err(|_| err(&self.path, "model lock poisoned"))?;
        let y = net.infer(&to_tch(input, self.tch_device));
        from_tch(&y, &self.path)
    }
    fn device(&self) -> Device {
        self.device
    }
    fn input_shape(&self) -> Option<Vec<i64>> {
        (self.input_size > 0).then(|| vec![-1, 3, self.input_size, self.input_size])
    }
}
