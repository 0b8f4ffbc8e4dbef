//! The project's own architectures (`train::nets`) served from safetensors weights: what
//! train_classifier() registers, or a timm `model.safetensors` registered by hand. The whole
//! file must fit, head included, so a served model never has random outputs.
use std::sync::Mutex;

use super::device::Device;
use super::model_runtime::{ModelFile, ModelRuntime, Tensor};
use super::torch::{err, from_tch, to_tch};
use crate::error::Result;
use crate::nets;

pub struct TorchNet {
    net: Mutex<nets::Net>,
    device: Device,
    tch_device: tch::Device,
    path: String,
}

impl TorchNet {
    pub fn open(file: &ModelFile, device: Device, threads: usize) -> Result<Self> {
        let path = file.path.as_str();
        let arch = file
            .architecture
            .as_deref()
            .ok_or_else(|| err(path, "safetensors weights need the model's architecture (register it with architecture => 'resnet18', ...)"))?;
        if file.input_size == 0 {
            return Err(err(path, "safetensors weights need the model's input_size"));
        }
        let tch_device = device.tch();
        if threads > 0 {
            tch::set_num_threads(threads as i32);
        }
        let (parsed, _) = nets::Arch::parse(arch)?;
        let outputs = if file.outputs > 0 { file.outputs as i64 } else { head_outputs(path, parsed.head_prefix())? };
        let mut net = nets::build(arch, outputs, file.input_size as i64, tch_device)?;
        nets::load_safetensors(&mut net, path, true)?;
        net.use_preferred_layout();
        Ok(TorchNet { net: Mutex::new(net), device, tch_device, path: path.to_string() })
    }

    pub fn outputs(&self) -> i64 {
        self.net.lock().map(|n| n.classes).unwrap_or(0)
    }
}

/// The class count a weights file was made for, from its head's bias.
pub(crate) fn head_outputs(path: &str, head: &str) -> Result<i64> {
    let tensors = tch::Tensor::read_safetensors(path).map_err(|e| err(path, format!("cannot read safetensors: {e}")))?;
    tensors
        .iter()
        .find(|(k, _)| k == &format!("{head}bias"))
        .map(|(_, t)| t.size()[0])
        .ok_or_else(|| err(path, format!("no '{head}bias' tensor: not weights of this architecture")))
}

impl ModelRuntime for TorchNet {
    fn run(&self, input: &Tensor) -> Result<Tensor> {
        let net = self.net.lock().map_err(|_| err(&self.path, "model lock poisoned"))?;
        let x = net.layout(&to_tch(input, self.tch_device));
        let y = tch::no_grad(|| net.model.forward_t(&x, false));
        from_tch(&y, &self.path)
    }
    fn device(&self) -> Device {
        self.device
    }
    fn input_shape(&self) -> Option<Vec<i64>> {
        self.net.lock().ok().map(|n| vec![-1, 3, n.input_size, n.input_size])
    }
}
