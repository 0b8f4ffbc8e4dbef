//! Classifier input as the winning recipe's albumentations pipeline built it (docs/pipeline.md §8.2, §8.5):
//! square resize with OpenCV INTER_LANCZOS4 (aspect not kept), then Normalize as
//! albumentations computes it in float32: `(x - mean·255) · (1 / (std·255))`, RGB, CHW.
use crate::image::codec::Pixels;
use crate::image::cv_resize;

pub const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Writes one image's input (3·S·S values); `hflip` mirrors it left-right.
pub fn preprocess(rgb: &Pixels, size: usize, hflip: bool, out: &mut [f32]) {
    let resized = cv_resize::resize_lanczos4(&rgb.data, rgb.width as usize, rgb.height as usize, 3, size, size);
    normalize(&resized, size, hflip, out);
}

/// Normalises an already resized `size x size` RGB image into CHW (training and serving share
/// it, so validation logits equal classify()'s).
pub fn normalize(resized: &[u8], size: usize, hflip: bool, out: &mut [f32]) {
    let plane = size * size;
    let mean: [f32; 3] = MEAN.map(|m| m * 255.0);
    let inv: [f32; 3] = STD.map(|s| 1.0 / (s * 255.0));
    for y in 0..size {
        for x in 0..size {
            let sx = if hflip { size - 1 - x } else { x };
            let px = &resized[(y * size + sx) * 3..(y * size + sx) * 3 + 3];
            for c in 0..3 {
                out[c * plane + y * size + x] = (px[c] as f32 - mean[c]) * inv[c];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_albumentations_and_flips() {
        let mut data = vec![0u8; 2 * 2 * 3];
        data[..3].copy_from_slice(&[255, 128, 0]);
        let p = Pixels::new(2, 2, 3, data).unwrap();
        let mut plain = vec![0f32; 12];
        let mut flipped = vec![0f32; 12];
        preprocess(&Pixels::new(2, 2, 3, [10u8, 20, 30].repeat(4)).unwrap(), 2, false, &mut plain);
        let expect = (10.0f32 - 0.485f32 * 255.0) * (1.0 / (0.229f32 * 255.0));
        assert_eq!(plain[0], expect);
        preprocess(&p, 2, false, &mut plain);
        preprocess(&p, 2, true, &mut flipped);
        // Pixel (0,0) moves to (1,0) under the flip.
        assert_eq!(plain[0], flipped[1]);
        assert_eq!(plain[4], flipped[5]);
    }
}
