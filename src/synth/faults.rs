//! Annotation-level faults (boxes spilling out of the image) and the test-row ordering
//! quirks of the real test.csv (gapped ids, interleaved rows of multi-box images).

use serde::Serialize;

use super::plan::fault_count;
use super::render::BoxAnn;
use super::rng::Rng;

pub(crate) const OOB_RATE: f64 = 0.02;
pub(crate) const INTERLEAVE_RATE: f64 = 0.3;

/// One CSV row: image index within its split plus the box.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub image: usize,
    pub bx: BoxAnn,
}

#[derive(Serialize, Clone, Debug)]
pub(crate) struct OobBox {
    pub image: String,
    /// 0-based data row in train.csv.
    pub row: usize,
    pub original: [i32; 4],
    pub shifted: [i32; 4],
}

/// Pushes ~2% of train boxes a few px past the image border. Boxes already near an edge
/// are preferred (that is where annotators overshoot), random order breaks ties.
pub(crate) fn push_out_of_image(rows: &mut [Row], sizes: &[(u32, u32)], names: &[String], n_images: usize, rng: &mut Rng) -> Vec<OobBox> {
    let n = if n_images >= 50 { fault_count(rows.len(), OOB_RATE).max(1) } else { (rows.len() as f64 * OOB_RATE).round() as usize }.min(rows.len());
    let edge_gap = |r: &Row| {
        let (w, h) = sizes[r.image];
        let b = &r.bx;
        b.x1.min(b.y1).min(w as i32 - b.x2).min(h as i32 - b.y2)
    };
    let mut order: Vec<(i32, u64, usize)> = rows.iter().enumerate().map(|(i, r)| (edge_gap(r), rng.u64(), i)).collect();
    order.sort_unstable();
    let mut chosen: Vec<usize> = order.iter().take(n).map(|o| o.2).collect();
    chosen.sort_unstable();
    let mut out = Vec::with_capacity(n);
    for i in chosen {
        let row = &mut rows[i];
        let (w, h) = sizes[row.image];
        let (w, h) = (w as i32, h as i32);
        let before = [row.bx.x1, row.bx.y1, row.bx.x2, row.bx.y2];
        let b = &mut row.bx;
        // The side nearest the border overshoots; sometimes a second side too.
        let gaps = [b.x1, b.y1, w - b.x2, h - b.y2];
        let first = (0..4).min_by_key(|&s| (gaps[s], s)).unwrap_or(0);
        let sides = if rng.chance(0.2) { vec![first, (first + 1 + rng.below(3)) % 4] } else { vec![first] };
        for s in sides {
            let k = rng.int(1, 6);
            match s {
                0 => b.x1 = -k,
                1 => b.y1 = -k,
                2 => b.x2 = w + k,
                _ => b.y2 = h + k,
            }
        }
        out.push(OobBox { image: names[row.image].clone(), row: i, original: before, shifted: [b.x1, b.y1, b.x2, b.y2] });
    }
    out
}

#[cfg(test)]
pub(crate) fn is_outside(b: &BoxAnn, w: u32, h: u32) -> bool {
    b.x1 < 0 || b.y1 < 0 || b.x2 > w as i32 || b.y2 > h as i32
}

/// Reorders test rows so some multi-box images' rows are not adjacent (swap an image's
/// last row with the following row of another image), then assigns increasing trustii ids
/// starting at 2 with occasional gaps. Returns (rows with ids, images left non-contiguous).
pub(crate) fn order_test_rows(mut rows: Vec<Row>, rng: &mut Rng) -> (Vec<(i64, Row)>, Vec<usize>) {
    let mut multi: Vec<usize> = Vec::new();
    for w in rows.windows(2) {
        if w[0].image == w[1].image && multi.last() != Some(&w[0].image) {
            multi.push(w[0].image);
        }
    }
    let n = if multi.is_empty() { 0 } else { ((multi.len() as f64 * INTERLEAVE_RATE).round() as usize).max(1) };
    let mut picks = multi.clone();
    rng.shuffle(&mut picks);
    picks.truncate(n);
    picks.sort_unstable();
    for img in picks {
        if let Some(last) = rows.iter().rposition(|r| r.image == img)
            && last + 1 < rows.len()
            && rows[last + 1].image != img
        {
            rows.swap(last, last + 1);
        }
    }
    let slots = rows.iter().map(|r| r.image + 1).max().unwrap_or(0);
    let mut ended = vec![false; slots];
    let mut split = vec![false; slots];
    for i in 1..rows.len() {
        if rows[i - 1].image != rows[i].image {
            ended[rows[i - 1].image] = true;
            if ended[rows[i].image] {
                split[rows[i].image] = true;
            }
        }
    }
    let split_images: Vec<usize> = (0..slots).filter(|&i| split[i]).collect();
    let mut id: i64 = 2;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((id, r));
        id += 1;
        if rng.chance(0.12) {
            id += rng.int(1, 3) as i64;
        }
    }
    (out, split_images)
}
