use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility};

use cytologia_kernels::background::{BackgroundParams, make_background};
use cytologia_kernels::image::codec::{self, Pixels};

const NAME: &str = "make_background";

// Its image may be a path or URL, read when it runs.
pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "The winning recipe's synthetic background image (docs/pipeline.md §5) for an image with a single cell: the \
         box grown by 16 px, Otsu threshold of the grey image (cells are dark), background colour = \
         per-channel mean of the values above 150 outside the mask dilated by a 24-px ellipse, the \
         largest external contour inside the box filled and dilated by an 8-px ellipse, painted \
         with that colour plus noise in [-8, 8] on 10% of the box's pixels. Returns JPEG bytes \
         (quality 75, as PIL's default save). Bit-exact with OpenCV 4.10 / scikit-image except the \
         noise, which the winning recipe did not seed: here it is a function of `seed` and the box, so a \
         query gives the same images every run. Differences from the winning recipe: the grown box is clipped \
         to the image; a box without any dark pixel returns the image unchanged.",
        "make_background(image, x1, y1, x2, y2[, seed])",
    )
    .with_argument("image", "Encoded bytes, a pixel struct or a file path.")
    .with_argument("x1, y1, x2, y2", "The cell's box in image pixels.")
    .with_argument("seed", "Seed of the noise. Default: 0.")
    .with_sql_example("SELECT name, make_background(path, x1, y1, x2, y2) AS jpeg FROM single_box_images;")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MakeBackground {
    signature: Signature,
}

impl Default for MakeBackground {
    fn default() -> Self {
        MakeBackground { signature: Signature::one_of(vec![TypeSignature::Any(5), TypeSignature::Any(6)], Volatility::Immutable) }
    }
}

/// The noise seed of one row: the call's seed mixed with the box and image size, so each image
/// gets its own pattern and the same input always gets the same one.
fn row_seed(seed: u64, b: [f64; 4], w: u32, h: u32) -> u64 {
    let mut x = seed ^ 0x243F_6A88_85A3_08D3;
    for v in [b[0].to_bits(), b[1].to_bits(), b[2].to_bits(), b[3].to_bits(), w as u64, h as u64] {
        x = (x ^ v).wrapping_mul(0x1000_0000_01B3);
    }
    x
}

impl ScalarUDFImpl for MakeBackground {
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
        crate::image::box_args::map_rows(NAME, "seed", 0, &args.args, args.number_rows, |item, b, seed| {
            let p = item.rgb()?;
            let params = BackgroundParams { seed: row_seed(seed as u64, b, p.width, p.height), ..Default::default() };
            let out = make_background(&p.data, p.width as usize, p.height as usize, b, &params).map_err(crate::error::UdfError::Other)?;
            Ok(codec::encode_jpeg(&Pixels::new(p.width, p.height, 3, out)?, 75)?)
        })
    }
}
