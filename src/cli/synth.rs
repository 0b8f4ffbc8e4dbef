//! `cytologia synth`: the synthetic smear generator with a progress bar.
use std::path::Path;

use crate::error::Result;
use crate::synth::{self, SynthOptions, SynthSummary};

pub fn run(out: &Path, train: usize, test: usize, seed: u64) -> Result<SynthSummary> {
    let total = (train + test) as u64;
    let pb = indicatif::ProgressBar::new(total);
    pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template("synth [{bar:30}] {pos}/{len} images {per_sec} ETA {eta}") {
        pb.set_style(style.progress_chars("=> "));
    }
    let opts = SynthOptions { out: out.to_path_buf(), train, test, seed };
    let summary = synth::generate(&opts, &|done, _total| pb.set_position(done as u64))?;
    pb.finish_and_clear();
    eprintln!(
        "synth: {} train images ({} boxes), {} test images ({} rows) in {}",
        summary.train_images,
        summary.train_boxes,
        summary.test_images,
        summary.test_rows,
        out.display()
    );
    Ok(summary)
}
