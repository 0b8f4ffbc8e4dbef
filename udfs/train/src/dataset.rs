//! A classifier's training data: an index of samples (a key into the picture store and a
//! target) whose pixels the store decodes on demand. A sample's stored picture is ready at
//! `size x size`, or, for a background image, the whole image, from which a random square is
//! cut for every use (docs/pipeline.md §8.2).
use std::sync::Arc;

use cytologia_kernels::augment::Rgb;
use cytologia_kernels::image::cv_resize::resize_lanczos4;
use cytologia_kernels::rng;
use rand_mt::Mt64;

use crate::error::Result;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Class(usize),
    Multi(Vec<usize>),
}

#[derive(Debug, Clone)]
pub struct Sample {
    /// The picture's key in the dataset's store.
    pub key: usize,
    /// A background image: a random square is cut from it for every use.
    pub background: bool,
    pub target: Target,
}

#[derive(Debug)]
pub struct Dataset {
    pub train: Vec<Sample>,
    pub val: Vec<Sample>,
    pub size: usize,
    pub classes: usize,
    pub multilabel: bool,
    pub store: Store,
}

/// The `size x size` picture of a sample for one use: background images get a random square
/// of side randint(88, 224) when training, the fixed 146-px square at (0.05, 0.05) when
/// validating (docs/pipeline.md §8.2), resized.
pub fn picture(ds: &Dataset, s: &Sample, train: bool, rng: &mut Mt64) -> Result<Rgb> {
    let stored: Arc<Rgb> = ds.store.get(s.key)?;
    if !s.background {
        return Ok(Arc::unwrap_or_clone(stored));
    }
    let (w, h, size) = (stored.width, stored.height, ds.size);
    let (side, u, v) = if train {
        let side = rng::randint(rng, 88, 224) as usize;
        (side, rng::uniform(rng), rng::uniform(rng))
    } else {
        (146, 0.05, 0.05)
    };
    let side = side.min(w).min(h).max(1);
    let y1 = ((h - side + 1) as f64 * u) as usize;
    let x1 = ((w - side + 1) as f64 * v) as usize;
    let mut crop = Vec::with_capacity(side * side * 3);
    for y in y1..y1 + side {
        crop.extend_from_slice(&stored.data[(y * w + x1) * 3..(y * w + x1 + side) * 3]);
    }
    Ok(Rgb { width: size, height: size, data: resize_lanczos4(&crop, side, side, 3, size, size) })
}
