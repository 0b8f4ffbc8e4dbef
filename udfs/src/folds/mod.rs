//! Family `folds`: cross-validation splits exactly as the winning recipe made them.
//! Kernels (no DataFusion types): [`numpy_rng`] (numpy legacy `RandomState`, MT19937),
//! [`iterstrat`] (`MultilabelStratifiedKFold(shuffle=True)` and a group-aware variant),
//! [`pandas_cut`] (`pandas.cut(x, bins=k)`). SQL functions: `cut_bin`, `multilabel_kfold`.
mod cut_bin;
mod multilabel_kfold;

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "folds";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Fold functions");

pub fn scalar_functions() -> Vec<(crate::access::Effect, Arc<ScalarUDF>)> {
    vec![(cut_bin::EFFECT, Arc::new(ScalarUDF::new_from_impl(cut_bin::CutBin::default())))]
}

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(multilabel_kfold::MultilabelKfold)]
}
