//! libtorch's CPU allocations go through a cache of large blocks (torch_cpu_cache.cpp), so a
//! training or inference loop reuses its activation buffers instead of mapping fresh, zeroed
//! pages every step. Installed once per process, before the first libtorch job;
//! `CYTOLOGIA_TORCH_CACHE_MB` sets how much freed memory it may keep (4096 by default, 0 turns
//! it off). Training jobs give the cache back when they end.
use std::sync::Once;

unsafe extern "C" {
    fn cyto_cpu_cache_install(cap_bytes: u64) -> i32;
    fn cyto_cpu_cache_trim() -> u64;
    fn cyto_cpu_cache_stats(cached: *mut u64, hits: *mut u64, misses: *mut u64);
}

pub const ENV: &str = "CYTOLOGIA_TORCH_CACHE_MB";
const DEFAULT_CAP_MB: u64 = 4096;

/// The cap in MiB from the environment; a value that is not a whole number falls back to the
/// default with a notice naming the variable.
fn cap_mb() -> u64 {
    match std::env::var(ENV) {
        Err(_) => DEFAULT_CAP_MB,
        Ok(v) => v.trim().parse().unwrap_or_else(|_| {
            eprintln!("notice: {ENV}='{v}' is not a whole number of MiB; using {DEFAULT_CAP_MB}");
            DEFAULT_CAP_MB
        }),
    }
}

/// Installs the cache (once; later calls do nothing).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let cap = cap_mb();
        if cap == 0 {
            return;
        }
        // SAFETY: a C call that registers a C++ allocator object with static lifetime.
        if unsafe { cyto_cpu_cache_install(cap.saturating_mul(1 << 20)) } != 0 {
            eprintln!("notice: libtorch kept its own CPU allocator; running without the block cache");
        }
    });
}

/// Frees every cached block; returns the bytes given back.
pub fn trim() -> u64 {
    // SAFETY: takes the cache's lock; frees only blocks no tensor owns.
    unsafe { cyto_cpu_cache_trim() }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub cached_bytes: u64,
    pub hits: u64,
    pub misses: u64,
}

pub fn stats() -> Stats {
    let (mut cached_bytes, mut hits, mut misses) = (0, 0, 0);
    // SAFETY: three valid out-pointers.
    unsafe { cyto_cpu_cache_stats(&mut cached_bytes, &mut hits, &mut misses) };
    Stats { cached_bytes, hits, misses }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Kind, Tensor};

    #[test]
    fn a_freed_large_block_is_reused_and_holds_what_is_written() {
        install();
        // An odd size, so no other test running beside this one asks for the same block.
        let n = (3 << 20) / 4 + 12_347;
        let before = stats();
        let a = Tensor::arange(n, (Kind::Float, tch::Device::Cpu));
        assert_eq!(a.double_value(&[n - 1]), (n - 1) as f64);
        drop(a);
        assert!(stats().cached_bytes > 0, "the freed block was not kept");
        let b = Tensor::full([n], 7.0, (Kind::Float, tch::Device::Cpu));
        let after = stats();
        assert!(after.hits > before.hits, "the second allocation of the same size missed the cache: {before:?} -> {after:?}");
        assert_eq!(b.sum(Kind::Double).double_value(&[]), 7.0 * n as f64);
        // Small tensors bypass the cache but still allocate and free through it.
        let small = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
        assert_eq!(small.sum(Kind::Double).double_value(&[]), 6.0);
        drop(b);
        assert!(trim() > 0);
    }
}
