//! `EngineEnv` for the SQL functions in `cytologia-udfs`, backed by the warehouse.
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;

use cytologia_udfs::env::{EngineEnv, EnvConfig, TableVersionInfo, WriteMode};

use crate::warehouse::{Warehouse, WarehouseSchema};

pub struct WarehouseEnv {
    pub(crate) config: EnvConfig,
    pub(crate) warehouse: Arc<Warehouse>,
    pub(crate) schema: Arc<WarehouseSchema>,
    /// Set once the context exists (the context holds this env through its functions).
    pub(crate) ctx: OnceLock<SessionContext>,
    /// Progress bars on stderr (the CLI turns them on), and the statement's row bars.
    pub(crate) board: Arc<crate::progress::Board>,
}

impl std::fmt::Debug for WarehouseEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarehouseEnv").field("warehouse", &self.warehouse.root().as_str()).finish()
    }
}

fn ext(e: crate::error::Error) -> DataFusionError {
    e.into()
}

#[async_trait]
impl EngineEnv for WarehouseEnv {
    fn config(&self) -> &EnvConfig {
        &self.config
    }

    async fn table(&self, name: &str, version: Option<i64>) -> Result<Arc<dyn TableProvider>> {
        if version.is_none() {
            // Views and tables, as the catalog resolves them.
            use datafusion::catalog::SchemaProvider;
            return self.schema.table(name).await?.ok_or_else(|| DataFusionError::Plan(format!("table '{name}' not found")));
        }
        let table = self.warehouse.open_table(name, version).await.map_err(ext)?;
        table.table_provider().await
    }

    async fn history(&self, name: &str) -> Result<Vec<TableVersionInfo>> {
        self.warehouse.history(name).await.map_err(ext)
    }

    async fn execute(&self, plan: LogicalPlan) -> Result<datafusion::execution::SendableRecordBatchStream> {
        let ctx = self.ctx.get().ok_or_else(|| DataFusionError::Internal("engine not initialised".into()))?;
        let state = ctx.state();
        let physical = state.create_physical_plan(&plan).await?;
        datafusion::physical_plan::execute_stream(physical, state.task_ctx())
    }

    fn progress(&self, label: &str, total: u64) -> Arc<dyn cytologia_udfs::env::ProgressSink> {
        if self.board.enabled() { Arc::new(crate::progress::Bar::new(label, total)) } else { Arc::new(cytologia_udfs::env::NoProgress) }
    }

    async fn write_table(&self, name: &str, plan: LogicalPlan, mode: WriteMode) -> Result<u64> {
        let ctx = self.ctx.get().ok_or_else(|| DataFusionError::Internal("engine not initialised".into()))?;
        let rows = self.warehouse.write(name, plan, mode, &ctx.state()).await.map_err(ext)?;
        self.schema.note_table(name, true);
        Ok(rows)
    }

    async fn latest_version(&self, name: &str) -> Result<Option<i64>> {
        self.warehouse.latest_version(name).await.map_err(ext)
    }

    async fn replace_if_unchanged(&self, name: &str, plan: LogicalPlan, expected: Option<i64>) -> Result<bool> {
        let ctx = self.ctx.get().ok_or_else(|| DataFusionError::Internal("engine not initialised".into()))?;
        let done = self.warehouse.replace_if_unchanged(name, plan, expected, &ctx.state()).await.map_err(ext)?;
        if done.is_some() {
            self.schema.note_table(name, true);
        }
        Ok(done.is_some())
    }
}
