//! Persisted views. A view is stored as its `CREATE VIEW` statement and re-planned at every
//! scan, so it always reads the tables' latest versions (a plan captured once would pin the
//! Delta snapshots it was planned against).
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{DdlStatement, Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::ExecutionPlan;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredView {
    pub name: String,
    /// The full `CREATE [OR REPLACE] VIEW ... AS ...` statement.
    pub definition: String,
    pub created_ms: i64,
}

/// Plans a stored view's query with the given session.
pub async fn plan_view(state: &SessionState, view: &StoredView) -> Result<LogicalPlan> {
    match state.create_logical_plan(&view.definition).await? {
        LogicalPlan::Ddl(DdlStatement::CreateView(cv)) => Ok(cv.input.as_ref().clone()),
        _ => Err(DataFusionError::Plan(format!("view '{}': stored definition is not a CREATE VIEW", view.name))),
    }
}

#[derive(Debug)]
pub struct LazyView {
    view: StoredView,
    schema: SchemaRef,
}

impl LazyView {
    pub fn new(view: StoredView, schema: SchemaRef) -> Self {
        LazyView { view, schema }
    }
}

#[async_trait]
impl TableProvider for LazyView {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn table_type(&self) -> TableType {
        TableType::View
    }
    fn get_table_definition(&self) -> Option<&str> {
        Some(&self.view.definition)
    }
    async fn scan(&self, state: &dyn Session, projection: Option<&Vec<usize>>, _filters: &[Expr], limit: Option<usize>) -> Result<Arc<dyn ExecutionPlan>> {
        let state = state.as_any().downcast_ref::<SessionState>().ok_or_else(|| DataFusionError::Internal("views need a SessionState".into()))?;
        let plan = plan_view(state, &self.view).await?;
        // The statement that scans the view was checked without seeing inside it.
        crate::engine::access::check_session(&plan, state.config_options()).map_err(DataFusionError::from)?;
        let mut b = LogicalPlanBuilder::from(plan);
        if let Some(p) = projection {
            b = b.select(p.iter().copied())?;
        }
        if let Some(l) = limit {
            b = b.limit(0, Some(l))?;
        }
        state.create_physical_plan(&b.build()?).await
    }
}
