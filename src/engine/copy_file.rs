//! `COPY (query) TO 'file.csv'` on a local path writes a temporary file beside the target,
//! syncs it and renames it over the target, so a killed or failed run leaves the previous
//! file intact (a cron job rebuilding submission.csv never publishes half a file).
use std::io::Write;
use std::path::{Path, PathBuf};

use cytologia_kernels::fs::AtomicFile;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::StreamExt;

use crate::error::{Error, Result};

/// The local path a COPY target names, when it is one (no scheme, or file://).
pub fn local_csv_target(url: &str, ext: &str) -> Option<PathBuf> {
    if !ext.eq_ignore_ascii_case("csv") {
        return None;
    }
    let path = match url.strip_prefix("file://") {
        Some(p) => p,
        None if url.contains("://") => return None,
        None => url,
    };
    path.to_ascii_lowercase().ends_with(".csv").then(|| PathBuf::from(path))
}

/// Streams `stream` into `target` atomically; returns the rows written.
pub async fn write_csv_atomic(target: &Path, mut stream: SendableRecordBatchStream) -> Result<u64> {
    let file = AtomicFile::new(target).map_err(|e| Error::io(target, e))?;
    let tmp = file.tmp_path().to_path_buf();
    let out = file.create().map_err(|e| Error::io(&tmp, e))?;
    let mut writer = WriterBuilder::new().with_header(true).build(std::io::BufWriter::new(out));
    let mut rows = 0u64;
    // A failure anywhere drops `file`, which removes the temporary file.
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        writer.write(&batch)?;
    }
    writer.into_inner().flush().map_err(|e| Error::io(&tmp, e))?;
    file.commit().map_err(|e| Error::io(target, e))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_csv_paths_are_taken_over() {
        assert_eq!(local_csv_target("out/sub.csv", "csv"), Some(PathBuf::from("out/sub.csv")));
        assert_eq!(local_csv_target("file:///tmp/a.CSV", "csv"), Some(PathBuf::from("/tmp/a.CSV")));
        assert_eq!(local_csv_target("s3://b/a.csv", "csv"), None);
        assert_eq!(local_csv_target("out/dir", "csv"), None);
        assert_eq!(local_csv_target("a.parquet", "parquet"), None);
    }
}
