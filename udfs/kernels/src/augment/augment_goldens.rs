//! Differential tests of the augmentations against albumentations 1.4.22 / OpenCV 4.10 (AVX2)
//! goldens made by `scripts/goldens/augment_goldens.py` (file formats and cases described there):
//! every op with the parameters Python drew must give the same bytes. The `*_need_*` tests check
//! the goldens themselves: a plausible but non-cv2 variant (float bilinear warp, rounded gamma,
//! one HSV2RGB rounding for every column) must fail them, so they do pin those quirks down.

/// Directory of the goldens (`tests/goldens/augment` of the repository).
const GOLDENS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/goldens/augment");

use super::{Rgb, blur, clahe, color, cvt, flips, shift_scale_rotate as ssr};
use std::sync::OnceLock;

struct Reader {
    b: Vec<u8>,
    at: usize,
}

impl Reader {
    fn open(file: &str, magic: &[u8; 4]) -> Reader {
        let path = format!("{GOLDENS}/{file}");
        let b = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        assert_eq!(&b[..4], magic, "{path}: not a golden file");
        Reader { b, at: 4 }
    }

    fn take(&mut self, n: usize) -> &[u8] {
        self.at += n;
        &self.b[self.at - n..self.at]
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().unwrap())
    }

    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.take(8).try_into().unwrap())
    }

    /// u32 w, h, c (= 3), then HWC bytes.
    fn image(&mut self) -> Rgb {
        let (w, h, c) = (self.u32() as usize, self.u32() as usize, self.u32() as usize);
        assert_eq!(c, 3, "goldens are RGB");
        let data = self.take(w * h * 3).to_vec();
        Rgb::from_data(w, h, data)
    }
}

/// The shared inputs of `images.bin`, with their names.
fn images() -> &'static [(String, Rgb)] {
    static IMAGES: OnceLock<Vec<(String, Rgb)>> = OnceLock::new();
    IMAGES.get_or_init(|| {
        let mut r = Reader::open("images.bin", b"AUGI");
        let n = r.u32();
        let out = (0..n)
            .map(|_| {
                let len = r.take(1)[0] as usize;
                let name = String::from_utf8(r.take(len).to_vec()).unwrap();
                (name, r.image())
            })
            .collect();
        assert_eq!(r.at, r.b.len(), "images.bin: trailing bytes");
        out
    })
}

struct Case {
    /// Index into `images()`, None for parameter-only cases.
    src: Option<usize>,
    params: Vec<f64>,
    want: Rgb,
}

impl Case {
    fn src(&self) -> &'static Rgb {
        &images()[self.src.expect("case without an image")].1
    }

    fn label(&self, op: &str, i: usize) -> String {
        let on = self.src.map_or("-", |s| images()[s].0.as_str());
        format!("{op} case {i} on {on}, params {:?}", self.params)
    }
}

fn cases(op: &str) -> Vec<Case> {
    let mut r = Reader::open(&format!("{op}.bin"), b"AUGG");
    let n = r.u32();
    let out: Vec<Case> = (0..n)
        .map(|_| {
            let src = match r.u32() {
                u32::MAX => None,
                i => Some(i as usize),
            };
            let np = r.u32() as usize;
            let params = (0..np).map(|_| r.f64()).collect();
            Case { src, params, want: r.image() }
        })
        .collect();
    assert_eq!(r.at, r.b.len(), "{op}.bin: trailing bytes");
    assert!(!out.is_empty(), "{op}.bin: no cases");
    out
}

/// Runs `f` on every case of `op`: (values that differ, values compared, one line per bad case).
fn mismatches(op: &str, f: impl Fn(&Case) -> Rgb) -> (usize, usize, Vec<String>) {
    let (mut bad, mut total, mut notes) = (0, 0, Vec::new());
    for (i, c) in cases(op).iter().enumerate() {
        let got = f(c);
        assert_eq!((got.width, got.height), (c.want.width, c.want.height), "{} shape", c.label(op, i));
        let diff: Vec<usize> = (0..got.data.len()).filter(|&k| got.data[k] != c.want.data[k]).collect();
        if let Some(&k) = diff.first() {
            let (x, y, ch) = (k / 3 % got.width, k / 3 / got.width, k % 3);
            notes.push(format!(
                "{}: {} values differ, first at x {x} y {y} channel {ch}: {} (cv2 {})",
                c.label(op, i),
                diff.len(),
                got.data[k],
                c.want.data[k]
            ));
        }
        bad += diff.len();
        total += got.data.len();
    }
    (bad, total, notes)
}

