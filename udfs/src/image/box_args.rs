//! The arguments shared by functions over an image and one box per row (`crop`,
//! `make_background`): `image, x1, y1, x2, y2[, extra integer]`, checked once, then each row
//! mapped on the rayon pool with errors naming the function and the row or file.
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BinaryArray, Int64Array, PrimitiveArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::ColumnarValue;
use rayon::prelude::*;

use super::value::{ImageColumn, ImageItem};

/// Calls `f(image, [x1, y1, x2, y2], extra)` for every row whose arguments are all non-NULL
/// (other rows give NULL); `extra` is the sixth argument, or `default` when absent.
pub fn map_rows(
    name: &str,
    extra_name: &str,
    default: i64,
    args: &[ColumnarValue],
    n: usize,
    f: impl Fn(&ImageItem<'_>, [f64; 4], i64) -> crate::error::Result<Vec<u8>> + Sync + Send,
) -> Result<ColumnarValue> {
    let arrays: Vec<ArrayRef> = args.iter().map(|a| a.to_array(n)).collect::<Result<_>>()?;
    let images = ImageColumn::new(name, &arrays[0])?;
    let coords = arrays[1..5]
        .iter()
        .map(|a| cast(a, &DataType::Float64).map_err(|e| DataFusionError::Plan(format!("{name}(): box coordinates must be numbers: {e}"))))
        .collect::<Result<Vec<_>>>()?;
    let extra: ArrayRef = match arrays.get(5) {
        Some(m) => cast(m, &DataType::Int64).map_err(|e| DataFusionError::Plan(format!("{name}(): {extra_name} must be an integer: {e}")))?,
        None => Arc::new(Int64Array::from(vec![default; n])),
    };
    let extra = extra.as_primitive::<Int64Type>();
    let c: Vec<&PrimitiveArray<Float64Type>> = coords.iter().map(|a| a.as_primitive::<Float64Type>()).collect();
    let rows: Vec<Option<Vec<u8>>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let Some(item) = images.get(i) else { return Ok(None) };
            if c.iter().any(|a| a.is_null(i)) || extra.is_null(i) {
                return Ok(None);
            }
            let b = [c[0].value(i), c[1].value(i), c[2].value(i), c[3].value(i)];
            f(&item, b, extra.value(i)).map(Some).map_err(|e| DataFusionError::Execution(format!("{name}(): {}: {e}", item.describe(i))))
        })
        .collect::<Result<_>>()?;
    let out: BinaryArray = rows.iter().map(|r| r.as_deref()).collect();
    Ok(ColumnarValue::Array(Arc::new(out)))
}
