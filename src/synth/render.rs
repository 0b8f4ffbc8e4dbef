//! One image, start to finish: look → layout → red cells → white cells → lamp → grain.
//! Pure function of the job, so a re-render with the same seed yields the same pixels.

use super::background::draw_look;
use super::canvas::Canvas;
use super::rbc::{Keepout, paint_platelets, paint_rbcs};
use super::recipe::{base_radius, build_cell};
use super::rng::Rng;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BoxAnn {
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
    pub class: usize,
}

pub(crate) struct RenderJob<'a> {
    pub w: u32,
    pub h: u32,
    pub classes: &'a [usize],
    pub seed: u64,
    /// Additive brightness shift (levels) for re-encoded near-duplicates.
    pub brightness: f32,
}

pub(crate) struct Rendered {
    pub rgb: Vec<u8>,
    pub boxes: Vec<BoxAnn>,
}

pub(crate) fn render(job: &RenderJob) -> Rendered {
    let mut rng = Rng::new(job.seed);
    let (w, h) = (job.w as f32, job.h as f32);
    let look = draw_look(&mut rng);
    let mut radii: Vec<f32> = job.classes.iter().map(|&c| base_radius(c, &mut rng)).collect();
    // Crowded fields: shrink cells so they fit without heavy overlap (real multi-cell
    // captures are lower-magnification fields).
    let cover: f32 = radii.iter().map(|r| std::f32::consts::PI * r * r).sum();
    let budget = if radii.len() > 1 { 0.38 * w * h } else { f32::MAX };
    if cover > budget {
        let k = (budget / cover).sqrt();
        radii.iter_mut().for_each(|r| *r = (*r * k).max(6.0));
    }
    let cells: Vec<_> = job.classes.iter().zip(&radii).map(|(&c, &r)| build_cell(c, r, &look, &mut rng)).collect();
    let centres = layout(w, h, &radii, &mut rng);
    let keep: Vec<Keepout> = centres.iter().zip(&cells).map(|(&(cx, cy), c)| Keepout { cx, cy, r: c.r * c.aspect }).collect();
    let mut canvas = Canvas::new(job.w as usize, job.h as usize, look.bg);
    paint_rbcs(&mut canvas, &look, &mut rng, &keep);
    paint_platelets(&mut canvas, &look, &mut rng, &keep);
    let mut boxes = Vec::with_capacity(cells.len());
    for ((cell, &(cx, cy)), &class) in cells.iter().zip(&centres).zip(job.classes) {
        let ext = cell.paint(&mut canvas, cx, cy);
        boxes.push(annotate(ext, cx, cy, cell.r, job.w as i32, job.h as i32, class, &mut rng));
    }
    // Optics are never perfectly sharp; a slight blur removes the vector-art look.
    canvas.soften();
    canvas.illuminate(&look.light);
    let noise_seed = rng.u64() as u32;
    Rendered { rgb: canvas.to_rgb8(noise_seed, look.grain, job.brightness), boxes }
}

/// Single cells sit near the centre (the capture was framed on them); extra cells are
/// scattered by best-of-N sampling, which never fails and avoids heavy overlap.
fn layout(w: f32, h: f32, radii: &[f32], rng: &mut Rng) -> Vec<(f32, f32)> {
    if radii.len() == 1 {
        return vec![(w * 0.5 + rng.normal() * 0.035 * w, h * 0.5 + rng.normal() * 0.035 * h)];
    }
    let mut out: Vec<(f32, f32)> = Vec::with_capacity(radii.len());
    for &r in radii {
        let mut best = (w * 0.5, h * 0.5);
        let mut best_gap = f32::MIN;
        for _ in 0..120 {
            let p = (rng.range(0.06 * w, 0.94 * w), rng.range(0.06 * h, 0.94 * h));
            let gap = out.iter().zip(radii).map(|(q, &rq)| (p.0 - q.0).hypot(p.1 - q.1) - 1.02 * (r + rq)).fold(f32::MAX, f32::min);
            if gap > best_gap {
                best_gap = gap;
                best = p;
            }
            if gap >= 0.0 {
                break;
            }
        }
        out.push(best);
    }
    out
}

/// An annotator's box: visible cell extent plus a few px of uneven slack, clipped to the
/// image (boxes outside the image only appear as injected faults).
#[allow(clippy::too_many_arguments)]
fn annotate(ext: Option<(i32, i32, i32, i32)>, cx: f32, cy: f32, r: f32, w: i32, h: i32, class: usize, rng: &mut Rng) -> BoxAnn {
    let (ex0, ey0, ex1, ey1) = ext.unwrap_or(((cx - r) as i32, (cy - r) as i32, (cx + r) as i32, (cy + r) as i32));
    let mut slack = || rng.int(1, 6);
    let x1 = (ex0 - slack()).clamp(0, w - 1);
    let y1 = (ey0 - slack()).clamp(0, h - 1);
    let x2 = (ex1 + 1 + slack()).clamp(x1 + 1, w);
    let y2 = (ey1 + 1 + slack()).clamp(y1 + 1, h);
    BoxAnn { x1, y1, x2, y2, class }
}
