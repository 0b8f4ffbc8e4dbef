//! OpenCV 4.10 `cvtColor` for 8-bit RGB <-> GRAY / HSV (H in [0,180)) / Lab, ported bit for bit
//! as the x86-64 opencv-python wheel runs them on an AVX2 CPU (checked over every 8-bit input by
//! tests/exhaustive.rs), since the colour augmentations round-trip through them and their
//! rounding is part of what the model saw.

use super::round_even;
use std::sync::OnceLock;

/// Pixels per iteration of OpenCV's AVX2 HSV2RGB_b body; the rest of a row runs the scalar
/// tail, which rounds where the body truncates, so the column decides the result.
const SIMD_BLOCK: usize = 32;

#[inline]
fn in_simd_body(x: usize, width: usize) -> bool {
    x < width - width % SIMD_BLOCK
}

/// RGB2GRAY: fixed point with 15 fractional bits, as the 4.10 wheel computes it (the 14-bit
/// 4899/9617/1868 table of older OpenCV differs on 0.26% of colours).
#[inline]
pub fn rgb_to_gray(p: [u8; 3]) -> u8 {
    ((p[0] as u32 * 9798 + p[1] as u32 * 19235 + p[2] as u32 * 3735 + (1 << 14)) >> 15) as u8
}

struct HsvTabs {
    sdiv: [i32; 256],
    hdiv: [i32; 256],
}

fn hsv_tabs() -> &'static HsvTabs {
    static T: OnceLock<HsvTabs> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = HsvTabs { sdiv: [0; 256], hdiv: [0; 256] };
        for i in 1..256 {
            t.sdiv[i] = ((255 << 12) as f64 / i as f64).round_ties_even() as i32;
            t.hdiv[i] = ((180 << 12) as f64 / (6.0 * i as f64)).round_ties_even() as i32;
        }
        t
    })
}

/// RGB2HSV_b (integer; its SIMD body and scalar tail agree).
#[inline]
pub fn rgb_to_hsv(p: [u8; 3]) -> [u8; 3] {
    let t = hsv_tabs();
    let (r, g, b) = (p[0] as i32, p[1] as i32, p[2] as i32);
    let v = r.max(g).max(b);
    let diff = v - r.min(g).min(b);
    let s = (diff * t.sdiv[v as usize] + (1 << 11)) >> 12;
    let h = if v == r {
        g - b
    } else if v == g {
        b - r + 2 * diff
    } else {
        r - g + 4 * diff
    };
    let mut h = (h * t.hdiv[diff as usize] + (1 << 11)) >> 12;
    if h < 0 {
        h += 180;
    }
    [h.clamp(0, 255) as u8, s as u8, v as u8]
}

/// HSV2RGB_b for the pixel at column `x` of a row `width` wide. OpenCV 4.10's SIMD body
/// truncates where its scalar tail rounds, so the column decides which one OpenCV ran.
#[inline]
pub fn hsv_to_rgb(x: usize, width: usize, p: [u8; 3]) -> [u8; 3] {
    if in_simd_body(x, width) { hsv_to_rgb_simd(p) } else { hsv_to_rgb_scalar(p) }
}

const HSCALE: f32 = 6.0 / 180.0;

fn hsv_to_rgb_simd(p: [u8; 3]) -> [u8; 3] {
    let s = p[1] as f32 * (1.0 / 255.0);
    let v = p[2] as f32 * (1.0 / 255.0);
    let h = p[0] as f32 * HSCALE;
    let pre = h as i32; // h >= 0: the cast is trunc
    let f = h - pre as f32;
    let tab = [v, v * (1.0 - s), v * one_minus(s, f), v * one_minus(s, 1.0 - f)];
    let [r, g, b] = pick(&tab, (pre % 6) as usize);
    let cvt = |c: f32| (c * 255.0) as u8; // truncating, saturating
    [cvt(r), cvt(g), cvt(b)]
}

fn hsv_to_rgb_scalar(p: [u8; 3]) -> [u8; 3] {
    let s = p[1] as f32 * (1.0 / 255.0);
    let v = p[2] as f32 * (1.0 / 255.0);
    let [r, g, b] = if s == 0.0 {
        [v, v, v]
    } else {
        let h = p[0] as f32 * HSCALE;
        let sector = h as i32;
        let f = h - sector as f32;
        let tab = [v, v * (1.0 - s), v * one_minus(s, f), v * one_minus(s, 1.0 - f)];
        pick(&tab, (sector % 6) as usize)
    };
    let cvt = |c: f32| round_even(c * 255.0) as u8;
    [cvt(r), cvt(g), cvt(b)]
}

