//! `pandas.cut(x, bins=k, labels=False)` (right=True, include_lowest=False)
//! for a column whose (NaN-skipping) min / max are `lo` / `hi`. Mirrors
//! pandas 3.1.1 `_nbins_to_bins` + `_bins_to_cuts` and numpy 2.4.6
//! `linspace` bit for bit (goldens: `tests/goldens/folds/cut_bin.json`):
//!
//! * `lo != hi`: `bins = np.linspace(lo, hi, k + 1)`, i.e. `step = (hi - lo)
//!   / k`, `bins[i] = i * step + lo` (or `(i / k) * (hi - lo) + lo` when
//!   `step == 0`, numpy's denormal branch), `bins[k] = hi`; then
//!   `bins[0] -= (hi - lo) * 0.001`.
//! * `lo == hi`: `lo -= 0.001 * |lo|` (0.001 if lo == 0), `hi += 0.001 * |hi|`
//!   (0.001 if 0), then the same linspace, no extra adjustment.
//! * label = `searchsorted(bins, x, side='left') - 1`; `None` when that index
//!   is 0 or `k + 1` (x <= bins[0] or x > bins[k]) or x is NaN.
//!
//! Returns `None` where pandas raises: `k == 0`, infinite `lo`/`hi`, and
//! non-unique edges for `k > 1` ("Bin edges must be unique", only for
//! denormal / 1-ulp ranges). Also `None` (no pandas equivalent) for NaN or
//! `lo > hi`, and — deliberate choice — for edges that are non-finite
//! (`hi - lo` overflows) or not increasing (only possible together with the
//! duplicate case in practice).

/// Precomputed pandas `cut` edges for one (lo, hi, k): compute once per
/// column, then call [`CutBins::bin`] per value.
#[derive(Debug, Clone, PartialEq)]
pub struct CutBins {
    edges: Vec<f64>,
}

/// `np.linspace(start, stop, num, endpoint=True)` for `num >= 2`.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut y: Vec<f64> =
        if step == 0.0 { (0..num).map(|i| (i as f64 / div) * delta + start).collect() } else { (0..num).map(|i| i as f64 * step + start).collect() };
    y[num - 1] = stop;
    y
}

impl CutBins {
    pub fn new(lo: f64, hi: f64, k: usize) -> Option<Self> {
        if k == 0 || !lo.is_finite() || !hi.is_finite() || lo > hi {
            return None;
        }
        let edges = if lo == hi {
            let mn = lo - if lo != 0.0 { 0.001 * lo.abs() } else { 0.001 };
            let mx = hi + if hi != 0.0 { 0.001 * hi.abs() } else { 0.001 };
            linspace(mn, mx, k + 1)
        } else {
            let mut b = linspace(lo, hi, k + 1);
            let adj = (hi - lo) * 0.001;
            b[0] -= adj;
            b
        };
        if edges.iter().any(|e| !e.is_finite()) {
            return None;
        }
        let increasing = edges.windows(2).all(|w| w[0] < w[1]);
        if !increasing {
            // pandas raises on duplicates unless there are only 2 edges.
            let has_dup = {
                let mut s = edges.clone();
                s.sort_by(|a, b| a.total_cmp(b));
                s.windows(2).any(|w| w[0] == w[1])
            };
            if has_dup && edges.len() == 2 && edges[0] == edges[1] {
                // k == 1 with equal edges: pandas keeps them; nothing is in (e, e].
                return Some(Self { edges });
            }
            return None;
        }
        Some(Self { edges })
    }

    /// The k + 1 bin edges (as pandas' `retbins=True` returns them).
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// Bin index 0..k-1 of `x`, or `None` for NaN / outside the edges.
    pub fn bin(&self, x: f64) -> Option<i64> {
        if x.is_nan() {
            return None;
        }
        let ids = self.edges.partition_point(|&e| e < x);
        if ids == 0 || ids == self.edges.len() { None } else { Some(ids as i64 - 1) }
    }
}

/// pandas `cut(x, bins=k, labels=False)` given the column's min `lo` / max `hi`.
pub fn cut_bin(x: f64, lo: f64, hi: f64, k: usize) -> Option<i64> {
    CutBins::new(lo, hi, k)?.bin(x)
}
