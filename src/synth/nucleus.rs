//! Nucleus outlines as signed distance fields (px; negative inside) built from ellipses and
//! capsules. SDFs give anti-aliased edges for free and let lobes, bridges, indentations and
//! clefts combine with smooth min/max instead of hand-drawn polygons.

use super::noise;
use super::rng::Rng;

const FAR: f32 = 1.0e6;

#[derive(Clone, Copy, Debug)]
pub(crate) enum Shape {
    /// No nucleus (platelets, smudges).
    None,
    Round,
    /// Bean/kidney: `depth` is the indentation as a fraction of the nucleus radius.
    Kidney {
        depth: f32,
    },
    /// `n` lobes on a curved chain joined by bridges `bridge`×lobe radius thick;
    /// `spacing` is the centre step in lobe radii (<1.4 makes lobes merge).
    Lobed {
        n: u32,
        bridge: f32,
        spacing: f32,
    },
    /// Deep notches from the rim towards the centre (cleaved follicular cells).
    Cleft {
        clefts: u32,
    },
    /// Lumpy, angular outline; `amp` relative to the nucleus radius.
    Irregular {
        amp: f32,
    },
    /// Round with a lumpy rim; the folds themselves are drawn as chromatin grooves.
    Cerebriform,
}

#[derive(Clone, Copy, Debug)]
enum Prim {
    Ellipse { cx: f32, cy: f32, a: f32, b: f32, c: f32, s: f32 },
    Capsule { ax: f32, ay: f32, bx: f32, by: f32, r: f32 },
}

impl Prim {
    #[inline]
    fn sdf(&self, u: f32, v: f32) -> f32 {
        match *self {
            Prim::Ellipse { cx, cy, a, b, c, s } => {
                let (du, dv) = (u - cx, v - cy);
                let (p, q) = (du * c + dv * s, -du * s + dv * c);
                (((p / a).powi(2) + (q / b).powi(2)).sqrt() - 1.0) * a.min(b)
            }
            Prim::Capsule { ax, ay, bx, by, r } => {
                let (pax, pay) = (u - ax, v - ay);
                let (bax, bay) = (bx - ax, by - ay);
                let len2 = (bax * bax + bay * bay).max(1e-6);
                let h = ((pax * bax + pay * bay) / len2).clamp(0.0, 1.0);
                (pax - bax * h).hypot(pay - bay * h) - r
            }
        }
    }
}

#[inline]
fn smin(a: f32, b: f32, k: f32) -> f32 {
    let h = (k - (a - b).abs()).max(0.0) / k;
    a.min(b) - h * h * k * 0.25
}

#[inline]
fn smax(a: f32, b: f32, k: f32) -> f32 {
    -smin(-a, -b, k)
}

pub(crate) struct Nucleus {
    union: Vec<Prim>,
    cuts: Vec<Prim>,
    k: f32,
    cut_k: f32,
    wobble: f32,
    wobble_period: f32,
    seed: u32,
    /// Rough radius, used to place nucleoli and scale texture.
    pub radius: f32,
}

impl Nucleus {
    pub fn none() -> Self {
        Nucleus { union: Vec::new(), cuts: Vec::new(), k: 1.0, cut_k: 1.0, wobble: 0.0, wobble_period: 1.0, seed: 0, radius: 0.0 }
    }

    #[inline]
    pub fn sdf(&self, u: f32, v: f32) -> f32 {
        if self.union.is_empty() {
            return FAR;
        }
        let mut d = FAR;
        for p in &self.union {
            d = smin(d, p.sdf(u, v), self.k);
        }
        for c in &self.cuts {
            d = smax(d, -c.sdf(u, v), self.cut_k);
        }
        if self.wobble > 0.0 && d.abs() < self.wobble * 2.0 + 3.0 {
            let p = self.wobble_period;
            d += self.wobble * (noise::fbm(u / p, v / p, self.seed, 2) - 0.5) * 2.0;
        }
        d
    }