/// `1 - s*x` as one float32 FMA: GCC fuses it in OpenCV's AVX2 build (body and tail alike).
/// The f64 product is exact; the exhaustive test confirms the two roundings never differ from
/// one here, and this avoids a libm `fmaf` call per pixel.
#[inline]
fn one_minus(s: f32, x: f32) -> f32 {
    (1.0 - s as f64 * x as f64) as f32
}

/// OpenCV's `sector_data` (stored b,g,r) returned as r,g,b.
#[inline]
fn pick(tab: &[f32; 4], sector: usize) -> [f32; 3] {
    const SECTOR: [[usize; 3]; 6] = [[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]];
    let [b, g, r] = SECTOR[sector.min(5)];
    [tab[r], tab[g], tab[b]]
}

// ---------------------------------------------------------------- Lab (integer 8u path)

/// sRGB -> XYZ (D65) and back, as OpenCV's raw double constants.
const RGB2XYZ: [u64; 9] = [
    0x3fda65a14488c60d,
    0x3fd6e297396d0918,
    0x3fc71819d2391d58, //
    0x3fcb38cda6e75ff6,
    0x3fe6e297396d0918,
    0x3fb279aae6c8f755, //
    0x3f93cc4ac6cdaf4b,
    0x3fbe836eb4e98138,
    0x3fee68427418d691,
];
const XYZ2RGB: [u64; 9] = [
    0x4009ec804102ff8f,
    0xbff8982a9930be0e,
    0xbfdfe7ff583a53b9, //
    0xbfef042528ae74f3,
    0x3ffe040f23897204,
    0x3fa546d3f9e7b80b, //
    0x3fac7de5082cf52c,
    0xbfca1e14bdfd2631,
    0x3ff0eabef06b3786,
];
const WHITE: [u64; 3] = [0x3fee6a22b3892ee8, 0x3ff0000000000000, 0x3ff16b8950763a19];
const BASE: i32 = 1 << 14;
const MIN_AB: i32 = -8145;

/// Tables of OpenCV's integer Lab path, built once.
pub struct LabTabs {
    gamma: [u16; 256],
    cbrt: Vec<u16>,      // 3072
    inv_gamma: Vec<u16>, // 4096
    y_fy: [(i32, i32); 256],
    ab_to_xz: Vec<i32>, // BASE*9/4
    to_xyz: [[i32; 3]; 3],
    to_rgb: [[i32; 3]; 3],
}

fn f(bits: u64) -> f64 {
    f64::from_bits(bits)
}

fn round_f32(x: f32) -> i32 {
    x.round_ties_even() as i32
}

fn apply_gamma(x: f32) -> f32 {
    let x = x as f64;
    if x <= 809.0 / 20000.0 { (x / (323.0 / 25.0)) as f32 } else { ((x + 11.0 / 200.0) / (1.0 + 11.0 / 200.0)).powf(12.0 / 5.0) as f32 }
}

fn apply_inv_gamma(x: f32) -> f32 {
    let x = x as f64;
    if x <= 7827.0 / 2500000.0 { (x * (323.0 / 25.0)) as f32 } else { (x.powf(1.0 / (12.0 / 5.0)) * (1.0 + 11.0 / 200.0) - 11.0 / 200.0) as f32 }
}

pub fn lab_tabs() -> &'static LabTabs {
    static T: OnceLock<LabTabs> = OnceLock::new();
    T.get_or_init(|| {
        let mut gamma = [0u16; 256];
        for (i, g) in gamma.iter_mut().enumerate() {
            *g = round_f32(2040.0f32 * apply_gamma(i as f32 / 255.0)) as u16;
        }
        let inv_gamma = (0..4096).map(|i| round_f32(255.0f32 * apply_inv_gamma((1.0f32 / 4096.0) * i as f32)) as u16).collect();
        let (lthresh, lscale, lbias) = (216.0f32 / 24389.0, 841.0f32 / 108.0, 16.0f32 / 116.0);
        let cb_scale = 1.0f32 / (255.0f32 * 8.0);
        let mut cbrt = (0..3072)
            .map(|i| {
                let x = cb_scale * i as f32;
                let v = if x < lthresh { x.mul_add(lscale, lbias) } else { (x as f64).cbrt() as f32 };
                round_f32(32768.0f32 * v) as u16
            })
            .collect::<Vec<_>>();
        // OpenCV's softfloat cbrt is one ulp low at x = 324/2040, where 32768*cbrt is a tie.
        cbrt[324] -= 1;
        let mut y_fy = [(0, 0); 256];
        for (i, e) in y_fy.iter_mut().enumerate() {
            let i = i as i32;
            *e = if i <= 20 {
                let y = round_f32((i * BASE * 20 * 9) as f32 / (17 * 29 * 29 * 29) as f32);
                let fy = BASE as f32 * (16.0f32 / 116.0 + (i * 5) as f32 / (3 * 17 * 29) as f32);
                (y, round_f32(fy))
            } else {
                let fy = (i * 100 * BASE) as f32 / (255 * 116) as f32 + (16 * BASE) as f32 / 116.0f32;
                (round_f32(fy * fy * fy / (BASE * BASE) as f32), round_f32(fy))
            };
        }
        let ab_to_xz =
            (MIN_AB..BASE * 9 / 4 + MIN_AB).map(|i| if i <= 3390 { i * 108 / 841 - BASE * 16 / 116 * 108 / 841 } else { i * i / BASE * i / BASE }).collect();
        let mut to_xyz = [[0; 3]; 3];
        let mut to_rgb = [[0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                to_xyz[i][j] = (4096.0 * f(RGB2XYZ[i * 3 + j]) / f(WHITE[i])).round_ties_even() as i32;
                to_rgb[i][j] = (4096.0 * f(XYZ2RGB[i * 3 + j]) * f(WHITE[j])).round_ties_even() as i32;
            }
        }
        LabTabs { gamma, cbrt, inv_gamma, y_fy, ab_to_xz, to_xyz, to_rgb }
    })
}

