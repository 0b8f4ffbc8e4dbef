//! Family `warehouse`: functions about the warehouse's tables themselves.
mod table_at;
mod table_history;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "warehouse";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Warehouse functions");

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(table_at::TableAt), Arc::new(table_history::TableHistory)]
}
