//! Local warehouses that survive a power loss: object_store's local file system writes files
//! (and renames them into place) without fsync, so after a crash a commit that was reported
//! could be missing, or present as an empty file. This store syncs every file it writes, and
//! the folder that names it, before the write returns. Delta writes a table's data files before
//! its log entry, so the entry is never on disk before the rows it points at.
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Once};

use async_trait::async_trait;
use bytes::Bytes;
use deltalake::logstore::{ObjectStoreFactory, ObjectStoreRef, StorageConfig, object_store_factories};
use deltalake::{DeltaResult, DeltaTableError};
use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult,
    RenameOptions, UploadPart,
};
use url::Url;

#[derive(Debug)]
pub struct DurableLocal {
    inner: Arc<LocalFileSystem>,
}

impl fmt::Display for DurableLocal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DurableLocal({})", self.inner)
    }
}

/// fsync of a file and of its folder (the folder entry makes a new or renamed name durable).
fn sync_path(path: PathBuf) -> std::io::Result<()> {
    std::fs::File::open(&path)?.sync_all()?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

async fn sync(inner: &LocalFileSystem, location: &Path) -> object_store::Result<()> {
    let path = inner.path_to_filesystem(location)?;
    tokio::task::spawn_blocking(move || sync_path(path.clone()).map_err(|e| object_store::Error::Generic { store: "DurableLocal", source: Box::new(e) }))
        .await
        .map_err(|e| object_store::Error::Generic { store: "DurableLocal", source: Box::new(e) })?
}

#[async_trait]
impl ObjectStore for DurableLocal {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> object_store::Result<PutResult> {
        let r = self.inner.put_opts(location, payload, opts).await?;
        sync(&self.inner, location).await?;
        Ok(r)
    }

    async fn put_multipart_opts(&self, location: &Path, opts: PutMultipartOptions) -> object_store::Result<Box<dyn MultipartUpload>> {
        let upload = self.inner.put_multipart_opts(location, opts).await?;
        Ok(Box::new(DurableUpload { inner: upload, store: self.inner.clone(), location: location.clone() }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> object_store::Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> object_store::Result<Vec<Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(&self, locations: BoxStream<'static, object_store::Result<Path>>) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(&self, prefix: Option<&Path>, offset: &Path) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await?;
        sync(&self.inner, to).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> object_store::Result<()> {
        self.inner.rename_opts(from, to, options).await?;
        sync(&self.inner, to).await
    }
}

#[derive(Debug)]
struct DurableUpload {
    inner: Box<dyn MultipartUpload>,
    store: Arc<LocalFileSystem>,
    location: Path,
}

#[async_trait]
impl MultipartUpload for DurableUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        self.inner.put_part(data)
    }

    async fn complete(&mut self) -> object_store::Result<PutResult> {
        let r = self.inner.complete().await?;
        sync(&self.store, &self.location).await?;
        Ok(r)
    }

    async fn abort(&mut self) -> object_store::Result<()> {
        self.inner.abort().await
    }
}

#[derive(Debug, Default)]
struct DurableStores;

impl ObjectStoreFactory for DurableStores {
    fn parse_url_opts(&self, url: &Url, _config: &StorageConfig) -> DeltaResult<(ObjectStoreRef, Path)> {
        let path = url.to_file_path().map_err(|_| DeltaTableError::InvalidTableLocation(url.to_string()))?;
        let path = Path::from_absolute_path(&path).map_err(|e| DeltaTableError::GenericError { source: Box::new(e) })?;
        Ok((Arc::new(DurableLocal { inner: Arc::new(LocalFileSystem::new()) }), path))
    }
}

/// Makes Delta open `file://` tables through [`DurableLocal`]; idempotent.
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let url = Url::parse("file://").expect("a scheme URL");
        object_store_factories().insert(url, Arc::new(DurableStores));
    });
}
