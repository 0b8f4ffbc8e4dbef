//! The challenge's CSV files, read strictly.
pub mod annotations;
#[cfg(test)]
mod annotations_props;
