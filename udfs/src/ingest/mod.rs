//! Family `ingest`: reading the challenge's files into the warehouse.
mod read_annotations;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "ingest";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Ingest functions");

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(read_annotations::ReadAnnotations)]
}
