//! Shared input handling of the evaluation table functions: a truth and a prediction column
//! (compared as text), grouped by the optional `fold` / `model` columns (or the ones named),
//! which keep their types in the output.
use std::collections::BTreeMap;

use datafusion::arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{cast, take};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::DFSchema;
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, col};

use super::macro_f1::labels;
use crate::tablefn::Args;

/// The columns to group by: `group_by` (comma-separated) or those of fold/model present.
pub fn group_columns(a: &Args, schema: &DFSchema) -> Result<Vec<FieldRef>> {
    match a.opt_str("group_by") {
        Some(list) => list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|c| a.column(schema, c)).collect(),
        None => Ok(["fold", "model"].iter().filter_map(|c| schema.qualified_field_with_unqualified_name(c).ok().map(|(_, f)| f.clone())).collect()),
    }
}

/// The group columns and the input projected to (truth, pred, groups...), common to the
/// evaluation table functions' plans.
pub fn prepare(call: &crate::tablefn::TableFnCall) -> Result<(Vec<FieldRef>, datafusion::logical_expr::LogicalPlan)> {
    let a = &call.args;
    let input = call.input.clone().ok_or_else(|| a.error("missing input"))?;
    let groups = group_columns(a, input.schema())?;
    let exprs = projection(a, input.schema(), &groups)?;
    let projected = datafusion::logical_expr::LogicalPlanBuilder::from(input).project(exprs)?.build()?;
    Ok((groups, projected))
}

/// Projection of the input: truth, pred, then the group columns.
fn projection(a: &Args, schema: &DFSchema, groups: &[FieldRef]) -> Result<Vec<Expr>> {
    let (t, p) = (a.str("truth")?, a.str("pred")?);
    a.column(schema, t)?;
    a.column(schema, p)?;
    let mut v =
        vec![datafusion::logical_expr::cast(col(t), DataType::Utf8).alias("__truth"), datafusion::logical_expr::cast(col(p), DataType::Utf8).alias("__pred")];
    v.extend(groups.iter().map(|f| col(f.name()).alias(f.name())));
    Ok(v)
}

pub fn group_fields(groups: &[FieldRef]) -> Vec<Field> {
    groups.iter().map(|f| Field::new(f.name(), f.data_type().clone(), true)).collect()
}

/// One group: its row indices into the collected batch.
pub struct Group {
    pub rows: Vec<u32>,
}

/// Splits the collected batch (truth, pred, groups...) by group key, in key order.
pub fn split(all: &RecordBatch, ngroups: usize) -> Result<(Vec<Option<String>>, Vec<Option<String>>, Vec<Group>)> {
    let truth = labels(all.column(0), None)?;
    let pred = labels(all.column(1), Some("nan"))?;
    let keys: Vec<ArrayRef> = (0..ngroups).map(|k| cast(all.column(2 + k), &DataType::Utf8)).collect::<Result<_, _>>()?;
    let keys: Vec<Vec<Option<String>>> = keys.iter().map(|k| labels(k, None)).collect::<Result<_>>()?;
    let mut map: BTreeMap<Vec<Option<String>>, Vec<u32>> = BTreeMap::new();
    for i in 0..all.num_rows() {
        map.entry(keys.iter().map(|k| k[i].clone()).collect()).or_default().push(i as u32);
    }
    Ok((truth, pred, map.into_values().map(|rows| Group { rows }).collect()))
}

/// The group columns repeated for `reps[g]` output rows of each group.
pub fn repeat_groups(all: &RecordBatch, ngroups: usize, groups: &[Group], reps: &[usize]) -> Result<Vec<ArrayRef>> {
    let idx: UInt32Array = groups.iter().zip(reps).flat_map(|(g, &n)| std::iter::repeat_n(g.rows[0], n)).collect();
    (0..ngroups).map(|k| Ok(take(all.column(2 + k), &idx, None)?)).collect()
}
