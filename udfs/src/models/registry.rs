//! The `models` table as the functions see it: lookup by name or by the task's default,
//! hashing of weight files, and the check that weights did not change since registration.
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::datasource::provider_as_source;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use futures::StreamExt;

use crate::env::EngineEnv;
use crate::error::UdfError;
use cytologia_nn::runtime::model_runtime::{Format, ModelFile};

pub const TABLE: &str = "models";

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Detector,
    Classifier,
    Multilabel,
}

impl Task {
    pub fn parse(s: &str) -> Option<Task> {
        match s.to_ascii_lowercase().as_str() {
            "detector" => Some(Task::Detector),
            "classifier" => Some(Task::Classifier),
            "multilabel" => Some(Task::Multilabel),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Detector => "detector",
            Task::Classifier => "classifier",
            Task::Multilabel => "multilabel",
        }
    }
}

/// One row of `models`.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub name: String,
    pub task: String,
    pub format: String,
    pub architecture: Option<String>,
    pub uri: String,
    pub sha256: String,
    pub input_size: Option<i64>,
    pub classes: Vec<String>,
    pub fold: Option<i64>,
    pub preset: Option<String>,
    pub decoded: Option<bool>,
    pub is_default: bool,
    pub created_at_us: Option<i64>,
    pub args: Option<String>,
    pub inputs: Option<String>,
    pub metrics: Option<String>,
}

impl ModelInfo {
    /// The local file of the weights.
    pub fn path(&self) -> &str {
        self.uri.strip_prefix("file://").unwrap_or(&self.uri)
    }

    pub fn format(&self) -> Result<Format, UdfError> {
        Ok(Format::parse(&self.format)?)
    }

    /// The weights file, checked against its registered hash, with what a runtime needs.
    pub fn verified_file(&self) -> Result<ModelFile, UdfError> {
        let path = self.verified_path()?.to_string();
        Ok(ModelFile {
            path,
            sha256: self.sha256.clone(),
            format: self.format()?,
            architecture: self.architecture.clone(),
            outputs: self.classes.len(),
            input_size: self.input_size.unwrap_or(0).max(0) as usize,
        })
    }

    /// Checks the file still hashes to what was registered; returns its path.
    pub fn verified_path(&self) -> Result<&str, UdfError> {
        let now = file_sha256(self.path())?;
        if now != self.sha256 {
            return Err(UdfError::Other(format!(
                "model '{}': the weights at '{}' changed since registration (sha256 was {}, is now {}); \
                 register the model again if the new file is intended",
                self.name,
                self.uri,
                short(&self.sha256),
                short(&now)
            )));
        }
        Ok(self.path())
    }
}

fn short(h: &str) -> &str {
    &h[..h.len().min(12)]
}

/// sha256 of a weights file (cached per path, size and mtime).
pub fn file_sha256(path: &str) -> Result<String, UdfError> {
    Ok(cytologia_kernels::fs::file_sha256(path)?)
}

/// Every registered model, in table order (none when `models` does not exist yet).
pub async fn load_all(env: &dyn EngineEnv) -> Result<Vec<ModelInfo>> {
    let version = env.latest_version(TABLE).await?;
    load_at(env, version).await
}

/// The models of `models` at `version`. Any failure to read an existing table is an error:
/// an empty list would let the next registration rewrite the registry without its models.
async fn load_at(env: &dyn EngineEnv, version: Option<i64>) -> Result<Vec<ModelInfo>> {
    let Some(version) = version else { return Ok(Vec::new()) };
    let provider = env.table(TABLE, Some(version)).await.map_err(|e| e.context(format!("reading the model registry ('{TABLE}' version {version})")))?;
    let plan = LogicalPlanBuilder::scan(TABLE, provider_as_source(provider), None)?.build()?;
    let mut stream = env.execute(plan).await?;
    let mut out = Vec::new();
    while let Some(b) = stream.next().await {
        out.extend(rows(&b?)?);
    }
    Ok(out)
}

