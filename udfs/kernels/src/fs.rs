//! Files the project writes and reads whole: atomic output (checkpoints, ONNX exports, COPY
//! to CSV, synthetic datasets) and cached sha256 of model weights.
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::error::{KernelError, Result};

/// A file written under a temporary name beside its target and renamed over it by
/// [`AtomicFile::commit`], so a reader (or a registration) sees the old file or the whole new
/// one, never a part. Dropped without a commit, the temporary file is removed.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    durable: bool,
    committed: bool,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl AtomicFile {
    /// Prepares a write of `target`, making its folder when missing. Commits are durable
    /// (the data and the rename reach the disk before `commit` returns).
    pub fn new(target: &Path) -> io::Result<Self> {
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("'{}' is not a file path", target.display())))?;
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        // Process id and a counter: concurrent writers of one target never share a temporary file.
        let tmp = target.with_file_name(format!(".{name}.{}-{}.tmp", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        Ok(AtomicFile { target: target.to_path_buf(), tmp, durable: true, committed: false })
    }

    /// Skips the flushes to disk: for output that is cheap to make again (synthetic images),
    /// where an fsync per file would dominate the run.
    pub fn not_durable(mut self) -> Self {
        self.durable = false;
        self
    }

    /// Where to write the content before `commit`.
    pub fn tmp_path(&self) -> &Path {
        &self.tmp
    }

    /// Creates (truncates) the temporary file for writing.
    pub fn create(&self) -> io::Result<std::fs::File> {
        std::fs::File::create(&self.tmp)
    }

    /// Flushes the temporary file, renames it over the target and flushes the folder entry.
    pub fn commit(mut self) -> io::Result<()> {
        if self.durable {
            std::fs::File::open(&self.tmp)?.sync_all()?;
        }
        std::fs::rename(&self.tmp, &self.target)?;
        self.committed = true;
        if self.durable {
            // The rename itself is durable only once the folder is flushed.
            if let Some(dir) = self.target.parent().filter(|d| !d.as_os_str().is_empty())
                && let Ok(d) = std::fs::File::open(dir)
            {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `target` atomically and durably.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let file = AtomicFile::new(target)?;
    std::fs::write(file.tmp_path(), bytes)?;
    file.commit()
}

type HashCache = Mutex<HashMap<(String, u64, Option<SystemTime>), String>>;
static HASHES: std::sync::LazyLock<HashCache> = std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

/// sha256 of a file, hex. Remembered per (path, size, mtime), so a query checks each model's
/// weights once, yet a replaced file is hashed again.
pub fn file_sha256(path: &str) -> Result<String> {
    let io = |source| KernelError::Io { path: path.to_string(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(KernelError::Other(format!("'{path}' is not a file")));
    }
    let key = (path.to_string(), meta.len(), meta.modified().ok());
    if let Some(h) = HASHES.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(h);
    }
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut f, &mut hasher).map_err(io)?;
    let h = hex::encode(hasher.finalize());
    if let Ok(mut c) = HASHES.lock() {
        c.insert(key, h.clone());
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_leaves_the_target() {
        let dir = std::env::temp_dir().join(format!("cyto-atomic-{}", std::process::id()));
        let target = dir.join("sub/out.txt");
        write_atomic(&target, b"one").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        {
            let f = AtomicFile::new(&target).unwrap();
            std::fs::write(f.tmp_path(), b"half").unwrap();
            // dropped without commit
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        let left: Vec<_> = std::fs::read_dir(dir.join("sub")).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left.len(), 1, "the temporary file is removed: {left:?}");
        write_atomic(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert!(AtomicFile::new(Path::new("/")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
