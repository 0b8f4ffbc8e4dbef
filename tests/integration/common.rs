use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

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

/// Starts `cytologia sql SQL` without waiting (stdout discarded, stderr kept for the caller).
// Used by the fault suite, which shares this file.
#[allow(dead_code)]
pub fn spawn_sql(warehouse: &Path, sql: &str) -> Child {
    Command::new(bin())
        .arg("--warehouse")
        .arg(warehouse)
        .args(["sql", sql])
        .env_remove("CYTOLOGIA_WAREHOUSE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cytologia")
}

/// A warehouse over `train` synthetic training images, ingested, cleaned, folded, with the
/// training crops of sql/train/03_train_crops.sql.
pub fn prepared_for_training(dir: &Path, train: usize) -> PathBuf {
    let data = dir.join("data");
    let wh = dir.join("wh");
    let (ok, _, err) = cytologia(&wh, &["synth", "--out", data.to_str().unwrap(), "--train", &train.to_string(), "--test", "4"]);
    assert!(ok, "{err}");
    for s in ["sql/01_ingest.sql", "sql/02_clean.sql", "sql/03_folds.sql", "sql/train/03_train_crops.sql"] {
        let script = repo().join(s).display().to_string();
        let (ok, _, err) = cytologia(&wh, &["run", &script, "--set", &format!("data={}", data.display())]);
        assert!(ok, "{s}: {err}");
    }
    wh
}
