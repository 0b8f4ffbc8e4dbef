//! GaussianBlur(blur_limit (3, 5), sigma 0), MotionBlur(blur_limit (3, 5)) and
//! GaussNoise(var_limit (0, 2), mean 0, per_channel), with OpenCV's REFLECT_101 borders.

use super::{Rgb, reflect101, rng, round_even};
use rand_mt::Mt64;

/// Odd kernel size in [3, 5] (`sample_odd_from_range`).
fn sample_ksize(rng: &mut Mt64) -> usize {
    3 + 2 * rng::randint(rng, 0, 1) as usize
}

/// The image padded by `r` on every side with REFLECT_101, so kernels need no bounds checks.
fn pad_reflect(img: &Rgb, r: usize) -> (Vec<u8>, usize) {
    let (w, h) = (img.width, img.height);
    let pw = w + 2 * r;
    let cols: Vec<usize> = (0..pw).map(|x| reflect101(x as isize - r as isize, w)).collect();
    let mut out = Vec::with_capacity(pw * (h + 2 * r) * 3);
    for y in 0..h + 2 * r {
        let row = &img.data[reflect101(y as isize - r as isize, h) * w * 3..][..w * 3];
        for &x in &cols {
            out.extend_from_slice(&row[x * 3..x * 3 + 3]);
        }
    }
    (out, pw)
}

/// cv2.GaussianBlur(img, (k, k), 0) for k = 3 or 5. With sigma 0 OpenCV takes the binomial
/// kernels [1 2 1]/4 and [1 4 6 4 1]/16, exact in its 8-bit fixed point, so this integer form is
/// bit-exact (round half up).
pub fn gaussian_blur(img: &Rgb, ksize: usize) -> Rgb {
    let taps: &[u16] = if ksize == 3 { &[1, 2, 1] } else { &[1, 4, 6, 4, 1] };
    let r = taps.len() / 2;
    let shift = if ksize == 3 { 4 } else { 8 };
    let (w, h) = (img.width, img.height);
    let w3 = w * 3;
    let (src, pw) = pad_reflect(img, r);
    // Horizontal pass over every padded row (sums fit u16), vertical pass into the output.
    let mut tmp = vec![0u16; (h + 2 * r) * w3];
    for (s, t) in src.chunks_exact(pw * 3).zip(tmp.chunks_exact_mut(w3)) {
        for (j, &k) in taps.iter().enumerate() {
            for (o, &v) in t.iter_mut().zip(&s[j * 3..j * 3 + w3]) {
                *o += k * v as u16;
            }
        }
    }
    let mut data = vec![0u8; w * h * 3];
    let mut acc = vec![0u32; w3];
    for (y, d) in data.chunks_exact_mut(w3.max(1)).enumerate() {
        acc.fill(1 << (shift - 1));
        for (j, &k) in taps.iter().enumerate() {
            for (a, &v) in acc.iter_mut().zip(&tmp[(y + j) * w3..(y + j + 1) * w3]) {
                *a += k as u32 * v as u32;
            }
        }
        for (o, &a) in d.iter_mut().zip(&acc) {
            *o = (a >> shift) as u8;
        }
    }
    Rgb { width: w, height: h, data }
}

/// GaussianBlur(blur_limit (3, 5), sigma_limit 0).
pub fn random_gaussian_blur(img: &Rgb, rng: &mut Mt64) -> Rgb {
    gaussian_blur(img, sample_ksize(rng))
}

/// A square float32 kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    pub size: usize,
    pub weights: Vec<f32>,
}

/// `create_motion_kernel(k, angle, direction, allow_shifted=True)` normalised to sum 1 in
/// float32; `shift` are the two `uniform(-1, 1)` draws for the random offset.
pub fn motion_kernel(size: usize, angle: f64, direction: f64, shift: (f64, f64)) -> Kernel {
    let center = (size / 2) as f64;
    let (dy, dx) = angle.to_radians().sin_cos();
    let len = (size / 2) as f64;
    let n = size * 2;
    let step = (len - -len) / (n - 1) as f64;
    let (sx, sy) = (shift.0 * len / 2.0, shift.1 * len / 2.0);
    let mut hit = vec![false; size * size];
    for i in 0..n {
        let mut t = if i == n - 1 { len } else { i as f64 * step + -len };
        if direction != 0.0 {
            t *= 1.0 + direction.abs();
            if direction < 0.0 {
                t = -t;
            }
        }
        let clip = |v: f64| v.round_ties_even().clamp(0.0, (size - 1) as f64) as usize;
        let (x, y) = (clip(center + dx * t + sx), clip(center + dy * t + sy));
        hit[y * size + x] = true;
    }
    if !hit.iter().any(|&h| h) {
        hit[size / 2 * size + size / 2] = true;
    }
    let count = hit.iter().filter(|&&h| h).count();
    let wgt = 1.0f32 / count as f32;
    Kernel { size, weights: hit.iter().map(|&h| if h { wgt } else { 0.0 }).collect() }
}

