//! Golden tests for the fold kernels. Goldens are produced by
//! `scripts/goldens/folds_goldens.py` (numpy / pandas / iterstrat).

use super::*;
use serde_json::Value;
use std::time::Instant;

/// Golden directory; the only path to change when moving the files.
const GOLDENS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/goldens/folds");

fn read(name: &str) -> String {
    let p = format!("{GOLDENS_DIR}/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read golden {p}: {e}"))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&read(name)).expect("golden json")
}

fn u(v: &Value) -> u64 {
    v.as_u64().expect("unsigned int")
}

fn hexf(v: &Value) -> f64 {
    f64::from_bits(u64::from_str_radix(v.as_str().unwrap(), 16).unwrap())
}

fn parse_rows(v: &Value) -> Vec<Vec<i64>> {
    v.as_array().unwrap().iter().map(|r| r.as_str().unwrap().bytes().map(|b| i64::from(b - b'0')).collect()).collect()
}

fn parse_folds(s: &str) -> Vec<usize> {
    s.trim().bytes().map(|b| usize::from(b - b'0')).collect()
}

#[test]
fn rng_matches_numpy_legacy_random_state() {
    let g = json("rng.json");
    let mut checked = 0usize;
    for case in g.as_array().unwrap() {
        let seed = u(&case["seed"]) as u32;
        let mut rs = NumpyRandomState::new(seed);
        for v in case["raw_u32"].as_array().unwrap() {
            assert_eq!(u64::from(rs.next_u32()), u(v), "raw seed {seed}");
            checked += 1;
        }
        let mut rs = NumpyRandomState::new(seed);
        for p in case["randint"].as_array().unwrap() {
            let (h, v) = (u(&p[0]), u(&p[1]));
            assert_eq!(rs.randint_below(h), v, "randint(0,{h}) seed {seed}");
            checked += 1;
        }
        let mut rs = NumpyRandomState::new(seed);
        for p in case["choice"].as_array().unwrap() {
            let (n, v) = (u(&p[0]) as usize, u(&p[1]) as usize);
            assert_eq!(rs.choice_index(n), v, "choice({n}) seed {seed}");
            checked += 1;
        }
        let mut rs = NumpyRandomState::new(seed);
        for sh in case["shuffle"].as_array().unwrap() {
            let want: Vec<u64> = sh.as_array().unwrap().iter().map(u).collect();
            let mut a: Vec<u64> = (0..want.len() as u64).collect();
            rs.shuffle(&mut a);
            assert_eq!(a, want, "shuffle seed {seed}");
            checked += 1;
        }
    }
    eprintln!("rng golden values checked: {checked}");
    assert!(checked > 1000);
}

#[test]
fn kfold_matches_iterstrat_goldens() {
    let g = json("kfold_cases.json");
    let cases = g["cases"].as_array().unwrap();
    let mut ok = 0;
    for (i, c) in cases.iter().enumerate() {
        let y = parse_rows(&c["y"]);
        let (k, seed) = (u(&c["k"]) as usize, u(&c["seed"]) as u32);
        assert_eq!(y.len() as u64, u(&c["n"]));
        let want = parse_folds(c["folds"].as_str().unwrap());
        let got = multilabel_stratified_kfold(&y, k, seed).unwrap();
        assert_eq!(got, want, "case {i}: n={} L={} k={k} seed={seed} kind={}", y.len(), c["labels"], c["kind"]);
        ok += 1;
    }
    eprintln!("kfold golden cases matched: {ok}/{}", cases.len());
    assert!(ok >= 50);
    for e in g["errors"].as_array().unwrap() {
        let y = parse_rows(&e["y"]);
        let k = u(&e["k"]) as usize;
        let err = multilabel_stratified_kfold(&y, k, 0).unwrap_err();
        assert_eq!(err.to_string(), e["message"].as_str().unwrap());
    }
}

#[test]
fn kfold_error_cases() {
    assert_eq!(multilabel_stratified_kfold(&[], 2, 0), Err(FoldsError::Empty));
    let ragged = vec![vec![1, 0], vec![1], vec![0, 0]];
    assert!(matches!(multilabel_stratified_kfold(&ragged, 2, 0), Err(FoldsError::Ragged { row: 1, .. })));
    let y = vec![vec![1, 0]; 3];
    assert_eq!(multilabel_stratified_kfold(&y, 0, 0), Err(FoldsError::TooFewSplits { k: 0 }));
    assert_eq!(multilabel_stratified_kfold(&y, 4, 0), Err(FoldsError::TooManySplits { k: 4, n: 3 }));
    assert_eq!(multilabel_stratified_kfold(&y, 3, 0).unwrap().len(), 3);
    // zero label columns: all-zero branch
    let z = vec![Vec::<i64>::new(); 10];
    let f = multilabel_stratified_kfold(&z, 3, 1).unwrap();
    let mut sizes = [0; 3];
    f.iter().for_each(|&x| sizes[x] += 1);
    assert!(sizes.iter().all(|&s| (3..=4).contains(&s)), "{sizes:?}");
}

