//! A table's Delta log as files: which commit versions exist, whether the newest ones are
//! readable, and rolling a damaged end of the log back. Reading the listing directly (instead
//! of loading the table) answers "what is the latest version" in one LIST, bounds `table_at`
//! before Delta is asked for a version, and finds a damaged entry before Delta reads it (Delta
//! reads an empty entry as an empty commit, and fails on a truncated one without naming it).
use futures::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::error::{Error, Result};

/// The version of a commit file name (`00000000000000000012.json` is 12).
pub fn commit_version(file_name: &str) -> Option<i64> {
    let digits = file_name.strip_suffix(".json")?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse().ok()).flatten()
}

/// The commit versions in `table`'s log, ascending.
pub async fn commit_versions(store: &dyn ObjectStore, table: &str) -> Result<Vec<i64>> {
    let log = ObjectPath::from(format!("{table}/_delta_log"));
    let entries: Vec<_> = match store.list(Some(&log)).try_collect().await {
        Ok(e) => e,
        Err(object_store::Error::NotFound { .. }) => Vec::new(),
        Err(e) => return Err(Error::table(table, format!("cannot list its log: {e}"))),
    };
    let mut versions: Vec<i64> = entries.iter().filter_map(|m| m.location.filename().and_then(commit_version)).collect();
    versions.sort_unstable();
    Ok(versions)
}

/// Folder, inside a table, where `repair` keeps the log entries it takes out.
pub const DAMAGED_DIR: &str = "_damaged";

fn commit_path(table: &str, version: i64) -> ObjectPath {
    ObjectPath::from(format!("{table}/_delta_log/{version:020}.json"))
}

/// What is wrong with the end of a table's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The first version that cannot be read; every later entry is rolled back with it.
    pub version: i64,
    pub file: String,
    pub why: String,
}

/// Why a commit file's bytes are not a readable Delta commit, if they are not.
pub fn unreadable(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return Some("the file is empty (a write that never reached the disk)".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}")).err();
    if text.is_some() {
        return text;
    }
    let text = String::from_utf8_lossy(bytes);
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) if v.is_object() => {}
            Ok(_) => return Some(format!("line {} is not a Delta action", i + 1)),
            Err(e) => return Some(format!("line {} is not complete JSON ({e}): the file was cut short", i + 1)),
        }
    }
    if !text.ends_with('\n') && serde_json::from_str::<serde_json::Value>(text.lines().last().unwrap_or("")).is_err() {
        return Some("the last line is cut short".into());
    }
    None
}

/// Checks the newest entries of `table`'s log: contiguous versions, and a readable last entry.
/// `Ok(None)`: nothing wrong.
pub async fn damage(store: &dyn ObjectStore, table: &str) -> Result<Option<Damage>> {
    damage_in(store, table, &commit_versions(store, table).await?).await
}

/// [`damage`] for the commit versions already listed.
pub async fn damage_in(store: &dyn ObjectStore, table: &str, versions: &[i64]) -> Result<Option<Damage>> {
    let Some(&last) = versions.last() else { return Ok(None) };
    // A gap: the entry after it cannot be applied.
    for w in versions.windows(2) {
        if w[1] != w[0] + 1 {
            let missing = w[0] + 1;
            return Ok(Some(Damage { version: missing, file: commit_path(table, missing).to_string(), why: "this log entry is missing".into() }));
        }
    }
    let path = commit_path(table, last);
    let bytes = store.get(&path).await.map_err(|e| Error::table(table, format!("cannot read {path}: {e}")))?.bytes().await;
    let bytes = bytes.map_err(|e| Error::table(table, format!("cannot read {path}: {e}")))?;
    Ok(unreadable(&bytes).map(|why| Damage { version: last, file: path.to_string(), why }))
}

/// The error a damaged table gives to every statement until it is repaired.
pub fn damaged_error(table: &str, d: &Damage) -> Error {
    Error::DamagedLog {
        table: table.to_string(),
        message: format!(
            "log entry {} (version {}) is damaged: {}; `cytologia repair {table}` rolls the table back to version {} and keeps the damaged entry aside",
            d.file,
            d.version,
            d.why,
            d.version - 1
        ),
    }
}

/// What `repair` did.
#[derive(Debug)]
pub struct Repaired {
    pub from_version: i64,
    pub to_version: i64,
    pub kept: Vec<String>,
}

/// Rolls `table` back to the version before its damage: the damaged entry and every later
/// one (with their checkpoints) move to `TABLE/_damaged/`, nothing is deleted.
pub async fn repair(store: &dyn ObjectStore, table: &str) -> Result<Option<Repaired>> {
    let Some(d) = damage(store, table).await? else { return Ok(None) };
    let versions = commit_versions(store, table).await?;
    let from_version = versions.last().copied().unwrap_or(d.version);
    if d.version == 0 {
        return Err(Error::table(
            table,
            format!("its first log entry is damaged ({}): there is no earlier version to roll back to; DROP TABLE {table} and create it again", d.why),
        ));
    }
    let log = ObjectPath::from(format!("{table}/_delta_log"));
    let entries: Vec<_> = store.list(Some(&log)).try_collect().await.map_err(|e| Error::table(table, format!("cannot list its log: {e}")))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut kept = Vec::new();
    for m in entries {
        let Some(name) = m.location.filename().map(str::to_string) else { continue };
        let version = name.split('.').next().and_then(|v| (v.len() == 20).then(|| v.parse::<i64>().ok()).flatten());
        let after = version.is_some_and(|v| v >= d.version);
        // The checkpoint pointer may name a rolled-back checkpoint: Delta lists the log without it.
        if after || name == "_last_checkpoint" {
            let to = ObjectPath::from(format!("{table}/{DAMAGED_DIR}/{stamp}/{name}"));
            store.rename(&m.location, &to).await.map_err(|e| Error::table(table, format!("cannot move {} aside: {e}", m.location)))?;
            kept.push(to.to_string());
        }
    }
    Ok(Some(Repaired { from_version, to_version: d.version - 1, kept }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_entries_are_named() {
        assert!(unreadable(b"").unwrap().contains("empty"));
        assert!(unreadable(b"{\"commitInfo\":{}}\n{\"add\":{\"path\":").unwrap().contains("line 2"));
        assert!(unreadable(b"{\"commitInfo\":{}}\n[1]\n").unwrap().contains("not a Delta action"));
        assert!(unreadable(b"\xff\xfe").unwrap().contains("UTF-8"));
        assert_eq!(unreadable(b"{\"commitInfo\":{}}\n{\"add\":{}}\n"), None);
        assert_eq!(unreadable(b"{\"commitInfo\":{}}"), None);
    }

    #[test]
    fn commit_file_names() {
        assert_eq!(commit_version("00000000000000000012.json"), Some(12));
        assert_eq!(commit_version("00000000000000000012.checkpoint.parquet"), None);
        assert_eq!(commit_version("_last_checkpoint"), None);
        assert_eq!(commit_version("0012.json"), None);
        assert_eq!(commit_version("99999999999999999999.json"), None);
    }
}
