use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::StringArray;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use super::value::ImageColumn;
use cytologia_kernels::image::perceptual_hash::phash_rgb;

const NAME: &str = "phash";

// Its image may be a path or URL, read when it runs.
pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "The perceptual hash of an image, bit-identical to imagededup's `PHash.encode_image`: PIL \
         decode to RGB, PIL's Lanczos resize to 32x32, PIL's 'L' conversion, scipy's DCT-II \
         (pocketfft's rounding reproduced), 8x8 block, median without the DC term, `>=`, \
         packbits, 16 lowercase hex digits. `read_images` computes the same value.",
        "phash(image)",
    )
    .with_argument("image", "Encoded bytes, a pixel struct or a file path.")
    .with_sql_example("SELECT phash('smears/images/cf7734a2-b.jpg');\n-- e.g. b1c8cade72664d1b")
    .with_related_udf("hamming_distance")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Phash {
    signature: Signature,
}

impl Default for Phash {
    fn default() -> Self {
        Phash { signature: Signature::any(1, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for Phash {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let col = ImageColumn::new(NAME, &arrays[0])?;
        let rows = col.par_map(NAME, |item| {
            let px = item.rgb()?;
            Ok(phash_rgb(px.width, px.height, &px.data))
        })?;
        let out: StringArray = rows.iter().map(|r| r.as_deref()).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
