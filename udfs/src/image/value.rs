//! The in-engine image value. Every image function accepts any of:
//! - encoded bytes (`Binary`, `LargeBinary`, `BinaryView`),
//! - decoded pixels: `Struct{width Int32, height Int32, channels Int32, data Binary}`,
//!   row-major, interleaved, 8 bits per channel,
//! - a path, `file://` URL or `s3://` URL (`Utf8`), read when the function runs, or a
//!   base64 `data:` URL (so encoded images and paths can share one string column).
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BinaryBuilder, Int32Array, Int32Builder, StructArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Int32Type};
use datafusion::error::{DataFusionError, Result};
use rayon::prelude::*;

use crate::error::UdfError;
use cytologia_kernels::image::codec::{self, ImageHeader, Pixels};

/// Larger than any image the engine decodes (its pixel limit, compressed): files and objects
/// above it are refused before they are read.
pub const MAX_FILE_BYTES: u64 = 512 << 20;

/// The pixel struct type.
pub fn pixels_type() -> DataType {
    DataType::Struct(pixels_fields())
}

pub fn pixels_fields() -> Fields {
    Fields::from(vec![
        Field::new("width", DataType::Int32, false),
        Field::new("height", DataType::Int32, false),
        Field::new("channels", DataType::Int32, false),
        Field::new("data", DataType::Binary, false),
    ])
}

/// True when `t` is a type an image argument may have.
pub fn is_image_type(t: &DataType) -> bool {
    match t {
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => true,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Struct(f) => ["width", "height", "channels", "data"].iter().all(|n| f.find(n).is_some()),
        DataType::Null => true,
        _ => false,
    }
}

