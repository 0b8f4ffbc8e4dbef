//! Bit-exact port of Pillow's `Image.resize(size, Image.LANCZOS)` for 8-bit RGB images
//! (Pillow 13.0.0, `src/libImaging/Resample.c`: `precompute_coeffs`, `normalize_coeffs_8bpc`,
//! `_ImagingResampleHorizontal_8bpc`, `_ImagingResampleVertical_8bpc`, `ImagingResampleInner`).
//!
//! Exactness notes (each mirrors the C code):
//! * kernel weights are computed in `f64` with libm `sin` (Rust's `f64::sin` calls the same
//!   libm), normalised per output pixel, then converted to fixed point with
//!   `PRECISION_BITS = 22` and round-half-away-from-zero;
//! * accumulation is in `i32` starting from `1 << 21`; `clip8` is `clamp(acc >> 22, 0, 255)`
//!   (Pillow's lookup table, which covers the only reachable range);
//! * the intermediate image is clipped to `u8` between the two passes;
//! * the pass order follows `ImagingResampleInner`: horizontal first unless the height shrinks
//!   by more than twice as many pixels as the width; in horizontal-first mode only the source
//!   rows actually needed by the vertical pass are resampled (`ybox_first..ybox_last`);
//! * a pass is skipped when that dimension does not change, and an unchanged size returns a
//!   copy (Pillow's `Image.resize` shortcut). No `reducing_gap` (imagededup passes none).

const PRECISION_BITS: u32 = 32 - 8 - 2;
const LANCZOS_SUPPORT: f64 = 3.0;

#[inline]
fn sinc_filter(x: f64) -> f64 {
    if x == 0.0 {
        return 1.0;
    }
    let x = x * std::f64::consts::PI;
    x.sin() / x
}

#[inline]
fn lanczos_filter(x: f64) -> f64 {
    // truncated sinc
    if (-3.0..3.0).contains(&x) { sinc_filter(x) * sinc_filter(x / 3.0) } else { 0.0 }
}

/// Fixed-point coefficients for one axis: `bounds[i] = (xmin, xmax_count)`, and `ksize`
/// coefficients per output pixel in `kk`.
struct Coeffs {
    ksize: usize,
    bounds: Vec<(usize, usize)>,
    kk: Vec<i32>,
}

/// `precompute_coeffs` + `normalize_coeffs_8bpc` with `box = (in0, in1) = (0, in_size)`.
fn precompute_coeffs(in_size: usize, out_size: usize) -> Coeffs {
    let in0: f32 = 0.0;
    let in1: f32 = in_size as f32;
    // `(double)(in1 - in0) / outSize`: the subtraction is done in float.
    let scale = f64::from(in1 - in0) / out_size as f64;
    let filterscale = if scale < 1.0 { 1.0 } else { scale };
    let support = LANCZOS_SUPPORT * filterscale;
    let ksize = (support.ceil() as i32 * 2 + 1) as usize;
    let inv_filterscale = 1.0 / filterscale;

    let mut bounds = Vec::with_capacity(out_size);
    let mut kk = vec![0i32; out_size * ksize];
    let mut k = vec![0f64; ksize];
    for xx in 0..out_size {
        let center = f64::from(in0) + (xx as f64 + 0.5) * scale;
        let mut ww = 0.0f64;
        // `(int)` truncates toward zero, like Rust's `as i32`.
        let mut xmin = (center - support + 0.5) as i32;
        if xmin < 0 {
            xmin = 0;
        }
        let mut xmax = (center + support + 0.5) as i32;
        if xmax > in_size as i32 {
            xmax = in_size as i32;
        }
        xmax -= xmin;
        let xmax = xmax.max(0) as usize;
        for (x, kx) in k.iter_mut().enumerate().take(xmax) {
            let w = lanczos_filter((((x as i32 + xmin) as f64) - center + 0.5) * inv_filterscale);
            *kx = w;
            ww += w;
        }
        if ww != 0.0 {
            for kx in k.iter_mut().take(xmax) {
                *kx /= ww;
            }
        }
        for kx in k.iter_mut().skip(xmax) {
            *kx = 0.0;
        }
        let row = &mut kk[xx * ksize..(xx + 1) * ksize];
        for (dst, &v) in row.iter_mut().zip(k.iter()) {
            let f = v * f64::from(1u32 << PRECISION_BITS);
            *dst = if v < 0.0 { (-0.5 + f) as i32 } else { (0.5 + f) as i32 };
        }
        bounds.push((xmin as usize, xmax));
    }
    Coeffs { ksize, bounds, kk }
}

#[inline]
fn clip8(v: i32) -> u8 {
    (v >> PRECISION_BITS).clamp(0, 255) as u8
}

const ROUND: i32 = 1 << (PRECISION_BITS - 1);

/// Horizontal pass over `out_h` rows starting at source row `offset`.
fn resample_horizontal(src: &[u8], src_w: usize, offset: usize, out_w: usize, out_h: usize, c: &Coeffs) -> Vec<u8> {
    let mut out = vec![0u8; out_w * out_h * 3];
    for yy in 0..out_h {
        let line_in = &src[(yy + offset) * src_w * 3..(yy + offset + 1) * src_w * 3];
        let line_out = &mut out[yy * out_w * 3..(yy + 1) * out_w * 3];
        for xx in 0..out_w {
            let (xmin, xmax) = c.bounds[xx];
            let k = &c.kk[xx * c.ksize..xx * c.ksize + xmax];
            let (mut s0, mut s1, mut s2) = (ROUND, ROUND, ROUND);
            let px = &line_in[xmin * 3..(xmin + xmax) * 3];
            for (p, &kx) in px.chunks_exact(3).zip(k) {
                s0 = s0.wrapping_add(i32::from(p[0]).wrapping_mul(kx));
                s1 = s1.wrapping_add(i32::from(p[1]).wrapping_mul(kx));
                s2 = s2.wrapping_add(i32::from(p[2]).wrapping_mul(kx));
            }
            line_out[xx * 3] = clip8(s0);
            line_out[xx * 3 + 1] = clip8(s1);
            line_out[xx * 3 + 2] = clip8(s2);
        }
    }
    out
}

