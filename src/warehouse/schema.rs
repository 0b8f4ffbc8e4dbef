//! The warehouse as DataFusion's default schema: every Delta table and stored view is
//! visible by name, opened at its latest version when a statement is planned.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::error::{DataFusionError, Result};

use super::Warehouse;
use super::view::LazyView;

#[derive(Debug)]
pub struct WarehouseSchema {
    warehouse: Arc<Warehouse>,
    /// Names seen at the last refresh; `table()` also finds tables created since by other
    /// processes.
    tables: RwLock<BTreeSet<String>>,
    views: RwLock<BTreeMap<String, Arc<LazyView>>>,
}

impl WarehouseSchema {
    pub fn new(warehouse: Arc<Warehouse>) -> Self {
        WarehouseSchema { warehouse, tables: RwLock::default(), views: RwLock::default() }
    }

    pub async fn refresh(&self) -> crate::error::Result<()> {
        let names = self.warehouse.list_tables().await?;
        if let Ok(mut t) = self.tables.write() {
            *t = names;
        }
        Ok(())
    }

    pub fn set_view(&self, name: &str, view: Option<Arc<LazyView>>) {
        if let Ok(mut v) = self.views.write() {
            match view {
                Some(view) => v.insert(name.to_string(), view),
                None => v.remove(name),
            };
        }
    }

    pub fn has_view(&self, name: &str) -> bool {
        self.views.read().map(|v| v.contains_key(name)).unwrap_or(false)
    }

    pub fn note_table(&self, name: &str, exists: bool) {
        if let Ok(mut t) = self.tables.write() {
            if exists {
                t.insert(name.to_string());
            } else {
                t.remove(name);
            }
        }
    }
}

#[async_trait]
impl SchemaProvider for WarehouseSchema {
    fn table_names(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = self.tables.read().map(|t| t.clone()).unwrap_or_default();
        if let Ok(v) = self.views.read() {
            names.extend(v.keys().cloned());
        }
        names.into_iter().collect()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        if let Some(v) = self.views.read().ok().and_then(|v| v.get(name).cloned()) {
            return Ok(Some(v));
        }
        if super::check_name(name).is_err() {
            return Ok(None);
        }
        let table = match self.warehouse.open_table(name, None).await {
            Ok(t) => t,
            Err(crate::error::Error::Table { message, .. }) if message == "no such table" => {
                self.note_table(name, false);
                return Ok(None);
            }
            // A damaged table stays listed (information_schema reads every table) and fails
            // with its repair hint when read.
            Err(e @ crate::error::Error::DamagedLog { .. }) => {
                return Ok(Some(Arc::new(super::damaged::DamagedTable::new(e.to_string()))));
            }
            Err(e) => return Err(DataFusionError::External(Box::new(e))),
        };
        self.note_table(name, true);
        let provider = table.table_provider().await?;
        Ok(Some(provider))
    }

    fn register_table(&self, name: String, _table: Arc<dyn TableProvider>) -> Result<Option<Arc<dyn TableProvider>>> {
        Err(DataFusionError::Plan(format!("cannot register '{name}' in the warehouse directly: use CREATE TABLE / CREATE VIEW through cytologia's engine")))
    }

    fn deregister_table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        Err(DataFusionError::Plan(format!("cannot drop '{name}' here: use DROP TABLE through cytologia's engine")))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.has_view(name) || self.tables.read().map(|t| t.contains(name)).unwrap_or(false)
    }
}
