//! kill -9 at seeded points of writing statements: the table holds the old or the new
//! version, never a mix, and a COPY target is absent or whole.
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{csv, cytologia, prepared_for_training, repo, spawn_sql};
use crate::{Seeded, record};

/// Kill points per kind of statement.
const KILLS: usize = 20;

fn run_and_kill(wh: &Path, sql: &str, after: Duration) -> bool {
    let mut child = spawn_sql(wh, sql);
    let until = Instant::now() + after;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.success();
        }
        if Instant::now() >= until {
            child.kill().unwrap();
            child.wait().unwrap();
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Kills `sql` at KILLS seeded points within its usual duration; `check` sees the warehouse
/// after each kill (and after the completed runs) and returns what state it found.
fn kill_points(kind: &str, wh: &Path, sql: &dyn Fn(usize) -> String, check: &dyn Fn(usize) -> String) {
    let t = Instant::now();
    assert!(run_and_kill(wh, &sql(0), Duration::from_secs(600)), "{kind}: the statement must complete when not killed");
    let full = t.elapsed();
    check(0);
    let mut rng = Seeded::new(kind.len() as u64);
    let mut states = std::collections::BTreeMap::<String, usize>::new();
    for k in 1..=KILLS {
        let at = full.mul_f64(rng.next_f64() * 1.1);
        run_and_kill(wh, &sql(k), at);
        *states.entry(check(k)).or_default() += 1;
    }
    record(&format!("kill -9: {kind}: {KILLS} kills within {:.1} s, 0 losses; states after the kills: {states:?}", full.as_secs_f64()));
}

#[test]
fn killed_table_writes_leave_old_or_new() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    assert!(cytologia(&wh, &["sql", "CREATE TABLE t AS SELECT 0 AS gen, value AS i FROM generate_series(1, 1000)"]).0);
    // CTAS: a killed replace leaves one whole generation (1,000 or 2,000,000 rows of one gen).
    kill_points(
        "CREATE OR REPLACE TABLE",
        &wh,
        &|k| format!("CREATE OR REPLACE TABLE t AS SELECT {k} AS gen, value AS i FROM generate_series(1, 2000000)"),
        &|k| {
            let got = csv(&wh, "SELECT count(*) AS n, count(DISTINCT gen) AS gens, max(gen) AS g FROM t");
            let row: Vec<u64> = got.lines().nth(1).unwrap().split(',').map(|v| v.parse().unwrap()).collect();
            assert_eq!(row[1], 1, "after kill {k}: a mix of generations: {got}");
            assert!(row[0] == 1000 && row[2] == 0 || row[0] == 2_000_000, "after kill {k}: a partial generation: {got}");
            if row[2] == k as u64 { "new".into() } else { "old".into() }
        },
    );
    // INSERT: every batch is whole or absent.
    let base: u64 = csv(&wh, "SELECT count(*) AS n FROM t").lines().nth(1).unwrap().parse().unwrap();
    kill_points("INSERT", &wh, &|k| format!("INSERT INTO t SELECT {} AS gen, value AS i FROM generate_series(1, 1000000)", 1000 + k), &|k| {
        let got = csv(&wh, &format!("SELECT count(*) AS n FROM t WHERE gen >= 1000 AND gen < {}", 1000 + k + 1));
        let n: u64 = got.lines().nth(1).unwrap().parse().unwrap();
        assert_eq!(n % 1_000_000, 0, "after kill {k}: a partial insert: {got}");
        let this: u64 = csv(&wh, &format!("SELECT count(*) AS n FROM t WHERE gen = {}", 1000 + k)).lines().nth(1).unwrap().parse().unwrap();
        if this > 0 { "new".into() } else { "old".into() }
    });
    let after: u64 = csv(&wh, "SELECT count(*) AS n FROM t WHERE gen < 1000").lines().nth(1).unwrap().parse().unwrap();
    assert_eq!(after, base, "inserts never touched the rows before them");
}

#[test]
fn killed_copy_leaves_the_file_whole_or_absent() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let out = dir.path().join("submission.csv");
    let target = out.display().to_string();
    kill_points(
        "COPY TO csv",
        &wh,
        &|k| format!("COPY (SELECT {k} AS gen, value AS trustii_id, 'x' AS class FROM generate_series(1, 1000000)) TO '{target}'"),
        &|k| {
            let text = std::fs::read_to_string(&out).unwrap();
            let lines = text.lines().count();
            assert_eq!(lines, 1_000_001, "after kill {k}: a partial file ({lines} lines)");
            let generation = text.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
            if generation == k.to_string() { "new".into() } else { "old".into() }
        },
    );
}

#[test]
fn killed_registrations_leave_the_registry_readable() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    assert!(cytologia(&wh, &["init"]).0);
    let model = repo().join("tests/fixtures/models/classifier_fixture.onnx");
    kill_points(
        "register_model",
        &wh,
        &|k| format!("SELECT count(*) FROM register_model(name => 'm{k}', task => 'classifier', uri => '{}')", model.display()),
        &|k| {
            let got = csv(&wh, &format!("SELECT count(*) AS n FROM models WHERE name = 'm{k}'"));
            let all = csv(&wh, "SELECT count(*) AS n FROM models");
            assert!(all.starts_with("n\n"), "{all}");
            if got == "n\n1\n" { "new".into() } else { "old".into() }
        },
    );
    // Every registration that completed before a later kill is still there.
    let names = csv(&wh, "SELECT name FROM models ORDER BY name");
    assert!(names.contains("m0\n"), "{names}");
}

#[test]
fn killed_trainings_leave_the_registry_and_checkpoints_whole() {
    let dir = tempfile::tempdir().unwrap();
    let wh = prepared_for_training(dir.path(), 40);
    kill_points(
        "train_classifier",
        &wh,
        &|k| {
            format!(
                "SELECT count(*) FROM train_classifier((SELECT path AS image, x1, y1, x2, y2, label, fold FROM train_crops),
                   name => 'k{k}', architecture => 'resnet18', input_size => 32, fold => 0, epochs => 2, batch_size => 16,
                   mix => 'none', augment => 'none', seed => 1)"
            )
        },
        &|k| {
            let n = csv(&wh, &format!("SELECT count(*) AS n FROM models WHERE name = 'k{k}'"));
            if n == "n\n0\n" {
                return "old".into();
            }
            assert_eq!(n, "n\n1\n", "after kill {k}");
            // A registered checkpoint is whole: its hash is checked before it serves.
            let q = format!("SELECT array_length(classify(crop(path, x1, y1, x2, y2, 16), 'k{k}')) AS n FROM train_crops LIMIT 1");
            assert_eq!(csv(&wh, &q), "n\n23\n", "after kill {k}");
            "new".into()
        },
    );
}
