//! For table functions whose algorithm needs its whole input at once (fold assignment,
//! duplicate groups): the input is planned as a real plan, streamed once at execution, and the
//! CPU work runs on a blocking thread. Nothing runs at planning time.
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::datasource::provider_as_source;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use futures::StreamExt;

use crate::env::EnvRef;

type Compute = dyn Fn(RecordBatch) -> Result<RecordBatch> + Send + Sync;

/// A scan named `name` with schema `output` whose one partition collects `input` and
/// applies `compute` to it.
pub fn collect_then(
    name: &'static str,
    input: LogicalPlan,
    env: EnvRef,
    output: SchemaRef,
    compute: impl Fn(RecordBatch) -> Result<RecordBatch> + Send + Sync + 'static,
) -> Result<LogicalPlan> {
    let part = CollectPartition { name, input, env, output: output.clone(), compute: Arc::new(compute) };
    let table = StreamingTable::try_new(output, vec![Arc::new(part)])?;
    LogicalPlanBuilder::scan(name, provider_as_source(Arc::new(table)), None)?.build()
}

struct CollectPartition {
    name: &'static str,
    input: LogicalPlan,
    env: EnvRef,
    output: SchemaRef,
    compute: Arc<Compute>,
}

impl std::fmt::Debug for CollectPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CollectPartition({})", self.name)
    }
}

impl PartitionStream for CollectPartition {
    fn schema(&self) -> &SchemaRef {
        &self.output
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (name, input, env, compute) = (self.name, self.input.clone(), self.env.clone(), self.compute.clone());
        let fut = async move {
            let all = collect_all(env.as_ref(), input).await?;
            tokio::task::spawn_blocking(move || compute(all)).await.map_err(|e| DataFusionError::Execution(format!("{name}(): {e}")))?
        };
        Box::pin(RecordBatchStreamAdapter::new(self.output.clone(), futures::stream::once(fut)))
    }
}

/// Runs `input` and concatenates its batches (for algorithms that need their whole input).
pub async fn collect_all(env: &dyn crate::env::EngineEnv, input: LogicalPlan) -> Result<RecordBatch> {
    let schema = input.schema().inner().clone();
    let mut stream = env.execute(input).await?;
    let mut batches = Vec::new();
    while let Some(b) = stream.next().await {
        batches.push(b?);
    }
    Ok(concat_batches(&schema, &batches)?)
}

type Once = dyn Fn() -> futures::future::BoxFuture<'static, Result<RecordBatch>> + Send + Sync;

/// A scan named `name` whose one partition runs `work` when executed (not when planned) and
/// yields its batch: for table functions with side effects, like registering a model.
pub fn run_once(
    name: &'static str,
    output: SchemaRef,
    work: impl Fn() -> futures::future::BoxFuture<'static, Result<RecordBatch>> + Send + Sync + 'static,
) -> Result<LogicalPlan> {
    let part = OncePartition { name, output: output.clone(), work: Arc::new(work) };
    let table = StreamingTable::try_new(output, vec![Arc::new(part)])?;
    LogicalPlanBuilder::scan(name, provider_as_source(Arc::new(table)), None)?.build()
}

struct OncePartition {
    name: &'static str,
    output: SchemaRef,
    work: Arc<Once>,
}

impl std::fmt::Debug for OncePartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OncePartition({})", self.name)
    }
}

impl PartitionStream for OncePartition {
    fn schema(&self) -> &SchemaRef {
        &self.output
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let fut = (self.work)();
        Box::pin(RecordBatchStreamAdapter::new(self.output.clone(), futures::stream::once(fut)))
    }
}
