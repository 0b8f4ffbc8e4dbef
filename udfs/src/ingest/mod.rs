//! Family `ingest`: reading the challenge's files into the warehouse.
pub mod annotations;

mod read_annotations;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "ingest";

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(read_annotations::ReadAnnotations)]
}
