use std::sync::LazyLock;

use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Documentation, LogicalPlan};
use futures::FutureExt;

use super::model_rows;
use super::probe;
use super::registry::{self, ModelInfo, Task};
use crate::env::EnvRef;
use crate::error::UdfError;
use crate::tablefn::{Args, InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature, run_once};
use cytologia_nn::runtime::model_runtime::Format;

const NAME: &str = "register_model";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Writes;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Registers a model file in the `models` table and returns its row. The weights are hashed \
         (sha256) now; functions later refuse a file whose hash changed. The file is loaded once to \
         check it: a missing or malformed file is an error. `input_size` is read from the graph when \
         it is static; for YOLOX detectors `decoded` is found by running the model once on a blank \
         input (decoded heads output pixel centres, undecoded ones grid offsets); for classifiers the \
         class list defaults to the `classes` table (23 outputs) plus 'Background' for a 24th. \
         Registering an existing name replaces that row; `is_default => true` makes it the task's \
         default (the first model of a task becomes the default anyway). Committed atomically.",
        "register_model(name => 'det', task => 'detector', uri => 'models/yolox.onnx'[, option => value ...])",
    )
    .with_sql_example(
        "SELECT name, sha256, input_size, decoded FROM register_model(name => 'yolox_fold0', task => 'detector', uri => 'tests/fixtures/models/yolox_fixture_undecoded.onnx', fold => 0);",
    )
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| {
    let none = |k: ParamKind| match k {
        ParamKind::Int => ScalarValue::Int64(None),
        ParamKind::Bool => ScalarValue::Boolean(None),
        _ => ScalarValue::Utf8(None),
    };
    TableFnSignature {
        input: InputKind::None,
        params: vec![
            Param::required("name", ParamKind::Str, "the model's name, used by detect(), classify() and the predictions"),
            Param::required("task", ParamKind::Str, "'detector', 'classifier' or 'multilabel'"),
            Param::required("uri", ParamKind::Str, "path or file:// URL of the weights (relative paths are resolved now)"),
            Param::optional(
                "format",
                ParamKind::Str,
                none(ParamKind::Str),
                "'onnx', 'torchscript' or 'safetensors' (needs architecture and input_size); NULL = from the file extension",
            ),
            Param::optional("input_size", ParamKind::Int, none(ParamKind::Int), "square input side; NULL = from the graph"),
            Param::optional("classes", ParamKind::Str, none(ParamKind::Str), "comma-separated class names in output order; NULL = by task"),
            Param::optional("fold", ParamKind::Int, none(ParamKind::Int), "the CV fold the model was trained without"),
            Param::optional("preset", ParamKind::Str, none(ParamKind::Str), "'yolox' or 'imagenet'; NULL = 'yolox' for detectors, else 'imagenet'"),
            Param::optional("decoded", ParamKind::Bool, none(ParamKind::Bool), "whether a YOLOX export decodes its grid; NULL = probe the model"),
            Param::optional("is_default", ParamKind::Bool, ScalarValue::Boolean(Some(false)), "make this the task's default model"),
            Param::optional(
                "architecture",
                ParamKind::Str,
                none(ParamKind::Str),
                "e.g. 'yolox_s' or a timm name such as 'resnet18' (required for safetensors weights)",
            ),
            Param::optional("metrics", ParamKind::Str, none(ParamKind::Str), "JSON with validation metrics"),
        ],
    }
});

#[derive(Debug, Default)]
pub struct RegisterModel;

impl TableFn for RegisterModel {
    fn name(&self) -> &'static str {
        NAME
    }
    fn effect(&self) -> crate::access::Effect {
        EFFECT
    }
    fn signature(&self) -> &TableFnSignature {
        &SIG
    }
    fn documentation(&self) -> &Documentation {
        &DOC
    }
    fn plan(&self, call: TableFnCall) -> Result<LogicalPlan> {
        let request = Request::from_args(&call.args)?;
        let env = call.env.clone();
        run_once(NAME, model_rows::schema(), move || {
            let (request, env) = (request.clone(), env.clone());
            async move { register(request, env).await }.boxed()
        })
    }
}

#[derive(Debug, Clone)]
struct Request {
    name: String,
    task: Task,
    path: String,
    format: Format,
    input_size: Option<i64>,
    classes: Option<Vec<String>>,
    fold: Option<i64>,
    preset: String,
    decoded: Option<bool>,
    is_default: bool,
    architecture: Option<String>,
    metrics: Option<String>,
    args_json: String,
}

