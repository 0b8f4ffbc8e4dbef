//! Synthetic Cytologia-style dataset: blood-smear JPEGs with white-blood-cell boxes in the
//! challenge's exact file layout (`images/`, `train.csv`, `test.csv`, plus the hidden
//! `test_truth.csv` and a `manifest.json` listing every injected data-quality fault).
//!
//! Output is byte-identical for the same options regardless of thread count: every random
//! choice comes from a stream derived from (seed, purpose, index), all dataset-level
//! decisions are made sequentially up front (`plan`), and only pixel rendering runs in
//! parallel.

mod background;
mod canvas;
mod classes;
mod faults;
mod jpeg;
mod noise;
mod nucleus;
mod plan;
mod rbc;
mod recipe;
mod render;
mod rng;
mod wbc;
mod writer;

#[cfg(test)]
mod tests;

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

pub use classes::CLASS_NAMES;

use faults::Row;
use plan::{Origin, PlannedImage};
use render::{BoxAnn, RenderJob};
use rng::{Rng, STREAM_FAULTS};
use writer::{DupPair, FaultRecord, Manifest, write_atomic};

/// Bump whenever output for a given seed changes.
pub const GENERATOR_VERSION: u32 = 1;

/// Upper bound on images per call; keeps a typo from filling the disk.
const MAX_IMAGES: usize = 1_000_000;

#[derive(Clone, Debug)]
pub struct SynthOptions {
    pub out: PathBuf,
    pub train: usize,
    pub test: usize,
    pub seed: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SynthSummary {
    pub train_images: usize,
    pub test_images: usize,
    pub train_boxes: usize,
    pub test_rows: usize,
    pub files_written: usize,
}

#[derive(thiserror::Error, Debug)]
pub enum SynthError {
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("JPEG encoding failed for {path}: {source}")]
    Encode {
        path: PathBuf,
        #[source]
        source: turbojpeg::Error,
    },
    #[error("could not serialise {path}: {source}")]
    Manifest {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("invalid synth options: {0}")]
    InvalidOptions(String),
}

