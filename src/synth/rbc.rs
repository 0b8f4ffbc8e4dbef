//! Red cells and free platelets. RBCs are painted as light *filters* (multiplied
//! transmission), so overlaps darken like stacked erythrocytes do under a microscope.

use super::background::Look;
use super::canvas::{Canvas, smoothstep};
use super::noise;
use super::rng::Rng;

/// Region a white cell will occupy; red cells whose centre falls there are skipped
/// because the smear spreads RBCs around, not under, leukocytes.
pub(crate) struct Keepout {
    pub cx: f32,
    pub cy: f32,
    pub r: f32,
}

pub(crate) fn paint_rbcs(canvas: &mut Canvas, look: &Look, rng: &mut Rng, keep: &[Keepout]) {
    let (w, h) = (canvas.w as f32, canvas.h as f32);
    let mean_r = rng.range(15.0, 20.0);
    let coverage = rng.range(0.3, 0.75);
    let n = (coverage * w * h / (std::f32::consts::PI * mean_r * mean_r)) as usize;
    let trans = [look.rbc[0] / look.bg[0], look.rbc[1] / look.bg[1], look.rbc[2] / look.bg[2]];
    for _ in 0..n {
        let r = rng.jitter(mean_r, 0.08).clamp(11.0, 24.0);
        let cx = rng.range(-r, w + r);
        let cy = rng.range(-r, h + r);
        if keep.iter().any(|k| (cx - k.cx).hypot(cy - k.cy) < k.r * 0.85 + r * 0.3) {
            continue;
        }
        let cell = Rbc {
            cx,
            cy,
            r,
            aspect: rng.range(1.0, 1.15),
            angle: rng.angle(),
            pallor: rng.range(0.25, 0.75),
            pallor_r: rng.range(0.35, 0.6),
            density: rng.range(0.75, 1.1),
            bulge: rng.range(-0.04, 0.04),
        };
        cell.paint(canvas, trans);
    }
}

struct Rbc {
    cx: f32,
    cy: f32,
    r: f32,
    aspect: f32,
    angle: f32,
    pallor: f32,
    pallor_r: f32,
    density: f32,
    bulge: f32,
}

impl Rbc {
    fn paint(&self, canvas: &mut Canvas, trans: [f32; 3]) {
        let ext = self.r * self.aspect + 2.0;
        let x0 = (self.cx - ext).floor().max(0.0) as usize;
        let y0 = (self.cy - ext).floor().max(0.0) as usize;
        let x1 = ((self.cx + ext).ceil() as i64).clamp(0, canvas.w as i64) as usize;
        let y1 = ((self.cy + ext).ceil() as i64).clamp(0, canvas.h as i64) as usize;
        let (s, c) = self.angle.sin_cos();
        let ra = self.r * self.aspect;
        let rb = self.r;
        let (inv_a, inv_b) = (1.0 / ra, 1.0 / rb);
        let lim2 = (1.0 + 2.0 / rb + 0.02f32).powi(2);
        for y in y0..y1 {
            for x in x0..x1 {
                let dx = x as f32 + 0.5 - self.cx;
                let dy = y as f32 + 0.5 - self.cy;
                let u = dx * c + dy * s;
                let v = -dx * s + dy * c;
                let d2 = (u * inv_a).powi(2) + (v * inv_b).powi(2);
                if d2 > lim2 {
                    continue;
                }
                let d = d2.sqrt();
                // A low-order bulge (cheap, no noise lookup) keeps discs from being perfect stamps.
                let wob = self.bulge * (u * v) * inv_a * inv_b;
                let dpx = (d - 1.0 - wob) * rb;
                let cover = 1.0 - smoothstep(-0.9, 0.9, dpx);
                if cover <= 0.0 {
                    continue;
                }
                // Thickness profile of a biconcave disc: thick rim, thin pale centre.
                let rim = 1.0 - self.pallor * (1.0 - smoothstep(self.pallor_r - 0.2, self.pallor_r + 0.25, d));
                let t = ((d - 0.88) / 0.16).abs();
                let edge_dark = if t < 1.0 { 0.12 * (1.0 - t * t) * (1.0 - t * t) } else { 0.0 };
                let thick = (rim + edge_dark) * self.density * cover;
                let p = &mut canvas.px[y * canvas.w + x];
                // Linearised Beer–Lambert: cheap, and overlaps still multiply (darken).
                for ch in 0..3 {
                    p[ch] *= (1.0 - (1.0 - trans[ch]) * thick).max(0.05);
                }
            }
        }
    }
}

/// Ordinary (unannotated) platelets: tiny purple granular dots scattered in the field.
pub(crate) fn paint_platelets(canvas: &mut Canvas, look: &Look, rng: &mut Rng, keep: &[Keepout]) {
    let count = rng.weighted(&[3.0, 3.0, 2.0, 1.5, 1.0, 0.5]);
    for _ in 0..count {
        let r = rng.range(2.5, 5.0);
        let cx = rng.range(0.0, canvas.w as f32);
        let cy = rng.range(0.0, canvas.h as f32);
        if keep.iter().any(|k| (cx - k.cx).hypot(cy - k.cy) < k.r + r + 4.0) {
            continue;
        }
        let seed = rng.u64() as u32;
        let col = super::canvas::densify([175.0, 130.0, 195.0], look.stain);
        let x0 = (cx - r - 2.0).max(0.0) as usize;
        let y0 = (cy - r - 2.0).max(0.0) as usize;
        let x1 = ((cx + r + 2.0) as usize).min(canvas.w);
        let y1 = ((cy + r + 2.0) as usize).min(canvas.h);
        for y in y0..y1 {
            for x in x0..x1 {
                let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                let wob = r * 0.3 * (noise::value(dx * 0.6, dy * 0.6, seed) - 0.5);
                let a = 1.0 - smoothstep(-0.8, 0.8, dx.hypot(dy) - r - wob);
                if a <= 0.0 {
                    continue;
                }
                let g = 0.6 + 0.6 * noise::value(dx * 0.9, dy * 0.9, seed ^ 77);
                let p = &mut canvas.px[y * canvas.w + x];
                let t = (a * 0.85).min(1.0);
                for ch in 0..3 {
                    let target = (col[ch] * g).min(255.0);
                    p[ch] += (target - p[ch]) * t;
                }
            }
        }
    }
}
