//! Family `runtime`: model runtimes (ONNX Runtime, libtorch) behind one trait, and device
//! choice.
pub mod device;
pub mod model_runtime;
pub mod onnx;
pub mod onnx_session;
pub mod torch;
pub mod torch_cpu_cache;
pub mod torch_module;
pub mod torch_net;
pub mod torch_yolox;

mod runtime_info;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "runtime";

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(runtime_info::RuntimeInfo)]
}