fn real_labels() -> Vec<Vec<i64>> {
    read("real_labels.txt")
        .lines()
        .map(|line| {
            let mut r = vec![0i64; 23];
            for c in line.split(',').filter(|s| !s.is_empty()) {
                r[c.parse::<usize>().unwrap()] = 1;
            }
            r
        })
        .collect()
}

#[test]
fn kfold_real_matrix_matches_iterstrat() {
    let y = real_labels();
    assert_eq!(y.len(), 48_417);
    let want = parse_folds(&read("real_folds.txt"));
    let t = Instant::now();
    let got = multilabel_stratified_kfold(&y, 4, 42).unwrap();
    let dt = t.elapsed();
    eprintln!("rust multilabel_stratified_kfold on 48417x23, k=4: {:.4}s", dt.as_secs_f64());
    let mismatches = got.iter().zip(&want).filter(|(a, b)| a != b).count();
    assert_eq!(mismatches, 0, "real matrix mismatches");
}

/// Rebuilds the real matrix from the source CSV (skipped when absent) and
/// checks it equals the golden labels.
#[test]
fn real_labels_match_train_csv_if_present() {
    const CSV: &str = "/work/shared/data/train.csv";
    const CLASSES: [&str; 23] = [
        "PNN", "LY", "MO", "EO", "BA", "Er", "PM", "Thromb", "LAM3", "Lysee", "LyB", "LLC", "MBL", "LGL", "B", "M", "MM", "LF", "MoB", "LH_lyAct", "LM",
        "LZMG", "SS",
    ];
    let Ok(text) = std::fs::read_to_string(CSV) else {
        eprintln!("{CSV} absent: skipped");
        return;
    };
    let mut per: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let c = CLASSES.iter().position(|&x| x == cols[5]).expect("known class");
        per.entry(cols[0].to_string()).or_insert_with(|| vec![0; 23])[c] = 1;
    }
    let rows: Vec<Vec<i64>> = per.into_values().collect();
    assert_eq!(rows, real_labels());
}

fn lcg(state: &mut u64) -> u64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *state >> 33
}

