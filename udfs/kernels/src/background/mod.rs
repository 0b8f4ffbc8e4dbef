//! Synthetic "background image" generator of the winning recipe (`code/src/cdc/utils/background.py`,
//! `notebooks/Background-Images.ipynb`; seed spec §5): paints the single white blood cell of an
//! image over with the background colour, so that the result shows no cell.
//!
//! Bit-exact with the winning recipe's OpenCV 4.10 / scikit-image 0.26 pipeline except for the random
//! noise (the winning recipe's RNG was unseeded; ours is `rand_mt::Mt64` from `BackgroundParams::seed`).
//! For an RGB `uint8` image and one box `[x1, y1, x2, y2]` (pixels, float; note the order: the
//! recipe's own tuples were `(x1, x2, y1, y2)`):
//!
//! 1. The box grows by `margin` on every side, then each coordinate is truncated toward zero
//!    (Python `int()`) ([`crop_box`](mod@crop_box)). **Deviation:** the winning recipe did not clip (a
//!    negative start wrapped around in numpy); here the box is clipped to the image, and an
//!    empty clipped box is an error.
//! 2. `grey` = OpenCV `RGB2GRAY` ([`grey`](mod@grey)); `t` = skimage Otsu threshold of all grey
//!    levels ([`otsu`](mod@otsu)); `mask = grey < t` (dark = cell). `t` is the top level of
//!    Otsu's dark class, so that level itself is left out of the mask; the mask is empty for a
//!    flat image and whenever `t` is the minimum (e.g. any two-level image).
//! 3. Background colour ([`fill_colour`](mod@fill_colour)): `mask` dilated with an elliptic
//!    `mask_kernel × mask_kernel` element ([`structuring_element`](mod@structuring_element),
//!    [`dilate`](mod@dilate)); per channel, the mean of the pixels outside the dilated mask
//!    whose value is `> 150`, truncated to `u8`. **Decision:** when a channel has no such pixel
//!    (the winning recipe would get NaN, cast to 0) the fill is the mean of that channel over all pixels
//!    outside the dilated mask, or over the whole image when the dilated mask covers everything
//!    (still truncated).
//! 4. In the crop, the external contours of the mask ([`contours`](mod@contours), OpenCV
//!    order); the one with the largest `cv2.contourArea` (first in OpenCV's order on ties,
//!    which is the *last* one met in a raster scan) is drawn filled
//!    ([`contour_fill`](mod@contour_fill): holes filled, other blobs dropped) and dilated with
//!    an elliptic `cell_kernel × cell_kernel` element: the cell mask `m`. **Decision:** no
//!    contour (no dark pixel in the crop) gives an empty `m`, so the image comes back unchanged
//!    (the winning recipe raised on `max([])`).
//! 5. Where `m` is set, the pixel becomes the fill colour; `noise_fraction · h · w` random
//!    crop positions (with replacement) get uniform integer noise in
//!    `[−noise_amplitude, noise_amplitude]` per channel, clipped to `0 ..= 255`, visible only
//!    inside `m` ([`noise`](mod@noise)). Pixels outside `m` are never changed.
//!
//! Entry points: [`make_background`] (the image) and [`make_background_detailed`] (also the
//! intermediate values). Building blocks: [`grey::rgb_to_grey`], [`otsu::otsu_threshold`],
//! [`structuring_element::ellipse_kernel`], [`dilate::dilate`],
//! [`contours::find_external_contours`], [`contours::contour_area`],
//! [`contour_fill::fill_largest_external_contour`].

pub mod contour_fill;
pub mod contours;
pub mod crop_box;
pub mod dilate;
pub mod fill_colour;
pub mod grey;
pub mod noise;
pub mod otsu;
pub mod structuring_element;

#[cfg(test)]
mod background_goldens;

use contour_fill::fill_largest_external_contour;
use crop_box::crop_box;
use dilate::dilate;
use fill_colour::fill_colour;
use grey::rgb_to_grey;
use noise::noise_offsets;
use otsu::otsu_threshold;
use structuring_element::ellipse_kernel;

/// Largest accepted structuring-element side (pixels).
pub const MAX_KERNEL: usize = 1024;
/// Largest accepted `noise_fraction` (noise draws per crop pixel).
pub const MAX_NOISE_FRACTION: f64 = 64.0;

/// Parameters of [`make_background`]; `Default` gives the winning recipe's values.
#[derive(Clone, Debug, PartialEq)]
pub struct BackgroundParams {
    /// Pixels added on every side of the box before cropping (seed: 16).
    pub margin: i64,
    /// Side of the elliptic element that dilates the whole-image mask before the background
    /// colour is measured (seed notebook: 24).
    pub mask_kernel: usize,
    /// Side of the elliptic element that dilates the filled cell (seed notebook: 8).
    pub cell_kernel: usize,
    /// Noise draws per crop pixel (seed: 0.10); `0.0` disables the noise (exact output).
    pub noise_fraction: f64,
    /// Noise half-range per channel (seed: 8, i.e. uniform in `[−8, 8]`); `0` disables it.
    pub noise_amplitude: i32,
    /// Seed of the `Mt64` noise generator (the output is a function of the inputs and this).
    pub seed: u64,
}

