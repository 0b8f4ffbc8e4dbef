//! The challenge metric of sql/reports/score.sql (docs/pipeline.md §11.1) against the reference
//! of scripts/goldens/metric_reference.py, on the crafted submissions of tests/goldens/metric
//! (ids of another image, repeated ids, duplicate boxes, images without rows, GIoU ties).
use std::path::Path;

use super::common::{cytologia, repo};

/// Cases whose file order is test.csv's and that repeat no trustii_id within an image: the
/// submission table without `row_number` (as sql/08_submission.sql writes it) scores them the same.
const ORDER_FREE: &[&str] = &["foreign_id", "repeated_id_across_images", "image_without_predictions", "images_not_in_truth", "clean"];

const SCORE_HEADER: &str = "truth_boxes,score,giou_term,macro_f1";
const MATCHES_HEADER: &str = "trustii_id,name,truth,pred,giou";

fn numbers(line: &str) -> Vec<f64> {
    line.split(',').map(|v| v.parse().unwrap_or_else(|_| panic!("not a number in '{line}'"))).collect()
}

/// Loads a case (truth.csv is also test.csv), runs score.sql and returns its printed numbers
/// and the rows of metric_matches (trustii_id, name, truth, pred or 'nan', giou).
fn score(dir: &Path, case: &Path, with_row_number: bool) -> (String, Vec<String>) {
    let (truth, sub) = (case.join("truth.csv").display().to_string(), case.join("submission.csv").display().to_string());
    let rn = if with_row_number { "row_number, " } else { "" };
    let load = dir.join("load.sql");
    std::fs::write(
        &load,
        format!(
            "CREATE OR REPLACE TABLE test_truth AS SELECT trustii_id, name, x1, y1, x2, y2, class FROM read_annotations('{truth}', kind => 'test_truth');
             CREATE OR REPLACE TABLE test_rows AS SELECT row_number, trustii_id, name FROM read_annotations('{truth}', kind => 'test');
             CREATE OR REPLACE TABLE submission AS SELECT {rn}trustii_id, name, x1, y1, x2, y2, class FROM read_annotations('{sub}', kind => 'test_truth');"
        ),
    )
    .unwrap();
    let matches = dir.join("matches.sql");
    std::fs::write(&matches, "SELECT trustii_id, name, truth, coalesce(pred, 'nan') AS pred, giou FROM metric_matches ORDER BY trustii_id;").unwrap();
    let report = repo().join("sql/reports/score.sql");
    let files = [&load, &report, &matches].map(|p| p.display().to_string());
    let (ok, out, err) = cytologia(&dir.join("wh"), &["run", &files[0], &files[1], &files[2], "--format", "csv"]);
    assert!(ok, "{}: {err}", case.display());
    let lines: Vec<&str> = out.lines().collect();
    let at = |header: &str| lines.iter().position(|l| *l == header).unwrap_or_else(|| panic!("no '{header}' in: {out}"));
    let (s, m) = (at(SCORE_HEADER), at(MATCHES_HEADER));
    (lines[s + 1].to_string(), lines[m + 1..].iter().map(|l| l.to_string()).collect())
}

#[test]
fn score_matches_the_per_image_reference_on_crafted_submissions() {
    let goldens = repo().join("tests/goldens/metric");
    let expected = std::fs::read_to_string(goldens.join("expected.csv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cases = 0;
    for line in expected.lines().skip(1) {
        let (case, golden) = line.split_once(',').unwrap();
        let want = numbers(golden);
        let path = goldens.join(case);
        let reference = std::fs::read_to_string(path.join("matches.csv")).unwrap();
        let mut want_rows: Vec<&str> = reference.lines().skip(1).collect();
        want_rows.sort();
        let mut loads = vec![true];
        if ORDER_FREE.contains(&case) {
            loads.push(false);
        }
        for with_row_number in loads {
            let (printed, mut got_rows) = score(dir.path(), &path, with_row_number);
            // truth_boxes, score, giou_term, macro_f1 (score.sql rounds to 5 decimals)
            let got = numbers(&printed);
            for (k, name) in [(0, "truth_boxes"), (1, "score"), (2, "giou_term"), (3, "macro_f1")] {
                assert!((got[k] - want[k]).abs() <= 1e-5, "{case} (row_number {with_row_number}): {name} {} vs reference {}", got[k], want[k]);
            }
            // Every truth box takes the reference's prediction ('nan' when its image has none).
            got_rows.sort();
            assert_eq!(got_rows.len(), want_rows.len(), "{case}");
            for (g, w) in got_rows.iter().zip(&want_rows) {
                let (g, w): (Vec<&str>, Vec<&str>) = (g.split(',').collect(), w.split(',').collect());
                assert_eq!(g[..4], w[..4], "{case} (row_number {with_row_number}): match of truth box {}", w[0]);
                let (gg, wg): (f64, f64) = (g[4].parse().unwrap(), w[4].parse().unwrap());
                assert!((gg - wg).abs() <= 1e-6, "{case}: giou of truth box {}: {gg} vs {wg}", w[0]);
            }
        }
        cases += 1;
    }
    assert!(cases >= 8, "{cases} cases in {}", goldens.display());
}
