//! External contours of a binary mask, bit-exact with
//! `cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)` (OpenCV 4.10), and
//! `cv2.contourArea`.
//!
//! This is a port of OpenCV 4.10's `contours_new.cpp` restricted to `RETR_EXTERNAL` +
//! `CHAIN_APPROX_NONE` (Suzuki & Abe border following, 8-connected foreground):
//! * the mask is copied into a 1-pixel zero border (`copyMakeBorder`) and binarised to 0/1;
//! * a raster scan (rows 1 … h, columns 1 … w of the padded image) looks for a 0 → 1
//!   transition onto a not-yet-visited pixel; it starts an outer border unless the last border
//!   pixel met on the row (`lnbd`) carries a positive mark, i.e. the scan is inside another
//!   object (holes are never traced in this mode);
//! * the border is followed counter-clockwise from the start pixel (initial search clockwise
//!   from the left neighbour), marking each border pixel 2, or `2 | 0x80` when its right
//!   neighbour was examined as background; every step emits the current point;
//! * contours become children of the root in discovery order, each *prepended* to the child
//!   list, so the output lists them in **reverse discovery (raster) order**.
//!
//! Points are in the mask's coordinates (`x`, `y`), as OpenCV returns them.

/// One contour: its boundary points in OpenCV's order (`(x, y)` pairs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contour {
    /// Boundary points as emitted by OpenCV's border follower (`CHAIN_APPROX_NONE`); the first
    /// point is the border's raster-first pixel.
    pub points: Vec<(i32, i32)>,
}

/// OpenCV's chain-code directions: 0 = right, then counter-clockwise (y grows downwards).
const DELTAS: [(isize, isize); 8] = [(1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1)];
/// Mark of a border pixel whose right neighbour was examined (OpenCV: `nbd | MASK8_RIGHT`).
const MARK_RIGHT: i8 = (2u8 | 0x80) as i8;
/// Mark of any other border pixel (OpenCV: `MASK8_NEW`).
const MARK_NEW: i8 = 2;
/// OpenCV's `MASK8_FLAGS` (0xFE as `schar`): nonzero for marked pixels, zero for 0 and 1.
const FLAGS: i32 = -2;

/// `cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)[0]` for a row-major
/// `width × height` mask (nonzero = foreground), in OpenCV's output order.
/// An empty image or a too-short mask gives no contour.
pub fn find_external_contours(mask: &[u8], width: usize, height: usize) -> Vec<Contour> {
    let n = width.saturating_mul(height);
    if n == 0 || mask.len() < n {
        return Vec::new();
    }
    let pw = width + 2;
    let ph = height + 2;
    let mut img = vec![0i8; pw * ph];
    for y in 0..height {
        for x in 0..width {
            img[(y + 1) * pw + x + 1] = (mask[y * width + x] != 0) as i8;
        }
    }
    let deltas: [isize; 8] = DELTAS.map(|(dx, dy)| dx + dy * pw as isize);

    let mut found: Vec<Contour> = Vec::new();
    // Scanner state (OpenCV: pt, lnbd). `last_x` is lnbd.x; lnbd.y is always the current row.
    let (w1, h1) = (pw - 1, ph - 1);
    let mut y = 1usize;
    let mut x = 1usize;
    let mut last_x = 0usize;
    let mut prev: i32 = 0;
    while y < h1 {
        while x < w1 {
            // findNextX: skip pixels equal to `prev`.
            let row = &img[y * pw..(y + 1) * pw];
            while x < w1 && row[x] as i32 == prev {
                x += 1;
            }
            if x >= w1 {
                break;
            }
            let p = row[x] as i32;
            // contourScan
            let mut start = false;
            if prev == 0 && p == 1 {
                // Outer border candidate: skipped when inside an object (positive lnbd mark).
                if img[y * pw + last_x] <= 0 {
                    start = true;
                }
            } else if p == 0 && prev >= 1 {
                // Hole border: not traced in RETR_EXTERNAL mode, but it moves lnbd.
                if prev & FLAGS != 0 {
                    last_x = x - 1;
                }
            }
            if start {
                last_x = x;
                let points = follow_outer_border(&mut img, &deltas, pw, x, y);
                found.push(Contour { points });
                // Resume right after the start pixel; `prev` is its new mark.
                prev = img[y * pw + x] as i32;
                x += 1;
                continue;
            }
            prev = p;
            if prev & FLAGS != 0 {
                last_x = x;
            }
            x += 1;
        }
        y += 1;
        x = 1;
        last_x = 0;
        prev = 0;
    }
    found.reverse();
    found
}

/// OpenCV's `icvFetchContourEx<schar>` for an outer border starting at padded `(x0, y0)`,
/// `CHAIN_APPROX_NONE`: follows the border, marks its pixels and returns its points in the
/// unpadded coordinates.
fn follow_outer_border(img: &mut [i8], deltas: &[isize; 8], pw: usize, x0: usize, y0: usize) -> Vec<(i32, i32)> {
    let i0 = y0 * pw + x0;
    let mut pt = (x0 as i32 - 1, y0 as i32 - 1);
    let mut points = Vec::new();
    let at = |i: usize, s: usize| (i as isize + deltas[s & 7]) as usize;

    // Initial search clockwise from the left neighbour (s_end = 4).
    let mut s: usize = 4;
    let mut i1;
    loop {
        s = (s + 7) & 7;
        i1 = at(i0, s);
        if img[i1] != 0 || s == 4 {
            break;
        }
    }
    if s == 4 {
        // Isolated pixel.
        img[i0] = MARK_RIGHT;
        points.push(pt);
        return points;
    }
    let mut i3 = i0;
    loop {
        let s_end = s;
        let mut i4 = i3;
        while s < 15 {
            s += 1;
            i4 = at(i3, s);
            if img[i4] != 0 {
                break;
            }
        }
        s &= 7;
        if s.wrapping_sub(1) < s_end {
            img[i3] = MARK_RIGHT;
        } else if img[i3] == 1 {
            img[i3] = MARK_NEW;
        }
        points.push(pt);
        pt.0 += DELTAS[s].0 as i32;
        pt.1 += DELTAS[s].1 as i32;
        if i4 == i0 && i3 == i1 {
            break;
        }
        i3 = i4;
        s = (s + 4) & 7;
    }
    points
}

/// Twice the signed shoelace area of a closed polygon, exactly (OpenCV's `contourArea`
/// accumulates `prev.x·p.y − prev.y·p.x` from the last point around; for integer points every
/// term is exact).
pub fn contour_area2(points: &[(i32, i32)]) -> i64 {
    let Some(&last) = points.last() else { return 0 };
    let mut prev = last;
    let mut a: i64 = 0;
    for &p in points {
        a += prev.0 as i64 * p.1 as i64 - prev.1 as i64 * p.0 as i64;
        prev = p;
    }
    a
}

/// `cv2.contourArea(points)` (unoriented): `|Σ (prev.x·p.y − prev.y·p.x)| / 2`.
pub fn contour_area(points: &[(i32, i32)]) -> f64 {
    contour_area2(points).unsigned_abs() as f64 * 0.5
}

/// Index of the contour with the largest `cv2.contourArea`, the first one on ties (Python's
/// `max(contours, key=cv2.contourArea)`); `None` when there is no contour.
pub fn largest_contour(contours: &[Contour]) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, c) in contours.iter().enumerate() {
        let a = contour_area2(&c.points).unsigned_abs();
        if best.is_none_or(|(_, b)| a > b) {
            best = Some((i, a));
        }
    }
    best.map(|(i, _)| i)
}
