use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use cytologia_kernels::image::perceptual_hash::hamming_distance_hex;

const NAME: &str = "hamming_distance";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "The number of differing bits between two hex hashes of equal length (e.g. two `phash` \
         values), for near-duplicate clustering. NULL when either is NULL; an error when the \
         lengths differ or a value is not hex.",
        "hamming_distance(hash_a, hash_b)",
    )
    .with_argument("hash_a", "A hex string, e.g. a `phash`.")
    .with_argument("hash_b", "A hex string of the same length.")
    .with_sql_example("SELECT a.name, b.name FROM images a JOIN images b ON a.name < b.name\nWHERE hamming_distance(a.phash, b.phash) <= 4;")
    .with_related_udf("phash")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct HammingDistance {
    signature: Signature,
}

impl Default for HammingDistance {
    fn default() -> Self {
        HammingDistance { signature: Signature::string(2, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for HammingDistance {
    fn name(&self) -> &str {
        NAME
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
        let (a, b) = (cast(&arrays[0], &DataType::Utf8)?, cast(&arrays[1], &DataType::Utf8)?);
        let (a, b) = (a.as_string::<i32>(), b.as_string::<i32>());
        let out = (0..a.len())
            .map(|i| {
                if a.is_null(i) || b.is_null(i) {
                    return Ok(None);
                }
                hamming_distance_hex(a.value(i), b.value(i)).map(|d| Some(d as i64)).ok_or_else(|| {
                    DataFusionError::Execution(format!("{NAME}(): row {i}: '{}' and '{}' are not hex strings of equal length", a.value(i), b.value(i)))
                })
            })
            .collect::<Result<Int64Array>>()?;
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
