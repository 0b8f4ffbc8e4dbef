//! Differential tests of the background generator against OpenCV 4.10 / scikit-image 0.26
//! goldens made by `scripts/goldens/background_goldens.py` (the file formats are described
//! there), plus the properties of the noise and the error handling.

/// Directory of the goldens (`tests/goldens/background` of the repository).
const GOLDENS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/goldens/background");

use super::contour_fill::{fill_component_outer, fill_largest_external_contour};
use super::contours::{contour_area, contour_area2, find_external_contours, largest_contour};
use super::dilate::dilate;
use super::grey::{grey_of, rgb_to_grey};
use super::otsu::{otsu_threshold, otsu_threshold_from_histogram};
use super::structuring_element::ellipse_kernel;
use super::*;

fn lines(name: &str) -> Vec<String> {
    let path = format!("{GOLDENS}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect()
}

/// Unpacks `np.packbits` hex (first pixel = most significant bit) into `n` 0/1 bytes.
fn unbits(hex: &str, n: usize) -> Vec<u8> {
    if hex == "-" {
        return vec![0; n];
    }
    assert_eq!(hex.len(), n.div_ceil(8) * 2, "bit string length");
    let bytes: Vec<u8> = (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    (0..n).map(|i| (bytes[i / 8] >> (7 - i % 8)) & 1).collect()
}

fn fnv(data: &[u8]) -> String {
    let mut h: u64 = 0xCBF29CE484222325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001B3);
    }
    format!("{h:016x}")
}

fn num<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap_or_else(|e| panic!("parsing {s:?}: {e:?}"))
}

#[test]
fn grey_matches_cv2() {
    let rows = lines("grey.txt");
    assert!(rows.len() >= 1000);
    for l in rows {
        let v: Vec<u8> = l.split_whitespace().map(num).collect();
        assert_eq!(grey_of(v[0], v[1], v[2]), v[3], "RGB {:?}", &v[..3]);
        assert_eq!(rgb_to_grey(&v[..3]), vec![v[3]]);
    }
}

#[test]
fn otsu_matches_skimage() {
    let rows = lines("otsu.txt");
    assert!(rows.len() > 100);
    for l in rows {
        let t: Vec<&str> = l.split_whitespace().collect();
        let n: usize = num(t[1]);
        let mut hist = [0u64; 256];
        for pair in &t[2..2 + n] {
            let (v, c) = pair.split_once(':').unwrap();
            hist[num::<usize>(v)] = num(c);
        }
        let expected: u8 = num(t[2 + n]);
        assert_eq!(otsu_threshold_from_histogram(&hist), Some(expected), "otsu case {}", t[0]);
        let total: u64 = hist.iter().sum();
        if total <= 200_000 {
            // Same through the array entry point (any value order).
            let arr: Vec<u8> = (0..256).rev().flat_map(|v| std::iter::repeat_n(v as u8, hist[v] as usize)).collect();
            assert_eq!(otsu_threshold(&arr), Some(expected), "otsu case {} (array)", t[0]);
        }
    }
    assert_eq!(otsu_threshold(&[]), None);
}

#[test]
fn ellipse_kernels_match_cv2() {
    let rows = lines("kernels.txt");
    assert!(rows.iter().any(|l| l.starts_with("24 24 ")) && rows.iter().any(|l| l.starts_with("8 8 ")));
    for l in rows {
        let t: Vec<&str> = l.split_whitespace().collect();
        let (w, h): (usize, usize) = (num(t[0]), num(t[1]));
        let k = ellipse_kernel(w, h);
        assert_eq!(k.data, unbits(t[2], w * h), "ellipse kernel {w}x{h}");
        assert_eq!((k.anchor_x, k.anchor_y), (w / 2, h / 2));
    }
}

