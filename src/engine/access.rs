//! The role check on a statement's logical plan, before anything runs. An `analyst` session
//! (`cytologia.role`) reads the warehouse's tables and views and calls functions that are pure
//! or read the warehouse; it never writes (DDL, DML, COPY: SQLSTATE 25006), reads files (URL
//! tables, functions that read files: 42501) or changes settings other than display ones.
//! Table functions are checked when they are planned (`cytologia_udfs::access`); everything
//! else here, subqueries included, so a function cannot hide inside a view, a CTE or an
//! EXPLAIN ANALYZE.
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::datasource::listing::ListingTable;
use datafusion::datasource::source_as_provider;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::{Expr, LogicalPlan, Statement};
use datafusion::prelude::SessionConfig;

use cytologia_udfs::access::{DENIED, Effect, READ_ONLY, Role, denied_function};

use crate::error::{Error, Result};

/// Settings an analyst may change for its own session: how results are shown and parsed.
const ANALYST_SETTINGS: &[&str] = &["datafusion.format.", "datafusion.explain.", "datafusion.sql_parser."];

/// Every function's declared effect: cytologia's from their declarations, DataFusion's own
/// (built in, computing from their arguments) as pure. A name in neither has no declared
/// effect and only an admin may call it.
static EFFECTS: LazyLock<HashMap<String, Effect>> = LazyLock::new(|| {
    let state = SessionStateBuilder::new().with_config(SessionConfig::new()).with_default_features().build();
    let mut effects: HashMap<String, Effect> = function_names(&state).into_iter().map(|n| (n, Effect::Pure)).collect();
    effects.extend(cytologia_udfs::effects());
    // The pg_catalog functions of `cytologia serve` read the catalog only.
    #[cfg(feature = "pg")]
    effects.extend(crate::server::catalog_function_names().iter().map(|n| (n.clone(), Effect::ReadsWarehouse)));
    effects
});

/// The names of every function registered in `state`: scalar, aggregate, window and table.
pub fn function_names(state: &SessionState) -> BTreeSet<String> {
    state
        .scalar_functions()
        .keys()
        .chain(state.aggregate_functions().keys())
        .chain(state.window_functions().keys())
        .chain(state.table_functions().keys())
        .cloned()
        .collect()
}

/// The declared effect of the function called `name`, if any.
pub fn effect_of(name: &str) -> Option<Effect> {
    EFFECTS.get(name).copied()
}

/// Fails unless the session whose options these are may run `plan`.
pub fn check_session(plan: &LogicalPlan, options: &ConfigOptions) -> Result<()> {
    let role = cytologia_udfs::access::role(options)?;
    // A misspelt role would lock the session out of every later statement.
    if let LogicalPlan::Statement(Statement::SetVariable(s)) = plan
        && s.variable.eq_ignore_ascii_case("cytologia.role")
    {
        Role::parse(s.value.trim_matches('\''))?;
    }
    check(plan, role)
}

/// Fails unless `role` may run `plan`.
pub fn check(plan: &LogicalPlan, role: Role) -> Result<()> {
    if role == Role::Admin {
        return Ok(());
    }
    let mut denied = None;
    plan.apply_with_subqueries(|node| {
        if let Err(e) = check_node(node, role) {
            denied = Some(e);
            return Ok(TreeNodeRecursion::Stop);
        }
        node.apply_expressions(|e| {
            e.apply(|e| match check_expr(e, role) {
                Ok(()) => Ok(TreeNodeRecursion::Continue),
                Err(err) => {
                    denied = Some(err);
                    Ok(TreeNodeRecursion::Stop)
                }
            })
        })
    })?;
    denied.map_or(Ok(()), Err)
}

/// The error for a statement or command (`what`) that writes, in a session of `role`.
pub(crate) fn read_only(what: &str, role: Role) -> Error {
    Error::Usage(format!("{READ_ONLY}: {what} writes, and the {} role may only read (SQLSTATE 25006)", role.name()))
}

fn denied(what: String) -> Error {
    Error::Usage(format!("{DENIED}: {what} (SQLSTATE 42501)"))
}

fn check_node(node: &LogicalPlan, role: Role) -> Result<()> {
    match node {
        LogicalPlan::Ddl(d) => Err(read_only(d.name(), role)),
        LogicalPlan::Dml(d) => Err(read_only(&format!("{} on {}", d.op, d.table_name), role)),
        LogicalPlan::Copy(_) => Err(read_only("COPY", role)),
        LogicalPlan::Statement(Statement::SetVariable(s)) => {
            let key = s.variable.to_ascii_lowercase();
            if ANALYST_SETTINGS.iter().any(|p| key.starts_with(p)) {
                Ok(())
            } else {
                Err(denied(format!("the {} role may not change '{}' (display settings only: {})", role.name(), s.variable, ANALYST_SETTINGS.join("*, ") + "*")))
            }
        }
        LogicalPlan::Statement(Statement::ResetVariable(s)) => Err(denied(format!("the {} role may not reset '{}'", role.name(), s.variable))),
        // A statement prepared before the session became an analyst's was never checked.
        LogicalPlan::Statement(Statement::Execute(e)) => {
            Err(denied(format!("the {} role may not EXECUTE '{}': run the statement itself", role.name(), e.name)))
        }
        LogicalPlan::TableScan(scan) => {
            let reads_files = source_as_provider(&scan.source).is_ok_and(|p| p.is::<ListingTable>());
            if reads_files {
                Err(denied(format!("'{}' is a file, and the {} role reads only the warehouse's tables and views", scan.table_name, role.name())))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

fn check_expr(e: &Expr, role: Role) -> Result<()> {
    let name = match e {
        Expr::ScalarFunction(f) => f.func.name(),
        Expr::AggregateFunction(f) => f.func.name(),
        Expr::WindowFunction(f) => f.fun.name(),
        _ => return Ok(()),
    };
    match effect_of(name) {
        Some(effect) if effect <= role.max_effect() => Ok(()),
        Some(effect) => Err(Error::DataFusion(denied_function(role, name, effect))),
        None => Err(denied(format!("{name}() has no declared effect, and the {} role runs only declared functions", role.name()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A function registered on the engine without a declared effect would be refused to
    /// analysts at run time; this catches it when it is added.
    #[tokio::test]
    async fn every_registered_function_declares_its_effect() {
        let dir = tempfile::tempdir().unwrap();
        let engine = crate::engine::build(&crate::Config::default().with_warehouse(dir.path().to_str().unwrap())).await.unwrap();
        let names = function_names(&engine.state());
        assert!(names.len() > 100, "the engine registered only {} functions", names.len());
        let undeclared: Vec<&String> = names.iter().filter(|n| effect_of(n).is_none()).collect();
        assert!(undeclared.is_empty(), "functions without a declared effect: {undeclared:?}");
        for f in cytologia_udfs::all_functions() {
            assert_eq!(effect_of(&f.name), Some(f.effect), "{}", f.name);
        }
    }

    #[test]
    fn undeclared_functions_are_refused_to_analysts_only() {
        assert_eq!(effect_of("no_such_function_anywhere"), None);
        assert_eq!(effect_of("upper"), Some(Effect::Pure));
        assert_eq!(effect_of("read_images"), Some(Effect::ReadsFiles));
        assert_eq!(effect_of("train_detector"), Some(Effect::Trains));
    }
}
