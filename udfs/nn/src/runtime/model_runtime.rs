//! One runtime trait over ONNX Runtime and libtorch. A session is opened once per
//! (weights hash, device, threads, precision) and shared by every partition of every query that needs it,
//! so a query never loads the same weights twice.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::device::Device;
use crate::autocast::Precision;
use crate::error::{NnError, Result};

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
    /// Weights by name for one of the project's own architectures (`train::nets`).
    Safetensors,
}

impl Format {
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "onnx" => Ok(Format::Onnx),
            "torchscript" | "pt" | "jit" => Ok(Format::TorchScript),
            "safetensors" => Ok(Format::Safetensors),
            other => Err(NnError::Other(format!("unknown model format '{other}'; use 'onnx', 'torchscript' or 'safetensors'"))),
        }
    }

    /// The format a file name implies.
    pub fn from_path(path: &str) -> Option<Self> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".onnx") {
            Some(Format::Onnx)
        } else if lower.ends_with(".pt") || lower.ends_with(".pth") || lower.ends_with(".torchscript") {
            Some(Format::TorchScript)
        } else if lower.ends_with(".safetensors") {
            Some(Format::Safetensors)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Onnx => "onnx",
            Format::TorchScript => "torchscript",
            Format::Safetensors => "safetensors",
        }
    }
}

/// A weights file and what it takes to run it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelFile {
    pub path: String,
    pub sha256: String,
    pub format: Format,
    /// For `safetensors`: the architecture (a timm name) the weights are for.
    pub architecture: Option<String>,
    /// For `safetensors`: outputs of the head (0 = read from the file).
    pub outputs: usize,
    /// For `safetensors`: the square input side.
    pub input_size: usize,
}

impl ModelFile {
    /// An ONNX or TorchScript file, which describes itself.
    pub fn graph(path: &str, sha256: &str, format: Format) -> Self {
        ModelFile { path: path.to_string(), sha256: sha256.to_string(), format, architecture: None, outputs: 0, input_size: 0 }
    }
}

/// What identifies a shareable session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SessionKey {
    file: ModelFile,
    device: String,
    threads: usize,
    precision: Precision,
}

type Cache = Mutex<HashMap<SessionKey, Arc<dyn ModelRuntime>>>;
static CACHE: std::sync::LazyLock<Cache> = std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

/// Keeps memory bounded when many models are scored in one process.
const MAX_CACHED: usize = 8;

/// Opens (or reuses) a session for a model file on the requested device.
/// `threads` = 0 lets the runtime pick (every core). `precision` is 'fp32', 'bf16' or 'auto'
/// (bf16 where it pays: CUDA, or a CPU with AMX); bf16 is served for YOLOX weights run by
/// libtorch, and asking it of any other model is an error naming the file.
pub fn open(file: &ModelFile, device: &str, threads: usize, precision: &str) -> Result<Arc<dyn ModelRuntime>> {
    let resolved = match file.format {
        Format::Onnx => super::device::resolve(device, "onnxruntime", super::onnx_session::cuda_devices())?,
        Format::TorchScript | Format::Safetensors => super::device::resolve(device, "libtorch", super::torch::cuda_devices())?,
    };
    let yolox = file.format == Format::Safetensors && file.architecture.as_deref().is_some_and(super::torch_yolox::serves);
    let precision = match Precision::parse(precision, resolved.tch())? {
        Precision::Bf16 if !yolox && precision.eq_ignore_ascii_case("auto") => Precision::Fp32,
        Precision::Bf16 if !yolox => {
            return Err(NnError::Other(format!(
                "{}: precision 'bf16' is served for YOLOX safetensors weights run by libtorch, not for '{}' models (use precision => 'fp32')",
                file.path,
                file.architecture.as_deref().unwrap_or(file.format.as_str())
            )));
        }
        p => p,
    };
    let key = SessionKey { file: file.clone(), device: resolved.to_string(), threads, precision };
    let path = file.path.as_str();
    if let Some(rt) = CACHE.lock().map_err(|_| NnError::Other("session cache poisoned".into()))?.get(&key) {
        return Ok(rt.clone());
    }
    let rt: Arc<dyn ModelRuntime> = match file.format {
        Format::Onnx => Arc::new(super::onnx_session::OnnxModel::open(path, resolved, threads)?),
        Format::TorchScript => Arc::new(super::torch_module::TorchModel::open(path, resolved, threads)?),
        Format::Safetensors => match file.architecture.as_deref() {
            Some(a) if super::torch_yolox::serves(a) => {
                if threads > 0 {
                    tch::set_num_threads(threads as i32);
                }
                Arc::new(super::torch_yolox::TorchYolox::open(file, a, resolved, precision)?)
            }
            _ => Arc::new(super::torch_net::TorchNet::open(file, resolved, threads)?),
        },
    };
    let mut cache = CACHE.lock().map_err(|_| NnError::Other("session cache poisoned".into()))?;
    if cache.len() >= MAX_CACHED {
        cache.clear();
    }
    cache.insert(key, rt.clone());
    Ok(rt)
}
