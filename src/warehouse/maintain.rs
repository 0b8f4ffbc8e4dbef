//! `cytologia maintain`: tables that grow by many small commits (nightly appends, one commit
//! per training evaluation) read slowly, and every `CREATE OR REPLACE` leaves the old files
//! behind. Maintenance compacts a table's small files into few large ones (Delta optimize, one
//! commit that changes no row) and then deletes the files no version within the retention
//! period refers to (Delta vacuum). Versions older than the retention period lose their files:
//! `table_at` keeps working within it.
use std::num::NonZeroU64;

use deltalake::DeltaTable;

use super::Warehouse;
use crate::error::{Error, Result, delta_error};

/// How long files no longer in the latest version are kept: a week, Delta's default.
pub const DEFAULT_RETENTION_HOURS: u64 = 168;
/// The size compaction aims at for each file: Delta's default.
pub const DEFAULT_TARGET_FILE_MB: u64 = 100;

#[derive(Debug, Clone)]
pub struct MaintainOptions {
    pub retention_hours: u64,
    pub target_file_mb: u64,
    /// Report what would be compacted and deleted, changing nothing.
    pub dry_run: bool,
}

impl Default for MaintainOptions {
    fn default() -> Self {
        MaintainOptions { retention_hours: DEFAULT_RETENTION_HOURS, target_file_mb: DEFAULT_TARGET_FILE_MB, dry_run: false }
    }
}

/// What maintenance did to one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maintained {
    pub table: String,
    /// Data files of the latest version, before and after compaction.
    pub files_before: usize,
    pub files_after: usize,
    /// Files deleted by vacuum (or that would be, in a dry run).
    pub files_deleted: usize,
    /// The table's latest version afterwards.
    pub version: i64,
}

fn data_files(name: &str, t: &DeltaTable) -> Result<usize> {
    Ok(t.get_file_uris().map_err(|e| delta_error(name, e))?.count())
}

impl Warehouse {
    /// Compacts and vacuums table `name` (see the module's text).
    pub async fn maintain(&self, name: &str, opts: &MaintainOptions) -> Result<Maintained> {
        let table = self.open_table(name, None).await?;
        let files_before = data_files(name, &table)?;
        let target = NonZeroU64::new(opts.target_file_mb.max(1) << 20).ok_or_else(|| Error::table(name, "target file size must be positive"))?;
        let table = if opts.dry_run || files_before < 2 {
            table
        } else {
            let (t, _) = table.optimize().with_target_size(target).await.map_err(|e| delta_error(name, e))?;
            t
        };
        let files_after = data_files(name, &table)?;
        let retention = i64::try_from(opts.retention_hours)
            .ok()
            .and_then(chrono::Duration::try_hours)
            .ok_or_else(|| Error::table(name, format!("retention period of {} hours is out of range", opts.retention_hours)))?;
        // The retention period is the caller's to choose (0 keeps only the latest version's
        // files); Delta refuses one below the table's own setting unless told otherwise.
        let (table, vacuumed) = table
            .vacuum()
            .with_retention_period(retention)
            .with_enforce_retention_duration(false)
            .with_dry_run(opts.dry_run)
            .await
            .map_err(|e| delta_error(name, e))?;
        Ok(Maintained {
            table: name.to_string(),
            files_before,
            files_after,
            files_deleted: vacuumed.files_deleted.len(),
            version: table.version().unwrap_or(0) as i64,
        })
    }
}
