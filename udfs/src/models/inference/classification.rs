//! Batched classifier inference over an image column (docs/pipeline.md §8.5): ImageNet-style input,
//! optional hflip test-time augmentation averaged in logit space.
use rayon::prelude::*;

use crate::error::{Result, UdfError};
use crate::image::value::ImageColumn;
use crate::models::registry::ModelInfo;
use cytologia_kernels::imagenet;
use cytologia_nn::runtime::batching;
use cytologia_nn::runtime::model_runtime::{self, Tensor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tta {
    None,
    Hflip,
}

impl Tta {
    pub fn parse(s: &str) -> Option<Tta> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "" => Some(Tta::None),
            "hflip" => Some(Tta::Hflip),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClassifyOptions {
    pub tta: Tta,
    pub batch_size: usize,
    pub device: String,
    pub threads: usize,
}

pub fn classify(images: &ImageColumn, info: &ModelInfo, o: &ClassifyOptions) -> Result<Vec<Option<Vec<f32>>>> {
    let size = info.input_size.filter(|s| *s > 0).ok_or_else(|| UdfError::Other(format!("model '{}' has no input size", info.name)))? as usize;
    let rt = model_runtime::open(&info.verified_file()?, &o.device, o.threads, "fp32")?;
    let rows: Vec<usize> = (0..images.len()).filter(|&i| images.get(i).is_some()).collect();
    let views = if o.tta == Tta::Hflip { 2 } else { 1 };
    // The batch asked for, capped by memory; a batch that runs out of memory is run in halves.
    let device = rt.device();
    let batch = batching::choose(o.batch_size, o.batch_size, device, batching::per_image_bytes(size, views), batching::Budget::of_machine(device));
    let run = |chunk: &[usize]| -> Result<Vec<(usize, Vec<f32>)>> {
        let plane = 3 * size * size;
        let n = chunk.len();
        let mut input = vec![0f32; plane * n * views];
        for (k, &i) in chunk.iter().enumerate() {
            let item = images.get(i).ok_or_else(|| UdfError::Other(format!("row {i} vanished")))?;
            let rgb = item.rgb().map_err(|e| UdfError::Other(format!("{}: {e}", item.describe(i))))?;
            imagenet::preprocess(&rgb, size, false, &mut input[k * plane..(k + 1) * plane]);
            if views == 2 {
                // The mirrored copies follow the originals in the same batch.
                imagenet::preprocess(&rgb, size, true, &mut input[(n + k) * plane..(n + k + 1) * plane]);
            }
        }
        let out = rt.run(&Tensor { shape: vec![n * views, 3, size, size], data: input })?;
        if out.shape.len() != 2 || out.shape[0] != n * views {
            return Err(UdfError::Other(format!("model '{}' returned {:?}, expected [{}, classes]", info.name, out.shape, n * views)));
        }
        let c = out.shape[1];
        Ok(chunk
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let a = &out.data[k * c..(k + 1) * c];
                let logits = if views == 2 {
                    let b = &out.data[(n + k) * c..(n + k + 1) * c];
                    // torch's mean of two float32 values: exact sum, halved, rounded once.
                    a.iter().zip(b).map(|(x, y)| ((*x as f64 + *y as f64) * 0.5) as f32).collect()
                } else {
                    a.to_vec()
                };
                (i, logits)
            })
            .collect())
    };
    let per_batch: Vec<Vec<(usize, Vec<f32>)>> =
        rows.par_chunks(batch).map(|chunk| batching::run_halving("classify", chunk, &run)).collect::<Result<_>>().map_err(super::explain_single_image_oom)?;
    let mut out: Vec<Option<Vec<f32>>> = (0..images.len()).map(|_| None).collect();
    for (i, l) in per_batch.into_iter().flatten() {
        out[i] = Some(l);
    }
    Ok(out)
}
