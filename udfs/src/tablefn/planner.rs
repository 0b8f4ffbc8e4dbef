use std::collections::{BTreeMap, HashMap};

use datafusion::common::{DFSchema, ScalarValue};
use datafusion::datasource::provider_as_source;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::planner::{PlannedRelation, RelationPlanner, RelationPlannerContext, RelationPlanning};
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::sql::sqlparser::ast::{self, FunctionArg, FunctionArgExpr, ObjectName, TableFactor};

use super::{Args, InputKind, TableFnCall, TableFnRef};
use crate::env::EnvRef;

/// Plans every registered [`super::TableFn`] called in a FROM clause.
#[derive(Debug)]
pub struct TableFnPlanner {
    functions: HashMap<String, TableFnRef>,
    env: EnvRef,
}

impl TableFnPlanner {
    pub fn new(functions: impl IntoIterator<Item = TableFnRef>, env: EnvRef) -> Self {
        let functions = functions.into_iter().map(|f| (f.name().to_string(), f)).collect();
        TableFnPlanner { functions, env }
    }
}

impl RelationPlanner for TableFnPlanner {
    fn plan_relation(&self, relation: TableFactor, ctx: &mut dyn RelationPlannerContext) -> Result<RelationPlanning> {
        let TableFactor::Table { name, alias, args: Some(args), .. } = &relation else {
            return Ok(RelationPlanning::Original(Box::new(relation)));
        };
        let fname = match name.0.last().and_then(|p| p.as_ident()) {
            Some(ident) => ctx.normalize_ident(ident.clone()),
            None => return Ok(RelationPlanning::Original(Box::new(relation))),
        };
        let Some(function) = self.functions.get(&fname) else {
            return Ok(RelationPlanning::Original(Box::new(relation)));
        };
        crate::access::check_function(ctx.context_provider().options(), function.name(), function.effect())?;
        let call = resolve_call(function, &args.args, ctx, self.env.clone())?;
        let plan = function.plan(call)?;
        Ok(RelationPlanning::Planned(Box::new(PlannedRelation::new(plan, alias.clone()))))
    }
}

fn resolve_call(function: &TableFnRef, sql_args: &[FunctionArg], ctx: &mut dyn RelationPlannerContext, env: EnvRef) -> Result<TableFnCall> {
    let fname = function.name();
    let sig = function.signature();
    let err = |msg: String| DataFusionError::Plan(format!("{fname}(): {msg}"));

    let mut positional: Vec<&ast::Expr> = Vec::new();
    let mut named: Vec<(String, &ast::Expr)> = Vec::new();
    for a in sql_args {
        match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                if !named.is_empty() {
                    return Err(err("positional arguments must come before named ones".into()));
                }
                positional.push(e)
            }
            FunctionArg::Named { name, arg: FunctionArgExpr::Expr(e), .. } => named.push((ctx.normalize_ident(name.clone()), e)),
            other => return Err(err(format!("unsupported argument '{other}'"))),
        }
    }

    // The table input: first positional argument, or `input => ...`.
    let mut input = None;
    let mut table_name = None;
    if sig.input != InputKind::None {
        let expr = if let Some(i) = named.iter().position(|(n, _)| n == "input") {
            Some(named.remove(i).1)
        } else if !positional.is_empty() {
            Some(positional.remove(0))
        } else {
            None
        };
        let Some(expr) = expr else {
            return Err(err("missing the table argument (a table name, a quoted name or a parenthesised query)".into()));
        };
        match table_arg(expr).ok_or_else(|| err(format!("first argument must be a table name, a quoted name or a parenthesised query, got '{expr}'")))? {
            TableArg::Name(name) => {
                if sig.input == InputKind::TableName {
                    let reference = ctx.object_name_to_table_reference(name)?;
                    table_name = Some(reference.table().to_string());
                } else {
                    input = Some(plan_table(ctx, name, &env)?);
                }
            }
            TableArg::Query(q) => {
                if sig.input == InputKind::TableName {
                    return Err(err("expects a table name here, not a query".into()));
                }
                input = Some(ctx.plan(TableFactor::Derived { lateral: false, subquery: q, alias: None, sample: None })?);
            }
        }
    }

    // Options: positional in declaration order, then by name.
    if positional.len() > sig.params.len() {
        return Err(err(format!("takes at most {} option(s) after the table ({}), got {}", sig.params.len(), param_list(function), positional.len())));
    }
    let mut given: BTreeMap<&'static str, ScalarValue> = BTreeMap::new();
    for (param, expr) in sig.params.iter().zip(positional) {
        let v = literal(ctx, expr).map_err(|e| err(format!("option '{}': {e}", param.name)))?;
        given.insert(param.name, param.coerce(fname, &v)?);
    }
    for (name, expr) in named {
        let Some(param) = sig.params.iter().find(|p| p.name == name) else {
            return Err(err(format!("unknown option '{name}'; valid options: {}", param_list(function))));
        };
        if given.contains_key(param.name) {
            return Err(err(format!("option '{name}' is given twice")));
        }
        let v = literal(ctx, expr).map_err(|e| err(format!("option '{name}': {e}")))?;
        given.insert(param.name, param.coerce(fname, &v)?);
    }
    for p in &sig.params {
        if !given.contains_key(p.name) {
            match &p.default {
                Some(d) => {
                    given.insert(p.name, d.clone());
                }
                None => return Err(err(format!("option '{}' is required ({})", p.name, p.description))),
            }
        }
    }
    Ok(TableFnCall { input, table_name, args: Args::new(fname, given), env })
}

