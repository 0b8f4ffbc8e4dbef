//! Family `train`: training as table functions. The loops, loaders and datasets are
//! `cytologia_train`, the networks `cytologia_nn`; here are the SQL adapters: the input rows
//! turned into datasets (`classifier_rows`, `detector_rows`, in a canonical order; `prepared`:
//! what their first pass found), the job
//! machinery that streams evaluations and registers checkpoints (`job`), and one file per
//! function.
pub(crate) mod canonical_order;
mod classifier_rows;
mod detector_rows;
mod job;
mod prepared;
mod train_classifier;
mod train_detector;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "train";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Training functions");

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(train_classifier::TrainClassifier), Arc::new(train_detector::TrainDetector)]
}
