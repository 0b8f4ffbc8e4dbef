//! Images in object storage: `s3://bucket/key` paths, prefixes and globs, read through
//! object_store's S3 client with the settings an s3:// warehouse uses (the `AWS_*`
//! environment: keys, region, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`, web identity and instance
//! credentials). Image functions are synchronous and run on rayon or blocking threads, so each
//! request runs on a small I/O runtime of its own and the calling thread waits for it.
use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex};

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::error::UdfError;

const SCHEMES: [&str; 2] = ["s3://", "s3a://"];

/// True for a location this module reads (an `s3://` or `s3a://` URL).
pub fn is_object_url(location: &str) -> bool {
    SCHEMES.iter().any(|s| location.starts_with(s))
}

/// The S3 settings of `raw` (storage options, any case), then of the `AWS_*` environment; the
/// first wins.
pub fn s3_options(raw: &HashMap<String, String>) -> Vec<(AmazonS3ConfigKey, String)> {
    let mut out: HashMap<AmazonS3ConfigKey, String> = HashMap::new();
    for (k, v) in raw {
        if let Ok(key) = AmazonS3ConfigKey::from_str(&k.to_ascii_lowercase()) {
            out.insert(key, v.clone());
        }
    }
    for (k, v) in std::env::vars() {
        if let Ok(key) = AmazonS3ConfigKey::from_str(&k.to_ascii_lowercase()) {
            out.entry(key).or_insert(v);
        }
    }
    out.into_iter().collect()
}

/// `s3://bucket/some/key` as ("s3://", "bucket", "some/key").
fn split(url: &str) -> Result<(&'static str, &str, &str), UdfError> {
    let scheme = SCHEMES.iter().find(|s| url.starts_with(**s)).ok_or_else(|| UdfError::Other(format!("'{url}' is not an s3:// URL")))?;
    let rest = &url[scheme.len()..];
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(UdfError::Other(format!("'{url}': no bucket named (expected s3://bucket/key)")));
    }
    Ok((scheme, bucket, key))
}

fn remote(url: &str, e: impl std::fmt::Display) -> UdfError {
    UdfError::Other(format!("cannot read '{url}': {e}"))
}

fn store(url: &str, bucket: &str) -> Result<Arc<dyn ObjectStore>, UdfError> {
    static STORES: LazyLock<Mutex<HashMap<String, Arc<dyn ObjectStore>>>> = LazyLock::new(Default::default);
    let mut stores = STORES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = stores.get(bucket) {
        return Ok(s.clone());
    }
    let mut builder = AmazonS3Builder::new();
    for (key, value) in s3_options(&HashMap::new()) {
        builder = builder.with_config(key, value);
    }
    // The URL's bucket, whatever an `AWS_BUCKET` in the environment says.
    builder = builder.with_bucket_name(bucket);
    let s: Arc<dyn ObjectStore> = Arc::new(builder.build().map_err(|e| remote(url, e))?);
    stores.insert(bucket.to_string(), s.clone());
    Ok(s)
}

/// Runs `fut` on the I/O runtime and waits for it on this thread.
fn wait<F: Future + Send + 'static>(fut: F) -> Result<F::Output, UdfError>
where
    F::Output: Send + 'static,
{
    static IO: LazyLock<std::io::Result<tokio::runtime::Runtime>> =
        LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("cytologia-object-io").enable_all().build());
    let rt = IO.as_ref().map_err(|e| UdfError::Other(format!("cannot start the object-store I/O runtime: {e}")))?;
    futures::executor::block_on(rt.spawn(fut)).map_err(|e| UdfError::Other(format!("object-store request failed: {e}")))
}

/// The bytes of one object, refused unread when larger than `max_bytes`.
pub fn read(url: &str, max_bytes: u64) -> Result<Vec<u8>, UdfError> {
    read_optional(url, max_bytes)?.ok_or_else(|| UdfError::Other(format!("cannot read '{url}': no such object")))
}

