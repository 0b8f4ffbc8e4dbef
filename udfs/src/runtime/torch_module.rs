//! TorchScript modules through tch. One module per (file, device); libtorch parallelises
//! inside each call, so calls are serialised.
use std::sync::Mutex;

use super::device::Device;
use super::model_runtime::{ModelRuntime, Tensor};
use crate::error::{Result, UdfError};

fn err(path: &str, e: impl std::fmt::Display) -> UdfError {
    UdfError::Runtime { runtime: "libtorch", message: format!("{path}: {e}") }
}

pub struct TorchModel {
    module: Mutex<tch::CModule>,
    device: Device,
    tch_device: tch::Device,
    path: String,
}

impl TorchModel {
    pub fn open(path: &str, device: Device, threads: usize) -> Result<Self> {
        let tch_device = match device {
            Device::Cpu => tch::Device::Cpu,
            Device::Cuda(i) => tch::Device::Cuda(i),
        };
        if threads > 0 {
            tch::set_num_threads(threads as i32);
        }
        let mut module = tch::CModule::load_on_device(path, tch_device).map_err(|e| err(path, format!("cannot load TorchScript module: {e}")))?;
        module.set_eval();
        Ok(TorchModel { module: Mutex::new(module), device, tch_device, path: path.to_string() })
    }
}

impl ModelRuntime for TorchModel {
    fn run(&self, input: &Tensor) -> Result<Tensor> {
        let shape: Vec<i64> = input.shape.iter().map(|&d| d as i64).collect();
        let x = tch::Tensor::from_slice(&input.data).view(shape.as_slice()).to_device(self.tch_device);
        let module = self.module.lock().map_err(|_| err(&self.path, "module lock poisoned"))?;
        let y = tch::no_grad(|| module.forward_ts(&[x])).map_err(|e| err(&self.path, e))?;
        let y = y.to_device(tch::Device::Cpu).to_kind(tch::Kind::Float).contiguous();
        let out_shape: Vec<usize> = y.size().iter().map(|&d| d.max(0) as usize).collect();
        let data = Vec::<f32>::try_from(y.flatten(0, -1)).map_err(|e| err(&self.path, e))?;
        Ok(Tensor { shape: out_shape, data })
    }
    fn device(&self) -> Device {
        self.device
    }
}
