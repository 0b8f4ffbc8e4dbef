//! Exact port of `iterstrat.ml_stratifiers.MultilabelStratifiedKFold(
//! n_splits=k, shuffle=True, random_state=seed)` (iterative-stratification
//! 0.1.9, `_make_test_folds` + `IterativeStratification`), returning the test
//! fold of every row. Verified bit-for-bit against goldens generated with
//! numpy 2.4.6 / scikit-learn 1.9.1 (`tests/goldens/folds/`).
//!
//! Python reference, step by step, and how it is mirrored here:
//! 1. `y = np.asarray(y, dtype=bool)` -> a label is "present" iff value != 0.
//! 2. `rng = check_random_state(seed)` (legacy `RandomState`), `indices =
//!    np.arange(n)`, `rng.shuffle(indices)`, `y = y[indices]`.
//! 3. `r = [1/k]*k`; `c_folds = r * n` and `c_folds_labels = np.outer(r,
//!    y.sum(0))` are float64 and decremented by 1.0; all comparisons are `==`
//!    against the max, so we keep the very same f64 values and operations.
//! 4. Loop while some row is unprocessed:
//!    * `num_labels` = per-label count of unprocessed rows (kept incrementally);
//!    * if all are zero: every remaining row in ascending (shuffled) position
//!      goes to a fold with the largest `c_folds` (ties: `rng.choice(#ties)`),
//!      `c_folds[f] -= 1`; stop;
//!    * else the label with the smallest non-zero count (ties:
//!      `rng.choice(#ties)` over the ascending label indices), and for each
//!      unprocessed row carrying it, ascending: folds with the largest
//!      `c_folds_labels[:, label]`; if several, those with the largest
//!      `c_folds`; if still several, `rng.choice(#ties)`; then decrement
//!      `c_folds_labels[f, l]` for every label of the row and `c_folds[f]`.
//! 5. `test_folds[np.argsort(indices)]` (indices is a permutation, so argsort
//!    has no ties and its sort kind is irrelevant) -> `out[indices[p]] = tf[p]`.
//!
//! Deliberate generalisations (iterstrat itself raises for these, via
//! sklearn's `type_of_target`): a single label column (iterstrat: "Got
//! 'binary'") and zero label columns are accepted; the algorithm is run as is
//! (goldens for 1 label column call iterstrat's internals directly).

use super::FoldsError;
use super::numpy_rng::NumpyRandomState;
use std::collections::HashMap;

/// Units to stratify: `weight[u]` samples, `counts[u * n_labels + l]` of them
/// carrying label `l`. For the plain k-fold a unit is a row: weight 1,
/// counts 0/1 (the bool cast).
struct Units {
    n_labels: usize,
    weight: Vec<u64>,
    counts: Vec<u32>,
}

impl Units {
    #[inline]
    fn len(&self) -> usize {
        self.weight.len()
    }
    #[inline]
    fn row(&self, u: usize) -> &[u32] {
        &self.counts[u * self.n_labels..(u + 1) * self.n_labels]
    }
}

fn validate(labels: &[Vec<i64>], k: usize) -> Result<usize, FoldsError> {
    if labels.is_empty() {
        return Err(FoldsError::Empty);
    }
    if k < 2 {
        return Err(FoldsError::TooFewSplits { k });
    }
    let n_labels = labels[0].len();
    for (row, r) in labels.iter().enumerate() {
        if r.len() != n_labels {
            return Err(FoldsError::Ragged { row, expected: n_labels, got: r.len() });
        }
    }
    Ok(n_labels)
}

/// Indices of the maxima of `vals` (np.where(vals == vals.max())), ascending.
#[inline]
fn argmax_all(vals: impl Iterator<Item = (usize, f64)>, out: &mut Vec<usize>) {
    out.clear();
    let mut best = f64::NEG_INFINITY;
    for (i, v) in vals {
        if v > best {
            best = v;
            out.clear();
            out.push(i);
        } else if v == best {
            out.push(i);
        }
    }
}

/// `IterativeStratification(labels, r=[1/k]*k, random_state=rng)` on units
/// already in shuffled order; returns the fold of each unit.
fn iterative_stratification(units: &Units, k: usize, rng: &mut NumpyRandomState) -> Vec<usize> {
    let n = units.len();
    let nl = units.n_labels;
    let r = 1.0f64 / k as f64;
    let total_weight: u64 = units.weight.iter().sum();
    let mut c_folds = vec![r * total_weight as f64; k];
    let mut remaining = vec![0u64; nl];
    for u in 0..n {
        for (rem, &c) in remaining.iter_mut().zip(units.row(u)) {
            *rem += u64::from(c);
        }
    }
    // c_folds_labels[f * nl + l] = r * label_sum[l]
    let mut c_folds_labels = vec![0f64; k * nl];
    for f in 0..k {
        for l in 0..nl {
            c_folds_labels[f * nl + l] = r * remaining[l] as f64;
        }
    }
    let mut test_folds = vec![0usize; n];
    let mut processed = vec![false; n];
    let mut n_unprocessed = n;
    let mut ties: Vec<usize> = Vec::with_capacity(k.max(nl));
    let mut ties2: Vec<usize> = Vec::with_capacity(k);

    while n_unprocessed > 0 {
        // Smallest non-zero remaining label count.
        let min_nz = remaining.iter().copied().filter(|&c| c > 0).min();
        let Some(min_nz) = min_nz else {
            // Only all-zero units left: spread by remaining desired size.
            for u in 0..n {
                if processed[u] {
                    continue;
                }
                argmax_all(c_folds.iter().copied().enumerate(), &mut ties);
                let f = if ties.len() > 1 { ties[rng.choice_index(ties.len())] } else { ties[0] };
                test_folds[u] = f;
                c_folds[f] -= units.weight[u] as f64;
            }
            break;
        };
        ties.clear();
        ties.extend((0..nl).filter(|&l| remaining[l] == min_nz));
        let label = if ties.len() > 1 { ties[rng.choice_index(ties.len())] } else { ties[0] };

        for u in 0..n {
            if processed[u] || units.row(u)[label] == 0 {
                continue;
            }
            argmax_all((0..k).map(|f| (f, c_folds_labels[f * nl + label])), &mut ties);
            let f = if ties.len() > 1 {
                argmax_all(ties.iter().enumerate().map(|(i, &f)| (i, c_folds[f])), &mut ties2);
                if ties2.len() > 1 { ties[ties2[rng.choice_index(ties2.len())]] } else { ties[ties2[0]] }
            } else {
                ties[0]
            };
            test_folds[u] = f;
            processed[u] = true;
            n_unprocessed -= 1;
            for (l, &c) in units.row(u).iter().enumerate() {
                if c > 0 {
                    c_folds_labels[f * nl + l] -= f64::from(c);
                    remaining[l] -= u64::from(c);
                }
            }
            c_folds[f] -= units.weight[u] as f64;
        }
    }
    test_folds
}

