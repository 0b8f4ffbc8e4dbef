//! YOLOX in libtorch (tch) with the official Megvii parameter names (`backbone.backbone.*`,
//! `backbone.lateral_conv0.*`, `head.stems.0.*`, ...), so a converted `yolox_s.pth` loads
//! as it is (goldens: tests/goldens/yolox, made by scripts/goldens/yolox_nets.py). One file
//! per part: `blocks`, `darknet` (CSPDarknet), `pafpn` (neck), `head` (decoupled head);
//! `onnx_export` writes a model as an ONNX graph (messages in `onnx_proto`).
mod blocks;
mod darknet;
pub mod head;
pub mod loss;
pub mod onnx_export;
mod onnx_proto;
mod pafpn;

#[cfg(test)]
mod goldens;
#[cfg(test)]
pub(crate) mod test_model;

use tch::Tensor;
use tch::nn;

use crate::error::{NnError, Result};

/// Depth and width multipliers of the official presets; nano uses depthwise convolutions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    pub name: &'static str,
    pub depth: f64,
    pub width: f64,
    pub depthwise: bool,
}

pub const PRESETS: [Preset; 6] = [
    Preset { name: "nano", depth: 0.33, width: 0.25, depthwise: true },
    Preset { name: "tiny", depth: 0.33, width: 0.375, depthwise: false },
    Preset { name: "s", depth: 0.33, width: 0.50, depthwise: false },
    Preset { name: "m", depth: 0.67, width: 0.75, depthwise: false },
    Preset { name: "l", depth: 1.0, width: 1.0, depthwise: false },
    Preset { name: "x", depth: 1.33, width: 1.25, depthwise: false },
];

impl Preset {
    /// `nano`, `yolox_nano`, `yolox-nano` (any case) name the same preset.
    pub fn parse(name: &str) -> Result<Preset> {
        let n = name.trim().to_ascii_lowercase();
        let n = n.strip_prefix("yolox").map(|r| r.trim_start_matches(['_', '-'])).unwrap_or(&n);
        PRESETS.iter().copied().find(|p| p.name == n).ok_or_else(|| {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
            NnError::Other(format!("unknown YOLOX preset '{name}'; one of {} (or yolox_<preset>)", names.join(", ")))
        })
    }

    /// The architecture name stored in `models` (`yolox_s`).
    pub fn architecture(&self) -> String {
        format!("yolox_{}", self.name)
    }
}

/// A YOLOX and the variables it owns.
pub struct Yolox {
    pub vs: nn::VarStore,
    pafpn: pafpn::Pafpn,
    head: head::Head,
    pub preset: Preset,
}

impl std::fmt::Debug for Yolox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Yolox({}, {} classes)", self.preset.architecture(), self.head.classes)
    }
}

impl Yolox {
    /// A randomly initialised YOLOX as `Exp.get_model` makes it (PyTorch's layer defaults,
    /// BN eps 1e-3 momentum 0.03, 1% prior biases on objectness and classes).
    pub fn new(preset: Preset, classes: i64, device: tch::Device) -> Result<Yolox> {
        if classes < 1 {
            return Err(NnError::Other(format!("a detector needs at least one class, got {classes}")));
        }
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let pafpn = pafpn::Pafpn::new(&(&root / "backbone"), preset.depth, preset.width, preset.depthwise);
        let head = head::Head::new(&(&root / "head"), classes, preset.width, pafpn::IN_CHANNELS, preset.depthwise);
        Ok(Yolox { vs, pafpn, head, preset })
    }

    pub fn classes(&self) -> i64 {
        self.head.classes
    }

    /// The backbone's stages and the neck's outputs (goldens).
    #[cfg(test)]
    pub fn stages(&self, x: &Tensor) -> (Vec<Tensor>, [Tensor; 3]) {
        self.pafpn.forward_stages(x)
    }

    /// Raw per-level predictions (training).
    pub fn levels(&self, x: &Tensor, train: bool) -> Vec<head::Level> {
        self.head.forward_t(&self.pafpn.forward_t(x, train), train)
    }

    /// Inference output `[N, anchors, 5 + C]`: box offsets as predicted (not grid-decoded,
    /// like the official ONNX export), sigmoid objectness and class scores. `x` is BGR 0..255
    /// (no normalisation), H and W multiples of 32.
    pub fn infer(&self, x: &Tensor) -> Tensor {
        tch::no_grad(|| head::flatten(&self.levels(x, false), true))
    }

    /// Loads weights by name (an official checkpoint converted to safetensors, or ours); the
    /// class predictors keep their initialisation when the file has another class count,
    /// unless `require_head`.
    pub fn load(&mut self, path: &str, require_head: bool) -> Result<crate::nets::LoadReport> {
        let what = format!("{} with {} classes", self.preset.architecture(), self.head.classes);
        crate::nets::load_vars(&self.vs, path, &|n: &str| n.starts_with("head.cls_preds."), require_head, &what)
    }
}

/// Checks a YOLOX input side: a positive multiple of 32.
pub fn check_input_size(size: i64) -> Result<()> {
    if size < 32 || size % 32 != 0 {
        return Err(NnError::Other(format!("YOLOX input size {size}: must be a positive multiple of 32")));
    }
    Ok(())
}
