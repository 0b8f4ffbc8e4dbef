//! The winning recipe's training-image augmentations, ported from albumentations 1.4.22 running on
//! OpenCV 4.10 (uint8 paths), so a model trained here sees the images the Python seed saw.
//!
//! Each op takes explicit parameters (`*_with`/plain functions, compared against cv2 goldens in
//! the tests) and has a `random_*` wrapper that samples them the way albumentations does. The
//! random streams differ from Python's (Mt64 instead of `random.Random`/PCG64), only the
//! distributions match.

pub mod blur;
pub mod clahe;
pub mod coarse_dropout;
pub mod color;
pub mod cvt;
pub mod flips;
pub mod pipeline;
pub mod rng;
pub mod shift_scale_rotate;
pub mod yolox;

pub use pipeline::light_augmentation_train;

#[cfg(test)]
mod augment_goldens;

/// A random test image (uniform bytes from Mt64).
#[cfg(test)]
pub(crate) fn test_noise(w: usize, h: usize, seed: u64) -> Rgb {
    let mut r = rand_mt::Mt64::new(seed);
    Rgb::from_data(w, h, (0..w * h * 3).map(|_| r.next_u64() as u8).collect())
}

/// An RGB image, HWC, u8.
#[derive(Clone, Debug, PartialEq)]
pub struct Rgb {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Rgb {
    /// A black image.
    pub fn new(width: usize, height: usize) -> Rgb {
        Rgb { width, height, data: vec![0; width * height * 3] }
    }

    /// Wraps HWC bytes; panics when the length does not match, as that is a caller bug.
    pub fn from_data(width: usize, height: usize, data: Vec<u8>) -> Rgb {
        assert_eq!(data.len(), width * height * 3, "Rgb data length");
        Rgb { width, height, data }
    }

    /// Applies one 256-entry table to every channel value.
    pub(crate) fn map_lut(&self, lut: &[u8; 256]) -> Rgb {
        let data = self.data.iter().map(|&v| lut[v as usize]).collect();
        Rgb { width: self.width, height: self.height, data }
    }

    /// Applies `f` to every pixel, passing its column (some OpenCV kernels differ by column).
    pub(crate) fn map_pixels(&self, mut f: impl FnMut(usize, [u8; 3]) -> [u8; 3]) -> Rgb {
        let mut out = vec![0u8; self.data.len()];
        let row = self.width * 3;
        if row > 0 {
            for (s, d) in self.data.chunks_exact(row).zip(out.chunks_exact_mut(row)) {
                for (x, (p, q)) in s.chunks_exact(3).zip(d.chunks_exact_mut(3)).enumerate() {
                    q.copy_from_slice(&f(x, [p[0], p[1], p[2]]));
                }
            }
        }
        Rgb { width: self.width, height: self.height, data: out }
    }
}

/// Round half to even for |x| < 2^22 without a libm call (baseline x86-64 has no `roundss`, and
/// `f32::round_ties_even` then calls out): adding 1.5 * 2^23 leaves no fraction bits.
#[inline]
pub(crate) fn round_even(x: f32) -> f32 {
    const M: f32 = 12_582_912.0;
    (x + M) - M
}

/// OpenCV's BORDER_REFLECT_101 index (`gfedcb|abcdefgh|gfedcba`), total for any offset.
pub(crate) fn reflect101(mut p: isize, len: usize) -> usize {
    let n = len as isize;
    if n == 1 {
        return 0;
    }
    while p < 0 || p >= n {
        p = if p < 0 { -p } else { 2 * n - 2 - p };
    }
    p as usize
}
