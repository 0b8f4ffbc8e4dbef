//! TorchScript modules through tch. One module per (file, device); libtorch parallelises
//! inside each call, so calls are serialised.
use std::sync::Mutex;

use super::device::Device;
use super::model_runtime::{ModelRuntime, Tensor};
use super::torch::{err, from_tch, to_tch};
use crate::error::Result;

pub struct TorchModel {
    module: Mutex<tch::CModule>,
    device: Device,
    tch_device: tch::Device,
    path: String,
}

impl TorchModel {
    pub fn open(path: &str, device: Device, threads: usize) -> Result<Self> {
        let tch_device = device.tch();
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
        let x = to_tch(input, self.tch_device);
        let module = self.module.lock().map_err(|_| err(&self.path, "module lock poisoned"))?;
        let y = tch::no_grad(|| module.forward_ts(&[x])).map_err(|e| err(&self.path, e))?;
        from_tch(&y, &self.path)
    }
    fn device(&self) -> Device {
        self.device
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::model_runtime::{self, Format};

    /// A TorchScript classifier traced here (mean over H, W then a 2x3 linear map + 0.5), saved,
    /// and run through the runtime trait like any registered model.
    #[test]
    fn traced_torchscript_module_runs_through_the_runtime_trait() {
        let w = tch::Tensor::from_slice(&[1f32, 2., 3., -1., 0., 1.]).view([2, 3]);
        let example = tch::Tensor::zeros([1, 3, 4, 4], (tch::Kind::Float, tch::Device::Cpu));
        let mut f = |x: &[tch::Tensor]| vec![x[0].mean_dim(&[2i64, 3][..], false, tch::Kind::Float).matmul(&w.tr()) + 0.5];
        let module = tch::CModule::create_by_tracing("Fixture", "forward", &[example], &mut f).unwrap();
        let dir = std::env::temp_dir().join(format!("cyto-ts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("clf.pt");
        module.save(&path).unwrap();
        let path = path.to_str().unwrap();
        let sha = cytologia_kernels::fs::file_sha256(path).unwrap();
        let rt = model_runtime::open(&model_runtime::ModelFile::graph(path, &sha, Format::TorchScript), "cpu", 1, "fp32").unwrap();
        // Image 0: channels 1, 2, 3; image 1: channels 0, 0, 2.
        let mut data = Vec::new();
        for v in [1f32, 2., 3., 0., 0., 2.] {
            data.extend(std::iter::repeat_n(v, 16));
        }
        let out = rt.run(&Tensor { shape: vec![2, 3, 4, 4], data }).unwrap();
        assert_eq!(out.shape, vec![2, 2]);
        assert_eq!(out.data, vec![14.5, 2.5, 6.5, 2.5]);
        assert_eq!(rt.device(), Device::Cpu);
        let cuda = model_runtime::open(&model_runtime::ModelFile::graph(path, &sha, Format::TorchScript), "cuda", 1, "fp32")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(cuda.contains("CUDA is not available"), "{cuda}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
