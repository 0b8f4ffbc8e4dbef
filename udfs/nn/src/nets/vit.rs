//! Vision Transformer (patch 16; tiny/small/base/large) with timm's parameter names
//! (`cls_token`, `pos_embed`, `patch_embed.proj`, `blocks.{i}.norm1|attn.qkv|attn.proj|norm2|
//! mlp.fc1|mlp.fc2`, `norm`, `head`). Pooling is the class token, as timm's default for these
//! models and the winning recipe's ViT-L. The position table has one entry per patch of the model's input
//! size plus the class token.
use tch::Tensor;
use tch::nn::{self, Module};

use super::layers::{TORCH_DEFAULT, head};

const EPS: f64 = 1e-6;

#[derive(Debug, Clone, Copy)]
pub struct VitConfig {
    pub dim: i64,
    pub depth: usize,
    pub heads: i64,
    pub patch: i64,
    pub mlp_ratio: i64,
}

impl VitConfig {
    /// `vit_{tiny,small,base,large}_patch16[_SIZE]`.
    pub fn named(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("vit_")?;
        let (size, tail) = rest.split_once("_patch16")?;
        if !(tail.is_empty() || tail.trim_start_matches('_').parse::<u32>().is_ok()) {
            return None;
        }
        let (dim, depth, heads) = match size {
            "tiny" => (192, 12, 3),
            "small" => (384, 12, 6),
            "base" => (768, 12, 12),
            "large" => (1024, 24, 16),
            _ => return None,
        };
        Some(VitConfig { dim, depth, heads, patch: 16, mlp_ratio: 4 })
    }
}

fn layer_norm(p: nn::Path, dim: i64) -> nn::LayerNorm {
    nn::layer_norm(p, vec![dim], nn::LayerNormConfig { eps: EPS, ..Default::default() })
}

#[derive(Debug)]
struct Block {
    norm1: nn::LayerNorm,
    qkv: nn::Linear,
    proj: nn::Linear,
    norm2: nn::LayerNorm,
    fc1: nn::Linear,
    fc2: nn::Linear,
    heads: i64,
}

impl Block {
    fn new(p: &nn::Path, c: &VitConfig) -> Self {
        let (d, attn, mlp) = (c.dim, p / "attn", p / "mlp");
        // timm's `init_weights_vit_timm`: truncated normal (std 0.02, cut at ±2, i.e. never
        // here), zero bias.
        let lin = nn::LinearConfig { ws_init: nn::Init::Randn { mean: 0., stdev: 0.02 }, bs_init: Some(nn::Init::Const(0.)), bias: true };
        Block {
            norm1: layer_norm(p / "norm1", d),
            qkv: nn::linear(&attn / "qkv", d, 3 * d, lin),
            proj: nn::linear(&attn / "proj", d, d, lin),
            norm2: layer_norm(p / "norm2", d),
            fc1: nn::linear(&mlp / "fc1", d, d * c.mlp_ratio, lin),
            fc2: nn::linear(&mlp / "fc2", d * c.mlp_ratio, d, lin),
            heads: c.heads,
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let (b, n, d) = x.size3().expect("tokens are [B, N, D]");
        let qkv = x.apply(&self.norm1).apply(&self.qkv).reshape([b, n, 3, self.heads, d / self.heads]).permute([2, 0, 3, 1, 4]);
        let (q, k, v) = (qkv.get(0), qkv.get(1), qkv.get(2));
        let a = Tensor::scaled_dot_product_attention::<Tensor>(&q, &k, &v, None, 0.0, false, None, false);
        let x = x + a.transpose(1, 2).reshape([b, n, d]).apply(&self.proj);
        let m = x.apply(&self.norm2).apply(&self.fc1).gelu("none").apply(&self.fc2);
        x + m
    }
}

#[derive(Debug)]
pub struct Vit {
    patch_embed: nn::Conv2D,
    cls_token: Tensor,
    pos_embed: Tensor,
    blocks: Vec<Block>,
    norm: nn::LayerNorm,
    head: nn::Linear,
}

impl Vit {
    pub fn new(p: &nn::Path, c: VitConfig, input_size: i64, classes: i64) -> Self {
        let grid = input_size / c.patch;
        let tokens = grid * grid + 1;
        let std = nn::Init::Randn { mean: 0., stdev: 0.02 };
        // The patch embedding keeps PyTorch's Conv2d default (timm leaves it); cls_token N(0, 1e-6).
        let bound = 1.0 / ((3 * c.patch * c.patch) as f64).sqrt();
        let conv = nn::ConvConfig { stride: c.patch, ws_init: TORCH_DEFAULT, bs_init: nn::Init::Uniform { lo: -bound, up: bound }, ..Default::default() };
        let blocks_p = p / "blocks";
        Vit {
            patch_embed: nn::conv2d(p / "patch_embed" / "proj", 3, c.dim, c.patch, conv),
            cls_token: p.var("cls_token", &[1, 1, c.dim], nn::Init::Randn { mean: 0., stdev: 1e-6 }),
            pos_embed: p.var("pos_embed", &[1, tokens, c.dim], std),
            blocks: (0..c.depth).map(|i| Block::new(&(&blocks_p / i), &c)).collect(),
            norm: layer_norm(p / "norm", c.dim),
            head: head(p / "head", c.dim, classes),
        }
    }
}

impl nn::ModuleT for Vit {
    fn forward_t(&self, x: &Tensor, _train: bool) -> Tensor {
        let t = x.apply(&self.patch_embed).flatten(2, 3).transpose(1, 2);
        let b = t.size()[0];
        let cls = self.cls_token.expand([b, -1, -1], false).to_kind(t.kind());
        let mut y = Tensor::cat(&[cls, t], 1) + self.pos_embed.to_kind(x.kind());
        for blk in &self.blocks {
            y = blk.forward(&y);
        }
        self.head.forward(&y.apply(&self.norm).select(1, 0))
    }
}
