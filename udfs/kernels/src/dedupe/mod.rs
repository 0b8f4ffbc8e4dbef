//! The winning recipe's duplicate-removal rule over PHash groups (docs/pipeline.md §2.3).
pub mod rule;
