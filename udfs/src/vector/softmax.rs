use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use super::lists;
use cytologia_kernels::vector as kernels;

const NAME: &str = "softmax";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Softmax of a list of numbers (max-shifted, float64): the probabilities a multi-class ensemble blends (docs/pipeline.md §9).",
        "softmax(list)",
    )
    .with_argument("list", "A list of numbers (e.g. logits); NULL elements count as NaN.")
    .with_sql_example("SELECT softmax([1.0, 2.0, 3.0]);")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Softmax {
    signature: Signature,
}

impl Default for Softmax {
    fn default() -> Self {
        Softmax { signature: Signature::any(1, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for Softmax {
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
        Ok(lists::list_f64_type())
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        lists::map_rows(NAME, &args, kernels::softmax)
    }
}
