//! The warehouse: every table is a Delta table under one root (a local folder by default, S3
//! with the `s3` feature). Writes stream their input into Parquet files and become visible in
//! one atomic commit, so a failed or killed statement leaves the previous version intact.
mod damaged;
mod durable;
pub mod log;
pub mod maintain;
#[cfg(feature = "s3")]
mod s3;
mod schema;
pub mod view;

pub use schema::WarehouseSchema;
pub use view::StoredView;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use datafusion::execution::context::SessionState;
use datafusion::logical_expr::LogicalPlan;
use deltalake::kernel::transaction::{CommitProperties, TransactionError};
use deltalake::protocol::SaveMode;
use deltalake::{DeltaTable, DeltaTableBuilder};
use futures::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use url::Url;

use cytologia_udfs::env::{TableVersionInfo, WriteMode};

use crate::error::{Error, Result, delta_error};

/// Folder, under the warehouse root, of cytologia's own metadata (view definitions).
const META_DIR: &str = "_cytologia";

#[derive(Debug)]
pub struct Warehouse {
    root: Url,
    storage_options: HashMap<String, String>,
    store: Arc<dyn ObjectStore>,
}

/// Table names are plain lower-case identifiers: they become folder names.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty() && name.len() <= 128 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.starts_with('_');
    if ok { Ok(()) } else { Err(Error::table(name, "invalid table name: use letters, digits and '_' (not leading)")) }
}

impl Warehouse {
    pub fn open(root: Url, storage_options: HashMap<String, String>) -> Result<Self> {
        durable::register();
        #[cfg(feature = "s3")]
        s3::register();
        // A builder rooted at the warehouse gives an object store with the same credentials and
        // options Delta uses for the tables.
        let builder = DeltaTableBuilder::from_url(root.clone())
            .map_err(|e| Error::Warehouse(root.to_string(), e.to_string()))?
            .with_storage_options(storage_options.clone());
        let store = builder.build_storage().map_err(|e| Error::Warehouse(root.to_string(), e.to_string()))?.object_store(None);
        Ok(Warehouse { root, storage_options, store })
    }

    pub fn root(&self) -> &Url {
        &self.root
    }

    pub fn table_url(&self, name: &str) -> Result<Url> {
        check_name(name)?;
        self.root.join(&format!("{name}/")).map_err(|e| Error::table(name, e.to_string()))
    }

    fn builder(&self, name: &str) -> Result<DeltaTableBuilder> {
        Ok(DeltaTableBuilder::from_url(self.table_url(name)?).map_err(|e| delta_error(name, e))?.with_storage_options(self.storage_options.clone()))
    }

    /// Opens a table at its latest version, or at `version`.
    pub async fn open_table(&self, name: &str, version: Option<i64>) -> Result<DeltaTable> {
        let mut b = self.builder(name)?;
        if !self.exists(name).await? {
            return Err(Error::table(name, "no such table"));
        }
        // One listing serves the damage check and the bound on `version` (Delta looks for a
        // missing version one file at a time).
        let versions = log::commit_versions(self.store.as_ref(), name).await?;
        if let Some(d) = log::damage_in(self.store.as_ref(), name, &versions).await? {
            return Err(log::damaged_error(name, &d));
        }
        if let Some(v) = version {
            let latest = versions.last().copied().unwrap_or(-1);
            if !(0..=latest).contains(&v) {
                return Err(Error::table(name, format!("version {v} does not exist: versions run from 0 to {latest} (see table_history('{name}'))")));
            }
            b = b.with_version(v as u64);
        }
        match b.load().await {
            Ok(t) => Ok(t),
            Err(deltalake::DeltaTableError::NotATable(_)) => Err(Error::table(name, "no such table")),
            Err(e) if version.is_some() => {
                Err(Error::table(name, format!("cannot read version {}: {e} (see table_history('{name}'))", version.unwrap_or_default())))
            }
            Err(e) => Err(delta_error(name, e)),
        }
    }

    /// A table exists when its Delta log has at least one entry.
    pub async fn exists(&self, name: &str) -> Result<bool> {
        check_name(name)?;
        let log = ObjectPath::from(format!("{name}/_delta_log"));
        let mut entries = self.store.list(Some(&log));
        match entries.try_next().await {
            Ok(first) => Ok(first.is_some()),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(Error::table(name, e.to_string())),
        }
    }

    /// Names of the Delta tables under the root.
    pub async fn list_tables(&self) -> Result<BTreeSet<String>> {
        let listing = self.store.list_with_delimiter(None).await.map_err(|e| Error::Warehouse(self.root.to_string(), e.to_string()))?;
        let mut out = BTreeSet::new();
        for prefix in listing.common_prefixes {
            let Some(name) = prefix.filename().map(str::to_string) else { continue };
            if check_name(&name).is_err() {
                continue;
            }
            let log = ObjectPath::from(format!("{name}/_delta_log"));
            let mut entries = self.store.list(Some(&log));
            if let Ok(Some(_)) = entries.try_next().await {
                out.insert(name);
            }
        }
        Ok(out)
    }

