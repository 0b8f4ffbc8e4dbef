//! Warehouses made by an older build keep their data: tests/fixtures/warehouse_v1 was written
//! by the build before catalog versions (catalog version 1, see tests/fixtures/README.md).
use std::path::Path;

use crate::common::{csv, cytologia, repo};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() { copy_dir(&e.path(), &target) } else { std::fs::copy(e.path(), &target).map(|_| ()).unwrap() }
    }
}

#[test]
fn an_older_warehouse_is_upgraded_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    copy_dir(&repo().join("tests/fixtures/warehouse_v1"), &wh);
    let (ok, out, err) = cytologia(
        &wh,
        &[
            "sql",
            "--format",
            "csv",
            "SELECT (SELECT count(*) FROM labels) AS l, (SELECT count(*) FROM test_rows) AS t, (SELECT count(*) FROM submission) AS s, (SELECT count(*) FROM classes) AS c",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out, "l,t,s,c\n3,2,2,23\n");
    assert!(err.contains("added submission.row_number") && err.contains("upgraded from version 1 to 3"), "{err}");
    // Every value survived, and the new column is there (NULL in the old rows).
    assert_eq!(
        csv(&wh, "SELECT trustii_id, name, x1, y1, x2, y2, class, row_number IS NULL AS new_col_null FROM submission ORDER BY trustii_id"),
        "trustii_id,name,x1,y1,x2,y2,class,new_col_null\n101,c.jpg,1,2,30,40,PNN,true\n102,d.jpg,3,4,50,60,LY,true\n"
    );
    assert_eq!(csv(&wh, "SELECT string_agg(class, ' ' ORDER BY row_number) AS c FROM labels"), "c\nPNN LY MO\n");
    let version: serde_json::Value = serde_json::from_slice(&std::fs::read(wh.join("_cytologia/catalog.json")).unwrap()).unwrap();
    assert_eq!(version["version"], 3);
    // Version 3's table and views are there, over the old rows.
    assert_eq!(csv(&wh, "SELECT (SELECT count(*) FROM oof_predictions) AS o, (SELECT sum(support) FROM submission_class_errors) AS s"), "o,s\n0,\n");
    // The upgrade happens once.
    let (ok, _, err) = cytologia(&wh, &["sql", "SELECT 1"]);
    assert!(ok && !err.contains("catalog"), "{err}");
}

#[test]
fn a_newer_warehouse_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    assert!(cytologia(&wh, &["init"]).0);
    std::fs::write(wh.join("_cytologia/catalog.json"), r#"{"version": 99}"#).unwrap();
    let (ok, _, err) = cytologia(&wh, &["sql", "SELECT 1"]);
    assert!(!ok);
    assert!(err.contains("catalog version 99") && err.contains("newer cytologia"), "{err}");
}
