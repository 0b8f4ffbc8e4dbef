use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, Int64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use super::lists;
use cytologia_kernels::vector as kernels;

const NAME: &str = "argmax";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "The 0-based index of the largest element of a list (the first one on ties, as numpy's \
         argmax; NaN skipped), i.e. a class id in the `classes` table's order. NULL for a NULL, \
         empty or all-NaN list.",
        "argmax(list)",
    )
    .with_argument("list", "A list of numbers.")
    .with_sql_example("SELECT argmax([0.1, 0.7, 0.7, 0.2]); -- 1")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Argmax {
    signature: Signature,
}

impl Default for Argmax {
    fn default() -> Self {
        Argmax { signature: Signature::any(1, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for Argmax {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        if !lists::is_numeric_list(&args[0]) {
            return datafusion::common::plan_err!("{NAME}(): expects a list of numbers, got {}", args[0]);
        }
        Ok(DataType::Int64)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let a = args.args[0].to_array(args.number_rows)?;
        let l = lists::as_f64_lists(NAME, &a)?;
        let out: Int64Array = (0..l.len()).map(|i| lists::row(&l, i).and_then(|v| kernels::argmax(&v)).map(|k| k as i64)).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
