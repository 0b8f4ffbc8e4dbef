use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, LogicalPlan};

use super::grouped;
use crate::tablefn::{InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature, collect_then};

const NAME: &str = "confusion";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "The confusion matrix of any predictions-vs-truth input, per group of the `fold` and \
         `model` columns when present (or `group_by`). Long form (default): one row per (truth, \
         pred) pair that occurs, with its count. `wide => true`: one row per true label and one \
         count column per label of `labels` (comma-separated; every label seen in the input when \
         NULL is not allowed here because columns are fixed when the query is planned, so the \
         default is the `classes` table's names), plus `other` for labels outside the list.",
        "confusion(input[, truth => 'truth', pred => 'pred', group_by => NULL, wide => false, labels => NULL])",
    )
    .with_argument("input", "A table, view or parenthesised query with truth and prediction columns.")
    .with_sql_example("SELECT truth, pred, n FROM confusion(oof_predictions) WHERE truth <> pred ORDER BY n DESC LIMIT 10;")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature {
    input: InputKind::Plan,
    params: vec![
        Param::optional("truth", ParamKind::Str, ScalarValue::Utf8(Some("truth".into())), "the true class column"),
        Param::optional("pred", ParamKind::Str, ScalarValue::Utf8(Some("pred".into())), "the predicted class column"),
        Param::optional("group_by", ParamKind::Str, ScalarValue::Utf8(None), "comma-separated columns to group by; NULL = fold and model when present"),
        Param::optional("wide", ParamKind::Bool, ScalarValue::Boolean(Some(false)), "one count column per label instead of (truth, pred, n) rows"),
        Param::optional("labels", ParamKind::Str, ScalarValue::Utf8(None), "the wide form's columns, comma-separated; NULL = the classes table's names"),
    ],
});

#[derive(Debug, Default)]
pub struct Confusion;

impl TableFn for Confusion {
    fn name(&self) -> &'static str {
        NAME
    }
    fn effect(&self) -> crate::access::Effect {
        EFFECT
    }
    fn signature(&self) -> &TableFnSignature {
        &SIG
    }
    fn documentation(&self) -> &Documentation {
        &DOC
    }
    fn plan(&self, call: TableFnCall) -> Result<LogicalPlan> {
        let a = &call.args;
        let (groups, projected) = grouped::prepare(&call)?;
        let wide = a.bool("wide")?;
        let labels: Vec<String> = if wide {
            match a.opt_str("labels") {
                Some(l) => l.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
                None => {
                    let env = call.env.clone();
                    crate::sync::block_on(async move { crate::env::class_names(env.as_ref()).await })?
                }
            }
        } else {
            Vec::new()
        };
        if wide && labels.is_empty() {
            return Err(a.error("wide => true needs labels (none given and the classes table is empty)"));
        }
        let mut fields = grouped::group_fields(&groups);
        fields.push(Field::new("truth", DataType::Utf8, false));
        if wide {
            fields.extend(labels.iter().map(|l| Field::new(l, DataType::Int64, false)));
            fields.push(Field::new("other", DataType::Int64, false));
        } else {
            fields.push(Field::new("pred", DataType::Utf8, false));
            fields.push(Field::new("n", DataType::Int64, false));
        }
        let schema = Arc::new(Schema::new(fields));
        let out = schema.clone();
        let ng = groups.len();
        collect_then(NAME, projected, call.env.clone(), schema, move |all| {
            let (truth, pred, gs) = grouped::split(&all, ng)?;
            let mut reps = Vec::new();
            let mut truths = Vec::new();
            let mut cells: Vec<Vec<i64>> = if wide { vec![Vec::new(); labels.len() + 1] } else { vec![Vec::new()] };
            let mut preds = Vec::new();
            for g in &gs {
                let mut counts: BTreeMap<(&str, &str), i64> = BTreeMap::new();
                for &i in &g.rows {
                    if let (Some(t), Some(p)) = (&truth[i as usize], &pred[i as usize]) {
                        *counts.entry((t.as_str(), p.as_str())).or_default() += 1;
                    }
                }
                if wide {
                    let mut rows: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
                    for ((t, p), n) in counts {
                        let row = rows.entry(t).or_insert_with(|| vec![0; labels.len() + 1]);
                        let k = labels.iter().position(|l| l == p).unwrap_or(labels.len());
                        row[k] += n;
                    }
                    reps.push(rows.len());
                    for (t, row) in rows {
                        truths.push(t.to_string());
                        for (k, n) in row.into_iter().enumerate() {
                            cells[k].push(n);
                        }
                    }
                } else {
                    reps.push(counts.len());
                    for ((t, p), n) in counts {
                        truths.push(t.to_string());
                        preds.push(p.to_string());
                        cells[0].push(n);
                    }
                }
            }
            let mut cols = grouped::repeat_groups(&all, ng, &gs, &reps)?;
            cols.push(Arc::new(StringArray::from(truths)));
            if !wide {
                cols.push(Arc::new(StringArray::from(preds)));
            }
            cols.extend(cells.into_iter().map(|c| Arc::new(Int64Array::from(c)) as ArrayRef));
            Ok(RecordBatch::try_new(out.clone(), cols)?)
        })
    }
}
