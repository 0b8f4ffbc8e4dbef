//! Otsu's threshold, bit-exact with `skimage.filters.threshold_otsu` (scikit-image 0.26) for an
//! integer (`uint8`) image.
//!
//! scikit-image's algorithm for integer input:
//! * if every value equals the first one, that value is returned;
//! * otherwise the histogram has one bin per integer from `min` to `max` (bin centres
//!   `min, min+1, …, max`, counts from `np.bincount`);
//! * `weight1 = cumsum(counts)`, `weight2` the reverse cumulative sum, `mean1 =
//!   cumsum(counts·centres) / weight1`, `mean2` likewise from the top (the sums are exact
//!   `int64`, the divisions `float64`);
//! * `variance12[i] = (weight1[i]·weight2[i+1]) · (mean1[i] − mean2[i+1])²` for
//!   `i = 0 … nbins−2` (the weight product in `int64`, converted to `float64`);
//! * the threshold is `centres[argmax(variance12)]` (first maximum).
//!
//! The same float operations in the same order are performed here, so the result is identical.
//! The winning recipe then used `mask = grey < t`, so a result equal to the minimum gives an empty mask.

/// Otsu threshold of a grey image (any order of values); `None` for an empty input.
///
/// Returns a value in `min ..= max - 1` for a non-flat image, or the single value of a flat one.
pub fn otsu_threshold(grey: &[u8]) -> Option<u8> {
    let mut hist = [0u64; 256];
    for &v in grey {
        hist[v as usize] += 1;
    }
    otsu_threshold_from_histogram(&hist)
}

/// Otsu threshold from a 256-bin histogram of `uint8` values (`hist[v]` = count of `v`);
/// `None` when the histogram is empty.
pub fn otsu_threshold_from_histogram(hist: &[u64; 256]) -> Option<u8> {
    let min = hist.iter().position(|&c| c > 0)?;
    let max = hist.iter().rposition(|&c| c > 0)?;
    if min == max {
        // skimage: `if np.all(image == first_pixel): return first_pixel`.
        return Some(min as u8);
    }
    let total: u64 = hist[min..=max].iter().sum();
    let total_sum: u64 = (min..=max).map(|v| hist[v] * v as u64).sum();

    let mut best_idx = 0usize;
    let mut best = f64::NEG_INFINITY;
    let mut w1: u64 = 0; // cumsum(counts)[i]
    let mut s1: u64 = 0; // cumsum(counts * centres)[i]
    for (i, v) in (min..max).enumerate() {
        w1 += hist[v];
        s1 += hist[v] * v as u64;
        // weight2[i+1] and the matching suffix sum (exact integers, as numpy's int64 cumsums).
        let w2 = total - w1;
        let s2 = total_sum - s1;
        let mean1 = s1 as f64 / w1 as f64;
        let mean2 = s2 as f64 / w2 as f64;
        let d = mean1 - mean2;
        // numpy: (int64 product → float64) * (d ** 2), with `** 2` evaluated as d * d.
        let var = ((w1 as i64).wrapping_mul(w2 as i64)) as f64 * (d * d);
        if var > best {
            best = var;
            best_idx = i;
        }
    }
    Some((min + best_idx) as u8)
}
