use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

const NAME: &str = "round_half_even";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Rounds to the nearest integer with ties to even, as numpy's `np.round` (the winning recipe rounds \
         fused boxes this way; SQL's round() sends ties away from zero). Returns BIGINT; NaN or \
         infinite input is an error.",
        "round_half_even(x)",
    )
    .with_argument("x", "A number.")
    .with_sql_example("SELECT round_half_even(2.5), round_half_even(3.5); -- 2, 4")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RoundHalfEven {
    signature: Signature,
}

impl Default for RoundHalfEven {
    fn default() -> Self {
        RoundHalfEven { signature: Signature::uniform(1, vec![DataType::Float64], Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for RoundHalfEven {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    // DataFusion coerces the argument to Float64 (the signature); anything else is a plan error.
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let a = cast(&args.args[0].to_array(args.number_rows)?, &DataType::Float64)?;
        let a = a.as_primitive::<Float64Type>();
        let out = (0..a.len())
            .map(|i| {
                if a.is_null(i) {
                    return Ok(None);
                }
                let v = a.value(i);
                if !v.is_finite() || v.abs() > 9.0e15 {
                    return Err(DataFusionError::Execution(format!("{NAME}(): {v} at row {i} is not a finite integer-range number")));
                }
                Ok(Some(v.round_ties_even() as i64))
            })
            .collect::<Result<Int64Array>>()?;
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
