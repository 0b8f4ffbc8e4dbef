//! Training rows, decoded once: each image is cropped (when the row has a box, margin 16 as
//! docs/pipeline.md §7.1) and resized to the model's side with OpenCV Lanczos-4 (§8.2), then kept as
//! bytes (side² × 3 per row). Background images keep their full pixels: each epoch takes a new
//! random square from them before the resize (§8.2).
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use rayon::prelude::*;

use crate::error::{Result, UdfError};
use crate::image::value::ImageColumn;
use cytologia_kernels::augment::Rgb;
use cytologia_kernels::image::crop_box;
use cytologia_kernels::image::cv_resize::resize_lanczos4;
use cytologia_train::dataset::{Dataset, Picture, Sample, Target};

const FN: &str = "train_classifier";

fn column<'a>(b: &'a RecordBatch, name: &str) -> Option<&'a ArrayRef> {
    b.column_by_name(name)
}

fn ints(b: &RecordBatch, name: &str) -> Result<Option<Vec<Option<i64>>>> {
    let Some(c) = column(b, name) else { return Ok(None) };
    let c = cast(c, &DataType::Int64).map_err(|e| UdfError::arg(FN, format!("column '{name}' must be an integer: {e}")))?;
    let c = c.as_primitive::<Int64Type>();
    Ok(Some((0..c.len()).map(|i| (!c.is_null(i)).then(|| c.value(i))).collect()))
}

fn floats(b: &RecordBatch, name: &str) -> Result<Option<Vec<Option<f64>>>> {
    let Some(c) = column(b, name) else { return Ok(None) };
    let c = cast(c, &DataType::Float64).map_err(|e| UdfError::arg(FN, format!("column '{name}' must be numeric: {e}")))?;
    let c = c.as_primitive::<Float64Type>();
    Ok(Some((0..c.len()).map(|i| (!c.is_null(i)).then(|| c.value(i))).collect()))
}

fn targets(b: &RecordBatch, classes: usize) -> Result<(Vec<Target>, bool)> {
    let check = |row: usize, v: i64| -> Result<usize> {
        if v < 0 || v as usize >= classes {
            return Err(UdfError::arg(FN, format!("row {row}: label {v} is outside 0..{classes} (num_classes => {classes})")));
        }
        Ok(v as usize)
    };
    if let Some(l) = column(b, "labels") {
        let l = cast(l, &DataType::List(std::sync::Arc::new(datafusion::arrow::datatypes::Field::new_list_field(DataType::Int64, true))))
            .map_err(|e| UdfError::arg(FN, format!("column 'labels' must be a list of class ids: {e}")))?;
        let l = l.as_list::<i32>();
        let mut out = Vec::with_capacity(l.len());
        for r in 0..l.len() {
            if l.is_null(r) {
                return Err(UdfError::arg(FN, format!("row {r}: 'labels' is NULL (use an empty list for none)")));
            }
            let v = l.value(r);
            let v = v.as_primitive::<Int64Type>();
            let ids = (0..v.len()).filter(|&k| !v.is_null(k)).map(|k| check(r, v.value(k))).collect::<Result<Vec<_>>>()?;
            out.push(Target::Multi(ids));
        }
        return Ok((out, true));
    }
    let labels = ints(b, "label")?.ok_or_else(|| UdfError::arg(FN, "the input needs a 'label' column (class id) or a 'labels' column (list of ids)"))?;
    let out = labels
        .iter()
        .enumerate()
        .map(|(r, v)| v.ok_or_else(|| UdfError::arg(FN, format!("row {r}: 'label' is NULL"))).and_then(|v| check(r, v)).map(Target::Class))
        .collect::<Result<Vec<_>>>()?;
    Ok((out, false))
}

/// Splits the input into training rows (fold != `fold`) and validation rows, decoding and
/// resizing on the rayon pool.
pub fn prepare(b: &RecordBatch, size: usize, classes: usize, fold: i64, progress: &(dyn Fn(u64) + Sync)) -> Result<Dataset> {
    let image = column(b, "image").ok_or_else(|| UdfError::arg(FN, "the input needs an 'image' column (bytes, pixel struct or path)"))?;
    let images = ImageColumn::new(FN, image).map_err(|e| UdfError::Other(e.to_string()))?;
    let folds = ints(b, "fold")?.ok_or_else(|| UdfError::arg(FN, "the input needs a 'fold' column"))?;
    let (targets, multilabel) = targets(b, classes)?;
    let boxes = match (floats(b, "x1")?, floats(b, "y1")?, floats(b, "x2")?, floats(b, "y2")?) {
        (Some(a), Some(b2), Some(c), Some(d)) => Some((a, b2, c, d)),
        (None, None, None, None) => None,
        _ => return Err(UdfError::arg(FN, "a box needs all of x1, y1, x2, y2")),
    };
    let background = match column(b, "background") {
        Some(c) => {
            let c = cast(c, &DataType::Boolean).map_err(|e| UdfError::arg(FN, format!("column 'background' must be boolean: {e}")))?;
            let c = c.as_boolean().clone();
            (0..c.len()).map(|i| !c.is_null(i) && c.value(i)).collect()
        }
        None => vec![false; b.num_rows()],
    };
    let pictures: Vec<Picture> = (0..b.num_rows())
        .into_par_iter()
        .map(|r| -> Result<Picture> {
            let item = images.get(r).ok_or_else(|| UdfError::arg(FN, format!("row {r}: 'image' is NULL")))?;
            let mut px = item.rgb().map_err(|e| UdfError::Other(format!("{FN}(): {}: {e}", item.describe(r))))?;
            if let Some((x1, y1, x2, y2)) = &boxes
                && let (Some(a), Some(b2), Some(c), Some(d)) = (x1[r], y1[r], x2[r], y2[r])
            {
                let q = |v| crop_box::round_coord(v).map_err(|e| UdfError::Other(format!("{FN}(): row {r}: {e}")));
                px = crop_box::crop(&px, q(a)?, q(b2)?, q(c)?, q(d)?, 16).map_err(|e| UdfError::Other(format!("{FN}(): row {r}: {e}")))?;
            }
            progress(1);
            if background[r] {
                return Ok(Picture::Background(px));
            }
            let data = resize_lanczos4(&px.data, px.width as usize, px.height as usize, 3, size, size);
            Ok(Picture::Ready(Rgb { width: size, height: size, data }))
        })
        .collect::<Result<_>>()?;
    let mut ds = Dataset { train: Vec::new(), val: Vec::new(), size, classes, multilabel };
    // Errors above name rows as they arrived; the dataset takes them in canonical order.
    let samples: Vec<Sample> = pictures.into_iter().zip(targets).map(|(picture, target)| Sample { picture, target }).collect();
    for (r, s) in super::canonical_order::in_canonical_order(b, samples)? {
        let f = folds[r].ok_or_else(|| UdfError::arg(FN, format!("row {r}: 'fold' is NULL")))?;
        if f == fold { ds.val.push(s) } else { ds.train.push(s) }
    }
    if ds.train.is_empty() {
        return Err(UdfError::arg(FN, format!("no training rows: every row has fold {fold}")));
    }
    if ds.val.is_empty() {
        return Err(UdfError::arg(FN, format!("no validation rows: no row has fold {fold} (the held-out fold)")));
    }
    Ok(ds)
}