fn rows(b: &RecordBatch) -> Result<Vec<ModelInfo>> {
    let col = |n: &str| -> Result<ArrayRef> { b.column_by_name(n).cloned().ok_or_else(|| DataFusionError::Plan(format!("table 'models' lacks column '{n}'"))) };
    let s = |n: &str| -> Result<ArrayRef> { Ok(cast(&col(n)?, &DataType::Utf8)?) };
    let i = |n: &str| -> Result<ArrayRef> { Ok(cast(&col(n)?, &DataType::Int64)?) };
    let (name, task, format, arch, uri, sha) = (s("name")?, s("task")?, s("format")?, s("architecture")?, s("uri")?, s("sha256")?);
    let (size, fold) = (i("input_size")?, i("fold")?);
    let (preset, args, inputs, metrics) = (s("preset")?, s("args")?, s("inputs")?, s("metrics")?);
    let decoded = col("decoded")?;
    let is_default = col("is_default")?;
    let created = cast(&col("created_at")?, &DataType::Int64)?;
    let classes = cast(&col("classes")?, &DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))))?;
    let st = |a: &ArrayRef, r: usize| -> Option<String> {
        let a = a.as_string::<i32>();
        (!a.is_null(r)).then(|| a.value(r).to_string())
    };
    let it = |a: &ArrayRef, r: usize| -> Option<i64> {
        let a = a.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        (!a.is_null(r)).then(|| a.value(r))
    };
    let bo = |a: &ArrayRef, r: usize| -> Option<bool> {
        let a = a.as_boolean();
        (!a.is_null(r)).then(|| a.value(r))
    };
    let mut out = Vec::with_capacity(b.num_rows());
    for r in 0..b.num_rows() {
        let cls = classes.as_list::<i32>();
        let classes = if cls.is_null(r) {
            Vec::new()
        } else {
            let v = cls.value(r);
            let v = v.as_string::<i32>();
            (0..v.len()).map(|k| v.value(k).to_string()).collect()
        };
        out.push(ModelInfo {
            name: st(&name, r).unwrap_or_default(),
            task: st(&task, r).unwrap_or_default(),
            format: st(&format, r).unwrap_or_default(),
            architecture: st(&arch, r),
            uri: st(&uri, r).unwrap_or_default(),
            sha256: st(&sha, r).unwrap_or_default(),
            input_size: it(&size, r),
            classes,
            fold: it(&fold, r),
            preset: st(&preset, r),
            decoded: bo(&decoded, r),
            is_default: bo(&is_default, r).unwrap_or(false),
            created_at_us: it(&created, r),
            args: st(&args, r),
            inputs: st(&inputs, r),
            metrics: st(&metrics, r),
        });
    }
    Ok(out)
}

/// Attempts before a registration gives up on concurrent writers (each waits a little longer).
const UPSERT_ATTEMPTS: u32 = 40;

/// Adds `info` to `models`, replacing a model of the same name, in one commit. The first
/// model of a task, or one with `is_default`, becomes the task's only default. Returns the
/// row as stored.
///
/// The new registry is computed from the version read and committed only if no other writer
/// committed since; otherwise it is read again and recomputed, so concurrent registrations
/// (other processes, parallel trainings) are never lost.
pub async fn upsert(env: &crate::env::EnvRef, mut info: ModelInfo) -> Result<ModelInfo> {
    if info.created_at_us.is_none() {
        info.created_at_us = Some(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0));
    }
    for attempt in 0..UPSERT_ATTEMPTS {
        let version = env.latest_version(TABLE).await?;
        let (plan, stored) = registry_with(load_at(env.as_ref(), version).await?, info.clone())?;
        if env.replace_if_unchanged(TABLE, plan, version).await? {
            return Ok(stored);
        }
        tokio::time::sleep(backoff(attempt)).await;
    }
    Err(DataFusionError::Execution(format!(
        "registering model '{}': other writers kept committing to '{TABLE}' ({UPSERT_ATTEMPTS} attempts); nothing was registered, try again",
        info.name
    )))
}

/// The registry `all` with `info` added, as a plan to write, and the row as stored.
fn registry_with(mut all: Vec<ModelInfo>, mut info: ModelInfo) -> Result<(LogicalPlan, ModelInfo)> {
    use datafusion::datasource::MemTable;
    all.retain(|m| m.name != info.name);
    let first_of_task = !all.iter().any(|m| m.task == info.task && m.is_default);
    info.is_default = info.is_default || first_of_task;
    if info.is_default {
        for m in all.iter_mut().filter(|m| m.task == info.task) {
            m.is_default = false;
        }
    }
    all.push(info.clone());
    let table = MemTable::try_new(super::model_rows::schema(), vec![vec![super::model_rows::batch(&all)?]])?;
    let plan = LogicalPlanBuilder::scan(TABLE, provider_as_source(Arc::new(table)), None)?.build()?;
    Ok((plan, info))
}