/// As [`read`], with `None` for an object that does not exist.
pub fn read_optional(url: &str, max_bytes: u64) -> Result<Option<Vec<u8>>, UdfError> {
    let (_, bucket, key) = split(url)?;
    let (s, path, owned) = (store(url, bucket)?, ObjectPath::from(key), url.to_string());
    wait(async move {
        let got = match s.get(&path).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(remote(&owned, e)),
        };
        if got.meta.size > max_bytes {
            return Err(UdfError::Other(format!("'{owned}': object of {} bytes is larger than any accepted here ({max_bytes} bytes)", got.meta.size)));
        }
        Ok(Some(got.bytes().await.map_err(|e| remote(&owned, e))?.to_vec()))
    })?
}

/// One object a location names.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub url: String,
    pub name: String,
    pub size: u64,
}

/// Which objects a location names, as `list_files` does for local ones: a prefix ending in
/// `/` (the objects directly under it, sorted by name, hidden names skipped), a glob in the
/// last segment (`s3://b/images/*.jpg`), or one object.
pub fn list(location: &str) -> Result<Vec<Listed>, UdfError> {
    let (scheme, bucket, key) = split(location)?;
    let (folder, pattern) = match key.rsplit_once('/') {
        Some((dir, last)) if last.contains(['*', '?', '[']) => (dir.to_string(), Some(last)),
        None if key.contains(['*', '?', '[']) => (String::new(), Some(key)),
        _ if key.is_empty() || key.ends_with('/') => (key.trim_end_matches('/').to_string(), None),
        _ => (String::new(), None),
    };
    let glob = pattern.map(glob::Pattern::new).transpose().map_err(|e| UdfError::Other(format!("'{location}': invalid glob: {e}")))?;
    let s = store(location, bucket)?;
    let prefix = format!("{scheme}{bucket}/");
    let (owned, single) = (location.to_string(), !key.is_empty() && !key.ends_with('/') && glob.is_none());
    let object = ObjectPath::from(key);
    let mut found = wait(async move {
        let mut folder = folder;
        if single {
            match s.head(&object).await {
                Ok(meta) => return Ok(vec![listed(&prefix, &meta)]),
                // No such object: the location may be a folder written without its '/'.
                Err(object_store::Error::NotFound { .. }) => folder = object.to_string(),
                Err(e) => return Err(remote(&owned, e)),
            }
        }
        // One level, as a local folder is read: the objects directly under the prefix.
        let under = (!folder.is_empty()).then(|| ObjectPath::from(folder.as_str()));
        let level = s.list_with_delimiter(under.as_ref()).await.map_err(|e| remote(&owned, e))?;
        Ok::<_, UdfError>(
            level.objects.iter().map(|m| listed(&prefix, m)).filter(|l| !l.name.starts_with('.') && glob.as_ref().is_none_or(|g| g.matches(&l.name))).collect(),
        )
    })??;
    found.sort_by(|a, b| a.name.cmp(&b.name).then(a.url.cmp(&b.url)));
    if found.is_empty() {
        return Err(UdfError::Other(format!("no files found at '{location}'")));
    }
    Ok(found)
}

fn listed(prefix: &str, meta: &object_store::ObjectMeta) -> Listed {
    let key = meta.location.as_ref();
    Listed { url: format!("{prefix}{key}"), name: key.rsplit('/').next().unwrap_or(key).to_string(), size: meta.size }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_bucket_and_key() {
        assert_eq!(split("s3://b/images/a.jpg").unwrap(), ("s3://", "b", "images/a.jpg"));
        assert_eq!(split("s3a://b").unwrap(), ("s3a://", "b", ""));
        assert!(split("s3:///key").unwrap_err().to_string().contains("no bucket"));
        assert!(is_object_url("s3://b/k") && !is_object_url("/data/s3://x") && !is_object_url("file:///a"));
    }

    #[test]
    fn listed_objects_keep_their_url_and_name() {
        let e = listed(
            "s3://b/",
            &object_store::ObjectMeta { location: ObjectPath::from("x/y.jpg"), last_modified: Default::default(), size: 3, e_tag: None, version: None },
        );
        assert_eq!(e, Listed { url: "s3://b/x/y.jpg".into(), name: "y.jpg".into(), size: 3 });
    }
}
