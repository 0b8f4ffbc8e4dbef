//! Binary dilation, bit-exact with `cv2.dilate(mask, kernel)` (one iteration, default anchor,
//! default border) for a 0/1 `uint8` mask.
//!
//! OpenCV defines `dst(y, x) = max { src(y + i − ay, x + j − ax) : kernel(i, j) ≠ 0 }` (the
//! kernel is *not* reflected), and its default border for dilation is "minus infinity", so
//! samples outside the image never contribute. On a 0/1 mask this is a logical OR.
//!
//! Implementation: every kernel row is split into runs of ones. For a run covering source
//! columns `x + lo ..= x + hi`, the horizontally dilated row `s` is set at `x` when the first set
//! pixel of row `s` at or after `x + lo` is at or before `x + hi` (a per-row "next set pixel"
//! table, padded so that no index is out of range, makes this branch-free). Each distinct run
//! is computed once for all rows, then ORed into the output rows of every kernel row that has
//! it (shifted by the row's offset). Empty source rows are skipped.

use super::structuring_element::Kernel;

/// Dilates a row-major `width × height` mask (nonzero = set) with `kernel`; returns 0/1 bytes.
/// Panics never: a mask shorter than `width · height` or an empty image gives an all-zero
/// (or empty) result; an empty kernel (no ones) gives all zeros, as OpenCV's max over nothing.
pub fn dilate(mask: &[u8], width: usize, height: usize, kernel: &Kernel) -> Vec<u8> {
    let n = width.saturating_mul(height);
    let mut out = vec![0u8; n];
    if n == 0 || mask.len() < n {
        return out;
    }
    let runs = kernel.runs();
    if runs.is_empty() {
        return out;
    }
    let (ax, ay) = (kernel.anchor_x as isize, kernel.anchor_y as isize);
    // Source columns of a run: x + (j1 - ax) ..= x + (j2 - 1 - ax). Pad so that x + lo >= 0
    // and x + hi < width + 2 * pad for every x in 0..width.
    // (The anchor term keeps this in range even for a hand-made kernel whose anchor lies outside.)
    let pad = kernel.width + kernel.anchor_x + 1;
    let pw = width + 2 * pad;
    let sentinel = u32::MAX;
    // next[s * pw + p] = padded index of the first set pixel of row s at padded column >= p.
    let mut next = vec![sentinel; height * pw];
    let mut row_has = vec![false; height];
    for s in 0..height {
        let src = &mask[s * width..(s + 1) * width];
        let nrow = &mut next[s * pw..(s + 1) * pw];
        let mut nxt = sentinel;
        for p in (0..pw).rev() {
            if p >= pad && p < pad + width && src[p - pad] != 0 {
                nxt = p as u32;
                row_has[s] = true;
            }
            nrow[p] = nxt;
        }
    }
    // Kernel rows sharing the same run share one horizontally dilated copy of the mask.
    let mut groups: Vec<((usize, usize), Vec<usize>)> = Vec::new();
    for &(i, j1, j2) in &runs {
        match groups.iter_mut().find(|(r, _)| *r == (j1, j2)) {
            Some((_, rows)) => rows.push(i),
            None => groups.push(((j1, j2), vec![i])),
        }
    }
    let mut hbuf = vec![0u8; n];
    for ((j1, j2), rows) in groups {
        // Padded offsets of the run's first and last source column, relative to x.
        let lo = (j1 as isize - ax + pad as isize) as usize;
        let hi = (j2 as isize - 1 - ax + pad as isize) as u32;
        for s in 0..height {
            if !row_has[s] {
                continue;
            }
            let hrow = &mut hbuf[s * width..(s + 1) * width];
            let starts = &next[s * pw + lo..s * pw + lo + width];
            for (x, (h, &first)) in hrow.iter_mut().zip(starts).enumerate() {
                *h = (first <= x as u32 + hi) as u8;
            }
        }
        for i in rows {
            let dy = i as isize - ay; // output row y reads source row y + dy
            let y0 = (-dy).max(0) as usize;
            let y1 = (height as isize - dy).clamp(0, height as isize) as usize;
            for y in y0..y1 {
                let s = (y as isize + dy) as usize;
                if !row_has[s] {
                    continue;
                }
                let (orow, hrow) = (&mut out[y * width..(y + 1) * width], &hbuf[s * width..(s + 1) * width]);
                for (o, &h) in orow.iter_mut().zip(hrow) {
                    *o |= h;
                }
            }
        }
    }
    out
}
