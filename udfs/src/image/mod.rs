//! Family `image`: the image value and functions over it. Kernels (`codec`) know nothing of
//! DataFusion; each SQL function lives in its own file.
pub mod box_args;
mod data_url;
pub mod object_urls;
pub mod value;

mod crop;
mod decode_image;
mod encode_png;
mod image_info;
mod phash;
mod read_images;

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub const FAMILY: &str = "image";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Image functions");

/// The family's scalar functions.
pub fn scalar_functions() -> Vec<(crate::access::Effect, Arc<ScalarUDF>)> {
    vec![
        (image_info::EFFECT, Arc::new(ScalarUDF::new_from_impl(image_info::ImageInfo::default()))),
        (decode_image::EFFECT, Arc::new(ScalarUDF::new_from_impl(decode_image::DecodeImage::default()))),
        (encode_png::EFFECT, Arc::new(ScalarUDF::new_from_impl(encode_png::EncodePng::default()))),
        (phash::EFFECT, Arc::new(ScalarUDF::new_from_impl(phash::Phash::default()))),
        (crop::EFFECT, Arc::new(ScalarUDF::new_from_impl(crop::Crop::default()))),
    ]
}

pub fn table_functions() -> Vec<crate::tablefn::TableFnRef> {
    vec![Arc::new(read_images::ReadImages)]
}
