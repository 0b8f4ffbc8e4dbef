//! Bit-exact ports of the Pillow (13.0.0) mode conversions used by imagededup's loader
//! (`src/libImaging/Convert.c` and the PNG raw-mode unpackers in `Unpack.c`).
//!
//! imagededup loads every image with `Image.open(...)`, then, when the mode is not `RGB`,
//! `img.convert("RGBA").convert("RGB")` (alpha is dropped, never composited), resizes, and
//! finally `convert("L")`.

/// Pillow's `rgb2l`: ITU-R 601-2 luma in 16.16 fixed point,
/// `(R*19595 + G*38470 + B*7471 + 0x8000) >> 16`.
#[inline]
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000) >> 16) as u8
}

/// RGB8 (3 bytes per pixel) -> `L`, exactly like Pillow's `Image.convert("L")`.
/// A trailing partial pixel is ignored.
pub fn rgb_to_l(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3).map(|p| luma(p[0], p[1], p[2])).collect()
}

/// `L` -> RGB (`l2rgb` to RGBA, then alpha dropped): replicate.
pub fn l_to_rgb(l: &[u8]) -> Vec<u8> {
    l.iter().flat_map(|&v| [v, v, v]).collect()
}

/// `LA` -> RGB (`la2rgb` to RGBA, then alpha dropped).
pub fn la_to_rgb(la: &[u8]) -> Vec<u8> {
    la.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0]]).collect()
}

/// `RGBA` -> RGB: the alpha byte is dropped (`rgba2rgb`, no compositing).
pub fn rgba_to_rgb(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect()
}

/// 16-bit grey PNG: Pillow opens it as mode `I;16` and `I;16 -> RGBA` saturates:
/// values > 255 become 255 (it does *not* take the high byte).
pub fn i16_to_rgb(v: &[u16]) -> Vec<u8> {
    v.iter()
        .flat_map(|&x| {
            let b = x.min(255) as u8;
            [b, b, b]
        })
        .collect()
}

/// 16-bit RGB / RGBA / LA PNGs: Pillow's `RGB;16B`, `RGBA;16B`, `LA;16B` unpackers keep the
/// most significant byte of each sample.
#[inline]
pub fn msb(x: u16) -> u8 {
    (x >> 8) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_matches_pillow_formula() {
        assert_eq!(luma(0, 0, 0), 0);
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(luma(255, 0, 0), 76);
        assert_eq!(luma(0, 255, 0), 150);
        assert_eq!(luma(0, 0, 255), 29);
        for v in 0..=255u8 {
            assert_eq!(luma(v, v, v), v);
        }
        assert_eq!(rgb_to_l(&[10, 20, 30, 40, 50]), vec![18]);
    }

    #[test]
    fn i16_saturates() {
        assert_eq!(i16_to_rgb(&[0, 100, 255, 256, 65535]), vec![0, 0, 0, 100, 100, 100, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
    }
}
