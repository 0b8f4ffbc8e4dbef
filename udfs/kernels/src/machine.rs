//! What the machine has, for the defaults that are sized to it (caches, batches).

/// The machine's physical memory in bytes (Linux: MemTotal of /proc/meminfo); None elsewhere or
/// when it cannot be read.
pub fn total_memory() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo_total(&text)
}

fn meminfo_total(text: &str) -> Option<usize> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::meminfo_total;

    #[test]
    fn reads_memtotal_in_bytes() {
        assert_eq!(meminfo_total("MemFree:   10 kB\nMemTotal:   24576000 kB\n"), Some(24576000 * 1024));
        assert_eq!(meminfo_total("MemFree: 10 kB\n"), None);
        assert_eq!(meminfo_total("MemTotal: lots kB\n"), None);
        if cfg!(target_os = "linux") {
            assert!(super::total_memory().is_some_and(|m| m > 0));
        }
    }
}
