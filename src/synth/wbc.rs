//! White-cell painter. A cell is rendered into a private buffer (colour, coverage, nucleus
//! coverage) so granules, nucleoli and rods can be confined to cytoplasm or nucleus, then
//! composited once onto the smear.

use super::canvas::{Canvas, Rgb, mix, smoothstep};
use super::noise;
use super::nucleus::Nucleus;

#[derive(Clone, Copy)]
pub(crate) enum Region {
    Any,
    Nucleus,
    Cytoplasm,
}

/// A round inclusion (granule, nucleolus, vacuole) in the cell's rotated frame.
pub(crate) struct Spot {
    pub u: f32,
    pub v: f32,
    pub r: f32,
    pub rgb: Rgb,
    pub alpha: f32,
    /// Darker rim colour weight (nucleolar membrane); 0 for plain granules.
    pub ring: f32,
    pub region: Region,
}

/// A needle (Auer rod) in the cell's rotated frame.
pub(crate) struct Rod {
    pub a: (f32, f32),
    pub b: (f32, f32),
    pub r: f32,
    pub rgb: Rgb,
    pub alpha: f32,
}

pub(crate) struct Chromatin {
    pub dark: Rgb,
    pub light: Rgb,
    pub edge: Rgb,
    pub contrast: f32,
    pub period: f32,
    pub clumpy: bool,
    pub grooves: bool,
}

pub(crate) struct Cell {
    pub r: f32,
    pub aspect: f32,
    pub angle: f32,
    /// (amplitude, phase) of outline harmonics k = 2..=5.
    pub harmonics: [(f32, f32); 4],
    pub villi: f32,
    pub villi_dir: f32,
    pub villi_n: f32,
    pub soft: f32,
    pub opacity: f32,
    pub nucleus: Nucleus,
    pub chromatin: Chromatin,
    pub cyto: Rgb,
    pub cyto_rim: Rgb,
    pub rim: f32,
    pub cyto_halo: Rgb,
    pub halo: f32,
    /// Lysed cell: no membrane or nucleus, just streaky smeared chromatin.
    pub smudge: bool,
    pub spots: Vec<Spot>,
    pub rods: Vec<Rod>,
    pub seed: u32,
}

impl Cell {
    /// Distance (px, negative inside) to the cell membrane, and normalised radius.
    #[inline]
    pub fn outline(&self, u: f32, v: f32) -> (f32, f32) {
        let (nu, nv) = (u / (self.r * self.aspect), v / self.r);
        let rho = nu.hypot(nv);
        // Only a band around the membrane needs the (costly) angular terms; far inside or
        // outside, the plain radius gives the right sign and a large enough magnitude.
        let band = self.band();
        if rho < 1.0 - band || rho > 1.0 + band {
            return ((rho - 1.0) * self.r, rho);
        }
        let phi = nv.atan2(nu);
        let mut edge = 1.0;
        for (i, &(amp, ph)) in self.harmonics.iter().enumerate() {
            if amp != 0.0 {
                edge += amp * ((i as f32 + 2.0) * phi + ph).cos();
            }
        }
        if self.villi > 0.0 {
            let side = smoothstep(-0.2, 0.7, (phi - self.villi_dir).cos());
            let spike = (self.villi_n * phi).cos().max(0.0).powi(8);
            edge += self.villi * 0.13 * spike * side;
        }
        if self.smudge {
            let p = 0.45;
            edge += 0.5 * (noise::fbm(nu / p, nv / p, self.seed ^ 0x51, 2) - 0.5);
        }
        ((rho - edge) * self.r, rho)
    }

    /// Max radial excursion of the outline (normalised) plus an anti-aliasing margin.
    #[inline]
    fn band(&self) -> f32 {
        let h: f32 = self.harmonics.iter().map(|h| h.0.abs()).sum();
        let smudge = if self.smudge { 0.26 } else { 0.0 };
        h + self.villi * 0.14 + smudge + (self.soft + 6.0) / self.r
    }

    /// Half-size of a square that surely contains the cell.
    fn extent(&self) -> f32 {
        self.r * self.aspect * (1.0 + self.band()) + self.soft * 2.0 + 3.0
    }

