//! ONNX Runtime, loaded at run time from the library scripts/setup installed (or
//! `ORT_DYLIB_PATH`). Loading once per process; failures are errors, never panics.
use std::sync::OnceLock;

use ort::ep::ExecutionProvider;

use crate::error::{NnError, Result};

/// The library path: `ORT_DYLIB_PATH`, else the one baked in at build time.
pub fn dylib_path() -> Option<String> {
    std::env::var("ORT_DYLIB_PATH").ok().filter(|s| !s.is_empty()).or_else(|| option_env!("CYTOLOGIA_ORT_DYLIB").map(String::from))
}

static ENV: OnceLock<std::result::Result<ort::environment::Environment, String>> = OnceLock::new();

/// The process-wide ONNX Runtime environment.
pub fn environment() -> Result<&'static ort::environment::Environment> {
    ENV.get_or_init(|| {
        let path = dylib_path().ok_or_else(|| "no ONNX Runtime library configured: run scripts/setup or set ORT_DYLIB_PATH".to_string())?;
        if !std::path::Path::new(&path).exists() {
            return Err(format!("ONNX Runtime library '{path}' not found: run scripts/setup or set ORT_DYLIB_PATH"));
        }
        let builder = ort::init_from(&path).map_err(|e| format!("cannot load ONNX Runtime from '{path}': {e}"))?;
        builder.with_name("cytologia").build().map_err(|e| format!("cannot start ONNX Runtime: {e}"))
    })
    .as_ref()
    .map_err(|m| NnError::Runtime { runtime: "onnxruntime", message: m.clone() })
}

/// Whether the loaded ONNX Runtime was built with the CUDA execution provider.
pub fn cuda_compiled() -> Result<bool> {
    environment()?;
    ort::ep::CUDA::is_available().map_err(|e| NnError::Runtime { runtime: "onnxruntime", message: e.to_string() })
}