/// Writes a synthetic dataset under `opts.out`; `progress(done, total)` is called (from any
/// thread) after each image file is written.
///
/// Existing files with the same names are replaced; unrelated files already in `out` (for
/// example images from an earlier, larger run) are left alone, so use a fresh directory
/// when the directory listing itself matters.
pub fn generate(opts: &SynthOptions, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<SynthSummary, SynthError> {
    if opts.out.as_os_str().is_empty() {
        return Err(SynthError::InvalidOptions("output directory path is empty".into()));
    }
    if opts.train.saturating_add(opts.test) > MAX_IMAGES {
        return Err(SynthError::InvalidOptions(format!("train + test = {} images exceeds the limit of {MAX_IMAGES}", opts.train.saturating_add(opts.test))));
    }
    let images_dir = opts.out.join("images");
    fs::create_dir_all(&images_dir).map_err(|source| SynthError::Io { path: images_dir.clone(), source })?;

    let plan = plan::plan(opts.train, opts.test, opts.seed);
    let (train, test) = (&plan.train, &plan.test);

    // Copies reuse their source's encoded bytes, so only sources keep them in memory.
    let mut keep_bytes = vec![false; train.len()];
    for img in train.iter().chain(test) {
        if let Origin::ExactDup { of } | Origin::CrossDup { of, .. } = img.origin {
            keep_bytes[of] = true;
        }
    }
    let same_name_copies = test.iter().filter(|i| matches!(i.origin, Origin::CrossDup { same_name: true, .. })).count();
    let total_files = train.len() + test.len() - same_name_copies;

    let jobs: Vec<(bool, usize)> = train
        .iter()
        .enumerate()
        .filter(|(_, i)| i.renders())
        .map(|(k, _)| (true, k))
        .chain(test.iter().enumerate().filter(|(_, i)| i.renders()).map(|(k, _)| (false, k)))
        .collect();
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Vec<Option<Result<RenderedFile, SynthError>>> = jobs
        .par_iter()
        .map(|&(is_train, k)| {
            if failed.load(Ordering::Relaxed) {
                return None;
            }
            let img = if is_train { &train[k] } else { &test[k] };
            let keep = is_train && keep_bytes[k];
            let r = render_one(img, &images_dir, keep);
            if r.is_err() {
                failed.store(true, Ordering::Relaxed);
            } else {
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total_files);
            }
            Some(r)
        })
        .collect();

    let mut train_boxes: Vec<Option<Vec<BoxAnn>>> = vec![None; train.len()];
    let mut test_boxes: Vec<Option<Vec<BoxAnn>>> = vec![None; test.len()];
    let mut train_bytes: Vec<Option<Vec<u8>>> = vec![None; train.len()];
    for (&(is_train, k), r) in jobs.iter().zip(results) {
        match r {
            Some(Ok((boxes, bytes))) => {
                if is_train {
                    train_boxes[k] = Some(boxes);
                    train_bytes[k] = bytes;
                } else {
                    test_boxes[k] = Some(boxes);
                }
            }
            Some(Err(e)) => return Err(e),
            None => {}
        }
    }
    if failed.load(Ordering::Relaxed) {
        // Unreachable in practice (an error is returned above), but never write CSVs
        // describing images that were not written.
        return Err(SynthError::InvalidOptions("image rendering aborted".into()));
    }

    let mut written = done.load(Ordering::Relaxed);
    let mut copy_file = |img: &PlannedImage, of: usize| -> Result<(), SynthError> {
        let bytes = train_bytes[of].as_deref().unwrap_or_default();
        write_atomic(&images_dir.join(&img.name), bytes, false)?;
        written += 1;
        progress(written, total_files);
        Ok(())
    };
    for (k, img) in train.iter().enumerate() {
        if let Origin::ExactDup { of } = img.origin {
            copy_file(img, of)?;
            train_boxes[k] = train_boxes[of].clone();
        }
    }
    for (k, img) in test.iter().enumerate() {
        if let Origin::CrossDup { of, same_name } = img.origin {
            if !same_name {
                copy_file(img, of)?;
            }
            test_boxes[k] = train_boxes[of].clone();
        }
    }

    let train_names: Vec<String> = train.iter().map(|i| i.name.clone()).collect();
    let test_names: Vec<String> = test.iter().map(|i| i.name.clone()).collect();
    let train_sizes: Vec<(u32, u32)> = train.iter().map(|i| (i.w, i.h)).collect();
    let to_rows = |boxes: Vec<Option<Vec<BoxAnn>>>| -> Vec<Row> {
        boxes.into_iter().enumerate().flat_map(|(image, b)| b.unwrap_or_default().into_iter().map(move |bx| Row { image, bx })).collect()
    };
    let mut train_rows = to_rows(train_boxes);
    let test_rows = to_rows(test_boxes);

    let mut frng = Rng::stream(opts.seed, STREAM_FAULTS, 0);
    let oob = faults::push_out_of_image(&mut train_rows, &train_sizes, &train_names, train.len(), &mut frng);
    let (test_rows, interleaved) = faults::order_test_rows(test_rows, &mut frng);

    let out = &opts.out;
    write_atomic(&out.join("train.csv"), writer::train_csv(&train_rows, &train_names).as_bytes(), true)?;
    write_atomic(&out.join("test.csv"), writer::test_csv(&test_rows, &test_names).as_bytes(), true)?;
    write_atomic(&out.join("test_truth.csv"), writer::truth_csv(&test_rows, &test_names).as_bytes(), true)?;

    let mut train_counts = vec![0; CLASS_NAMES.len()];
    for r in &train_rows {
        train_counts[r.bx.class] += 1;
    }
    let mut test_counts = vec![0; CLASS_NAMES.len()];
    for (_, r) in &test_rows {
        test_counts[r.bx.class] += 1;
    }
    let multi_test = {
        let mut per = vec![0usize; test.len()];
        test_rows.iter().for_each(|(_, r)| per[r.image] += 1);
        per.iter().filter(|&&n| n > 1).count()
    };
    let manifest = Manifest {
        generator: "cytologia-synth",
        generator_version: GENERATOR_VERSION,
        seed: opts.seed,
        train_images: train.len(),
        test_images: test.len(),
        train_boxes: train_rows.len(),
        test_rows: test_rows.len(),
        image_files: total_files,
        class_names: CLASS_NAMES.to_vec(),
        train_class_counts: train_counts,
        test_class_counts: test_counts,
        faults: fault_records(train, test, &oob, &interleaved, train_rows.len(), multi_test),
    };
    let path = out.join("manifest.json");
    let mut json = serde_json::to_vec_pretty(&manifest).map_err(|source| SynthError::Manifest { path: path.clone(), source })?;
    json.push(b'\n');
    write_atomic(&path, &json, true)?;

    Ok(SynthSummary {
        train_images: train.len(),
        test_images: test.len(),
        train_boxes: train_rows.len(),
        test_rows: test_rows.len(),
        files_written: total_files + 4,
    })
}

