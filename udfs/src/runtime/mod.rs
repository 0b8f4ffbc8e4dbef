//! Family `runtime`: what the model runtimes (`cytologia_nn::runtime`) can do in this process.
mod runtime_info;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "runtime";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Runtime functions");

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(runtime_info::RuntimeInfo)]
}