    #[inline]
    fn colour(&self, u: f32, v: f32, d: f32, rho: f32) -> (Rgb, f32) {
        if self.smudge {
            return (self.smudge_colour(u, v, rho), 0.0);
        }
        let nd = self.nucleus.sdf(u, v);
        let na = 1.0 - smoothstep(-0.9, 0.9, nd);
        let mut cy = mix(self.cyto, self.cyto_rim, self.rim * smoothstep(0.5, 1.0, rho));
        if self.halo > 0.0 && nd > 0.0 {
            let t = self.halo * (-nd / (0.12 * self.r)).exp();
            cy = mix(cy, self.cyto_halo, t);
        }
        // Thin dark membrane line; visible on pale cytoplasm.
        if d > -5.0 {
            cy = mix(cy, self.cyto_rim, 0.35 * (-((d + 1.2) / 1.0).powi(2)).exp());
        }
        let tex = 1.0 + 0.07 * (noise::value(u / 3.0, v / 3.0, self.seed) - 0.5);
        cy = [cy[0] * tex, cy[1] * tex, cy[2] * tex];
        if na <= 0.0 {
            return (cy, 0.0);
        }
        let ch = &self.chromatin;
        let mut t = noise::fbm(u / ch.period, v / ch.period, self.seed.wrapping_add(1), 3);
        if ch.clumpy {
            t = smoothstep(0.38, 0.66, t);
        }
        if ch.grooves {
            let g = noise::fbm(u / 8.0, v / 8.0, self.seed.wrapping_add(2), 2);
            let groove = 1.0 - smoothstep(0.0, 0.055, (g - 0.5).abs());
            t = (t * 0.45).max(groove);
        }
        let mut nc = mix(ch.dark, ch.light, (t * ch.contrast).min(1.0));
        if nd > -6.0 {
            nc = mix(nc, ch.edge, 0.55 * (-((nd + 1.6) / 1.3).powi(2)).exp());
        }
        (mix(cy, nc, na), na)
    }

    fn smudge_colour(&self, u: f32, v: f32, rho: f32) -> Rgb {
        let ch = &self.chromatin;
        let dens = noise::fbm(u / 24.0, v / 7.0, self.seed.wrapping_add(3), 3);
        let core = 1.0 - smoothstep(0.1, 1.0, rho);
        let t = (dens * 1.4 - 0.45 + core * 0.5).clamp(0.0, 1.0);
        let strand = 1.0 - smoothstep(0.0, 0.05, (noise::fbm(u / 11.0, v / 11.0, self.seed.wrapping_add(4), 2) - 0.5).abs());
        let t = t.max(strand * 0.8 * (1.0 - rho * 0.6));
        mix(self.cyto, ch.dark, t * ch.contrast)
    }

