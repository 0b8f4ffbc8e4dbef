//! End-to-end tests of the `cytologia` binary.
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::common::{bin, csv, cytologia, repo};

#[test]
fn tables_persist_across_processes() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let (ok, out, err) = cytologia(&wh, &["sql", "CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(id, tag)"]);
    assert!(ok, "{err}");
    assert!(out.contains("created table t (2 rows)"), "{out}");
    assert_eq!(csv(&wh, "INSERT INTO t VALUES (3, 'c'); SELECT id, tag FROM t ORDER BY id"), "id,tag\n1,a\n2,b\n3,c\n");
    // A view persists too and sees later writes.
    csv(&wh, "CREATE VIEW big AS SELECT id FROM t WHERE id >= 2");
    csv(&wh, "INSERT INTO t VALUES (9, 'z')");
    assert_eq!(csv(&wh, "SELECT id FROM big ORDER BY id"), "id\n2\n3\n9\n");
    // Earlier versions stay readable.
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM table_at(t, version => 0)"), "n\n2\n");
    assert_eq!(csv(&wh, "SELECT max(version) AS v FROM table_history(t)"), "v\n2\n");
    csv(&wh, "DROP VIEW big; DROP TABLE t");
    let (ok, _, err) = cytologia(&wh, &["sql", "SELECT * FROM t"]);
    assert!(!ok);
    assert!(err.contains("t' not found"), "{err}");
}

#[test]
fn formats_csv_json_table() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let q = "SELECT 1 AS a, 'x,y' AS b UNION ALL SELECT 2, NULL ORDER BY a";
    assert_eq!(csv(&wh, q), "a,b\n1,\"x,y\"\n2,\n");
    let (ok, out, _) = cytologia(&wh, &["sql", "--format", "json", q]);
    assert!(ok);
    assert_eq!(out.trim(), r#"[{"a":1,"b":"x,y"},{"a":2}]"#);
    let (ok, out, _) = cytologia(&wh, &["sql", q]);
    assert!(ok);
    assert!(out.contains("| a | b   |"), "{out}");
    assert!(out.contains("2 rows"), "{out}");
    // Empty results still print the header.
    assert_eq!(csv(&wh, "SELECT 1 AS only WHERE false"), "only\n");
    // Structs and lists are JSON in CSV; NULL stays empty.
    assert_eq!(
        csv(&wh, "SELECT s, l FROM (SELECT 1 AS k, named_struct('a', 1, 'b', 'x,y') AS s, [1.5, 2.0] AS l UNION ALL SELECT 2, NULL, NULL) ORDER BY k"),
        "s,l\n\"{\"\"a\"\":1,\"\"b\"\":\"\"x,y\"\"}\",\"[1.5,2.0]\"\n,\n"
    );
}

#[test]
fn errors_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    for (sql, needle) in [
        ("SELEC 1", "SQL error"),
        ("SELECT * FROM no_such_table", "no_such_table"),
        ("SELECT * FROM 'no/such/file.csv'", "no/such/file.csv"),
        ("SELECT * FROM profile(classes, bogus => 1)", "unknown option 'bogus'"),
        ("SELECT * FROM table_at(classes, version => 99)", "version 99 does not exist"),
        ("CREATE TABLE classes AS SELECT 1", "already exists"),
    ] {
        let (ok, out, err) = cytologia(&wh, &["sql", sql]);
        assert!(!ok, "{sql} should fail");
        assert!(out.is_empty(), "{sql}: nothing on stdout, got {out}");
        assert!(err.starts_with("error: "), "{sql}: {err}");
        assert!(err.contains(needle), "{sql}: expected '{needle}' in: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{sql}: one line, got: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// `--role analyst`: queries run, writes through SQL and through the commands are refused.
#[test]
fn an_analyst_reads_and_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    assert_eq!(csv(&wh, "CREATE TABLE t AS SELECT 1 AS v; SELECT v FROM t"), "v\n1\n");
    let (ok, out, _) = cytologia(&wh, &["--role", "analyst", "sql", "--format", "csv", "SELECT v FROM t"]);
    assert!(ok && out == "v\n1\n", "{out}");
    for args in [vec!["sql", "DROP TABLE t"], vec!["maintain"], vec!["repair", "t"], vec!["init"]] {
        let (ok, _, err) = cytologia(&wh, &[&["--role", "analyst"], args.as_slice()].concat());
        assert!(!ok && err.starts_with("error: read-only session") && err.contains("25006"), "{args:?}: {err}");
    }
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM t"), "n\n1\n");
}

#[test]
fn scripts_with_parameters_stop_at_first_error() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let script = dir.path().join("s.sql");
    std::fs::write(&script, "-- a script\nCREATE TABLE f AS SELECT ${fold:int} AS fold;\n\nSELECT fold * 10 AS x FROM f;\nSELECT * FROM missing_table WHERE x = ${fold:int};\nCREATE TABLE never AS SELECT 1;\n").unwrap();
    let s = script.to_str().unwrap();
    let (ok, out, err) = cytologia(&wh, &["run", s, "--set", "fold=3", "--format", "csv"]);
    assert!(!ok, "the third statement must fail");
    assert!(out.contains("x\n30\n"), "{out}");
    assert!(err.contains(&format!("{s}:5:")), "error names file and line: {err}");
    assert!(err.contains("missing_table"), "{err}");
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'never'"), "n\n0\n");
    // A missing parameter is reported before anything runs.
    let (ok, _, err) = cytologia(&wh, &["run", s]);
    assert!(!ok);
    assert!(err.contains(":2:") && err.contains("--set fold=VALUE"), "{err}");
    // A value that does not fit its declared type stops the script before anything runs.
    let (ok, _, err) = cytologia(&wh, &["run", s, "--set", "fold=3; DROP TABLE f"]);
    assert!(!ok);
    assert!(err.contains(":2:") && err.contains("parameter 'fold' must be an integer"), "{err}");
    // A missing file.
    let (ok, _, err) = cytologia(&wh, &["run", "/no/such/script.sql"]);
    assert!(!ok);
    assert!(err.contains("/no/such/script.sql"), "{err}");
}

