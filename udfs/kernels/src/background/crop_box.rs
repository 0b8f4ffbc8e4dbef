//! The crop of the winning recipe's background generator (step 1): the box grown by a margin, truncated
//! like Python's `int()`, and clipped to the image.
//!
//! The winning recipe did `x1 -= 16; y1 -= 16; x2 += 16; y2 += 16` on the float box, then `int()` each
//! (truncation toward zero), and sliced `img[y1:y2, x1:x2]` without clipping (a negative start
//! would have wrapped around in numpy). Here the truncated box is clipped to the image and an
//! empty result is an error.

/// The grown, truncated and clipped crop of `bbox = [x1, y1, x2, y2]` in a `width × height`
/// image: `[x1, y1, x2, y2]`, end exclusive, non-empty. Errors for a non-finite box or an
/// empty crop.
pub fn crop_box(bbox: [f64; 4], margin: i64, width: usize, height: usize) -> Result<[usize; 4], String> {
    if bbox.iter().any(|v| !v.is_finite()) {
        return Err(format!("background: box {bbox:?} is not finite"));
    }
    let m = margin as f64;
    // Python: x1 -= 16 (float), then int(): truncation toward zero. Clipping after truncation.
    let clip = |v: f64, hi: usize| -> usize { v.trunc().clamp(0.0, hi as f64) as usize };
    let x1 = clip(bbox[0] - m, width);
    let y1 = clip(bbox[1] - m, height);
    let x2 = clip(bbox[2] + m, width);
    let y2 = clip(bbox[3] + m, height);
    if x2 <= x1 || y2 <= y1 {
        return Err(format!("background: box {bbox:?} grown by {margin} is empty inside the {width}x{height} image"));
    }
    Ok([x1, y1, x2, y2])
}
