//! Family `dedupe`: perceptual-hash duplicates. The rule is a kernel (`rule`); the hash itself
//! is the image family's `phash`.
mod dedupe_phash;
mod hamming_distance;
mod near_duplicates;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "dedupe";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Dedupe functions");

pub fn scalar_functions() -> Vec<(crate::access::Effect, Arc<datafusion::logical_expr::ScalarUDF>)> {
    vec![(hamming_distance::EFFECT, Arc::new(datafusion::logical_expr::ScalarUDF::new_from_impl(hamming_distance::HammingDistance::default())))]
}

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(dedupe_phash::DedupePhash), Arc::new(near_duplicates::NearDuplicates)]
}