impl Request {
    fn from_args(a: &Args) -> Result<Self> {
        let name = a.str("name")?.trim().to_string();
        if name.is_empty() {
            return Err(a.error("name must not be empty"));
        }
        let task = Task::parse(a.str("task")?)
            .ok_or_else(|| a.error(format!("task '{}' is not 'detector', 'classifier' or 'multilabel'", a.str("task").unwrap_or_default())))?;
        let uri = a.str("uri")?;
        if uri.contains("://") && !uri.starts_with("file://") {
            return Err(a.error(format!("uri '{uri}': only local files are supported for weights so far")));
        }
        let raw = uri.strip_prefix("file://").unwrap_or(uri);
        let path = std::path::absolute(raw).map_err(|e| a.error(format!("uri '{uri}': {e}")))?.to_string_lossy().into_owned();
        let format = match a.opt_str("format") {
            Some(f) => Format::parse(f).map_err(|e| a.error(e))?,
            None => Format::from_path(&path).ok_or_else(|| {
                a.error(format!("cannot tell the format of '{uri}' from its extension; give format => 'onnx', 'torchscript' or 'safetensors'"))
            })?,
        };
        let preset = match a.opt_str("preset") {
            Some(p @ ("yolox" | "imagenet")) => p.to_string(),
            Some(p) => return Err(a.error(format!("preset '{p}' is not 'yolox' or 'imagenet'"))),
            None => if task == Task::Detector { "yolox" } else { "imagenet" }.to_string(),
        };
        if let Some(s) = a.opt_i64("input_size") {
            if !(8..=8192).contains(&s) {
                return Err(a.error(format!("input_size {s} is out of range")));
            }
            if task == Task::Detector && s % 32 != 0 {
                return Err(a.error(format!("input_size {s}: a YOLOX input side must be a multiple of 32")));
            }
        }
        let classes = a.opt_str("classes").map(|c| c.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>());
        let args_json = serde_json::json!({
            "uri": uri, "format": a.opt_str("format"), "input_size": a.opt_i64("input_size"), "classes": a.opt_str("classes"),
            "fold": a.opt_i64("fold"), "preset": a.opt_str("preset"), "decoded": a.bool("decoded").ok(), "is_default": a.bool("is_default").ok(),
        })
        .to_string();
        Ok(Request {
            name,
            task,
            path,
            format,
            input_size: a.opt_i64("input_size"),
            classes,
            fold: a.opt_i64("fold"),
            preset,
            decoded: a.bool("decoded").ok(),
            is_default: a.bool("is_default").unwrap_or(false),
            architecture: a.opt_str("architecture").map(String::from),
            metrics: a.opt_str("metrics").map(String::from),
            args_json,
        })
    }
}

fn fail(e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("{NAME}(): {e}"))
}

async fn register(r: Request, env: EnvRef) -> Result<datafusion::arrow::array::RecordBatch> {
    let probe_req = r.clone();
    let probed = tokio::task::spawn_blocking(move || {
        probe::probe(
            &probe_req.path,
            probe_req.format,
            probe_req.task,
            probe_req.input_size,
            &probe_req.preset,
            probe_req.architecture.as_deref(),
            probe_req.classes.as_ref().map_or(0, |c| c.len()),
        )
    })
    .await
    .map_err(fail)?
    .map_err(|e: UdfError| fail(format!("model '{}': {e}", r.name)))?;
    let classes = match r.classes.clone() {
        Some(c) => c,
        None => default_classes(&env, r.task, probed.outputs).await?,
    };
    if r.task != Task::Detector && classes.len() != probed.outputs {
        return Err(fail(format!("model '{}' has {} outputs but {} classes were given", r.name, probed.outputs, classes.len())));
    }
    if r.task == Task::Detector && classes.len() + 5 != probed.outputs {
        return Err(fail(format!("detector '{}' outputs 5+{} columns per anchor but {} classes were given", r.name, probed.outputs - 5, classes.len())));
    }
    let info = ModelInfo {
        name: r.name.clone(),
        task: r.task.as_str().to_string(),
        format: r.format.as_str().to_string(),
        architecture: r.architecture.clone(),
        uri: r.path.clone(),
        sha256: probed.sha256.clone(),
        input_size: Some(probed.input_size as i64),
        classes,
        fold: r.fold,
        preset: Some(r.preset.clone()),
        decoded: if r.task == Task::Detector { Some(r.decoded.or(probed.decoded).unwrap_or(false)) } else { None },
        is_default: r.is_default,
        created_at_us: None,
        args: Some(r.args_json.clone()),
        inputs: None,
        metrics: r.metrics.clone(),
    };
    let info = registry::upsert(&env, info).await?;
    model_rows::batch(&[info])
}

pub(crate) async fn default_classes(env: &EnvRef, task: Task, outputs: usize) -> Result<Vec<String>> {
    if task == Task::Detector {
        return Ok((0..outputs.saturating_sub(5)).map(|i| if i == 0 { "WBC".to_string() } else { format!("class_{i}") }).collect());
    }
    let mut names = crate::env::class_names(env.as_ref()).await.unwrap_or_default();
    if outputs == names.len() + 1 {
        names.push("Background".into());
    }
    if names.len() != outputs {
        names = (0..outputs).map(|i| format!("class_{i}")).collect();
    }
    Ok(names)
}