#[test]
fn parameters_are_values_whatever_they_hold() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let script = dir.path().join("p.sql");
    std::fs::write(&script, "CREATE OR REPLACE TABLE p AS SELECT ${v} AS bare, '${v}/train.csv' AS quoted;\nSELECT 1 AS after;\n").unwrap();
    let s = script.to_str().unwrap();
    for v in ["/srv/o'brien", "x'; DROP TABLE classes; --", "a\\'b", "line\nbreak", "${v}", "';--", "\"quoted\""] {
        let (ok, out, err) = cytologia(&wh, &["run", s, "--set", &format!("v={v}"), "--format", "csv"]);
        assert!(ok, "{v}: {err}");
        assert_eq!(out, "after\n1\n", "{v}: exactly the script's statements ran");
        // Each placeholder became exactly the value: bare as a literal, quoted inside one.
        assert_eq!(csv(&wh, &format!("SELECT count(*) AS n FROM p WHERE bare = '{0}' AND quoted = '{0}/train.csv'", v.replace('\'', "''"))), "n\n1\n", "{v}");
        assert_eq!(csv(&wh, "SELECT count(*) AS n FROM classes"), "n\n23\n", "{v} changed the catalog");
    }
}

#[test]
fn functions_are_listed_and_docs_reference_is_current() {
    let out = Command::new(bin()).args(["functions", "--markdown"]).output().unwrap();
    assert!(out.status.success());
    let reference = String::from_utf8(out.stdout).unwrap();
    for name in ["image_info", "decode_image", "encode_png", "table_at", "table_history", "profile", "runtime_info"] {
        assert!(reference.contains(&format!("### `{name}`")), "{name} missing from the reference");
    }
    // docs/functions.md is scripts/gen-docs' fixed title followed by the generated reference,
    // which starts with its "generated by" comment and runs to the end of the file.
    let doc = std::fs::read_to_string(repo().join("docs/functions.md")).unwrap();
    let start = doc.find("<!-- generated by").expect("docs/functions.md holds the generated reference: run scripts/gen-docs");
    assert_eq!(&doc[start..], reference.as_str(), "docs/functions.md is stale: run scripts/gen-docs");
}

