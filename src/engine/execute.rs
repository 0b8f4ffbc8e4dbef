//! Runs one statement. Queries stream; DDL and DML on warehouse tables become Delta commits
//! (DataFusion's own CREATE TABLE would build an in-memory table from collected batches).
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::logical_expr::{DdlStatement, DmlStatement, LogicalPlan, WriteOp};
use datafusion::physical_plan::SendableRecordBatchStream;

use cytologia_udfs::env::WriteMode;

use super::Engine;
use crate::error::{Error, Result};
use crate::warehouse::StoredView;

/// What a statement produced.
pub enum Output {
    /// Rows, streamed.
    Rows { schema: SchemaRef, stream: SendableRecordBatchStream },
    /// A statement without rows: what it did, e.g. "created table labels (52748 rows)".
    Done(String),
}

impl Engine {
    /// A damaged table named by a statement fails it with the repair hint before planning
    /// (planning would only see a table without columns). DROP TABLE stays possible.
    async fn check_logs(&self, state: &datafusion::execution::context::SessionState, statement: &datafusion::sql::parser::Statement) -> Result<()> {
        use datafusion::sql::parser::Statement as S;
        use datafusion::sql::sqlparser::ast::Statement as Sql;
        if matches!(statement, S::Statement(s) if matches!(s.as_ref(), Sql::Drop { .. })) {
            return Ok(());
        }
        for r in state.resolve_table_references(statement)? {
            let name = r.table();
            // A table that does not exist has no log to check.
            if crate::warehouse::check_name(name).is_ok() && !self.schema.has_view(name) {
                self.warehouse.check_log(name).await?;
            }
        }
        Ok(())
    }

    /// Plans and runs one SQL statement.
    pub async fn execute(&self, sql: &str) -> Result<Output> {
        let plan = self.plan(sql).await?;
        self.execute_plan(plan, sql).await
    }

    /// Parses and plans one SQL statement, checked against the session's role. Placeholders
    /// (`$1`) stay in the plan, for [`LogicalPlan::with_param_values`].
    pub async fn plan(&self, sql: &str) -> Result<LogicalPlan> {
        let statement = super::statement::parse(&self.ctx.state(), sql)?;
        self.plan_statement(statement).await
    }

    /// Plans a parsed statement, checked against the session's role.
    pub async fn plan_statement(&self, statement: datafusion::sql::parser::Statement) -> Result<LogicalPlan> {
        let state = self.ctx.state();
        self.check_logs(&state, &statement).await?;
        let plan = state.statement_to_plan(statement).await?;
        super::access::check_session(&plan, state.config_options())?;
        Ok(plan)
    }

    /// Runs a plan made by [`Engine::plan`]; `sql` is its text (a stored view's definition).
    pub async fn execute_plan(&self, plan: LogicalPlan, sql: &str) -> Result<Output> {
        let state = self.ctx.state();
        match plan {
            LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(c)) => {
                let name = c.name.table().to_string();
                if self.schema.has_view(&name) {
                    return Err(Error::table(&name, "a view has this name"));
                }
                if c.if_not_exists && self.warehouse.exists(&name).await? {
                    return Ok(Output::Done(format!("table {name} exists, left unchanged")));
                }
                let mode = if c.or_replace { WriteMode::Replace } else { WriteMode::Create };
                let rows = self.warehouse.write(&name, c.input.as_ref().clone(), mode, &state).await?;
                self.schema.note_table(&name, true);
                Ok(Output::Done(format!("created table {name} ({rows} rows)")))
            }
            LogicalPlan::Dml(DmlStatement { table_name, op: WriteOp::Insert(_), input, .. }) => {
                let name = table_name.table().to_string();
                if self.schema.has_view(&name) {
                    return Err(Error::table(&name, "cannot insert into a view"));
                }
                let rows = self.warehouse.write(&name, input.as_ref().clone(), WriteMode::Append, &state).await?;
                Ok(Output::Done(format!("inserted {rows} rows into {name}")))
            }
            LogicalPlan::Ddl(DdlStatement::DropTable(d)) => {
                let name = d.name.table().to_string();
                if self.schema.has_view(&name) {
                    return Err(Error::table(&name, "is a view: use DROP VIEW"));
                }
                if !self.warehouse.exists(&name).await? {
                    return if d.if_exists { Ok(Output::Done(format!("table {name} does not exist"))) } else { Err(Error::table(&name, "no such table")) };
                }
                self.warehouse.drop_table(&name).await?;
                self.schema.note_table(&name, false);
                Ok(Output::Done(format!("dropped table {name}")))
            }
            LogicalPlan::Ddl(DdlStatement::CreateView(v)) => {
                let name = v.name.table().to_string();
                crate::warehouse::check_name(&name)?;
                if self.warehouse.exists(&name).await? {
                    return Err(Error::table(&name, "a table has this name"));
                }
                if self.schema.has_view(&name) && !v.or_replace {
                    return Err(Error::table(&name, "view already exists (use CREATE OR REPLACE VIEW)"));
                }
                let definition = v.definition.clone().unwrap_or_else(|| sql.to_string());
                let stored = StoredView { name: name.clone(), definition, created_ms: chrono::Utc::now().timestamp_millis() };
                let schema = Arc::new(v.input.schema().as_arrow().clone());
                self.warehouse.save_view(&stored).await?;
                self.schema.set_view(&name, Some(Arc::new(crate::warehouse::view::LazyView::new(stored, schema))));
                Ok(Output::Done(format!("created view {name}")))
            }
            LogicalPlan::Ddl(DdlStatement::DropView(d)) => {
                let name = d.name.table().to_string();
                let existed = self.warehouse.delete_view(&name).await?;
                self.schema.set_view(&name, None);
                match (existed, d.if_exists) {
                    (true, _) => Ok(Output::Done(format!("dropped view {name}"))),
                    (false, true) => Ok(Output::Done(format!("view {name} does not exist"))),
                    (false, false) => Err(Error::table(&name, "no such view")),
                }
            }
            LogicalPlan::Ddl(DdlStatement::CreateExternalTable(c)) => Err(Error::Usage(format!(
                "CREATE EXTERNAL TABLE {} is not supported: query files directly (SELECT * FROM 'file.csv') \
                 or copy them into the warehouse with CREATE TABLE ... AS SELECT * FROM 'file.csv'",
                c.name
            ))),
            LogicalPlan::Dml(DmlStatement { table_name, op, .. }) => {
                Err(Error::table(table_name.table(), format!("{op} is not supported yet; rewrite the table with CREATE OR REPLACE TABLE ... AS SELECT")))
            }
            LogicalPlan::Copy(c) if super::copy_file::local_csv_target(&c.output_url, &c.file_type.get_ext()).is_some() => {
                let target = super::copy_file::local_csv_target(&c.output_url, &c.file_type.get_ext()).unwrap_or_default();
                if !c.partition_by.is_empty() {
                    return Err(Error::Usage("COPY ... PARTITIONED BY is not supported for a single CSV file".into()));
                }
                let df = self.ctx.execute_logical_plan(c.input.as_ref().clone()).await?;
                let rows = super::copy_file::write_csv_atomic(&target, df.execute_stream().await?).await?;
                Ok(Output::Done(format!("wrote {rows} rows to {}", target.display())))
            }
            other => {
                let df = self.ctx.execute_logical_plan(other).await?;
                let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
                let stream = df.execute_stream().await?;
                Ok(Output::Rows { schema, stream })
            }
        }
    }
}
