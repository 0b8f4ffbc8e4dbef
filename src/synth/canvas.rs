//! Linear float RGB canvas (0–255 scale) plus the small colour helpers the painters share.

use super::noise;

pub(crate) type Rgb = [f32; 3];

#[inline]
pub(crate) fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

#[inline]
pub(crate) fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/// Stain density change: darkens/lightens a dye colour as if more/less dye were absorbed
/// (Beer–Lambert in 0–255 transmission space), which keeps hue instead of greying it.
#[inline]
pub(crate) fn densify(c: Rgb, k: f32) -> Rgb {
    let f = |v: f32| 255.0 * (v.max(1.0) / 255.0).powf(k);
    [f(c[0]), f(c[1]), f(c[2])]
}

pub(crate) struct Canvas {
    pub w: usize,
    pub h: usize,
    pub px: Vec<Rgb>,
}

impl Canvas {
    pub fn new(w: usize, h: usize, fill: Rgb) -> Self {
        Canvas { w, h, px: vec![fill; w * h] }
    }

    /// Illumination field (vignetting, tilt, mottling) and a colour cast, applied last so
    /// that cells and background are lit by the same lamp. The field is smooth, so it is
    /// evaluated on an 8-px grid and interpolated.
    pub fn illuminate(&mut self, light: &Illumination) {
        const STEP: usize = 8;
        let (gw, gh) = (self.w / STEP + 2, self.h / STEP + 2);
        let (cx, cy) = (self.w as f32 * light.centre.0, self.h as f32 * light.centre.1);
        let diag2 = (self.w * self.w + self.h * self.h) as f32 * 0.25;
        let mut grid = vec![0.0f32; gw * gh];
        for gy in 0..gh {
            for gx in 0..gw {
                let (fx, fy) = ((gx * STEP) as f32, (gy * STEP) as f32);
                let r2 = ((fx - cx).powi(2) + (fy - cy).powi(2)) / diag2;
                let tilt = light.tilt.0 * (fx / self.w as f32 - 0.5) + light.tilt.1 * (fy / self.h as f32 - 0.5);
                let mottle = noise::fbm(fx / 60.0, fy / 60.0, light.seed, 2) - 0.5;
                grid[gy * gw + gx] = (1.0 - light.vignette * r2) * (1.0 + tilt) * (1.0 + light.mottle * mottle);
            }
        }
        for y in 0..self.h {
            let (gy, ty) = (y / STEP, (y % STEP) as f32 / STEP as f32);
            for x in 0..self.w {
                let (gx, tx) = (x / STEP, (x % STEP) as f32 / STEP as f32);
                let g = |i: usize, j: usize| grid[j * gw + i];
                let top = g(gx, gy) + (g(gx + 1, gy) - g(gx, gy)) * tx;
                let bot = g(gx, gy + 1) + (g(gx + 1, gy + 1) - g(gx, gy + 1)) * tx;
                let k = top + (bot - top) * ty;
                let p = &mut self.px[y * self.w + x];
                for (v, cast) in p.iter_mut().zip(light.cast) {
                    *v *= k * cast;
                }
            }
        }
    }

    /// Separable [1 2 1]/4 blur in both directions (edges clamp).
    pub fn soften(&mut self) {
        let (w, h) = (self.w, self.h);
        if w < 3 || h < 3 {
            return;
        }
        let mut tmp = self.px.clone();
        for y in 0..h {
            let row = y * w;
            for x in 0..w {
                let (l, r) = (x.saturating_sub(1), (x + 1).min(w - 1));
                let (a, b, c) = (self.px[row + l], self.px[row + x], self.px[row + r]);
                tmp[row + x] = [0.25 * (a[0] + c[0]) + 0.5 * b[0], 0.25 * (a[1] + c[1]) + 0.5 * b[1], 0.25 * (a[2] + c[2]) + 0.5 * b[2]];
            }
        }
        for y in 0..h {
            let (u, d) = (y.saturating_sub(1), (y + 1).min(h - 1));
            for x in 0..w {
                let (a, b, c) = (tmp[u * w + x], tmp[y * w + x], tmp[d * w + x]);
                self.px[y * w + x] = [0.25 * (a[0] + c[0]) + 0.5 * b[0], 0.25 * (a[1] + c[1]) + 0.5 * b[1], 0.25 * (a[2] + c[2]) + 0.5 * b[2]];
            }
        }
    }

    /// Quantise with sensor grain; `brightness` shifts every channel (near-duplicate fault).
    /// Grain comes from one sequential xorshift stream seeded per image: deterministic and
    /// far cheaper than hashing each pixel.
    pub fn to_rgb8(&self, noise_seed: u32, noise_amp: f32, brightness: f32) -> Vec<u8> {
        let mut out = vec![0u8; self.w * self.h * 3];
        let mut state = super::rng::mix(noise_seed as u64) | 1;
        let scale = noise_amp / 255.0;
        for (p, o) in self.px.iter().zip(out.chunks_exact_mut(3)) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut bits = state;
            for c in 0..3 {
                // Sum of two bytes: triangular grain, centred on zero.
                let n = (bits & 0xFF) as f32 + ((bits >> 8) & 0xFF) as f32 - 255.0;
                bits >>= 16;
                let v = p[c] + n * scale + brightness + 0.5;
                o[c] = v.clamp(0.0, 255.0) as u8;
            }
        }
        out
    }
}

pub(crate) struct Illumination {
    pub centre: (f32, f32),
    pub vignette: f32,
    pub tilt: (f32, f32),
    pub mottle: f32,
    pub cast: Rgb,
    pub seed: u32,
}