#[test]
fn killed_writer_leaves_previous_version_readable() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    csv(&wh, "CREATE TABLE big AS SELECT value AS v FROM generate_series(1, 1000) AS g(value)");
    // A replace that takes many seconds (a large cross join), killed mid-write.
    let mut child = Command::new(bin())
        .arg("--warehouse")
        .arg(&wh)
        .args(["sql", "CREATE OR REPLACE TABLE big AS SELECT a.value * 100000 + b.value AS v, repeat('x', 64) AS pad FROM generate_series(1, 100000) a, generate_series(1, 3000) b"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Wait until the writer has produced data files, then kill it.
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let files = std::fs::read_dir(wh.join("big")).map(|d| d.count()).unwrap_or(0);
        if files > 2 || started.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    assert!(child.try_wait().unwrap().is_none(), "the writer finished before it could be killed");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(csv(&wh, "SELECT count(*) AS n, sum(v) AS s FROM big"), "n,s\n1000,500500\n");
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM table_history(big)"), "n\n1\n");
}

#[test]
fn concurrent_appends_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    csv(&wh, "CREATE TABLE log (writer BIGINT, i BIGINT)");
    let children: Vec<_> = (1..=4)
        .map(|w| {
            Command::new(bin())
                .arg("--warehouse")
                .arg(&wh)
                .args(["sql", &format!("INSERT INTO log SELECT {w}, value FROM generate_series(1, 500) AS g(value)")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut failed = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        if !out.status.success() {
            failed.push(String::from_utf8_lossy(&out.stderr).into_owned());
        }
    }
    // Every writer either committed all its rows or failed with a clear conflict error.
    for f in &failed {
        assert!(f.contains("another writer committed"), "{f}");
    }
    let committed = 4 - failed.len();
    assert!(committed >= 1);
    assert_eq!(csv(&wh, "SELECT count(*) AS n, count(DISTINCT writer) AS w FROM log"), format!("n,w\n{},{committed}\n", committed * 500));
}

#[test]
fn synth_is_deterministic_and_in_challenge_format() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    for (out, seed) in [(&a, "7"), (&b, "7"), (&c, "8")] {
        let st = Command::new(bin()).args(["synth", "--out", out.to_str().unwrap(), "--train", "60", "--test", "20", "--seed", seed]).output().unwrap();
        assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    }
    let listing = |d: &std::path::Path| {
        let mut v: Vec<_> = walk(d).into_iter().map(|p| (p.strip_prefix(d).unwrap().to_path_buf(), std::fs::read(&p).unwrap())).collect();
        v.sort();
        v
    };
    let (la, lb, lc) = (listing(&a), listing(&b), listing(&c));
    assert_eq!(la.len(), lb.len());
    assert!(la == lb, "same seed must give byte-identical output");
    assert!(la != lc, "another seed must differ");
    let train = std::fs::read_to_string(a.join("train.csv")).unwrap();
    assert!(train.starts_with("NAME,x1,y1,x2,y2,class\n"));
    let test = std::fs::read_to_string(a.join("test.csv")).unwrap();
    assert!(test.starts_with("trustii_id,NAME\n"));
    let truth = std::fs::read_to_string(a.join("test_truth.csv")).unwrap();
    assert!(truth.starts_with("trustii_id,NAME,x1,y1,x2,y2,class\n"));
    assert_eq!(truth.lines().count(), test.lines().count());
    let jpgs = std::fs::read_dir(a.join("images")).unwrap().count();
    assert!(jpgs >= 80, "expected at least 80 images, got {jpgs}");
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest.is_object());
    // The engine reads the generated images: every train image decodes to its header size.
    let wh = dir.path().join("wh");
    let images = a.join("images");
    let q = format!(
        "SELECT count(*) AS n, sum(CASE WHEN decode_image('{}/' || \"NAME\")['width'] = image_info('{}/' || \"NAME\")['width'] THEN 1 ELSE 0 END) AS same \
         FROM (SELECT DISTINCT \"NAME\" FROM '{}')",
        images.display(),
        images.display(),
        a.join("train.csv").display()
    );
    let out = csv(&wh, &q);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[0], row[1], "{out}");
}

fn walk(d: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn init_is_idempotent_and_creates_the_shared_tables() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let (ok, _, err) = cytologia(&wh, &["init"]);
    assert!(ok, "{err}");
    let (ok, _, err) = cytologia(&wh, &["init"]);
    assert!(ok, "{err}");
    let tables = csv(&wh, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
    for t in [
        "boxes",
        "classes",
        "detections",
        "final_predictions",
        "folds",
        "images",
        "label_summary",
        "labels",
        "models",
        "oof_boxes",
        "oof_matched",
        "predictions",
        "submission",
        "test_boxes",
        "test_rows",
        "test_truth",
    ] {
        assert!(tables.lines().any(|l| l == t), "{t} missing: {tables}");
    }
    assert_eq!(csv(&wh, "SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM classes"), "n,lo,hi\n23,0,22\n");
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM table_history(classes)"), "n\n1\n");
}

#[test]
fn maintain_compacts_small_commits_and_vacuums_within_retention() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let mut sql = String::from("CREATE TABLE t AS SELECT 1 AS x");
    for x in 2..=10 {
        sql.push_str(&format!("; INSERT INTO t VALUES ({x})"));
    }
    csv(&wh, &sql);
    let sum = |sql: &str| csv(&wh, sql).lines().nth(1).unwrap_or_default().to_string();
    assert_eq!(sum("SELECT sum(x) AS s FROM t"), "55");

    // A dry run changes nothing.
    let (ok, out, err) = cytologia(&wh, &["-q", "maintain", "t", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(out.contains("table t: 10 data files -> 10 (version 9); would delete 0 unused files"), "{out}");

    // Compaction: one file, the same rows, one more version; the old files stay for the
    // retention period, so an old version still reads.
    let (ok, out, err) = cytologia(&wh, &["maintain"]);
    assert!(ok, "{err}");
    assert!(out.contains("table t: 10 data files -> 1 (version 10); deleted 0 unused files"), "{out}");
    assert_eq!(sum("SELECT sum(x) AS s FROM t"), "55");
    assert_eq!(sum("SELECT sum(x) AS s FROM table_at(t, version => 3)"), "10");

    // With no retention, the files only old versions used are deleted; the latest reads.
    let (ok, out, err) = cytologia(&wh, &["maintain", "t", "--retention-hours", "0"]);
    assert!(ok, "{err}");
    assert!(out.contains("table t: 1 data files -> 1 (version"), "{out}");
    assert!(out.contains("deleted 10 unused files"), "{out}");
    assert_eq!(sum("SELECT sum(x) AS s FROM t"), "55");
    let (ok, _, _) = cytologia(&wh, &["sql", "SELECT sum(x) FROM table_at(t, version => 3)"]);
    assert!(!ok, "version 3's files are gone");

    let (ok, _, err) = cytologia(&wh, &["maintain", "missing"]);
    assert!(!ok && err.contains("missing") && err.contains("no such table"), "{err}");
}
