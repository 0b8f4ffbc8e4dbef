//! Training pictures decoded on demand. A dataset in memory is an index (keys, targets, boxes,
//! folds); its pixels come from a `Source` (the query's image bytes or files) when the loader
//! needs them, through a cache bounded in bytes. The cache keeps the first pictures that fit
//! and never evicts: under the random access of shuffled epochs and mosaics any eviction
//! policy hits about as often as the cached share of the dataset, and one that never evicts
//! costs no bookkeeping per use. A picture is the same whether it came from the cache or from
//! the source, so the cache size never changes a run's result.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use cytologia_kernels::augment::Rgb;

use crate::error::{Result, TrainError};

/// Where a dataset's pictures come from: `load(key)` returns the picture of `key` as the
/// dataset keeps it (already cropped and resized where the dataset says so).
pub trait Source: Send + Sync {
    fn load(&self, key: usize) -> std::result::Result<Rgb, String>;
}

impl<S: Source + ?Sized> Source for std::sync::Arc<S> {
    fn load(&self, key: usize) -> std::result::Result<Rgb, String> {
        (**self).load(key)
    }
}

/// Pictures held by value: for datasets built in memory (tests, profiles).
impl Source for Vec<Rgb> {
    fn load(&self, key: usize) -> std::result::Result<Rgb, String> {
        self.get(key).cloned().ok_or_else(|| format!("no picture {key}"))
    }
}

pub struct Store {
    source: Box<dyn Source>,
    cache: RwLock<HashMap<usize, Arc<Rgb>>>,
    used: AtomicUsize,
    budget: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("budget", &self.budget).field("used", &self.used.load(Ordering::Relaxed)).finish()
    }
}

/// What the cache held and served, for the trainer's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub budget_bytes: usize,
    pub used_bytes: usize,
    pub pictures: usize,
    pub hits: u64,
    pub misses: u64,
}

impl Store {
    /// `budget` bytes of decoded pixels at most stay in memory (0: none).
    pub fn new(source: impl Source + 'static, budget: usize) -> Store {
        Store {
            source: Box::new(source),
            cache: RwLock::new(HashMap::new()),
            used: AtomicUsize::new(0),
            budget,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Pictures held in memory, all of them cached.
    pub fn in_memory(pictures: Vec<Rgb>) -> Store {
        Store::new(pictures, usize::MAX)
    }

    /// The picture of `key`: from the cache, else from the source (and cached while the
    /// budget lasts).
    pub fn get(&self, key: usize) -> Result<Arc<Rgb>> {
        if let Some(p) = self.cache.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(p.clone());
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let p = Arc::new(self.source.load(key).map_err(TrainError::Other)?);
        self.keep(key, &p);
        Ok(p)
    }

    /// Caches a picture made outside the store (a first pass that checks every row), while the
    /// budget lasts.
    pub fn offer(&self, key: usize, picture: Rgb) {
        self.keep(key, &Arc::new(picture));
    }

    fn keep(&self, key: usize, p: &Arc<Rgb>) {
        let bytes = p.data.len();
        // Reserve before inserting, so concurrent loaders never overshoot the budget.
        let reserved = self.used.fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| u.checked_add(bytes).filter(|&n| n <= self.budget)).is_ok();
        if reserved {
            let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
            if cache.insert(key, p.clone()).is_some() {
                // Another loader cached this key meanwhile: give the reservation back.
                self.used.fetch_sub(bytes, Ordering::AcqRel);
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            budget_bytes: self.budget,
            used_bytes: self.used.load(Ordering::Acquire),
            pictures: self.cache.read().unwrap_or_else(|e| e.into_inner()).len(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

/// The default cache budget: an eighth of the machine's memory (3 GiB on 24 GiB), leaving the
/// rest to the network, the batches in flight and the query's other stages; 2 GiB where the
/// memory size cannot be read.
pub fn default_budget() -> usize {
    cytologia_kernels::machine::total_memory().map_or(2 << 30, |m| m / 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting(Vec<Rgb>, AtomicUsize);

    impl Source for Counting {
        fn load(&self, key: usize) -> std::result::Result<Rgb, String> {
            self.1.fetch_add(1, Ordering::Relaxed);
            if key == 99 {
                return Err("row 99: not an image".into());
            }
            Ok(self.0[key].clone())
        }
    }

    fn pic(v: u8) -> Rgb {
        Rgb { width: 2, height: 2, data: vec![v; 12] }
    }

    #[test]
    fn the_cache_keeps_what_fits_and_serves_the_same_pictures() {
        let store = Store::new(Counting((0..10).map(pic).collect(), AtomicUsize::new(0)), 30);
        for round in 0..3 {
            for k in 0..10 {
                assert_eq!(store.get(k).unwrap().data, vec![k as u8; 12], "round {round}, key {k}");
            }
        }
        let s = store.stats();
        // Two pictures of 12 bytes fit in 30; the other eight are loaded on every use.
        assert_eq!((s.pictures, s.used_bytes, s.budget_bytes), (2, 24, 30));
        assert_eq!((s.hits, s.misses), (4, 26));
        assert!(store.get(99).unwrap_err().to_string().contains("row 99: not an image"));
    }

    #[test]
    fn concurrent_loaders_never_exceed_the_budget() {
        use rayon::prelude::*;
        let store = Store::new(Counting((0..64).map(|k| pic(k as u8)).collect(), AtomicUsize::new(0)), 12 * 20);
        (0..64 * 8).into_par_iter().for_each(|i| assert_eq!(store.get(i % 64).unwrap().data[0], (i % 64) as u8));
        let s = store.stats();
        assert!(s.used_bytes <= 12 * 20 && s.pictures * 12 == s.used_bytes, "{s:?}");
        assert_eq!(s.pictures, 20);
        assert_eq!(Store::new(Vec::<Rgb>::new(), 0).get(0).unwrap_err().to_string(), "no picture 0");
        // A picture offered by a first pass is served from the cache while the budget lasts.
        let offered = Store::new(Vec::<Rgb>::new(), 12);
        offered.offer(3, pic(3));
        offered.offer(4, pic(4));
        assert_eq!(offered.get(3).unwrap().data, vec![3; 12]);
        assert!(offered.get(4).is_err(), "over the budget: not kept");
    }

    #[test]
    fn the_default_budget_is_an_eighth_of_the_machine() {
        let b = default_budget();
        match cytologia_kernels::machine::total_memory() {
            Some(m) => assert_eq!(b, m / 8),
            None => assert_eq!(b, 2 << 30),
        }
        assert!(b > 0);
    }
}
