use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, BinaryArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, DocSection, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use rayon::prelude::*;

use super::{codec, crop_box};
use super::value::ImageColumn;

const NAME: &str = "crop";

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DocSection { include: true, label: "Image functions", description: None },
        "Cuts a box out of an image as the seed's dump_boxes did (seed-spec §7.1): coordinates \
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

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Crop {
    signature: Signature,
}

impl Default for Crop {
    fn default() -> Self {
        Crop { signature: Signature::one_of(vec![
            datafusion::logical_expr::TypeSignature::Any(5),
            datafusion::logical_expr::TypeSignature::Any(6),
        ], Volatility::Immutable) }
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
        let n = args.number_rows;
        let arrays: Vec<_> = args.args.iter().map(|a| a.to_array(n)).collect::<Result<_>>()?;
        let images = ImageColumn::new(NAME, &arrays[0])?;
        let coords = arrays[1..5]
            .iter()
            .map(|a| cast(a, &DataType::Float64).map_err(|e| DataFusionError::Plan(format!("{NAME}(): box coordinates must be numbers: {e}"))))
            .collect::<Result<Vec<_>>>()?;
        let margin = match arrays.get(5) {
            Some(m) => cast(m, &DataType::Int64).map_err(|e| DataFusionError::Plan(format!("{NAME}(): margin must be an integer: {e}")))?,
            None => Arc::new(datafusion::arrow::array::Int64Array::from(vec![16i64; n])),
        };
        let m = margin.as_primitive::<Int64Type>();
        let c: Vec<_> = coords.iter().map(|a| a.as_primitive::<Float64Type>()).collect();
        let rows: Vec<Option<Vec<u8>>> = (0..n)
            .into_par_iter()
            .map(|i| {
                let Some(item) = images.get(i) else { return Ok(None) };
                if c.iter().any(|a| a.is_null(i)) || m.is_null(i) {
                    return Ok(None);
                }
                let run = || -> crate::error::Result<Vec<u8>> {
                    let r = |k: usize| crop_box::round_coord(c[k].value(i));
                    let p = item.rgb()?;
                    let cut = crop_box::crop(&p, r(0)?, r(1)?, r(2)?, r(3)?, m.value(i))?;
                    codec::encode_png(&cut)
                };
                run().map(Some).map_err(|e| DataFusionError::Execution(format!("{NAME}(): {}: {e}", item.describe(i))))
            })
            .collect::<Result<_>>()?;
        let out: BinaryArray = rows.iter().map(|r| r.as_deref()).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
