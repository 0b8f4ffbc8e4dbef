//! What every training table function shares: the training runs on a blocking thread and
//! sends one record per evaluation over a bounded channel; the partition's stream registers a
//! record's checkpoint in `models` (one Delta commit) BEFORE it yields the row, then removes
//! the previous best file. Dropping the stream (Ctrl-C, LIMIT) closes the channel, which the
//! trainer polls every step; a panic inside libtorch becomes the query's error.
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::datasource::provider_as_source;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use futures::{Future, StreamExt};
use tokio::sync::{mpsc, oneshot};

use crate::env::EnvRef;
use crate::error::UdfError;
use crate::models::registry::{self, ModelInfo, Task};
use crate::tablefn::Args;
use cytologia_nn::runtime::{batching, device, torch};

/// One evaluation of a training run, as its function reports it.
pub trait Record: Send + 'static {
    /// The checkpoint written for this evaluation when it became the best so far.
    fn checkpoint(&self) -> Option<&str>;
    /// The metrics stored with the registered model.
    fn metrics(&self) -> serde_json::Value;
    /// The output row; `skipped_rows` counts the input rows skipped because their image cannot
    /// be decoded.
    fn batch(&self, model: &str, fold: i64, skipped_rows: i64) -> Result<RecordBatch>;
}

enum Msg<R> {
    Row(R),
    Failed(String),
}

/// The training thread's side of the channel.
pub struct Reporter<R> {
    tx: mpsc::Sender<Msg<R>>,
    ready: Mutex<Option<oneshot::Sender<serde_json::Value>>>,
}

impl<R> Reporter<R> {
    /// Data is prepared: `inputs` (row counts; `skipped_rows`, when rows were skipped, also
    /// goes into every output row) join the lineage; the stream starts.
    pub fn ready(&self, inputs: serde_json::Value) {
        if let Some(tx) = self.ready.lock().ok().and_then(|mut r| r.take()) {
            let _ = tx.send(inputs);
        }
    }

    /// Sends a record; false when the consumer is gone.
    pub fn report(&self, r: R) -> bool {
        self.tx.blocking_send(Msg::Row(r)).is_ok()
    }

    /// The query was dropped.
    pub fn cancelled(&self) -> bool {
        self.tx.is_closed()
    }
}

/// The stream's state between rows.
pub struct Running<R> {
    function: &'static str,
    rx: mpsc::Receiver<Msg<R>>,
    env: EnvRef,
    template: ModelInfo,
    previous: Option<String>,
    fold: i64,
    skipped_rows: i64,
}

/// `function(): message`, unless the message already names it.
pub fn exec_err(function: &str, e: impl std::fmt::Display) -> DataFusionError {
    let m = e.to_string();
    if m.starts_with(&format!("{function}():")) { DataFusionError::Execution(m) } else { DataFusionError::Execution(format!("{function}(): {m}")) }
}

