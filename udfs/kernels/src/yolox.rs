//! YOLOX pre- and post-processing exactly as the winning recipe ran it (docs/pipeline.md §4.4).
use crate::boxes::nms;
use crate::image::codec::Pixels;
use crate::image::cv_resize;

pub const STRIDES: [usize; 3] = [8, 16, 32];

/// Anchors of a YOLOX head at a square input size (one per grid cell per stride).
pub fn anchors(size: usize) -> usize {
    nms::yolox_anchor_count(size, &STRIDES)
}

/// The letterbox ratio `min(S/H, S/W)` in float64, as Python computes it.
pub fn ratio(width: u32, height: u32, size: usize) -> f64 {
    (size as f64 / height as f64).min(size as f64 / width as f64)
}

/// Writes one image's network input (CHW float32, BGR, 0..255, no normalisation) into `out`
/// (3·S·S values): resized with OpenCV INTER_LINEAR to `(int(W·r), int(H·r))`, pasted at the
/// top-left of a canvas filled with 114. Returns the ratio.
pub fn letterbox(rgb: &Pixels, size: usize, out: &mut [f32]) -> f64 {
    let r = ratio(rgb.width, rgb.height, size);
    // Python's int() truncates; the product is positive.
    let nw = ((rgb.width as f64 * r) as usize).clamp(1, size);
    let nh = ((rgb.height as f64 * r) as usize).clamp(1, size);
    let resized = cv_resize::resize_linear(&rgb.data, rgb.width as usize, rgb.height as usize, 3, nw, nh);
    out.fill(114.0);
    let plane = size * size;
    for y in 0..nh {
        let src = &resized[y * nw * 3..(y + 1) * nw * 3];
        let row = y * size;
        for x in 0..nw {
            let px = &src[x * 3..x * 3 + 3];
            // RGB in, BGR out: the winning recipe converted PIL's RGB with cv2.cvtColor(RGB2BGR).
            out[row + x] = px[2] as f32;
            out[plane + row + x] = px[1] as f32;
            out[2 * plane + row + x] = px[0] as f32;
        }
    }
    r
}

/// One raw detection in image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    pub score: f32,
}

/// Post-processes one image's head output `[anchors, 5+C]`: grid decode when the export left
/// it out, score = obj x max class prob, threshold, class-agnostic NMS, boxes divided by the
/// ratio (in float32, as torch did), no clipping, only scores > 0 kept.
pub fn postprocess(pred: &mut [f32], anchors: usize, row: usize, size: usize, decoded: bool, conf: f32, nms_iou: f32, r: f64) -> Vec<Detection> {
    if !decoded {
        nms::yolox_decode_grid(pred, size, &STRIDES, row);
    }
    let kept = nms::yolox_postprocess(pred, anchors, row, conf, nms_iou as f64);
    let rf = r as f32;
    kept.into_iter().filter(|d| d.score > 0.0).map(|d| Detection { x1: d.x1 / rf, y1: d.y1 / rf, x2: d.x2 / rf, y2: d.y2 / rf, score: d.score }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_and_letterbox_geometry() {
        assert_eq!(anchors(512), 5376);
        assert_eq!(anchors(640), 8400);
        assert_eq!(anchors(416), 3549);
        // A 4x2 pure-red image into 8: ratio 2, resized to 8x4, rest 114.
        let p = Pixels::new(4, 2, 3, [255u8, 0, 0].repeat(8)).unwrap();
        let mut out = vec![0f32; 3 * 64];
        let r = letterbox(&p, 8, &mut out);
        assert_eq!(r, 2.0);
        // Channel 0 is blue (0), channel 2 red (255) inside the pasted area; 114 outside.
        assert_eq!(out[0], 0.0);
        assert_eq!(out[2 * 64], 255.0);
        assert_eq!(out[4 * 8], 114.0);
        assert_eq!(out[2 * 64 + 3 * 8 + 7], 255.0);
    }
}
