//! ShiftScaleRotate(shift 0.10, scale 0.2, rotate 30, INTER_LINEAR, BORDER_CONSTANT 0).
//!
//! In 1.4.22 ShiftScaleRotate is an `Affine` subclass: the shift is truncated to whole pixels,
//! x and y scales are drawn independently (keep_ratio=False), and the matrix turns about
//! (w/2 - 0.5, h/2 - 0.5). The warp is cv2.warpAffine's fixed-point bilinear path, bit-exact.

use super::{Rgb, rng};
use rand_mt::Mt64;

pub const SHIFT_LIMIT: f64 = 0.10;
pub const SCALE_LIMIT: f64 = 0.2;
pub const ROTATE_LIMIT: f64 = 30.0;

/// One draw of the transform.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SsrParams {
    /// Whole-pixel shift (albumentations truncates `dx * width` toward zero).
    pub tx: i64,
    pub ty: i64,
    pub sx: f64,
    pub sy: f64,
    /// Degrees, counterclockwise on screen.
    pub angle: f64,
}

impl SsrParams {
    pub const IDENTITY: SsrParams = SsrParams { tx: 0, ty: 0, sx: 1.0, sy: 1.0, angle: 0.0 };

    /// Samples in albumentations' order: shift x, y; scale x, y; angle.
    pub fn sample(rng: &mut Mt64, width: usize, height: usize) -> SsrParams {
        let tx = (rng::uniform(rng, -SHIFT_LIMIT, SHIFT_LIMIT) * width as f64) as i64;
        let ty = (rng::uniform(rng, -SHIFT_LIMIT, SHIFT_LIMIT) * height as f64) as i64;
        let sx = rng::uniform(rng, 1.0 - SCALE_LIMIT, 1.0 + SCALE_LIMIT);
        let sy = rng::uniform(rng, 1.0 - SCALE_LIMIT, 1.0 + SCALE_LIMIT);
        let angle = rng::uniform(rng, -ROTATE_LIMIT, ROTATE_LIMIT);
        SsrParams { tx, ty, sx, sy, angle }
    }
}

type M3 = [[f64; 3]; 3];

fn mul(a: &M3, b: &M3) -> M3 {
    let mut m = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            m[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
        }
    }
    m
}

/// The forward 2x3 matrix of `create_affine_transformation_matrix`, multiplied in numpy's order
/// (shear is zero for ShiftScaleRotate and left out).
pub fn matrix(p: &SsrParams, width: usize, height: usize) -> [f64; 6] {
    let (cx, cy) = (width as f64 / 2.0 - 0.5, height as f64 / 2.0 - 0.5);
    let r = p.angle.rem_euclid(360.0).to_radians();
    let (s, c) = (r.sin(), r.cos());
    let to_centre = [[1.0, 0.0, cx], [0.0, 1.0, cy], [0.0, 0.0, 1.0]];
    let shift = [[1.0, 0.0, p.tx as f64], [0.0, 1.0, p.ty as f64], [0.0, 0.0, 1.0]];
    let rot = [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]];
    let scale = [[p.sx, 0.0, 0.0], [0.0, p.sy, 0.0], [0.0, 0.0, 1.0]];
    let to_origin = [[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]];
    let m = mul(&mul(&mul(&mul(&to_centre, &shift), &rot), &scale), &to_origin);
    [m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2]]
}

/// Applies the transform; an identity matrix returns the input untouched, as albumentations does.
pub fn shift_scale_rotate(img: &Rgb, p: &SsrParams) -> Rgb {
    let m = matrix(p, img.width, img.height);
    let id = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    // np.allclose(matrix, eye(3)) with its default tolerances.
    if m.iter().zip(id).all(|(a, b)| (a - b).abs() <= 1e-8 + 1e-5 * b.abs()) {
        return img.clone();
    }
    warp_affine(img, &m)
}

