//! Image kernels: no DataFusion types here. JPEG goes through libjpeg-turbo (the decoder PIL
//! bundles), so pixels match PIL exactly; everything else through the `image` crate.
use crate::error::{KernelError, Result};

/// Decoded pixels, row-major, interleaved, 8 bits per channel (RGB unless said otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub data: Vec<u8>,
}

impl Pixels {
    pub fn new(width: u32, height: u32, channels: u8, data: Vec<u8>) -> Result<Self> {
        let expected = width as usize * height as usize * channels as usize;
        if data.len() != expected || !(channels == 1 || channels == 3 || channels == 4) {
            return Err(KernelError::Other(format!("pixel buffer of {} bytes does not match {width}x{height}x{channels}", data.len())));
        }
        Ok(Pixels { width, height, channels, data })
    }
}

/// What a file's header says, without decoding pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageHeader {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub format: &'static str,
}

pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.len() > 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
}

pub fn read_header(bytes: &[u8]) -> Result<ImageHeader> {
    if is_jpeg(bytes) {
        let h = turbojpeg::read_header(bytes).map_err(|e| bad(format!("invalid JPEG: {e}")))?;
        let channels = if matches!(h.colorspace, turbojpeg::Colorspace::Gray) { 1 } else { 3 };
        return Ok(ImageHeader { width: h.width as u32, height: h.height as u32, channels, format: "jpeg" });
    }
    let format = image::guess_format(bytes).map_err(|_| bad("not a JPEG, PNG or other known image format".into()))?;
    let reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let decoder = reader.into_decoder().map_err(|e| bad(e.to_string()))?;
    use image::ImageDecoder;
    let (w, h) = decoder.dimensions();
    let channels = decoder.color_type().channel_count();
    Ok(ImageHeader { width: w, height: h, channels, format: format_name(format) })
}

/// Decodes to RGB8 exactly as PIL's `Image.open(f).convert("RGBA").convert("RGB")` does (see
/// `pil_decode`: libjpeg-turbo for JPEG, PIL's mode conversions for PNG).
pub fn decode_rgb(bytes: &[u8]) -> Result<Pixels> {
    let img = super::pil_decode::decode_rgb(bytes).map_err(|e| bad(e.to_string()))?;
    Pixels::new(img.width, img.height, 3, img.rgb)
}

/// Brings any pixel buffer to RGB8 (grey replicated, alpha dropped).
pub fn to_rgb(p: Pixels) -> Pixels {
    match p.channels {
        3 => p,
        1 => {
            let data = p.data.iter().flat_map(|&g| [g, g, g]).collect();
            Pixels { channels: 3, data, ..p }
        }
        _ => {
            let data = p.data.chunks_exact(4).flat_map(|px| [px[0], px[1], px[2]]).collect();
            Pixels { channels: 3, data, ..p }
        }
    }
}

pub fn encode_png(p: &Pixels) -> Result<Vec<u8>> {
    let color = match p.channels {
        1 => image::ExtendedColorType::L8,
        3 => image::ExtendedColorType::Rgb8,
        _ => image::ExtendedColorType::Rgba8,
    };
    let mut out = Vec::new();
    image::ImageEncoder::write_image(image::codecs::png::PngEncoder::new(&mut out), &p.data, p.width, p.height, color)
        .map_err(|e| KernelError::Other(format!("PNG encoding failed: {e}")))?;
    Ok(out)
}

/// JPEG as PIL's `Image.save(f, "JPEG")` defaults: quality 75, 4:2:0 subsampling (libjpeg-turbo).
pub fn encode_jpeg(p: &Pixels, quality: i32) -> Result<Vec<u8>> {
    let rgb = to_rgb(p.clone());
    let fail = |e: turbojpeg::Error| KernelError::Other(format!("JPEG encoding failed: {e}"));
    let mut c = turbojpeg::Compressor::new().map_err(fail)?;
    c.set_quality(quality).map_err(fail)?;
    c.set_subsamp(turbojpeg::Subsamp::Sub2x2).map_err(fail)?;
    let (w, h) = (rgb.width as usize, rgb.height as usize);
    c.compress_to_vec(turbojpeg::Image { pixels: rgb.data.as_slice(), width: w, pitch: w * 3, height: h, format: turbojpeg::PixelFormat::RGB }).map_err(fail)
}

fn format_name(f: image::ImageFormat) -> &'static str {
    match f {
        image::ImageFormat::Png => "png",
        image::ImageFormat::Jpeg => "jpeg",
        image::ImageFormat::Gif => "gif",
        image::ImageFormat::Bmp => "bmp",
        image::ImageFormat::Tiff => "tiff",
        image::ImageFormat::WebP => "webp",
        _ => "other",
    }
}

fn bad(message: String) -> KernelError {
    KernelError::Decode(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> Pixels {
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&[(x * 7) as u8, (y * 5) as u8, ((x + y) * 3) as u8]);
            }
        }
        Pixels::new(w, h, 3, data).unwrap()
    }

    #[test]
    fn png_round_trip_is_lossless() {
        let p = gradient(13, 7);
        let png = encode_png(&p).unwrap();
        assert_eq!(read_header(&png).unwrap(), ImageHeader { width: 13, height: 7, channels: 3, format: "png" });
        assert_eq!(decode_rgb(&png).unwrap(), p);
    }

    #[test]
    fn jpeg_decodes_through_turbojpeg() {
        let p = gradient(32, 16);
        let img = turbojpeg::Image { pixels: p.data.as_slice(), width: 32, pitch: 96, height: 16, format: turbojpeg::PixelFormat::RGB };
        let jpg = turbojpeg::compress(img, 95, turbojpeg::Subsamp::Sub2x2).unwrap();
        let h = read_header(&jpg).unwrap();
        assert_eq!((h.width, h.height, h.format), (32, 16, "jpeg"));
        let d = decode_rgb(&jpg).unwrap();
        assert_eq!(d.data.len(), 32 * 16 * 3);
        let max_err = d.data.iter().zip(&p.data).map(|(a, b)| (*a as i32 - *b as i32).abs()).max().unwrap();
        assert!(max_err < 40, "lossy but close, got max error {max_err}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [&b""[..], b"\xFF\xD8\xFF\x00garbage", b"hello world", b"\x89PNG\r\n\x1a\n"] {
            assert!(decode_rgb(bytes).is_err());
            assert!(read_header(bytes).is_err());
        }
    }

    #[test]
    fn grey_and_rgba_become_rgb() {
        let g = to_rgb(Pixels::new(2, 1, 1, vec![10, 200]).unwrap());
        assert_eq!(g.data, vec![10, 10, 10, 200, 200, 200]);
        let a = to_rgb(Pixels::new(1, 1, 4, vec![1, 2, 3, 4]).unwrap());
        assert_eq!(a.data, vec![1, 2, 3]);
    }
}
