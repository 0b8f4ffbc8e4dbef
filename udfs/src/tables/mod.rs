//! Family `tables`: generic functions over any table, view or query.
mod assert_true;
mod profile;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "tables";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Table functions");

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(profile::Profile)]
}

pub fn scalar_functions() -> Vec<(crate::access::Effect, Arc<datafusion::logical_expr::ScalarUDF>)> {
    vec![(assert_true::EFFECT, Arc::new(datafusion::logical_expr::ScalarUDF::new_from_impl(assert_true::AssertTrue::default())))]
}
