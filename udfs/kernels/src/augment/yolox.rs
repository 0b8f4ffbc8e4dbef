//! YOLOX's training augmentations (yolox 0.3.0 `MosaicDetection`, `TrainTransform`,
//! `data_augment.py`) with the winning recipe's settings (docs/pipeline.md §4.3): mosaic of four images around
//! a random centre (p 1.0), random affine (degrees 30, translate 0.1, scale 0.1-2, shear 2)
//! over grey 114, mixup with a jittered, maybe flipped fifth image (p 0.8, only when the
//! mosaic kept a box), HSV jitter (p 0.05), horizontal flip (p 0.5), letterbox. Ported for the
//! distributions, not bit for bit: the random streams are Mt64, not Python's.
use rand_mt::Mt64;

use super::super::augment::shift_scale_rotate::warp_affine_to;
use super::super::augment::{Rgb, cvt};
use super::super::rng::{randint, uniform};
use crate::image::cv_resize::resize_linear;

/// A box `x1, y1, x2, y2` and its class.
pub type Label = [f64; 5];

pub const FILL: u8 = 114;

#[derive(Debug, Clone, Copy)]
pub struct AugConfig {
    pub mosaic_prob: f64,
    pub mixup_prob: f64,
    pub hsv_prob: f64,
    pub flip_prob: f64,
    pub degrees: f64,
    pub translate: f64,
    pub scale: (f64, f64),
    pub mixup_scale: (f64, f64),
    pub shear: f64,
}

/// The winning recipe's exp (docs/pipeline.md §4.3).
pub const SEED_AUG: AugConfig = AugConfig {
    mosaic_prob: 1.0,
    mixup_prob: 0.8,
    hsv_prob: 0.05,
    flip_prob: 0.5,
    degrees: 30.0,
    translate: 0.1,
    scale: (0.1, 2.0),
    mixup_scale: (0.5, 1.5),
    shear: 2.0,
};

fn between(r: &mut Mt64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * uniform(r)
}

/// `cv2.resize(img, (int(w·s), int(h·s)), INTER_LINEAR)`, at least one pixel.
pub fn scale_image(img: &Rgb, s: f64) -> Rgb {
    let (w, h) = (((img.width as f64 * s) as usize).max(1), ((img.height as f64 * s) as usize).max(1));
    if (w, h) == (img.width, img.height) {
        return img.clone();
    }
    Rgb { width: w, height: h, data: resize_linear(&img.data, img.width, img.height, 3, w, h) }
}

/// Copies `src[sy.., sx..]` (w x h) into `dst` at (dx, dy).
fn paste(dst: &mut Rgb, src: &Rgb, (dx, dy): (usize, usize), (sx, sy): (usize, usize), (w, h): (usize, usize)) {
    for y in 0..h {
        let s = ((sy + y) * src.width + sx) * 3;
        let d = ((dy + y) * dst.width + dx) * 3;
        dst.data[d..d + w * 3].copy_from_slice(&src.data[s..s + w * 3]);
    }
}

/// `get_mosaic_coordinate`: where image `i` (w x h) goes on the 2W x 2H canvas around (xc, yc),
/// and which part of it is shown: ((x1, y1, x2, y2) on the canvas, (sx1, sy1)).
fn mosaic_coordinate(i: usize, xc: i64, yc: i64, w: i64, h: i64, in_w: i64, in_h: i64) -> ((i64, i64, i64, i64), (i64, i64)) {
    match i {
        0 => {
            let (x1, y1, x2, y2) = ((xc - w).max(0), (yc - h).max(0), xc, yc);
            ((x1, y1, x2, y2), (w - (x2 - x1), h - (y2 - y1)))
        }
        1 => {
            let (x1, y1, x2, y2) = (xc, (yc - h).max(0), (xc + w).min(in_w * 2), yc);
            ((x1, y1, x2, y2), (0, h - (y2 - y1)))
        }
        2 => {
            let (x1, y1, x2, y2) = ((xc - w).max(0), yc, xc, (in_h * 2).min(yc + h));
            ((x1, y1, x2, y2), (w - (x2 - x1), 0))
        }
        _ => ((xc, yc, (xc + w).min(in_w * 2), (in_h * 2).min(yc + h)), (0, 0)),
    }
}

