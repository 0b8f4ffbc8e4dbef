//! A YOLOX as an ONNX file (opset 17), written from Rust, so that ONNX Runtime serves the same
//! model as libtorch: the official export with `decode_in_inference=False`. Input `images`
//! float32 `[N, 3, S, S]` (N dynamic, `batch`; BGR 0..255 as `Yolox::infer` takes it); output
//! `output` `[N, anchors, 5 + C]` with `Yolox::infer`'s semantics: box offsets not
//! grid-decoded, sigmoid objectness and class scores, anchors by level (strides 8, 16, 32)
//! then row-major cells.
//!
//! The graph mirrors the modules' forward code op by op: every BatchNorm is folded into the
//! conv before it (in f64, cast to f32), SiLU is Sigmoid + Mul, Focus four strided Slices and a
//! Concat, SPP three stride-1 MaxPools, the neck's nearest 2x upsample a Resize (asymmetric,
//! floor). The protobuf messages are declared by hand (`onnx_proto`).
use std::collections::HashSet;
use std::path::Path;

use prost::Message;
use tch::nn;
use tch::{Kind, Tensor};

use super::blocks::{BN_EPS, BaseConv, Bottleneck, Conv, CspLayer, Focus, SPP_KERNELS, SppBottleneck};
use super::darknet::CspDarknet;
use super::head::Head;
use super::onnx_proto as pb;
use super::pafpn::Pafpn;
use super::{Yolox, check_input_size};
use crate::error::{NnError, Result};

/// The opset the graph is written for, and the IR version that goes with it.
pub const OPSET: i64 = 17;
const IR_VERSION: i64 = 8;

/// Writes `model` to `path` as an ONNX graph for square inputs of side `input_size` (a
/// multiple of 32) and any batch size. The file appears atomically (temporary name, fsync,
/// rename).
pub fn export_onnx(model: &Yolox, input_size: i64, path: &Path) -> Result<()> {
    check_input_size(input_size)?;
    let bytes = tch::no_grad(|| model_proto(model, input_size))?.encode_to_vec();
    write_atomically(path, &bytes)
}

fn model_proto(model: &Yolox, size: i64) -> Result<pb::ModelProto> {
    let classes = model.classes();
    let anchors: i64 = super::head::STRIDES.iter().map(|s| (size / s) * (size / s)).sum();
    let mut g = Builder::default();
    let feats = g.pafpn(&model.pafpn, INPUT)?;
    g.head(&model.head, &feats, OUTPUT)?;
    let arch = model.preset.architecture();
    let graph = pb::GraphProto {
        node: g.nodes,
        name: Some(arch.clone()),
        initializer: g.initializers,
        input: vec![value_info(INPUT, &[Dim::Param("batch"), Dim::Value(3), Dim::Value(size), Dim::Value(size)])],
        output: vec![value_info(OUTPUT, &[Dim::Param("batch"), Dim::Value(anchors), Dim::Value(5 + classes)])],
        ..Default::default()
    };
    let meta = |k: &str, v: String| pb::StringStringEntryProto { key: Some(k.into()), value: Some(v) };
    Ok(pb::ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![pb::OperatorSetIdProto { domain: Some(String::new()), version: Some(OPSET) }],
        producer_name: Some("cytologia".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        model_version: Some(1),
        doc_string: Some(format!(
            "{arch} with {classes} classes at {size}x{size}: images BGR 0..255 [N,3,{size},{size}] -> output [N,{anchors},{}] (box offsets not grid-decoded, sigmoid objectness and classes)",
            5 + classes
        )),
        graph: Some(graph),
        metadata_props: vec![
            meta("architecture", arch),
            meta("classes", classes.to_string()),
            meta("input_size", size.to_string()),
            meta("decoded", "false".into()),
        ],
        ..Default::default()
    })
}

const INPUT: &str = "images";
const OUTPUT: &str = "output";

