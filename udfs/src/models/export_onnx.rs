use std::sync::LazyLock;

use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Documentation, LogicalPlan};
use futures::FutureExt;

use super::model_rows;
use super::registry::{self, ModelInfo};
use crate::env::EnvRef;
use crate::tablefn::{Args, InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature, run_once};
use cytologia_nn::yolox::{Preset, Yolox, onnx_export};

const NAME: &str = "export_onnx";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Writes;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Exports a registered YOLOX detector (safetensors weights, e.g. from train_detector()) to an \
         ONNX file written by the engine itself (opset 17, batch size dynamic, batch norms folded into \
         the convolutions, output [N, anchors, 5 + classes] with box offsets not grid-decoded, as the \
         official export), then registers that file as a detector of its own (format 'onnx', the same \
         fold, classes, input size and lineage), so detect() can serve it through ONNX Runtime and any \
         other ONNX consumer can read it. The file is written under a temporary name and renamed. \
         Returns the new model's row.",
        "export_onnx(model => 'yolox_nano_fold0', uri => 'models/yolox_nano_fold0.onnx'[, name => ..., input_size => ...])",
    )
    .with_sql_example("SELECT name, format, sha256 FROM export_onnx(model => 'yolox_nano_fold0', uri => '/srv/models/yolox_nano_fold0.onnx');")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature {
    input: InputKind::None,
    params: vec![
        Param::required("model", ParamKind::Str, "the registered YOLOX detector (format 'safetensors') to export"),
        Param::required("uri", ParamKind::Str, "path of the .onnx file to write (relative paths are resolved now)"),
        Param::optional("name", ParamKind::Str, ScalarValue::Utf8(None), "name to register the ONNX model under; NULL = '<model>_onnx'"),
        Param::optional("input_size", ParamKind::Int, ScalarValue::Int64(None), "square input side of the graph; NULL = the model's"),
    ],
});

#[derive(Debug, Default)]
pub struct ExportOnnx;

#[derive(Debug, Clone)]
struct Request {
    model: String,
    path: String,
    name: Option<String>,
    input_size: Option<i64>,
}

impl TableFn for ExportOnnx {
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
        let r = request(&call.args)?;
        let env = call.env.clone();
        run_once(NAME, model_rows::schema(), move || {
            let (r, env) = (r.clone(), env.clone());
            async move { export(r, env).await }.boxed()
        })
    }
}

fn request(a: &Args) -> Result<Request> {
    let uri = a.str("uri")?;
    if uri.contains("://") && !uri.starts_with("file://") {
        return Err(a.error(format!("uri '{uri}': only local files are supported")));
    }
    let raw = uri.strip_prefix("file://").unwrap_or(uri);
    let path = std::path::absolute(raw).map_err(|e| a.error(format!("uri '{uri}': {e}")))?.to_string_lossy().into_owned();
    Ok(Request { model: a.str("model")?.to_string(), path, name: a.opt_str("name").map(String::from), input_size: a.opt_i64("input_size") })
}

fn fail(e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("{NAME}(): {e}"))
}

async fn export(r: Request, env: EnvRef) -> Result<datafusion::arrow::array::RecordBatch> {
    let all = registry::load_all(env.as_ref()).await?;
    let m = all.iter().find(|m| m.name == r.model).ok_or_else(|| fail(format!("no model named '{}' ({} registered)", r.model, all.len())))?.clone();
    let arch = m.architecture.clone().unwrap_or_default();
    if m.format != "safetensors" || !cytologia_nn::runtime::torch_yolox::serves(&arch) {
        return Err(fail(format!("'{}' is a {} model of architecture '{arch}': only YOLOX safetensors detectors are exported", m.name, m.format)));
    }
    let weights = m.verified_path().map_err(fail)?.to_string();
    let size = r.input_size.or(m.input_size).ok_or_else(|| fail(format!("'{}' has no input size: give input_size", m.name)))?;
    let classes = m.classes.len().max(1) as i64;
    let (path, preset) = (r.path.clone(), Preset::parse(&arch).map_err(fail)?);
    tokio::task::spawn_blocking(move || -> Result<(), crate::error::UdfError> {
        let mut net = Yolox::new(preset, classes, tch::Device::Cpu)?;
        net.load(&weights, true)?;
        Ok(onnx_export::export_onnx(&net, size, std::path::Path::new(&path))?)
    })
    .await
    .map_err(fail)?
    .map_err(|e| fail(format!("model '{}': {e}", m.name)))?;
    let info = ModelInfo {
        name: r.name.clone().unwrap_or_else(|| format!("{}_onnx", m.name)),
        format: "onnx".into(),
        uri: r.path.clone(),
        sha256: registry::file_sha256(&r.path).map_err(fail)?,
        input_size: Some(size),
        decoded: Some(false),
        is_default: false,
        created_at_us: None,
        args: Some(serde_json::json!({"exported_from": m.name, "from_sha256": m.sha256, "input_size": size}).to_string()),
        ..m
    };
    let info = registry::upsert(&env, info).await?;
    model_rows::batch(&[info])
}