fn exact(op: &str, f: impl Fn(&Case) -> Rgb) {
    let (bad, total, notes) = mismatches(op, f);
    assert_eq!(bad, 0, "{op}: {bad} of {total} values differ from cv2\n{}", notes.join("\n"));
}

/// A variant that is not what cv2 computes must fail the goldens somewhere.
fn caught(op: &str, variant: &str, f: impl Fn(&Case) -> Rgb) {
    let (bad, total, _) = mismatches(op, f);
    eprintln!("{op}: {variant} differs from cv2 on {bad} of {total} values");
    assert!(bad > 0, "{op}: the goldens do not tell {variant} from cv2 ({total} values)");
}

fn ssr_params(p: &[f64]) -> ssr::SsrParams {
    ssr::SsrParams { tx: p[6] as i64, ty: p[7] as i64, sx: p[8], sy: p[9], angle: p[10] }
}

#[test]
fn rot90_matches_numpy() {
    exact("rot90", |c| flips::rot90(c.src(), c.params[0] as i64));
}

#[test]
fn ssr_matrix_matches_albumentations() {
    for (i, c) in cases("ssr").iter().enumerate() {
        let m = ssr::matrix(&ssr_params(&c.params), c.src().width, c.src().height);
        for (a, b) in m.iter().zip(&c.params[..6]) {
            assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{}: matrix {m:?}", c.label("ssr", i));
        }
    }
}

#[test]
fn warp_affine_is_bit_exact() {
    exact("ssr", |c| ssr::warp_affine(c.src(), &c.params[..6].try_into().unwrap()));
    exact("ssr", |c| ssr::shift_scale_rotate(c.src(), &ssr_params(&c.params)));
}

