//! The kernels of cytologia: plain Rust, exact against the Python libraries the winning
//! recipe used (goldens in tests/goldens/, made by scripts/goldens/). Nothing here knows
//! DataFusion or libtorch; the SQL adapters (`cytologia-udfs`) and the networks
//! (`cytologia-nn`) build on it.
pub mod error;
pub mod fs;

pub mod augment;
pub mod background;
pub mod boxes;
pub mod dedupe;
pub mod eval;
pub mod folds;
pub mod image;
pub mod imagenet;
pub mod ingest;
pub mod machine;
pub mod rng;
pub mod vector;
pub mod yolox;
