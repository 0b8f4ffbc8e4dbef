use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch};
use datafusion::arrow::compute::{cast, sort_to_indices, take};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Documentation, LogicalPlan, LogicalPlanBuilder, col};

use crate::tablefn::{InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature, collect_then};
use cytologia_kernels::folds::iterstrat::{multilabel_stratified_kfold, multilabel_stratified_kfold_grouped};

const NAME: &str = "multilabel_kfold";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Multilabel stratified k-fold assignment, identical to iterstrat's \
         `MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=seed)` applied to the \
         rows ordered by `id` ascending (labels are cast to booleans as iterstrat does; numpy's \
         legacy MT19937 draws are reproduced). Returns `(id, fold)`. With `group`, all rows of a \
         group land in one fold: the algorithm then runs on groups (each group carries its row \
         count and its per-label row counts), so folds balance rows, not groups.",
        "multilabel_kfold(input, id => 'id', labels => 'labels', k => 4, seed => 42 [, group => 'col'])",
    )
    .with_argument("input", "A table, view or parenthesised query with the id, label and optional group columns.")
    .with_sql_example("SELECT * FROM multilabel_kfold((SELECT name, labels FROM folds_input), id => 'name', labels => 'labels', k => 4, seed => 42);")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature {
    input: InputKind::Plan,
    params: vec![
        Param::optional("id", ParamKind::Str, ScalarValue::Utf8(Some("id".into())), "the id column; rows are ordered by it ascending"),
        Param::optional(
            "labels",
            ParamKind::Str,
            ScalarValue::Utf8(Some("labels".into())),
            "a list column of 0/1 (or small integer, or boolean) values in label order",
        ),
        Param::optional("k", ParamKind::Int, ScalarValue::Int64(Some(4)), "number of folds"),
        Param::optional("seed", ParamKind::Int, ScalarValue::Int64(Some(42)), "random_state (0 to 4294967295)"),
        Param::optional("group", ParamKind::Str, ScalarValue::Utf8(None), "optional column: rows sharing a value stay in one fold"),
    ],
});

#[derive(Debug, Default)]
pub struct MultilabelKfold;

impl TableFn for MultilabelKfold {
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
        let input = call.input.clone().ok_or_else(|| call.args.error("missing input"))?;
        let id = call.args.str("id")?.to_string();
        let labels = call.args.str("labels")?.to_string();
        let group = call.args.opt_str("group").map(str::to_string);
        let k = call.args.i64("k")?;
        let seed = call.args.i64("seed")?;
        if k < 2 {
            return Err(call.args.error(format!("k must be at least 2, got {k}")));
        }
        let seed = u32::try_from(seed).map_err(|_| call.args.error(format!("seed must be in 0..=4294967295, got {seed}")))?;
        let schema = input.schema().clone();
        let find = |c: &str| call.args.column(&schema, c);
        let id_field = find(&id)?;
        let label_field = find(&labels)?;
        if !matches!(label_field.data_type(), DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)) {
            return Err(call.args.error(format!("column '{labels}' must be a list of 0/1 values, got {}", label_field.data_type())));
        }
        let mut cols = vec![col(&id).alias("id"), col(&labels).alias("labels")];
        if let Some(g) = &group {
            find(g)?;
            cols.push(col(g).alias("group"));
        }
        let projected = LogicalPlanBuilder::from(input).project(cols)?.build()?;
        let out_schema = Arc::new(Schema::new(vec![Field::new(id.as_str(), id_field.data_type().clone(), true), Field::new("fold", DataType::Int64, false)]));
        let (k, grouped) = (k as usize, group.is_some());
        let schema = out_schema.clone();
        collect_then(NAME, projected, call.env.clone(), out_schema, move |all| {
            if all.num_rows() == 0 {
                return Ok(RecordBatch::new_empty(schema.clone()));
            }
            let ids = all.column(0);
            let order = sort_to_indices(ids, None, None)?;
            let ids = take(ids, &order, None)?;
            let labels = take(all.column(1), &order, None)?;
            let groups = if grouped { Some(take(all.column(2), &order, None)?) } else { None };
            let (matrix, group_ids) = prepare(&ids, &labels, groups.as_ref())?;
            let folds = match &group_ids {
                Some(g) => multilabel_stratified_kfold_grouped(&matrix, g, k, seed),
                None => multilabel_stratified_kfold(&matrix, k, seed),
            }
            .map_err(|e| DataFusionError::Execution(format!("{NAME}(): {e}")))?;
            let folds: Int64Array = folds.into_iter().map(|f| f as i64).collect();
            Ok(RecordBatch::try_new(schema.clone(), vec![ids, Arc::new(folds)])?)
        })
    }
}

type Prepared = (Vec<Vec<i64>>, Option<Vec<i64>>);

/// Label rows as integers, checking ids are unique and labels present; groups as dense ids.
fn prepare(ids: &ArrayRef, labels: &ArrayRef, groups: Option<&ArrayRef>) -> Result<Prepared> {
    let err = |m: String| DataFusionError::Execution(format!("{NAME}(): {m}"));
    let id_at = |i: usize| ScalarValue::try_from_array(ids, i).map(|v| v.to_string()).unwrap_or_default();
    for i in 0..ids.len() {
        if ids.is_null(i) {
            return Err(err("the id column has NULL values".into()));
        }
        if i > 0 && ScalarValue::try_from_array(ids, i)? == ScalarValue::try_from_array(ids, i - 1)? {
            return Err(err(format!("id '{}' appears more than once; ids must be unique", id_at(i))));
        }
    }
    let list = cast(labels, &DataType::List(Arc::new(Field::new("item", DataType::Int64, true))))
        .map_err(|e| err(format!("labels must be a list of integers or booleans: {e}")))?;
    let list = list.as_list::<i32>();
    let mut matrix = Vec::with_capacity(list.len());
    for i in 0..list.len() {
        if list.is_null(i) {
            return Err(err(format!("row with id '{}' has NULL labels", id_at(i))));
        }
        let row = list.value(i);
        let row = row.as_primitive::<Int64Type>();
        if row.null_count() > 0 {
            return Err(err(format!("row with id '{}' has a NULL label value", id_at(i))));
        }
        matrix.push(row.values().to_vec());
    }
    let group_ids = groups.map(|g| {
        let mut dense: HashMap<String, i64> = HashMap::new();
        (0..g.len())
            .map(|i| {
                let key = ScalarValue::try_from_array(g, i).map(|v| v.to_string()).unwrap_or_default();
                let n = dense.len() as i64;
                *dense.entry(key).or_insert(n)
            })
            .collect()
    });
    Ok((matrix, group_ids))
}
