//! Images as PIL and OpenCV see them: decoding (libjpeg-turbo, as Pillow bundles), resampling,
//! colour conversion, PHash, statistics, crops, and folder listings.
pub mod codec;
pub mod crop_box;
pub mod cv_resize;
pub mod listing;
pub mod perceptual_hash;
pub mod pil_convert;
pub mod pil_decode;
pub mod pil_resample;
pub mod stats;

#[cfg(test)]
mod cv_resize_goldens;
#[cfg(test)]
mod decode_props;
#[cfg(test)]
mod phash_goldens;