/// Boxes of a written image, plus its bytes when a duplicate will be copied from it.
type RenderedFile = (Vec<BoxAnn>, Option<Vec<u8>>);

fn render_one(img: &PlannedImage, dir: &std::path::Path, keep: bool) -> Result<RenderedFile, SynthError> {
    let r = render::render(&RenderJob { w: img.w, h: img.h, classes: &img.classes, seed: img.seed, brightness: img.brightness });
    let path = dir.join(&img.name);
    let bytes = jpeg::encode(&r.rgb, img.w as usize, img.h as usize, img.jpeg).map_err(|source| SynthError::Encode { path: path.clone(), source })?;
    write_atomic(&path, &bytes, false)?;
    Ok((r.boxes, keep.then_some(bytes)))
}

fn rate(count: usize, of: usize) -> f64 {
    if of == 0 { 0.0 } else { count as f64 / of as f64 }
}

fn fault_records(
    train: &[PlannedImage],
    test: &[PlannedImage],
    oob: &[faults::OobBox],
    interleaved: &[usize],
    train_rows: usize,
    multi_test: usize,
) -> Vec<FaultRecord> {
    let mut exact = Vec::new();
    let mut near = Vec::new();
    for img in train {
        match img.origin {
            Origin::ExactDup { of } => {
                exact.push(DupPair { original: train[of].name.clone(), duplicate: img.name.clone(), same_name: None, quality: None, brightness_shift: None })
            }
            Origin::NearDup { of } => near.push(DupPair {
                original: train[of].name.clone(),
                duplicate: img.name.clone(),
                same_name: None,
                quality: Some([train[of].jpeg.quality, img.jpeg.quality]),
                brightness_shift: Some(img.brightness),
            }),
            _ => {}
        }
    }
    let cross: Vec<DupPair> = test
        .iter()
        .filter_map(|img| match img.origin {
            Origin::CrossDup { of, same_name } => Some(DupPair {
                original: train[of].name.clone(),
                duplicate: img.name.clone(),
                same_name: Some(same_name),
                quality: None,
                brightness_shift: None,
            }),
            _ => None,
        })
        .collect();
    let dup_images = |p: &[DupPair]| p.iter().map(|d| d.duplicate.clone()).collect::<Vec<_>>();
    let mut oob_images: Vec<String> = oob.iter().map(|o| o.image.clone()).collect();
    oob_images.dedup();
    vec![
        FaultRecord {
            kind: "exact_duplicate",
            split: "train",
            description: "byte-identical train image under another name, with its own copy of the annotation rows",
            target_rate: plan::EXACT_DUP_RATE,
            rate: rate(exact.len(), train.len()),
            count: exact.len(),
            images: dup_images(&exact),
            pairs: exact,
            boxes: Vec::new(),
        },
        FaultRecord {
            kind: "near_duplicate",
            split: "train",
            description: "same scene re-encoded at another JPEG quality with a small brightness shift; same boxes",
            target_rate: plan::NEAR_DUP_RATE,
            rate: rate(near.len(), train.len()),
            count: near.len(),
            images: dup_images(&near),
            pairs: near,
            boxes: Vec::new(),
        },
        FaultRecord {
            kind: "cross_split_duplicate",
            split: "test",
            description: "test image byte-identical to a train image; same_name=true means the test row names the train file itself",
            target_rate: plan::CROSS_DUP_RATE,
            rate: rate(cross.len(), test.len()),
            count: cross.len(),
            images: dup_images(&cross),
            pairs: cross,
            boxes: Vec::new(),
        },
        FaultRecord {
            kind: "box_outside_image",
            split: "train",
            description: "train box extends a few px beyond the image (x1<0, y1<0, x2>W or y2>H); rate is per train box",
            target_rate: faults::OOB_RATE,
            rate: rate(oob.len(), train_rows),
            count: oob.len(),
            images: oob_images,
            pairs: Vec::new(),
            boxes: oob.to_vec(),
        },
        FaultRecord {
            kind: "interleaved_test_rows",
            split: "test",
            description: "rows of a multi-box test image are not contiguous in test.csv; rate is per multi-box test image",
            target_rate: faults::INTERLEAVE_RATE,
            rate: rate(interleaved.len(), multi_test),
            count: interleaved.len(),
            images: interleaved.iter().map(|&i| test[i].name.clone()).collect(),
            pairs: Vec::new(),
            boxes: Vec::new(),
        },
    ]
}
