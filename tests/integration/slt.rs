//! Runs every `tests/slt/**/*.slt` file, each in a fresh engine over a temporary warehouse.
//! Files are named after the function (or topic) they test: tests/slt/<family>/<name>.slt.
use std::path::{Path, PathBuf};

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
    let formatters: Vec<_> = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqllogictest_files() {
    let root = super::common::repo().join("tests/slt");
    let mut files = Vec::new();
    slt_files(&root, &mut files);
    files.sort();
    let filter = std::env::var("SLT_FILTER").unwrap_or_default();
    assert!(files.len() >= 5, "expected the .slt files under {}", root.display());
    let mut failures = Vec::new();
    let mut ran = 0;
    for file in files.iter().filter(|f| f.to_string_lossy().contains(&filter)) {
        ran += 1;
        let mut runner = sqllogictest::Runner::new(|| async {
            let dir = tempfile::tempdir().map_err(|e| DbError(e.to_string()))?;
            let config = Config::default().with_warehouse(dir.path().join("wh").display().to_string());
            let engine = cytologia::build(&config).await.map_err(|e| DbError(e.to_string()))?;
            Ok(Db { engine, _dir: dir })
        });
        runner.set_var("REPO".into(), super::common::repo().display().to_string());
        let rel = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        match runner.run_file_async(file).await {
            Ok(()) => eprintln!("slt ok   {rel}"),
            Err(e) => {
                eprintln!("slt FAIL {rel}\n{e}");
                failures.push(format!("{rel}: {e}"));
            }
        }
    }
    assert!(ran > 0, "SLT_FILTER='{filter}' matched no file");
    assert!(failures.is_empty(), "{} of {ran} .slt files failed:\n{}", failures.len(), failures.join("\n\n"));
}
