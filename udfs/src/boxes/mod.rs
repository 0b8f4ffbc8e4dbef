//! Family `boxes`: box geometry, NMS and fusion. Kernels (`geometry`, `nms`, `fusion`) are
//! plain Rust checked against the Python libraries by goldens; each SQL function lives in its
//! own file.
pub mod box_lists;

mod giou;
mod round_half_even;
mod wbf;

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

pub const FAMILY: &str = "boxes";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Box functions");

pub fn scalar_functions() -> Vec<(crate::access::Effect, Arc<ScalarUDF>)> {
    vec![
        (giou::EFFECT, Arc::new(ScalarUDF::new_from_impl(giou::Giou::default()))),
        (round_half_even::EFFECT, Arc::new(ScalarUDF::new_from_impl(round_half_even::RoundHalfEven::default()))),
    ]
}

pub fn aggregate_functions() -> Vec<(crate::access::Effect, Arc<AggregateUDF>)> {
    vec![(wbf::EFFECT, Arc::new(AggregateUDF::new_from_impl(wbf::Wbf::default())))]
}
