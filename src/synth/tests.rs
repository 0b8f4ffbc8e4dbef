use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("cytologia-synth-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn gen_into(dir: &Path, train: usize, test: usize, seed: u64) -> SynthSummary {
    let opts = SynthOptions { out: dir.to_path_buf(), train, test, seed };
    generate(&opts, &|_, _| {}).expect("generate")
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn read_str(p: &Path) -> String {
    String::from_utf8(read(p)).expect("utf-8")
}

/// All files (relative path → bytes) under `dir`.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "images"] {
        for e in std::fs::read_dir(dir.join(sub)).expect("read_dir") {
            let e = e.expect("entry");
            if e.file_type().expect("type").is_file() {
                out.insert(format!("{sub}/{}", e.file_name().to_string_lossy()), read(&e.path()));
            }
        }
    }
    out
}

fn csv_rows(text: &str) -> (String, Vec<Vec<String>>) {
    let mut lines = text.split('\n');
    let header = lines.next().unwrap_or_default().to_string();
    let rows = lines.filter(|l| !l.is_empty()).map(|l| l.split(',').map(str::to_string).collect()).collect();
    (header, rows)
}

fn is_real_style_name(n: &str) -> bool {
    let b = n.as_bytes();
    n.len() == 14 && n.ends_with(".jpg") && b[8] == b'-' && b[..8].iter().chain(&b[9..10]).all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(&dir.join("manifest.json"))).expect("manifest json")
}

fn fault<'a>(m: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    m["faults"].as_array().expect("faults").iter().find(|f| f["kind"] == kind).expect(kind)
}

#[test]
fn same_seed_is_byte_identical_across_thread_counts_and_other_seed_differs() {
    let (a, b, c) = (TempDir::new("det-a"), TempDir::new("det-b"), TempDir::new("det-c"));
    let sa = gen_into(&a.0, 60, 52, 7);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let sb = pool.install(|| gen_into(&b.0, 60, 52, 7));
    assert_eq!(sa, sb);
    let (fa, fb) = (snapshot(&a.0), snapshot(&b.0));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(v == &fb[k], "{k} differs between runs");
    }
    assert!(!fa.keys().any(|k| k.ends_with(".tmp")), "temporary files left behind");
    gen_into(&c.0, 60, 52, 8);
    let fc = snapshot(&c.0);
    assert_ne!(fa["/train.csv"], fc["/train.csv"]);
    let shared_images = fa.keys().filter(|k| k.starts_with("images/") && fc.contains_key(*k)).count();
    assert_eq!(shared_images, 0, "different seeds should give different image names");
}

