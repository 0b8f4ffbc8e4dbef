use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility};

use cytologia_kernels::folds::pandas_cut::CutBins;

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "The bin index (0..k-1) that `pandas.cut(x, bins=k)` gives a value, given the column's \
         minimum and maximum: k equal-width right-closed bins whose lower edge is extended by \
         0.1% of the range. NULL for NULL/NaN input or values outside the range.",
        "cut_bin(x, lo, hi, k)",
    )
    .with_argument("x", "The value (numeric).")
    .with_argument("lo", "The column's minimum, e.g. `min(x) OVER ()`.")
    .with_argument("hi", "The column's maximum, e.g. `max(x) OVER ()`.")
    .with_argument("k", "Number of bins.")
    .with_sql_example("SELECT name, cut_bin(mean, min(mean) OVER (), max(mean) OVER (), 5) AS mean_bin FROM images;")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CutBin {
    signature: Signature,
}

impl Default for CutBin {
    fn default() -> Self {
        CutBin {
            signature: Signature::one_of(
                vec![TypeSignature::Exact(vec![DataType::Float64, DataType::Float64, DataType::Float64, DataType::Int64])],
                Volatility::Immutable,
            ),
        }
    }
}

impl ScalarUDFImpl for CutBin {
    fn name(&self) -> &str {
        "cut_bin"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let f = |i: usize| cast(&arrays[i], &DataType::Float64);
        let (x, lo, hi) = (f(0)?, f(1)?, f(2)?);
        let k = cast(&arrays[3], &DataType::Int64)?;
        let (x, lo, hi, k) =
            (x.as_primitive::<Float64Type>(), lo.as_primitive::<Float64Type>(), hi.as_primitive::<Float64Type>(), k.as_primitive::<Int64Type>());
        // Bin edges are the same for every row of a column: compute them once per distinct
        // (lo, hi, k).
        let mut cached: Option<((u64, u64, i64), Option<CutBins>)> = None;
        let out: Int64Array = (0..x.len())
            .map(|i| {
                if x.is_null(i) || lo.is_null(i) || hi.is_null(i) || k.is_null(i) || k.value(i) < 1 {
                    return None;
                }
                let key = (lo.value(i).to_bits(), hi.value(i).to_bits(), k.value(i));
                if cached.as_ref().map(|c| c.0) != Some(key) {
                    cached = Some((key, CutBins::new(lo.value(i), hi.value(i), k.value(i) as usize)));
                }
                cached.as_ref().and_then(|c| c.1.as_ref()).and_then(|b| b.bin(x.value(i)))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
