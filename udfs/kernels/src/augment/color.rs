//! RandomBrightnessContrast, RandomGamma, HueSaturationValue, ColorJitter and ToGray on the
//! uint8 paths of albumentations 1.4.22 / albucore (float32 lookup tables, truncating casts).

use super::{Rgb, cvt, rng, round_even};
use rand_mt::Mt64;

/// Truncating clip of a float32 LUT value: `np.clip(v, 0, 255).astype(np.uint8)`.
fn clip_u8(v: f32) -> u8 {
    v.clamp(0.0, 255.0) as u8
}

/// albucore `multiply_add` on uint8: `img * alpha + beta` through a float32 table.
fn multiply_add_lut(img: &Rgb, alpha: f64, beta: f64) -> Rgb {
    let (a, b) = (alpha as f32, beta as f32);
    let lut: [u8; 256] = std::array::from_fn(|i| clip_u8(i as f32 * a + b));
    img.map_lut(&lut)
}

/// RandomBrightnessContrast apply: `alpha` = 1 + contrast, `beta` = brightness * 255.
pub fn brightness_contrast(img: &Rgb, alpha: f64, beta: f64) -> Rgb {
    multiply_add_lut(img, alpha, beta)
}

/// RandomBrightnessContrast(brightness_limit 0.35, contrast_limit 0.5, brightness_by_max).
pub fn random_brightness_contrast(img: &Rgb, rng: &mut Mt64) -> Rgb {
    let alpha = 1.0 + rng::uniform(rng, -0.5, 0.5);
    let beta = rng::uniform(rng, -0.35, 0.35) * 255.0;
    brightness_contrast(img, alpha, beta)
}

/// RandomGamma apply with `gamma` already divided by 100.
pub fn gamma(img: &Rgb, gamma: f64) -> Rgb {
    let lut: [u8; 256] = std::array::from_fn(|i| ((i as f64 * (1.0 / 255.0)).powf(gamma) * 255.0) as u8);
    img.map_lut(&lut)
}

/// RandomGamma(gamma_limit (80, 110)).
pub fn random_gamma(img: &Rgb, rng: &mut Mt64) -> Rgb {
    gamma(img, rng::uniform(rng, 80.0, 110.0) / 100.0)
}

/// The hue table `np.mod(h + shift, 180).astype(uint8)` (float shift, truncating cast).
fn hue_lut(shift: f64) -> [u8; 256] {
    std::array::from_fn(|h| (h as f64 + shift).rem_euclid(180.0) as u8)
}

/// RGB -> HSV -> per-channel tables -> RGB, with cv2's uint8 conversions.
fn via_hsv(img: &Rgb, luts: &[[u8; 256]; 3]) -> Rgb {
    let w = img.width;
    img.map_pixels(|x, p| {
        let hsv = cvt::rgb_to_hsv(p);
        cvt::hsv_to_rgb(x, w, [luts[0][hsv[0] as usize], luts[1][hsv[1] as usize], luts[2][hsv[2] as usize]])
    })
}

/// `cv2.add` of a truncated scalar, saturating: the sat/val shift of shift_hsv.
fn add_lut(shift: f64) -> [u8; 256] {
    let s = shift.trunc() as i32;
    std::array::from_fn(|v| (v as i32 + s).clamp(0, 255) as u8)
}

/// HueSaturationValue apply (`fmain.shift_hsv`). Even zero shifts of one channel still pass the
/// image through HSV, which is lossy, exactly as albumentations does.
pub fn shift_hsv(img: &Rgb, hue: f64, sat: f64, val: f64) -> Rgb {
    if hue == 0.0 && sat == 0.0 && val == 0.0 {
        return img.clone();
    }
    let id: [u8; 256] = std::array::from_fn(|i| i as u8);
    let h = if hue != 0.0 { hue_lut(hue) } else { id };
    via_hsv(img, &[h, add_lut(sat), add_lut(val)])
}

/// HueSaturationValue(30, 30, 20).
pub fn random_hsv(img: &Rgb, rng: &mut Mt64) -> Rgb {
    let hue = rng::uniform(rng, -30.0, 30.0);
    let sat = rng::uniform(rng, -30.0, 30.0);
    let val = rng::uniform(rng, -20.0, 20.0);
    shift_hsv(img, hue, sat, val)
}

/// ToGray(weighted_average): cv2 RGB2GRAY copied to three channels.
pub fn to_gray(img: &Rgb) -> Rgb {
    img.map_pixels(|_, p| [cvt::rgb_to_gray(p); 3])
}

/// One ColorJitter draw: factors and the order (0 brightness, 1 contrast, 2 saturation, 3 hue).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JitterParams {
    pub brightness: f64,
    pub contrast: f64,
    pub saturation: f64,
    pub hue: f64,
    pub order: [usize; 4],
}

impl JitterParams {
    /// ColorJitter(0.2, 0.2, 0.2, 0.1): factors in [0.8, 1.2], hue in [-0.1, 0.1].
    pub fn sample(rng: &mut Mt64) -> JitterParams {
        let brightness = rng::uniform(rng, 0.8, 1.2);
        let contrast = rng::uniform(rng, 0.8, 1.2);
        let saturation = rng::uniform(rng, 0.8, 1.2);
        let hue = rng::uniform(rng, -0.1, 0.1);
        let mut order = [0, 1, 2, 3];
        rng::shuffle(rng, &mut order);
        JitterParams { brightness, contrast, saturation, hue, order }
    }
}

