//! The winning recipe's `light_augmentation_train` Compose, applied to an already resized square image.

use super::{Rgb, blur, clahe, coarse_dropout, color, flips, rng, shift_scale_rotate};
use rand_mt::Mt64;

/// albumentations OneOf: with probability `p` pick one op, weights normalised.
fn one_of(img: Rgb, rng: &mut Mt64, p: f64, weights: &[f64], apply: impl FnOnce(usize, &Rgb, &mut Mt64) -> Rgb) -> Rgb {
    if !rng::chance(rng, p) {
        return img;
    }
    let i = rng::weighted_index(rng, weights);
    apply(i, &img, rng)
}

/// Flip/turn, ShiftScaleRotate, one colour op, one blur/noise op, CoarseDropout, in that order.
/// `rot90` turns by 1 or 3 quarter turns as the winning recipe specifies (RandomRotate90 itself would also
/// draw 0 and 2). Never panics for images of at least 1x1; an empty image is returned as is.
pub fn light_augmentation_train(img: &Rgb, rng: &mut Mt64) -> Rgb {
    if img.data.is_empty() {
        return img.clone();
    }
    let size = img.width.max(img.height);
    let img = one_of(img.clone(), rng, 0.75, &[0.25, 0.25, 0.5], |i, im, rng| match i {
        0 => flips::hflip(im),
        1 => flips::vflip(im),
        _ => flips::rot90(im, if rng::chance(rng, 0.5) { 1 } else { 3 }),
    });
    let img = if rng::chance(rng, 0.5) { shift_scale_rotate::random_shift_scale_rotate(&img, rng) } else { img };
    let img = one_of(img, rng, 0.30, &[0.16, 0.16, 0.16, 0.16, 0.05, 0.16], |i, im, rng| match i {
        0 => color::random_brightness_contrast(im, rng),
        1 => color::random_gamma(im, rng),
        2 => color::random_hsv(im, rng),
        3 => color::random_color_jitter(im, rng),
        4 => color::to_gray(im),
        _ => clahe::random_clahe(im, rng),
    });
    let img = one_of(img, rng, 0.10, &[0.45, 0.45, 0.10], |i, im, rng| match i {
        0 => blur::random_gaussian_blur(im, rng),
        1 => blur::random_motion_blur(im, rng),
        _ => blur::random_gauss_noise(im, rng),
    });
    if rng::chance(rng, 0.25) { coarse_dropout::random_coarse_dropout(&img, size, rng) } else { img }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::augment::test_noise as noise;

    #[test]
    fn one_of_fires_with_albumentations_odds() {
        let mut rng = Mt64::new(4);
        let mut seen = [0usize; 3];
        let n = 200_000;
        for _ in 0..n {
            one_of(Rgb::new(1, 1), &mut rng, 0.3, &[0.16, 0.16, 0.05], |i, im, _| {
                seen[i] += 1;
                im.clone()
            });
        }
        // p * w / sum(w): 0.3 * 0.16 / 0.37 and 0.3 * 0.05 / 0.37.
        let f = |k: usize| seen[k] as f64 / n as f64;
        assert!((f(0) - 0.1297).abs() < 0.004 && (f(2) - 0.0405).abs() < 0.003, "{seen:?}");
    }

    #[test]
    fn deterministic_for_a_seed() {
        let img = noise(48, 48, 1);
        let run = |seed| {
            let mut rng = Mt64::new(seed);
            (0..30).map(|_| light_augmentation_train(&img, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
    }

    #[test]
    fn any_size_keeps_shape() {
        let mut rng = Mt64::new(7);
        for s in [1, 2, 3, 5, 8, 17, 64] {
            let img = noise(s, s, s as u64);
            for _ in 0..200 {
                let out = light_augmentation_train(&img, &mut rng);
                assert_eq!((out.width, out.height, out.data.len()), (s, s, s * s * 3));
            }
        }
        // Not square (not the pipeline's use, but nothing may panic).
        let img = noise(2, 3, 9);
        for _ in 0..200 {
            let out = light_augmentation_train(&img, &mut rng);
            assert_eq!(out.data.len(), 18);
        }
    }
}
