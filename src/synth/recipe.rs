//! Per-class visual signatures (MGG-stained morphology). Each draw jitters size, shape,
//! colour and inclusions so neighbouring classes (the blasts, the lymphoid cells, the
//! granulocyte precursors) overlap somewhat, as they do for human annotators.

use super::background::Look;
use super::canvas::{Rgb, densify, mix};
use super::classes::*;
use super::nucleus::{Nucleus, Shape};
use super::rng::Rng;
use super::wbc::{Cell, Chromatin, Region, Rod, Spot};

/// Typical cell radius in px for 360-px fields (box ≈ 2·r + slack, median ≈ 142 px).
pub(crate) fn base_radius(class: usize, rng: &mut Rng) -> f32 {
    let r = match class {
        PNN => 66.0,
        LY => 53.0,
        MO => 76.0,
        EO => 68.0,
        BA => 61.0,
        ER => 54.0,
        PM => 75.0,
        THROMB => return rng.range(7.0, 40.0),
        LAM3 => 73.0,
        LYSEE => return rng.range(42.0, 92.0),
        LYB => 62.0,
        LLC => 53.0,
        MBL => 68.0,
        LGL => 64.0,
        B => 67.0,
        M => 68.0,
        MM => 65.0,
        LF => 57.0,
        MOB => 80.0,
        LH_LYACT => 73.0,
        LM => 61.0,
        LZMG => 62.0,
        _ => 59.0, // SS and anything unknown
    };
    rng.jitter(r, 0.08)
}

const NUC_DENSE: Rgb = [72.0, 42.0, 110.0];
const NUC_MED: Rgb = [95.0, 60.0, 138.0];
const NUC_FINE: Rgb = [116.0, 84.0, 162.0];
const NUC_MONO: Rgb = [128.0, 94.0, 165.0];
const NUC_ERY: Rgb = [40.0, 22.0, 58.0];
const AZUR: Rgb = [140.0, 42.0, 108.0];

/// A population of granules: count at r = 65 px (scaled with cell area), colour,
/// radius range, opacity, compartment.
struct Granules(f32, Rgb, (f32, f32), f32, Region);

/// Everything that differs between classes, before geometry is built.
struct Spec {
    shape: Shape,
    nc: f32,
    offset: f32,
    nuc_aspect: f32,
    nuc: Rgb,
    contrast: f32,
    period: f32,
    clumpy: bool,
    grooves: bool,
    cyto: Rgb,
    rim: f32,
    halo: f32,
    outline: f32,
    villi: f32,
    nucleoli: u32,
    nucleolus_r: f32,
    vacuoles: u32,
    granules: Vec<Granules>,
    auer: u32,
    opacity: f32,
    soft: f32,
    aspect: f32,
}

