//! Async functions (`classify`, `detect_boxes`) anywhere a scalar function may appear.
//!
//! DataFusion evaluates async scalar functions only in projections and filters; anywhere else
//! (grouping keys, aggregate arguments and FILTER, ORDER BY, window arguments, join
//! conditions) execution fails with "async functions should not be called directly". This
//! optimizer rule moves each such call into a projection below the node, as a new column, and
//! has the node use that column. Output names stay those the query wrote, and columns the
//! node did not have before are projected away above it.
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchemaRef, Result};
use datafusion::logical_expr::{Expr, LogicalPlan, Projection};
use datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};
use std::sync::Arc;

/// Prefix of the columns that carry lifted calls; a counter keeps nested lifts apart.
const LIFTED: &str = "__cytologia_async_";
static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[derive(Debug, Default)]
pub struct LiftAsyncCalls;

impl OptimizerRule for LiftAsyncCalls {
    fn name(&self) -> &str {
        "lift_async_calls"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::BottomUp)
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(&self, plan: LogicalPlan, _config: &dyn OptimizerConfig) -> Result<Transformed<LogicalPlan>> {
        if matches!(plan, LogicalPlan::Projection(_) | LogicalPlan::Filter(_)) {
            return Ok(Transformed::no(plan));
        }
        let calls = async_calls(&plan.expressions())?;
        if calls.is_empty() {
            return Ok(Transformed::no(plan));
        }
        lift(plan, calls)
    }
}

fn is_async(e: &Expr) -> bool {
    matches!(e, Expr::ScalarFunction(f) if f.func.as_async().is_some())
}

/// The outermost async calls in `exprs`, each once.
fn async_calls(exprs: &[Expr]) -> Result<Vec<Expr>> {
    let mut calls: Vec<Expr> = Vec::new();
    for e in exprs {
        e.apply(|e| {
            if is_async(e) {
                if !calls.contains(e) {
                    calls.push(e.clone());
                }
                return Ok(TreeNodeRecursion::Jump);
            }
            Ok(TreeNodeRecursion::Continue)
        })?;
    }
    Ok(calls)
}

fn lift(plan: LogicalPlan, calls: Vec<Expr>) -> Result<Transformed<LogicalPlan>> {
    let original_schema = plan.schema().clone();
    let inputs: Vec<LogicalPlan> = plan.inputs().into_iter().cloned().collect();
    // Each call goes below the input that has all of its columns.
    let mut per_input: Vec<Vec<(Expr, String)>> = vec![Vec::new(); inputs.len()];
    let mut names: Vec<(Expr, String)> = Vec::new();
    for call in calls {
        let cols = call.column_refs();
        let Some(i) = inputs.iter().position(|inp| cols.iter().all(|c| inp.schema().has_column(c))) else {
            // Columns from both sides of a join: nothing below can compute it; leave the plan
            // as it is (execution names the function).
            continue;
        };
        let name = format!("{LIFTED}{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        per_input[i].push((call.clone(), name.clone()));
        names.push((call, name));
    }
    if names.is_empty() {
        return Ok(Transformed::no(plan));
    }
    let new_inputs = inputs
        .into_iter()
        .zip(per_input)
        .map(|(input, lifted)| {
            if lifted.is_empty() {
                return Ok(input);
            }
            let mut exprs: Vec<Expr> = input.schema().columns().into_iter().map(Expr::Column).collect();
            exprs.extend(lifted.into_iter().map(|(call, name)| call.alias(name)));
            Ok(LogicalPlan::Projection(Projection::try_new(exprs, Arc::new(input))?))
        })
        .collect::<Result<Vec<_>>>()?;
    let names_output = matches!(plan, LogicalPlan::Aggregate(_) | LogicalPlan::Window(_));
    let exprs = plan
        .expressions()
        .into_iter()
        .map(|orig| {
            let new = orig.clone().transform_down(|e| match names.iter().find(|(call, _)| *call == e) {
                Some((_, name)) => Ok(Transformed::new(Expr::Column(Column::new_unqualified(name)), true, TreeNodeRecursion::Jump)),
                None => Ok(Transformed::no(e)),
            })?;
            // Expressions that name output columns keep the name the query gave them.
            Ok(if new.transformed && names_output && !matches!(orig, Expr::Alias(_) | Expr::GroupingSet(_)) {
                new.data.alias(orig.schema_name().to_string())
            } else {
                new.data
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let rewritten = plan.with_new_exprs(exprs, new_inputs)?;
    Ok(Transformed::yes(restore_schema(rewritten, &original_schema)?))
}

/// Projects away the lifted columns when they reached the node's output (ORDER BY, joins).
fn restore_schema(plan: LogicalPlan, original: &DFSchemaRef) -> Result<LogicalPlan> {
    if plan.schema().fields().len() == original.fields().len() {
        return Ok(plan);
    }
    let exprs: Vec<Expr> = original.columns().into_iter().map(Expr::Column).collect();
    Ok(LogicalPlan::Projection(Projection::try_new(exprs, Arc::new(plan))?))
}
