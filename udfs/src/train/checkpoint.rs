//! Checkpoints: every improvement is a new file `<dir>/<name>/<name>-step<N>.safetensors`,
//! written under a temporary name, flushed and renamed, so a registered model always points at
//! a complete file; the previous best is removed only after the new one is registered.
use std::path::Path;

use crate::error::{Result, UdfError};

pub fn save(vs: &tch::nn::VarStore, dir: &Path, name: &str, step: i64) -> Result<String> {
    let folder = dir.join(sanitize(name));
    std::fs::create_dir_all(&folder).map_err(|source| UdfError::Io { path: folder.display().to_string(), source })?;
    let path = folder.join(format!("{}-step{step}.safetensors", sanitize(name)));
    let tmp = folder.join(format!(".{}-step{step}.{}.tmp.safetensors", sanitize(name), std::process::id()));
    // Weights train in the channels-last layout; files hold plain row-major tensors, on the CPU,
    // sorted by name (a timm state dict).
    let mut named: Vec<(String, tch::Tensor)> =
        vs.variables().into_iter().map(|(k, v)| (k, v.to_device(tch::Device::Cpu).contiguous())).collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    tch::Tensor::write_safetensors(&named, &tmp).map_err(|e| UdfError::Other(format!("cannot write checkpoint '{}': {e}", tmp.display())))?;
    let io = |source| UdfError::Io { path: tmp.display().to_string(), source };
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(path.display().to_string())
}

fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' }).collect()
}
