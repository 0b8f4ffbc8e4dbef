//! The data-preparation scripts end to end on generated smears, and read_images on bad files.
use std::process::Command;

use super::common::{bin, csv, cytologia, repo};

fn synth(out: &std::path::Path, train: usize, test: usize, seed: u64) {
    let st = Command::new(bin())
        .args(["synth", "--out", out.to_str().unwrap(), "--train", &train.to_string(), "--test", &test.to_string(), "--seed", &seed.to_string()])
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
}

#[test]
fn read_images_reports_bad_files_and_never_stops() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    synth(&data, 4, 0, 3);
    let images = data.join("images");
    let good: Vec<_> = std::fs::read_dir(&images).unwrap().flatten().map(|e| e.path()).collect();
    let bytes = std::fs::read(&good[0]).unwrap();
    std::fs::write(images.join("zz-truncated.jpg"), &bytes[..bytes.len() / 3]).unwrap();
    std::fs::write(images.join("zz-empty.jpg"), b"").unwrap();
    std::fs::write(images.join("zz-notes.txt"), b"not an image").unwrap();
    // A huge file (sparse: no disk used) is refused from its size, never read into memory.
    std::fs::File::create(images.join("zz-huge.bin")).unwrap().set_len(2 << 30).unwrap();
    // Two names that differ only in bytes that are not UTF-8 stay two rows, named apart.
    for b in [0xFFu8, 0xFE] {
        use std::os::unix::ffi::OsStrExt;
        std::fs::write(images.join(std::ffi::OsStr::from_bytes(&[b'z', b'z', b'-', b, b'.', b'j', b'p', b'g'])), &bytes).unwrap();
    }
    let wh = dir.path().join("wh");
    let q = format!(
        "SELECT name, width IS NOT NULL AS decoded, phash IS NOT NULL AS hashed, length(sha256) AS sha_len, error FROM read_images('{}') ORDER BY name",
        images.display()
    );
    let out = csv(&wh, &q);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1 + good.len() + 6, "{out}");
    assert!(lines.iter().any(|l| l.starts_with("zz-huge.bin,false,false,,file of 2147483648 bytes is larger than")), "{out}");
    for name in ["zz-\\xFE.jpg", "zz-\\xFF.jpg"] {
        assert!(lines.iter().any(|l| l.starts_with(&format!("{name},false,false,,the file name is not valid UTF-8"))), "{name}: {out}");
    }
    for l in &lines[1..=good.len()] {
        assert!(l.ends_with(",true,true,64,"), "a good image: {l}");
    }
    assert!(lines.iter().any(|l| l.starts_with("zz-empty.jpg,false,false,64,empty file")), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("zz-notes.txt,false,false,64,unrecognised image format")), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("zz-truncated.jpg,") && !l.ends_with(",")), "a truncated JPEG is an error row or decodes partially: {out}");
    // strict => true stops at the first bad file and names it.
    let (ok, _, err) = cytologia(&wh, &["sql", &format!("SELECT count(*) FROM read_images('{}', strict => true)", images.display())]);
    assert!(!ok);
    assert!(err.contains("zz-"), "{err}");
    // content => true adds the bytes, identical to the file.
    let q = format!("SELECT length(content) AS n FROM read_images('{}', content => true) WHERE name = 'zz-notes.txt'", images.display());
    assert_eq!(csv(&wh, &q), "n\n12\n");
    // Empty folders and missing paths are clear errors.
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    for (loc, needle) in [(dir.path().join("empty"), "no files found"), (dir.path().join("missing"), "missing")] {
        let (ok, _, err) = cytologia(&wh, &["sql", &format!("SELECT * FROM read_images('{}')", loc.display())]);
        assert!(!ok && err.contains(needle), "{err}");
    }
}