/// Four images (`pick(k)` gives image k, already resized to fit the input as YOLOX's dataset
/// does) on a 2W x 2H canvas, boxes clipped to it, then the random affine down to W x H.
pub fn mosaic(
    first: (Rgb, Vec<Label>),
    mut pick: impl FnMut(&mut Mt64) -> (Rgb, Vec<Label>),
    (in_w, in_h): (usize, usize),
    cfg: &AugConfig,
    r: &mut Mt64,
) -> (Rgb, Vec<Label>) {
    let yc = between(r, 0.5 * in_h as f64, 1.5 * in_h as f64) as i64;
    let xc = between(r, 0.5 * in_w as f64, 1.5 * in_w as f64) as i64;
    let mut canvas = Rgb { width: in_w * 2, height: in_h * 2, data: vec![FILL; in_w * in_h * 12] };
    let mut labels = Vec::new();
    let mut first = Some(first);
    for i in 0..4 {
        let (img, boxes) = match first.take() {
            Some(f) => f,
            None => pick(r),
        };
        let s = (in_h as f64 / img.height as f64).min(in_w as f64 / img.width as f64);
        let img = scale_image(&img, s);
        let (w, h) = (img.width as i64, img.height as i64);
        let ((x1, y1, x2, y2), (sx, sy)) = mosaic_coordinate(i, xc, yc, w, h, in_w as i64, in_h as i64);
        if x2 > x1 && y2 > y1 {
            paste(&mut canvas, &img, (x1 as usize, y1 as usize), (sx as usize, sy as usize), ((x2 - x1) as usize, (y2 - y1) as usize));
        }
        let (padw, padh) = ((x1 - sx) as f64, (y1 - sy) as f64);
        for b in boxes {
            labels.push([
                (s * b[0] + padw).clamp(0.0, 2.0 * in_w as f64),
                (s * b[1] + padh).clamp(0.0, 2.0 * in_h as f64),
                (s * b[2] + padw).clamp(0.0, 2.0 * in_w as f64),
                (s * b[3] + padh).clamp(0.0, 2.0 * in_h as f64),
                b[4],
            ]);
        }
    }
    random_affine(&canvas, labels, (in_w, in_h), cfg, r)
}

/// `get_affine_matrix` + `cv2.warpAffine(..., dsize=target, borderValue=114)` + the boxes'
/// corners through the same matrix, enclosed and clipped to the target.
pub fn random_affine(img: &Rgb, labels: Vec<Label>, (tw, th): (usize, usize), cfg: &AugConfig, r: &mut Mt64) -> (Rgb, Vec<Label>) {
    let angle = between(r, -cfg.degrees, cfg.degrees);
    let scale = between(r, cfg.scale.0, cfg.scale.1);
    // cv2.getRotationMatrix2D(center=(0, 0), angle, scale)
    let (a, b) = (scale * angle.to_radians().cos(), scale * angle.to_radians().sin());
    let rot = [[a, b], [-b, a]];
    let shear_x = (between(r, -cfg.shear, cfg.shear) * std::f64::consts::PI / 180.0).tan();
    let shear_y = (between(r, -cfg.shear, cfg.shear) * std::f64::consts::PI / 180.0).tan();
    let tx = between(r, -cfg.translate, cfg.translate) * tw as f64;
    let ty = between(r, -cfg.translate, cfg.translate) * th as f64;
    let m = [rot[0][0] + shear_y * rot[1][0], rot[0][1] + shear_y * rot[1][1], tx, rot[1][0] + shear_x * rot[0][0], rot[1][1] + shear_x * rot[0][1], ty];
    let out = warp_affine_to(img, &m, tw, th, FILL);
    let labels = labels
        .into_iter()
        .map(|l| {
            let corners = [(l[0], l[1]), (l[2], l[3]), (l[0], l[3]), (l[2], l[1])];
            let (mut x1, mut y1, mut x2, mut y2) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
            for (x, y) in corners {
                let (px, py) = (m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]);
                (x1, y1, x2, y2) = (x1.min(px), y1.min(py), x2.max(px), y2.max(py));
            }
            [x1.clamp(0.0, tw as f64), y1.clamp(0.0, th as f64), x2.clamp(0.0, tw as f64), y2.clamp(0.0, th as f64), l[4]]
        })
        .collect();
    (out, labels)
}