enum Dim {
    Value(i64),
    Param(&'static str),
}

fn value_info(name: &str, dims: &[Dim]) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{Dimension, dimension};
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Dim::Value(v) => dimension::Value::DimValue(*v),
                Dim::Param(p) => dimension::Value::DimParam((*p).to_string()),
            }),
            denotation: None,
        })
        .collect();
    let tensor = pb::type_proto::Tensor { elem_type: Some(pb::FLOAT), shape: Some(pb::TensorShapeProto { dim }) };
    pb::ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(pb::TypeProto { value: Some(pb::type_proto::Value::TensorType(tensor)), denotation: None }),
        doc_string: None,
    }
}

fn attr_int(name: &str, v: i64) -> pb::AttributeProto {
    pb::AttributeProto { name: Some(name.into()), r#type: Some(pb::ATTR_INT), i: Some(v), ..Default::default() }
}

fn attr_ints(name: &str, v: &[i64]) -> pb::AttributeProto {
    pb::AttributeProto { name: Some(name.into()), r#type: Some(pb::ATTR_INTS), ints: v.to_vec(), ..Default::default() }
}

fn attr_str(name: &str, v: &str) -> pb::AttributeProto {
    pb::AttributeProto { name: Some(name.into()), r#type: Some(pb::ATTR_STRING), s: Some(v.as_bytes().to_vec()), ..Default::default() }
}

/// A tensor's values as f64 on the CPU, row-major.
fn values(t: &Tensor) -> Result<Vec<f64>> {
    let flat = t.detach().to_device(tch::Device::Cpu).to_kind(Kind::Double).contiguous().reshape([-1]);
    Vec::<f64>::try_from(&flat).map_err(|e| NnError::Other(format!("ONNX export: cannot read a weight: {e}")))
}

/// A conv's weights with the BatchNorm after it folded in: `w·γ/√(var+ε)` and
/// `β − mean·γ/√(var+ε)`, computed in f64.
fn fold(conv: &nn::Conv2D, bn: &nn::BatchNorm) -> Result<(Vec<f32>, Vec<f32>)> {
    let w = values(&conv.ws)?;
    let mean = values(&bn.running_mean)?;
    let var = values(&bn.running_var)?;
    let cout = mean.len();
    let gamma = match &bn.ws {
        Some(t) => values(t)?,
        None => vec![1.0; cout],
    };
    let beta = match &bn.bs {
        Some(t) => values(t)?,
        None => vec![0.0; cout],
    };
    let bias0 = match &conv.bs {
        Some(t) => values(t)?,
        None => vec![0.0; cout],
    };
    if cout == 0 || w.len() % cout != 0 || var.len() != cout || gamma.len() != cout || beta.len() != cout || bias0.len() != cout {
        return Err(NnError::Other(format!("ONNX export: a conv of {} weights does not fit its BatchNorm of {cout} channels", w.len())));
    }
    let per = w.len() / cout;
    let mut wf = Vec::with_capacity(w.len());
    let mut bf = Vec::with_capacity(cout);
    for o in 0..cout {
        let scale = gamma[o] / (var[o] + BN_EPS).sqrt();
        wf.extend(w[o * per..(o + 1) * per].iter().map(|v| (v * scale) as f32));
        bf.push(((bias0[o] - mean[o]) * scale + beta[o]) as f32);
    }
    Ok((wf, bf))
}

/// The graph under construction: nodes in topological order (the walk's order) and
/// initializers. Value names follow the official parameter paths.
#[derive(Default)]
struct Builder {
    nodes: Vec<pb::NodeProto>,
    initializers: Vec<pb::TensorProto>,
    names: HashSet<String>,
}

impl Builder {
    /// `want`, or `want_<n>` when taken: node, value and initializer names stay unique.
    fn unique(&mut self, want: &str) -> String {
        let mut name = want.to_string();
        let mut n = 1;
        while self.names.contains(&name) {
            name = format!("{want}_{n}");
            n += 1;
        }
        self.names.insert(name.clone());
        name
    }

    /// Adds a one-output node named `name/op` (its output has the same name, or `output`).
    fn node_to(&mut self, op: &str, name: &str, inputs: &[&str], attrs: Vec<pb::AttributeProto>, output: Option<&str>) -> String {
        let node_name = self.unique(&format!("{name}/{op}"));
        let out = match output {
            Some(o) => self.unique(o),
            None => node_name.clone(),
        };
        self.nodes.push(pb::NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![out.clone()],
            name: Some(node_name),
            op_type: Some(op.into()),
            domain: None,
            attribute: attrs,
            doc_string: None,
        });
        out
    }

    fn node(&mut self, op: &str, name: &str, inputs: &[&str], attrs: Vec<pb::AttributeProto>) -> String {
        self.node_to(op, name, inputs, attrs, None)
    }

    fn init_f32(&mut self, name: &str, dims: &[i64], data: &[f32]) -> String {
        let name = self.unique(name);
        let raw = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializers.push(pb::TensorProto {
            dims: dims.to_vec(),
            data_type: Some(pb::FLOAT),
            name: Some(name.clone()),
            raw_data: Some(raw),
            ..Default::default()
        });
        name
    }

    fn init_i64(&mut self, name: &str, data: &[i64]) -> String {
        let name = self.unique(name);
        let raw = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializers.push(pb::TensorProto {
            dims: vec![data.len() as i64],
            data_type: Some(pb::INT64),
            name: Some(name.clone()),
            raw_data: Some(raw),
            ..Default::default()
        });
        name
    }

    /// A 2-D conv with bias, "same" padding for odd kernels (`(k - 1) / 2`, as the blocks pad).
    fn conv(&mut self, x: &str, path: &str, dims: Vec<i64>, (w, b): (Vec<f32>, Vec<f32>), stride: i64, groups: i64) -> Result<String> {
        if dims.len() != 4 || dims[2] != dims[3] {
            return Err(NnError::Other(format!("ONNX export: {path}: expected a square 2-D conv kernel, got {dims:?}")));
        }
        let k = dims[2];
        let p = (k - 1) / 2;
        let wn = self.init_f32(&format!("{path}.weight"), &dims, &w);
        let bn = self.init_f32(&format!("{path}.bias"), &[dims[0]], &b);
        let attrs = vec![
            attr_ints("dilations", &[1, 1]),
            attr_int("group", groups),
            attr_ints("kernel_shape", &[k, k]),
            attr_ints("pads", &[p, p, p, p]),
            attr_ints("strides", &[stride, stride]),
        ];
        Ok(self.node("Conv", path, &[x, &wn, &bn], attrs))
    }

    fn silu(&mut self, x: &str, path: &str) -> String {
        let s = self.node("Sigmoid", path, &[x], vec![]);
        self.node("Mul", path, &[x, &s], vec![])
    }

    /// `BaseConv`: conv with its BN folded, then SiLU.
    fn base_conv(&mut self, c: &BaseConv, x: &str, path: &str) -> Result<String> {
        let y = self.conv(x, path, c.conv.ws.size(), fold(&c.conv, &c.bn)?, c.stride, c.groups)?;
        Ok(self.silu(&y, path))
    }

    fn any_conv(&mut self, c: &Conv, x: &str, path: &str) -> Result<String> {
        match c {
            Conv::Base(b) => self.base_conv(b, x, path),
            Conv::Dw { dconv, pconv } => {
                let y = self.base_conv(dconv, x, &format!("{path}.dconv"))?;
                self.base_conv(pconv, &y, &format!("{path}.pconv"))
            }
        }
    }

    fn concat(&mut self, parts: &[&str], axis: i64, path: &str) -> String {
        self.node("Concat", path, parts, vec![attr_int("axis", axis)])
    }

    fn bottleneck(&mut self, b: &Bottleneck, x: &str, path: &str) -> Result<String> {
        let y = self.base_conv(&b.conv1, x, &format!("{path}.conv1"))?;
        let y = self.any_conv(&b.conv2, &y, &format!("{path}.conv2"))?;
        Ok(if b.add { self.node("Add", path, &[&y, x], vec![]) } else { y })
    }

    fn csp(&mut self, c: &CspLayer, x: &str, path: &str) -> Result<String> {
        let mut x1 = self.base_conv(&c.conv1, x, &format!("{path}.conv1"))?;
        let x2 = self.base_conv(&c.conv2, x, &format!("{path}.conv2"))?;
        for (i, b) in c.m.iter().enumerate() {
            x1 = self.bottleneck(b, &x1, &format!("{path}.m.{i}"))?;
        }
        let cat = self.concat(&[&x1, &x2], 1, path);
        self.base_conv(&c.conv3, &cat, &format!("{path}.conv3"))
    }

    fn spp(&mut self, s: &SppBottleneck, x: &str, path: &str) -> Result<String> {
        let y = self.base_conv(&s.conv1, x, &format!("{path}.conv1"))?;
        let mut parts = vec![y.clone()];
        for (i, k) in SPP_KERNELS.into_iter().enumerate() {
            let attrs = vec![attr_ints("kernel_shape", &[k, k]), attr_ints("pads", &[k / 2; 4]), attr_ints("strides", &[1, 1])];
            parts.push(self.node("MaxPool", &format!("{path}.m.{i}"), &[&y], attrs));
        }
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        let cat = self.concat(&refs, 1, path);
        self.base_conv(&s.conv2, &cat, &format!("{path}.conv2"))
    }

    /// Space-to-depth: `x[..., r::2, c::2]` for (0,0), (1,0), (0,1), (1,1), concatenated.
    fn focus(&mut self, f: &Focus, x: &str, path: &str) -> Result<String> {
        let ends = self.init_i64(&format!("{path}.slice.ends"), &[i64::MAX, i64::MAX]);
        let axes = self.init_i64(&format!("{path}.slice.axes"), &[2, 3]);
        let steps = self.init_i64(&format!("{path}.slice.steps"), &[2, 2]);
        let mut phases = Vec::new();
        for (r, c) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let starts = self.init_i64(&format!("{path}.slice.starts{r}{c}"), &[r, c]);
            phases.push(self.node("Slice", &format!("{path}.phase{r}{c}"), &[x, &starts, &ends, &axes, &steps], vec![]));
        }
        let refs: Vec<&str> = phases.iter().map(String::as_str).collect();
        let cat = self.concat(&refs, 1, path);
        self.base_conv(&f.conv, &cat, &format!("{path}.conv"))
    }

    /// The outputs of dark3, dark4, dark5.
    fn darknet(&mut self, d: &CspDarknet, x: &str, path: &str) -> Result<[String; 3]> {
        let mut outs = vec![self.focus(&d.stem, x, &format!("{path}.stem"))?];
        for (i, s) in d.stages.iter().enumerate() {
            let sp = format!("{path}.dark{}", i + 2);
            let prev = outs.last().expect("stem").clone();
            let mut y = self.any_conv(&s.down, &prev, &format!("{sp}.0"))?;
            let mut csp_index = 1;
            if let Some(spp) = &s.spp {
                y = self.spp(spp, &y, &format!("{sp}.1"))?;
                csp_index = 2;
            }
            outs.push(self.csp(&s.csp, &y, &format!("{sp}.{csp_index}"))?);
        }
        if outs.len() != 5 {
            return Err(NnError::Other(format!("ONNX export: CSPDarknet with {} stages, expected 4", outs.len() - 1)));
        }
        Ok([outs[2].clone(), outs[3].clone(), outs[4].clone()])
    }

    /// Nearest 2x upsample (`upsample_nearest2d`, source index `floor(dst / 2)`).
    fn up(&mut self, x: &str, path: &str) -> String {
        let scales = self.init_f32(&format!("{path}.scales"), &[4], &[1.0, 1.0, 2.0, 2.0]);
        let attrs = vec![attr_str("coordinate_transformation_mode", "asymmetric"), attr_str("mode", "nearest"), attr_str("nearest_mode", "floor")];
        self.node("Resize", path, &[x, "", &scales], attrs)
    }

    /// `Pafpn::forward_t`: the backbone, then the neck (strides 8, 16, 32).
    fn pafpn(&mut self, p: &Pafpn, x: &str) -> Result<[String; 3]> {
        let [x2, x1, x0] = self.darknet(&p.backbone, x, "backbone.backbone")?;
        let fpn_out0 = self.base_conv(&p.lateral_conv0, &x0, "backbone.lateral_conv0")?;
        let u = self.up(&fpn_out0, "backbone.upsample0");
        let cat = self.concat(&[&u, &x1], 1, "backbone.cat0");
        let f_out0 = self.csp(&p.c3_p4, &cat, "backbone.C3_p4")?;
        let fpn_out1 = self.base_conv(&p.reduce_conv1, &f_out0, "backbone.reduce_conv1")?;
        let u = self.up(&fpn_out1, "backbone.upsample1");
        let cat = self.concat(&[&u, &x2], 1, "backbone.cat1");
        let pan_out2 = self.csp(&p.c3_p3, &cat, "backbone.C3_p3")?;
        let p_out1 = self.any_conv(&p.bu_conv2, &pan_out2, "backbone.bu_conv2")?;
        let cat = self.concat(&[&p_out1, &fpn_out1], 1, "backbone.cat2");
        let pan_out1 = self.csp(&p.c3_n3, &cat, "backbone.C3_n3")?;
        let p_out0 = self.any_conv(&p.bu_conv1, &pan_out1, "backbone.bu_conv1")?;
        let cat = self.concat(&[&p_out0, &fpn_out0], 1, "backbone.cat3");
        let pan_out0 = self.csp(&p.c3_n4, &cat, "backbone.C3_n4")?;
        Ok([pan_out2, pan_out1, pan_out0])
    }

    /// A 1x1 predictor conv (its own bias, no BN, no activation).
    fn predictor(&mut self, c: &nn::Conv2D, x: &str, path: &str) -> Result<String> {
        let w: Vec<f32> = values(&c.ws)?.into_iter().map(|v| v as f32).collect();
        let cout = c.ws.size()[0];
        let b: Vec<f32> = match &c.bs {
            Some(t) => values(t)?.into_iter().map(|v| v as f32).collect(),
            None => vec![0.0; cout as usize],
        };
        self.conv(x, path, c.ws.size(), (w, b), 1, 1)
    }

    /// The decoupled head and `head::flatten(.., sigmoid = true)`: per level
    /// `[reg, σ(obj), σ(cls)]` reshaped to `[N, 5 + C, h·w]`, levels concatenated, transposed
    /// to `[N, anchors, 5 + C]`.
    fn head(&mut self, h: &Head, feats: &[String; 3], output: &str) -> Result<()> {
        let row = 5 + h.classes;
        let shape = self.init_i64("head.flatten.shape", &[0, row, -1]);
        let mut levels = Vec::new();
        for (k, x) in feats.iter().enumerate() {
            let x = self.base_conv(&h.stems[k], x, &format!("head.stems.{k}"))?;
            let mut cls = x.clone();
            let mut reg = x;
            for (j, (cc, rc)) in h.cls_convs[k].iter().zip(&h.reg_convs[k]).enumerate() {
                cls = self.any_conv(cc, &cls, &format!("head.cls_convs.{k}.{j}"))?;
                reg = self.any_conv(rc, &reg, &format!("head.reg_convs.{k}.{j}"))?;
            }
            let reg_out = self.predictor(&h.reg_preds[k], &reg, &format!("head.reg_preds.{k}"))?;
            let obj_out = self.predictor(&h.obj_preds[k], &reg, &format!("head.obj_preds.{k}"))?;
            let cls_out = self.predictor(&h.cls_preds[k], &cls, &format!("head.cls_preds.{k}"))?;
            let obj = self.node("Sigmoid", &format!("head.obj_preds.{k}"), &[&obj_out], vec![]);
            let cls = self.node("Sigmoid", &format!("head.cls_preds.{k}"), &[&cls_out], vec![]);
            let cat = self.concat(&[&reg_out, &obj, &cls], 1, &format!("head.level{k}"));
            levels.push(self.node("Reshape", &format!("head.level{k}"), &[&cat, &shape], vec![]));
        }
        let refs: Vec<&str> = levels.iter().map(String::as_str).collect();
        let all = self.concat(&refs, 2, "head");
        self.node_to("Transpose", "head", &[&all], vec![attr_ints("perm", &[0, 2, 1])], Some(output));
        Ok(())
    }
}

/// Writes atomically (temporary file, fsync, rename), making a missing folder.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    // A folder that cannot be made is named as such.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| NnError::Other(format!("ONNX export: cannot make the folder '{}': {e}", dir.display())))?;
    }
    cytologia_kernels::fs::write_atomic(path, bytes).map_err(|e| NnError::Other(format!("ONNX export: cannot write '{}': {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::model_runtime::{self, Format, ModelFile};
    use crate::yolox::test_model::{input, random_model};
    use cytologia_kernels::yolox::postprocess;

    fn export(m: &Yolox, size: i64, dir: &Path, name: &str) -> String {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(name);
        export_onnx(m, size, &path).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn open(path: &str) -> std::sync::Arc<dyn model_runtime::ModelRuntime> {
        let sha = cytologia_kernels::fs::file_sha256(path).unwrap();
        model_runtime::open(&ModelFile::graph(path, &sha, Format::Onnx), "cpu", 1, "fp32").unwrap()
    }

    fn flat(t: &Tensor) -> Vec<f32> {
        Vec::<f32>::try_from(&t.contiguous().reshape([-1])).unwrap()
    }

    /// Largest |a - b| over box offsets (columns 0..4) and over scores (4..), per row of `row`.
    fn max_diffs(a: &[f32], b: &[f32], row: usize) -> (f32, f32) {
        assert_eq!(a.len(), b.len());
        let (mut boxes, mut scores) = (0f32, 0f32);
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            let d = (x - y).abs();
            assert!(d.is_finite(), "non-finite value at {i}: {x} vs {y}");
            if i % row < 4 { boxes = boxes.max(d) } else { scores = scores.max(d) }
        }
        (boxes, scores)
    }

    /// libtorch vs ONNX Runtime on the same random input: raw outputs, then decoded boxes.
    fn check(preset: &str, classes: i64, size: i64, seed: i64, dir: &Path) {
        let images = input(2, size, seed + 1);
        let m = random_model(preset, classes, &images, seed);
        let path = export(&m, size, dir, &format!("{preset}-{classes}-{size}.onnx"));
        let rt = open(&path);
        assert_eq!(rt.input_shape(), Some(vec![-1, 3, size, size]));
        let x = images.narrow(0, 0, 1);
        let want = m.infer(&x);
        let anchors = cytologia_kernels::yolox::anchors(size as usize);
        let row = (5 + classes) as usize;
        assert_eq!(want.size(), vec![1, anchors as i64, row as i64]);
        let got = rt.run(&model_runtime::Tensor { shape: vec![1, 3, size as usize, size as usize], data: flat(&x) }).unwrap();
        assert_eq!(got.shape, vec![1, anchors, row]);
        // The output must depend on the input: box offsets spread over anchors and images.
        let spread = want.narrow(2, 0, 4).std(true).double_value(&[]);
        let other = m.infer(&images.narrow(0, 1, 1));
        let moved = (&other - &want).abs().max().double_value(&[]);
        eprintln!("yolox_{preset} {classes} classes at {size}: box offsets std {spread:.3}, change with another input {moved:.3}");
        assert!(spread > 0.05 && moved > 0.01, "yolox_{preset} at {size}: the output hardly depends on the input (std {spread}, change {moved})");
        let mut want = flat(&want);
        let mut got = got.data;
        let (db, ds) = max_diffs(&want, &got, row);
        eprintln!("yolox_{preset} {classes} classes at {size}: max |onnx - libtorch| box offsets {db:e}, scores {ds:e}");
        assert!(db <= 1e-3, "yolox_{preset} at {size}: box offsets differ by {db}");
        assert!(ds <= 1e-4, "yolox_{preset} at {size}: scores differ by {ds}");
        // Decoded, thresholded and suppressed like detect() does (ratio 1: boxes in input pixels).
        let a = postprocess(&mut want, anchors, row, size as usize, false, 0.0, 0.65, 1.0);
        let b = postprocess(&mut got, anchors, row, size as usize, false, 0.0, 0.65, 1.0);
        assert!(!a.is_empty());
        assert_eq!(a.len(), b.len(), "yolox_{preset} at {size}: {} boxes from libtorch, {} from ONNX", a.len(), b.len());
        // Matched as sets (scores within rounding of each other may swap NMS order): each
        // libtorch box against the nearest ONNX box.
        let corners = |d: &cytologia_kernels::yolox::Detection| [d.x1, d.y1, d.x2, d.y2];
        let dist = |p: &cytologia_kernels::yolox::Detection, q: &cytologia_kernels::yolox::Detection| {
            corners(p).iter().zip(corners(q)).map(|(u, v)| (u - v).abs()).fold(0f32, f32::max)
        };
        // Width and height are exp(offset) * stride, so an offset that differs by e moves a
        // corner by about e/2 of the box's size: random weights make boxes thousands of pixels
        // wide, where float rounding alone (which kernels the CPU picks) moves corners by
        // hundredths of a pixel. The bound is 1e-3 px plus 1e-4 of the box's larger side.
        let (mut worst, mut worst_rel) = (0f32, 0f32);
        for p in &a {
            let q = b.iter().min_by(|x, y| dist(p, x).total_cmp(&dist(p, y))).unwrap();
            let d = dist(p, q);
            let side = (p.x2 - p.x1).max(p.y2 - p.y1).max(0.0);
            worst = worst.max(d);
            worst_rel = worst_rel.max((d - 1e-3).max(0.0) / side.max(1.0));
            assert!(d <= 1e-3 + 1e-4 * side, "yolox_{preset} at {size}: a {side} px box differs by {d} px");
            assert!((p.score - q.score).abs() <= 1e-4, "scores {} vs {}", p.score, q.score);
        }
        eprintln!(
            "yolox_{preset} {classes} classes at {size}: {} boxes after NMS, max corner difference {worst:e} px ({worst_rel:e} of the box beyond 1e-3 px)",
            a.len()
        );
    }

    fn scratch(tag: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("cyto-onnx-export-{tag}-{}", std::process::id()))
    }

    #[test]
    fn exported_nano_matches_libtorch() {
        let dir = scratch("nano");
        for (classes, size, seed) in [(1, 64, 11), (3, 96, 12), (3, 64, 13), (1, 96, 14)] {
            check("nano", classes, size, seed, &dir);
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn exported_tiny_matches_libtorch() {
        let dir = scratch("tiny");
        for (classes, size, seed) in [(1, 96, 21), (3, 64, 22), (1, 64, 23), (3, 96, 24)] {
            check("tiny", classes, size, seed, &dir);
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    /// The batch axis is dynamic: a batch of 2 runs and each image matches its own libtorch row.
    #[test]
    fn exported_graph_takes_any_batch() {
        let dir = scratch("batch");
        let size = 64;
        let x = input(2, size, 32);
        let m = random_model("nano", 3, &x, 31);
        let path = export(&m, size, &dir, "nano-batch.onnx");
        // The file is complete and alone in its folder (no temporary left behind).
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(files, vec![std::ffi::OsString::from("nano-batch.onnx")]);
        let rt = open(&path);
        let got = rt.run(&model_runtime::Tensor { shape: vec![2, 3, size as usize, size as usize], data: flat(&x) }).unwrap();
        let anchors = cytologia_kernels::yolox::anchors(size as usize);
        assert_eq!(got.shape, vec![2, anchors, 8]);
        let (db, ds) = max_diffs(&flat(&m.infer(&x)), &got.data, 8);
        eprintln!("yolox_nano 3 classes at {size}, batch of 2: max |onnx - libtorch| box offsets {db:e}, scores {ds:e}");
        assert!(db <= 1e-3 && ds <= 1e-4, "batch of 2: box offsets differ by {db}, scores by {ds}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn rejects_sizes_that_are_not_multiples_of_32() {
        let m = random_model("nano", 1, &input(2, 64, 42), 41);
        let dir = scratch("size");
        let e = export_onnx(&m, 100, &dir.join("x.onnx")).unwrap_err().to_string();
        assert!(e.contains("multiple of 32"), "{e}");
    }
}
