//! Every SQL function of cytologia, one module per family. Kernels are plain Rust; each SQL
//! function is a thin adapter in a file named after it, carrying its documentation.
//!
//! `register_all(ctx, env)` installs them all; `all_functions()` lists their documentation
//! (the source of `cytologia functions` and docs/functions.md).
pub mod access;
pub mod async_calls;
pub mod docs;
pub mod env;
pub mod error;
pub mod sync;
pub mod tablefn;

pub mod background;
pub mod boxes;
pub mod dedupe;
pub mod eval;
pub mod folds;
pub mod image;
pub mod ingest;
pub mod models;
pub mod runtime;
pub mod tables;
pub mod train;
pub mod vector;
pub mod warehouse;

use std::sync::Arc;

use datafusion::error::Result;
use datafusion::logical_expr::async_udf::{AsyncScalarUDF, AsyncScalarUDFImpl};
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;

use access::Effect;
use docs::{FunctionDoc, FunctionKind};
use env::EnvRef;
use tablefn::{TableFnPlanner, TableFnRef};

fn scalar_functions() -> Vec<(&'static str, Effect, Arc<ScalarUDF>)> {
    let mut v = Vec::new();
    v.extend(image::scalar_functions().into_iter().map(|(e, f)| (image::FAMILY, e, f)));
    v.extend(dedupe::scalar_functions().into_iter().map(|(e, f)| (dedupe::FAMILY, e, f)));
    v.extend(folds::scalar_functions().into_iter().map(|(e, f)| (folds::FAMILY, e, f)));
    v.extend(vector::scalar_functions().into_iter().map(|(e, f)| (vector::FAMILY, e, f)));
    v.extend(boxes::scalar_functions().into_iter().map(|(e, f)| (boxes::FAMILY, e, f)));
    v.extend(tables::scalar_functions().into_iter().map(|(e, f)| (tables::FAMILY, e, f)));
    v.extend(background::scalar_functions().into_iter().map(|(e, f)| (background::FAMILY, e, f)));
    v
}

fn async_functions(env: Option<EnvRef>) -> Vec<(&'static str, Effect, Arc<dyn AsyncScalarUDFImpl>)> {
    models::async_functions(env).into_iter().map(|(e, f)| (models::FAMILY, e, f)).collect()
}

fn aggregate_functions() -> Vec<(&'static str, Effect, Arc<AggregateUDF>)> {
    let mut v = Vec::new();
    v.extend(vector::aggregate_functions().into_iter().map(|(e, f)| (vector::FAMILY, e, f)));
    v.extend(boxes::aggregate_functions().into_iter().map(|(e, f)| (boxes::FAMILY, e, f)));
    v.extend(eval::aggregate_functions().into_iter().map(|(e, f)| (eval::FAMILY, e, f)));
    v
}

fn table_functions() -> Vec<(&'static str, TableFnRef)> {
    let mut v = Vec::new();
    v.extend(warehouse::table_functions().into_iter().map(|f| (warehouse::FAMILY, f)));
    v.extend(tables::table_functions().into_iter().map(|f| (tables::FAMILY, f)));
    v.extend(image::table_functions().into_iter().map(|f| (image::FAMILY, f)));
    v.extend(dedupe::table_functions().into_iter().map(|f| (dedupe::FAMILY, f)));
    v.extend(ingest::table_functions().into_iter().map(|f| (ingest::FAMILY, f)));
    v.extend(folds::table_functions().into_iter().map(|f| (folds::FAMILY, f)));
    v.extend(runtime::table_functions().into_iter().map(|f| (runtime::FAMILY, f)));
    v.extend(models::table_functions().into_iter().map(|f| (models::FAMILY, f)));
    v.extend(eval::table_functions().into_iter().map(|f| (eval::FAMILY, f)));
    v.extend(train::table_functions().into_iter().map(|f| (train::FAMILY, f)));
    v
}

