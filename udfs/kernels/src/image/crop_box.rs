//! Crop geometry of the winning recipe's `dump_boxes` (docs/pipeline.md §7.1): the box grown by a margin,
//! clipped to [0, W-1] x [0, H-1], sliced end-exclusive, so the last row and column of the
//! image are never part of a crop. A margin of -1 means the whole image, as the winning recipe used
//! for pseudo-labelled full images.
use super::codec::Pixels;
use crate::error::{KernelError, Result};

/// The end-exclusive crop window `(x1, y1, x2, y2)` for a box in image pixels.
pub fn window(width: u32, height: u32, x1: i64, y1: i64, x2: i64, y2: i64, margin: i64) -> (i64, i64, i64, i64) {
    let (w1, h1) = (width as i64 - 1, height as i64 - 1);
    if margin == -1 {
        return (0, 0, width as i64, height as i64);
    }
    ((x1 - margin).clamp(0, w1.max(0)), (y1 - margin).clamp(0, h1.max(0)), (x2 + margin).clamp(0, w1.max(0)), (y2 + margin).clamp(0, h1.max(0)))
}

/// Rounds a float box coordinate as numpy's `np.round` (half to even).
pub fn round_coord(v: f64) -> Result<i64> {
    if !v.is_finite() || v.abs() > 1e12 {
        return Err(KernelError::Other(format!("box coordinate {v} is not a finite pixel position")));
    }
    Ok(v.round_ties_even() as i64)
}

/// Copies the crop of `p` for a box (already integer pixels).
pub fn crop(p: &Pixels, x1: i64, y1: i64, x2: i64, y2: i64, margin: i64) -> Result<Pixels> {
    let (a, b, c, d) = window(p.width, p.height, x1, y1, x2, y2, margin);
    if c <= a || d <= b {
        return Err(KernelError::Other(format!("box ({x1}, {y1}, {x2}, {y2}) with margin {margin} leaves an empty crop of a {}x{} image", p.width, p.height)));
    }
    let ch = p.channels as usize;
    let (cw, chh) = ((c - a) as usize, (d - b) as usize);
    let stride = p.width as usize * ch;
    let mut out = Vec::with_capacity(cw * chh * ch);
    for row in b as usize..d as usize {
        let start = row * stride + a as usize * ch;
        out.extend_from_slice(&p.data[start..start + cw * ch]);
    }
    Pixels::new(cw as u32, chh as u32, p.channels, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_clip_and_end_exclusive_slicing_follow_the_seed() {
        // 10x8 RGB image whose red channel holds x and green holds y.
        let (w, h) = (10u32, 8u32);
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&[x as u8, y as u8, 0]);
            }
        }
        let p = Pixels::new(w, h, 3, data).unwrap();
        assert_eq!(window(w, h, 2, 2, 5, 5, 1), (1, 1, 6, 6));
        // Clipped to W-1 / H-1: the last column and row never enter a crop.
        assert_eq!(window(w, h, 0, 0, 9, 7, 16), (0, 0, 9, 7));
        let c = crop(&p, 0, 0, 9, 7, 16).unwrap();
        assert_eq!((c.width, c.height), (9, 7));
        assert_eq!(&c.data[..3], &[0, 0, 0]);
        let last = &c.data[c.data.len() - 3..];
        assert_eq!(last, &[8, 6, 0]);
        let c = crop(&p, 3, 2, 5, 4, 0).unwrap();
        assert_eq!((c.width, c.height), (2, 2));
        assert_eq!(&c.data[..3], &[3, 2, 0]);
        assert_eq!(window(w, h, 3, 3, 4, 4, -1), (0, 0, 10, 8));
        assert!(crop(&p, 20, 20, 30, 30, 0).is_err());
        assert_eq!(round_coord(2.5).unwrap(), 2);
        assert_eq!(round_coord(3.5).unwrap(), 4);
        assert_eq!(round_coord(-0.5).unwrap(), 0);
        assert!(round_coord(f64::NAN).is_err());
    }
}