/// `box_candidates(wh_thr=2, ar_thr=20, area_thr=0.1)`: a transformed box survives when it
/// keeps some size, aspect and area.
fn box_candidate(before: &Label, after: &Label) -> bool {
    let (w1, h1) = (before[2] - before[0], before[3] - before[1]);
    let (w2, h2) = (after[2] - after[0], after[3] - after[1]);
    let ar = (w2 / (h2 + 1e-16)).max(h2 / (w2 + 1e-16));
    w2 > 2.0 && h2 > 2.0 && w2 * h2 / (w1 * h1 + 1e-16) > 0.1 && ar < 20.0
}

/// `MosaicDetection.mixup`: a fifth image letterboxed to the input, jittered in scale, maybe
/// flipped, randomly cropped back to the input and blended 50/50; its surviving boxes join.
pub fn mixup(img: &Rgb, mut labels: Vec<Label>, other: (Rgb, Vec<Label>), cfg: &AugConfig, r: &mut Mt64) -> (Rgb, Vec<Label>) {
    let (in_w, in_h) = (img.width, img.height);
    let jit = between(r, cfg.mixup_scale.0, cfg.mixup_scale.1);
    let flip = uniform(r) > 0.5;
    let (o, o_labels) = other;
    let s0 = (in_h as f64 / o.height as f64).min(in_w as f64 / o.width as f64);
    let resized = scale_image(&o, s0);
    let mut cp = Rgb { width: in_w, height: in_h, data: vec![FILL; in_w * in_h * 3] };
    let (rw, rh) = (resized.width.min(in_w), resized.height.min(in_h));
    paste(&mut cp, &resized, (0, 0), (0, 0), (rw, rh));
    let mut cp = scale_image(&cp, jit);
    let s = s0 * jit;
    if flip {
        cp = super::super::augment::flips::hflip(&cp);
    }
    let (ow, oh) = (cp.width, cp.height);
    let mut padded = Rgb { width: ow.max(in_w), height: oh.max(in_h), data: vec![0; ow.max(in_w) * oh.max(in_h) * 3] };
    paste(&mut padded, &cp, (0, 0), (0, 0), (ow, oh));
    let y_off = if padded.height > in_h { randint(r, 0, (padded.height - in_h - 1) as i64) as usize } else { 0 };
    let x_off = if padded.width > in_w { randint(r, 0, (padded.width - in_w - 1) as i64) as usize } else { 0 };
    let mut kept = Vec::new();
    for b in &o_labels {
        let mut orig =
            [(b[0] * s).clamp(0.0, ow as f64), (b[1] * s).clamp(0.0, oh as f64), (b[2] * s).clamp(0.0, ow as f64), (b[3] * s).clamp(0.0, oh as f64), b[4]];
        if flip {
            (orig[0], orig[2]) = (ow as f64 - orig[2], ow as f64 - orig[0]);
        }
        let t = [
            (orig[0] - x_off as f64).clamp(0.0, in_w as f64),
            (orig[1] - y_off as f64).clamp(0.0, in_h as f64),
            (orig[2] - x_off as f64).clamp(0.0, in_w as f64),
            (orig[3] - y_off as f64).clamp(0.0, in_h as f64),
            b[4],
        ];
        if box_candidate(&orig, &t) {
            kept.push(t);
        }
    }
    if kept.is_empty() {
        return (img.clone(), labels);
    }
    let mut out = img.clone();
    for y in 0..in_h {
        let prow = ((y + y_off) * padded.width + x_off) * 3;
        for (i, v) in out.data[y * in_w * 3..(y + 1) * in_w * 3].iter_mut().enumerate() {
            *v = (0.5 * *v as f32 + 0.5 * padded.data[prow + i] as f32) as u8;
        }
    }
    labels.extend(kept);
    (out, labels)
}

