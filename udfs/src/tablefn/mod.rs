//! Table functions with table inputs and named options.
//!
//! DataFusion 55 hands table functions only positional literals at planning time. Every
//! table function of cytologia instead implements [`TableFn`] and is planned by
//! [`TableFnPlanner`], a `RelationPlanner` that accepts
//! - a table input as a bare name (`detect(images)`), a quoted name (`detect('images')`) or a
//!   parenthesised query (`detect((SELECT * FROM images WHERE fold = 0))`), planned as a real
//!   input plan that streams at execution;
//! - options by name (`k => 4`) or by position, with defaults, type checks and clear errors.
mod args;
mod collect;
mod planner;

pub use args::{Args, Param, ParamKind};
pub use collect::{collect_all, collect_then, run_once};
pub use planner::TableFnPlanner;

use std::sync::Arc;

use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, LogicalPlan};

use crate::env::EnvRef;

/// What the first argument of a table function is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// No table argument.
    None,
    /// A table, view or parenthesised query, planned as the function's input plan.
    Plan,
    /// The name of a warehouse table (for functions about tables, like `table_history`).
    TableName,
}

#[derive(Debug, Clone)]
pub struct TableFnSignature {
    pub input: InputKind,
    pub params: Vec<Param>,
}

/// Everything a table function gets when it is planned.
pub struct TableFnCall {
    /// The planned input when the signature takes `InputKind::Plan`.
    pub input: Option<LogicalPlan>,
    /// The table name when the signature takes `InputKind::TableName`.
    pub table_name: Option<String>,
    /// Options, resolved against the signature (defaults filled in).
    pub args: Args,
    pub env: EnvRef,
}

pub trait TableFn: std::fmt::Debug + Send + Sync {
    fn name(&self) -> &'static str;
    /// What the function may touch (declared next to its documentation).
    fn effect(&self) -> crate::access::Effect;
    fn signature(&self) -> &TableFnSignature;
    fn documentation(&self) -> &Documentation;
    /// Builds the logical plan of one call. Nothing may be executed or collected here
    /// except metadata reads.
    fn plan(&self, call: TableFnCall) -> Result<LogicalPlan>;
}

pub type TableFnRef = Arc<dyn TableFn>;