    /// Streams `plan` into table `name` in one commit and returns the rows written.
    pub async fn write(&self, name: &str, plan: LogicalPlan, mode: WriteMode, state: &SessionState) -> Result<u64> {
        let table = self.open_for_write(name).await?;
        let exists = table.version().is_some();
        let save_mode = match (mode, exists) {
            (WriteMode::Create, true) => return Err(Error::table(name, "already exists (use CREATE OR REPLACE TABLE, or DROP TABLE first)")),
            (WriteMode::Append, false) => return Err(Error::table(name, "no such table")),
            (WriteMode::Replace, true) => SaveMode::Overwrite,
            (WriteMode::Create | WriteMode::Replace, false) => SaveMode::ErrorIfExists,
            (WriteMode::Append, true) => SaveMode::Append,
        };
        let table = Self::commit(table, name, plan, save_mode, state, CommitProperties::default()).await.map_err(|e| delta_error(name, e))?;
        Ok(last_commit_rows(&table).await)
    }

    /// Replaces table `name` with `plan` in one commit, only if its latest version is still
    /// `expected` (`None`: the table must not exist yet), the version `plan`'s rows were
    /// computed from. Returns `None`, having committed nothing, when another writer committed
    /// first: the caller re-reads and tries again (read-modify-write without lost updates).
    pub async fn replace_if_unchanged(&self, name: &str, plan: LogicalPlan, expected: Option<i64>, state: &SessionState) -> Result<Option<u64>> {
        let table = match expected {
            Some(v) => self.open_table(name, Some(v)).await?,
            None => self.open_for_write(name).await?,
        };
        if expected.is_none() && table.version().is_some() {
            return Ok(None);
        }
        let save_mode = if expected.is_some() { SaveMode::Overwrite } else { SaveMode::ErrorIfExists };
        // No retries: Delta's conflict check would let an overwrite based on an old read win.
        let once = CommitProperties::default().with_max_retries(0);
        match Self::commit(table, name, plan, save_mode, state, once).await {
            Ok(table) => Ok(Some(last_commit_rows(&table).await)),
            Err(deltalake::DeltaTableError::VersionAlreadyExists(_))
            | Err(deltalake::DeltaTableError::Transaction { source: TransactionError::MaxCommitAttempts(_) }) => Ok(None),
            Err(e) => Err(delta_error(name, e)),
        }
    }

    /// A clear error when the end of `name`'s log is damaged (see [`log::damage`]).
    pub async fn check_log(&self, name: &str) -> Result<()> {
        match log::damage(self.store.as_ref(), name).await? {
            Some(d) => Err(log::damaged_error(name, &d)),
            None => Ok(()),
        }
    }

    /// Rolls a table with a damaged log back to its last readable version (`cytologia repair`).
    pub async fn repair(&self, name: &str) -> Result<Option<log::Repaired>> {
        check_name(name)?;
        if !self.exists(name).await? {
            return Err(Error::table(name, "no such table"));
        }
        let repaired = log::repair(self.store.as_ref(), name).await?;
        if repaired.is_some() {
            self.open_table(name, None).await?;
        }
        Ok(repaired)
    }

