//! Camera-like JPEG encoding through libjpeg-turbo (deterministic for identical input and
//! settings, which the byte-identical-output guarantee relies on).

use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

#[derive(Clone, Copy, Debug)]
pub(crate) struct JpegSettings {
    pub quality: i32,
    pub progressive: bool,
}

pub(crate) fn encode(rgb: &[u8], w: usize, h: usize, s: JpegSettings) -> Result<Vec<u8>, turbojpeg::Error> {
    let mut c = Compressor::new()?;
    c.set_quality(s.quality)?;
    // Microscope cameras write 4:2:0; keeping it matters for colour-edge statistics.
    c.set_subsamp(Subsamp::Sub2x2)?;
    c.set_progressive(s.progressive)?;
    c.compress_to_vec(Image { pixels: rgb, width: w, pitch: w * 3, height: h, format: PixelFormat::RGB })
}
