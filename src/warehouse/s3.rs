//! s3:// warehouses: object_store's S3 client registered with Delta (the `s3` cargo feature).
//! Credentials, region and endpoint come from the usual `AWS_*` variables and from the
//! warehouse's storage options, as object_store reads them (environment keys, web identity
//! tokens, container and instance metadata); named profiles in `~/.aws/config` are not read.
//! Commits use S3's conditional writes (`If-None-Match`), so two writers of one table never both
//! commit the same version; no lock table is needed.
use std::collections::HashMap;
use std::sync::{Arc, Once};

use deltalake::logstore::object_store::ObjectStoreScheme;
use deltalake::logstore::object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use deltalake::logstore::object_store::path::Path;
use deltalake::logstore::{
    LogStore, LogStoreFactory, ObjectStoreFactory, ObjectStoreRef, StorageConfig, default_logstore, logstore_factories, object_store_factories,
};
use deltalake::{DeltaResult, DeltaTableError};
use url::Url;

#[derive(Debug, Default)]
struct S3Stores;

/// The S3 settings: the storage options first, then the `AWS_*` environment (the same
/// settings the image functions use for s3:// images).
fn s3_options(raw: &HashMap<String, String>) -> Vec<(AmazonS3ConfigKey, String)> {
    let mut out = cytologia_udfs::image::object_urls::s3_options(raw);
    // Delta renames some files only when the target is absent; on S3 that takes a conditional
    // multipart copy (what deltalake's own S3 support configures too).
    if !out.iter().any(|(k, _)| *k == AmazonS3ConfigKey::CopyIfNotExists) {
        out.push((AmazonS3ConfigKey::CopyIfNotExists, "multipart".into()));
    }
    out
}

impl ObjectStoreFactory for S3Stores {
    fn parse_url_opts(&self, url: &Url, config: &StorageConfig) -> DeltaResult<(ObjectStoreRef, Path)> {
        let mut builder = AmazonS3Builder::new().with_url(url.to_string());
        for (key, value) in s3_options(&config.raw) {
            builder = builder.with_config(key, value);
        }
        let store = builder.build()?;
        let (_, path) = ObjectStoreScheme::parse(url).map_err(|e| DeltaTableError::GenericError { source: Box::new(e) })?;
        Ok((Arc::new(store), Path::parse(path)?))
    }
}

#[derive(Debug, Default)]
struct S3Logs;

impl LogStoreFactory for S3Logs {
    fn with_options(&self, prefixed: ObjectStoreRef, root: ObjectStoreRef, location: &Url, options: &StorageConfig) -> DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(prefixed, root, location, options))
    }
}

/// Makes `s3://` (and `s3a://`) URLs openable by Delta; idempotent.
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for scheme in ["s3", "s3a"] {
            let url = Url::parse(&format!("{scheme}://")).expect("a scheme URL");
            object_store_factories().insert(url.clone(), Arc::new(S3Stores));
            logstore_factories().insert(url, Arc::new(S3Logs));
        }
    });
}
