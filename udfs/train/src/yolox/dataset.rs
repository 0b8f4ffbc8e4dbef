//! A detector's training data: an index of images (a key into the picture store, the image's
//! size and its labelled boxes) whose pixels the store decodes on demand.
use cytologia_kernels::augment::yolox::Label;

use crate::store::Store;

#[derive(Debug, Clone)]
pub struct Sample {
    /// The image's key in the dataset's store.
    pub key: usize,
    pub labels: Vec<Label>,
}

#[derive(Debug)]
pub struct DetDataset {
    pub train: Vec<Sample>,
    pub val: Vec<Sample>,
    pub classes: usize,
    pub store: Store,
}
