//! Per-image smear "look": background tint, stain strength and lamp, so two images of the
//! same class never share exact colours (as with different slides and staining runs).

use super::canvas::{Illumination, Rgb};
use super::rng::Rng;

pub(crate) struct Look {
    /// Plasma/glass background before illumination.
    pub bg: Rgb,
    /// Erythrocyte body colour at full thickness.
    pub rbc: Rgb,
    /// Dye density multiplier applied to every white-cell colour (>1 darker).
    pub stain: f32,
    /// Shifts cytoplasm towards blue (>0) or pink (<0): MGG batches vary this way.
    pub blue_shift: f32,
    pub light: Illumination,
    pub grain: f32,
}

pub(crate) fn draw_look(rng: &mut Rng) -> Look {
    let bg = [rng.jitter(232.0, 0.015).min(250.0), rng.jitter(216.0, 0.02).min(245.0), rng.jitter(216.0, 0.02).min(245.0)];
    let rbc = [(bg[0] * rng.range(0.93, 0.99)).min(245.0), bg[1] * rng.range(0.68, 0.78), bg[2] * rng.range(0.74, 0.86)];
    let cast_r = rng.range(-0.03, 0.03);
    let cast_b = rng.range(-0.03, 0.04);
    Look {
        bg,
        rbc,
        stain: rng.range(0.85, 1.2),
        blue_shift: rng.range(-0.08, 0.08),
        light: Illumination {
            centre: (rng.range(0.3, 0.7), rng.range(0.3, 0.7)),
            vignette: rng.range(0.03, 0.14),
            tilt: (rng.range(-0.06, 0.06), rng.range(-0.06, 0.06)),
            mottle: rng.range(0.01, 0.05),
            cast: [1.0 + cast_r, 1.0 - 0.3 * (cast_r + cast_b), 1.0 + cast_b],
            seed: rng.u64() as u32,
        },
        grain: rng.range(2.0, 6.0),
    }
}
