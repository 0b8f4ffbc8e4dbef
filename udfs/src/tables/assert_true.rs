use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

const NAME: &str = "assert_true";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Returns true, or fails the statement with `message` when the condition is false or NULL: \
         lets a scheduled SQL script stop before it writes a bad result (e.g. a submission with \
         missing rows).",
        "assert_true(condition, message)",
    )
    .with_argument("condition", "A boolean.")
    .with_argument("message", "The error text.")
    .with_sql_example("SELECT assert_true(count(*) = 3, 'expected 3 rows') FROM (VALUES (1), (2), (3));")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AssertTrue {
    signature: Signature,
}

impl Default for AssertTrue {
    fn default() -> Self {
        AssertTrue { signature: Signature::any(2, Volatility::Volatile) }
    }
}

impl ScalarUDFImpl for AssertTrue {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let c = cast(&args.args[0].to_array(n)?, &DataType::Boolean)?;
        let m = cast(&args.args[1].to_array(n)?, &DataType::Utf8)?;
        let (c, m) = (c.as_boolean(), m.as_string::<i32>());
        for i in 0..n {
            if c.is_null(i) || !c.value(i) {
                let msg = if m.is_null(i) { "assertion failed" } else { m.value(i) };
                return Err(DataFusionError::Execution(format!("{NAME}(): {msg}")));
            }
        }
        Ok(ColumnarValue::Array(Arc::new(BooleanArray::from(vec![true; n]))))
    }
}