#[test]
fn grouped_singletons_equal_ungrouped() {
    let g = json("kfold_cases.json");
    for c in g["cases"].as_array().unwrap() {
        let y = parse_rows(&c["y"]);
        let (k, seed) = (u(&c["k"]) as usize, u(&c["seed"]) as u32);
        let groups: Vec<i64> = (0..y.len() as i64).map(|i| 1000 - 7 * i).collect();
        let a = multilabel_stratified_kfold(&y, k, seed).unwrap();
        let b = multilabel_stratified_kfold_grouped(&y, &groups, k, seed).unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn grouped_no_straddle_and_balanced() {
    let y = real_labels();
    // Fake "patients": random groups of 1..=12 consecutive images.
    let mut s = 12345u64;
    let mut groups = Vec::with_capacity(y.len());
    let mut g = 0i64;
    while groups.len() < y.len() {
        let size = 1 + (lcg(&mut s) % 12) as usize;
        for _ in 0..size.min(y.len() - groups.len()) {
            groups.push(g);
        }
        g += 1;
    }
    // scramble group ids so groups are not contiguous in id order
    let groups: Vec<i64> = groups.iter().map(|&g| (g * 7919) % 100_003).collect();
    for k in [2usize, 4, 5, 10] {
        let t = Instant::now();
        let f = multilabel_stratified_kfold_grouped(&y, &groups, k, 42).unwrap();
        let dt = t.elapsed();
        let mut gf: std::collections::HashMap<i64, usize> = Default::default();
        for (&gr, &fo) in groups.iter().zip(&f) {
            assert_eq!(*gf.entry(gr).or_insert(fo), fo, "group {gr} straddles folds");
        }
        let n = y.len() as f64;
        let mut sizes = vec![0usize; k];
        f.iter().for_each(|&x| sizes[x] += 1);
        for &sz in &sizes {
            let rel = (sz as f64 - n / k as f64).abs() / (n / k as f64);
            assert!(rel < 0.01, "k={k} fold sizes {sizes:?}");
        }
        let fu = multilabel_stratified_kfold(&y, k, 42).unwrap();
        // baseline: each group to a uniformly random fold
        let mut rs = NumpyRandomState::new(7);
        let mut rf: std::collections::HashMap<i64, usize> = Default::default();
        let fr: Vec<usize> = groups.iter().map(|g| *rf.entry(*g).or_insert_with(|| rs.choice_index(k))).collect();
        let mut worst = (0f64, 0f64, 0f64);
        for l in 0..23 {
            let tot = y.iter().filter(|r| r[l] != 0).count() as f64;
            let (mut pg, mut pu, mut pr) = (vec![0f64; k], vec![0f64; k], vec![0f64; k]);
            for (((r, &a), &b), &c) in y.iter().zip(&f).zip(&fu).zip(&fr) {
                if r[l] != 0 {
                    pg[a] += 1.0;
                    pu[b] += 1.0;
                    pr[c] += 1.0;
                }
            }
            let dr = pr.iter().map(|p| (p - tot / k as f64).abs()).fold(0f64, f64::max);
            let dg = pg.iter().map(|p| (p - tot / k as f64).abs()).fold(0f64, f64::max);
            let du = pu.iter().map(|p| (p - tot / k as f64).abs()).fold(0f64, f64::max);
            worst = (worst.0.max(dg), worst.1.max(du), worst.2.max(dr));
        }
        eprintln!("k={k}: worst per-label |fold count - ideal|: grouped {:.1}, ungrouped {:.1}, random-group baseline {:.1}", worst.0, worst.1, worst.2);
        // Much better than assigning groups at random, though (unlike the
        // ungrouped case, max deviation < 1) not perfect: groups here carry
        // ~6 labels each, so most are placed while rarer labels are processed.
        assert!(worst.0 <= 0.6 * worst.2, "k={k}: {worst:?}");
        // per-label balance: within 20% of the ideal share + max group size
        for l in 0..23 {
            let tot = y.iter().filter(|r| r[l] != 0).count() as f64;
            let mut per = vec![0f64; k];
            for (r, &fo) in y.iter().zip(&f) {
                if r[l] != 0 {
                    per[fo] += 1.0;
                }
            }
            for &p in &per {
                assert!((p - tot / k as f64).abs() <= 0.2 * tot / k as f64 + 12.0, "k={k} label {l}: {per:?}");
            }
        }
        eprintln!("grouped k={k}: sizes {sizes:?} in {:.4}s", dt.as_secs_f64());
    }
}

#[test]
fn grouped_errors() {
    let y = vec![vec![1, 0], vec![0, 1], vec![1, 1], vec![0, 0]];
    assert_eq!(multilabel_stratified_kfold_grouped(&y, &[1, 1, 2], 2, 0), Err(FoldsError::GroupsLength { groups: 3, rows: 4 }));
    assert_eq!(multilabel_stratified_kfold_grouped(&y, &[1, 1, 2, 2], 3, 0), Err(FoldsError::TooManySplitsForGroups { k: 3, groups: 2 }));
    let f = multilabel_stratified_kfold_grouped(&y, &[1, 1, 2, 2], 2, 0).unwrap();
    assert_eq!(f[0], f[1]);
    assert_eq!(f[2], f[3]);
    assert_ne!(f[0], f[2]);
}

#[test]
fn cut_bin_matches_pandas_goldens() {
    let g = json("cut_bin.json");
    let mut n = 0;
    for c in g.as_array().unwrap() {
        let (lo, hi, k) = (hexf(&c["lo"]), hexf(&c["hi"]), u(&c["k"]) as usize);
        let bins = CutBins::new(lo, hi, k);
        if let Some(want_edges) = c.get("bins") {
            let want: Vec<u64> = want_edges.as_array().unwrap().iter().map(|e| hexf(e).to_bits()).collect();
            let got: Vec<u64> = bins.as_ref().expect("edges").edges().iter().map(|e| e.to_bits()).collect();
            assert_eq!(got, want, "edges lo={lo} hi={hi} k={k}");
        } else {
            assert!(bins.is_none(), "pandas raised for lo={lo} hi={hi} k={k}");
        }
        for (x, e) in c["x"].as_array().unwrap().iter().zip(c["expected"].as_array().unwrap()) {
            let x = hexf(x);
            let want = e.as_i64();
            assert_eq!(cut_bin(x, lo, hi, k), want, "x={x:e} lo={lo:e} hi={hi:e} k={k}");
            n += 1;
        }
    }
    eprintln!("cut_bin golden values matched: {n}");
    assert!(n > 1000);
}

#[test]
fn cut_bin_invalid_inputs() {
    assert_eq!(cut_bin(1.0, 0.0, 2.0, 0), None);
    assert_eq!(cut_bin(f64::NAN, 0.0, 2.0, 2), None);
    assert_eq!(cut_bin(1.0, f64::NAN, 2.0, 2), None);
    assert_eq!(cut_bin(1.0, 0.0, f64::INFINITY, 2), None);
    assert_eq!(cut_bin(1.0, 3.0, 2.0, 2), None);
    assert_eq!(cut_bin(0.0, 0.0, 2.0, 2), Some(0));
    assert_eq!(cut_bin(1.0, 0.0, 2.0, 2), Some(0));
    assert_eq!(cut_bin(2.0, 0.0, 2.0, 2), Some(1));
    assert_eq!(cut_bin(5.0, 5.0, 5.0, 3), Some(1));
}
