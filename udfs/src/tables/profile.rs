use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::functions::core::expr_fn::{get_field, named_struct};
use datafusion::functions_aggregate::expr_fn::{count, max, min};
use datafusion::functions_nested::expr_fn::make_array;
use datafusion::logical_expr::{Documentation, Expr, LogicalPlan, LogicalPlanBuilder, cast, col, lit};

use crate::tablefn::{InputKind, TableFn, TableFnCall, TableFnSignature};

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Profiles any table, view or query in one streaming pass: one row per column with its \
         type, row count, non-null and null counts, and min/max (as text) for orderable types.",
        "profile(input)",
    )
    .with_argument("input", "A table or view name, a quoted name, or a parenthesised query.")
    .with_sql_example("SELECT * FROM profile((SELECT x1, x2, class FROM labels WHERE x1 < 0));")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature { input: InputKind::Plan, params: vec![] });

#[derive(Debug, Default)]
pub struct Profile;

fn orderable(t: &DataType) -> bool {
    t.is_numeric() || t.is_temporal() || matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Boolean)
}

impl TableFn for Profile {
    fn name(&self) -> &'static str {
        "profile"
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
        let input = call.input.ok_or_else(|| call.args.error("missing input"))?;
        let schema = input.schema().clone();
        if schema.fields().is_empty() {
            return Err(call.args.error("the input has no columns"));
        }
        // One aggregate row holds every statistic, then one unnest turns it into a row per
        // column: the input is scanned once whatever its width.
        let mut aggs = vec![count(lit(1)).alias("__rows")];
        for (i, (q, f)) in schema.iter().enumerate() {
            let c = Expr::Column(datafusion::common::Column::from((q, f)));
            aggs.push(count(c.clone()).alias(format!("__n{i}")));
            if orderable(f.data_type()) {
                aggs.push(min(c.clone()).alias(format!("__min{i}")));
                aggs.push(max(c).alias(format!("__max{i}")));
            }
        }
        let agg = LogicalPlanBuilder::from(input).aggregate(Vec::<Expr>::new(), aggs)?.build()?;
        let mut structs = Vec::new();
        for (i, (_, f)) in schema.iter().enumerate() {
            let (mn, mx) = if orderable(f.data_type()) {
                (cast(col(format!("__min{i}")), DataType::Utf8), cast(col(format!("__max{i}")), DataType::Utf8))
            } else {
                (lit(datafusion::common::ScalarValue::Utf8(None)), lit(datafusion::common::ScalarValue::Utf8(None)))
            };
            structs.push(named_struct(vec![
                lit("ordinal"),
                lit(i as i64 + 1),
                lit("column"),
                lit(f.name().as_str()),
                lit("type"),
                lit(f.data_type().to_string()),
                lit("rows"),
                col("__rows"),
                lit("non_null"),
                col(format!("__n{i}")),
                lit("nulls"),
                col("__rows") - col(format!("__n{i}")),
                lit("min"),
                mn,
                lit("max"),
                mx,
            ]));
        }
        let listed = LogicalPlanBuilder::from(agg).project(vec![make_array(structs).alias("__s")])?.unnest_column("__s")?.build()?;
        let names = ["ordinal", "column", "type", "rows", "non_null", "nulls", "min", "max"];
        let projection: Vec<Expr> = names.iter().map(|n| get_field(col("__s"), *n).alias(*n)).collect();
        LogicalPlanBuilder::from(listed).project(projection)?.build()
    }
}
