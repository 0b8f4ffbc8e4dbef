use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, LogicalPlan};

use super::grouped;
use crate::tablefn::{InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature, collect_then};
use cytologia_kernels::eval::f1;

const NAME: &str = "class_report";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Per-class support, predicted count, true positives, precision, recall, F1 and error rate \
         (1 - recall: the share of the class's true rows given another label) over any \
         predictions-vs-truth input, per group of the `fold` and `model` columns when the input \
         has them (or the columns in `group_by`). Labels are compared as text; classes are the \
         union of truth and prediction labels (scikit-learn's semantics), sorted.",
        "class_report(input[, truth => 'truth', pred => 'pred', group_by => NULL])",
    )
    .with_argument("input", "A table, view or parenthesised query with truth and prediction columns.")
    .with_sql_example("SELECT class, support, recall, error_rate FROM class_report(oof_matches) ORDER BY error_rate DESC; -- oof_matches: a catalog view (truth, pred per model and fold)")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature {
    input: InputKind::Plan,
    params: vec![
        Param::optional("truth", ParamKind::Str, ScalarValue::Utf8(Some("truth".into())), "the true class column"),
        Param::optional("pred", ParamKind::Str, ScalarValue::Utf8(Some("pred".into())), "the predicted class column"),
        Param::optional("group_by", ParamKind::Str, ScalarValue::Utf8(None), "comma-separated columns to group by; NULL = fold and model when present"),
    ],
});

#[derive(Debug, Default)]
pub struct ClassReport;

impl TableFn for ClassReport {
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
        let (groups, projected) = grouped::prepare(&call)?;
        let mut fields = grouped::group_fields(&groups);
        fields.extend([
            Field::new("class", DataType::Utf8, false),
            Field::new("support", DataType::Int64, false),
            Field::new("predicted", DataType::Int64, false),
            Field::new("tp", DataType::Int64, false),
            Field::new("precision", DataType::Float64, false),
            Field::new("recall", DataType::Float64, false),
            Field::new("f1", DataType::Float64, false),
            Field::new("error_rate", DataType::Float64, true),
        ]);
        let schema = Arc::new(Schema::new(fields));
        let out = schema.clone();
        let ng = groups.len();
        collect_then(NAME, projected, call.env.clone(), schema, move |all| {
            let (truth, pred, gs) = grouped::split(&all, ng)?;
            let mut reps = Vec::new();
            let (mut class, mut sup, mut prd, mut tp, mut p, mut r, mut f, mut err) = (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
            for g in &gs {
                let pairs: Vec<(&str, &str)> = g
                    .rows
                    .iter()
                    .filter_map(|&i| match (&truth[i as usize], &pred[i as usize]) {
                        (Some(t), Some(q)) => Some((t.as_str(), q.as_str())),
                        _ => None,
                    })
                    .collect();
                let rep = f1::class_report(pairs);
                reps.push(rep.classes.len());
                for c in rep.classes {
                    class.push(c.label.clone());
                    sup.push(c.support as i64);
                    prd.push(c.predicted as i64);
                    tp.push(c.tp as i64);
                    p.push(c.precision);
                    r.push(c.recall);
                    f.push(c.f1);
                    err.push((c.support > 0).then_some(1.0 - c.recall));
                }
            }
            let mut cols = grouped::repeat_groups(&all, ng, &gs, &reps)?;
            let more: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from(class)),
                Arc::new(Int64Array::from(sup)),
                Arc::new(Int64Array::from(prd)),
                Arc::new(Int64Array::from(tp)),
                Arc::new(Float64Array::from(p)),
                Arc::new(Float64Array::from(r)),
                Arc::new(Float64Array::from(f)),
                Arc::new(Float64Array::from(err)),
            ];
            cols.extend(more);
            Ok(RecordBatch::try_new(out.clone(), cols)?)
        })
    }
}