/// Shuffle `n` units with `rng.shuffle(np.arange(n))`, build them in
/// shuffled order (`fill(i, counts_out) -> weight` writes unit `i`), stratify,
/// un-permute (`test_folds[np.argsort(indices)]`).
fn run_shuffled(n: usize, n_labels: usize, k: usize, seed: u32, mut fill: impl FnMut(usize, &mut [u32]) -> u64) -> Vec<usize> {
    let mut rng = NumpyRandomState::new(seed);
    let mut indices: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut indices);
    let mut units = Units { n_labels, weight: Vec::with_capacity(n), counts: vec![0; n * n_labels] };
    for (p, &i) in indices.iter().enumerate() {
        let w = fill(i, &mut units.counts[p * n_labels..(p + 1) * n_labels]);
        units.weight.push(w);
    }
    let tf = iterative_stratification(&units, k, &mut rng);
    let mut out = vec![0usize; n];
    for (p, &i) in indices.iter().enumerate() {
        out[i] = tf[p];
    }
    out
}

/// `MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=seed)`:
/// the test fold (0..k) of every row of `labels` (rows x labels; any non-zero
/// value counts as the label being present).
///
/// Errors: empty input, `k < 2`, ragged rows, `k > n_rows` (sklearn:
/// "Cannot have number of splits n_splits=.. greater than the number of
/// samples: n_samples=..").
pub fn multilabel_stratified_kfold(labels: &[Vec<i64>], k: usize, seed: u32) -> Result<Vec<usize>, FoldsError> {
    let nl = validate(labels, k)?;
    let n = labels.len();
    if k > n {
        return Err(FoldsError::TooManySplits { k, n });
    }
    Ok(run_shuffled(n, nl, k, seed, |i, out| {
        for (o, &v) in out.iter_mut().zip(&labels[i]) {
            *o = u32::from(v != 0);
        }
        1
    }))
}

/// Group-aware variant: every row of a group lands in the same fold.
///
/// How it changes the algorithm: each distinct group (ordered by first
/// appearance in `groups`) becomes one unit with weight = its number of rows
/// and, per label, the number of its rows carrying that label (after the bool
/// cast). The exact iterstrat procedure then runs on the units with those
/// weights: the units are shuffled with the same RNG calls,
/// `c_folds = r * total_rows`, `c_folds_labels = r * rows_per_label`,
/// "remaining examples of a label" counts rows, and assigning a unit
/// subtracts its row count / per-label row counts instead of 1. So folds are
/// balanced in rows (and label occurrences), not in groups. With all groups
/// singletons this is exactly `multilabel_stratified_kfold` (same RNG draws,
/// same result).
///
/// Errors: as the ungrouped version, plus `groups.len() != labels.len()` and
/// `k > number of distinct groups` (like sklearn's GroupKFold).
pub fn multilabel_stratified_kfold_grouped(labels: &[Vec<i64>], groups: &[i64], k: usize, seed: u32) -> Result<Vec<usize>, FoldsError> {
    let nl = validate(labels, k)?;
    let n = labels.len();
    if groups.len() != n {
        return Err(FoldsError::GroupsLength { groups: groups.len(), rows: n });
    }
    let mut gid: HashMap<i64, usize> = HashMap::new();
    let mut row_unit = Vec::with_capacity(n);
    let mut weight: Vec<u64> = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    for (row, &g) in labels.iter().zip(groups) {
        let next = weight.len();
        let u = *gid.entry(g).or_insert(next);
        if u == next {
            weight.push(0);
            counts.resize(counts.len() + nl, 0);
        }
        weight[u] += 1;
        for (c, &v) in counts[u * nl..(u + 1) * nl].iter_mut().zip(row) {
            *c += u32::from(v != 0);
        }
        row_unit.push(u);
    }
    let n_groups = weight.len();
    if k > n_groups {
        return Err(FoldsError::TooManySplitsForGroups { k, groups: n_groups });
    }
    let unit_folds = run_shuffled(n_groups, nl, k, seed, |g, out| {
        out.copy_from_slice(&counts[g * nl..(g + 1) * nl]);
        weight[g]
    });
    Ok(row_unit.into_iter().map(|u| unit_folds[u]).collect())
}
