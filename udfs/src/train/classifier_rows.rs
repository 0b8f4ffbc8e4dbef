//! Training rows as an index: each row's picture is its image cropped (when the row has a box,
//! margin 16 as docs/pipeline.md §7.1) and resized to the model's side with OpenCV Lanczos-4
//! (§8.2), made on demand by the picture store; background images keep their full pixels, and
//! each epoch takes a new random square from them before the resize (§8.2). A first pass
//! decodes every row once: rows whose image cannot be decoded are skipped and counted, and the
//! pictures that fit the cache stay.
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use rayon::prelude::*;

use crate::error::{Result, UdfError};
use crate::image::value::ImageColumn;
use crate::train::prepared::{Prepared, skipped_note};
use cytologia_kernels::augment::Rgb;
use cytologia_kernels::image::codec::Pixels;
use cytologia_kernels::image::crop_box;
use cytologia_kernels::image::cv_resize::resize_lanczos4;
use cytologia_train::dataset::{Dataset, Sample, Target};
use cytologia_train::store::{Source, Store};

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

/// The pictures of the rows, made on demand.
struct Rows {
    images: ImageColumn,
    /// Each row's box, rounded to pixels (empty: the input has no boxes).
    boxes: Vec<Option<[i64; 4]>>,
    background: Vec<bool>,
    size: usize,
}

impl Rows {
    /// The row's image; an error names the row or file.
    fn decode(&self, r: usize) -> std::result::Result<Pixels, String> {
        let item = self.images.get(r).ok_or_else(|| format!("row {r}: 'image' is NULL"))?;
        item.rgb().map_err(|e| format!("{}: {e}", item.describe(r)))
    }

    /// The row's picture from its image: the crop, resized; a background image whole.
    fn picture(&self, r: usize, px: Pixels) -> std::result::Result<Rgb, String> {
        let px = match self.boxes.get(r).copied().flatten() {
            Some([a, b, c, d]) => crop_box::crop(&px, a, b, c, d, 16).map_err(|e| format!("row {r}: {e}"))?,
            None => px,
        };
        let (w, h) = (px.width as usize, px.height as usize);
        if self.background[r] {
            return Ok(Rgb { width: w, height: h, data: px.data });
        }
        Ok(Rgb { width: self.size, height: self.size, data: resize_lanczos4(&px.data, w, h, 3, self.size, self.size) })
    }
}

impl Source for Rows {
    fn load(&self, key: usize) -> std::result::Result<Rgb, String> {
        let px = self.decode(key)?;
        self.picture(key, px)
    }
}

fn rounded_boxes(b: &RecordBatch) -> Result<Vec<Option<[i64; 4]>>> {
    let (x1, y1, x2, y2) = match (floats(b, "x1")?, floats(b, "y1")?, floats(b, "x2")?, floats(b, "y2")?) {
        (Some(a), Some(b2), Some(c), Some(d)) => (a, b2, c, d),
        (None, None, None, None) => return Ok(Vec::new()),
        _ => return Err(UdfError::arg(FN, "a box needs all of x1, y1, x2, y2")),
    };
    (0..b.num_rows())
        .map(|r| {
            let q = |v: f64| crop_box::round_coord(v).map_err(|e| UdfError::Other(format!("{FN}(): row {r}: {e}")));
            match (x1[r], y1[r], x2[r], y2[r]) {
                (Some(a), Some(b2), Some(c), Some(d)) => Ok(Some([q(a)?, q(b2)?, q(c)?, q(d)?])),
                _ => Ok(None),
            }
        })
        .collect()
}

/// Splits the input into training rows (fold != `fold`) and validation rows. Every image is
/// decoded once here, on the rayon pool, and its picture kept while `cache_bytes` last.
pub fn prepare(b: &RecordBatch, size: usize, classes: usize, fold: i64, cache_bytes: usize, progress: &(dyn Fn(u64) + Sync)) -> Result<Prepared<Dataset>> {
    let image = column(b, "image").ok_or_else(|| UdfError::arg(FN, "the input needs an 'image' column (bytes, pixel struct or path)"))?;
    let images = ImageColumn::new(FN, image).map_err(|e| UdfError::Other(e.to_string()))?;
    let folds = ints(b, "fold")?.ok_or_else(|| UdfError::arg(FN, "the input needs a 'fold' column"))?;
    let (targets, multilabel) = targets(b, classes)?;
    let background = match column(b, "background") {
        Some(c) => {
            let c = cast(c, &DataType::Boolean).map_err(|e| UdfError::arg(FN, format!("column 'background' must be boolean: {e}")))?;
            let c = c.as_boolean().clone();
            (0..c.len()).map(|i| !c.is_null(i) && c.value(i)).collect()
        }
        None => vec![false; b.num_rows()],
    };
    let rows = Arc::new(Rows { images, boxes: rounded_boxes(b)?, background, size });
    let store = Store::new(rows.clone(), cache_bytes);
    // The first pass: a NULL image or a box outside its image is an error in the query; an
    // image that cannot be decoded is skipped.
    let unreadable: Vec<Option<String>> = (0..b.num_rows())
        .into_par_iter()
        .map(|r| -> Result<Option<String>> {
            if rows.images.get(r).is_none() {
                return Err(UdfError::arg(FN, format!("row {r}: 'image' is NULL")));
            }
            let decoded = rows.decode(r);
            progress(1);
            match decoded {
                Ok(px) => store.offer(r, rows.picture(r, px).map_err(|e| UdfError::Other(format!("{FN}(): {e}")))?),
                Err(e) => return Ok(Some(e)),
            }
            Ok(None)
        })
        .collect::<Result<_>>()?;
    let samples: Vec<Option<Sample>> =
        targets.into_iter().enumerate().map(|(r, target)| unreadable[r].is_none().then(|| Sample { key: r, background: rows.background[r], target })).collect();
    let mut ds = Dataset { train: Vec::new(), val: Vec::new(), size, classes, multilabel, store };
    // Errors above name rows as they arrived; the dataset takes them in canonical order.
    for (r, s) in super::canonical_order::in_canonical_order(b, samples)? {
        let Some(s) = s else { continue };
        let f = folds[r].ok_or_else(|| UdfError::arg(FN, format!("row {r}: 'fold' is NULL")))?;
        if f == fold { ds.val.push(s) } else { ds.train.push(s) }
    }
    let skipped: Vec<String> = unreadable.into_iter().flatten().collect();
    if ds.train.is_empty() {
        return Err(UdfError::arg(FN, format!("no training rows: every row has fold {fold}{}", skipped_note(&skipped))));
    }
    if ds.val.is_empty() {
        return Err(UdfError::arg(FN, format!("no validation rows: no row has fold {fold} (the held-out fold){}", skipped_note(&skipped))));
    }
    Ok(Prepared { data: ds, skipped })
}
