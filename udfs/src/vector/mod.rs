//! Family `vector`: list arithmetic for ensembling logits (docs/pipeline.md §9).
mod lists;

mod argmax;
mod sigmoid;
mod softmax;
mod vector_mean;

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

pub const FAMILY: &str = "vector";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Vector functions");

pub fn scalar_functions() -> Vec<(crate::access::Effect, Arc<ScalarUDF>)> {
    vec![
        (softmax::EFFECT, Arc::new(ScalarUDF::new_from_impl(softmax::Softmax::default()))),
        (sigmoid::EFFECT, Arc::new(ScalarUDF::new_from_impl(sigmoid::Sigmoid::default()))),
        (argmax::EFFECT, Arc::new(ScalarUDF::new_from_impl(argmax::Argmax::default()))),
    ]
}

pub fn aggregate_functions() -> Vec<(crate::access::Effect, Arc<AggregateUDF>)> {
    vec![(vector_mean::EFFECT, Arc::new(AggregateUDF::new_from_impl(vector_mean::VectorMean::default())))]
}