#[test]
fn formats_match_the_challenge() {
    let d = TempDir::new("fmt");
    let s = gen_into(&d.0, 120, 60, 11);
    let m = manifest(&d.0);

    let train_txt = read_str(&d.0.join("train.csv"));
    let test_txt = read_str(&d.0.join("test.csv"));
    let truth_txt = read_str(&d.0.join("test_truth.csv"));
    for t in [&train_txt, &test_txt, &truth_txt] {
        assert!(!t.contains('\r') && t.ends_with('\n'));
    }
    let (h, train) = csv_rows(&train_txt);
    assert_eq!(h, "NAME,x1,y1,x2,y2,class");
    let (h, test) = csv_rows(&test_txt);
    assert_eq!(h, "trustii_id,NAME");
    let (h, truth) = csv_rows(&truth_txt);
    assert_eq!(h, "trustii_id,NAME,x1,y1,x2,y2,class");
    assert_eq!(train.len(), s.train_boxes);
    assert_eq!(test.len(), s.test_rows);
    assert_eq!(truth.len(), test.len());

    // Test ids: int64, unique, increasing from 2; truth rows align 1:1.
    let mut prev = 1i64;
    for (t, u) in test.iter().zip(&truth) {
        assert_eq!(t.len(), 2);
        let id: i64 = t[0].parse().expect("trustii_id int");
        assert!(id > prev, "trustii ids must increase");
        prev = id;
        assert_eq!(t[0], u[0]);
        assert_eq!(t[1], u[1]);
    }
    assert_eq!(test.first().map(|r| r[0].as_str()), Some("2"));

    let oob_rows: HashSet<u64> =
        fault(&m, "box_outside_image")["boxes"].as_array().map(|v| v.iter().map(|b| b["row"].as_u64().expect("row")).collect()).unwrap_or_default();
    let mut sizes: HashMap<String, (i64, i64)> = HashMap::new();
    let mut subsamp_ok = 0;
    let mut progressive = (0, 0);
    let mut check = |name: &str, b: &[String], may_spill: bool| {
        assert!(is_real_style_name(name), "bad name {name}");
        assert!(CLASS_NAMES.contains(&b[4].as_str()), "bad class {}", b[4]);
        let c: Vec<i64> = b[..4].iter().map(|v| v.parse().expect("int coordinate")).collect();
        assert!(c[0] < c[2] && c[1] < c[3], "degenerate box {c:?}");
        let (w, h) = *sizes.entry(name.to_string()).or_insert_with(|| {
            let bytes = read(&d.0.join("images").join(name));
            let hdr = turbojpeg::read_header(&bytes).expect("jpeg header");
            assert_eq!(hdr.subsamp, turbojpeg::Subsamp::Sub2x2, "{name} not 4:2:0");
            subsamp_ok += 1;
            if hdr.is_progressive {
                progressive.0 += 1
            } else {
                progressive.1 += 1
            }
            let img = turbojpeg::decompress(&bytes, turbojpeg::PixelFormat::RGB).expect("decode");
            assert_eq!((img.width, img.height), (hdr.width, hdr.height));
            (img.width as i64, img.height as i64)
        });
        let inside = c[0] >= 0 && c[1] >= 0 && c[2] <= w && c[3] <= h;
        if !may_spill {
            assert!(inside, "{name} box {c:?} outside {w}x{h}");
        } else {
            // Even injected spills stay within a few px.
            assert!(c[0] >= -6 && c[1] >= -6 && c[2] <= w + 6 && c[3] <= h + 6);
        }
    };
    for (i, r) in train.iter().enumerate() {
        assert_eq!(r.len(), 6);
        check(&r[0], &r[1..], oob_rows.contains(&(i as u64)));
    }
    for r in &truth {
        assert_eq!(r.len(), 7);
        check(&r[1], &r[2..], false);
    }
    assert!(subsamp_ok > 0);
    assert!(progressive.0 > 0 && progressive.1 > 0, "expected a mix of progressive/baseline: {progressive:?}");
    let sizes_seen: HashSet<(i64, i64)> = sizes.values().copied().collect();
    assert!(sizes_seen.len() >= 3, "image sizes should vary: {sizes_seen:?}");

    // Splits are disjoint except the same-name cross-split duplicate.
    let train_names: HashSet<&str> = train.iter().map(|r| r[0].as_str()).collect();
    let test_names: HashSet<&str> = test.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(train_names.len(), s.train_images);
    assert_eq!(test_names.len(), s.test_images);
    let same_name: HashSet<&str> = fault(&m, "cross_split_duplicate")["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .filter(|p| p["same_name"] == true)
        .map(|p| p["duplicate"].as_str().expect("name"))
        .collect();
    let overlap: HashSet<&str> = train_names.intersection(&test_names).copied().collect();
    assert_eq!(overlap, same_name);

    let files = std::fs::read_dir(d.0.join("images")).expect("images").count();
    assert_eq!(files as u64, m["image_files"].as_u64().expect("image_files"));
    assert_eq!(s.files_written, files + 4);
    assert_eq!(m["train_boxes"].as_u64(), Some(s.train_boxes as u64));
}

#[test]
fn injected_faults_are_real_and_counted() {
    let d = TempDir::new("faults");
    gen_into(&d.0, 150, 120, 3);
    let m = manifest(&d.0);
    let img = |n: &str| read(&d.0.join("images").join(n));

    let exact = fault(&m, "exact_duplicate");
    assert!(exact["count"].as_u64().expect("count") >= 1);
    for p in exact["pairs"].as_array().expect("pairs") {
        let (a, b) = (p["original"].as_str().expect("o"), p["duplicate"].as_str().expect("d"));
        assert_ne!(a, b);
        assert!(img(a) == img(b), "{a} and {b} should be byte-identical");
    }

    let near = fault(&m, "near_duplicate");
    assert!(near["count"].as_u64().expect("count") >= 1);
    for p in near["pairs"].as_array().expect("pairs") {
        let (a, b) = (img(p["original"].as_str().expect("o")), img(p["duplicate"].as_str().expect("d")));
        assert_ne!(a, b);
        let da = turbojpeg::decompress(&a, turbojpeg::PixelFormat::RGB).expect("decode");
        let db = turbojpeg::decompress(&b, turbojpeg::PixelFormat::RGB).expect("decode");
        assert_eq!((da.width, da.height), (db.width, db.height));
        let mad: f64 = da.pixels.iter().zip(&db.pixels).map(|(x, y)| (*x as f64 - *y as f64).abs()).sum::<f64>() / da.pixels.len() as f64;
        assert!(mad < 6.0, "near duplicate too different: mean abs diff {mad}");
    }

    let cross = fault(&m, "cross_split_duplicate");
    let pairs = cross["pairs"].as_array().expect("pairs");
    assert!(pairs.len() >= 2);
    assert!(pairs.iter().any(|p| p["same_name"] == false));
    let train_txt = read_str(&d.0.join("train.csv"));
    let truth_txt = read_str(&d.0.join("test_truth.csv"));
    for p in pairs {
        let (a, b) = (p["original"].as_str().expect("o"), p["duplicate"].as_str().expect("d"));
        assert!(img(a) == img(b));
        assert!(train_txt.contains(&format!("\n{a},")), "original must be a train image");
        assert!(truth_txt.contains(&format!(",{b},")), "duplicate must be a test image");
    }

    // Count boxes that spill out of their image and compare with the manifest.
    let (_, rows) = csv_rows(&train_txt);
    let mut outside = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let hdr = turbojpeg::read_header(&img(&r[0])).expect("header");
        let c: Vec<i32> = r[1..5].iter().map(|v| v.parse().expect("int")).collect();
        let b = render::BoxAnn { x1: c[0], y1: c[1], x2: c[2], y2: c[3], class: 0 };
        if faults::is_outside(&b, hdr.width as u32, hdr.height as u32) {
            outside.push(i as u64);
        }
    }
    let oob = fault(&m, "box_outside_image");
    let listed: Vec<u64> = oob["boxes"].as_array().expect("boxes").iter().map(|b| b["row"].as_u64().expect("row")).collect();
    assert!(!outside.is_empty());
    assert_eq!(oob["count"].as_u64(), Some(outside.len() as u64));
    assert_eq!(listed, outside);

    // Interleaved test rows: listed images really have non-adjacent rows.
    let inter = fault(&m, "interleaved_test_rows");
    let (_, trows) = csv_rows(&read_str(&d.0.join("test.csv")));
    for name in inter["images"].as_array().expect("images") {
        let pos: Vec<usize> = trows.iter().enumerate().filter(|(_, r)| r[1] == name.as_str().expect("name")).map(|(i, _)| i).collect();
        assert!(pos.windows(2).any(|w| w[1] != w[0] + 1), "{name} rows are contiguous");
    }
}

