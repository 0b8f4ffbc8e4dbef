//! The whole dataset decided up front, sequentially, from the seed: names, sizes, classes,
//! encoder settings and which images are duplicates. Rendering afterwards is embarrassingly
//! parallel and cannot influence any of these choices.

use std::collections::HashSet;

use super::classes::{NUM_CLASSES, draw_box_count, draw_class, draw_image_classes, draw_size};
use super::jpeg::JpegSettings;
use super::rng::{Rng, STREAM_NAMES, STREAM_PLAN, STREAM_RENDER, derive_seed};

pub(crate) const EXACT_DUP_RATE: f64 = 0.02;
pub(crate) const NEAR_DUP_RATE: f64 = 0.01;
pub(crate) const CROSS_DUP_RATE: f64 = 0.005;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    Original,
    /// Same scene re-encoded (other quality, slight brightness change); `of` = train index.
    NearDup {
        of: usize,
    },
    /// Byte-identical copy of train image `of` under another name.
    ExactDup {
        of: usize,
    },
    /// Test image byte-identical to train image `of`; `same_name` reuses its file.
    CrossDup {
        of: usize,
        same_name: bool,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct PlannedImage {
    pub name: String,
    pub w: u32,
    pub h: u32,
    pub classes: Vec<usize>,
    pub seed: u64,
    pub jpeg: JpegSettings,
    pub brightness: f32,
    pub origin: Origin,
}

impl PlannedImage {
    /// Whether pixels must be rendered (copies reuse their source's bytes).
    pub fn renders(&self) -> bool {
        matches!(self.origin, Origin::Original | Origin::NearDup { .. })
    }
}

pub(crate) struct Plan {
    pub train: Vec<PlannedImage>,
    pub test: Vec<PlannedImage>,
}

/// Proportional count, but at least one instance of each fault once a split has 50 images.
pub(crate) fn fault_count(n: usize, rate: f64) -> usize {
    let c = (n as f64 * rate).round() as usize;
    if n >= 50 { c.max(1) } else { c }
}

struct Namer {
    rng: Rng,
    used: HashSet<String>,
}

impl Namer {
    /// Real file names look like `cf7734a2-b.jpg`.
    fn next(&mut self) -> String {
        loop {
            let v = self.rng.u64();
            let name = format!("{:08x}-{:x}.jpg", v >> 32, v & 0xF);
            if self.used.insert(name.clone()) {
                return name;
            }
        }
    }
}

/// Primary classes for `n` original images: the first 23 cover every class once (so small
/// datasets still contain all of them), the rest follow the real class frequencies.
fn primaries(n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut forced: Vec<usize> = (0..NUM_CLASSES).collect();
    rng.shuffle(&mut forced);
    let mut out: Vec<usize> = forced.into_iter().take(n).collect();
    while out.len() < n {
        out.push(draw_class(rng));
    }
    rng.shuffle(&mut out);
    out
}

fn original(rng: &mut Rng, namer: &mut Namer, seed: u64, ordinal: usize, primary: usize) -> PlannedImage {
    let boxes = draw_box_count(rng);
    let classes = draw_image_classes(rng, primary, boxes);
    let (w, h) = draw_size(rng, primary, boxes);
    PlannedImage {
        name: namer.next(),
        w,
        h,
        classes,
        seed: derive_seed(seed, STREAM_RENDER, ordinal as u64),
        jpeg: JpegSettings { quality: rng.int(85, 95), progressive: rng.chance(0.1) },
        brightness: 0.0,
        origin: Origin::Original,
    }
}

/// Moves entries into a random order and rewrites `of` references accordingly.
fn shuffle_split(items: Vec<PlannedImage>, rng: &mut Rng, remap_train: Option<&[usize]>) -> (Vec<PlannedImage>, Vec<usize>) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    rng.shuffle(&mut order);
    let mut new_pos = vec![0; items.len()];
    for (pos, &old) in order.iter().enumerate() {
        new_pos[old] = pos;
    }
    let mut slots: Vec<Option<PlannedImage>> = items.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    for &old in &order {
        if let Some(mut it) = slots[old].take() {
            it.origin = match (it.origin, remap_train) {
                (Origin::NearDup { of }, None) => Origin::NearDup { of: new_pos[of] },
                (Origin::ExactDup { of }, None) => Origin::ExactDup { of: new_pos[of] },
                (Origin::CrossDup { of, same_name }, Some(m)) => Origin::CrossDup { of: m[of], same_name },
                (o, _) => o,
            };
            out.push(it);
        }
    }
    (out, new_pos)
}

