//! The winning recipe's duplicate-removal rule over PHash groups (docs/pipeline.md §2.3), and
//! near-duplicate search within a Hamming distance.
pub mod near;
pub mod rule;
