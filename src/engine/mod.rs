//! The engine builder: one function returns the configured DataFusion session (warehouse
//! catalog, object stores, every SQL function), wrapped with the statement executor that
//! makes DDL and DML persistent. The CLI and every later front end go through [`Engine`].
pub(crate) mod access;
mod copy_file;
mod env;
mod execute;
mod progress_rule;
#[cfg(test)]
mod session_tests;
pub mod statement;

pub use execute::Output;

use std::sync::{Arc, OnceLock};

use datafusion::execution::context::SessionState;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use cytologia_udfs::access::{AccessOptions, Role};
use cytologia_udfs::env::EnvConfig;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::warehouse::{StoredView, Warehouse, WarehouseSchema, view};

pub use env::WarehouseEnv;

pub struct Engine {
    ctx: SessionContext,
    warehouse: Arc<Warehouse>,
    schema: Arc<WarehouseSchema>,
    env: Arc<WarehouseEnv>,
}

/// Builds the engine for `config`: opens (or creates) the warehouse, registers every function,
/// loads stored views, and applies the catalog on first use.
pub async fn build(config: &Config) -> Result<Engine> {
    let url = config.warehouse_url()?;
    let warehouse = Arc::new(Warehouse::open(url.clone(), config.storage_options.clone())?);
    let schema = Arc::new(WarehouseSchema::new(warehouse.clone()));
    schema.refresh().await?;

    let session_config = SessionConfig::new()
        .with_information_schema(true)
        .with_target_partitions(config.threads.max(1))
        .with_default_catalog_and_schema("datafusion", "public")
        .with_option_extension(AccessOptions::default());
    let board = Arc::new(crate::progress::Board::new(config.progress));
    // Delta's query planner executes the custom nodes of its writer (metrics observers).
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(session_config)
        .with_query_planner(deltalake::delta_datafusion::planner::DeltaPlanner::new())
        .with_physical_optimizer_rule(Arc::new(progress_rule::RowProgressRule::new(board.clone())))
        .build();
    let ctx = SessionContext::new_with_state(state).enable_url_table();
    ctx.catalog("datafusion").ok_or_else(|| Error::Usage("default catalog missing".into()))?.register_schema("public", schema.clone())?;

    let env = Arc::new(WarehouseEnv {
        config: EnvConfig { warehouse_url: url.to_string(), device: config.device.clone(), threads: config.threads },
        warehouse: warehouse.clone(),
        schema: schema.clone(),
        ctx: OnceLock::new(),
        board,
    });
    cytologia_udfs::register_all(&ctx, env.clone())?;
    let _ = env.ctx.set(ctx.clone());

    let engine = Engine { ctx, warehouse, schema, env };
    engine.load_views().await?;
    for line in crate::catalog::migrate::upgrade(&engine).await? {
        if line.starts_with("catalog ") {
            eprintln!("notice: {line}");
        }
    }
    // The engine keeps its own catalog current as admin; the session's statements run as the
    // configured role.
    engine.set_role(config.role)?;
    Ok(engine)
}

impl Engine {
    /// The configured DataFusion session. Queries may run on it directly; statements that
    /// must persist (CREATE TABLE, INSERT, DROP, CREATE VIEW) go through [`Engine::execute`].
    pub fn ctx(&self) -> &SessionContext {
        &self.ctx
    }

    /// Sets the role every later statement of this engine's session runs as.
    pub fn set_role(&self, role: Role) -> Result<()> {
        self.ctx.state_ref().write().config_mut().options_mut().set("cytologia.role", role.name())?;
        Ok(())
    }

    /// A new session over the same warehouse, functions and views, running as `role`. Its
    /// settings (`SET`) are its own, copied from this engine's when it opens; tables and views
    /// written by one session are seen by every other. One per client connection.
    pub fn session(&self, role: Role) -> Result<Engine> {
        let ctx = SessionContext::new_with_state(self.ctx.state());
        let session = Engine { ctx, warehouse: self.warehouse.clone(), schema: self.schema.clone(), env: self.env.clone() };
        session.set_role(role)?;
        Ok(session)
    }

    /// The same session with its own memory pool of `bytes`: sorts, joins and aggregates that
    /// would hold more fail with "Resources exhausted" instead of growing the process.
    pub fn with_memory_limit(self, bytes: usize) -> Result<Engine> {
        use datafusion::execution::runtime_env::RuntimeEnvBuilder;
        let state = self.ctx.state();
        let runtime = RuntimeEnvBuilder::from_runtime_env(state.runtime_env()).with_memory_limit(bytes, 1.0).build_arc()?;
        let state = SessionStateBuilder::new_from_existing(state).with_runtime_env(runtime).build();
        Ok(Engine { ctx: SessionContext::new_with_state(state), ..self })
    }

    pub fn state(&self) -> SessionState {
        self.ctx.state()
    }

    pub fn warehouse(&self) -> &Arc<Warehouse> {
        &self.warehouse
    }

    /// Closes the row bars of the statement that ended (`detect`, `classify`, ...).
    pub fn finish_progress(&self) {
        self.env.board.finish();
    }

    async fn load_views(&self) -> Result<()> {
        let views = self.warehouse.load_views().await?;
        // Views may build on views: plan in rounds until no more succeed.
        let mut pending = views;
        loop {
            let before = pending.len();
            let mut still = Vec::new();
            for v in pending {
                match self.register_view(v.clone()).await {
                    Ok(()) => {}
                    Err(_) => still.push(v),
                }
            }
            pending = still;
            if pending.is_empty() || pending.len() == before {
                break;
            }
        }
        for v in pending {
            if let Err(e) = self.register_view(v.clone()).await {
                tracing::warn!("view '{}' cannot be planned and is unavailable: {e}", v.name);
            }
        }
        Ok(())
    }

    async fn register_view(&self, v: StoredView) -> Result<()> {
        let plan = view::plan_view(&self.ctx.state(), &v).await?;
        let schema = Arc::new(plan.schema().as_arrow().clone());
        self.schema.set_view(&v.name.clone(), Some(Arc::new(view::LazyView::new(v, schema))));
        Ok(())
    }
}