    /// The table at its latest version, or an empty handle when it does not exist yet.
    async fn open_for_write(&self, name: &str) -> Result<DeltaTable> {
        self.check_log(name).await?;
        let url = self.table_url(name)?;
        if let Ok(dir) = url.to_file_path() {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        DeltaTable::try_from_url_with_storage_options(url, self.storage_options.clone()).await.map_err(|e| delta_error(name, e))
    }

    async fn commit(
        table: DeltaTable,
        name: &str,
        plan: LogicalPlan,
        save_mode: SaveMode,
        state: &SessionState,
        properties: CommitProperties,
    ) -> std::result::Result<DeltaTable, deltalake::DeltaTableError> {
        let mut builder = table
            .write(Vec::new())
            .with_input_plan(plan)
            .with_session_state(Arc::new(state.clone()))
            .with_save_mode(save_mode)
            .with_table_name(name)
            .with_commit_properties(properties);
        if save_mode == SaveMode::Overwrite {
            builder = builder.with_schema_mode(deltalake::operations::write::SchemaMode::Overwrite);
        }
        builder.await
    }

    /// The latest committed version of table `name`, `None` when it does not exist.
    pub async fn latest_version(&self, name: &str) -> Result<Option<i64>> {
        check_name(name)?;
        Ok(log::commit_versions(self.store.as_ref(), name).await?.last().copied())
    }

    /// Deletes a table: the log first, so a table dropped half-way is already gone.
    pub async fn drop_table(&self, name: &str) -> Result<()> {
        check_name(name)?;
        for sub in [format!("{name}/_delta_log"), name.to_string()] {
            let prefix = ObjectPath::from(sub);
            let paths = self.store.list(Some(&prefix)).map_ok(|m| m.location).boxed();
            self.store.delete_stream(paths).try_collect::<Vec<_>>().await.map_err(|e| Error::table(name, format!("drop failed: {e}")))?;
        }
        Ok(())
    }

    pub async fn history(&self, name: &str) -> Result<Vec<TableVersionInfo>> {
        let table = self.open_table(name, None).await?;
        let latest = table.version().unwrap_or(0) as i64;
        let commits: Vec<_> = table.history(None).try_collect().await.map_err(|e| delta_error(name, e))?;
        // delta-rs lists newest first; versions count down from the latest.
        Ok(commits
            .into_iter()
            .enumerate()
            .map(|(i, c)| TableVersionInfo {
                version: latest - i as i64,
                timestamp_ms: c.timestamp,
                operation: c.operation.clone(),
                parameters: c.operation_parameters.as_ref().and_then(|p| serde_json::to_string(p).ok()),
            })
            .collect())
    }

    // --- the catalog version: one small JSON object -----------------------------------

    fn catalog_path() -> ObjectPath {
        ObjectPath::from(format!("{META_DIR}/catalog.json"))
    }

    /// The catalog version recorded in the warehouse, `None` when none is.
    pub async fn catalog_version(&self) -> Result<Option<u32>> {
        let bytes = match self.store.get(&Self::catalog_path()).await {
            Ok(r) => r.bytes().await.map_err(|e| Error::Warehouse(self.root.to_string(), e.to_string()))?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(Error::Warehouse(self.root.to_string(), e.to_string())),
        };
        let v: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| Error::Warehouse(self.root.to_string(), format!("{META_DIR}/catalog.json: {e}")))?;
        let version = v.get("version").and_then(|v| v.as_u64()).and_then(|v| u32::try_from(v).ok());
        version.map(Some).ok_or_else(|| Error::Warehouse(self.root.to_string(), format!("{META_DIR}/catalog.json has no version")))
    }

    pub async fn set_catalog_version(&self, version: u32) -> Result<()> {
        let body = serde_json::json!({ "version": version, "written_by": concat!("cytologia ", env!("CARGO_PKG_VERSION")) });
        self.store
            .put(&Self::catalog_path(), body.to_string().into_bytes().into())
            .await
            .map_err(|e| Error::Warehouse(self.root.to_string(), format!("cannot record the catalog version: {e}")))?;
        Ok(())
    }

    // --- views: SQL text stored as one object per view, written atomically --------------

    fn view_path(name: &str) -> ObjectPath {
        ObjectPath::from(format!("{META_DIR}/views/{name}.json"))
    }

    pub async fn save_view(&self, view: &StoredView) -> Result<()> {
        check_name(&view.name)?;
        let body = serde_json::to_vec_pretty(view).map_err(|e| Error::table(&view.name, e.to_string()))?;
        self.store.put(&Self::view_path(&view.name), body.into()).await.map_err(|e| Error::table(&view.name, format!("cannot save view: {e}")))?;
        Ok(())
    }

    pub async fn delete_view(&self, name: &str) -> Result<bool> {
        match self.store.delete(&Self::view_path(name)).await {
            Ok(()) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(Error::table(name, format!("cannot drop view: {e}"))),
        }
    }

    pub async fn load_views(&self) -> Result<Vec<StoredView>> {
        let prefix = ObjectPath::from(format!("{META_DIR}/views"));
        let metas: Vec<_> = self.store.list(Some(&prefix)).try_collect().await.map_err(|e| Error::Warehouse(self.root.to_string(), e.to_string()))?;
        let mut views = Vec::new();
        for m in metas {
            if !m.location.as_ref().ends_with(".json") {
                continue;
            }
            let read = async { self.store.get(&m.location).await?.bytes().await };
            let bytes = read.await.map_err(|e| Error::Warehouse(self.root.to_string(), e.to_string()))?;
            match serde_json::from_slice::<StoredView>(&bytes) {
                Ok(v) => views.push(v),
                Err(e) => tracing::warn!("ignoring unreadable view file {}: {e}", m.location),
            }
        }
        views.sort_by(|a, b| a.created_ms.cmp(&b.created_ms).then(a.name.cmp(&b.name)));
        Ok(views)
    }
}

async fn last_commit_rows(table: &DeltaTable) -> u64 {
    let commits: Vec<_> = match table.history(Some(1)).try_collect().await {
        Ok(c) => c,
        Err(_) => return 0,
    };
    commits
        .first()
        .and_then(|c| c.info.get("operationMetrics"))
        .and_then(|m| m.get("num_added_rows"))
        .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
        .unwrap_or(0)
}

use futures::StreamExt as _;
