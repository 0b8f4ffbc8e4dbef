//! Reading numeric lists of any float/int element type as float64 rows, and building
//! list<float64> results.
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Builder, ListArray, ListBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type};
use datafusion::error::{DataFusionError, Result};

pub fn list_f64_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
}

pub fn is_numeric_list(t: &DataType) -> bool {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => f.data_type().is_numeric() || f.data_type().is_null(),
        DataType::Null => true,
        _ => false,
    }
}

/// A list column cast to list<float64>.
pub fn as_f64_lists(function: &str, a: &ArrayRef) -> Result<ListArray> {
    if !is_numeric_list(a.data_type()) {
        return Err(DataFusionError::Plan(format!("{function}(): expects a list of numbers, got {}", a.data_type())));
    }
    Ok(cast(a, &list_f64_type())?.as_list::<i32>().clone())
}

/// Row `i` as a vector (NULL elements become NaN); None for a NULL row.
pub fn row(l: &ListArray, i: usize) -> Option<Vec<f64>> {
    if l.is_null(i) {
        return None;
    }
    let v = l.value(i);
    let v = v.as_primitive::<Float64Type>();
    Some((0..v.len()).map(|k| if v.is_null(k) { f64::NAN } else { v.value(k) }).collect())
}

/// A list-to-list function applied row by row (NULL rows stay NULL).
pub fn map_rows(
    function: &str,
    args: &datafusion::logical_expr::ScalarFunctionArgs,
    f: fn(&[f64]) -> Vec<f64>,
) -> Result<datafusion::logical_expr::ColumnarValue> {
    let a = args.args[0].to_array(args.number_rows)?;
    let l = as_f64_lists(function, &a)?;
    Ok(datafusion::logical_expr::ColumnarValue::Array(build((0..l.len()).map(|i| row(&l, i).map(|v| f(&v))))))
}

pub fn build(rows: impl Iterator<Item = Option<Vec<f64>>>) -> ArrayRef {
    let mut b = ListBuilder::new(Float64Builder::new());
    for r in rows {
        match r {
            Some(v) => {
                b.values().append_slice(&v);
                b.append(true);
            }
            None => b.append(false),
        }
    }
    Arc::new(b.finish())
}