/// Registers every function of the project on `ctx`.
pub fn register_all(ctx: &SessionContext, env: EnvRef) -> Result<()> {
    for (_, _, f) in scalar_functions() {
        ctx.register_udf(f.as_ref().clone());
    }
    for (_, _, f) in async_functions(Some(env.clone())) {
        ctx.register_udf(AsyncScalarUDF::new(f).into_scalar_udf());
    }
    for (_, _, f) in aggregate_functions() {
        ctx.register_udaf(f.as_ref().clone());
    }
    let tfs: Vec<TableFnRef> = table_functions().into_iter().map(|(_, f)| f).collect();
    ctx.register_relation_planner(Arc::new(TableFnPlanner::new(tfs, env)))?;
    ctx.add_optimizer_rule(Arc::new(async_calls::LiftAsyncCalls));
    Ok(())
}

/// The documentation of every function, for `cytologia functions` and the reference page.
pub fn all_functions() -> Vec<FunctionDoc> {
    let mut out = Vec::new();
    for (family, effect, f) in scalar_functions() {
        if let Some(doc) = f.documentation() {
            out.push(FunctionDoc { name: f.name().to_string(), family, kind: FunctionKind::Scalar, effect, doc: doc.clone() });
        }
    }
    for (family, effect, f) in async_functions(None) {
        if let Some(doc) = f.documentation() {
            out.push(FunctionDoc { name: f.name().to_string(), family, kind: FunctionKind::Scalar, effect, doc: doc.clone() });
        }
    }
    for (family, effect, f) in aggregate_functions() {
        if let Some(doc) = f.documentation() {
            out.push(FunctionDoc { name: f.name().to_string(), family, kind: FunctionKind::Aggregate, effect, doc: doc.clone() });
        }
    }
    for (family, f) in table_functions() {
        let mut doc = f.documentation().clone();
        // Options are documented from the signature, so docs and behaviour cannot drift.
        let mut args = doc.arguments.take().unwrap_or_default();
        for p in &f.signature().params {
            if !args.iter().any(|(n, _)| n == p.name) {
                let default = p.default.as_ref().map(|d| format!(" Default: `{d}`.")).unwrap_or_else(|| " Required.".into());
                args.push((p.name.to_string(), format!("{}.{default}", p.description)));
            }
        }
        doc.arguments = if args.is_empty() { None } else { Some(args) };
        out.push(FunctionDoc { name: f.name().to_string(), family, kind: FunctionKind::Table, effect: f.effect(), doc });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The declared effect of every function, by name and alias (the engine's access check).
pub fn effects() -> std::collections::HashMap<String, Effect> {
    let mut out = std::collections::HashMap::new();
    for (_, effect, f) in scalar_functions() {
        out.extend(std::iter::once(f.name()).chain(f.aliases().iter().map(String::as_str)).map(|n| (n.to_string(), effect)));
    }
    for (_, effect, f) in async_functions(None) {
        out.insert(f.name().to_string(), effect);
    }
    for (_, effect, f) in aggregate_functions() {
        out.extend(std::iter::once(f.name()).chain(f.aliases().iter().map(String::as_str)).map(|n| (n.to_string(), effect)));
    }
    for (_, f) in table_functions() {
        out.insert(f.name().to_string(), f.effect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_documented() {
        let all = all_functions();
        let mut names: Vec<_> = all.iter().map(|f| f.name.clone()).collect();
        names.dedup();
        assert_eq!(names.len(), all.len(), "two functions share a name");
        for f in &all {
            assert!(!f.doc.description.is_empty(), "{} has no description", f.name);
            assert!(f.doc.syntax_example.starts_with(&f.name), "{}: syntax example must start with the name", f.name);
            assert!(f.doc.sql_example.is_some(), "{} has no SQL example", f.name);
        }
        assert_eq!(scalar_functions().len() + async_functions(None).len() + aggregate_functions().len() + table_functions().len(), all.len());
    }
}
