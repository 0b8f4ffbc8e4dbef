//! Which files a location names: a folder (its files, sorted by name; hidden files skipped),
//! a glob pattern, a single file, or a `file://` URL of any of these.
use std::path::{Path, PathBuf};

use crate::error::{KernelError, Result};

pub fn list_files(location: &str) -> Result<Vec<PathBuf>> {
    let loc = location.strip_prefix("file://").unwrap_or(location);
    if loc.contains("://") {
        return Err(KernelError::Other(format!("'{location}': only local folders, files and globs are supported by this build")));
    }
    let mut files = if loc.contains(['*', '?', '[']) {
        let paths = glob::glob(loc).map_err(|e| KernelError::Other(format!("'{location}': invalid glob: {e}")))?;
        paths.filter_map(|p| p.ok()).filter(|p| p.is_file()).collect::<Vec<_>>()
    } else {
        let p = Path::new(loc);
        let meta = std::fs::metadata(p).map_err(|source| KernelError::Io { path: location.to_string(), source })?;
        if meta.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|source| KernelError::Io { path: location.to_string(), source })?;
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
                .collect()
        } else {
            vec![p.to_path_buf()]
        }
    };
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()).then(a.cmp(b)));
    if files.is_empty() {
        return Err(KernelError::Other(format!("no files found at '{location}'")));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_glob_file_and_errors() {
        let dir = std::env::temp_dir().join(format!("cytologia-listing-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for n in ["b.jpg", "a.jpg", "c.png", ".hidden"] {
            std::fs::write(dir.join(n), b"x").unwrap();
        }
        let names = |v: Vec<PathBuf>| v.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect::<Vec<_>>();
        assert_eq!(names(list_files(dir.to_str().unwrap()).unwrap()), ["a.jpg", "b.jpg", "c.png"]);
        assert_eq!(names(list_files(&format!("{}/*.jpg", dir.display())).unwrap()), ["a.jpg", "b.jpg"]);
        assert_eq!(names(list_files(&format!("file://{}/a.jpg", dir.display())).unwrap()), ["a.jpg"]);
        assert!(list_files(dir.join("sub").to_str().unwrap()).unwrap_err().to_string().contains("no files found"));
        assert!(list_files("/no/such/dir").unwrap_err().to_string().contains("/no/such/dir"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
