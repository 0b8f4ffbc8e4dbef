//! Classifier architectures in libtorch (tch), one file each, with timm's parameter names so
//! that a timm `model.safetensors` loads without conversion (goldens in tests/goldens/nets,
//! made by scripts/goldens/timm_nets.py). Users bring their own weight files; nothing is
//! downloaded.
mod efficientnet;
mod efficientnet_blocks;
mod layers;
mod load;
mod resnet;
mod vit;

#[cfg(test)]
pub(crate) mod goldens;

pub(crate) use layers::TORCH_DEFAULT;
pub use load::{LoadReport, load_safetensors, load_vars};
pub use vit::VitConfig;

use tch::nn;

use crate::error::{NnError, Result};

/// A parsed architecture name.
#[derive(Debug, Clone, Copy)]
pub enum Arch {
    ResNet(resnet::ResNetConfig),
    EfficientNet(efficientnet::EfficientNetConfig),
    Vit(vit::VitConfig),
}

pub const SUPPORTED: &str = "resnet18, resnet34, resnet50, efficientnet_b0, tf_efficientnetv2_s, tf_efficientnetv2_m, \
                             vit_tiny_patch16, vit_small_patch16, vit_base_patch16, vit_large_patch16 (timm names; a \
                             pretrained tag such as '.in21k' is ignored)";

impl Arch {
    /// Parses a timm model name; a pretrained tag after '.' (`tf_efficientnetv2_m.in21k`) is
    /// ignored.
    pub fn parse(name: &str) -> Result<(Arch, String)> {
        let base = name.trim().split('.').next().unwrap_or_default().to_ascii_lowercase();
        let arch = resnet::ResNetConfig::named(&base)
            .map(Arch::ResNet)
            .or_else(|| efficientnet::EfficientNetConfig::named(&base).map(Arch::EfficientNet))
            .or_else(|| vit::VitConfig::named(&base).map(Arch::Vit))
            .ok_or_else(|| NnError::Other(format!("unknown architecture '{name}'; supported: {SUPPORTED}")))?;
        Ok((arch, base))
    }

    /// The name of the classifier layer, which is re-initialised when a weights file was made
    /// for another number of classes.
    pub fn head_prefix(&self) -> &'static str {
        match self {
            Arch::ResNet(_) => "fc.",
            Arch::EfficientNet(_) => "classifier.",
            Arch::Vit(_) => "head.",
        }
    }

    pub fn check_input_size(&self, size: i64) -> Result<()> {
        let min = match self {
            Arch::Vit(c) => c.patch,
            _ => 32,
        };
        if size < min {
            return Err(NnError::Other(format!("input size {size} is too small for this architecture (at least {min})")));
        }
        if let Arch::Vit(c) = self
            && size % c.patch != 0
        {
            return Err(NnError::Other(format!("input size {size}: a ViT input must be a multiple of its patch size {}", c.patch)));
        }
        Ok(())
    }
}

/// A model and the variables it owns.
pub struct Net {
    pub vs: nn::VarStore,
    pub model: Box<dyn nn::ModuleT>,
    pub arch: Arch,
    pub name: String,
    pub classes: i64,
    pub input_size: i64,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Net({}, {} classes, {} px)", self.name, self.classes, self.input_size)
    }
}

/// NCHW tensors with NHWC strides ("channels last"); the permute-copy-permute gives exactly
/// the strides `torch.channels_last` uses.
pub fn channels_last(x: &tch::Tensor) -> tch::Tensor {
    if x.dim() == 4 { x.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2]) } else { x.shallow_clone() }
}

/// Moves every 4-D variable of `vs` to channels-last, in place.
pub fn weights_channels_last(vs: &nn::VarStore) {
    tch::no_grad(|| {
        for (_, mut v) in vs.variables() {
            if v.dim() == 4 {
                let cl = channels_last(&v);
                v.set_data(&cl);
            }
        }
    });
}

/// Channels-last pays on CUDA (tensor cores) but not on CPUs without AMX: on this project's
/// AVX2 machine PyTorch trained ResNet-18 at 224 at 8.3 images/s in the default layout and 7.2
/// in channels-last, and the engine at 8.2 vs 8.1 (scripts/bench/train.sh throughput).
fn prefers_channels_last(device: tch::Device) -> bool {
    device.is_cuda()
}

impl Net {
    /// Moves every 4-D weight to the device's preferred layout (in place; optimisers built
    /// before or after see the same tensors). Training and serving both call it, so served
    /// logits equal the validation ones.
    pub fn use_preferred_layout(&self) {
        if !prefers_channels_last(self.vs.device()) {
            return;
        }
        weights_channels_last(&self.vs);
    }

    /// An input batch in the layout the weights use.
    pub fn layout(&self, x: &tch::Tensor) -> tch::Tensor {
        if prefers_channels_last(self.vs.device()) { channels_last(x) } else { x.shallow_clone() }
    }
}

/// Builds `arch` with `classes` outputs for square inputs of `input_size`, randomly
/// initialised (the head as the winning recipe: Xavier-uniform, zero bias).
pub fn build(arch: &str, classes: i64, input_size: i64, device: tch::Device) -> Result<Net> {
    let (a, name) = Arch::parse(arch)?;
    if classes < 1 {
        return Err(NnError::Other(format!("a classifier needs at least one class, got {classes}")));
    }
    a.check_input_size(input_size)?;
    Ok(build_parsed(a, name, classes, input_size, device))
}

pub fn build_parsed(a: Arch, name: String, classes: i64, input_size: i64, device: tch::Device) -> Net {
    let vs = nn::VarStore::new(device);
    let root = vs.root();
    let model: Box<dyn nn::ModuleT> = match a {
        Arch::ResNet(c) => Box::new(resnet::ResNet::new(&root, c, classes)),
        Arch::EfficientNet(c) => Box::new(efficientnet::EfficientNet::new(&root, c, classes)),
        Arch::Vit(c) => Box::new(vit::Vit::new(&root, c, input_size, classes)),
    };
    Net { vs, model, arch: a, name, classes, input_size }
}