/// RGB2Lab (8u: L*255/100, a+128, b+128).
pub fn rgb_to_lab(p: [u8; 3]) -> [u8; 3] {
    lab_tabs().to_lab(p)
}

/// Lab2RGB (8u integer path).
pub fn lab_to_rgb(p: [u8; 3]) -> [u8; 3] {
    lab_tabs().to_rgb(p)
}

impl LabTabs {
    #[inline]
    pub fn to_lab(&self, p: [u8; 3]) -> [u8; 3] {
        let t = self;
        let c = [t.gamma[p[0] as usize] as i32, t.gamma[p[1] as usize] as i32, t.gamma[p[2] as usize] as i32];
        let f = |row: &[i32; 3]| t.cbrt[((c[0] * row[0] + c[1] * row[1] + c[2] * row[2] + (1 << 11)) >> 12) as usize] as i32;
        let (fx, fy, fz) = (f(&t.to_xyz[0]), f(&t.to_xyz[1]), f(&t.to_xyz[2]));
        const LSCALE: i32 = (116 * 255 + 50) / 100;
        const LSHIFT: i32 = -((16 * 255 * (1 << 15) + 50) / 100);
        let l = (LSCALE * fy + LSHIFT + (1 << 14)) >> 15;
        let a = (500 * (fx - fy) + (128 << 15) + (1 << 14)) >> 15;
        let b = (200 * (fy - fz) + (128 << 15) + (1 << 14)) >> 15;
        [l.clamp(0, 255) as u8, a.clamp(0, 255) as u8, b.clamp(0, 255) as u8]
    }

    #[inline]
    pub fn to_rgb(&self, p: [u8; 3]) -> [u8; 3] {
        let t = self;
        let (y, ify) = t.y_fy[p[0] as usize];
        let adiv = ((5 * p[1] as i32 * 53687 + (1 << 7)) >> 13) - 128 * BASE / 500;
        let bdiv = ((p[2] as i32 * 41943 + (1 << 4)) >> 9) - 128 * BASE / 200 + 1;
        let x = t.ab_to_xz[(ify + adiv - MIN_AB) as usize];
        let z = t.ab_to_xz[(ify - bdiv - MIN_AB) as usize];
        let ch = |row: &[i32; 3]| {
            let v = (row[0] * x + row[1] * y + row[2] * z + (1 << 13)) >> 14;
            t.inv_gamma[v.clamp(0, 4095) as usize] as u8
        };
        [ch(&t.to_rgb[0]), ch(&t.to_rgb[1]), ch(&t.to_rgb[2])]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greys_stay_grey() {
        for v in [0u8, 1, 77, 128, 200, 255] {
            let hsv = rgb_to_hsv([v, v, v]);
            assert_eq!(hsv, [0, 0, v]);
            assert_eq!(hsv_to_rgb(0, 64, hsv), [v, v, v]);
            assert_eq!(hsv_to_rgb(0, 1, hsv), [v, v, v]);
            assert_eq!(rgb_to_gray([v, v, v]), v);
            let lab = rgb_to_lab([v, v, v]);
            assert_eq!((lab[1], lab[2]), (128, 128), "grey {v} has no chroma");
            // cv2 itself maps grey 1 to 2 through Lab; the others survive.
            assert_eq!(lab_to_rgb(lab), if v == 1 { [2, 2, 2] } else { [v, v, v] }, "grey {v} via Lab");
        }
    }
}
