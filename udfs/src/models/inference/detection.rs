//! Batched YOLOX inference over an image column: decode and letterbox on the rayon pool,
//! batches run on the model's session pool, so decoding one batch overlaps inference of
//! another.
use rayon::prelude::*;

use crate::error::{Result, UdfError};
use crate::image::value::ImageColumn;
use crate::models::registry::ModelInfo;
use cytologia_kernels::image::codec::Pixels;
use cytologia_kernels::image::crop_box;
use cytologia_kernels::yolox::{self, Detection};
use cytologia_nn::runtime::batching;
use cytologia_nn::runtime::model_runtime::{self, Tensor};

#[derive(Debug, Clone)]
pub struct DetectOptions {
    pub confidence: f32,
    pub nms_iou: f32,
    pub batch_size: usize,
    pub device: String,
    pub threads: usize,
    /// 'fp32', 'bf16' or 'auto' (`model_runtime::open`).
    pub precision: String,
    /// Cut each box's crop. Box-only queries turn it off: at a low confidence a weak detector
    /// returns thousands of boxes per image, too many crops for memory.
    pub crops: bool,
}

pub struct BoxOut {
    pub det: Detection,
    /// The §7.1 crop (margin 16) of the box rounded half to even; None when it is empty or
    /// crops are off.
    pub crop: Option<Pixels>,
}

pub struct ImageBoxes {
    pub width: u32,
    pub height: u32,
    pub boxes: Vec<BoxOut>,
}

pub const CROP_MARGIN: i64 = 16;

pub fn detect(images: &ImageColumn, info: &ModelInfo, o: &DetectOptions) -> Result<Vec<Option<ImageBoxes>>> {
    let size = info.input_size.filter(|s| *s > 0).ok_or_else(|| UdfError::Other(format!("model '{}' has no input size", info.name)))? as usize;
    let rt = model_runtime::open(&info.verified_file()?, &o.device, o.threads, &o.precision)?;
    let decoded = info.decoded.unwrap_or(false);
    let rows: Vec<usize> = (0..images.len()).filter(|&i| images.get(i).is_some()).collect();
    // 0 = automatic: on CPU, single images keep every session of the pool busy and overlap
    // decoding best (docs/benchmarks.md); a GPU wants the largest batch its memory holds.
    let device = rt.device();
    let batch = batching::choose(o.batch_size, 1, device, batching::per_image_bytes(size, 1), batching::Budget::of_machine(device));
    let run = |chunk: &[usize]| -> Result<Vec<(usize, ImageBoxes)>> {
        let plane = 3 * size * size;
        let decoded_imgs: Vec<Pixels> = chunk
            .iter()
            .map(|&i| {
                let item = images.get(i).ok_or_else(|| UdfError::Other(format!("row {i} vanished")))?;
                item.rgb().map_err(|e| UdfError::Other(format!("{}: {e}", item.describe(i))))
            })
            .collect::<Result<_>>()?;
        let mut input = vec![0f32; plane * chunk.len()];
        let ratios: Vec<f64> = decoded_imgs.iter().zip(input.chunks_mut(plane)).map(|(p, out)| yolox::letterbox(p, size, out)).collect();
        let mut out = rt.run(&Tensor { shape: vec![chunk.len(), 3, size, size], data: input })?;
        let anchors = yolox::anchors(size);
        if out.shape.len() != 3 || out.shape[0] != chunk.len() || out.shape[1] != anchors || out.shape[2] < 6 {
            return Err(UdfError::Other(format!("model '{}' returned {:?}, expected [{}, {anchors}, 5+classes]", info.name, out.shape, chunk.len())));
        }
        let row = out.shape[2];
        let mut result = Vec::with_capacity(chunk.len());
        for (k, pred) in out.data.chunks_mut(anchors * row).enumerate() {
            let p = &decoded_imgs[k];
            let dets = yolox::postprocess(pred, anchors, row, size, decoded, o.confidence, o.nms_iou, ratios[k]);
            let boxes = dets
                .into_iter()
                .map(|det| {
                    if !o.crops {
                        return BoxOut { det, crop: None };
                    }
                    let r = |v: f32| crop_box::round_coord(v as f64);
                    let crop = match (r(det.x1), r(det.y1), r(det.x2), r(det.y2)) {
                        (Ok(a), Ok(b), Ok(c), Ok(d)) => crop_box::crop(p, a, b, c, d, CROP_MARGIN).ok(),
                        _ => None,
                    };
                    BoxOut { det, crop }
                })
                .collect();
            result.push((chunk[k], ImageBoxes { width: p.width, height: p.height, boxes }));
        }
        Ok(result)
    };
    let per_batch: Vec<Vec<(usize, ImageBoxes)>> =
        rows.par_chunks(batch).map(|chunk| batching::run_halving("detect", chunk, &run)).collect::<Result<_>>().map_err(super::explain_single_image_oom)?;
    let mut out: Vec<Option<ImageBoxes>> = (0..images.len()).map(|_| None).collect();
    for (i, b) in per_batch.into_iter().flatten() {
        out[i] = Some(b);
    }
    Ok(out)
}
