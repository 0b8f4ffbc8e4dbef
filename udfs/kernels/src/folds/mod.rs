//! Fold assignment as the winning recipe made it: numpy's legacy MT19937, iterstrat's
//! multilabel stratified k-fold, pandas' cut.
pub mod iterstrat;
pub mod numpy_rng;
pub mod pandas_cut;

#[cfg(test)]
mod tests;

pub use iterstrat::{multilabel_stratified_kfold, multilabel_stratified_kfold_grouped};
pub use numpy_rng::NumpyRandomState;
pub use pandas_cut::{CutBins, cut_bin};
