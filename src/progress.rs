//! Progress bars for long SQL work (image scans, training), drawn on stderr with rate and ETA.
use cytologia_udfs::env::ProgressSink;

pub struct Bar(indicatif::ProgressBar);

impl Bar {
    pub fn new(label: &str, total: u64) -> Self {
        let pb = indicatif::ProgressBar::new(total);
        pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}") {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(label.to_string());
        Bar(pb)
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