/// Exponential backoff with jitter (so two writers that collided do not collide again).
fn backoff(attempt: u32) -> std::time::Duration {
    let base_ms = 5u64 << attempt.min(6);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let jitter = (u64::from(nanos) ^ u64::from(std::process::id()).wrapping_mul(2654435761)) % base_ms.max(1);
    std::time::Duration::from_millis(base_ms + jitter)
}

/// The model a function call means: by name, else the task's default.
pub fn pick(all: &[ModelInfo], function: &str, name: Option<&str>, task: Task) -> Result<ModelInfo, UdfError> {
    let listing = || {
        if all.is_empty() {
            "no models are registered; register one with register_model(name => ..., task => ..., uri => ...)".to_string()
        } else {
            let names: Vec<String> = all.iter().map(|m| format!("{} ({}{})", m.name, m.task, if m.is_default { ", default" } else { "" })).collect();
            format!("registered models: {}", names.join(", "))
        }
    };
    let found = match name {
        Some(n) => all.iter().find(|m| m.name == n).ok_or_else(|| UdfError::arg(function, format!("no model named '{n}'; {}", listing())))?,
        None => all
            .iter()
            .find(|m| m.is_default && m.task == task.as_str())
            .ok_or_else(|| UdfError::arg(function, format!("no model given and no default {} is registered; {}", task.as_str(), listing())))?,
    };
    let ok = found.task == task.as_str() || (task == Task::Classifier && found.task == Task::Multilabel.as_str());
    if !ok {
        return Err(UdfError::arg(function, format!("model '{}' is a {}, not a {}", found.name, found.task, task.as_str())));
    }
    Ok(found.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, task: &str, default: bool) -> ModelInfo {
        ModelInfo {
            name: name.into(),
            task: task.into(),
            format: "onnx".into(),
            architecture: None,
            uri: "/x.onnx".into(),
            sha256: "ab".into(),
            input_size: Some(64),
            classes: vec![],
            fold: None,
            preset: None,
            decoded: None,
            is_default: default,
            created_at_us: None,
            args: None,
            inputs: None,
            metrics: None,
        }
    }

    #[test]
    fn picks_by_name_or_default_and_lists_models_otherwise() {
        let all = vec![m("det", "detector", true), m("clf", "classifier", false)];
        assert_eq!(pick(&all, "f", None, Task::Detector).unwrap().name, "det");
        assert_eq!(pick(&all, "f", Some("clf"), Task::Classifier).unwrap().name, "clf");
        let e = pick(&all, "f", None, Task::Classifier).unwrap_err().to_string();
        assert!(e.contains("no default classifier") && e.contains("det (detector, default)") && e.contains("clf (classifier)"), "{e}");
        let e = pick(&all, "f", Some("nope"), Task::Detector).unwrap_err().to_string();
        assert!(e.contains("no model named 'nope'"), "{e}");
        let e = pick(&all, "f", Some("clf"), Task::Detector).unwrap_err().to_string();
        assert!(e.contains("is a classifier, not a detector"), "{e}");
        let e = pick(&[], "f", None, Task::Detector).unwrap_err().to_string();
        assert!(e.contains("no models are registered"), "{e}");
    }

    #[test]
    fn hashes_files_and_notices_changes() {
        let dir = std::env::temp_dir().join(format!("cyto-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("w.onnx");
        std::fs::write(&p, b"abc").unwrap();
        let path = p.to_str().unwrap();
        // sha256("abc")
        assert_eq!(file_sha256(path).unwrap(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let mut info = m("w", "detector", false);
        info.uri = path.into();
        info.sha256 = file_sha256(path).unwrap();
        assert!(info.verified_path().is_ok());
        std::fs::write(&p, b"abcd").unwrap();
        let e = info.verified_path().unwrap_err().to_string();
        assert!(e.contains("changed since registration"), "{e}");
        assert!(file_sha256(dir.join("missing").to_str().unwrap()).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
