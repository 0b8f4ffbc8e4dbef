use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use cytologia_kernels::boxes::geometry;

const NAME: &str = "giou";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Generalised IoU of two boxes exactly as the challenge metric computes it (docs/pipeline.md §11.1, \
         eps 1e-16): IoU - (C - U) / C with C the enclosing box. In [-1, 1].",
        "giou(ax1, ay1, ax2, ay2, bx1, by1, bx2, by2)",
    )
    .with_argument("ax1, ay1, ax2, ay2", "The first box.")
    .with_argument("bx1, by1, bx2, by2", "The second box.")
    .with_sql_example("SELECT giou(0, 0, 10, 10, 5, 0, 15, 10); -- 1/3 - 0 = 0.333...")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Giou {
    signature: Signature,
}

impl Default for Giou {
    fn default() -> Self {
        Giou { signature: Signature::uniform(8, vec![DataType::Float64], Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for Giou {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    // DataFusion coerces every coordinate to Float64 (the signature); anything else is a plan error.
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let cols = args
            .args
            .iter()
            .map(|a| Ok(cast(&a.to_array(n)?, &DataType::Float64)?.as_primitive::<Float64Type>().clone()))
            .collect::<Result<Vec<Float64Array>>>()?;
        let out: Float64Array = (0..n)
            .map(|i| {
                if cols.iter().any(|c| c.is_null(i)) {
                    return None;
                }
                let v = |k: usize| cols[k].value(i);
                Some(geometry::giou([v(0), v(1), v(2), v(3)], [v(4), v(5), v(6), v(7)]))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