#[test]
fn dilate_matches_cv2() {
    let rows = lines("dilate.txt");
    assert!(rows.len() >= 50);
    for l in rows {
        let t: Vec<&str> = l.split_whitespace().collect();
        let (w, h, kw, kh): (usize, usize, usize, usize) = (num(t[1]), num(t[2]), num(t[3]), num(t[4]));
        let mask = unbits(t[5], w * h);
        let got = dilate(&mask, w, h, &ellipse_kernel(kw, kh));
        assert_eq!(got, unbits(t[6], w * h), "dilate case {} ({w}x{h}, kernel {kw}x{kh})", t[0]);
    }
}

fn points_fnv(cs: &[super::contours::Contour]) -> String {
    let mut buf = Vec::new();
    for c in cs {
        buf.extend_from_slice(&(c.points.len() as u32).to_le_bytes());
        for &(x, y) in &c.points {
            buf.extend_from_slice(&x.to_le_bytes());
            buf.extend_from_slice(&y.to_le_bytes());
        }
    }
    fnv(&buf)
}

#[test]
fn contours_and_fill_match_cv2() {
    let rows = lines("contours.txt");
    assert!(rows.len() > 500);
    let mut ties = 0;
    for l in rows {
        let t: Vec<&str> = l.split_whitespace().collect();
        let (w, h): (usize, usize) = (num(t[1]), num(t[2]));
        let mask = unbits(t[3], w * h);
        let cs = find_external_contours(&mask, w, h);
        let id = t[0];
        assert_eq!(cs.len(), num::<usize>(t[4]), "contour count, case {id}");
        assert_eq!(points_fnv(&cs), t[5], "contour points, case {id}");
        let areas: Vec<i64> = cs.iter().map(|c| contour_area2(&c.points).abs()).collect();
        let expected_areas: Vec<i64> = if t[8] == "-" { vec![] } else { t[8].split(',').map(num).collect() };
        assert_eq!(areas, expected_areas, "areas, case {id}");
        for (c, a2) in cs.iter().zip(&areas) {
            assert_eq!(contour_area(&c.points), *a2 as f64 / 2.0);
        }
        let best: i64 = num(t[6]);
        assert_eq!(largest_contour(&cs).map(|i| i as i64).unwrap_or(-1), best, "largest, case {id}");
        if let Some(&m) = areas.iter().max()
            && areas.iter().filter(|&&a| a == m).count() > 1
        {
            ties += 1;
        }
        let expected_fill = unbits(t[7], w * h);
        assert_eq!(fill_largest_external_contour(&mask, w, h), expected_fill, "filled largest contour, case {id}");
        if best >= 0 {
            let (x, y) = cs[best as usize].points[0];
            assert_eq!(fill_component_outer(&mask, w, h, x as usize, y as usize), expected_fill);
        }
    }
    assert!(ties > 50, "the goldens exercise ties ({ties})");
}

/// The integer-only test-image generator of `background_goldens.py`.
fn render(w: usize, h: usize, seed: u64, pal: &[[i64; 4]], shapes: &[Vec<i64>], kinds: &[char]) -> Vec<u8> {
    let mut label = vec![0usize; w * h];
    for (s, &kind) in shapes.iter().zip(kinds) {
        for y in 0..h as i64 {
            for x in 0..w as i64 {
                let (inside, col) = match kind {
                    'e' => {
                        let (cx, cy, a, b) = (s[0], s[1], s[2], s[3]);
                        ((x - cx).pow(2) * b * b + (y - cy).pow(2) * a * a <= a * a * b * b, s[4])
                    }
                    's' => {
                        let (x0, y0, x1, y1, t) = (s[0], s[1], s[2], s[3], s[4]);
                        let (dx, dy) = (x1 - x0, y1 - y0);
                        let l2 = dx * dx + dy * dy;
                        let (qx, qy) = (x - x0, y - y0);
                        let dot = qx * dx + qy * dy;
                        let cr = qx * dy - qy * dx;
                        (dot >= 0 && dot <= l2 && cr * cr <= t * t * l2, s[5])
                    }
                    'r' => (x >= s[0] && x < s[2] && y >= s[1] && y < s[3], s[4]),
                    _ => panic!("shape {kind}"),
                };
                if inside {
                    label[y as usize * w + x as usize] = col as usize;
                }
            }
        }
    }
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    };
    let mut img = vec![0u8; w * h * 3];
    for (k, v) in img.iter_mut().enumerate() {
        let p = pal[label[k / 3]];
        let amp = p[3];
        let r = mix(seed.wrapping_add((k as u64 + 1).wrapping_mul(0x9E3779B97F4A7C15)));
        *v = (p[k % 3] + (r % (2 * amp as u64 + 1)) as i64 - amp).clamp(0, 255) as u8;
    }
    img
}