/// Draws parameters and applies them.
pub fn random_shift_scale_rotate(img: &Rgb, rng: &mut Mt64) -> Rgb {
    let p = SsrParams::sample(rng, img.width, img.height);
    shift_scale_rotate(img, &p)
}

const AB_BITS: i32 = 10;
const INTER_BITS: i32 = 5;
const TAB: i32 = 1 << INTER_BITS;

/// cv2.warpAffine(img, m, (w, h), INTER_LINEAR, BORDER_CONSTANT, 0) for a forward matrix `m`:
/// the inverse map in 1/1024 px rounded per row and column, cut to 1/32 px, then 2x2 weights
/// whose products are exact in 15 bits.
pub fn warp_affine(img: &Rgb, m: &[f64; 6]) -> Rgb {
    warp_affine_to(img, m, img.width, img.height, 0)
}

/// The same into an `out_w x out_h` image with the constant border `border` (YOLOX warps a
/// mosaic canvas to the input size over grey 114).
pub fn warp_affine_to(img: &Rgb, m: &[f64; 6], out_w: usize, out_h: usize, border: u8) -> Rgb {
    let (w, h) = (img.width, img.height);
    let inv = invert(m);
    let scale = (1 << AB_BITS) as f64;
    let round_delta = (1 << AB_BITS) / TAB / 2;
    let adelta: Vec<i32> = (0..out_w).map(|x| cv_round(inv[0] * x as f64 * scale)).collect();
    let bdelta: Vec<i32> = (0..out_w).map(|x| cv_round(inv[3] * x as f64 * scale)).collect();
    let src = &img.data;
    let w3 = w * 3;
    let mut out = vec![border; out_w * out_h * 3];
    if w == 0 || h == 0 || out_w == 0 || out_h == 0 {
        return Rgb { width: out_w, height: out_h, data: out };
    }
    // Each pixel packed as three 21-bit lanes: one u64 multiply then weighs all channels, and a
    // lane's sum (< 255 * 1024 + 512) never carries into the next.
    let packed: Vec<u64> = src.chunks_exact(3).map(|p| p[0] as u64 | (p[1] as u64) << 21 | (p[2] as u64) << 42).collect();
    const HALF: u64 = 1 << 9 | 1 << 30 | 1 << 51;
    // The 2x2 neighbourhood is wholly inside when sx < w-1 and sy < h-1 (as u32, so < 0 fails).
    let (inner_w, inner_h) = (w as u32 - 1, h as u32 - 1);
    let blend = |a: [i32; 4], wts: &[i32; 4]| ((a[0] * wts[0] + a[1] * wts[1] + a[2] * wts[2] + a[3] * wts[3] + (1 << 9)) >> 10) as u8;
    for (y, orow) in out.chunks_exact_mut(out_w * 3).enumerate() {
        let x0 = cv_round((inv[1] * y as f64 + inv[2]) * scale) + round_delta;
        let y0 = cv_round((inv[4] * y as f64 + inv[5]) * scale) + round_delta;
        for ((d, &ad), &bd) in orow.chunks_exact_mut(3).zip(&adelta).zip(&bdelta) {
            let xx = x0.wrapping_add(ad) >> (AB_BITS - INTER_BITS);
            let yy = y0.wrapping_add(bd) >> (AB_BITS - INTER_BITS);
            let sx = (xx >> INTER_BITS).clamp(i16::MIN as i32, i16::MAX as i32);
            let sy = (yy >> INTER_BITS).clamp(i16::MIN as i32, i16::MAX as i32);
            let wts = &WEIGHTS[((yy & (TAB - 1)) * TAB + (xx & (TAB - 1))) as usize];
            if (sx as u32) < inner_w && (sy as u32) < inner_h {
                let i0 = sy as usize * w + sx as usize;
                let (a, b) = (&packed[i0..i0 + 2], &packed[i0 + w..i0 + w + 2]);
                let v = a[0] * wts[0] as u64 + a[1] * wts[1] as u64 + b[0] * wts[2] as u64 + b[1] * wts[3] as u64 + HALF;
                d.copy_from_slice(&[(v >> 10) as u8, (v >> 31) as u8, (v >> 52) as u8]);
            } else if sx >= w as i32 || sx + 1 < 0 || sy >= h as i32 || sy + 1 < 0 {
                // wholly outside: the border value, already there
            } else {
                let px = |dx: i32, dy: i32, c: usize| {
                    let (qx, qy) = (sx + dx, sy + dy);
                    let inside = qx >= 0 && qy >= 0 && qx < w as i32 && qy < h as i32;
                    if inside { src[qy as usize * w3 + qx as usize * 3 + c] as i32 } else { border as i32 }
                };
                for (c, o) in d.iter_mut().enumerate() {
                    *o = blend([px(0, 0, c), px(1, 0, c), px(0, 1, c), px(1, 1, c)], wts);
                }
            }
        }
    }
    Rgb { width: out_w, height: out_h, data: out }
}

