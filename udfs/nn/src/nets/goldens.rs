//! The architectures against timm itself. scripts/goldens/timm_nets.py filled each timm model
//! with formula weights (a sine of the parameter's index, scaled by its role) and recorded its
//! parameter names, shapes and logits on a fixed input; here the same formula fills our model,
//! whose names and shapes must be timm's and whose logits must match. vit_micro.safetensors
//! is a file timm wrote (random init): it loads by name and gives timm's logits.
use std::path::PathBuf;

use serde_json::Value;
use tch::{Device, Kind, Tensor};

use super::{Arch, Net, VitConfig, build, build_parsed, load_safetensors};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/goldens/nets")
}

fn read(name: &str) -> Value {
    let p = dir().join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

pub(crate) fn keys(g: &Value) -> Vec<(String, Vec<i64>)> {
    g["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k[0].as_str().unwrap().to_string(), k[1].as_array().unwrap().iter().map(|d| d.as_i64().unwrap()).collect()))
        .collect()
}

fn fill(net: &Net, keys: &[(String, Vec<i64>)]) {
    fill_vars(&net.vs, keys)
}

/// scripts/goldens/timm_nets.py `fill`, op for op (yolox_nets.py uses the same formula).
pub(crate) fn fill_vars(vs: &tch::nn::VarStore, keys: &[(String, Vec<i64>)]) {
    let vars = vs.variables();
    for (k, (name, shape)) in keys.iter().enumerate() {
        let n: i64 = shape.iter().product();
        let base = (Tensor::arange(n, (Kind::Double, Device::Cpu)) * 0.1 + (k as f64) * 0.7).sin();
        let v = if name.ends_with("running_var") {
            (base + 1.0) * 0.25 + 1.0
        } else if name.ends_with("running_mean") {
            base * 0.1
        } else if shape.len() == 1 && name.ends_with("weight") {
            base * 0.1 + 1.0
        } else if shape.len() == 1 {
            base * 0.05
        } else {
            base / ((n / shape[0]) as f64).sqrt()
        };
        let mut var = vars.get(name).unwrap_or_else(|| panic!("no variable {name}")).shallow_clone();
        tch::no_grad(|| var.copy_(&v.reshape(shape.as_slice()).to_kind(Kind::Float)));
    }
}

fn input(size: i64) -> Tensor {
    (Tensor::arange(2 * 3 * size * size, (Kind::Double, Device::Cpu)) * 0.01).sin().reshape([2, 3, size, size]).to_kind(Kind::Float)
}

fn logits(g: &Value) -> Vec<f32> {
    g["logits"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32)).collect()
}

fn assert_close(name: &str, ours: &Tensor, want: &[f32]) {
    let ours = Vec::<f32>::try_from(ours.flatten(0, -1)).unwrap();
    assert_eq!(ours.len(), want.len(), "{name}");
    let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
    let worst = ours.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(worst <= 1e-4 * scale, "{name}: logits differ from timm by {worst} (scale {scale}): ours {ours:?} timm {want:?}");
}

fn check_arch(arch: &str) {
    let g = read(arch);
    let size = g["input_size"].as_i64().unwrap();
    let net = build(arch, 5, size, Device::Cpu).unwrap();
    let want = keys(&g);
    let vars = net.vs.variables();
    let mut ours: Vec<(String, Vec<i64>)> = vars.iter().map(|(k, v)| (k.clone(), v.size())).collect();
    let mut theirs = want.clone();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "{arch}: parameter names/shapes differ from timm");
    fill(&net, &want);
    let y = tch::no_grad(|| net.model.forward_t(&input(size), false));
    assert_close(arch, &y, &logits(&g));
}

#[test]
fn resnets_match_timm() {
    for a in ["resnet18", "resnet34", "resnet50"] {
        check_arch(a);
    }
}

#[test]
fn efficientnets_match_timm() {
    for a in ["efficientnet_b0", "tf_efficientnetv2_s", "tf_efficientnetv2_m"] {
        check_arch(a);
    }
}

#[test]
fn vits_match_timm() {
    for a in ["vit_tiny_patch16_224", "vit_small_patch16_224", "vit_base_patch16_224", "vit_large_patch16_224"] {
        check_arch(a);
    }
}

#[test]
fn a_timm_written_safetensors_file_loads_and_gives_timm_logits() {
    let g = read("vit_micro");
    let c = &g["config"];
    let cfg = VitConfig {
        dim: c["embed_dim"].as_i64().unwrap(),
        depth: c["depth"].as_u64().unwrap() as usize,
        heads: c["num_heads"].as_i64().unwrap(),
        patch: c["patch_size"].as_i64().unwrap(),
        mlp_ratio: c["mlp_ratio"].as_f64().unwrap() as i64,
    };
    let size = c["img_size"].as_i64().unwrap();
    let mut net = build_parsed(Arch::Vit(cfg), "vit_micro".into(), 5, size, Device::Cpu);
    let path = dir().join("vit_micro.safetensors");
    let report = load_safetensors(&mut net, path.to_str().unwrap(), true).unwrap();
    assert_eq!(report.loaded, keys(&g).len());
    assert!(!report.head_reinitialised);
    let y = tch::no_grad(|| net.model.forward_t(&input(size), false));
    assert_close("vit_micro", &y, &logits(&g));
    // The same file into 7 classes: the head no longer fits and is re-initialised, the
    // backbone still loads; serving (head required) refuses it.
    let mut other = build_parsed(Arch::Vit(cfg), "vit_micro".into(), 7, size, Device::Cpu);
    let r = load_safetensors(&mut other, path.to_str().unwrap(), false).unwrap();
    assert!(r.head_reinitialised);
    let e = load_safetensors(&mut other, path.to_str().unwrap(), true).unwrap_err().to_string();
    assert!(e.contains("head.weight"), "{e}");
    let mut resnet = build("resnet18", 5, 64, Device::Cpu).unwrap();
    let e = load_safetensors(&mut resnet, path.to_str().unwrap(), false).unwrap_err().to_string();
    assert!(e.contains("missing"), "{e}");
}