    /// Paints the cell centred at (cx, cy); returns the pixel extent (x0, y0, x1, y1) of
    /// where it is mostly opaque, even beyond the image edge (the annotator box is clipped later).
    pub fn paint(&self, canvas: &mut Canvas, cx: f32, cy: f32) -> Option<(i32, i32, i32, i32)> {
        let ext = self.extent();
        let x0 = (cx - ext).floor() as i32;
        let y0 = (cy - ext).floor() as i32;
        let lw = ((cx + ext).ceil() as i32 - x0).max(1) as usize;
        let lh = ((cy + ext).ceil() as i32 - y0).max(1) as usize;
        let (s, c) = self.angle.sin_cos();
        let n = lw * lh;
        let mut col = vec![[0.0f32; 3]; n];
        let mut alpha = vec![0.0f32; n];
        let mut nuc = vec![0.0f32; n];
        let mut bbox: Option<(i32, i32, i32, i32)> = None;
        for j in 0..lh {
            for i in 0..lw {
                let (px, py) = (x0 + i as i32, y0 + j as i32);
                let dx = px as f32 + 0.5 - cx;
                let dy = py as f32 + 0.5 - cy;
                let u = dx * c + dy * s;
                let v = -dx * s + dy * c;
                let (d, rho) = self.outline(u, v);
                let a = 1.0 - smoothstep(-self.soft, self.soft, d);
                if a <= 0.0 {
                    continue;
                }
                let (rgb, na) = self.colour(u, v, d, rho);
                let k = j * lw + i;
                col[k] = rgb;
                alpha[k] = a;
                nuc[k] = na;
                if a > 0.5 {
                    bbox = Some(match bbox {
                        None => (px, py, px, py),
                        Some(b) => (b.0.min(px), b.1.min(py), b.2.max(px), b.3.max(py)),
                    });
                }
            }
        }
        let to_px = |u: f32, v: f32| (cx + u * c - v * s - x0 as f32, cy + u * s + v * c - y0 as f32);
        for spot in &self.spots {
            let (sx, sy) = to_px(spot.u, spot.v);
            let reach = spot.r + 1.5;
            let (i0, i1) = ((sx - reach).floor().max(0.0) as usize, ((sx + reach).ceil().max(0.0) as usize).min(lw));
            let (j0, j1) = ((sy - reach).floor().max(0.0) as usize, ((sy + reach).ceil().max(0.0) as usize).min(lh));
            let ring_rgb = [spot.rgb[0] * 0.7, spot.rgb[1] * 0.7, spot.rgb[2] * 0.75];
            for j in j0..j1 {
                for i in i0..i1 {
                    let k = j * lw + i;
                    if alpha[k] <= 0.0 {
                        continue;
                    }
                    let dist = (i as f32 + 0.5 - sx).hypot(j as f32 + 0.5 - sy);
                    let cover = 1.0 - smoothstep(-0.7, 0.7, dist - spot.r);
                    if cover <= 0.0 {
                        continue;
                    }
                    let mask = match spot.region {
                        Region::Any => 1.0,
                        Region::Nucleus => nuc[k],
                        Region::Cytoplasm => 1.0 - nuc[k],
                    };
                    let rgb = if spot.ring > 0.0 { mix(spot.rgb, ring_rgb, spot.ring * smoothstep(spot.r - 1.6, spot.r, dist)) } else { spot.rgb };
                    col[k] = mix(col[k], rgb, spot.alpha * cover * mask);
                }
            }
        }
        for rod in &self.rods {
            let (ax, ay) = to_px(rod.a.0, rod.a.1);
            let (bx, by) = to_px(rod.b.0, rod.b.1);
            let reach = rod.r + 1.5;
            let i0 = (ax.min(bx) - reach).floor().max(0.0) as usize;
            let i1 = ((ax.max(bx) + reach).ceil().max(0.0) as usize).min(lw);
            let j0 = (ay.min(by) - reach).floor().max(0.0) as usize;
            let j1 = ((ay.max(by) + reach).ceil().max(0.0) as usize).min(lh);
            let (bax, bay) = (bx - ax, by - ay);
            let len2 = (bax * bax + bay * bay).max(1e-6);
            for j in j0..j1 {
                for i in i0..i1 {
                    let k = j * lw + i;
                    if alpha[k] <= 0.0 {
                        continue;
                    }
                    let (pax, pay) = (i as f32 + 0.5 - ax, j as f32 + 0.5 - ay);
                    let h = ((pax * bax + pay * bay) / len2).clamp(0.0, 1.0);
                    let dist = (pax - bax * h).hypot(pay - bay * h);
                    let cover = 1.0 - smoothstep(-0.6, 0.6, dist - rod.r);
                    col[k] = mix(col[k], rod.rgb, rod.alpha * cover * (1.0 - nuc[k]));
                }
            }
        }
        for j in 0..lh {
            let py = y0 + j as i32;
            if py < 0 || py >= canvas.h as i32 {
                continue;
            }
            for i in 0..lw {
                let px = x0 + i as i32;
                let k = j * lw + i;
                if px < 0 || px >= canvas.w as i32 || alpha[k] <= 0.0 {
                    continue;
                }
                let p = &mut canvas.px[py as usize * canvas.w + px as usize];
                *p = mix(*p, col[k], alpha[k] * self.opacity);
            }
        }
        bbox
    }
}
