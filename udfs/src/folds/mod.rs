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

pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![Arc::new(ScalarUDF::new_from_impl(cut_bin::CutBin::default()))]
}

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(multilabel_kfold::MultilabelKfold)]
}

/// Errors of the fold kernels (messages follow scikit-learn where it has one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FoldsError {
    #[error("cannot make folds of an empty input")]
    Empty,
    #[error("k-fold cross-validation requires at least one train/test split by setting n_splits=2 or more, got n_splits={k}.")]
    TooFewSplits { k: usize },
    #[error("Cannot have number of splits n_splits={k} greater than the number of samples: n_samples={n}.")]
    TooManySplits { k: usize, n: usize },
    #[error("Cannot have number of splits n_splits={k} greater than the number of groups: {groups}.")]
    TooManySplitsForGroups { k: usize, groups: usize },
    #[error("ragged label matrix: row {row} has {got} labels, expected {expected}")]
    Ragged { row: usize, expected: usize, got: usize },
    #[error("groups has {groups} entries but the label matrix has {rows} rows")]
    GroupsLength { groups: usize, rows: usize },
}

#[cfg(test)]
mod tests;
