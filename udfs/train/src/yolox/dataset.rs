//! A detector's training data in memory: decoded images with their labelled boxes.
use cytologia_kernels::augment::Rgb;
use cytologia_kernels::augment::yolox::Label;

#[derive(Debug, Clone)]
pub struct Sample {
    pub image: Rgb,
    pub labels: Vec<Label>,
}

#[derive(Debug)]
pub struct DetDataset {
    pub train: Vec<Sample>,
    pub val: Vec<Sample>,
    pub classes: usize,
}
