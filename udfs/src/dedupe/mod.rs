//! Family `dedupe`: perceptual-hash duplicates. The rule is a kernel (`rule`); the hash itself
//! is the image family's `phash`.
pub mod rule;

mod dedupe_phash;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "dedupe";

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(dedupe_phash::DedupePhash)]
}
