//! Training on libtorch: the classifier loop (`classifier`) and the YOLOX loop (`yolox`), the
//! datasets they read (an index in memory, pixels decoded on demand through a bounded cache),
//! the loader that builds augmented batches ahead of the step on a pool of
//! lower-priority threads, batch mixing and training metrics. Runs on the caller's blocking
//! thread and reports each evaluation through a callback; the SQL side (streaming rows,
//! registering checkpoints) is `cytologia-udfs`.
pub mod classifier;
pub mod dataset;
pub mod error;
pub mod heap;
pub mod loader;
pub mod loader_pool;
pub mod metrics;
pub mod mix;
pub mod store;
pub mod yolox;
