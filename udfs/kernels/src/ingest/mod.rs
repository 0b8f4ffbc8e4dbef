//! The challenge's CSV files, read strictly.
pub mod annotations;
