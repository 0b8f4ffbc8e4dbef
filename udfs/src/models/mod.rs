//! Family `models`: the model registry and inference (detect, classify). Kernels
//! (`yolox`, `imagenet`, `detector`, `classifier`) know nothing of DataFusion; each SQL
//! function lives in its own file.
pub mod inference;
pub mod registry;

mod call_args;
mod classify;
mod detect;
mod detect_boxes;
mod export_onnx;
mod model_rows;
mod probe;
mod register_model;

pub(crate) use register_model::default_classes;

use std::sync::Arc;

use datafusion::logical_expr::async_udf::AsyncScalarUDFImpl;

use crate::env::EnvRef;
use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "models";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Model functions");

/// Inference runs as async scalar functions (DataFusion batches their input by
/// `ideal_batch_size` and awaits them off the reactor). They need the engine to read
/// `models`; `None` builds them for the documentation only.
pub fn async_functions(env: Option<EnvRef>) -> Vec<(crate::access::Effect, Arc<dyn AsyncScalarUDFImpl>)> {
    vec![(detect_boxes::EFFECT, Arc::new(detect_boxes::DetectBoxes::new(env.clone()))), (classify::EFFECT, Arc::new(classify::Classify::new(env)))]
}

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(register_model::RegisterModel), Arc::new(detect::Detect), Arc::new(export_onnx::ExportOnnx)]
}
