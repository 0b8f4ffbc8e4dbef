//! Progress on stderr for long SQL work, all drawn through one `MultiProgress` so that bars
//! and a script's statement spinner share the terminal instead of overwriting each other's
//! line. Nothing is drawn when stderr is not a terminal (indicatif hides its draw target), and
//! `-q` turns progress off.
//! - `Bar`: work of a known size (image scans, training decode and steps): rate and ETA.
//! - `Counter`: rows through a SQL function whose input size the function cannot know
//!   (`detect`, `classify`): rows done and rate, until the statement ends.
use std::sync::OnceLock;
use std::time::Duration;

use cytologia_udfs::env::ProgressSink;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

fn multi() -> &'static MultiProgress {
    static MULTI: OnceLock<MultiProgress> = OnceLock::new();
    MULTI.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

fn styled(pb: ProgressBar, template: &str, label: &str) -> ProgressBar {
    if let Ok(style) = ProgressStyle::with_template(template) {
        // Whole rows per second: indicatif's own {per_sec} prints four decimals.
        let rate = |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}/s", state.per_sec());
        };
        pb.set_style(style.progress_chars("=> ").with_key("rate", rate));
    }
    pb.set_message(label.to_string());
    multi().add(pb)
}

pub struct Bar(ProgressBar);

impl Bar {
    pub fn new(label: &str, total: u64) -> Self {
        Bar(styled(ProgressBar::new(total), "{msg} [{bar:30}] {pos}/{len} {rate} ETA {eta}", label))
    }
}

impl ProgressSink for Bar {
    fn inc(&self, n: u64) {
        self.0.inc(n);
        if self.0.length().is_some_and(|l| self.0.position() >= l) {
            self.0.finish_and_clear();
        }
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

pub struct Counter(ProgressBar);

impl Counter {
    pub fn new(label: &str) -> Self {
        Counter(styled(ProgressBar::no_length(), "{msg}: {human_pos} rows, {rate}, {elapsed}", label))
    }
}

impl ProgressSink for Counter {
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// A spinner while a script's statement runs.
pub fn spinner(label: &str) -> ProgressBar {
    let pb = styled(ProgressBar::new_spinner(), "{spinner} {msg} {elapsed}", label);
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}
