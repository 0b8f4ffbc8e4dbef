//! The networks of cytologia on libtorch (tch) and the runtimes that serve them: timm-named
//! classifiers (`nets`), YOLOX with the official names (`yolox`), losses, optimisers and
//! their C++ shims, safetensors checkpoints, the ONNX export, and ONNX Runtime / libtorch
//! sessions (`runtime`). Inference lives here; training loops live in `cytologia-train`,
//! which builds on this crate and never the other way round.
pub mod autocast;
pub mod checkpoint;
pub mod error;
pub mod loss;
pub mod nets;
pub mod optim;
pub mod runtime;
pub mod yolox;
