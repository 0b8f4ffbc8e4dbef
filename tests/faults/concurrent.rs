//! Concurrent writers on one table: every write that reports success is in the table.
use crate::common::{csv, cytologia, repo, spawn_sql};
use crate::record;

#[test]
fn concurrent_registrations_are_all_kept() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    assert!(cytologia(&wh, &["init"]).0);
    let model = repo().join("tests/fixtures/models/classifier_fixture.onnx");
    let (writers, each) = (4, 25);
    let children: Vec<_> = (0..writers)
        .map(|w| {
            let sql: Vec<String> = (0..each)
                .map(|i| format!("SELECT count(*) FROM register_model(name => 'm{w}_{i}', task => 'classifier', uri => '{}')", model.display()))
                .collect();
            spawn_sql(&wh, &sql.join(";"))
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "a writer failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(csv(&wh, "SELECT count(*) AS n, count(DISTINCT name) AS d FROM models"), format!("n,d\n{0},{0}\n", writers * each));
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM models WHERE is_default"), "n\n1\n", "one default per task");
    record(&format!("concurrent writers: {writers} processes x {each} register_model: {} registered, 0 lost", writers * each));
}

#[test]
fn concurrent_inserts_and_replaces_never_lose_or_mix() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    assert!(cytologia(&wh, &["sql", "CREATE TABLE t AS SELECT 0 AS w, 0 AS i"]).0);
    // Inserts: each of 4 writers adds 10 rows in 10 statements; a statement may lose a commit
    // race and say so, but what reported success is there.
    let (writers, each) = (4, 10);
    let children: Vec<_> = (1..=writers)
        .map(|w| {
            let sql: Vec<String> = (0..each).map(|i| format!("INSERT INTO t VALUES ({w}, {i})")).collect();
            spawn_sql(&wh, &sql.join(";"))
        })
        .collect();
    let mut failed = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("another writer committed"), "{err}");
            failed += 1;
        }
    }
    assert_eq!(failed, 0, "appends do not conflict with appends");
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM t"), format!("n\n{}\n", 1 + writers * each));
    record(&format!("concurrent writers: {writers} processes x {each} INSERT on one table: {} rows, 0 lost", writers * each));

    // Replaces: each writer replaces the table with 1,000 rows of its own; the table ends as
    // exactly one writer's rows, never a mix.
    let children: Vec<_> =
        (1..=writers).map(|w| spawn_sql(&wh, &format!("CREATE OR REPLACE TABLE t AS SELECT {w} AS w, value AS i FROM generate_series(1, 1000)"))).collect();
    let mut ok = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        if out.status.success() {
            ok += 1;
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("another writer committed"), "{err}");
        }
    }
    assert!(ok >= 1);
    assert_eq!(csv(&wh, "SELECT count(*) AS n, count(DISTINCT w) AS writers FROM t"), "n,writers\n1000,1\n");
    record(&format!("concurrent writers: {writers} processes CREATE OR REPLACE one table: {ok} committed, the table holds one writer's rows"));
}
