//! Loading weights by name from a safetensors file (timm's `model.safetensors` or our own
//! checkpoints). Every backbone variable must be in the file with its shape; the classifier
//! head is taken when its shape fits and otherwise keeps its fresh initialisation (a file made
//! for ImageNet's 1000 classes fine-tunes to 23).
use super::Net;
use crate::error::{NnError, Result};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct LoadReport {
    pub loaded: usize,
    /// True when the file's head did not fit and the head was left initialised.
    pub head_reinitialised: bool,
    /// Keys of the file no variable of the model uses (e.g. `num_batches_tracked`).
    pub unused: usize,
}

/// Loads `path` into `net`. With `require_head`, a missing or differently shaped head is an
/// error too (serving a checkpoint must give the trained outputs, never random ones).
pub fn load_safetensors(net: &mut Net, path: &str, require_head: bool) -> Result<LoadReport> {
    let head = net.arch.head_prefix();
    let what = format!("architecture '{}' ({} classes, {} px)", net.name, net.classes, net.input_size);
    load_vars(&net.vs, path, &|name: &str| name.starts_with(head), require_head, &what)
}

/// Loads `path` into the variables of `vs` by name; `is_head` names the class-dependent ones,
/// which keep their initialisation when the file's do not fit (unless `require_head`).
/// `what` describes the model in errors.
pub fn load_vars(vs: &tch::nn::VarStore, path: &str, is_head: &dyn Fn(&str) -> bool, require_head: bool, what: &str) -> Result<LoadReport> {
    let err = |m: String| NnError::Other(format!("weights '{path}': {m}"));
    let tensors = tch::Tensor::read_safetensors(path).map_err(|e| err(format!("cannot read safetensors: {e}")))?;
    let file: std::collections::HashMap<String, tch::Tensor> = tensors.into_iter().collect();
    let mut report = LoadReport::default();
    let mut missing = Vec::new();
    let mut bad_shape = Vec::new();
    let vars = vs.variables();
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();
    for name in &names {
        let var = &vars[*name];
        let is_head = is_head(name);
        match file.get(*name) {
            None if is_head && !require_head => report.head_reinitialised = true,
            None => missing.push(name.to_string()),
            Some(t) if t.size() != var.size() => {
                if is_head && !require_head {
                    report.head_reinitialised = true;
                } else {
                    bad_shape.push(format!("{name}: file {:?}, model {:?}", t.size(), var.size()));
                }
            }
            Some(t) => {
                tch::no_grad(|| {
                    let mut v = var.shallow_clone();
                    v.copy_(&t.to_kind(var.kind()).to_device(var.device()));
                });
                report.loaded += 1;
            }
        }
    }
    if !missing.is_empty() || !bad_shape.is_empty() {
        let mut m = format!("does not fit {what}:");
        if !missing.is_empty() {
            m += &format!(" {} tensors missing (e.g. {})", missing.len(), missing.iter().take(4).cloned().collect::<Vec<_>>().join(", "));
        }
        if !bad_shape.is_empty() {
            m += &format!(" {} of another shape (e.g. {})", bad_shape.len(), bad_shape.iter().take(3).cloned().collect::<Vec<_>>().join("; "));
            if bad_shape.iter().any(|s| s.starts_with("pos_embed")) {
                m += " (a ViT's position table fixes its input size)";
            }
        }
        return Err(err(m));
    }
    report.unused = file.keys().filter(|k| !vars.contains_key(*k)).count();
    Ok(report)
}