impl Default for BackgroundParams {
    fn default() -> Self {
        BackgroundParams { margin: 16, mask_kernel: 24, cell_kernel: 8, noise_fraction: 0.10, noise_amplitude: 8, seed: 0 }
    }
}

impl BackgroundParams {
    /// The same parameters with the noise switched off (deterministic, seed-exact output).
    pub fn without_noise(self) -> Self {
        BackgroundParams { noise_fraction: 0.0, noise_amplitude: 0, ..self }
    }
}

/// Intermediate values of one run of the generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackgroundDetails {
    /// The output RGB image (same size as the input).
    pub image: Vec<u8>,
    /// Otsu threshold of the grey image (`mask = grey < threshold`).
    pub threshold: u8,
    /// Background colour painted over the cell.
    pub fill: [u8; 3],
    /// Whether a channel used the "no value > 150" fallback (see the module docs).
    pub fill_fallback: [bool; 3],
    /// The clipped crop `[x1, y1, x2, y2]` (end exclusive).
    pub crop: [usize; 4],
    /// Cell mask `m` over the crop (row-major, 0/1).
    pub cell_mask: Vec<u8>,
}

/// Paints the cell inside `bbox = [x1, y1, x2, y2]` of a `width × height` RGB image (`rgb`,
/// interleaved, row-major) over with the background colour; returns the new image.
///
/// Errors (never panics): wrong buffer size, empty image, non-finite box, box empty once
/// grown and clipped to the image, kernel size 0 or above [`MAX_KERNEL`], negative or
/// non-finite `noise_fraction` (or above [`MAX_NOISE_FRACTION`]), `noise_amplitude` outside
/// `0 ..= 255`.
pub fn make_background(rgb: &[u8], width: usize, height: usize, bbox: [f64; 4], p: &BackgroundParams) -> Result<Vec<u8>, String> {
    make_background_detailed(rgb, width, height, bbox, p).map(|d| d.image)
}

/// [`make_background`] that also returns the intermediate values.
pub fn make_background_detailed(rgb: &[u8], width: usize, height: usize, bbox: [f64; 4], p: &BackgroundParams) -> Result<BackgroundDetails, String> {
    let n = width.checked_mul(height).ok_or("background: image size overflows")?;
    if n == 0 {
        return Err(format!("background: empty image ({width}x{height})"));
    }
    if n.checked_mul(3) != Some(rgb.len()) {
        return Err(format!("background: {} bytes for a {width}x{height} RGB image", rgb.len()));
    }
    for (name, k) in [("mask_kernel", p.mask_kernel), ("cell_kernel", p.cell_kernel)] {
        if k == 0 || k > MAX_KERNEL {
            return Err(format!("background: {name} = {k} outside 1..={MAX_KERNEL}"));
        }
    }
    if !(p.noise_fraction.is_finite() && (0.0..=MAX_NOISE_FRACTION).contains(&p.noise_fraction)) {
        return Err(format!("background: noise_fraction = {} outside 0..={MAX_NOISE_FRACTION}", p.noise_fraction));
    }
    if !(0..=255).contains(&p.noise_amplitude) {
        return Err(format!("background: noise_amplitude = {} outside 0..=255", p.noise_amplitude));
    }
    let crop = crop_box(bbox, p.margin, width, height)?;
    let [x1, y1, x2, y2] = crop;

    // Step 2: grey, Otsu, mask.
    let grey = rgb_to_grey(rgb);
    let threshold = otsu_threshold(&grey).ok_or("background: empty image")?;
    let mask: Vec<u8> = grey.iter().map(|&g| (g < threshold) as u8).collect();

    // Step 3: background colour.
    let dilated = dilate(&mask, width, height, &ellipse_kernel(p.mask_kernel, p.mask_kernel));
    let (fill, fill_fallback) = fill_colour(rgb, &dilated);

    // Step 4: largest cell in the crop, filled, dilated.
    let (cw, ch) = (x2 - x1, y2 - y1);
    let mut part = Vec::with_capacity(cw * ch);
    for y in y1..y2 {
        part.extend_from_slice(&mask[y * width + x1..y * width + x2]);
    }
    let filled = fill_largest_external_contour(&part, cw, ch);
    let cell_mask = dilate(&filled, cw, ch, &ellipse_kernel(p.cell_kernel, p.cell_kernel));

    // Steps 5-6: paint the fill (plus noise) where the cell mask is set.
    let draws = (p.noise_fraction * ch as f64 * cw as f64) as usize; // Python int(0.10*h*w)
    let noise = if draws > 0 && p.noise_amplitude > 0 { Some(noise_offsets(cw, ch, draws, p.noise_amplitude, p.seed)) } else { None };
    let mut image = rgb.to_vec();
    for cy in 0..ch {
        for cx in 0..cw {
            let k = cy * cw + cx;
            if cell_mask[k] == 0 {
                continue;
            }
            let o = ((y1 + cy) * width + x1 + cx) * 3;
            let off = noise.as_ref().and_then(|nz| nz[k]).unwrap_or([0; 3]);
            for c in 0..3 {
                image[o + c] = (fill[c] as i32 + off[c] as i32).clamp(0, 255) as u8;
            }
        }
    }
    Ok(BackgroundDetails { image, threshold, fill, fill_fallback, crop, cell_mask })
}
