//! File output: atomic writes (tmp + rename, so readers never see half a file) and the
//! exact CSV/JSON layouts of the Cytologia challenge.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use cytologia_kernels::fs::AtomicFile;
use serde::Serialize;

use super::SynthError;
use super::classes::CLASS_NAMES;
use super::faults::{OobBox, Row};

/// Writes a dataset file atomically. Images are not flushed one by one (a dataset is cheap to
/// make again, and an fsync per image would dominate the run); the CSV and manifest files are.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], durable: bool) -> Result<(), SynthError> {
    let io = |source| SynthError::Io { path: path.to_path_buf(), source };
    let file = AtomicFile::new(path).map_err(io)?;
    let file = if durable { file } else { file.not_durable() };
    fs::write(file.tmp_path(), bytes).map_err(io)?;
    file.commit().map_err(io)
}

fn class_name(c: usize) -> &'static str {
    CLASS_NAMES.get(c).copied().unwrap_or("PNN")
}

pub(crate) fn train_csv(rows: &[Row], names: &[String]) -> String {
    let mut s = String::with_capacity(48 * rows.len() + 32);
    s.push_str("NAME,x1,y1,x2,y2,class\n");
    for r in rows {
        let b = &r.bx;
        let _ = writeln!(s, "{},{},{},{},{},{}", names[r.image], b.x1, b.y1, b.x2, b.y2, class_name(b.class));
    }
    s
}

pub(crate) fn test_csv(rows: &[(i64, Row)], names: &[String]) -> String {
    let mut s = String::with_capacity(32 * rows.len() + 16);
    s.push_str("trustii_id,NAME\n");
    for (id, r) in rows {
        let _ = writeln!(s, "{},{}", id, names[r.image]);
    }
    s
}

pub(crate) fn truth_csv(rows: &[(i64, Row)], names: &[String]) -> String {
    let mut s = String::with_capacity(56 * rows.len() + 40);
    s.push_str("trustii_id,NAME,x1,y1,x2,y2,class\n");
    for (id, r) in rows {
        let b = &r.bx;
        let _ = writeln!(s, "{},{},{},{},{},{},{}", id, names[r.image], b.x1, b.y1, b.x2, b.y2, class_name(b.class));
    }
    s
}

#[derive(Serialize, Clone, Debug)]
pub(crate) struct DupPair {
    pub original: String,
    pub duplicate: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_name: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<[i32; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brightness_shift: Option<f32>,
}

#[derive(Serialize, Clone, Debug)]
pub(crate) struct FaultRecord {
    pub kind: &'static str,
    pub split: &'static str,
    pub description: &'static str,
    pub target_rate: f64,
    /// count / (images or rows of the split, whichever the fault is counted over).
    pub rate: f64,
    pub count: usize,
    /// Images affected (for duplicates: the copies).
    pub images: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<DupPair>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub boxes: Vec<OobBox>,
}

#[derive(Serialize, Debug)]
pub(crate) struct Manifest {
    pub generator: &'static str,
    pub generator_version: u32,
    pub seed: u64,
    pub train_images: usize,
    pub test_images: usize,
    pub train_boxes: usize,
    pub test_rows: usize,
    pub image_files: usize,
    pub class_names: Vec<&'static str>,
    pub train_class_counts: Vec<usize>,
    pub test_class_counts: Vec<usize>,
    pub faults: Vec<FaultRecord>,
}
