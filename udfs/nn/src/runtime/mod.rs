//! Model runtimes behind one trait (`model_runtime::ModelRuntime`): ONNX Runtime, TorchScript
//! and the project's own networks from safetensors weights on libtorch; device choice and the
//! session cache; the batch size chosen from memory (`batching`).
pub mod batching;
pub mod device;
pub mod model_runtime;
pub mod onnx;
pub mod onnx_session;
pub mod torch;
pub mod torch_cpu_cache;
pub mod torch_module;
pub mod torch_net;
pub mod torch_yolox;
