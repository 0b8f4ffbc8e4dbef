//! Family `folds`: cross-validation splits exactly as the winning recipe made them.
//! Kernels (no DataFusion types): [`numpy_rng`] (numpy legacy `RandomState`, MT19937),
//! [`iterstrat`] (`MultilabelStratifiedKFold(shuffle=True)` and a group-aware variant),
//! [`pandas_cut`] (`pandas.cut(x, bins=k)`). SQL functions: `cut_bin`, `multilabel_kfold`.
pub mod iterstrat;
pub mod numpy_rng;
pub mod pandas_cut;

mod cut_bin;
mod multilabel_kfold;

pub use iterstrat::{multilabel_stratified_kfold, multilabel_stratified_kfold_grouped};
pub use numpy_rng::NumpyRandomState;
pub use pandas_cut::{cut_bin, CutBins};

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "folds";

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