/// OpenCV's bilinear weights for each 1/32-pixel offset (ay, ax), in 1/1024: products of
/// multiples of 1/32, so its 15-bit table is exact and these are that table / 32.
const WEIGHTS: [[i32; 4]; (TAB * TAB) as usize] = {
    let mut t = [[0; 4]; (TAB * TAB) as usize];
    let mut i = 0;
    while i < (TAB * TAB) as usize {
        let (ay, ax) = (i as i32 / TAB, i as i32 % TAB);
        t[i] = [(TAB - ay) * (TAB - ax), (TAB - ay) * ax, ay * (TAB - ax), ay * ax];
        i += 1;
    }
    t
};

/// OpenCV's inversion of a 2x3 affine matrix (warpAffine without WARP_INVERSE_MAP).
fn invert(m: &[f64; 6]) -> [f64; 6] {
    let d = m[0] * m[4] - m[1] * m[3];
    let d = if d != 0.0 { 1.0 / d } else { 0.0 };
    let (a11, a22) = (m[4] * d, m[0] * d);
    let (a12, a21) = (m[1] * -d, m[3] * -d);
    let b1 = -a11 * m[2] - a12 * m[5];
    let b2 = -a21 * m[2] - a22 * m[5];
    [a11, a12, b1, a21, a22, b2]
}

/// `saturate_cast<int>(double)`: round half to even, saturating.
fn cv_round(v: f64) -> i32 {
    v.round_ties_even().clamp(i32::MIN as f64, i32::MAX as f64) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::augment::test_noise as noise;

    #[test]
    fn identity_returns_input() {
        let img = noise(13, 9, 1);
        assert_eq!(shift_scale_rotate(&img, &SsrParams::IDENTITY), img);
        // A real identity warp (bypassing the shortcut) is exact too.
        assert_eq!(warp_affine(&img, &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]), img);
    }

    #[test]
    fn whole_pixel_shift_moves_pixels() {
        let img = noise(10, 8, 2);
        let p = SsrParams { tx: 3, ty: -2, ..SsrParams::IDENTITY };
        let out = shift_scale_rotate(&img, &p);
        for y in 0..8usize {
            for x in 0..10usize {
                let (sx, sy) = (x as i64 - 3, y as i64 + 2);
                let o = &out.data[(y * 10 + x) * 3..][..3];
                if (0..10).contains(&sx) && (0..8).contains(&sy) {
                    assert_eq!(o, &img.data[(sy as usize * 10 + sx as usize) * 3..][..3]);
                } else {
                    assert_eq!(o, [0, 0, 0]);
                }
            }
        }
    }

    #[test]
    fn any_size_any_draw() {
        let mut rng = Mt64::new(5);
        for (w, h) in [(1, 1), (2, 3), (3, 2), (17, 5), (64, 64)] {
            let img = noise(w, h, 3);
            for _ in 0..20 {
                let out = random_shift_scale_rotate(&img, &mut rng);
                assert_eq!((out.width, out.height, out.data.len()), (w, h, w * h * 3));
            }
        }
    }
}