/// The tables a plan scans (for lineage), sorted.
pub fn scanned_tables(plan: &LogicalPlan) -> Result<Vec<String>> {
    let mut tables = Vec::new();
    plan.apply(|n| {
        if let LogicalPlan::TableScan(s) = n {
            tables.push(s.table_name.table().to_string());
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    tables.sort();
    tables.dedup();
    Ok(tables)
}

/// The tables' current Delta versions, as they are read now.
pub async fn table_versions(env: &EnvRef, tables: &[String]) -> serde_json::Map<String, serde_json::Value> {
    let mut versions = serde_json::Map::new();
    for t in tables {
        if let Ok(h) = env.history(t).await
            && let Some(v) = h.first()
        {
            versions.insert(t.clone(), serde_json::json!(v.version));
        }
    }
    versions
}

/// The checkpoint folder: the option, else `<warehouse>/checkpoints` for a local warehouse,
/// else `./checkpoints`; absolute.
pub fn checkpoint_dir(option: Option<&str>, env: &EnvRef) -> std::path::PathBuf {
    let dir = match option {
        Some(d) => std::path::PathBuf::from(d),
        None => match env.config().warehouse_url.strip_prefix("file://") {
            Some(p) => std::path::PathBuf::from(p).join("checkpoints"),
            None => std::path::PathBuf::from("checkpoints"),
        },
    };
    std::path::absolute(&dir).unwrap_or(dir)
}

/// The `init` option: `None` for 'random', else the weights file: a .safetensors path, or the
/// verified file of a registered safetensors model (fine-tuning).
pub async fn resolve_init(function: &str, env: &EnvRef, init: &str) -> Result<Option<String>> {
    let err = |m: String| exec_err(function, m);
    match init {
        "random" | "" => Ok(None),
        p if p.to_ascii_lowercase().ends_with(".safetensors") => Ok(Some(p.to_string())),
        model => {
            let all = registry::load_all(env.as_ref()).await?;
            let m = all
                .iter()
                .find(|m| m.name == model)
                .ok_or_else(|| err(format!("init '{model}' is neither 'random', a .safetensors file nor a registered model ({} registered)", all.len())))?;
            if m.format != "safetensors" {
                return Err(err(format!("init model '{model}' is {} weights; fine-tuning needs a safetensors checkpoint", m.format)));
            }
            Ok(Some(m.verified_path().map_err(|e| err(e.to_string()))?.to_string()))
        }
    }
}

/// The options both training functions take, read and checked when the call is planned.
#[derive(Debug, Clone)]
pub struct CommonOptions {
    pub name: String,
    pub fold: i64,
    pub init: String,
    pub device: String,
    pub threads: usize,
    pub seed: u64,
    pub is_default: bool,
    pub checkpoint_dir: std::path::PathBuf,
    /// Bytes of decoded pictures the run keeps in memory (`cache_mb`).
    pub cache_bytes: usize,
    /// Stop after this many steps (`max_steps`).
    pub max_steps: Option<usize>,
    /// The tables the input scans, for lineage.
    pub tables: Vec<String>,
}

/// `function(): message` as a plan error.
pub fn plan_err(function: &str, m: impl Into<String>) -> DataFusionError {
    DataFusionError::Plan(format!("{function}(): {}", m.into()))
}

/// An integer option that must be at least `min`.
pub fn at_least(function: &str, a: &Args, name: &str, min: i64) -> Result<i64> {
    let v = a.i64(name)?;
    if v < min {
        return Err(plan_err(function, format!("option '{name}' must be at least {min}, got {v}")));
    }
    Ok(v)
}

/// What lowers a training run's memory, for a run that ran out of it.
const TRAINING_MEMORY_ADVICE: &str = "lower batch_size or input_size, or cache_mb (the decoded pictures kept in memory)";

/// The data-loading options both trainers take: `cache_mb` and `max_steps` (read by
/// [`CommonOptions::read`]).
pub fn loading_params() -> [crate::tablefn::Param; 2] {
    use crate::tablefn::{Param, ParamKind};
    use datafusion::common::ScalarValue;
    [
        Param::optional(
            "cache_mb",
            ParamKind::Int,
            ScalarValue::Int64(None),
            "megabytes of decoded pictures kept in memory (the rest are decoded when used); NULL = an eighth of the machine's memory, 0 = none",
        ),
        Param::optional(
            "max_steps",
            ParamKind::Int,
            ScalarValue::Int64(None),
            "stop after this many training steps, with an evaluation there (the schedule stays the full run's); NULL = every epoch",
        ),
    ]
}

impl CommonOptions {
    /// Reads the common options and checks that the input has `columns`.
    pub fn read(function: &'static str, a: &Args, input: &LogicalPlan, env: &EnvRef, columns: &[&str]) -> Result<Self> {
        let name = a.str("name")?.trim().to_string();
        if name.is_empty() {
            return Err(plan_err(function, "name must not be empty"));
        }
        for c in columns {
            if input.schema().field_with_unqualified_name(c).is_err() {
                return Err(plan_err(function, format!("the input needs a '{c}' column")));
            }
        }
        Ok(CommonOptions {
            name,
            fold: a.i64("fold")?,
            init: a.str("init")?.to_string(),
            device: a.opt_str("device").map(String::from).unwrap_or_else(|| env.config().device.clone()),
            threads: at_least(function, a, "threads", 0)? as usize,
            seed: a.i64("seed")? as u64,
            is_default: a.bool("is_default").unwrap_or(false),
            checkpoint_dir: checkpoint_dir(a.opt_str("checkpoint_dir"), env),
            cache_bytes: match a.opt_i64("cache_mb") {
                None => cytologia_train::store::default_budget(),
                Some(mb) if mb < 0 => return Err(plan_err(function, format!("option 'cache_mb' must be at least 0, got {mb}"))),
                Some(mb) => (mb as usize).saturating_mul(1 << 20),
            },
            max_steps: match a.opt_i64("max_steps") {
                None => None,
                Some(n) if n < 1 => return Err(plan_err(function, format!("option 'max_steps' must be at least 1, got {n}"))),
                Some(n) => Some(n as usize),
            },
            tables: scanned_tables(input)?,
        })
    }

    /// What the options name, resolved when the query runs: the input tables' versions, the
    /// initial weights and the device.
    pub async fn resolve(&self, function: &'static str, env: &EnvRef) -> Result<Resolved> {
        let versions = table_versions(env, &self.tables).await;
        let init = resolve_init(function, env, &self.init).await?;
        let device = device::resolve(&self.device, "libtorch", torch::cuda_devices()).map_err(|e| exec_err(function, e))?;
        Ok(Resolved { versions, init, device: device.tch() })
    }

    /// The `models` row each checkpoint of the run registers (its uri, hash and metrics are
    /// filled per checkpoint, its lineage when the data is ready).
    pub fn template(&self, task: Task, model: ModelKind, args: serde_json::Value) -> ModelInfo {
        ModelInfo {
            name: self.name.clone(),
            task: task.as_str().to_string(),
            format: "safetensors".into(),
            architecture: Some(model.architecture),
            uri: String::new(),
            sha256: String::new(),
            input_size: Some(model.input_size as i64),
            classes: model.classes,
            fold: Some(self.fold),
            preset: Some(model.preset.into()),
            decoded: model.decoded,
            is_default: self.is_default,
            created_at_us: None,
            args: Some(args.to_string()),
            inputs: None,
            metrics: None,
        }
    }
}

/// What a training function registers about its model.
pub struct ModelKind {
    pub architecture: String,
    pub input_size: usize,
    pub classes: Vec<String>,
    /// Preprocessing preset: 'imagenet' or 'yolox'.
    pub preset: &'static str,
    /// For detectors: whether the outputs are grid-decoded.
    pub decoded: Option<bool>,
}

/// The common options resolved at execution.
pub struct Resolved {
    pub versions: serde_json::Map<String, serde_json::Value>,
    pub init: Option<String>,
    pub device: tch::Device,
}

/// Starts `work` on a blocking thread and waits until it is ready (data prepared) or failed.
/// `template` is the model row each checkpoint registers (uri, hash and metrics filled in),
/// `versions` the input tables' versions.
pub async fn launch<R: Record>(
    function: &'static str,
    env: EnvRef,
    mut template: ModelInfo,
    common: &CommonOptions,
    versions: serde_json::Map<String, serde_json::Value>,
    work: impl FnOnce(&Reporter<R>) -> std::result::Result<(), UdfError> + Send + 'static,
) -> Result<Running<R>> {
    let (tx, mut rx) = mpsc::channel(8);
    let (ready_tx, ready_rx) = oneshot::channel();
    let (fold, threads) = (common.fold, common.threads);
    tokio::task::spawn_blocking(move || {
        if threads > 0 {
            tch::set_num_threads(threads as i32);
        }
        let reporter = Reporter { tx, ready: Mutex::new(Some(ready_tx)) };
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&reporter)));
        // The job's tensors are gone; the memory its steps kept for reuse goes back too.
        cytologia_nn::runtime::torch_cpu_cache::trim();
        let failure = match run {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(p) => Some(format!("training stopped by an internal error: {}", panic_text(&p))),
        }
        .map(|f| batching::explain_out_of_memory(f, TRAINING_MEMORY_ADVICE));
        if let Some(f) = failure {
            let _ = reporter.tx.blocking_send(Msg::Failed(f));
        }
    });
    let inputs = match ready_rx.await {
        Ok(v) => v,
        // The thread ended before it was ready: its message says why.
        Err(_) => {
            return Err(match rx.recv().await {
                Some(Msg::Failed(e)) => exec_err(function, e),
                _ => exec_err(function, "training stopped before it started"),
            });
        }
    };
    let skipped_rows = inputs.get("skipped_rows").and_then(|v| v.as_i64()).unwrap_or(0);
    let mut lineage = serde_json::json!({"tables": versions});
    if let (Some(l), serde_json::Value::Object(extra)) = (lineage.as_object_mut(), inputs) {
        l.extend(extra);
    }
    template.inputs = Some(lineage.to_string());
    Ok(Running { function, rx, env, template, previous: None, fold, skipped_rows })
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "unknown".into())
}

