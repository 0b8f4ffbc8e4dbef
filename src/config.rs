//! Engine configuration: where the warehouse is, and defaults functions read.
use std::collections::HashMap;
use std::path::Path;

use url::Url;

use crate::error::{Error, Result};

pub const DEFAULT_WAREHOUSE: &str = "./warehouse";

#[derive(Debug, Clone)]
pub struct Config {
    /// A folder path, `file://` URL or (with the `s3` feature) an `s3://bucket/prefix` URL.
    pub warehouse: String,
    /// Object-store options (e.g. `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`), taken from the
    /// environment for s3 warehouses.
    pub storage_options: HashMap<String, String>,
    pub device: String,
    pub threads: usize,
    /// Progress bars on stderr for long scans (hidden when stderr is not a terminal).
    pub progress: bool,
    /// The session's role (`cytologia.role`): admin runs everything, analyst only reads.
    pub role: cytologia_udfs::access::Role,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            warehouse: std::env::var("CYTOLOGIA_WAREHOUSE").unwrap_or_else(|_| DEFAULT_WAREHOUSE.to_string()),
            storage_options: storage_options_from_env(),
            device: "auto".into(),
            threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            progress: false,
            role: cytologia_udfs::access::Role::Admin,
        }
    }
}

impl Config {
    pub fn with_warehouse(mut self, w: impl Into<String>) -> Self {
        self.warehouse = w.into();
        self
    }

    /// The warehouse root as a URL ending in '/'. Local folders are created.
    pub fn warehouse_url(&self) -> Result<Url> {
        let w = self.warehouse.trim();
        let mut url = if w.contains("://") {
            Url::parse(w).map_err(|e| Error::Warehouse(w.into(), e.to_string()))?
        } else {
            let p = Path::new(w);
            std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
            let abs = std::fs::canonicalize(p).map_err(|e| Error::io(p, e))?;
            Url::from_directory_path(&abs).map_err(|_| Error::Warehouse(w.into(), "not an absolute path".into()))?
        };
        match url.scheme() {
            "file" => {
                if let Ok(p) = url.to_file_path() {
                    std::fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
                }
            }
            "s3" | "s3a" => {
                if !cfg!(feature = "s3") {
                    return Err(Error::Warehouse(w.into(), "this build has no s3 support (cargo feature `s3`)".into()));
                }
            }
            "memory" => {}
            other => return Err(Error::Warehouse(w.into(), format!("unsupported scheme '{other}' (use a folder, file:// or s3://)"))),
        }
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        Ok(url)
    }
}

fn storage_options_from_env() -> HashMap<String, String> {
    std::env::vars().filter(|(k, _)| k.starts_with("AWS_")).collect()
}