/// ColorJitter apply: albumentations' own uint8 versions of the torchvision adjustments.
pub fn color_jitter(img: &Rgb, p: &JitterParams) -> Rgb {
    let mut img = img.clone();
    for &op in &p.order {
        img = match op {
            0 => adjust_brightness(&img, p.brightness),
            1 => adjust_contrast(&img, p.contrast),
            2 => adjust_saturation(&img, p.saturation),
            _ => adjust_hue(&img, p.hue),
        };
    }
    img
}

/// ColorJitter(0.2, 0.2, 0.2, 0.1) with a fresh draw.
pub fn random_color_jitter(img: &Rgb, rng: &mut Mt64) -> Rgb {
    color_jitter(img, &JitterParams::sample(rng))
}

fn adjust_brightness(img: &Rgb, factor: f64) -> Rgb {
    if factor == 0.0 {
        return Rgb::new(img.width, img.height);
    }
    if factor == 1.0 {
        return img.clone();
    }
    let f = factor as f32;
    let lut: [u8; 256] = std::array::from_fn(|i| clip_u8(i as f32 * f));
    img.map_lut(&lut)
}

/// Blends towards the mean grey level of the cv2 grey image.
fn adjust_contrast(img: &Rgb, factor: f64) -> Rgb {
    if factor == 1.0 {
        return img.clone();
    }
    let sum: u64 = img.data.chunks_exact(3).map(|p| cvt::rgb_to_gray([p[0], p[1], p[2]]) as u64).sum();
    let mean = sum as f64 / (img.width * img.height) as f64;
    if factor == 0.0 {
        let m = (mean + 0.5) as u8;
        return Rgb::from_data(img.width, img.height, vec![m; img.data.len()]);
    }
    multiply_add_lut(img, factor, mean * (1.0 - factor))
}

/// `cv2.addWeighted(img, f, grey, 1 - f, 0)`; AVX2 OpenCV computes fma(img, f, grey * (1 - f))
/// in float32 and rounds half to even. The f64 sum below is exact, so casting it to f32 is
/// that single FMA rounding.
fn adjust_saturation(img: &Rgb, factor: f64) -> Rgb {
    if factor == 1.0 {
        return img.clone();
    }
    if factor == 0.0 {
        return to_gray(img);
    }
    let (alpha, beta) = (factor as f32, (1.0 - factor) as f32);
    let grey_part: [f32; 256] = std::array::from_fn(|g| g as f32 * beta);
    img.map_pixels(|_, p| {
        let g = grey_part[cvt::rgb_to_gray(p) as usize] as f64;
        p.map(|v| round_even((v as f64 * alpha as f64 + g) as f32) as u8)
    })
}

fn adjust_hue(img: &Rgb, factor: f64) -> Rgb {
    if factor == 0.0 {
        return img.clone();
    }
    let id: [u8; 256] = std::array::from_fn(|i| i as u8);
    via_hsv(img, &[hue_lut(180.0 * factor), id, id])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(w: usize, h: usize, v: u8) -> Rgb {
        Rgb::from_data(w, h, vec![v; w * h * 3])
    }

    fn is_grey(img: &Rgb) -> bool {
        img.data.chunks(3).all(|p| p[0] == p[1] && p[1] == p[2])
    }

    #[test]
    fn grey_stays_grey() {
        let mut rng = Mt64::new(11);
        for v in [0u8, 13, 128, 201, 255] {
            let img = grey(7, 5, v);
            for _ in 0..30 {
                assert!(is_grey(&random_brightness_contrast(&img, &mut rng)));
                assert!(is_grey(&random_gamma(&img, &mut rng)));
                // Hue shifts cannot colour a pixel without saturation; the sat shift can.
                assert!(is_grey(&shift_hsv(&img, rng::uniform(&mut rng, -30.0, 30.0), 0.0, 12.0)));
                assert!(is_grey(&random_color_jitter(&img, &mut rng)));
            }
            assert_eq!(to_gray(&img), img);
        }
    }

    #[test]
    fn neutral_parameters_are_identity() {
        let mut rng = Mt64::new(1);
        let img = Rgb::from_data(4, 3, (0..36).map(|_| rng.next_u64() as u8).collect());
        assert_eq!(brightness_contrast(&img, 1.0, 0.0), img);
        // numpy's (i * (1/255)) * 255 falls just short of i for 24 values, and truncates.
        let g = gamma(&Rgb::from_data(256, 1, (0..=255u8).flat_map(|v| [v; 3]).collect()), 1.0);
        let low: Vec<usize> = (0..256).filter(|&i| g.data[i * 3] as usize != i).collect();
        assert_eq!(low.len(), 24);
        assert!(low.iter().all(|&i| g.data[i * 3] as usize == i - 1) && low[0] == 33 && low[23] == 244);
        assert_eq!(shift_hsv(&img, 0.0, 0.0, 0.0), img);
        let p = JitterParams { brightness: 1.0, contrast: 1.0, saturation: 1.0, hue: 0.0, order: [3, 2, 1, 0] };
        assert_eq!(color_jitter(&img, &p), img);
    }

    #[test]
    fn tables_match_numpy_edges() {
        // np.mod(-1 + -0.5, 180) = 178.5 -> 178; np.clip(300.7) -> 255; trunc toward zero.
        assert_eq!(hue_lut(-0.5)[0], 179);
        assert_eq!(hue_lut(-1.5)[0], 178);
        assert_eq!(add_lut(-7.9)[5], 0);
        assert_eq!(add_lut(7.9)[250], 255);
        assert_eq!(add_lut(7.9)[10], 17);
        assert_eq!(clip_u8(254.99), 254);
    }
}