/// cv2.filter2D(img, -1, kernel) on uint8 (correlation, centred anchor): OpenCV's AVX2 body
/// accumulates the non-zero taps in row-major order with float32 FMAs and rounds half to even.
pub fn convolve(img: &Rgb, k: &Kernel) -> Rgb {
    let r = k.size / 2;
    let (w, h) = (img.width, img.height);
    let w3 = w * 3;
    let (src, pw) = pad_reflect(img, r);
    let taps: Vec<(usize, f32)> = k.weights.iter().enumerate().filter(|(_, f)| **f != 0.0).map(|(i, &f)| (((i / k.size) * pw + i % k.size) * 3, f)).collect();
    let n = taps.len();
    let mut data = vec![0u8; w * h * 3];
    let uniform = n > 0 && taps.iter().all(|t| t.1 == 1.0 / n as f32);
    if !uniform {
        for (y, d) in data.chunks_exact_mut(w3.max(1)).enumerate() {
            for (i, o) in d.iter_mut().enumerate() {
                *o = fma_taps(taps.iter().map(|&(off, f)| (src[y * pw * 3 + off + i], f)));
            }
        }
        return Rgb { width: w, height: h, data };
    }
    // Equal taps 1/n (every motion kernel): the float sum is within 1e-4 of S/n, so it rounds like
    // the exact S/n except on ties S/n = q + 1/2, which replay OpenCV's float sequence.
    let round: Vec<Option<u8>> = (0..=255 * n).map(|s| if n.is_multiple_of(2) && s % n == n / 2 { None } else { Some(((s + n / 2) / n) as u8) }).collect();
    let mut acc = vec![0u16; w3];
    for (y, d) in data.chunks_exact_mut(w3.max(1)).enumerate() {
        acc.fill(0);
        for &(off, _) in &taps {
            let row = &src[y * pw * 3 + off..][..w3];
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += v as u16;
            }
        }
        for (i, (o, &s)) in d.iter_mut().zip(&acc).enumerate() {
            *o = match round[s as usize] {
                Some(q) => q,
                None => fma_taps(taps.iter().map(|&(off, f)| (src[y * pw * 3 + off + i], f))),
            };
        }
    }
    Rgb { width: w, height: h, data }
}

/// OpenCV's per-value float32 accumulation `acc = fma(x, f, acc)`, rounded half to even. Each
/// `x*f + acc` is exact in f64 (8-bit x, 24-bit f >= 1/25, |acc| < 2^9), so one cast to f32 is
/// the FMA's rounding, without a libm `fmaf` call.
fn fma_taps(taps: impl Iterator<Item = (u8, f32)>) -> u8 {
    let mut acc = 0.0f32;
    for (x, f) in taps {
        acc = (x as f64 * f as f64 + acc as f64) as f32;
    }
    round_even(acc.clamp(0.0, 255.0)) as u8
}

/// MotionBlur(blur_limit (3, 5)): angle in [0, 360), direction in [-1, 1), shifted line.
pub fn random_motion_blur(img: &Rgb, rng: &mut Mt64) -> Rgb {
    let k = sample_ksize(rng);
    let angle = rng::uniform(rng, 0.0, 360.0);
    let direction = rng::uniform(rng, -1.0, 1.0);
    let shift = (rng::uniform(rng, -1.0, 1.0), rng::uniform(rng, -1.0, 1.0));
    convolve(img, &motion_kernel(k, angle, direction, shift))
}

/// Adds per-value noise: `clip(img + trunc(noise))`, as albucore's uint8 add of a float map.
pub fn add_noise(img: &Rgb, mut noise: impl FnMut() -> f32) -> Rgb {
    // `as i32` truncates toward zero and saturates: no libm trunc call.
    let data = img.data.iter().map(|&v| (v as i32).saturating_add(noise() as i32).clamp(0, 255) as u8).collect();
    Rgb { width: img.width, height: img.height, data }
}

/// GaussNoise(var_limit=(0, 2), mean=0, per_channel=True) as 1.4.22 runs it: a var_limit above 1
/// is read as legacy uint8 variance and replaced by std_range (sqrt(10/255), sqrt(50/255)), so
/// sigma = sqrt(U(10/255, 50/255)) * 255, i.e. 50 to 113 grey levels, not sqrt(2).
pub fn random_gauss_noise(img: &Rgb, rng: &mut Mt64) -> Rgb {
    let (lo, hi) = ((10.0f64 / 255.0).sqrt(), (50.0f64 / 255.0).sqrt());
    let sigma = (rng::uniform(rng, lo * lo, hi * hi).sqrt() * 255.0) as f32;
    let mut spare: Option<f32> = None;
    add_noise(img, || match spare.take() {
        Some(z) => z * sigma,
        None => {
            let (a, b) = polar_pair(rng);
            spare = Some(b);
            a * sigma
        }
    })
}

