//! A damaged end of a table's log (an empty entry from a power loss, a truncated one, a missing
//! one) gives a clear error naming the file, leaves the rest of the warehouse usable, and
//! `cytologia repair` rolls the table back to its last readable version.
use std::path::Path;

use crate::common::{csv, cytologia};
use crate::record;

fn entry(wh: &Path, table: &str, version: u64) -> std::path::PathBuf {
    wh.join(table).join("_delta_log").join(format!("{version:020}.json"))
}

/// A table with three versions: 1 row, then 2, then 3.
fn three_versions(wh: &Path) {
    for sql in ["CREATE TABLE t AS SELECT 1 AS x", "INSERT INTO t VALUES (2)", "INSERT INTO t VALUES (3)"] {
        let (ok, _, err) = cytologia(wh, &["sql", sql]);
        assert!(ok, "{sql}: {err}");
    }
}

#[test]
fn damaged_entries_are_named_and_repaired() {
    type Damage = fn(&Path);
    let cases: [(&str, Damage, &str, &str); 3] = [
        ("empty last entry", |p| std::fs::write(p, b"").unwrap(), "is empty", "n\n2\n"),
        (
            "truncated last entry",
            |p| {
                let b = std::fs::read(p).unwrap();
                std::fs::write(p, &b[..b.len() * 2 / 3]).unwrap()
            },
            "cut short",
            "n\n2\n",
        ),
        ("missing middle entry", |p| std::fs::remove_file(p.with_file_name(format!("{:020}.json", 1))).unwrap(), "missing", "n\n1\n"),
    ];
    for (what, damage, why, after_repair) in cases {
        let dir = tempfile::tempdir().unwrap();
        let wh = dir.path().join("wh");
        three_versions(&wh);
        damage(&entry(&wh, "t", 2));
        let (ok, _, err) = cytologia(&wh, &["sql", "SELECT count(*) FROM t"]);
        assert!(!ok, "{what}: a damaged table must not read as if whole");
        assert!(err.contains("_delta_log/0000000000000000000") && err.contains(why) && err.contains("cytologia repair t"), "{what}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
        let (ok, _, err) = cytologia(&wh, &["sql", "INSERT INTO t VALUES (4)"]);
        assert!(!ok && err.contains("cytologia repair t"), "{what}: writes refused too: {err}");
        // The rest of the warehouse still works, and the catalog still lists the table.
        assert_eq!(csv(&wh, "SELECT count(*) AS n FROM classes"), "n\n23\n");
        assert!(csv(&wh, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").lines().any(|l| l == "t"), "{what}");
        let (ok, out, err) = cytologia(&wh, &["repair", "t"]);
        assert!(ok, "{what}: {err}");
        assert!(out.contains("rolled back from version 2"), "{what}: {out}");
        assert_eq!(csv(&wh, "SELECT count(*) AS n FROM t"), after_repair, "{what}");
        // The damaged entry is kept, and the table takes writes again.
        assert!(std::fs::read_dir(wh.join("t/_damaged")).unwrap().next().is_some(), "{what}: damaged entry kept");
        let (ok, _, err) = cytologia(&wh, &["sql", "INSERT INTO t VALUES (9)"]);
        assert!(ok, "{what}: {err}");
        let (ok, out, _) = cytologia(&wh, &["repair", "t"]);
        assert!(ok && out.contains("nothing to repair"), "{what}: {out}");
        record(&format!("damaged log: {what}: clear error, repair restored a readable version"));
    }
}

#[test]
fn a_damaged_first_entry_cannot_be_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let (ok, _, err) = cytologia(&wh, &["sql", "CREATE TABLE t AS SELECT 1 AS x"]);
    assert!(ok, "{err}");
    std::fs::write(entry(&wh, "t", 0), b"").unwrap();
    let (ok, _, err) = cytologia(&wh, &["repair", "t"]);
    assert!(!ok && err.contains("DROP TABLE t"), "{err}");
    let (ok, _, err) = cytologia(&wh, &["sql", "DROP TABLE t"]);
    assert!(ok, "DROP stays possible: {err}");
}
