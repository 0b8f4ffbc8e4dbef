//! Elliptic structuring element, bit-exact with
//! `cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, height))` (OpenCV 4.10).
//!
//! OpenCV's construction (default anchor = `(width/2, height/2)`): with `r = height/2`,
//! `c = width/2`, `inv_r2 = 1/r²` (0 when `r == 0`), row `i` has `dy = i − r`; when `|dy| ≤ r`
//! it is 1 on columns `max(c − dx, 0) .. min(c + dx + 1, width)` (end exclusive) where
//! `dx = cvRound(c · sqrt((r² − dy²) · inv_r2))` (round half to even), and 0 elsewhere.
//! A 1×1 size is a rectangle (the same single 1). Even sizes are therefore asymmetric: a 24×24
//! element covers rows `dy = −12 … 11` around the anchor, with a single pixel on the top row.

/// A binary structuring element with its anchor (the pixel that lands on the output pixel).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kernel {
    /// Number of columns.
    pub width: usize,
    /// Number of rows.
    pub height: usize,
    /// Anchor column (OpenCV's default: `width / 2`).
    pub anchor_x: usize,
    /// Anchor row (OpenCV's default: `height / 2`).
    pub anchor_y: usize,
    /// Row-major `height × width` values, 0 or 1.
    pub data: Vec<u8>,
}

impl Kernel {
    /// The runs of ones of each row, as `(row, first_col, end_col)` with `end_col` exclusive.
    pub fn runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        if self.width == 0 {
            return runs;
        }
        // Tolerates a `data` of the wrong length (missing values count as 0).
        for (i, row) in self.data.chunks(self.width).take(self.height).enumerate() {
            let mut j = 0;
            while j < row.len() {
                if row[j] != 0 {
                    let start = j;
                    while j < row.len() && row[j] != 0 {
                        j += 1;
                    }
                    runs.push((i, start, j));
                } else {
                    j += 1;
                }
            }
        }
        runs
    }
}

/// `cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, height))` with the default anchor.
/// An empty size (`width == 0` or `height == 0`) gives an empty kernel.
pub fn ellipse_kernel(width: usize, height: usize) -> Kernel {
    let mut data = vec![0u8; width * height];
    if width == 1 && height == 1 {
        data[0] = 1; // OpenCV turns a 1×1 element into MORPH_RECT.
    } else if width > 0 && height > 0 {
        let r = (height / 2) as i64;
        let c = (width / 2) as i64;
        let inv_r2 = if r != 0 { 1.0 / ((r as f64) * (r as f64)) } else { 0.0 };
        for i in 0..height {
            let dy = i as i64 - r;
            if dy.abs() > r {
                continue;
            }
            // C++: saturate_cast<int>(c * std::sqrt((r*r - dy*dy) * inv_r2)), cvRound = half-even.
            let dx = (c as f64 * (((r * r - dy * dy) as f64) * inv_r2).sqrt()).round_ties_even() as i64;
            let j1 = (c - dx).max(0) as usize;
            let j2 = ((c + dx + 1).min(width as i64)).max(0) as usize;
            for j in j1..j2.max(j1) {
                data[i * width + j] = 1;
            }
        }
    }
    Kernel { width, height, anchor_x: width / 2, anchor_y: height / 2, data }
}