fn spec(class: usize, rng: &mut Rng) -> Spec {
    let mut s = Spec {
        shape: Shape::Round,
        nc: 0.6,
        offset: rng.range(0.0, 0.1),
        nuc_aspect: rng.range(1.0, 1.2),
        nuc: NUC_MED,
        contrast: 0.5,
        period: 3.5,
        clumpy: false,
        grooves: false,
        cyto: [170.0, 185.0, 225.0],
        rim: 0.15,
        halo: 0.0,
        outline: 0.015,
        villi: 0.0,
        nucleoli: 0,
        nucleolus_r: 4.0,
        vacuoles: 0,
        granules: Vec::new(),
        auer: 0,
        opacity: 0.97,
        soft: 1.0,
        aspect: rng.range(1.0, 1.1),
    };
    match class {
        PNN => {
            let n = [2, 3, 3, 3, 3, 4, 4, 4, 5][rng.below(9)];
            s.shape = Shape::Lobed { n, bridge: rng.range(0.1, 0.22), spacing: rng.range(1.6, 2.0) };
            s.nc = rng.range(0.56, 0.66);
            s.nuc = NUC_DENSE;
            s.contrast = 0.45;
            s.clumpy = true;
            s.cyto = [226.0, 203.0, 214.0];
            s.rim = 0.05;
            s.granules.push(Granules(260.0, [198.0, 150.0, 188.0], (0.6, 1.1), 0.4, Region::Cytoplasm));
        }
        LY => {
            s.nc = rng.range(0.78, 0.88);
            s.offset = rng.range(0.04, 0.14);
            s.nuc = NUC_DENSE;
            s.contrast = 0.55;
            s.period = 3.0;
            s.clumpy = true;
            s.cyto = [158.0, 182.0, 228.0];
            s.rim = 0.2;
            if rng.chance(0.15) {
                s.granules.push(Granules(5.0, AZUR, (1.0, 1.6), 0.8, Region::Cytoplasm));
            }
        }
        MO => {
            s.shape = if rng.chance(0.7) { Shape::Kidney { depth: rng.range(0.25, 0.55) } } else { Shape::Irregular { amp: rng.range(0.08, 0.15) } };
            s.nc = rng.range(0.55, 0.66);
            s.offset = rng.range(0.08, 0.2);
            s.nuc_aspect = rng.range(1.1, 1.4);
            s.nuc = NUC_MONO;
            s.contrast = 0.6;
            s.period = 2.4;
            s.cyto = [186.0, 181.0, 212.0];
            s.rim = 0.08;
            s.outline = 0.04;
            s.vacuoles = rng.int(0, 7) as u32;
            s.granules.push(Granules(90.0, [172.0, 140.0, 196.0], (0.6, 1.0), 0.35, Region::Cytoplasm));
        }
        EO => {
            let n = if rng.chance(0.8) { 2 } else { 3 };
            s.shape = Shape::Lobed { n, bridge: rng.range(0.22, 0.35), spacing: rng.range(1.5, 1.8) };
            s.nc = rng.range(0.55, 0.64);
            s.nuc = NUC_MED;
            s.cyto = [228.0, 198.0, 178.0];
            s.rim = 0.03;
            s.granules.push(Granules(420.0, [230.0, 118.0, 62.0], (1.5, 2.3), 0.85, Region::Any));
        }
        BA => {
            let n = rng.int(1, 3) as u32;
            s.shape = if n == 1 { Shape::Kidney { depth: 0.3 } } else { Shape::Lobed { n, bridge: 0.35, spacing: 1.5 } };
            s.nc = rng.range(0.55, 0.65);
            s.nuc = [128.0, 95.0, 165.0];
            s.contrast = 0.3;
            s.cyto = [206.0, 186.0, 218.0];
            s.rim = 0.05;
            s.granules.push(Granules(rng.range(70.0, 140.0), [52.0, 24.0, 78.0], (1.6, 3.2), 0.9, Region::Any));
        }
        ER => {
            s.nc = rng.range(0.48, 0.62);
            s.offset = rng.range(0.04, 0.18);
            s.nuc_aspect = rng.range(1.0, 1.08);
            s.nuc = NUC_ERY;
            s.contrast = 0.35;
            s.period = 2.5;
            s.clumpy = true;
            s.cyto = mix([160.0, 160.0, 200.0], [196.0, 166.0, 186.0], rng.f32());
            s.rim = 0.1;
            s.outline = 0.008;
            s.aspect = rng.range(1.0, 1.05);
        }
        PM => {
            s.nc = rng.range(0.54, 0.64);
            s.offset = rng.range(0.16, 0.28);
            s.nuc = [110.0, 76.0, 156.0];
            s.contrast = 0.4;
            s.period = 3.0;
            s.nucleoli = rng.int(1, 2) as u32;
            s.nucleolus_r = rng.range(3.0, 4.5);
            s.cyto = [170.0, 164.0, 212.0];
            s.halo = 0.55;
            s.granules.push(Granules(rng.range(90.0, 170.0), AZUR, (1.1, 2.0), 0.8, Region::Cytoplasm));
        }
        THROMB => {
            s.shape = Shape::None;
            s.cyto = [200.0, 172.0, 216.0];
            s.outline = 0.08;
            s.opacity = 0.85;
            s.soft = 1.2;
            s.aspect = rng.range(1.0, 1.4);
            s.granules.push(Granules(600.0, [124.0, 66.0, 160.0], (0.8, 1.5), 0.75, Region::Any));
        }
        LAM3 => {
            s.shape = if rng.chance(0.75) {
                Shape::Lobed { n: 2, bridge: 0.5, spacing: rng.range(1.05, 1.35) }
            } else {
                Shape::Kidney { depth: rng.range(0.3, 0.5) }
            };
            s.nc = rng.range(0.56, 0.66);
            s.nuc = [106.0, 70.0, 150.0];
            s.contrast = 0.35;
            s.period = 2.6;
            s.nucleoli = rng.int(0, 1) as u32;
            s.cyto = [186.0, 160.0, 206.0];
            s.granules.push(Granules(rng.range(260.0, 420.0), [142.0, 40.0, 100.0], (1.0, 2.0), 0.8, Region::Any));
            s.auer = rng.int(2, 8) as u32;
        }
        LYSEE => {
            s.shape = Shape::None;
            s.nuc = [112.0, 72.0, 155.0];
            s.contrast = rng.range(0.6, 1.0);
            s.cyto = [204.0, 182.0, 222.0];
            s.outline = 0.12;
            s.opacity = rng.range(0.7, 0.92);
            s.soft = rng.range(2.5, 5.0);
            s.aspect = rng.range(1.0, 1.5);
        }
        LYB => {
            s.nc = rng.range(0.8, 0.88);
            s.offset = rng.range(0.02, 0.1);
            s.nuc = NUC_FINE;
            s.contrast = 0.45;
            s.period = 2.2;
            s.nucleoli = rng.int(1, 2) as u32;
            s.nucleolus_r = rng.range(3.5, 5.0);
            s.cyto = [118.0, 140.0, 208.0];
            s.rim = 0.2;
        }
        LLC => {
            s.nc = rng.range(0.76, 0.85);
            s.nuc = [64.0, 38.0, 100.0];
            s.contrast = 0.85;
            s.period = 4.5;
            s.clumpy = true;
            s.cyto = [178.0, 192.0, 228.0];
        }
        MBL => {
            s.nc = rng.range(0.68, 0.78);
            s.offset = rng.range(0.05, 0.15);
            s.nuc_aspect = rng.range(1.1, 1.25);
            s.nuc = [118.0, 86.0, 166.0];
            s.contrast = 0.45;
            s.period = 2.2;
            s.nucleoli = rng.int(2, 4) as u32;
            s.nucleolus_r = rng.range(4.0, 6.0);
            s.cyto = [134.0, 152.0, 212.0];
            if rng.chance(0.4) {
                s.granules.push(Granules(rng.range(3.0, 15.0), AZUR, (1.0, 1.6), 0.8, Region::Cytoplasm));
            }
            if rng.chance(0.15) {
                s.auer = 1;
            }
        }
        LGL => {
            s.shape = if rng.chance(0.7) { Shape::Round } else { Shape::Kidney { depth: 0.2 } };
            s.nc = rng.range(0.54, 0.64);
            s.offset = rng.range(0.15, 0.25);
            s.nuc = [80.0, 50.0, 120.0];
            s.clumpy = true;
            s.cyto = [194.0, 204.0, 232.0];
            s.rim = 0.1;
            s.granules.push(Granules(rng.range(6.0, 22.0), AZUR, (1.3, 2.2), 0.85, Region::Cytoplasm));
        }
        B => {
            s.nc = rng.range(0.76, 0.86);
            s.offset = rng.range(0.02, 0.1);
            s.nuc = [110.0, 78.0, 158.0];
            s.contrast = 0.45;
            s.period = 2.4;
            s.nucleoli = rng.int(1, 3) as u32;
            s.nucleolus_r = rng.range(4.0, 6.0);
            s.cyto = [128.0, 148.0, 210.0];
            s.rim = 0.2;
        }
        M => {
            s.nc = rng.range(0.5, 0.6);
            s.offset = rng.range(0.18, 0.26);
            s.nuc_aspect = rng.range(1.15, 1.4);
            s.nuc = [92.0, 58.0, 135.0];
            s.period = 3.2;
            s.cyto = [222.0, 196.0, 208.0];
            s.halo = 0.3;
            s.granules.push(Granules(200.0, [186.0, 130.0, 170.0], (0.8, 1.4), 0.5, Region::Cytoplasm));
            s.granules.push(Granules(rng.range(8.0, 25.0), AZUR, (1.0, 1.6), 0.7, Region::Cytoplasm));
        }
        MM => {
            s.shape = Shape::Kidney { depth: rng.range(0.35, 0.6) };
            s.nc = rng.range(0.5, 0.58);
            s.offset = rng.range(0.08, 0.16);
            s.nuc_aspect = rng.range(1.15, 1.35);
            s.nuc = NUC_MED;
            s.clumpy = true;
            s.cyto = [224.0, 200.0, 210.0];
            s.rim = 0.05;
            s.granules.push(Granules(170.0, [190.0, 140.0, 175.0], (0.7, 1.2), 0.45, Region::Cytoplasm));
        }
        LF => {
            s.shape = Shape::Cleft { clefts: if rng.chance(0.7) { 1 } else { 2 } };
            s.nc = rng.range(0.76, 0.86);
            s.nuc = NUC_DENSE;
            s.contrast = 0.55;
            s.clumpy = true;
            s.cyto = [164.0, 182.0, 224.0];
        }
        MOB => {
            s.shape = if rng.chance(0.7) { Shape::Round } else { Shape::Kidney { depth: 0.15 } };
            s.nc = rng.range(0.58, 0.68);
            s.offset = rng.range(0.06, 0.16);
            s.nuc = [132.0, 98.0, 172.0];
            s.contrast = 0.5;
            s.period = 2.2;
            s.nucleoli = 1;
            s.nucleolus_r = rng.range(6.0, 9.0);
            s.cyto = [164.0, 170.0, 214.0];
            s.rim = 0.2;
            s.vacuoles = rng.int(0, 3) as u32;
            s.granules.push(Granules(30.0, [160.0, 120.0, 190.0], (0.7, 1.1), 0.35, Region::Cytoplasm));
        }
        LH_LYACT => {
            s.nc = rng.range(0.5, 0.6);
            s.offset = rng.range(0.15, 0.25);
            s.nuc = NUC_MED;
            s.contrast = 0.45;
            s.nucleoli = rng.int(0, 1) as u32;
            s.cyto = [92.0, 116.0, 198.0];
            s.rim = 0.45;
            s.halo = 0.35;
            s.outline = 0.045;
        }
        LM => {
            s.shape = Shape::Irregular { amp: rng.range(0.12, 0.2) };
            s.nc = rng.range(0.76, 0.85);
            s.nuc = [88.0, 55.0, 130.0];
            s.contrast = 0.45;
            s.period = 3.0;
            s.nucleoli = rng.int(0, 1) as u32;
            s.nucleolus_r = 2.5;
            s.cyto = [160.0, 178.0, 220.0];
        }
        LZMG => {
            s.nc = rng.range(0.58, 0.66);
            s.offset = rng.range(0.12, 0.22);
            s.nuc = [78.0, 48.0, 118.0];
            s.clumpy = true;
            s.cyto = [168.0, 186.0, 226.0];
            s.villi = rng.range(0.7, 1.1);
        }
        SS => {
            // Sézary: cerebriform nucleus with groove-like folds.
            s.shape = Shape::Cerebriform;
            s.nc = rng.range(0.76, 0.86);
            s.nuc = [70.0, 40.0, 108.0];
            s.contrast = 0.7;
            s.grooves = true;
            s.cyto = [174.0, 188.0, 226.0];
        }
        _ => {}
    }
    s
}

