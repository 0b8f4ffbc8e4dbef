//! libtorch through tch. The CPU set links libtorch_cpu only; the GPU set (scripts/setup
//! --gpu) links libtorch_cuda too, and then CUDA devices are visible here.
pub fn cuda_devices() -> usize {
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