/// The partition's stream: `start` launches the run, then one row per record.
pub fn stream<R: Record>(schema: SchemaRef, start: impl Future<Output = Result<Running<R>>> + Send + 'static) -> SendableRecordBatchStream {
    let rows = futures::stream::once(start).flat_map(|r| match r {
        Err(e) => futures::stream::iter(vec![Err(e)]).boxed(),
        Ok(running) => futures::stream::unfold(Some(running), next_row).boxed(),
    });
    Box::pin(RecordBatchStreamAdapter::new(schema, rows))
}

async fn next_row<R: Record>(state: Option<Running<R>>) -> Option<(Result<RecordBatch>, Option<Running<R>>)> {
    let mut st = state?;
    match st.rx.recv().await {
        None => None,
        Some(Msg::Failed(e)) => Some((Err(exec_err(st.function, e)), None)),
        Some(Msg::Row(row)) => {
            let r = emit(&mut st, row).await;
            Some((r, Some(st)))
        }
    }
}

async fn emit<R: Record>(st: &mut Running<R>, row: R) -> Result<RecordBatch> {
    if let Some(path) = row.checkpoint() {
        let mut info = st.template.clone();
        info.uri = path.to_string();
        info.sha256 = registry::file_sha256(path).map_err(|e| exec_err(st.function, e))?;
        info.metrics = Some(row.metrics().to_string());
        registry::upsert(&st.env, info).await?;
        if let Some(old) = st.previous.replace(path.to_string())
            && old != path
        {
            let _ = std::fs::remove_file(&old);
        }
    }
    row.batch(&st.template.name, st.fold, st.skipped_rows)
}