struct ImageCase {
    id: String,
    w: usize,
    h: usize,
    bbox: [f64; 4],
    img: Vec<u8>,
    expected: Vec<String>,
}

fn image_cases() -> Vec<ImageCase> {
    lines("images.txt")
        .into_iter()
        .map(|l| {
            let (spec, exp) = l.split_once(" | ").unwrap();
            let t: Vec<&str> = spec.split_whitespace().collect();
            let (w, h, seed): (usize, usize, u64) = (num(t[1]), num(t[2]), num(t[3]));
            let bbox = [num(t[4]), num(t[5]), num(t[6]), num(t[7])];
            let npal: usize = num(t[8]);
            let mut i = 9;
            let pal: Vec<[i64; 4]> = (0..npal)
                .map(|_| {
                    let p = [num(t[i]), num(t[i + 1]), num(t[i + 2]), num(t[i + 3])];
                    i += 4;
                    p
                })
                .collect();
            let nshapes: usize = num(t[i]);
            i += 1;
            let (mut shapes, mut kinds) = (Vec::new(), Vec::new());
            for _ in 0..nshapes {
                let kind = t[i].chars().next().unwrap();
                let n = match kind {
                    's' => 6,
                    _ => 5,
                };
                shapes.push(t[i + 1..i + 1 + n].iter().map(|s| num::<i64>(s)).collect::<Vec<_>>());
                kinds.push(kind);
                i += 1 + n;
            }
            assert_eq!(i, t.len());
            let img = render(w, h, seed, &pal, &shapes, &kinds);
            ImageCase { id: t[0].to_owned(), w, h, bbox, img, expected: exp.split_whitespace().map(str::to_owned).collect() }
        })
        .collect()
}

#[test]
fn end_to_end_matches_seed_without_noise() {
    let cases = image_cases();
    assert!(cases.len() >= 12);
    let p = BackgroundParams::default().without_noise();
    for c in &cases {
        let e = &c.expected;
        let id = &c.id;
        assert_eq!(fnv(&c.img), e[11], "generated input, case {id}");
        // Intermediates through the building blocks.
        let grey = rgb_to_grey(&c.img);
        assert_eq!(fnv(&grey), e[12], "grey, case {id}");
        let t = otsu_threshold(&grey).unwrap();
        let mask: Vec<u8> = grey.iter().map(|&g| (g < t) as u8).collect();
        assert_eq!(fnv(&mask), e[13], "mask, case {id}");
        let dil = dilate(&mask, c.w, c.h, &ellipse_kernel(24, 24));
        assert_eq!(fnv(&dil), e[14], "dilated mask, case {id}");
        // The generator.
        let d = make_background_detailed(&c.img, c.w, c.h, c.bbox, &p).unwrap();
        assert_eq!(d.threshold.to_string(), e[0], "threshold, case {id}");
        assert_eq!(d.fill.map(|v| v.to_string()).to_vec(), e[1..4], "fill, case {id}");
        assert_eq!(d.fill_fallback.map(|b| (b as u8).to_string()).to_vec(), e[4..7], "fallback, case {id}");
        assert_eq!(d.crop.map(|v| v.to_string()).to_vec(), e[7..11], "crop, case {id}");
        let [x1, y1, x2, y2] = d.crop;
        assert_eq!(d.cell_mask, unbits(&e[15], (x2 - x1) * (y2 - y1)), "cell mask, case {id}");
        assert_eq!(fnv(&d.image), e[16], "output image, case {id}");
        assert_eq!(make_background(&c.img, c.w, c.h, c.bbox, &p).unwrap(), d.image);
    }
}

