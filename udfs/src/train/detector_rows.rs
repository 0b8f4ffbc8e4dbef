//! train_detector()'s input rows as an index: an image (bytes, pixel struct or path), its
//! `fold` and its `boxes` (a list of structs with x1, y1, x2, y2 and an optional `class`;
//! empty or NULL for a background image). The picture store decodes images on demand; a first
//! pass decodes each once, to clip the boxes to it, skip (and count) images that cannot be
//! decoded, and keep the pictures that fit the cache.
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use rayon::prelude::*;

use crate::error::{Result, UdfError};
use crate::image::value::ImageColumn;
use crate::train::prepared::{Prepared, skipped_note};
use cytologia_kernels::augment::Rgb;
use cytologia_kernels::augment::yolox::Label;
use cytologia_train::store::{Source, Store};
use cytologia_train::yolox::dataset::{DetDataset, Sample};

pub const FN: &str = "train_detector";

/// The boxes of every row: `labels[row]`, classes checked against `classes`.
fn boxes(b: &RecordBatch, classes: usize) -> Result<Vec<Vec<Label>>> {
    let col = b.column_by_name("boxes").ok_or_else(|| UdfError::arg(FN, "the input needs a 'boxes' column (list of structs with x1, y1, x2, y2)"))?;
    let rows = crate::boxes::box_lists::read(FN, "boxes", col, &["x1", "y1", "x2", "y2"], &["class"])?;
    let mut out = Vec::with_capacity(rows.len());
    for (r, row) in rows.into_iter().enumerate() {
        let mut labels = Vec::new();
        for (i, v) in row.unwrap_or_default().into_iter().enumerate() {
            let (a, b2, c, d) = (v[0], v[1], v[2], v[3]);
            if !(a.is_finite() && b2.is_finite() && c.is_finite() && d.is_finite()) || c < a || d < b2 {
                return Err(UdfError::arg(FN, format!("row {r}: box {i} ({a}, {b2}, {c}, {d}) is not finite with x1 <= x2, y1 <= y2")));
            }
            let k = if v[4].is_nan() { 0.0 } else { v[4] };
            if k < 0.0 || k as usize >= classes || k.fract() != 0.0 {
                return Err(UdfError::arg(FN, format!("row {r}: box {i} has class {k}, outside 0..{classes}")));
            }
            labels.push([a, b2, c, d, k]);
        }
        out.push(labels);
    }
    Ok(out)
}

/// The decoded images of the rows, on demand.
struct Images(ImageColumn);

impl Images {
    fn decode(&self, r: usize) -> std::result::Result<Rgb, String> {
        let item = self.0.get(r).ok_or_else(|| format!("row {r}: 'image' is NULL"))?;
        let px = item.rgb().map_err(|e| format!("{}: {e}", item.describe(r)))?;
        Ok(Rgb { width: px.width as usize, height: px.height as usize, data: px.data })
    }
}

impl Source for Images {
    fn load(&self, key: usize) -> std::result::Result<Rgb, String> {
        self.decode(key)
    }
}

/// Splits the rows into training (fold != `fold`) and validation images. Every image is
/// decoded once here, on rayon, and kept while `cache_bytes` last. Boxes are clipped to their
/// image (YOLOX's loader does the same).
pub fn prepare(b: &RecordBatch, classes: usize, fold: i64, cache_bytes: usize, progress: &(dyn Fn(u64) + Sync)) -> Result<Prepared<DetDataset>> {
    let image = b.column_by_name("image").ok_or_else(|| UdfError::arg(FN, "the input needs an 'image' column (bytes, pixel struct or path)"))?;
    let images = std::sync::Arc::new(Images(ImageColumn::new(FN, image).map_err(|e| UdfError::Other(e.to_string()))?));
    let folds = {
        let c = b.column_by_name("fold").ok_or_else(|| UdfError::arg(FN, "the input needs a 'fold' column"))?;
        let c = cast(c, &DataType::Int64).map_err(|e| UdfError::arg(FN, format!("column 'fold' must be an integer: {e}")))?;
        let c = c.as_primitive::<Int64Type>().clone();
        (0..c.len()).map(|i| (!c.is_null(i)).then(|| c.value(i))).collect::<Vec<_>>()
    };
    let labels = boxes(b, classes)?;
    let store = Store::new(images.clone(), cache_bytes);
    // Ok(Err(why)): the image cannot be decoded and its row is skipped.
    let checked: Vec<std::result::Result<Sample, String>> = labels
        .into_par_iter()
        .enumerate()
        .map(|(r, labels)| -> Result<std::result::Result<Sample, String>> {
            if images.0.get(r).is_none() {
                return Err(UdfError::arg(FN, format!("row {r}: 'image' is NULL")));
            }
            let decoded = images.decode(r);
            progress(1);
            let px = match decoded {
                Ok(px) => px,
                Err(e) => return Ok(Err(e)),
            };
            let (w, h) = (px.width as f64, px.height as f64);
            let labels = labels.into_iter().map(|l| [l[0].clamp(0.0, w), l[1].clamp(0.0, h), l[2].clamp(0.0, w), l[3].clamp(0.0, h), l[4]]).collect();
            store.offer(r, px);
            Ok(Ok(Sample { key: r, labels }))
        })
        .collect::<Result<_>>()?;
    let mut skipped = Vec::new();
    let samples: Vec<Option<Sample>> = checked
        .into_iter()
        .map(|c| match c {
            Ok(s) => Some(s),
            Err(e) => {
                skipped.push(e);
                None
            }
        })
        .collect();
    let mut ds = DetDataset { train: Vec::new(), val: Vec::new(), classes, store };
    // Errors above name rows as they arrived; the dataset takes them in canonical order.
    for (r, s) in crate::train::canonical_order::in_canonical_order(b, samples)? {
        let Some(s) = s else { continue };
        let f = folds[r].ok_or_else(|| UdfError::arg(FN, format!("row {r}: 'fold' is NULL")))?;
        if f == fold { ds.val.push(s) } else { ds.train.push(s) }
    }
    if ds.train.iter().all(|s| s.labels.is_empty()) {
        return Err(UdfError::arg(FN, format!("no training boxes: no row outside fold {fold} has a box{}", skipped_note(&skipped))));
    }
    if ds.val.is_empty() {
        return Err(UdfError::arg(FN, format!("no validation rows: no row has fold {fold} (the held-out fold){}", skipped_note(&skipped))));
    }
    Ok(Prepared { data: ds, skipped })
}
