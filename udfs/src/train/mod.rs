//! Family `train`: training as table functions on libtorch (tch). `nets` holds the
//! architectures (timm parameter names), `augment` the winning recipe's train augmentations, `data` /
//! `loader` the input pipeline, `trainer` the loop; each SQL function has its own file.
pub mod augment;
pub mod autocast;
pub(crate) mod canonical_order;
pub mod nets;
pub mod yolox;

pub(crate) mod checkpoint;
mod adamw;
mod data;
mod job;
mod loader;
mod loader_pool;
mod loss;
mod metrics;
mod mix;
mod rng;
mod train_classifier;
mod train_detector;
mod trainer;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "train";

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(train_classifier::TrainClassifier), Arc::new(train_detector::TrainDetector)]
}