fn jitter_rgb(rng: &mut Rng, c: Rgb, rel: f32) -> Rgb {
    [rng.jitter(c[0], rel).min(250.0), rng.jitter(c[1], rel).min(250.0), rng.jitter(c[2], rel).min(250.0)]
}

pub(crate) fn build_cell(class: usize, radius: f32, look: &Look, rng: &mut Rng) -> Cell {
    let s = spec(class, rng);
    let stain = look.stain * rng.range(0.92, 1.08);
    let nuc_dark = densify(jitter_rgb(rng, s.nuc, 0.05), stain);
    let mut cyto = jitter_rgb(rng, s.cyto, 0.03);
    cyto[0] = (cyto[0] * (1.0 - look.blue_shift * 0.5)).min(250.0);
    cyto[2] = (cyto[2] * (1.0 + look.blue_shift * 0.3)).min(250.0);
    let cyto = densify(cyto, stain);
    let nucleus = Nucleus::build(s.shape, radius, s.nc, s.offset, s.nuc_aspect, rng);
    let mut harmonics = [(0.0, 0.0); 4];
    for h in harmonics.iter_mut() {
        *h = (s.outline * rng.range(0.3, 1.0), rng.angle());
    }
    let mut cell = Cell {
        r: radius,
        aspect: s.aspect,
        angle: rng.angle(),
        harmonics,
        villi: s.villi,
        villi_dir: rng.angle(),
        villi_n: rng.range(14.0, 22.0).round(),
        soft: s.soft,
        opacity: s.opacity,
        nucleus,
        chromatin: Chromatin {
            dark: nuc_dark,
            light: densify(nuc_dark, 0.5),
            edge: densify(nuc_dark, 1.25),
            contrast: s.contrast,
            period: s.period,
            clumpy: s.clumpy,
            grooves: s.grooves,
        },
        cyto,
        cyto_rim: densify(cyto, 1.6),
        rim: s.rim,
        cyto_halo: densify(cyto, 0.55),
        halo: s.halo,
        smudge: class == LYSEE,
        spots: Vec::new(),
        rods: Vec::new(),
        seed: rng.u64() as u32,
    };
    add_inclusions(&mut cell, &s, class, stain, rng);
    cell
}