#[test]
fn noise_only_inside_the_cell_bounded_and_seeded() {
    let base = BackgroundParams::default();
    let mut total_noisy = 0;
    for c in image_cases() {
        let exact = make_background_detailed(&c.img, c.w, c.h, c.bbox, &base.clone().without_noise()).unwrap();
        let run = |seed: u64| make_background_detailed(&c.img, c.w, c.h, c.bbox, &BackgroundParams { seed, ..base.clone() }).unwrap();
        let a = run(1);
        assert_eq!(a, run(1), "deterministic per seed, case {}", c.id);
        assert_eq!((a.threshold, a.fill, a.crop, &a.cell_mask), (exact.threshold, exact.fill, exact.crop, &exact.cell_mask));
        let [x1, y1, x2, y2] = a.crop;
        let cw = x2 - x1;
        let in_cell = |i: usize| {
            let (x, y) = (i % c.w, i / c.w);
            x >= x1 && x < x2 && y >= y1 && y < y2 && a.cell_mask[(y - y1) * cw + x - x1] == 1
        };
        let mut noisy = 0;
        for i in 0..c.w * c.h {
            for ch in 0..3 {
                let (v, ex) = (a.image[3 * i + ch] as i32, exact.image[3 * i + ch] as i32);
                if in_cell(i) {
                    assert!((v - a.fill[ch] as i32).abs() <= base.noise_amplitude, "noise amplitude, case {}", c.id);
                    noisy += (v != ex) as usize;
                } else {
                    assert_eq!(v, c.img[3 * i + ch] as i32, "pixel outside the cell changed, case {}", c.id);
                }
            }
        }
        let cell = a.cell_mask.iter().filter(|&&m| m == 1).count();
        if cell > 500 {
            assert!(noisy > 0, "noise visible, case {}", c.id);
            assert_ne!(a.image, run(2).image, "different across seeds, case {}", c.id);
        }
        // At most int(0.1·h·w) positions, 3 channels each.
        assert!(noisy <= 3 * (0.1 * (y2 - y1) as f64 * cw as f64) as usize);
        total_noisy += noisy;
    }
    assert!(total_noisy > 1000);
}