#[test]
fn ingest_clean_folds_on_synthetic_smears() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    synth(&data, 160, 40, 11);
    let wh = dir.path().join("wh");
    let scripts: Vec<String> = ["01_ingest.sql", "02_clean.sql", "03_folds.sql"].iter().map(|s| repo().join("sql").join(s).display().to_string()).collect();
    let mut args = vec!["run"];
    args.extend(scripts.iter().map(String::as_str));
    let data_arg = format!("data={}", data.display());
    args.extend(["--set", &data_arg, "--format", "csv"]);
    let (ok, _, err) = cytologia(&wh, &args);
    assert!(ok, "{err}");

    let train_rows = std::fs::read_to_string(data.join("train.csv")).unwrap().lines().count() - 1;
    let files = std::fs::read_dir(data.join("images")).unwrap().count();
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM labels"), format!("n\n{train_rows}\n"));
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM images WHERE error IS NULL"), format!("n\n{files}\n"));
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM images WHERE src = 'unknown'"), "n\n0\n");

    // The injected exact duplicates inside train are found and one member of each is dropped.
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(data.join("manifest.json")).unwrap()).unwrap();
    let exact = manifest.to_string();
    let dropped = csv(&wh, "SELECT name FROM dedupe_report WHERE NOT kept ORDER BY name");
    let dropped: Vec<&str> = dropped.lines().skip(1).collect();
    assert!(!dropped.is_empty(), "the generator injects exact train duplicates");
    for d in &dropped {
        assert!(exact.contains(d), "{d} dropped but not an injected duplicate");
    }
    // Boxes: every kept train box, clipped into the image, numbered 0.. in (name, file order).
    let removed: usize = csv(&wh, "SELECT sum(boxes_removed) AS n FROM dedupe_report").lines().nth(1).unwrap().parse().unwrap();
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM boxes"), format!("n\n{}\n", train_rows - removed));
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM boxes WHERE x1 < 0 OR y1 < 0 OR x2 >= width OR y2 >= height"), "n\n0\n");
    assert_eq!(csv(&wh, "SELECT min(box_id) AS lo, max(box_id) + 1 - count(*) AS gap FROM boxes"), "lo,gap\n0,0\n");
    let invalid = csv(&wh, "SELECT count(*) AS n FROM boxes WHERE NOT is_bb_valid");
    assert!(invalid != "n\n0\n", "the generator injects boxes partly outside the image");

    // Folds: one row per kept train image, 4 folds of near-equal size, 27 stratification labels.
    assert_eq!(
        csv(&wh, "SELECT count(*) = (SELECT count(DISTINCT name) FROM boxes) AS same, count(DISTINCT fold) AS folds FROM folds"),
        "same,folds\ntrue,4\n"
    );
    let sizes = csv(&wh, "SELECT max(n) - min(n) AS spread FROM (SELECT fold, count(*) AS n FROM folds GROUP BY fold)");
    let spread: i64 = sizes.lines().nth(1).unwrap().parse().unwrap();
    assert!(spread <= 3, "folds should be balanced: {sizes}");
    assert_eq!(csv(&wh, "SELECT min(cardinality(labels)) AS a, max(cardinality(labels)) AS b FROM folds"), "a,b\n23,23\n");
    // With near_dup_folds, no cluster of near-duplicates straddles two folds (the distance is
    // wide enough that the synthetic smears form clusters, so the check can fail).
    let straddling = "SELECT count(*) AS clusters, sum(CASE WHEN folds > 1 THEN 1 ELSE 0 END) AS straddling FROM (
        SELECT n.cluster_id, count(DISTINCT f.fold) AS folds FROM near_duplicates((SELECT i.name, i.phash FROM images i JOIN folds f ON f.name = i.name), max_distance => 12) n
        JOIN folds f ON f.name = n.name GROUP BY n.cluster_id)";
    let default_split: Vec<u64> = csv(&wh, straddling).lines().nth(1).unwrap().split(',').map(|v| v.parse().unwrap()).collect();
    let (ok, _, err) = cytologia(&wh, &["run", &scripts[2], "--set", "near_dup_folds=true", "--set", "near_dup_distance=12"]);
    assert!(ok, "{err}");
    let grouped: Vec<u64> = csv(&wh, straddling).lines().nth(1).unwrap().split(',').map(|v| v.parse().unwrap()).collect();
    assert!(grouped[0] > 0, "no near-duplicate clusters to test with: {grouped:?}");
    assert_eq!(grouped[1], 0, "clusters straddle folds with near_dup_folds: {grouped:?} (default split: {default_split:?})");
    assert_eq!(csv(&wh, "SELECT count(*) AS n FROM folds WHERE surface_bin NOT BETWEEN 0 AND 4 OR std_bin NOT BETWEEN 0 AND 3"), "n\n0\n");
}

#[test]
fn duplicated_rows_and_inverted_boxes_have_a_clear_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    synth(&data, 30, 10, 5);
    let train = data.join("train.csv");
    let text = std::fs::read_to_string(&train).unwrap();
    let first = text.lines().nth(1).unwrap().to_string();
    let name = first.split(',').next().unwrap().to_string();
    // The first row again, and a box of the same image with x1 > x2.
    let inverted = format!("{name},200,10,100,90,LY");
    std::fs::write(&train, format!("{text}{first}\n{inverted}\n")).unwrap();
    let wh = dir.path().join("wh");
    let data_arg = format!("data={}", data.display());
    let ingest = repo().join("sql/01_ingest.sql").display().to_string();
    let (ok, out, err) = cytologia(&wh, &["run", &ingest, "--set", &data_arg, "--format", "csv"]);
    assert!(ok, "{err}");
    assert!(out.contains(&format!("duplicated train row,{name} 2x")), "the check lists the duplicate: {out}");
    let clean = repo().join("sql/02_clean.sql").display().to_string();
    let (ok, _, err) = cytologia(&wh, &["run", &clean, "--format", "csv"]);
    assert!(ok, "{err}");
    // Duplicated rows are kept as read; the inverted box is flagged and, still empty after
    // clipping, left out of `boxes`.
    let q = format!("SELECT count(*) AS n FROM labels WHERE name = '{name}' AND x1 > x2");
    assert_eq!(csv(&wh, &q), "n\n1\n");
    let q = format!("SELECT count(*) AS n FROM boxes WHERE name = '{name}' AND x1 >= x2");
    assert_eq!(csv(&wh, &q), "n\n0\n");
    let kept = csv(&wh, &format!("SELECT count(*) AS n FROM dedupe_report WHERE name = '{name}' AND kept"));
    if kept == "n\n1\n" {
        let q = format!("SELECT count(*) AS n FROM labels WHERE name = '{name}' AND NOT (x1 > x2)");
        let labels = csv(&wh, &q);
        let q = format!("SELECT count(*) AS n FROM boxes WHERE name = '{name}'");
        assert_eq!(csv(&wh, &q), labels, "every non-inverted row of the image, duplicates included, is a box");
    }
}
