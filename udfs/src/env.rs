//! What SQL functions need from the engine, without importing it (`udfs` never depends on
//! the `cytologia` crate). `src/engine` implements [`EngineEnv`] over the Delta warehouse.
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::error::Result;
use datafusion::logical_expr::LogicalPlan;

/// How a table write treats an existing table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Fail when the table exists.
    Create,
    /// Replace the table's content (and schema) in one commit.
    Replace,
    /// Add rows in one commit.
    Append,
}

/// One committed version of a warehouse table.
#[derive(Debug, Clone)]
pub struct TableVersionInfo {
    pub version: i64,
    pub timestamp_ms: Option<i64>,
    pub operation: Option<String>,
    pub parameters: Option<String>,
}

/// Engine settings functions may read.
#[derive(Debug, Clone)]
pub struct EnvConfig {
    /// Where tables live, as a URL (`file:///...` or `s3://...`).
    pub warehouse_url: String,
    /// Default device for inference and training: `auto`, `cpu` or `cuda`.
    pub device: String,
    /// Worker threads for CPU-heavy functions.
    pub threads: usize,
}

/// Progress of one long-running piece of work (a scan, a training run).
pub trait ProgressSink: Send + Sync {
    fn inc(&self, n: u64);
    fn finish(&self);
}

#[derive(Debug, Default)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn inc(&self, _n: u64) {}
    fn finish(&self) {}
}

#[async_trait]
pub trait EngineEnv: Send + Sync + std::fmt::Debug {
    fn config(&self) -> &EnvConfig;

    /// A warehouse table as a provider; `version` reads an earlier committed version.
    async fn table(&self, name: &str, version: Option<i64>) -> Result<Arc<dyn TableProvider>>;

    /// Committed versions of a table, newest first.
    async fn history(&self, name: &str) -> Result<Vec<TableVersionInfo>>;

    /// Streams `plan` into a table in one atomic commit; returns the rows written.
    async fn write_table(&self, name: &str, plan: LogicalPlan, mode: WriteMode) -> Result<u64>;

    /// The latest committed version of a table; `None` when the table does not exist.
    async fn latest_version(&self, name: &str) -> Result<Option<i64>>;

    /// Replaces a table's rows with `plan` in one commit, only if the table is still at
    /// `expected` (`None`: it must not exist yet). `Ok(false)`, with nothing committed, means
    /// another writer committed first: re-read and try again.
    async fn replace_if_unchanged(&self, name: &str, plan: LogicalPlan, expected: Option<i64>) -> Result<bool>;

    /// Plans and runs `plan` with the engine's session, streaming its batches (for table
    /// functions that consume their whole input at execution time).
    async fn execute(&self, plan: LogicalPlan) -> Result<datafusion::execution::SendableRecordBatchStream>;

    /// A progress display for `total` units of work (the CLI draws a bar with rate and ETA).
    fn progress(&self, _label: &str, _total: u64) -> Arc<dyn ProgressSink> {
        Arc::new(NoProgress)
    }
}

pub type EnvRef = Arc<dyn EngineEnv>;

/// The `classes` table's names in id order (empty when the table is missing or empty).
pub async fn class_names(env: &dyn EngineEnv) -> Result<Vec<String>> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::{DataType, Int64Type};
    use datafusion::datasource::provider_as_source;
    use datafusion::logical_expr::LogicalPlanBuilder;
    use futures::StreamExt;
    let Ok(provider) = env.table("classes", None).await else { return Ok(Vec::new()) };
    let plan = LogicalPlanBuilder::scan("classes", provider_as_source(provider), None)?.build()?;
    let mut stream = env.execute(plan).await?;
    let mut rows = Vec::new();
    while let Some(b) = stream.next().await {
        let b = b?;
        let (Some(id), Some(name)) = (b.column_by_name("id"), b.column_by_name("name")) else { continue };
        let (id, name) = (cast(id, &DataType::Int64)?, cast(name, &DataType::Utf8)?);
        let (id, name) = (id.as_primitive::<Int64Type>(), name.as_string::<i32>());
        for i in 0..b.num_rows() {
            if !id.is_null(i) && !name.is_null(i) {
                rows.push((id.value(i), name.value(i).to_string()));
            }
        }
    }
    rows.sort();
    Ok(rows.into_iter().map(|r| r.1).collect())
}