/// Float bilinear sampling (zero outside) with the exact inverse map, rounded to nearest.
fn float_warp(img: &Rgb, m: &[f64]) -> Rgb {
    let (w, h) = (img.width as i64, img.height as i64);
    let d = m[0] * m[4] - m[1] * m[3];
    let inv = [m[4] / d, -m[1] / d, (m[1] * m[5] - m[2] * m[4]) / d, -m[3] / d, m[0] / d, (m[2] * m[3] - m[0] * m[5]) / d];
    let px = |x: i64, y: i64, ch: usize| {
        if (0..w).contains(&x) && (0..h).contains(&y) { img.data[((y * w + x) * 3) as usize + ch] as f64 } else { 0.0 }
    };
    let mut out = Rgb::new(img.width, img.height);
    for y in 0..h {
        for x in 0..w {
            let sx = inv[0] * x as f64 + inv[1] * y as f64 + inv[2];
            let sy = inv[3] * x as f64 + inv[4] * y as f64 + inv[5];
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            for ch in 0..3 {
                let v =
                    (1.0 - fy) * ((1.0 - fx) * px(x0, y0, ch) + fx * px(x0 + 1, y0, ch)) + fy * ((1.0 - fx) * px(x0, y0 + 1, ch) + fx * px(x0 + 1, y0 + 1, ch));
                out.data[((y * w + x) * 3) as usize + ch] = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

#[test]
fn warp_affine_goldens_need_fixed_point() {
    caught("ssr", "float bilinear", |c| float_warp(c.src(), &c.params[..6]));
}

#[test]
fn brightness_contrast_is_exact() {
    exact("brightness_contrast", |c| color::brightness_contrast(c.src(), c.params[0], c.params[1]));
}

#[test]
fn gamma_is_exact() {
    exact("gamma", |c| color::gamma(c.src(), c.params[0]));
}

#[test]
fn gamma_goldens_need_truncation() {
    caught("gamma", "a rounded gamma table", |c| {
        let g = c.params[0];
        let lut: [u8; 256] = std::array::from_fn(|i| ((i as f64 / 255.0).powf(g) * 255.0).round() as u8);
        c.src().map_lut(&lut)
    });
}

#[test]
fn hsv_is_exact() {
    exact("hsv", |c| color::shift_hsv(c.src(), c.params[0], c.params[1], c.params[2]));
}

#[test]
fn hsv_goldens_need_column_dependent_rounding() {
    // shift_hsv with HSV2RGB forced to one path for every column: `width` 1 puts column 0 in the
    // scalar tail (rounds), 32 in the AVX2 body (truncates).
    let forced = |c: &Case, width: usize| {
        let (hue, sat, val) = (c.params[0], c.params[1], c.params[2]);
        let add = |v: u8, s: f64| (v as i32 + s.trunc() as i32).clamp(0, 255) as u8;
        c.src().map_pixels(|_, p| {
            let [h, s, v] = cvt::rgb_to_hsv(p);
            let h = (h as f64 + hue).rem_euclid(180.0) as u8;
            cvt::hsv_to_rgb(0, width, [h, add(s, sat), add(v, val)])
        })
    };
    caught("hsv", "HSV2RGB rounding everywhere", |c| forced(c, 1));
    caught("hsv", "HSV2RGB truncating everywhere", |c| forced(c, 32));
    let widths: Vec<usize> = cases("hsv").iter().map(|c| c.src().width).collect();
    assert!(widths.iter().any(|&w| w > 32 && w % 32 != 0), "no row with both a SIMD body and a tail");
}

#[test]
fn color_jitter_is_exact() {
    exact("color_jitter", |c| {
        let p = &c.params;
        let order = [p[4] as usize, p[5] as usize, p[6] as usize, p[7] as usize];
        let jp = color::JitterParams { brightness: p[0], contrast: p[1], saturation: p[2], hue: p[3], order };
        color::color_jitter(c.src(), &jp)
    });
}

#[test]
fn to_gray_is_exact() {
    exact("to_gray", |c| color::to_gray(c.src()));
}

#[test]
fn clahe_is_exact() {
    exact("clahe", |c| clahe::clahe(c.src(), c.params[0]));
    // OpenCV pads unless both sides divide by the tile count, then a dividing side by a whole
    // tile: the goldens hold every combination, and images smaller than the grid.
    let sizes: Vec<(usize, usize)> = cases("clahe").iter().map(|c| (c.src().width, c.src().height)).collect();
    for (wd, hd) in [(false, false), (true, false), (false, true), (true, true)] {
        let t = clahe::TILES;
        assert!(sizes.iter().any(|&(w, h)| (w % t == 0, h % t == 0) == (wd, hd)), "no CLAHE size {wd} {hd}");
    }
    assert!(sizes.iter().any(|&(w, h)| w < clahe::TILES && h < clahe::TILES));
}

#[test]
fn gaussian_blur_is_exact() {
    exact("gaussian_blur", |c| blur::gaussian_blur(c.src(), c.params[0] as usize));
}

#[test]
fn motion_kernel_matches() {
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in cases("motion_kernel").iter().enumerate() {
        let p = &c.params;
        let k = p[0] as usize;
        let kern = blur::motion_kernel(k, p[1], p[2], (p[3], p[4]));
        let want: Vec<f32> = p[5..].iter().map(|&v| v as f32).collect();
        assert_eq!(kern.weights, want, "{}", c.label("motion_kernel", i));
        seen.insert((k, want.iter().filter(|&&v| v != 0.0).count() % 2));
    }
    // Both sizes, with odd and even tap counts (an even count has rounding ties).
    assert_eq!(seen.len(), 4, "{seen:?}");
}

#[test]
fn motion_blur_convolution_is_exact() {
    exact("motion_blur", |c| {
        let k = c.params[0] as usize;
        let weights = c.params[1..].iter().map(|&v| v as f32).collect();
        blur::convolve(c.src(), &blur::Kernel { size: k, weights })
    });
}