/// Vertical pass; `c.bounds` are relative to the first row of `src`.
fn resample_vertical(src: &[u8], w: usize, out_h: usize, c: &Coeffs) -> Vec<u8> {
    let stride = w * 3;
    let mut out = vec![0u8; stride * out_h];
    let mut acc = vec![0i32; stride];
    for yy in 0..out_h {
        let (ymin, ymax) = c.bounds[yy];
        let k = &c.kk[yy * c.ksize..yy * c.ksize + ymax];
        acc.iter_mut().for_each(|a| *a = ROUND);
        // Same sums as Pillow's per-pixel loop over y (integer addition is associative
        // and the i32 sums cannot overflow for 8-bit input), just in cache-friendly order.
        for (y, &ky) in k.iter().enumerate() {
            let row = &src[(y + ymin) * stride..(y + ymin + 1) * stride];
            for (a, &p) in acc.iter_mut().zip(row) {
                *a = a.wrapping_add(i32::from(p).wrapping_mul(ky));
            }
        }
        for (o, &a) in out[yy * stride..(yy + 1) * stride].iter_mut().zip(acc.iter()) {
            *o = clip8(a);
        }
    }
    out
}

/// Resize an RGB8 image (row-major, 3 bytes per pixel) exactly like Pillow's
/// `Image.resize((out_w, out_h), Image.LANCZOS)` on an RGB image.
///
/// Inputs whose buffer is shorter than `width * height * 3`, or with a zero dimension
/// (Pillow cannot hold such images) give an all-zero image of the requested size.
pub fn resize_lanczos_rgb(width: u32, height: u32, rgb: &[u8], out_w: u32, out_h: u32) -> Vec<u8> {
    let (in_w, in_h) = (width as usize, height as usize);
    let (out_w, out_h) = (out_w as usize, out_h as usize);
    let need = in_w.saturating_mul(in_h).saturating_mul(3);
    if in_w == 0 || in_h == 0 || rgb.len() < need {
        return vec![0u8; out_w * out_h * 3];
    }
    let rgb = &rgb[..need];
    if out_w == 0 || out_h == 0 {
        return Vec::new();
    }
    if (in_w, in_h) == (out_w, out_h) {
        return rgb.to_vec();
    }

    let need_horizontal = out_w != in_w;
    let need_vertical = out_h != in_h;
    // "If height is being scaled down more than twice the amount the width is,
    //  run the vertical pass first, to make the horizontal pass faster"
    let dh = in_h as i64 - out_h as i64;
    let dw = in_w as i64 - out_w as i64;
    let horizontal_first = !(dh > 0 && dh > dw * 2);

    let mut vert = if (need_horizontal && horizontal_first) || need_vertical { Some(precompute_coeffs(in_h, out_h)) } else { None };

    if horizontal_first {
        let tmp: Option<Vec<u8>> = if need_horizontal {
            let v = vert.as_mut().expect("vertical coeffs computed when horizontal first");
            // First and last source rows used by the vertical pass.
            let ybox_first = v.bounds[0].0;
            let (lmin, lcnt) = v.bounds[out_h - 1];
            let ybox_last = lmin + lcnt;
            for b in v.bounds.iter_mut() {
                b.0 -= ybox_first;
            }
            let horiz = precompute_coeffs(in_w, out_w);
            Some(resample_horizontal(rgb, in_w, ybox_first, out_w, ybox_last - ybox_first, &horiz))
        } else {
            None
        };
        let src: &[u8] = tmp.as_deref().unwrap_or(rgb);
        if need_vertical {
            let v = vert.as_ref().expect("vertical coeffs");
            resample_vertical(src, out_w, out_h, v)
        } else {
            src.to_vec()
        }
    } else {
        // need_vertical is necessarily true here (dh > 0).
        let v = vert.as_ref().expect("vertical coeffs");
        let tmp = resample_vertical(rgb, in_w, out_h, v);
        if need_horizontal {
            let horiz = precompute_coeffs(in_w, out_w);
            resample_horizontal(&tmp, in_w, 0, out_w, out_h, &horiz)
        } else {
            tmp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_size_is_copy() {
        let px: Vec<u8> = (0..4 * 3 * 3).map(|i| i as u8).collect();
        assert_eq!(resize_lanczos_rgb(4, 3, &px, 4, 3), px);
    }

    #[test]
    fn constant_image_stays_constant() {
        let px = vec![77u8; 50 * 41 * 3];
        let out = resize_lanczos_rgb(50, 41, &px, 32, 32);
        assert!(out.iter().all(|&v| v == 77));
        let out = resize_lanczos_rgb(5, 3, &px[..45], 32, 32);
        assert!(out.iter().all(|&v| v == 77));
    }

    #[test]
    fn short_buffer_does_not_panic() {
        assert_eq!(resize_lanczos_rgb(10, 10, &[1, 2, 3], 32, 32), vec![0; 32 * 32 * 3]);
        assert_eq!(resize_lanczos_rgb(0, 10, &[], 2, 2), vec![0; 12]);
    }
}
