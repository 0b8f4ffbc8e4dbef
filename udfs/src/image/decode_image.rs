use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use super::value::{ImageColumn, pixels_array, pixels_type};

const NAME: &str = "decode_image";

// Its image may be a path or URL, read when it runs.
pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Decodes an image to RGB pixels: a struct `{width, height, channels, data}` with row-major \
         interleaved RGB8 data. JPEG goes through libjpeg-turbo, so pixels are identical to PIL's; \
         grey is replicated and alpha dropped as PIL's `convert(\"RGBA\").convert(\"RGB\")` does.",
        "decode_image(image)",
    )
    .with_argument("image", "Encoded bytes, a pixel struct (returned as RGB) or a file path.")
    .with_sql_example("SELECT decode_image(content)['width'] FROM images LIMIT 1;\n-- 360")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DecodeImage {
    signature: Signature,
}

impl Default for DecodeImage {
    fn default() -> Self {
        DecodeImage { signature: Signature::any(1, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for DecodeImage {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(pixels_type())
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let col = ImageColumn::new(NAME, &arrays[0])?;
        let rows = col.par_map(NAME, |item| item.rgb())?;
        Ok(ColumnarValue::Array(pixels_array(rows)?))
    }
}
