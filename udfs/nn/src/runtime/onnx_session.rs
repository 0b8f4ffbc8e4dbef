//! ONNX Runtime sessions. Several single-threaded sessions over different batches keep two
//! cores busier than one two-threaded session on small models (intra-op parallelism has
//! per-operator overhead; docs/benchmarks.md), so a CPU model is a pool.
use std::sync::Mutex;

use ort::ep::ExecutionProvider;
use ort::session::Session;
use ort::value::TensorRef;

use super::device::Device;
use super::model_runtime::{ModelRuntime, Tensor};
use super::onnx::environment;
use crate::error::{NnError, Result};

fn err(path: &str, e: impl std::fmt::Display) -> NnError {
    NnError::Runtime { runtime: "onnxruntime", message: format!("{path}: {e}") }
}

/// CUDA devices usable through ONNX Runtime: the provider must be compiled in and a GPU
/// present (libtorch's census counts GPUs without initialising a CUDA context here).
pub fn cuda_devices() -> usize {
    if super::onnx::cuda_compiled().unwrap_or(false) { super::torch::cuda_devices() } else { 0 }
}

pub struct OnnxModel {
    sessions: Vec<Mutex<Session>>,
    input_name: String,
    input_shape: Option<Vec<i64>>,
    device: Device,
    path: String,
}

impl OnnxModel {
    /// `threads` = 0: on CPU one single-threaded session per core; otherwise one session
    /// with that many intra-op threads.
    pub fn open(path: &str, device: Device, threads: usize) -> Result<Self> {
        let env = environment()?;
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let (count, intra) = match (device, threads) {
            (Device::Cuda(_), _) => (1, threads.max(1)),
            (Device::Cpu, 0) => (cores, 1),
            (Device::Cpu, t) => (1, t),
        };
        let mut sessions = Vec::with_capacity(count);
        for _ in 0..count {
            let mut b = Session::builder(env).map_err(|e| err(path, e))?;
            b = b.with_intra_threads(intra).map_err(|e| err(path, e))?;
            b = b.with_inter_threads(1).map_err(|e| err(path, e))?;
            if let Device::Cuda(id) = device {
                let cuda = ort::ep::CUDA::default().with_device_id(id as i32);
                if !ort::ep::CUDA::is_available().unwrap_or(false) {
                    return Err(err(path, "the CUDA execution provider is not available in this ONNX Runtime build"));
                }
                b = b.with_execution_providers([cuda.build().error_on_failure()]).map_err(|e| err(path, e))?;
            }
            let s = b.commit_from_file(path).map_err(|e| err(path, format!("cannot load model: {e}")))?;
            sessions.push(Mutex::new(s));
        }
        let (input_name, input_shape) = {
            let first = sessions[0].lock().map_err(|_| err(path, "session lock poisoned"))?;
            let input = first.inputs().first().ok_or_else(|| err(path, "the model has no input"))?;
            (input.name().to_string(), input.dtype().tensor_shape().map(|s| s.iter().copied().collect::<Vec<i64>>()))
        };
        Ok(OnnxModel { sessions, input_name, input_shape, device, path: path.to_string() })
    }
}

impl ModelRuntime for OnnxModel {
    fn run(&self, input: &Tensor) -> Result<Tensor> {
        // Take the first idle session; wait on one when all are busy.
        let guard = self
            .sessions
            .iter()
            .find_map(|s| s.try_lock().ok())
            .map(Ok)
            .unwrap_or_else(|| self.sessions[0].lock().map_err(|_| err(&self.path, "session lock poisoned")))?;
        let mut session = guard;
        let view = TensorRef::from_array_view((input.shape.clone(), input.data.as_slice())).map_err(|e| err(&self.path, e))?;
        let outputs = session.run(ort::inputs![self.input_name.as_str() => view]).map_err(|e| err(&self.path, e))?;
        let (_, first) = outputs.iter().next().ok_or_else(|| err(&self.path, "the model produced no output"))?;
        let (shape, data) = first.try_extract_tensor::<f32>().map_err(|e| err(&self.path, format!("first output: {e}")))?;
        Ok(Tensor { shape: shape.iter().map(|&d| d.max(0) as usize).collect(), data: data.to_vec() })
    }
    fn device(&self) -> Device {
        self.device
    }
    fn parallelism(&self) -> usize {
        self.sessions.len()
    }
    fn input_shape(&self) -> Option<Vec<i64>> {
        self.input_shape.clone()
    }
}
