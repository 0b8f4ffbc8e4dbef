use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::BinaryArray;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use super::value::ImageColumn;
use cytologia_kernels::image::codec;

const NAME: &str = "encode_png";

// Its image may be a path or URL, read when it runs.
pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(super::SECTION, "Encodes an image as lossless PNG bytes (RGB8), e.g. to store crops or export pixels.", "encode_png(image)")
        .with_argument("image", "Encoded bytes, a pixel struct or a file path.")
        .with_sql_example("SELECT length(encode_png(decode_image(content))) FROM images LIMIT 1;")
        .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EncodePng {
    signature: Signature,
}

impl Default for EncodePng {
    fn default() -> Self {
        EncodePng { signature: Signature::any(1, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for EncodePng {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let col = ImageColumn::new(NAME, &arrays[0])?;
        let rows = col.par_map(NAME, |item| Ok(codec::encode_png(&item.rgb()?)?))?;
        let out: BinaryArray = rows.iter().map(|r| r.as_deref()).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
