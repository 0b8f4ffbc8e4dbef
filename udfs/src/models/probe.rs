//! What registration learns by loading a model once: its hash, input side, output width and,
//! for YOLOX exports, whether the grid decode is inside the graph.
use super::registry::{Task, file_sha256};
use crate::error::{Result, UdfError};
use cytologia_kernels::yolox;
use cytologia_nn::runtime::model_runtime::{self, Format, ModelFile, Tensor};

pub struct Probed {
    pub sha256: String,
    pub input_size: usize,
    /// Values per row of the output: classes (classifiers) or 5 + classes (detectors).
    pub outputs: usize,
    pub decoded: Option<bool>,
}

/// `architecture` and `outputs` (0 = from the file) matter only for safetensors weights, which
/// do not describe their graph.
pub fn probe(path: &str, format: Format, task: Task, size: Option<i64>, preset: &str, architecture: Option<&str>, outputs: usize) -> Result<Probed> {
    let sha256 = file_sha256(path)?;
    let mut file = ModelFile::graph(path, &sha256, format);
    if format == Format::Safetensors {
        let arch = architecture
            .ok_or_else(|| UdfError::Other("safetensors weights need architecture => (a timm name such as 'resnet18', or 'yolox_s' for a detector)".into()))?;
        if (task == Task::Detector) != cytologia_nn::runtime::torch_yolox::serves(arch) {
            return Err(UdfError::Other(format!(
                "architecture '{arch}' does not fit a {} (detectors: yolox_nano ... yolox_x; classifiers: timm names)",
                task.as_str()
            )));
        }
        file.architecture = Some(arch.to_string());
        file.input_size = size.ok_or_else(|| UdfError::Other("safetensors weights need input_size".into()))?.max(0) as usize;
        file.outputs = outputs;
    }
    let rt = model_runtime::open(&file, "cpu", 1, "fp32")?;
    let declared = rt.input_shape().filter(|s| s.len() == 4 && s[2] > 0 && s[2] == s[3]).map(|s| s[2] as usize);
    let size = match (size, declared) {
        (Some(s), Some(d)) if s as usize != d => {
            return Err(UdfError::Other(format!("input_size {s} was given but the graph's input is {d}x{d}")));
        }
        (Some(s), _) => s as usize,
        // The graph's own declaration gets the bounds a given input_size gets.
        (None, Some(d)) if !(8..=8192).contains(&d) => {
            return Err(UdfError::Other(format!("the graph declares a {d}x{d} input, outside 8..8192: give input_size")));
        }
        (None, Some(d)) => d,
        (None, None) => return Err(UdfError::Other("the graph does not fix its input size: give input_size".into())),
    };
    let fill = if preset == "yolox" { 114.0 } else { 0.0 };
    let input = Tensor { shape: vec![1, 3, size, size], data: vec![fill; 3 * size * size] };
    let out = rt.run(&input).map_err(|e| UdfError::Other(format!("the model does not run on a 1x3x{size}x{size} input: {e}")))?;
    match task {
        Task::Detector => {
            let a = yolox::anchors(size);
            if out.shape.len() != 3 || out.shape[1] != a || out.shape[2] < 6 {
                return Err(UdfError::Other(format!("a YOLOX detector at {size} must output [N, {a}, 5+classes]; this one outputs {:?}", out.shape)));
            }
            let row = out.shape[2];
            // Decoded heads put box centres in input pixels (reaching about S); raw offsets stay small.
            let max_cx = out.data.chunks(row).map(|r| r[0]).fold(f32::MIN, f32::max);
            Ok(Probed { sha256, input_size: size, outputs: row, decoded: Some(max_cx > size as f32 / 4.0) })
        }
        _ => {
            if out.shape.len() != 2 || out.shape[0] != 1 {
                return Err(UdfError::Other(format!("a classifier must output [N, classes]; this one outputs {:?}", out.shape)));
            }
            Ok(Probed { sha256, input_size: size, outputs: out.shape[1], decoded: None })
        }
    }
}
