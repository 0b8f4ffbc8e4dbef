//! Progress on stderr for long SQL work, all drawn through one `MultiProgress` so that bars
//! and a script's statement spinner share the terminal instead of overwriting each other's
//! line. Nothing is drawn when stderr is not a terminal (indicatif hides its draw target)
//! unless `--progress` asks for it: a log then gets the bars as plain lines every
//! `LOG_EVERY`; `-q` turns progress off.
//! - `Bar`: work of a known size (image scans, training decode and steps): rate and ETA.
//! - `Board::rows`: rows through the slow SQL functions (`detect`, `classify`, `crop`, ...),
//!   counted by the plan's progress nodes (engine/progress_rule.rs): a bar with rate and ETA
//!   when the plan knows the row count, rows done and rate otherwise; closed when the
//!   statement ends.
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use cytologia_udfs::env::ProgressSink;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

static LOG_LINES: AtomicBool = AtomicBool::new(false);

/// How often `--progress` writes the bars to a stderr that is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Draw progress as plain lines even when stderr is not a terminal (`--progress`): for the
/// logs of scheduled scripts. Call before the first bar.
pub fn log_to_non_terminal() {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        LOG_LINES.store(true, Ordering::Relaxed);
    }
}

fn multi() -> &'static MultiProgress {
    static MULTI: OnceLock<MultiProgress> = OnceLock::new();
    MULTI.get_or_init(|| {
        let target = if LOG_LINES.load(Ordering::Relaxed) {
            ProgressDrawTarget::term_like_with_hz(Box::new(LogLines::new(Box::new(std::io::stderr()))), 1)
        } else {
            ProgressDrawTarget::stderr()
        };
        MultiProgress::with_draw_target(target)
    })
}

/// A terminal for indicatif that is a log: no cursor moves; of the redraws, one in `LOG_EVERY`
/// is written, as lines.
struct LogLines {
    state: Mutex<LogState>,
}

struct LogState {
    out: Box<dyn Write + Send>,
    lines: Vec<String>,
    last: Option<Instant>,
}

impl LogLines {
    fn new(out: Box<dyn Write + Send>) -> Self {
        LogLines { state: Mutex::new(LogState { out, lines: Vec::new(), last: None }) }
    }
}

impl std::fmt::Debug for LogLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogLines")
    }
}

impl indicatif::TermLike for LogLines {
    fn width(&self) -> u16 {
        120
    }
    fn move_cursor_up(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _n: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        if let Ok(mut st) = self.state.lock() {
            st.lines.push(s.to_string());
        }
        Ok(())
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.write_line(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        let Ok(mut st) = self.state.lock() else { return Ok(()) };
        let lines = std::mem::take(&mut st.lines);
        if st.last.is_some_and(|t| t.elapsed() < LOG_EVERY) {
            return Ok(());
        }
        let mut wrote = false;
        for l in lines.iter().map(|l| l.trim_end()).filter(|l| !l.is_empty()) {
            writeln!(st.out, "progress: {l}")?;
            wrote = true;
        }
        if wrote {
            st.last = Some(Instant::now());
        }
        st.out.flush()
    }
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

/// The row bars of the running statement.
#[derive(Debug, Default)]
pub struct Board {
    enabled: bool,
    open: Mutex<Vec<RowBar>>,
}

#[derive(Debug)]
struct RowBar {
    label: String,
    exact: bool,
    bar: ProgressBar,
}

/// What a row bar shows: its label, rows done, and the expected total with whether it is exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowCount {
    pub label: String,
    pub done: u64,
    pub total: Option<(u64, bool)>,
}

impl Board {
    pub fn new(enabled: bool) -> Self {
        Board { enabled, open: Mutex::default() }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// A display for rows through `label`; `total` is the expected count and whether it is exact.
    pub fn rows(&self, label: &str, total: Option<(u64, bool)>) -> Arc<dyn ProgressSink> {
        if !self.enabled {
            return Arc::new(cytologia_udfs::env::NoProgress);
        }
        let pb = match total {
            Some((n, exact)) => {
                let shown = if exact { label.to_string() } else { format!("{label} (total estimated)") };
                styled(ProgressBar::new(n), "{msg} [{bar:30}] {human_pos}/{human_len} rows {rate} ETA {eta}", &shown)
            }
            None => styled(ProgressBar::no_length(), "{msg}: {human_pos} rows, {rate}, {elapsed}", label),
        };
        if let Ok(mut open) = self.open.lock() {
            open.push(RowBar { label: label.to_string(), exact: total.is_some_and(|t| t.1), bar: pb.clone() });
        }
        Arc::new(Rows(pb))
    }

    /// The running statement's row bars.
    pub fn snapshot(&self) -> Vec<RowCount> {
        let Ok(open) = self.open.lock() else { return Vec::new() };
        open.iter().map(|b| RowCount { label: b.label.clone(), done: b.bar.position(), total: b.bar.length().map(|n| (n, b.exact)) }).collect()
    }

    /// Closes the bars of the statement that ended.
    pub fn finish(&self) {
        let open: Vec<_> = self.open.lock().map(|mut o| o.drain(..).collect()).unwrap_or_default();
        for b in open {
            b.bar.finish_and_clear();
        }
    }
}

struct Rows(ProgressBar);

impl ProgressSink for Rows {
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

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_log_gets_one_redraw_in_ten_seconds_as_plain_lines() {
        let out = Shared::default();
        let log = LogLines::new(Box::new(out.clone()));
        log.write_str("\r").unwrap();
        log.write_str("classify [====>     ] 50/100 rows 9/s ETA 6s").unwrap();
        log.write_str("          ").unwrap();
        log.flush().unwrap();
        log.write_str("classify [=====>    ] 60/100 rows 9/s ETA 5s").unwrap();
        log.flush().unwrap();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "progress: classify [====>     ] 50/100 rows 9/s ETA 6s\n");
    }

    #[test]
    fn row_bars_close_with_the_statement() {
        let board = Board::new(true);
        board.rows("detect", Some((10, true))).inc(4);
        board.rows("wbf", None).inc(2);
        let seen = board.snapshot();
        assert_eq!(seen.iter().map(|r| (r.label.as_str(), r.done, r.total)).collect::<Vec<_>>(), vec![("detect", 4, Some((10, true))), ("wbf", 2, None)]);
        board.finish();
        assert!(board.snapshot().is_empty());
        let off = Board::new(false);
        off.rows("detect", Some((10, true))).inc(4);
        assert!(off.snapshot().is_empty());
    }
}
