//! Fold assignment as the winning recipe made it: numpy's legacy MT19937, iterstrat's
//! multilabel stratified k-fold, pandas' cut.
pub mod iterstrat;
pub mod numpy_rng;
pub mod pandas_cut;

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

pub use iterstrat::{multilabel_stratified_kfold, multilabel_stratified_kfold_grouped};
pub use numpy_rng::NumpyRandomState;
pub use pandas_cut::{CutBins, cut_bin};