fn param_list(function: &TableFnRef) -> String {
    let names: Vec<_> = function.signature().params.iter().map(|p| p.name).collect();
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

enum TableArg {
    Name(ObjectName),
    Query(Box<ast::Query>),
}

fn table_arg(expr: &ast::Expr) -> Option<TableArg> {
    match expr {
        ast::Expr::Identifier(id) => Some(TableArg::Name(ObjectName::from(vec![id.clone()]))),
        ast::Expr::CompoundIdentifier(ids) => Some(TableArg::Name(ObjectName::from(ids.clone()))),
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                let parts: Vec<ast::Ident> = s.split('.').map(ast::Ident::new).collect();
                Some(TableArg::Name(ObjectName::from(parts)))
            }
            _ => None,
        },
        ast::Expr::Subquery(q) => Some(TableArg::Query(q.clone())),
        ast::Expr::Nested(inner) => table_arg(inner),
        _ => None,
    }
}

/// Plans a table argument. DataFusion resolves only the tables it found in the statement's FROM
/// clauses before planning, and a bare name inside a function's arguments is not one of them:
/// CTEs and already-resolved tables are planned normally, anything else is looked up in the
/// warehouse (tables and views) through the engine.
fn plan_table(ctx: &mut dyn RelationPlannerContext, name: ObjectName, env: &EnvRef) -> Result<LogicalPlan> {
    match ctx.plan(table_factor(name.clone())) {
        Ok(plan) => Ok(plan),
        Err(first) => {
            let reference = ctx.object_name_to_table_reference(name)?;
            let table = reference.table().to_string();
            let env = env.clone();
            match crate::sync::block_on(async move { env.table(&table, None).await }) {
                Ok(provider) => LogicalPlanBuilder::scan(reference, provider_as_source(provider), None)?.build(),
                Err(_) => Err(first),
            }
        }
    }
}

fn table_factor(name: ObjectName) -> TableFactor {
    TableFactor::Table {
        name,
        alias: None,
        args: None,
        with_hints: vec![],
        version: None,
        with_ordinality: false,
        partitions: vec![],
        json_path: None,
        sample: None,
        index_hints: vec![],
    }
}

/// Plans an option expression and folds it to a constant (`-1`, `2 * 8`, `'a' || 'b'`).
fn literal(ctx: &mut dyn RelationPlannerContext, expr: &ast::Expr) -> Result<ScalarValue> {
    let planned = ctx.sql_to_expr(expr.clone(), &DFSchema::empty())?;
    let simplified = ExprSimplifier::new(SimplifyContext::default()).simplify(planned)?;
    match simplified {
        Expr::Literal(v, _) => Ok(v),
        other => Err(DataFusionError::Plan(format!("must be a constant, got '{other}'"))),
    }
}
