//! Checkpoints: every improvement is a new file `<dir>/<name>/<name>-step<N>.safetensors`,
//! written under a temporary name, flushed and renamed, so a registered model always points at
//! a complete file; the previous best is removed only after the new one is registered.
use std::path::Path;

use cytologia_kernels::fs::AtomicFile;

use crate::error::{NnError, Result};

pub fn save(vs: &tch::nn::VarStore, dir: &Path, name: &str, step: i64) -> Result<String> {
    let path = dir.join(sanitize(name)).join(format!("{}-step{step}.safetensors", sanitize(name)));
    let io = |source| NnError::Io { path: path.display().to_string(), source };
    let file = AtomicFile::new(&path).map_err(io)?;
    // Weights train in the channels-last layout; files hold plain row-major tensors, on the CPU,
    // sorted by name (a timm state dict).
    let mut named: Vec<(String, tch::Tensor)> = vs.variables().into_iter().map(|(k, v)| (k, v.to_device(tch::Device::Cpu).contiguous())).collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    tch::Tensor::write_safetensors(&named, file.tmp_path()).map_err(|e| NnError::Other(format!("cannot write checkpoint '{}': {e}", path.display())))?;
    file.commit().map_err(io)?;
    Ok(path.display().to_string())
}

fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' }).collect()
}