#[test]
fn small_dataset_covers_every_class() {
    let d = TempDir::new("cover");
    gen_into(&d.0, 200, 0, 5);
    let (_, rows) = csv_rows(&read_str(&d.0.join("train.csv")));
    let seen: HashSet<&str> = rows.iter().map(|r| r[5].as_str()).collect();
    for c in CLASS_NAMES {
        assert!(seen.contains(c), "class {c} missing");
    }
    // Majority of images hold exactly one box, as in the real data.
    let mut per: HashMap<&str, usize> = HashMap::new();
    rows.iter().for_each(|r| *per.entry(r[0].as_str()).or_default() += 1);
    let single = per.values().filter(|&&n| n == 1).count();
    assert!(single * 10 >= per.len() * 8);
}

#[test]
fn box_sizes_look_like_annotations() {
    let d = TempDir::new("sizes");
    gen_into(&d.0, 150, 0, 9);
    let (_, rows) = csv_rows(&read_str(&d.0.join("train.csv")));
    let mut sides: Vec<i64> = rows
        .iter()
        .filter(|r| r[5] != "Thromb" && r[5] != "Lysee")
        .map(|r| {
            let c: Vec<i64> = r[1..5].iter().map(|v| v.parse().expect("int")).collect();
            ((c[2] - c[0]) + (c[3] - c[1])) / 2
        })
        .collect();
    sides.sort_unstable();
    let median = sides[sides.len() / 2];
    assert!((120..=165).contains(&median), "median box side {median}");
}

#[test]
fn zero_images_writes_headers_only() {
    let d = TempDir::new("zero");
    let s = gen_into(&d.0, 0, 0, 1);
    assert_eq!(s, SynthSummary { train_images: 0, test_images: 0, train_boxes: 0, test_rows: 0, files_written: 4 });
    assert_eq!(read_str(&d.0.join("train.csv")), "NAME,x1,y1,x2,y2,class\n");
    assert_eq!(read_str(&d.0.join("test.csv")), "trustii_id,NAME\n");
    assert_eq!(manifest(&d.0)["faults"][0]["count"], 0);
}

#[test]
fn tiny_datasets_do_not_panic() {
    for (train, test) in [(1, 0), (0, 1), (1, 1), (2, 3), (25, 49), (49, 50)] {
        let d = TempDir::new("tiny");
        let s = gen_into(&d.0, train, test, 2);
        assert_eq!((s.train_images, s.test_images), (train, test));
        assert!(s.train_boxes >= train && s.test_rows >= test);
    }
}

#[test]
fn bad_output_directory_is_an_error_naming_the_path() {
    let d = TempDir::new("bad");
    std::fs::create_dir_all(&d.0).expect("mkdir");
    let file = d.0.join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let opts = SynthOptions { out: file.clone(), train: 3, test: 1, seed: 1 };
    let err = generate(&opts, &|_, _| {}).expect_err("must fail");
    assert!(matches!(err, SynthError::Io { .. }));
    assert!(err.to_string().contains("not-a-dir"), "{err}");
    let empty = SynthOptions { out: PathBuf::new(), train: 1, test: 1, seed: 1 };
    assert!(matches!(generate(&empty, &|_, _| {}), Err(SynthError::InvalidOptions(_))));
}

#[test]
fn progress_reaches_total() {
    let d = TempDir::new("progress");
    let calls = AtomicUsize::new(0);
    let last = std::sync::Mutex::new((0, 0));
    let s = generate(&SynthOptions { out: d.0.clone(), train: 20, test: 5, seed: 4 }, &|done, total| {
        calls.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut l) = last.lock()
            && done > l.0
        {
            *l = (done, total);
        }
    })
    .expect("generate");
    let (done, total) = *last.lock().expect("lock");
    assert_eq!(done, total);
    assert_eq!(total + 4, s.files_written);
    assert_eq!(calls.load(Ordering::SeqCst), total);
}
