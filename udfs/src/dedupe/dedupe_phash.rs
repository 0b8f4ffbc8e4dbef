use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, BooleanArray, Int64Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, LogicalPlan, LogicalPlanBuilder, col};

use crate::tablefn::{InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature, collect_then};
use cytologia_kernels::dedupe::rule::{Image, dedupe};

const NAME: &str = "dedupe_phash";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "The winning recipe's duplicate-removal rule: images with exactly equal PHash form a group; in each \
         pass, a group of two or more images that are all train images loses its last member \
         (members ordered by name; the winning recipe used filesystem order, which cannot be reproduced). \
         Two passes by default, as the winning recipe; `passes => 0` repeats until none remain. Returns every \
         input row with `dup_group` (NULL when the hash is unique), `group_size`, `kept` and \
         `dropped_in_pass`. Rows with a NULL hash (unreadable images) are kept and ungrouped.",
        "dedupe_phash(input, name => 'name', phash => 'phash', src => 'src', passes => 2)",
    )
    .with_argument("input", "A table, view or parenthesised query with the name, hash and src ('train', 'test', ...) columns.")
    .with_sql_example("SELECT name, dup_group, dropped_in_pass FROM dedupe_phash(images) WHERE NOT kept;")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature {
    input: InputKind::Plan,
    params: vec![
        Param::optional("name", ParamKind::Str, ScalarValue::Utf8(Some("name".into())), "the image name column (orders group members)"),
        Param::optional("phash", ParamKind::Str, ScalarValue::Utf8(Some("phash".into())), "the hash column"),
        Param::optional("src", ParamKind::Str, ScalarValue::Utf8(Some("src".into())), "the split column; only all-'train' groups lose members"),
        Param::optional("passes", ParamKind::Int, ScalarValue::Int64(Some(2)), "number of passes; 0 = until no duplicate group is left"),
    ],
});

#[derive(Debug, Default)]
pub struct DedupePhash;

impl TableFn for DedupePhash {
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
        let passes = call.args.i64("passes")?;
        if passes < 0 {
            return Err(call.args.error(format!("passes must be >= 0, got {passes}")));
        }
        let mut cols = Vec::new();
        for (opt, alias) in [("name", "name"), ("phash", "phash"), ("src", "src")] {
            let c = call.args.str(opt)?;
            call.args.column(input.schema(), c)?;
            cols.push(cast_utf8(c).alias(alias));
        }
        let projected = LogicalPlanBuilder::from(input).project(cols)?.build()?;
        let schema = Arc::new(Schema::new(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("phash", DataType::Utf8, true),
            Field::new("src", DataType::Utf8, true),
            Field::new("dup_group", DataType::Int64, true),
            Field::new("group_size", DataType::Int64, false),
            Field::new("kept", DataType::Boolean, false),
            Field::new("dropped_in_pass", DataType::Int64, true),
        ]));
        let out = schema.clone();
        collect_then(NAME, projected, call.env.clone(), schema, move |all| {
            let utf8 = |i: usize| cast(all.column(i), &DataType::Utf8);
            let (names, hashes, srcs) = (utf8(0)?, utf8(1)?, utf8(2)?);
            let (n, h, s) = (names.as_string::<i32>(), hashes.as_string::<i32>(), srcs.as_string::<i32>());
            // Rows without a hash take no part: give each a unique key that cannot collide.
            let images: Vec<Image> = (0..all.num_rows())
                .map(|i| Image {
                    name: if n.is_null(i) { String::new() } else { n.value(i).to_string() },
                    phash: if h.is_null(i) { format!("\u{0}null{i}") } else { h.value(i).to_string() },
                    is_train: !s.is_null(i) && s.value(i) == "train",
                })
                .collect();
            let verdicts = dedupe(&images, passes as usize);
            let group: Int64Array = verdicts.iter().map(|v| v.group.map(|g| g as i64)).collect();
            let size = Int64Array::from_iter_values(verdicts.iter().map(|v| v.group_size as i64));
            let kept: BooleanArray = verdicts.iter().map(|v| Some(v.dropped_in_pass.is_none())).collect();
            let pass: Int64Array = verdicts.iter().map(|v| v.dropped_in_pass.map(|p| p as i64)).collect();
            Ok(RecordBatch::try_new(out.clone(), vec![names, hashes, srcs, Arc::new(group), Arc::new(size), Arc::new(kept), Arc::new(pass)])?)
        })
    }
}

fn cast_utf8(c: &str) -> datafusion::logical_expr::Expr {
    datafusion::logical_expr::cast(col(c), DataType::Utf8)
}