/// Nucleoli, vacuoles, granules, Auer rods: placed by rejection against the cell's own
/// geometry so they land in the right compartment.
fn add_inclusions(cell: &mut Cell, s: &Spec, class: usize, stain: f32, rng: &mut Rng) {
    let ext = cell.r * cell.aspect;
    let sample = |cell: &Cell, rng: &mut Rng, ok: &dyn Fn(f32, f32) -> bool| -> Option<(f32, f32)> {
        for _ in 0..40 {
            let (u, v) = (rng.range(-ext, ext), rng.range(-cell.r, cell.r));
            if ok(u, v) {
                return Some((u, v));
            }
        }
        None
    };
    // Nucleoli read as pale blue-lilac discs with a darker rim.
    let nucleolus_rgb = mix(densify(cell.chromatin.light, 0.8), cell.cyto, 0.5);
    for _ in 0..s.nucleoli {
        let r = rng.jitter(s.nucleolus_r, 0.15);
        let nuc = &cell.nucleus;
        if let Some((u, v)) = sample(cell, rng, &|u, v| nuc.sdf(u, v) < -(r + 2.0)) {
            cell.spots.push(Spot { u, v, r, rgb: nucleolus_rgb, alpha: 0.85, ring: 0.7, region: Region::Nucleus });
        }
    }
    let vac_rgb = mix(cell.cyto, [238.0, 234.0, 244.0], 0.65);
    for _ in 0..s.vacuoles {
        let r = rng.range(2.0, 5.5);
        let nuc = &cell.nucleus;
        let ok = |u: f32, v: f32| cell.outline(u, v).0 < -(r + 2.0) && nuc.sdf(u, v) > r + 1.0;
        if let Some((u, v)) = sample(cell, rng, &ok) {
            cell.spots.push(Spot { u, v, r, rgb: vac_rgb, alpha: 0.8, ring: 0.15, region: Region::Cytoplasm });
        }
    }
    let area = (cell.r / 65.0).powi(2) * cell.aspect;
    for &Granules(count, rgb, (rmin, rmax), alpha, region) in &s.granules {
        let n = ((count * area).round() as usize).min(1500);
        let base = densify(rgb, stain);
        let central = class == THROMB;
        for _ in 0..n {
            let r = rng.range(rmin, rmax);
            let pos = if central {
                // Platelet granulomere: granules crowd the centre.
                let rad = (rng.normal().abs() * 0.35).min(0.9) * cell.r;
                let a = rng.angle();
                Some((rad * a.cos() * cell.aspect, rad * a.sin()))
            } else {
                let nuc = &cell.nucleus;
                let ok = |u: f32, v: f32| {
                    cell.outline(u, v).0 < -(r + 0.5)
                        && match region {
                            Region::Cytoplasm => nuc.sdf(u, v) > 0.0,
                            _ => true,
                        }
                };
                sample(cell, rng, &ok)
            };
            if let Some((u, v)) = pos {
                let rgb = jitter_rgb(rng, base, 0.06);
                cell.spots.push(Spot { u, v, r, rgb, alpha, ring: 0.0, region });
            }
        }
    }
    let rod_rgb = densify([150.0, 36.0, 80.0], stain);
    let mut placed = 0;
    while placed < s.auer {
        let len = rng.range(9.0, 24.0) * cell.r / 70.0;
        let ang = rng.angle();
        let nuc = &cell.nucleus;
        let ok = |u: f32, v: f32| cell.outline(u, v).0 < -(len * 0.6) && nuc.sdf(u, v) > len * 0.5;
        let Some((u, v)) = sample(cell, rng, &ok) else {
            break;
        };
        // LAM3 "faggot" cells: several rods stacked side by side.
        let bundle = if class == LAM3 && rng.chance(0.4) { rng.int(2, 4) as u32 } else { 1 };
        for b in 0..bundle.min(s.auer - placed) {
            let off = b as f32 * rng.range(2.2, 3.2);
            let (nx, ny) = (-ang.sin() * off, ang.cos() * off);
            let (dx, dy) = (ang.cos() * len * 0.5, ang.sin() * len * 0.5);
            cell.rods.push(Rod { a: (u + nx - dx, v + ny - dy), b: (u + nx + dx, v + ny + dy), r: rng.range(0.7, 1.3), rgb: rod_rgb, alpha: 0.9 });
            placed += 1;
        }
    }
}
