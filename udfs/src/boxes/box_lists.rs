//! Reading list-of-box-struct columns (`[{x1, y1, x2, y2, ...}, ...]` per row), as detect()
//! and wbf() write them and train_detector() and coco_map() read them. Fields are found by
//! name and cast to float64, so any numeric type and field order work.
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type};

use crate::error::{Result, UdfError};

/// Per row: `None` for a NULL list, else each box's `fields` (required) then `optional`
/// fields (NaN when the struct lacks them or the value is NULL).
pub fn read(function: &str, column: &str, a: &ArrayRef, fields: &[&str], optional: &[&str]) -> Result<Vec<Option<Vec<Vec<f64>>>>> {
    let item = match a.data_type() {
        DataType::List(f) | DataType::LargeList(f) => f.data_type().clone(),
        DataType::Null => return Ok(vec![None; a.len()]),
        t => return Err(UdfError::arg(function, format!("'{column}' must be a list of structs with {}, got {t}", fields.join(", ")))),
    };
    let list =
        cast(a, &DataType::List(std::sync::Arc::new(Field::new_list_field(item, true)))).map_err(|e| UdfError::arg(function, format!("'{column}': {e}")))?;
    let list = list.as_list::<i32>();
    let items = list.values().as_struct_opt().ok_or_else(|| UdfError::arg(function, format!("'{column}' items must be structs with {}", fields.join(", "))))?;
    let column_of = |name: &str, required: bool| -> Result<Option<Vec<f64>>> {
        let Some(c) = items.column_by_name(name) else {
            return if required { Err(UdfError::arg(function, format!("'{column}' items need a field '{name}'"))) } else { Ok(None) };
        };
        let c = cast(c, &DataType::Float64).map_err(|e| UdfError::arg(function, format!("'{column}' field '{name}' must be numeric: {e}")))?;
        let c = c.as_primitive::<Float64Type>();
        Ok(Some((0..c.len()).map(|i| if c.is_null(i) { f64::NAN } else { c.value(i) }).collect()))
    };
    let mut cols = Vec::new();
    for f in fields {
        cols.push(column_of(f, true)?);
    }
    for f in optional {
        cols.push(column_of(f, false)?);
    }
    let mut out = Vec::with_capacity(list.len());
    for r in 0..list.len() {
        if list.is_null(r) {
            out.push(None);
            continue;
        }
        let (s, e) = (list.value_offsets()[r] as usize, list.value_offsets()[r + 1] as usize);
        let boxes = (s..e).map(|i| cols.iter().map(|c| c.as_ref().map_or(f64::NAN, |c| c[i])).collect()).collect();
        out.push(Some(boxes));
    }
    Ok(out)
}
