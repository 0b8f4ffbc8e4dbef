//! The sqllogictest runner: every `tests/slt/<family>/<name>.slt` file, each in a fresh engine
//! over a temporary warehouse, as DataFusion runs its own.
//!
//! ```text
//! cargo test --release --test slt                      every file
//! cargo test --release --test slt -- vector softmax    files whose path contains any filter
//! cargo test --release --test slt -- softmax --complete   rewrite the expected results
//! ```
//! `--complete` runs each statement and writes what it returned into the file (never in CI:
//! review the diff before committing).
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use futures::StreamExt;
use sqllogictest::{DBOutput, DefaultColumnType};

use cytologia::{Config, Engine, Output};

struct Db {
    engine: Engine,
    _dir: tempfile::TempDir,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DbError(String);

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for Db {
    type Error = DbError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<Self::ColumnType>, Self::Error> {
        let out = self.engine.execute(sql).await.map_err(|e| DbError(e.to_string()))?;
        match out {
            Output::Done(_) => Ok(DBOutput::StatementComplete(0)),
            Output::Rows { schema, mut stream } => {
                let mut rows = Vec::new();
                while let Some(batch) = stream.next().await {
                    let batch = batch.map_err(|e| DbError(e.to_string()))?;
                    rows.extend(format_batch(&batch).map_err(DbError)?);
                }
                let types = vec![DefaultColumnType::Any; schema.fields().len()];
                Ok(DBOutput::Rows { types, rows })
            }
        }
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "cytologia"
    }

    async fn sleep(dur: std::time::Duration) {
        tokio::time::sleep(dur).await
    }
}

fn format_batch(batch: &RecordBatch) -> Result<Vec<Vec<String>>, String> {
    let options = FormatOptions::default().with_null("NULL");
    let formatters: Vec<_> =
        batch.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &options)).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    Ok((0..batch.num_rows())
        .map(|r| {
            formatters
                .iter()
                .zip(batch.columns())
                .map(|(f, c)| {
                    if c.is_null(r) {
                        return "NULL".to_string();
                    }
                    let s = f.value(r).to_string();
                    if s.is_empty() { "(empty)".to_string() } else { s }
                })
                .collect()
        })
        .collect())
}

fn slt_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            slt_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "slt") {
            out.push(p);
        }
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn runner() -> sqllogictest::Runner<Db, impl sqllogictest::MakeConnection<Conn = Db>> {
    let mut runner = sqllogictest::Runner::new(|| async {
        let dir = tempfile::tempdir().map_err(|e| DbError(e.to_string()))?;
        let config = Config::default().with_warehouse(dir.path().join("wh").display().to_string());
        let engine = cytologia::build(&config).await.map_err(|e| DbError(e.to_string()))?;
        Ok(Db { engine, _dir: dir })
    });
    runner.set_var("REPO".into(), repo().display().to_string());
    runner
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let complete = args.iter().any(|a| a == "--complete");
    // Flags cargo's own harness takes (e.g. --nocapture, --test-threads) mean nothing here.
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let root = repo().join("tests/slt");
    let mut files = Vec::new();
    slt_files(&root, &mut files);
    files.sort();
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| {
            let rel = f.strip_prefix(&root).unwrap_or(f).to_string_lossy().into_owned();
            filters.is_empty() || filters.iter().any(|flt| rel.contains(flt.as_str()))
        })
        .collect();
    if files.is_empty() {
        eprintln!("no .slt file under {} matches {filters:?}", root.display());
        return ExitCode::FAILURE;
    }
    // The engine's runtime: planning and workers on its large stacks, as in the CLI.
    cytologia::runtime::run(move || run_files(root, files, complete)).expect("a tokio runtime")
}

async fn run_files(root: PathBuf, files: Vec<PathBuf>, complete: bool) -> ExitCode {
    let (mut passed, mut failed) = (0, 0);
    let started = std::time::Instant::now();
    for file in &files {
        let rel = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        let t = std::time::Instant::now();
        let mut r = runner();
        let result = if complete {
            r.update_test_file(file, " ", sqllogictest::default_validator, sqllogictest::default_normalizer, sqllogictest::default_column_validator)
                .await
                .map_err(|e| e.to_string())
        } else {
            r.run_file_async(file).await.map_err(|e| e.to_string())
        };
        match result {
            Ok(()) => {
                passed += 1;
                eprintln!("slt ok   {rel} ({:.1} s){}", t.elapsed().as_secs_f64(), if complete { " rewritten" } else { "" });
            }
            Err(e) => {
                failed += 1;
                eprintln!("slt FAIL {rel}\n{e}");
            }
        }
    }
    eprintln!("sqllogictest: {} files in {:.0} s", files.len(), started.elapsed().as_secs_f64());
    println!("slt: {passed} passed, {failed} failed");
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