/// `augment_hsv(hgain=5, sgain=30, vgain=30)`: each gain on or off at random, hue wraps at 180.
pub fn augment_hsv(img: &mut Rgb, r: &mut Mt64) {
    let gains = [5.0, 30.0, 30.0];
    let mut aug = [0i32; 3];
    for (a, g) in aug.iter_mut().zip(gains) {
        *a = (between(r, -1.0, 1.0) * g) as i32;
    }
    for a in aug.iter_mut() {
        *a *= randint(r, 0, 1) as i32;
    }
    let w = img.width;
    for (i, px) in img.data.chunks_exact_mut(3).enumerate() {
        let hsv = cvt::rgb_to_hsv([px[0], px[1], px[2]]);
        let h = (hsv[0] as i32 + aug[0]).rem_euclid(180);
        let s = (hsv[1] as i32 + aug[1]).clamp(0, 255);
        let v = (hsv[2] as i32 + aug[2]).clamp(0, 255);
        px.copy_from_slice(&cvt::hsv_to_rgb(i % w, w, [h as u8, s as u8, v as u8]));
    }
}

/// `TrainTransform`: HSV (p), flip (p), letterbox to (W, H) top-left over 114; boxes to
/// cx, cy, w, h scaled, those thinner than 1 px dropped (all gone: the untouched image and
/// boxes instead). Returns the CHW BGR float input and the targets `[class, cx, cy, w, h]`.
pub fn train_transform(mut img: Rgb, labels: Vec<Label>, (in_w, in_h): (usize, usize), cfg: &AugConfig, r: &mut Mt64) -> (Vec<f32>, Vec<[f32; 5]>) {
    if labels.is_empty() {
        return (letterbox(&img, in_w, in_h).0, Vec::new());
    }
    let original = (img.clone(), labels.clone());
    if uniform(r) < cfg.hsv_prob {
        augment_hsv(&mut img, r);
    }
    let mut labels = labels;
    if uniform(r) < cfg.flip_prob {
        img = super::super::augment::flips::hflip(&img);
        let w = img.width as f64;
        for l in labels.iter_mut() {
            (l[0], l[2]) = (w - l[2], w - l[0]);
        }
    }
    let targets = |labels: &[Label], ratio: f64| -> Vec<[f32; 5]> {
        labels
            .iter()
            .map(|l| {
                [
                    l[4] as f32,
                    ((l[0] + l[2]) / 2.0 * ratio) as f32,
                    ((l[1] + l[3]) / 2.0 * ratio) as f32,
                    ((l[2] - l[0]) * ratio) as f32,
                    ((l[3] - l[1]) * ratio) as f32,
                ]
            })
            .filter(|t| t[3].min(t[4]) > 1.0)
            .collect()
    };
    let (x, ratio) = letterbox(&img, in_w, in_h);
    let t = targets(&labels, ratio);
    if !t.is_empty() {
        return (x, t);
    }
    let (x, ratio) = letterbox(&original.0, in_w, in_h);
    let t = original
        .1
        .iter()
        .map(|l| {
            [
                l[4] as f32,
                ((l[0] + l[2]) / 2.0 * ratio) as f32,
                ((l[1] + l[3]) / 2.0 * ratio) as f32,
                ((l[2] - l[0]) * ratio) as f32,
                ((l[3] - l[1]) * ratio) as f32,
            ]
        })
        .collect();
    (x, t)
}