/// Two standard normals by Marsaglia's polar method in f32 (one ln and sqrt per pair, no trig);
/// the noise is truncated to whole grey levels, so f32 precision is ample.
fn polar_pair(rng: &mut Mt64) -> (f32, f32) {
    loop {
        let bits = rng.next_u64();
        let u = (bits >> 40) as f32 * (2.0 / (1u32 << 24) as f32) - 1.0;
        let v = ((bits >> 16) & 0xff_ffff) as f32 * (2.0 / (1u32 << 24) as f32) - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            let m = (-2.0 * s.ln() / s).sqrt();
            return (u * m, v * m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::augment::test_noise as noise;

    #[test]
    fn flat_images_stay_flat() {
        let img = Rgb::from_data(6, 4, vec![77; 72]);
        for k in [3, 5] {
            assert_eq!(gaussian_blur(&img, k), img);
        }
        let mut rng = Mt64::new(2);
        for _ in 0..20 {
            assert_eq!(random_motion_blur(&img, &mut rng), img);
        }
    }

    #[test]
    fn kernels_are_normalised_lines() {
        let mut rng = Mt64::new(9);
        for _ in 0..200 {
            let k = sample_ksize(&mut rng);
            let shift = (rng::uniform(&mut rng, -1.0, 1.0), rng::uniform(&mut rng, -1.0, 1.0));
            let kern = motion_kernel(k, rng::uniform(&mut rng, 0.0, 360.0), rng::uniform(&mut rng, -1.0, 1.0), shift);
            let s: f32 = kern.weights.iter().sum();
            assert!((s - 1.0).abs() < 1e-5 && kern.weights.len() == k * k);
        }
    }

    #[test]
    fn tiny_images_do_not_panic() {
        let mut rng = Mt64::new(4);
        for (w, h) in [(1, 1), (2, 3), (3, 2), (1, 7)] {
            let img = noise(w, h, 1);
            for _ in 0..10 {
                for out in [random_gaussian_blur(&img, &mut rng), random_motion_blur(&img, &mut rng), random_gauss_noise(&img, &mut rng)] {
                    assert_eq!((out.width, out.height, out.data.len()), (w, h, w * h * 3));
                }
            }
        }
    }

    #[test]
    fn noise_truncates_and_clips() {
        let img = Rgb::from_data(1, 1, vec![10, 250, 100]);
        let vals = [-3.9f32, 9.7, -200.0];
        let mut i = 0;
        let out = add_noise(&img, || {
            i += 1;
            vals[i - 1]
        });
        assert_eq!(out.data, [7, 255, 0]);
    }

    #[test]
    fn polar_normals_have_unit_variance() {
        let mut rng = Mt64::new(12);
        let (mut s, mut s2) = (0.0f64, 0.0f64);
        for _ in 0..50_000 {
            let (a, b) = polar_pair(&mut rng);
            s += (a + b) as f64;
            s2 += (a * a + b * b) as f64;
        }
        let (mean, var) = (s / 100_000.0, s2 / 100_000.0);
        assert!(mean.abs() < 0.02 && (var - 1.0).abs() < 0.03, "{mean} {var}");
    }

    #[test]
    fn uniform_and_general_convolution_agree() {
        // The integer fast path must equal the float replay it shortcuts, ties included.
        let img = noise(23, 11, 5);
        let mut rng = Mt64::new(6);
        for _ in 0..300 {
            let k = sample_ksize(&mut rng);
            let shift = (rng::uniform(&mut rng, -1.0, 1.0), rng::uniform(&mut rng, -1.0, 1.0));
            let kern = motion_kernel(k, rng::uniform(&mut rng, 0.0, 360.0), rng::uniform(&mut rng, -1.0, 1.0), shift);
            let fast = convolve(&img, &kern);
            let (src, pw) = pad_reflect(&img, k / 2);
            let taps: Vec<(usize, f32)> = kern.weights.iter().enumerate().filter(|t| *t.1 != 0.0).map(|(i, &f)| (((i / k) * pw + i % k) * 3, f)).collect();
            for y in 0..11 {
                for i in 0..23 * 3 {
                    let slow = fma_taps(taps.iter().map(|&(off, f)| (src[y * pw * 3 + off + i], f)));
                    assert_eq!(fast.data[y * 69 + i], slow);
                }
            }
        }
    }

    #[test]
    fn noise_strength_is_the_legacy_one() {
        let img = Rgb::from_data(64, 64, vec![128; 64 * 64 * 3]);
        let mut rng = Mt64::new(8);
        let out = random_gauss_noise(&img, &mut rng);
        let n = out.data.len() as f64;
        let mean = out.data.iter().map(|&v| v as f64).sum::<f64>() / n;
        let sd = (out.data.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!(sd > 40.0 && sd < 100.0, "sd {sd}");
    }
}
