//! Family `tables`: generic functions over any table, view or query.
mod profile;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "tables";

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(profile::Profile)]
}
