//! libtorch through tch. The CPU set links libtorch_cpu only; the GPU set (scripts/setup
//! --gpu) links libtorch_cuda too, and then CUDA devices are visible here.
///
/// Every libtorch path resolves its device through this first, so it also installs the
/// process's CPU block cache before the first tensor of a job.
pub fn cuda_devices() -> usize {
    super::torch_cpu_cache::install();
    if tch::Cuda::is_available() { tch::Cuda::device_count().max(0) as usize } else { 0 }
}

pub fn threads() -> i32 {
    tch::get_num_threads()
}

/// A tiny computation that proves libtorch is loaded and working.
pub fn smoke_test() -> f64 {
    let t = tch::Tensor::from_slice(&[1.0f64, 2.0, 3.0]);
    (&t * &t).sum(tch::Kind::Double).double_value(&[])
}

/// A libtorch failure on the model at `path`.
pub(crate) fn err(path: &str, e: impl std::fmt::Display) -> crate::error::NnError {
    crate::error::NnError::Runtime { runtime: "libtorch", message: format!("{path}: {e}") }
}

/// A runtime input batch as a tch tensor on `device`.
pub(crate) fn to_tch(input: &super::model_runtime::Tensor, device: tch::Device) -> tch::Tensor {
    let shape: Vec<i64> = input.shape.iter().map(|&d| d as i64).collect();
    tch::Tensor::from_slice(&input.data).view(shape.as_slice()).to_device(device)
}

/// A model's output back as f32 on the CPU.
pub(crate) fn from_tch(y: &tch::Tensor, path: &str) -> crate::error::Result<super::model_runtime::Tensor> {
    let y = y.to_device(tch::Device::Cpu).to_kind(tch::Kind::Float).contiguous();
    let shape: Vec<usize> = y.size().iter().map(|&d| d.max(0) as usize).collect();
    let data = Vec::<f32>::try_from(y.flatten(0, -1)).map_err(|e| err(path, e))?;
    Ok(super::model_runtime::Tensor { shape, data })
}
