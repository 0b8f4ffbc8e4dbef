//! RGB → grey conversion, bit-exact with `cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)` for `uint8`.
//!
//! OpenCV 4.x converts 8-bit RGB to grey with 15-bit fixed-point coefficients
//! (`RY15 = 9798`, `GY15 = 19235`, `BY15 = 3735`, i.e. 0.299/0.587/0.114 · 2¹⁵ rounded) and
//! round-half-up: `Y = (9798·R + 19235·G + 3735·B + 2¹⁴) >> 15`. (The 14-bit variant
//! `(4899·R + 9617·G + 1868·B + 2¹³) >> 14` differs on 43,864 of the 2²⁴ colours; the
//! 15-bit formula was checked against cv2 4.10.0.84 on all 2²⁴ colours, see
//! `scripts/goldens/background_goldens.py`.)

/// Red weight of OpenCV's 15-bit fixed-point RGB→grey conversion.
const RY15: u32 = 9798;
/// Green weight.
const GY15: u32 = 19235;
/// Blue weight.
const BY15: u32 = 3735;

/// Grey level of one RGB pixel, exactly as OpenCV's 8-bit `RGB2GRAY`.
#[inline]
pub fn grey_of(r: u8, g: u8, b: u8) -> u8 {
    // Max value: 255 * 32768 + 16384 < 2^32, and the result is <= 255.
    ((RY15 * r as u32 + GY15 * g as u32 + BY15 * b as u32 + (1 << 14)) >> 15) as u8
}

/// Converts interleaved RGB bytes (`3 · n` values) into `n` grey levels
/// (`cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)`). A trailing partial pixel is ignored.
pub fn rgb_to_grey(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3).map(|p| grey_of(p[0], p[1], p[2])).collect()
}