#[test]
fn errors_instead_of_panics() {
    let p = BackgroundParams::default();
    let img = vec![200u8; 20 * 10 * 3];
    // Boxes that are empty once grown and clipped.
    for b in [[100.0, 100.0, 120.0, 120.0], [-80.0, 0.0, -40.0, 5.0], [10.0, 5.0, -30.0, 8.0], [0.0, 50.0, 5.0, 60.0]] {
        assert!(make_background(&img, 20, 10, b, &p).is_err(), "{b:?}");
    }
    for b in [[f64::NAN, 0.0, 5.0, 5.0], [0.0, 0.0, f64::INFINITY, 5.0]] {
        assert!(make_background(&img, 20, 10, b, &p).is_err());
    }
    assert!(make_background(&img, 20, 11, [0.0, 0.0, 5.0, 5.0], &p).is_err()); // wrong size
    assert!(make_background(&[], 0, 0, [0.0, 0.0, 5.0, 5.0], &p).is_err());
    for bad in [
        BackgroundParams { mask_kernel: 0, ..p.clone() },
        BackgroundParams { cell_kernel: 0, ..p.clone() },
        BackgroundParams { noise_fraction: -0.1, ..p.clone() },
        BackgroundParams { noise_fraction: f64::NAN, ..p.clone() },
        BackgroundParams { noise_fraction: 1e30, ..p.clone() },
        BackgroundParams { noise_amplitude: -1, ..p.clone() },
        BackgroundParams { noise_amplitude: 256, ..p.clone() },
    ] {
        assert!(make_background(&img, 20, 10, [2.0, 2.0, 8.0, 8.0], &bad).is_err(), "{bad:?}");
    }
    // Degenerate but valid inputs work.
    assert_eq!(make_background(&[7, 8, 9], 1, 1, [0.0, 0.0, 1.0, 1.0], &p).unwrap(), vec![7, 8, 9]);
    assert_eq!(make_background(&[7, 8, 9], 1, 1, [-5.0, -5.0, 50.0, 50.0], &p).unwrap(), vec![7, 8, 9]);
    let flat = make_background(&img, 20, 10, [1e300, -1e300, 1e300, 1e300], &p);
    assert!(flat.is_err());
    assert_eq!(make_background(&img, 20, 10, [-1e300, -1e300, 1e300, 1e300], &p).unwrap(), img);
    // Margin extremes.
    assert!(make_background(&img, 20, 10, [5.0, 5.0, 6.0, 6.0], &BackgroundParams { margin: i64::MIN, ..p.clone() }).is_err());
    assert!(make_background(&img, 20, 10, [5.0, 5.0, 6.0, 6.0], &BackgroundParams { margin: i64::MAX, ..p.clone() }).is_ok());
}

#[test]
fn random_small_inputs_never_panic() {
    use rand_mt::Mt64;
    let mut rng = Mt64::new(7);
    for _ in 0..400 {
        let w = 1 + (rng.next_u64() % 40) as usize;
        let h = 1 + (rng.next_u64() % 40) as usize;
        let levels = 1 + rng.next_u64() % 4;
        let img: Vec<u8> = (0..w * h * 3).map(|_| ((rng.next_u64() % levels) * 80) as u8).collect();
        let r = |rng: &mut Mt64| (rng.next_u64() % 120) as f64 - 40.0 + 0.5;
        let bbox = [r(&mut rng), r(&mut rng), r(&mut rng), r(&mut rng)];
        let p = BackgroundParams {
            margin: (rng.next_u64() % 20) as i64 - 2,
            mask_kernel: 1 + (rng.next_u64() % 30) as usize,
            cell_kernel: 1 + (rng.next_u64() % 12) as usize,
            seed: rng.next_u64(),
            ..BackgroundParams::default()
        };
        if let Ok(out) = make_background(&img, w, h, bbox, &p) {
            assert_eq!(out.len(), img.len());
        }
    }
}

/// Timing of a typical call (360×366 image, ~100×100 box); run with
/// `cargo test --release -- --ignored --nocapture bench_typical`.
#[test]
#[ignore]
fn bench_typical() {
    let (w, h) = (360usize, 366usize);
    let pal = [[226, 196, 210, 6], [118, 62, 150, 14], [80, 30, 120, 10]];
    let shapes = vec![vec![180, 183, 45, 42, 1], vec![170, 178, 20, 16, 2], vec![60, 300, 15, 15, 1]];
    let img = render(w, h, 99, &pal, &shapes, &['e', 'e', 'e']);
    let bbox = [130.0, 133.0, 230.0, 233.0];
    let p = BackgroundParams::default();
    let n = 200;
    let t0 = std::time::Instant::now();
    let mut cells = 0;
    for i in 0..n {
        let d = make_background_detailed(&img, w, h, bbox, &BackgroundParams { seed: i, ..p.clone() }).unwrap();
        cells += d.cell_mask.iter().filter(|&&m| m == 1).count();
    }
    let per = t0.elapsed().as_secs_f64() / n as f64;
    eprintln!("make_background 360x366, box 100x100: {:.3} ms per call ({} cell px)", per * 1e3, cells / n as usize);
}
