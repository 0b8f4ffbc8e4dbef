//! The fault suite: hostile input, killed writers, concurrent writers and damaged logs, each
//! checked for what a user must be able to rely on (no crash, no lost or half-written data, a
//! clear error). Every case prints one `fault:` line with what it tried; docs/reliability.md
//! records them. `scripts/test --test faults` runs it alone.
#[path = "../integration/common.rs"]
mod common;

mod concurrent;
mod damaged_log;
mod hostile_sql;
mod kills;

/// A small deterministic generator for kill points (the same points on every run).
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Seeded(seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407))
    }
    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One line per case for the record (cargo test shows it with --nocapture; CI logs keep it).
pub fn record(line: &str) {
    eprintln!("fault: {line}");
}
