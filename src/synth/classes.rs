//! Class vocabulary and the real challenge's marginal statistics that the generator mimics.

use super::rng::Rng;

/// Canonical class-id order (id = index).
pub const CLASS_NAMES: [&str; 23] = [
    "PNN", "LY", "MO", "EO", "BA", "Er", "PM", "Thromb", "LAM3", "Lysee", "LyB", "LLC", "MBL", "LGL", "B", "M", "MM", "LF", "MoB", "LH_lyAct", "LM", "LZMG",
    "SS",
];

pub(crate) const NUM_CLASSES: usize = CLASS_NAMES.len();

// Class ids used by layout/rendering rules.
pub(crate) const PNN: usize = 0;
pub(crate) const LY: usize = 1;
pub(crate) const MO: usize = 2;
pub(crate) const EO: usize = 3;
pub(crate) const BA: usize = 4;
pub(crate) const ER: usize = 5;
pub(crate) const PM: usize = 6;
pub(crate) const THROMB: usize = 7;
pub(crate) const LAM3: usize = 8;
pub(crate) const LYSEE: usize = 9;
pub(crate) const LYB: usize = 10;
pub(crate) const LLC: usize = 11;
pub(crate) const MBL: usize = 12;
pub(crate) const LGL: usize = 13;
pub(crate) const B: usize = 14;
pub(crate) const M: usize = 15;
pub(crate) const MM: usize = 16;
pub(crate) const LF: usize = 17;
pub(crate) const MOB: usize = 18;
pub(crate) const LH_LYACT: usize = 19;
pub(crate) const LM: usize = 20;
pub(crate) const LZMG: usize = 21;
pub(crate) const SS: usize = 22;

/// Box counts per class in the real train.csv (same order as `CLASS_NAMES`).
pub(crate) const TRAIN_BOX_COUNTS: [f64; NUM_CLASSES] = [
    6827.0, 2092.0, 2743.0, 2432.0, 1001.0, 2308.0, 1152.0, 2319.0, 3338.0, 3408.0, 3029.0, 3158.0, 2668.0, 2439.0, 2263.0, 1994.0, 1707.0, 2131.0, 1531.0,
    1705.0, 944.0, 845.0, 714.0,
];

/// Images with 1, 2, … 11 boxes in the real data.
const BOXES_PER_IMAGE: [f64; 11] = [45283.0, 2499.0, 394.0, 98.0, 58.0, 32.0, 27.0, 17.0, 5.0, 3.0, 1.0];

/// Real image sizes (W, H) with rough weights; 608×608 is the rare large field (≈2% overall
/// once the Lysee and crowded-field boosts in `draw_size` are added).
const SIZES: [(u32, u32, f64); 8] =
    [(352, 357, 3.0), (360, 360, 9.0), (360, 363, 10.0), (360, 366, 44.0), (360, 367, 15.0), (368, 369, 8.0), (368, 370, 9.0), (608, 608, 1.0)];

pub(crate) fn draw_class(rng: &mut Rng) -> usize {
    rng.weighted(&TRAIN_BOX_COUNTS)
}

pub(crate) fn draw_box_count(rng: &mut Rng) -> usize {
    rng.weighted(&BOXES_PER_IMAGE) + 1
}

/// Lysed cells and crowded fields come from the large 608-px captures more often.
pub(crate) fn draw_size(rng: &mut Rng, primary: usize, boxes: usize) -> (u32, u32) {
    let p_large = if primary == LYSEE {
        0.15
    } else if boxes >= 3 {
        0.4
    } else {
        0.0
    };
    if p_large > 0.0 && rng.chance(p_large) {
        return (608, 608);
    }
    let weights: Vec<f64> = SIZES.iter().map(|s| s.2).collect();
    let (w, h, _) = SIZES[rng.weighted(&weights)];
    (w, h)
}

/// Classes for a multi-box image: 97.7% of real images hold one class, so extra boxes
/// mostly repeat the first; the rest are drawn by frequency.
pub(crate) fn draw_image_classes(rng: &mut Rng, primary: usize, boxes: usize) -> Vec<usize> {
    let mixed = boxes > 1 && rng.chance(0.4);
    (0..boxes).map(|i| if i == 0 || !mixed || rng.chance(0.5) { primary } else { draw_class(rng) }).collect()
}
