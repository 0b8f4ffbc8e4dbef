//! One runtime trait over ONNX Runtime and libtorch. A session is opened once per
//! (weights hash, device, threads) and shared by every partition of every query that needs it,
//! so a query never loads the same weights twice.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::device::Device;
use crate::error::{Result, UdfError};

/// A batch of NCHW float32 input and the model's first output.
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

pub trait ModelRuntime: Send + Sync {
    /// Runs one batch. Implementations serialise or pool internally; callers may call from
    /// many threads at once.
    fn run(&self, input: &Tensor) -> Result<Tensor>;
    fn device(&self) -> Device;
    /// How many batches may usefully run at once (sessions in the pool).
    fn parallelism(&self) -> usize {
        1
    }
    /// The declared input shape (-1 for dynamic axes), when the format records one.
    fn input_shape(&self) -> Option<Vec<i64>> {
        None
    }
}

/// Which runtime loads a model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Onnx,
    TorchScript,
}

impl Format {
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "onnx" => Ok(Format::Onnx),
            "torchscript" | "pt" | "jit" => Ok(Format::TorchScript),
            "safetensors" => Err(UdfError::Other(
                "format 'safetensors' needs one of the project's own architectures; those arrive with the training issues".into(),
            )),
            other => Err(UdfError::Other(format!("unknown model format '{other}'; use 'onnx' or 'torchscript'"))),
        }
    }

    /// The format a file name implies.
    pub fn from_path(path: &str) -> Option<Self> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".onnx") {
            Some(Format::Onnx)
        } else if lower.ends_with(".pt") || lower.ends_with(".pth") || lower.ends_with(".torchscript") {
            Some(Format::TorchScript)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Onnx => "onnx",
            Format::TorchScript => "torchscript",
        }
    }
}

/// What identifies a shareable session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionKey {
    pub path: String,
    pub sha256: String,
    pub format: Format,
    pub device: String,
    pub threads: usize,
}

type Cache = Mutex<HashMap<SessionKey, Arc<dyn ModelRuntime>>>;
static CACHE: std::sync::LazyLock<Cache> = std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

/// Keeps memory bounded when many models are scored in one process.
const MAX_CACHED: usize = 8;

/// Opens (or reuses) a session for a model file on the requested device.
/// `threads` = 0 lets the runtime pick (every core).
pub fn open(path: &str, sha256: &str, format: Format, device: &str, threads: usize) -> Result<Arc<dyn ModelRuntime>> {
    let resolved = match format {
        Format::Onnx => super::device::resolve(device, "onnxruntime", super::onnx_session::cuda_devices())?,
        Format::TorchScript => super::device::resolve(device, "libtorch", super::torch::cuda_devices())?,
    };
    let key = SessionKey { path: path.to_string(), sha256: sha256.to_string(), format, device: resolved.to_string(), threads };
    if let Some(rt) = CACHE.lock().map_err(|_| UdfError::Other("session cache poisoned".into()))?.get(&key) {
        return Ok(rt.clone());
    }
    let rt: Arc<dyn ModelRuntime> = match format {
        Format::Onnx => Arc::new(super::onnx_session::OnnxModel::open(path, resolved, threads)?),
        Format::TorchScript => Arc::new(super::torch_module::TorchModel::open(path, resolved, threads)?),
    };
    let mut cache = CACHE.lock().map_err(|_| UdfError::Other("session cache poisoned".into()))?;
    if cache.len() >= MAX_CACHED {
        cache.clear();
    }
    cache.insert(key, rt.clone());
    Ok(rt)
}