/// One row of an image column, borrowed.
pub enum ImageItem<'a> {
    Bytes(&'a [u8]),
    Pixels { width: i32, height: i32, channels: i32, data: &'a [u8] },
    Path(&'a str),
}

impl ImageItem<'_> {
    /// Where the image came from, for error messages.
    pub fn describe(&self, row: usize) -> String {
        match self {
            ImageItem::Path(p) if super::data_url::is_data_url(p) => format!("row {row} (a data: URL)"),
            ImageItem::Path(p) => format!("'{p}'"),
            _ => format!("row {row}"),
        }
    }

    fn read_path(p: &str) -> Result<Vec<u8>, UdfError> {
        if super::data_url::is_data_url(p) {
            return super::data_url::decode(p, MAX_FILE_BYTES);
        }
        if super::object_urls::is_object_url(p) {
            return super::object_urls::read(p, MAX_FILE_BYTES);
        }
        let path = p.strip_prefix("file://").unwrap_or(p);
        std::fs::read(path).map_err(|source| UdfError::Io { path: p.to_string(), source })
    }

    /// Decoded RGB8 pixels.
    pub fn rgb(&self) -> Result<Pixels, UdfError> {
        match self {
            ImageItem::Bytes(b) => Ok(codec::decode_rgb(b)?),
            ImageItem::Path(p) => Ok(codec::decode_rgb(&Self::read_path(p)?)?),
            ImageItem::Pixels { width, height, channels, data } => {
                let (w, h, c) = (dim(*width)?, dim(*height)?, u8::try_from(*channels).unwrap_or(0));
                Ok(codec::to_rgb(Pixels::new(w, h, c, data.to_vec())?))
            }
        }
    }

    pub fn header(&self) -> Result<ImageHeader, UdfError> {
        match self {
            ImageItem::Bytes(b) => Ok(codec::read_header(b)?),
            ImageItem::Path(p) => Ok(codec::read_header(&Self::read_path(p)?)?),
            ImageItem::Pixels { width, height, channels, .. } => {
                Ok(ImageHeader { width: dim(*width)?, height: dim(*height)?, channels: u8::try_from(*channels).unwrap_or(0), format: "pixels" })
            }
        }
    }
}

fn dim(v: i32) -> Result<u32, UdfError> {
    u32::try_from(v).map_err(|_| UdfError::Other(format!("negative image dimension {v}")))
}

/// Access to an image column of any accepted type. Pixel structs whose integer fields are
/// not Int32 (e.g. built with `named_struct` from Int64 literals) are normalised once here.
pub struct ImageColumn {
    array: ArrayRef,
    dims: Option<[Int32Array; 3]>,
}

impl ImageColumn {
    pub fn new(function: &str, array: &ArrayRef) -> Result<Self> {
        if !is_image_type(array.data_type()) {
            return Err(DataFusionError::Plan(format!("{function}(): expects an image (bytes, pixel struct or path), got {}", array.data_type())));
        }
        let dims = match array.data_type() {
            DataType::Struct(_) => {
                let s = array.as_struct();
                let int = |n: &str| -> Result<Int32Array> {
                    let c = s.column_by_name(n).ok_or_else(|| DataFusionError::Plan(format!("{function}(): pixel struct lacks '{n}'")))?;
                    Ok(cast(c, &DataType::Int32)?.as_primitive::<Int32Type>().clone())
                };
                Some([int("width")?, int("height")?, int("channels")?])
            }
            _ => None,
        };
        Ok(ImageColumn { array: array.clone(), dims })
    }

    pub fn len(&self) -> usize {
        self.array.len()
    }

    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<ImageItem<'_>> {
        let a = &self.array;
        if a.is_null(i) {
            return None;
        }
        Some(match a.data_type() {
            DataType::Binary => ImageItem::Bytes(a.as_binary::<i32>().value(i)),
            DataType::LargeBinary => ImageItem::Bytes(a.as_binary::<i64>().value(i)),
            DataType::BinaryView => ImageItem::Bytes(a.as_binary_view().value(i)),
            DataType::Utf8 => ImageItem::Path(a.as_string::<i32>().value(i)),
            DataType::LargeUtf8 => ImageItem::Path(a.as_string::<i64>().value(i)),
            DataType::Utf8View => ImageItem::Path(a.as_string_view().value(i)),
            DataType::Struct(_) => {
                let [w, h, c] = self.dims.as_ref()?;
                let data = a.as_struct().column_by_name("data").map(|c| binary_value(c, i)).unwrap_or(&[]);
                ImageItem::Pixels { width: w.value(i), height: h.value(i), channels: c.value(i), data }
            }
            _ => return None,
        })
    }

    /// Applies `f` to every non-null row on the rayon pool (decoding is CPU-bound), keeping
    /// row order. Errors name the function and the row or path.
    pub fn par_map<T: Send>(&self, function: &str, f: impl Fn(&ImageItem<'_>) -> Result<T, UdfError> + Sync + Send) -> Result<Vec<Option<T>>> {
        (0..self.len())
            .into_par_iter()
            .map(|i| match self.get(i) {
                None => Ok(None),
                Some(item) => f(&item).map(Some).map_err(|e| DataFusionError::Execution(format!("{function}(): {}: {e}", item.describe(i)))),
            })
            .collect()
    }
}

fn binary_value(c: &ArrayRef, i: usize) -> &[u8] {
    match c.data_type() {
        DataType::Binary => c.as_binary::<i32>().value(i),
        DataType::LargeBinary => c.as_binary::<i64>().value(i),
        DataType::BinaryView => c.as_binary_view().value(i),
        _ => &[],
    }
}

/// Builds a pixel-struct column.
pub fn pixels_array(rows: Vec<Option<Pixels>>) -> Result<ArrayRef> {
    let mut w = Int32Builder::with_capacity(rows.len());
    let mut h = Int32Builder::with_capacity(rows.len());
    let mut c = Int32Builder::with_capacity(rows.len());
    let mut d = BinaryBuilder::new();
    let mut nulls = Vec::with_capacity(rows.len());
    for r in &rows {
        match r {
            Some(p) => {
                w.append_value(p.width as i32);
                h.append_value(p.height as i32);
                c.append_value(p.channels as i32);
                d.append_value(&p.data);
                nulls.push(true);
            }
            None => {
                w.append_value(0);
                h.append_value(0);
                c.append_value(0);
                d.append_value([]);
                nulls.push(false);
            }
        }
    }
    let arrays: Vec<ArrayRef> = vec![Arc::new(w.finish()), Arc::new(h.finish()), Arc::new(c.finish()), Arc::new(d.finish())];
    Ok(Arc::new(StructArray::try_new(pixels_fields(), arrays, Some(nulls.into()))?))
}
