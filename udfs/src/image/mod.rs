//! Family `image`: the image value and functions over it. Kernels (`codec`) know nothing of
//! DataFusion; each SQL function lives in its own file.
pub mod codec;
pub mod value;

mod decode_image;
mod encode_png;
mod image_info;

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub const FAMILY: &str = "image";

pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(image_info::ImageInfo::default())),
        Arc::new(ScalarUDF::new_from_impl(decode_image::DecodeImage::default())),
        Arc::new(ScalarUDF::new_from_impl(encode_png::EncodePng::default())),
    ]
}
