//! Background colour of the winning recipe's generator (step 3).
//!
//! The winning recipe: `keep = 1 - dilated_mask`; per channel `v = img[..., c] * keep; fill[c] =
//! v[v > 150].mean()` assigned into a `uint8` array. The kept values above 150 are averaged
//! (numpy sums integers exactly in `float64`, divides by the count) and the `uint8` cast
//! truncates. Pixels under the dilated mask are 0 after the product, so they never count.
//!
//! **Decision:** when a channel has no kept value above 150 the winning recipe got NaN (cast to 0); here
//! the fill falls back to the truncated mean of that channel over the kept pixels, or over the
//! whole image when the dilated mask covers everything.

/// Per channel, the truncated mean of the pixels of `rgb` (interleaved RGB) outside `dilated`
/// (nonzero = covered; one value per pixel) whose value is `> 150`, with the fallback above.
/// Returns the colour and, per channel, whether the fallback was used.
pub fn fill_colour(rgb: &[u8], dilated: &[u8]) -> ([u8; 3], [bool; 3]) {
    // Per channel, sum and count of the kept pixels (outside the dilated mask) above 150.
    let (mut sum, mut cnt) = ([0u64; 3], [0u64; 3]);
    for (px, &d) in rgb.chunks_exact(3).zip(dilated) {
        let kept = (d == 0) as u64;
        for c in 0..3 {
            let v = px[c] as u64;
            let big = kept & (v > 150) as u64;
            sum[c] += v * big;
            cnt[c] += big;
        }
    }
    // numpy: float64 sum (exact for integers) / count, then the uint8 cast truncates.
    let mean = |s: u64, n: u64| (s as f64 / n as f64) as u8;
    let mut fill = [0u8; 3];
    let mut fallback = [false; 3];
    for c in 0..3 {
        if cnt[c] > 0 {
            fill[c] = mean(sum[c], cnt[c]);
            continue;
        }
        // Fallback: mean over the kept pixels, else over the whole image.
        fallback[c] = true;
        let (mut ksum, mut kcnt, mut asum, mut acnt) = (0u64, 0u64, 0u64, 0u64);
        for (px, &d) in rgb.chunks_exact(3).zip(dilated) {
            let v = px[c] as u64;
            if d == 0 {
                ksum += v;
                kcnt += 1;
            }
            asum += v;
            acnt += 1;
        }
        fill[c] = if kcnt > 0 {
            mean(ksum, kcnt)
        } else if acnt > 0 {
            mean(asum, acnt)
        } else {
            0
        };
    }
    (fill, fallback)
}
