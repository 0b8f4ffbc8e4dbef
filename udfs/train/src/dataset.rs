//! A classifier's training data in memory: each sample a ready `size x size` picture or a
//! background image cut anew for every use (docs/pipeline.md §8.2), with its target.
use cytologia_kernels::augment::Rgb;
use cytologia_kernels::image::codec::Pixels;
use cytologia_kernels::image::cv_resize::resize_lanczos4;
use cytologia_kernels::rng;
use rand_mt::Mt64;

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Class(usize),
    Multi(Vec<usize>),
}

#[derive(Debug)]
pub enum Picture {
    /// Already `size x size`.
    Ready(Rgb),
    /// A background image: a random square is cut from it for every use.
    Background(Pixels),
}

#[derive(Debug)]
pub struct Sample {
    pub picture: Picture,
    pub target: Target,
}

#[derive(Debug)]
pub struct Dataset {
    pub train: Vec<Sample>,
    pub val: Vec<Sample>,
    pub size: usize,
    pub classes: usize,
    pub multilabel: bool,
}

/// The `size x size` picture of a sample for one use: background images get a random square
/// of side randint(88, 224) when training, the fixed 146-px square at (0.05, 0.05) when
/// validating (docs/pipeline.md §8.2), resized.
pub fn picture(s: &Sample, size: usize, train: bool, rng: &mut Mt64) -> Rgb {
    match &s.picture {
        Picture::Ready(p) => p.clone(),
        Picture::Background(px) => {
            let (w, h) = (px.width as usize, px.height as usize);
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
                crop.extend_from_slice(&px.data[(y * w + x1) * 3..(y * w + x1 + side) * 3]);
            }
            Rgb { width: size, height: size, data: resize_lanczos4(&crop, side, side, 3, size, size) }
        }
    }
}
