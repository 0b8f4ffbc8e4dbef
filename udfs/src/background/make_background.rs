use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, BinaryArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, DocSection, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility};
use rayon::prelude::*;

use super::kernels::{BackgroundParams, make_background};
use crate::image::codec::{self, Pixels};
use crate::image::value::ImageColumn;

const NAME: &str = "make_background";

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DocSection { include: true, label: "Image functions", description: None },
        "The seed's synthetic background image (seed-spec §5) for an image with a single cell: the \
         box grown by 16 px, Otsu threshold of the grey image (cells are dark), background colour = \
         per-channel mean of the values above 150 outside the mask dilated by a 24-px ellipse, the \
         largest external contour inside the box filled and dilated by an 8-px ellipse, painted \
         with that colour plus noise in [-8, 8] on 10% of the box's pixels. Returns JPEG bytes \
         (quality 75, as PIL's default save). Bit-exact with OpenCV 4.10 / scikit-image except the \
         noise, which the seed did not seed: here it is a function of `seed` and the box, so a \
         query gives the same images every run. Differences from the seed: the grown box is clipped \
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
        let n = args.number_rows;
        let arrays: Vec<_> = args.args.iter().map(|a| a.to_array(n)).collect::<Result<_>>()?;
        let images = ImageColumn::new(NAME, &arrays[0])?;
        let coords = arrays[1..5]
            .iter()
            .map(|a| cast(a, &DataType::Float64).map_err(|e| DataFusionError::Plan(format!("{NAME}(): box coordinates must be numbers: {e}"))))
            .collect::<Result<Vec<_>>>()?;
        let seeds = match arrays.get(5) {
            Some(s) => cast(s, &DataType::Int64).map_err(|e| DataFusionError::Plan(format!("{NAME}(): seed must be an integer: {e}")))?,
            None => Arc::new(datafusion::arrow::array::Int64Array::from(vec![0i64; n])),
        };
        let seeds = seeds.as_primitive::<Int64Type>();
        let c: Vec<_> = coords.iter().map(|a| a.as_primitive::<Float64Type>()).collect();
        let rows: Vec<Option<Vec<u8>>> = (0..n)
            .into_par_iter()
            .map(|i| {
                let Some(item) = images.get(i) else { return Ok(None) };
                if c.iter().any(|a| a.is_null(i)) {
                    return Ok(None);
                }
                let b = [c[0].value(i), c[1].value(i), c[2].value(i), c[3].value(i)];
                let run = || -> crate::error::Result<Vec<u8>> {
                    let p = item.rgb()?;
                    let seed = if seeds.is_null(i) { 0 } else { seeds.value(i) as u64 };
                    let params = BackgroundParams { seed: row_seed(seed, b, p.width, p.height), ..Default::default() };
                    let out = make_background(&p.data, p.width as usize, p.height as usize, b, &params).map_err(crate::error::UdfError::Other)?;
                    codec::encode_jpeg(&Pixels::new(p.width, p.height, 3, out)?, 75)
                };
                run().map(Some).map_err(|e| DataFusionError::Execution(format!("{NAME}(): {}: {e}", item.describe(i))))
            })
            .collect::<Result<_>>()?;
        let out: BinaryArray = rows.iter().map(|r| r.as_deref()).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
