//! Training YOLOX (docs/pipeline.md §4): the dataset in memory and the training loop.
pub mod dataset;
pub mod trainer;
