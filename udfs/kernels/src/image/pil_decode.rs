//! Decode image bytes to RGB8 the way imagededup's `load_image` sees them:
//! `Image.open(path)` (Pillow 13, format sniffed from the content, not the file name), then
//! `convert("RGBA").convert("RGB")` for every mode other than `RGB`.
//!
//! * JPEG: libjpeg-turbo (TurboJPEG API, `PixelFormat::RGB`, default flags = accurate integer
//!   IDCT and fancy upsampling, as in Pillow's decoder). Greyscale JPEGs are replicated to RGB.
//!   CMYK/YCCK JPEGs are rejected (Pillow would decode them via its own CMYK conversion).
//! * PNG: the `image` crate (palette and tRNS expanded, low bit depths scaled to 8 bits like
//!   Pillow's `L;2`/`L;4`/`1` unpackers), then Pillow's conversions: alpha dropped, 16-bit
//!   RGB/RGBA/LA keep the most significant byte, 16-bit grey (`I;16`) saturates at 255.
//! * Anything else (including BMP/GIF/TIFF/WEBP, which imagededup would accept) is an error.

use super::perceptual_hash::PhashError;
use super::pil_convert;

/// Pillow refuses images above `2 * Image.MAX_IMAGE_PIXELS` (`DecompressionBombError`);
/// imagededup then returns no hash.
pub const MAX_PIXELS: u64 = 2 * 89_478_485;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A decoded image: RGB8, row-major, 3 bytes per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// Decode JPEG or PNG bytes to RGB8 exactly as imagededup/Pillow would.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, PhashError> {
    if bytes.is_empty() {
        return Err(PhashError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        decode_jpeg(bytes)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        decode_png(bytes)
    } else {
        Err(PhashError::UnknownFormat)
    }
}

fn check_size(width: u64, height: u64) -> Result<(), PhashError> {
    if width == 0 || height == 0 {
        return Err(PhashError::Unsupported(format!("empty image {width}x{height}")));
    }
    if width.saturating_mul(height) > MAX_PIXELS {
        return Err(PhashError::TooLarge { width, height });
    }
    Ok(())
}

fn decode_jpeg(bytes: &[u8]) -> Result<RgbImage, PhashError> {
    use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat};
    let jerr = |e: turbojpeg::Error| PhashError::Jpeg(e.to_string());
    let mut dec = Decompressor::new().map_err(jerr)?;
    let header = dec.read_header(bytes).map_err(jerr)?;
    match header.colorspace {
        Colorspace::CMYK | Colorspace::YCCK => {
            return Err(PhashError::Unsupported("CMYK/YCCK JPEG".into()));
        }
        _ => {}
    }
    if header.is_lossless {
        return Err(PhashError::Unsupported("lossless JPEG".into()));
    }
    check_size(header.width as u64, header.height as u64)?;
    let (w, h) = (header.width, header.height);
    let mut pixels = vec![0u8; w * h * 3];
    let image = Image { pixels: pixels.as_mut_slice(), width: w, pitch: w * 3, height: h, format: PixelFormat::RGB };
    dec.decompress(bytes, image).map_err(jerr)?;
    Ok(RgbImage { width: w as u32, height: h as u32, rgb: pixels })
}

fn decode_png(bytes: &[u8]) -> Result<RgbImage, PhashError> {
    use image::DynamicImage as D;
    use image::ImageDecoder;

    let perr = |e: image::ImageError| PhashError::Png(e.to_string());
    let decoder = image::codecs::png::PngDecoder::new(std::io::Cursor::new(bytes)).map_err(perr)?;
    let (w, h) = decoder.dimensions();
    check_size(u64::from(w), u64::from(h))?;
    let img = D::from_decoder(decoder).map_err(perr)?;
    let rgb = match img {
        D::ImageRgb8(b) => b.into_raw(),
        D::ImageRgba8(b) => pil_convert::rgba_to_rgb(b.as_raw()),
        D::ImageLuma8(b) => pil_convert::l_to_rgb(b.as_raw()),
        D::ImageLumaA8(b) => pil_convert::la_to_rgb(b.as_raw()),
        D::ImageLuma16(b) => pil_convert::i16_to_rgb(b.as_raw()),
        D::ImageLumaA16(b) => b
            .as_raw()
            .chunks_exact(2)
            .flat_map(|p| {
                let v = pil_convert::msb(p[0]);
                [v, v, v]
            })
            .collect(),
        D::ImageRgb16(b) => b.as_raw().iter().map(|&v| pil_convert::msb(v)).collect(),
        D::ImageRgba16(b) => b.as_raw().chunks_exact(4).flat_map(|p| [pil_convert::msb(p[0]), pil_convert::msb(p[1]), pil_convert::msb(p[2])]).collect(),
        other => {
            return Err(PhashError::Unsupported(format!("PNG colour type {:?}", other.color())));
        }
    };
    if rgb.len() != (w as usize) * (h as usize) * 3 {
        return Err(PhashError::Png("decoded buffer has unexpected size".into()));
    }
    Ok(RgbImage { width: w, height: h, rgb })
}