/// YOLOX's `preproc`: resize to fit (W, H) with INTER_LINEAR (sizes truncated), top-left on
/// 114, HWC RGB to CHW BGR float 0..255. Returns the input and the ratio.
pub fn letterbox(img: &Rgb, in_w: usize, in_h: usize) -> (Vec<f32>, f64) {
    let ratio = (in_h as f64 / img.height as f64).min(in_w as f64 / img.width as f64);
    let resized = scale_image(img, ratio);
    let (rw, rh) = (resized.width.min(in_w), resized.height.min(in_h));
    let plane = in_w * in_h;
    let mut out = vec![FILL as f32; plane * 3];
    for y in 0..rh {
        for x in 0..rw {
            let p = &resized.data[(y * resized.width + x) * 3..][..3];
            let o = y * in_w + x;
            out[o] = p[2] as f32;
            out[plane + o] = p[1] as f32;
            out[2 * plane + o] = p[0] as f32;
        }
    }
    (out, ratio)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(w: usize, h: usize, v: u8) -> Rgb {
        Rgb { width: w, height: h, data: vec![v; w * h * 3] }
    }

    #[test]
    fn mosaic_places_four_quadrants_around_the_centre() {
        // A quadrant's visible part always ends at the centre.
        assert_eq!(mosaic_coordinate(0, 300, 200, 100, 80, 416, 416), ((200, 120, 300, 200), (0, 0)));
        assert_eq!(mosaic_coordinate(3, 800, 800, 100, 80, 416, 416), ((800, 800, 832, 832), (0, 0)));
        assert_eq!(mosaic_coordinate(1, 10, 10, 100, 80, 416, 416), ((10, 0, 110, 10), (0, 70)));
    }

    #[test]
    fn identity_affine_keeps_boxes_and_pixels() {
        let cfg = AugConfig { degrees: 0.0, translate: 0.0, scale: (1.0, 1.0), shear: 0.0, ..SEED_AUG };
        let mut img = solid(64, 48, 10);
        img.data[(5 * 64 + 7) * 3] = 200;
        let (out, labels) = random_affine(&img, vec![[4.0, 5.0, 30.0, 40.0, 0.0]], (64, 48), &cfg, &mut Mt64::new(1));
        assert_eq!(out, img);
        assert_eq!(labels, vec![[4.0, 5.0, 30.0, 40.0, 0.0]]);
    }

    #[test]
    fn affine_boxes_follow_the_pixels() {
        // A bright square moved by a random affine stays inside its transformed box.
        let mut img = solid(128, 128, 0);
        for y in 40..60 {
            for x in 50..70 {
                img.data[(y * 128 + x) * 3..][..3].copy_from_slice(&[255, 255, 255]);
            }
        }
        let mut r = Mt64::new(3);
        for _ in 0..20 {
            let (out, labels) = random_affine(&img, vec![[50.0, 40.0, 70.0, 60.0, 0.0]], (128, 128), &SEED_AUG, &mut r);
            let l = labels[0];
            for y in 0..128 {
                for x in 0..128 {
                    if out.data[(y * 128 + x) * 3] > 200 {
                        let (fx, fy) = (x as f64, y as f64);
                        assert!(fx >= l[0] - 1.0 && fx <= l[2] + 1.0 && fy >= l[1] - 1.0 && fy <= l[3] + 1.0, "pixel ({x}, {y}) outside {l:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn letterbox_is_top_left_bgr_over_grey() {
        let mut img = solid(4, 2, 0);
        img.data[..3].copy_from_slice(&[1, 2, 3]);
        let (x, ratio) = letterbox(&img, 8, 8);
        assert_eq!(ratio, 2.0);
        assert_eq!((x[0], x[64], x[128]), (3.0, 2.0, 1.0));
        assert_eq!(x[8 * 7 + 7], 114.0);
    }

    #[test]
    fn train_transform_keeps_boxes_in_centre_format() {
        let cfg = AugConfig { hsv_prob: 0.0, flip_prob: 0.0, ..SEED_AUG };
        let (_, t) = train_transform(solid(100, 50, 0), vec![[10.0, 10.0, 30.0, 20.0, 0.0], [0.0, 0.0, 0.5, 9.0, 0.0]], (200, 200), &cfg, &mut Mt64::new(1));
        assert_eq!(t, vec![[0.0, 40.0, 30.0, 40.0, 20.0]]);
    }

    #[test]
    fn mixup_blends_half_and_half() {
        let cfg = SEED_AUG;
        let mut r = Mt64::new(5);
        let (img, labels) =
            mixup(&solid(64, 64, 100), vec![[1.0, 1.0, 20.0, 20.0, 0.0]], (solid(64, 64, 200), vec![[0.0, 0.0, 64.0, 64.0, 0.0]]), &cfg, &mut r);
        assert_eq!(labels.len(), 2);
        assert!(img.data.contains(&150), "blend of 100 and 200 expected");
    }
}
