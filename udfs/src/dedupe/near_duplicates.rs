use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Documentation, LogicalPlan, LogicalPlanBuilder, col};

use crate::tablefn::{InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature, collect_then};
use cytologia_kernels::dedupe::near::{clusters, near_pairs};

const NAME: &str = "near_duplicates";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Images whose 64-bit perceptual hashes lie within `max_distance` bits of another's, grouped \
         into clusters (connected components: a chain of close pairs is one cluster). One row per \
         image that has at least one such neighbour: its `cluster_id` (clusters numbered from 0 in the \
         order of their first name), `cluster_size`, its `nearest` neighbour (by distance, then name) \
         and that `distance`. Rows with a NULL hash take no part. Multi-index hashing compares each \
         image only with plausible neighbours, so 69k hashes take seconds; the result equals the \
         all-pairs one.",
        "near_duplicates(input, name => 'name', phash => 'phash', max_distance => 10)",
    )
    .with_argument("input", "A table, view or parenthesised query with the name and hash (16 hex digits, as `phash` gives) columns.")
    .with_sql_example("SELECT cluster_id, count(*) FROM near_duplicates(images, max_distance => 6) GROUP BY cluster_id ORDER BY 2 DESC;")
    .with_related_udf("hamming_distance")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature {
    input: InputKind::Plan,
    params: vec![
        Param::optional("name", ParamKind::Str, ScalarValue::Utf8(Some("name".into())), "the image name column"),
        Param::optional("phash", ParamKind::Str, ScalarValue::Utf8(Some("phash".into())), "the hash column (16 hex digits)"),
        Param::optional("max_distance", ParamKind::Int, ScalarValue::Int64(Some(10)), "largest Hamming distance (bits) between neighbours, 0-64"),
    ],
});

#[derive(Debug, Default)]
pub struct NearDuplicates;

impl TableFn for NearDuplicates {
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
        let max_distance = call.args.i64("max_distance")?;
        if !(0..=64).contains(&max_distance) {
            return Err(call.args.error(format!("max_distance must be between 0 and 64 bits, got {max_distance}")));
        }
        let mut cols = Vec::new();
        for (opt, alias) in [("name", "name"), ("phash", "phash")] {
            let c = call.args.str(opt)?;
            call.args.column(input.schema(), c)?;
            cols.push(datafusion::logical_expr::cast(col(c), DataType::Utf8).alias(alias));
        }
        let projected = LogicalPlanBuilder::from(input).project(cols)?.build()?;
        let schema = Arc::new(Schema::new(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("phash", DataType::Utf8, true),
            Field::new("cluster_id", DataType::Int64, false),
            Field::new("cluster_size", DataType::Int64, false),
            Field::new("nearest", DataType::Utf8, true),
            Field::new("distance", DataType::Int64, false),
        ]));
        let out = schema.clone();
        collect_then(NAME, projected, call.env.clone(), schema, move |all| {
            let (names, hashes) = (cast(all.column(0), &DataType::Utf8)?, cast(all.column(1), &DataType::Utf8)?);
            let (n, h) = (names.as_string::<i32>(), hashes.as_string::<i32>());
            // By name, so clusters, their numbers and nearest-neighbour ties do not depend on input order.
            let mut order: Vec<usize> = (0..all.num_rows()).collect();
            order.sort_by(|&a, &b| (n.is_null(a), n.value(a), h.value(a)).cmp(&(n.is_null(b), n.value(b), h.value(b))));
            let parsed = order
                .iter()
                .map(|&r| {
                    if h.is_null(r) {
                        return Ok(None);
                    }
                    let v = h.value(r);
                    match u64::from_str_radix(v, 16) {
                        Ok(x) if v.len() == 16 => Ok(Some(x)),
                        _ => Err(DataFusionError::Execution(format!("{NAME}(): row {r}: '{v}' is not a 64-bit hash (16 hex digits)"))),
                    }
                })
                .collect::<Result<Vec<Option<u64>>>>()?;
            let near = clusters(parsed.len(), &near_pairs(&parsed, max_distance as u32));
            let mut roots: Vec<usize> = near.iter().flatten().map(|c| c.root).collect();
            roots.sort_unstable();
            let sizes = roots.chunk_by(|a, b| a == b).map(|g| (g[0], g.len() as i64)).collect::<Vec<_>>();
            let number = |root: usize| sizes.binary_search_by_key(&root, |s| s.0).unwrap_or(0);
            let (mut name, mut phash, mut cluster, mut size, mut nearest, mut distance) = (vec![], vec![], vec![], vec![], vec![], vec![]);
            for (i, c) in near.iter().enumerate() {
                let Some(c) = c else { continue };
                let (row, other) = (order[i], order[c.nearest]);
                let text = |a: &datafusion::arrow::array::StringArray, r: usize| (!a.is_null(r)).then(|| a.value(r).to_string());
                name.push(text(n, row));
                phash.push(text(h, row));
                let k = number(c.root);
                cluster.push(k as i64);
                size.push(sizes[k].1);
                nearest.push(text(n, other));
                distance.push(c.distance as i64);
            }
            Ok(RecordBatch::try_new(
                out.clone(),
                vec![
                    Arc::new(StringArray::from(name)),
                    Arc::new(StringArray::from(phash)),
                    Arc::new(Int64Array::from(cluster)),
                    Arc::new(Int64Array::from(size)),
                    Arc::new(StringArray::from(nearest)),
                    Arc::new(Int64Array::from(distance)),
                ],
            )?)
        })
    }
}
