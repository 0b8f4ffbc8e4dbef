//! CLAHE(clip_limit (1, 4), tile_grid_size (8, 8)): cv2 RGB -> Lab, OpenCV's CLAHE on L, back.

use super::{Rgb, cvt, reflect101, rng, round_even};
use rand_mt::Mt64;

pub const TILES: usize = 8;

/// albumentations `fmain.clahe` on an RGB image.
pub fn clahe(img: &Rgb, clip_limit: f64) -> Rgb {
    let (w, h) = (img.width, img.height);
    let t = cvt::lab_tabs();
    let mut lab: Vec<u8> = Vec::with_capacity(img.data.len());
    for p in img.data.chunks_exact(3) {
        lab.extend_from_slice(&t.to_lab([p[0], p[1], p[2]]));
    }
    let l: Vec<u8> = lab.iter().step_by(3).copied().collect();
    let l = clahe_gray(&l, w, h, clip_limit, TILES, TILES);
    let mut data = vec![0u8; img.data.len()];
    for ((d, p), l) in data.chunks_exact_mut(3).zip(lab.chunks_exact(3)).zip(l) {
        d.copy_from_slice(&t.to_rgb([l, p[1], p[2]]));
    }
    Rgb { width: w, height: h, data }
}

/// CLAHE with a clip limit drawn from [1, 4).
pub fn random_clahe(img: &Rgb, rng: &mut Mt64) -> Rgb {
    clahe(img, rng::uniform(rng, 1.0, 4.0))
}

/// `cv::CLAHE::apply` on one 8-bit plane: per-tile clipped histograms turned into LUTs, then
/// each pixel bilinearly blends the LUTs of the four nearest tile centres (float32 math).
pub fn clahe_gray(src: &[u8], w: usize, h: usize, clip_limit: f64, tiles_x: usize, tiles_y: usize) -> Vec<u8> {
    // Tiles cover the image padded (REFLECT_101) by `t - n % t` on both axes unless both divide;
    // OpenCV then pads a dividing axis by a whole tile.
    let divides = w.is_multiple_of(tiles_x) && h.is_multiple_of(tiles_y);
    let pad = |n: usize, t: usize| if divides { n } else { n + t - n % t };
    let (tw, th) = (pad(w, tiles_x) / tiles_x, pad(h, tiles_y) / tiles_y);
    let tile_area = tw * th;
    let lut_scale = 255.0f32 / tile_area as f32;
    let clip = if clip_limit > 0.0 { ((clip_limit * tile_area as f64 / 256.0) as i32).max(1) } else { 0 };

    let mut luts = vec![[0u8; 256]; tiles_x * tiles_y];
    let mut hist = [0i32; 256];
    for ty in 0..tiles_y {
        for tx in 0..tiles_x {
            hist.fill(0);
            for y in ty * th..(ty + 1) * th {
                let row = &src[reflect101(y as isize, h) * w..][..w];
                for x in tx * tw..(tx + 1) * tw {
                    let x = if x < w { x } else { reflect101(x as isize, w) };
                    hist[row[x] as usize] += 1;
                }
            }
            clip_histogram(&mut hist, clip);
            let mut sum = 0;
            for (v, out) in hist.iter().zip(luts[ty * tiles_x + tx].iter_mut()) {
                sum += v;
                *out = round_even(sum as f32 * lut_scale) as u8;
            }
        }
    }

    // Per column: the two tile indices and weights, as OpenCV precomputes them.
    let inv_tw = 1.0f32 / tw as f32;
    let cols: Vec<(usize, usize, f32)> = (0..w)
        .map(|x| {
            let txf = x as f32 * inv_tw - 0.5;
            let t1 = floor(txf);
            let xa = txf - t1 as f32;
            (t1.max(0) as usize, ((t1 + 1) as usize).min(tiles_x - 1), xa)
        })
        .collect();
    let inv_th = 1.0f32 / th as f32;
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let tyf = y as f32 * inv_th - 0.5;
        let t1 = floor(tyf);
        let ya = tyf - t1 as f32;
        let ya1 = 1.0 - ya;
        let l1 = &luts[t1.max(0) as usize * tiles_x..][..tiles_x];
        let l2 = &luts[((t1 + 1) as usize).min(tiles_y - 1) * tiles_x..][..tiles_x];
        for (x, &(c1, c2, xa)) in cols.iter().enumerate() {
            let v = src[y * w + x] as usize;
            let xa1 = 1.0 - xa;
            let res = (l1[c1][v] as f32 * xa1 + l1[c2][v] as f32 * xa) * ya1 + (l2[c1][v] as f32 * xa1 + l2[c2][v] as f32 * xa) * ya;
            out[y * w + x] = round_even(res) as u8;
        }
    }
    out
}

/// `cvFloor` without a libm call.
fn floor(v: f32) -> isize {
    let t = v as isize;
    if (t as f32) > v { t - 1 } else { t }
}

/// Clips bins at `clip` and spreads the excess: evenly, then one each on a stride.
fn clip_histogram(hist: &mut [i32; 256], clip: i32) {
    if clip <= 0 {
        return;
    }
    let mut clipped = 0;
    for v in hist.iter_mut() {
        if *v > clip {
            clipped += *v - clip;
            *v = clip;
        }
    }
    let batch = clipped / 256;
    let mut residual = clipped - batch * 256;
    for v in hist.iter_mut() {
        *v += batch;
    }
    if residual != 0 {
        let step = (256 / residual).max(1) as usize;
        let mut i = 0;
        while i < 256 && residual > 0 {
            hist[i] += 1;
            i += step;
            residual -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_grey_stays_flat_and_grey() {
        for (w, h) in [(1, 1), (2, 3), (16, 16), (37, 29)] {
            let img = Rgb::from_data(w, h, vec![90; w * h * 3]);
            let out = clahe(&img, 2.0);
            let first = out.data[0];
            assert!(out.data.iter().all(|&v| v == first), "{w}x{h}");
        }
    }

    #[test]
    fn clip_keeps_the_count() {
        let mut hist = [0i32; 256];
        hist[10] = 500;
        hist[200] = 37;
        clip_histogram(&mut hist, 20);
        assert_eq!(hist.iter().sum::<i32>(), 537);
        assert!(hist.iter().all(|&v| v <= 22));
    }
}
