//! CoarseDropout(max_holes 3, max_height = max_width = size/6, fill 0) as 1.4.22 reads it:
//! without min_* the deprecated args become fixed ranges (3, 3) and (size/6, size/6), so every
//! application cuts exactly three size/6 squares.

use super::{Rgb, rng};
use rand_mt::Mt64;

/// A hole, half-open: columns x0..x1, rows y0..y1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hole {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

/// Places `n` holes of `hole_w` x `hole_h` (clamped to the image) uniformly inside the image.
pub fn sample_holes(rng: &mut Mt64, width: usize, height: usize, n: usize, hole_w: usize, hole_h: usize) -> Vec<Hole> {
    let (hw, hh) = (hole_w.min(width), hole_h.min(height));
    (0..n)
        .map(|_| {
            let y0 = rng::randint(rng, 0, (height - hh) as i64) as usize;
            let x0 = rng::randint(rng, 0, (width - hw) as i64) as usize;
            Hole { x0, y0, x1: x0 + hw, y1: y0 + hh }
        })
        .collect()
}

/// Fills the holes with 0.
pub fn cut_holes(img: &Rgb, holes: &[Hole]) -> Rgb {
    let mut out = img.clone();
    for h in holes {
        for y in h.y0..h.y1.min(img.height) {
            let row = &mut out.data[y * img.width * 3..][..img.width * 3];
            row[h.x0 * 3..h.x1.min(img.width) * 3].fill(0);
        }
    }
    out
}

/// The winning recipe's CoarseDropout for a `size` x `size` image.
pub fn random_coarse_dropout(img: &Rgb, size: usize, rng: &mut Mt64) -> Rgb {
    let holes = sample_holes(rng, img.width, img.height, 3, size / 6, size / 6);
    cut_holes(img, &holes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_only_inside_holes() {
        let mut rng = Mt64::new(3);
        let img = Rgb::from_data(50, 40, vec![9; 50 * 40 * 3]);
        for _ in 0..50 {
            let holes = sample_holes(&mut rng, 50, 40, 3, 8, 8);
            let out = cut_holes(&img, &holes);
            for y in 0..40 {
                for x in 0..50 {
                    let inside = holes.iter().any(|h| (h.x0..h.x1).contains(&x) && (h.y0..h.y1).contains(&y));
                    let px = &out.data[(y * 50 + x) * 3..][..3];
                    assert_eq!(px, if inside { [0, 0, 0] } else { [9, 9, 9] });
                }
            }
            assert!(holes.iter().all(|h| h.x1 - h.x0 == 8 && h.y1 - h.y0 == 8 && h.x1 <= 50 && h.y1 <= 40));
        }
    }

    #[test]
    fn tiny_images() {
        let mut rng = Mt64::new(1);
        for (w, h) in [(1, 1), (2, 3), (5, 5), (6, 6)] {
            let img = Rgb::from_data(w, h, vec![1; w * h * 3]);
            let out = random_coarse_dropout(&img, w, &mut rng);
            assert_eq!(out.data.len(), w * h * 3);
        }
    }
}
