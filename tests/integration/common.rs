use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cytologia")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the CLI against a warehouse and returns (exit ok, stdout, stderr).
pub fn cytologia(warehouse: &Path, args: &[&str]) -> (bool, String, String) {
    let out: Output = Command::new(bin()).arg("--warehouse").arg(warehouse).args(args).env_remove("CYTOLOGIA_WAREHOUSE").output().expect("run cytologia");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Runs SQL and returns stdout as CSV, failing the test with stderr on error.
pub fn csv(warehouse: &Path, sql: &str) -> String {
    let (ok, out, err) = cytologia(warehouse, &["sql", "--format", "csv", sql]);
    assert!(ok, "query failed: {sql}\n{err}");
    out
}
