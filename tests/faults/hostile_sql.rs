//! Generated SQL of ordinary size (long OR lists, long sums, many UNION ALL branches) runs or
//! fails with a clear error; it never exhausts the stack. Time travel past the last version
//! is refused at once.
use std::time::Instant;

use crate::common::cytologia;
use crate::record;

/// Runs `sql` from a script file (a statement this long does not fit in one argument).
fn run(wh: &std::path::Path, sql: &str) -> (bool, String, String, f64) {
    let file = wh.with_extension("sql");
    std::fs::write(&file, sql).unwrap();
    let t = Instant::now();
    let (ok, out, err) = cytologia(wh, &["run", "--format", "csv", file.to_str().unwrap()]);
    (ok, out, err, t.elapsed().as_secs_f64())
}

#[test]
fn long_generated_statements_run() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let cases: Vec<(&str, String, &str)> = vec![
        // Planning a chain of + is quadratic in DataFusion (a 10,000-term sum takes minutes:
        // docs/reliability.md); 3,000 terms keep the suite short.
        ("3,000-term sum", format!("SELECT {} AS s", vec!["1"; 3_000].join("+")), "s\n3000\n"),
        (
            "10,000-term OR",
            format!(
                "SELECT count(*) AS n FROM (VALUES (1), (5000), (20000)) t(x) WHERE {}",
                (0..10_000).map(|i| format!("x = {i}")).collect::<Vec<_>>().join(" OR ")
            ),
            "n\n2\n",
        ),
        (
            "5,000 UNION ALL branches",
            format!("SELECT count(*) AS n FROM ({})", (0..5_000).map(|i| format!("SELECT {i} AS v")).collect::<Vec<_>>().join(" UNION ALL ")),
            "n\n5000\n",
        ),
        (
            "10,000-element IN list",
            format!("SELECT count(*) AS n FROM (VALUES (1), (20000)) t(x) WHERE x IN ({})", (0..10_000).map(|i| i.to_string()).collect::<Vec<_>>().join(",")),
            "n\n1\n",
        ),
    ];
    for (what, sql, want) in cases {
        let (ok, out, err, secs) = run(&wh, &sql);
        assert!(ok, "{what}: {err}");
        assert_eq!(out, want, "{what}");
        record(&format!("hostile SQL: {what} ({} KB): ran in {secs:.1} s", sql.len() / 1024));
    }
}

#[test]
fn nesting_beyond_the_limit_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let cases = [
        ("30,000-term difference", format!("SELECT {}", vec!["1"; 30_000].join(" - "))),
        ("100 nested parentheses", format!("SELECT {}1{}", "(".repeat(100), ")".repeat(100))),
        ("100 nested subqueries", format!("SELECT * FROM {}SELECT 1{}", "(".repeat(100), ") t".repeat(100))),
    ];
    for (what, sql) in cases {
        let (ok, _, err, secs) = run(&wh, &sql);
        assert!(!ok, "{what} must be refused");
        assert!(err.starts_with("error: ") && err.trim_end().lines().count() == 1, "{what}: one line: {err}");
        assert!(err.contains("too deeply nested"), "{what}: {err}");
        record(&format!("hostile SQL: {what}: refused in {secs:.1} s ({})", err.trim()));
    }
}

#[test]
fn time_travel_past_the_end_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let (ok, _, err) = cytologia(&wh, &["sql", "CREATE TABLE t AS SELECT 1 AS x"]);
    assert!(ok, "{err}");
    for v in ["1", "9223372036854775807"] {
        let (ok, _, err, secs) = run(&wh, &format!("SELECT * FROM table_at(t, version => {v})"));
        assert!(!ok);
        assert!(err.contains(&format!("version {v} does not exist")) && err.contains("from 0 to 0"), "{err}");
        record(&format!("table_at(version => {v}) on a 1-version table: refused in {secs:.2} s"));
    }
}