pub(crate) fn plan(train: usize, test: usize, seed: u64) -> Plan {
    let mut rng = Rng::stream(seed, STREAM_PLAN, 0);
    let mut namer = Namer { rng: Rng::stream(seed, STREAM_NAMES, 0), used: HashSet::new() };

    let n_exact = fault_count(train, EXACT_DUP_RATE);
    let n_near = fault_count(train, NEAR_DUP_RATE);
    let n_orig = train.saturating_sub(n_exact + n_near).max(train.min(1));
    let (n_exact, n_near) = {
        let room = train - n_orig;
        let e = n_exact.min(room);
        (e, n_near.min(room - e))
    };

    let mut ordinal = 0;
    let mut items: Vec<PlannedImage> = Vec::with_capacity(train);
    for p in primaries(n_orig, &mut rng) {
        items.push(original(&mut rng, &mut namer, seed, ordinal, p));
        ordinal += 1;
    }
    let mut sources: Vec<usize> = (0..n_orig).collect();
    rng.shuffle(&mut sources);
    let mut src_iter = sources.iter().copied().cycle();
    for _ in 0..n_exact {
        let of = src_iter.next().unwrap_or(0);
        let mut copy = items[of].clone();
        copy.name = namer.next();
        copy.origin = Origin::ExactDup { of };
        items.push(copy);
    }
    for _ in 0..n_near {
        let of = src_iter.next().unwrap_or(0);
        let mut copy = items[of].clone();
        copy.name = namer.next();
        let q = copy.jpeg.quality;
        let delta = rng.int(3, 8);
        copy.jpeg.quality = if q + delta <= 98 { q + delta } else { q - delta };
        if rng.chance(0.3) {
            copy.jpeg.progressive = !copy.jpeg.progressive;
        }
        let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
        copy.brightness = sign * rng.range(1.0, 3.0);
        copy.origin = Origin::NearDup { of };
        items.push(copy);
    }
    let (train_items, train_pos) = shuffle_split(items, &mut rng, None);

    // Cross-split leaks: the first keeps the train file name (same file listed in both
    // CSVs), the others are byte-identical copies under fresh names.
    let n_cross = if n_orig == 0 {
        0
    } else if test >= 50 {
        fault_count(test, CROSS_DUP_RATE).max(2)
    } else {
        fault_count(test, CROSS_DUP_RATE)
    }
    .min(test);
    let n_test_orig = test - n_cross;
    let mut titems: Vec<PlannedImage> = Vec::with_capacity(test);
    for p in primaries(n_test_orig, &mut rng) {
        titems.push(original(&mut rng, &mut namer, seed, ordinal, p));
        ordinal += 1;
    }
    let mut cross_src: Vec<usize> = (0..n_orig).collect();
    rng.shuffle(&mut cross_src);
    for i in 0..n_cross {
        let of = cross_src[i % cross_src.len().max(1)];
        let mut copy = {
            // `of` is a pre-shuffle train index; look it up at its new position.
            train_items[train_pos[of]].clone()
        };
        let same_name = i == 0;
        if !same_name {
            copy.name = namer.next();
        }
        copy.origin = Origin::CrossDup { of, same_name };
        titems.push(copy);
    }
    let (test_items, _) = shuffle_split(titems, &mut rng, Some(&train_pos));
    Plan { train: train_items, test: test_items }
}
