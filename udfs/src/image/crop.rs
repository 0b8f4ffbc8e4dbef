use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use cytologia_kernels::image::{codec, crop_box};

const NAME: &str = "crop";

// Its image may be a path or URL, read when it runs.
pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Cuts a box out of an image as the winning recipe's dump_boxes did (docs/pipeline.md §7.1): coordinates \
         rounded half to even, grown by `margin` pixels, clipped to [0, W-1] x [0, H-1], sliced \
         end-exclusive; returns lossless PNG bytes (RGB). `margin => -1` returns the whole image. \
         A box that leaves nothing inside the image is an error naming the row.",
        "crop(image, x1, y1, x2, y2[, margin])",
    )
    .with_argument("image", "Encoded bytes, a pixel struct or a file path.")
    .with_argument("x1, y1, x2, y2", "The box in image pixels (integers or floats).")
    .with_argument("margin", "Pixels added on every side before clipping. Default: 16.")
    .with_sql_example("SELECT trustii_id, crop(i.path, b.x1, b.y1, b.x2, b.y2, 16) AS png FROM test_boxes b JOIN images i USING (name);")
    .build()
});

#[derive(Debug)]
pub struct Crop {
    signature: Signature,
}

impl Default for Crop {
    fn default() -> Self {
        let signature =
            Signature::one_of(vec![datafusion::logical_expr::TypeSignature::Any(5), datafusion::logical_expr::TypeSignature::Any(6)], Volatility::Immutable);
        Crop { signature }
    }
}

impl PartialEq for Crop {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}
impl Eq for Crop {}
impl std::hash::Hash for Crop {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        NAME.hash(state)
    }
}

impl ScalarUDFImpl for Crop {
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
        super::box_args::map_rows(NAME, "margin", 16, &args.args, args.number_rows, |item, b, margin| {
            let r = |k: usize| crop_box::round_coord(b[k]);
            let p = item.rgb()?;
            let cut = crop_box::crop(&p, r(0)?, r(1)?, r(2)?, r(3)?, margin)?;
            Ok(codec::encode_png(&cut)?)
        })
    }
}