    /// `rc` is the cell radius; the nucleus is `scale`·rc across and sits `offset`·rc off-centre.
    pub fn build(shape: Shape, rc: f32, scale: f32, offset: f32, aspect: f32, rng: &mut Rng) -> Self {
        let rn = rc * scale;
        let odir = rng.angle();
        let (ox, oy) = (offset * rc * odir.cos(), offset * rc * odir.sin());
        let mut n =
            Nucleus { union: Vec::new(), cuts: Vec::new(), k: 2.0, cut_k: 3.0, wobble: 0.03 * rn, wobble_period: rn * 0.5, seed: rng.u64() as u32, radius: rn };
        let ellipse = |rng: &mut Rng, cx: f32, cy: f32, r: f32, asp: f32| {
            let ang = rng.angle();
            let sq = asp.max(1.0).sqrt();
            Prim::Ellipse { cx, cy, a: r * sq, b: r / sq, c: ang.cos(), s: ang.sin() }
        };
        // Indentations face the cell centre, as in monocytes and metamyelocytes.
        let inward = if offset > 0.01 { odir + std::f32::consts::PI } else { rng.angle() };
        match shape {
            Shape::None => return Nucleus::none(),
            Shape::Round => n.union.push(ellipse(rng, ox, oy, rn, aspect)),
            Shape::Kidney { depth } => {
                n.union.push(ellipse(rng, ox, oy, rn, aspect));
                let rcut = rn * rng.range(0.45, 0.7);
                let dist = rn + rcut - depth * rn;
                n.cuts.push(Prim::Ellipse { cx: ox + dist * inward.cos(), cy: oy + dist * inward.sin(), a: rcut, b: rcut, c: 1.0, s: 0.0 });
                n.cut_k = rn * 0.25;
            }
            Shape::Lobed { n: lobes, bridge, spacing } => {
                build_lobes(&mut n, rng, rc, rn, lobes.clamp(2, 6), bridge, spacing, (ox, oy));
            }
            Shape::Cleft { clefts } => {
                n.union.push(ellipse(rng, ox, oy, rn, aspect));
                // A notch: a slim ellipse centred on the rim, long axis pointing inwards,
                // so the cut is widest at the edge and tapers towards the centre.
                let base = rng.angle();
                for i in 0..clefts.max(1) {
                    let ang = base + i as f32 * rng.range(1.6, 3.2);
                    let depth = rng.range(0.45, 0.85) * rn;
                    let (cx, cy) = (ox + rn * ang.cos(), oy + rn * ang.sin());
                    let tilt = ang + rng.range(-0.3, 0.3);
                    n.cuts.push(Prim::Ellipse { cx, cy, a: depth, b: rng.range(2.0, 3.5), c: tilt.cos(), s: tilt.sin() });
                }
                n.cut_k = 2.0;
            }
            Shape::Irregular { amp } => {
                n.union.push(ellipse(rng, ox, oy, rn, aspect));
                n.wobble = amp * rn;
                n.wobble_period = rn * rng.range(0.35, 0.6);
                if rng.chance(0.6) {
                    let ang = rng.angle();
                    let rcut = rn * rng.range(0.2, 0.35);
                    let dist = rn + rcut * 0.4;
                    n.cuts.push(Prim::Ellipse { cx: ox + dist * ang.cos(), cy: oy + dist * ang.sin(), a: rcut, b: rcut, c: 1.0, s: 0.0 });
                    n.cut_k = 3.0;
                }
            }
            Shape::Cerebriform => {
                n.union.push(ellipse(rng, ox, oy, rn, aspect));
                n.wobble = 0.07 * rn;
                n.wobble_period = rn * 0.22;
            }
        }
        n
    }
}

/// Lobes of segmented granulocytes: a curved chain (C or S shaped), re-centred and shrunk
/// until it fits inside the cell.
#[allow(clippy::too_many_arguments)]
fn build_lobes(n: &mut Nucleus, rng: &mut Rng, rc: f32, rn: f32, lobes: u32, bridge: f32, spacing: f32, off: (f32, f32)) {
    let frac = match lobes {
        2 => 0.55,
        3 => 0.45,
        4 => 0.39,
        _ => 0.35,
    };
    let rl = rn * frac;
    let mut heading = rng.angle();
    let turn_sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
    let mut pts = vec![(0.0f32, 0.0f32)];
    for i in 1..lobes {
        let step = rl * spacing * rng.range(0.9, 1.15);
        let (px, py) = pts[(i - 1) as usize];
        pts.push((px + step * heading.cos(), py + step * heading.sin()));
        let s_shape = if lobes >= 4 && rng.chance(0.25) { -1.0 } else { 1.0 };
        heading += turn_sign * s_shape * rng.range(0.4, 1.1);
    }
    let (mx, my) = pts.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
    let cnt = pts.len() as f32;
    let (mx, my) = (mx / cnt, my / cnt);
    let far = pts.iter().map(|p| (p.0 - mx).hypot(p.1 - my)).fold(0.0f32, f32::max);
    let limit = rc * 0.86 - rl - off.0.hypot(off.1);
    let shrink = if far > limit && far > 0.0 { (limit.max(rl * 0.6)) / far } else { 1.0 };
    let centres: Vec<(f32, f32)> = pts.iter().map(|p| ((p.0 - mx) * shrink + off.0, (p.1 - my) * shrink + off.1)).collect();
    for &(x, y) in &centres {
        let r = rng.jitter(rl, 0.08);
        let ang = rng.angle();
        let asp = rng.range(1.0, 1.35).sqrt();
        n.union.push(Prim::Ellipse { cx: x, cy: y, a: r * asp, b: r / asp, c: ang.cos(), s: ang.sin() });
    }
    for w in centres.windows(2) {
        let r = (rl * bridge * rng.range(0.8, 1.2)).max(1.0);
        n.union.push(Prim::Capsule { ax: w[0].0, ay: w[0].1, bx: w[1].0, by: w[1].1, r });
    }
    n.k = if spacing < 1.4 { rl * 0.4 } else { 2.0 };
    n.wobble = 0.04 * rl;
    n.wobble_period = rl * 0.6;
    n.radius = rl;
}
