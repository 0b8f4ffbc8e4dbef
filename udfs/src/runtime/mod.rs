//! Family `runtime`: model runtimes (ONNX Runtime, libtorch) and device choice.
pub mod device;
pub mod onnx;
pub mod torch;

mod runtime_info;

use std::sync::Arc;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "runtime";

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(runtime_info::RuntimeInfo)]
}
