//! Optimisers as PyTorch runs them: ATen's fused AdamW (through a C++ shim), SGD with
//! Nesterov momentum per parameter group, and the EMA of the weights.
pub mod adamw;
pub mod ema;
pub mod sgd;

pub use adamw::AdamW;
pub use ema::Ema;
pub use sgd::Sgd;