/// The logical plan of one training call: a one-partition streaming table whose stream runs
/// `start(call, input, env)` when the query executes (not when it is planned).
pub fn plan<C, R, F, Fut>(function: &'static str, label: String, schema: SchemaRef, call: C, input: LogicalPlan, env: EnvRef, start: F) -> Result<LogicalPlan>
where
    C: Clone + Send + Sync + 'static,
    R: Record,
    F: Fn(C, LogicalPlan, EnvRef) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Running<R>>> + Send + 'static,
{
    let part = JobPartition { function, label, schema: schema.clone(), call, input, env, start };
    let table = StreamingTable::try_new(schema, vec![Arc::new(part)])?;
    LogicalPlanBuilder::scan(function, provider_as_source(Arc::new(table)), None)?.build()
}

struct JobPartition<C, F> {
    function: &'static str,
    label: String,
    schema: SchemaRef,
    call: C,
    input: LogicalPlan,
    env: EnvRef,
    start: F,
}

impl<C, F> std::fmt::Debug for JobPartition<C, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.function, self.label)
    }
}

impl<C, R, F, Fut> PartitionStream for JobPartition<C, F>
where
    C: Clone + Send + Sync + 'static,
    R: Record,
    F: Fn(C, LogicalPlan, EnvRef) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Running<R>>> + Send + 'static,
{
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        stream(self.schema.clone(), (self.start)(self.call.clone(), self.input.clone(), self.env.clone()))
    }
}
