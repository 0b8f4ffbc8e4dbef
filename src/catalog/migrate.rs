//! Catalog versions. A warehouse records the version of the catalog it was made with
//! (`_cytologia/catalog.json`); opening one made by an older build brings it up to date (new
//! columns added to existing tables, one commit per table; new tables created), and one made
//! by a newer build is refused rather than misread. A warehouse without the record predates
//! it: version 1.
use crate::engine::{Engine, Output};
use crate::error::{Error, Result};

/// The catalog version this build writes.
pub const VERSION: u32 = 3;

/// What a version adds to the one before it.
struct Step {
    to: u32,
    why: &'static str,
    /// (table, column, SQL type): added, NULL in existing rows, to a table that exists.
    columns: &'static [(&'static str, &'static str, &'static str)],
}

const STEPS: &[Step] = &[
    Step { to: 2, why: "submission keeps its file's line order (row_number)", columns: &[("submission", "row_number", "BIGINT")] },
    // New tables and views come with the catalog's files, applied on every upgrade.
    Step { to: 3, why: "analyst views and the oof_predictions table", columns: &[] },
];

/// Brings the warehouse's catalog to [`VERSION`]; returns one line per change.
pub async fn upgrade(engine: &Engine) -> Result<Vec<String>> {
    let wh = engine.warehouse();
    let stored = wh.catalog_version().await?;
    if let Some(v) = stored
        && v > VERSION
    {
        return Err(Error::Usage(format!(
            "warehouse {} has catalog version {v}, written by a newer cytologia; this build knows versions up to {VERSION}: use a newer build",
            wh.root()
        )));
    }
    let fresh = stored.is_none() && !wh.exists("classes").await?;
    let from = stored.unwrap_or(if fresh { VERSION } else { 1 });
    let mut done = Vec::new();
    for step in STEPS.iter().filter(|s| s.to > from) {
        for (table, column, ty) in step.columns {
            if add_column(engine, table, column, ty).await? {
                done.push(format!("catalog {}: added {table}.{column} ({})", step.to, step.why));
            }
        }
    }
    if stored != Some(VERSION) {
        done.extend(super::apply(engine).await?);
        wh.set_catalog_version(VERSION).await?;
        if !fresh {
            done.push(format!("catalog upgraded from version {from} to {VERSION}"));
        }
    }
    Ok(done)
}

/// Adds `column` to `table` in one commit, when the table exists without it.
async fn add_column(engine: &Engine, table: &str, column: &str, ty: &str) -> Result<bool> {
    if !engine.warehouse().exists(table).await? {
        return Ok(false);
    }
    let provider = engine.ctx().table_provider(table).await?;
    if provider.schema().field_with_name(column).is_ok() {
        return Ok(false);
    }
    let sql = format!("CREATE OR REPLACE TABLE {table} AS SELECT *, CAST(NULL AS {ty}) AS {column} FROM {table}");
    match engine.execute(&sql).await? {
        Output::Done(_) => Ok(true),
        Output::Rows { .. } => Err(Error::Usage(format!("adding {table}.{column} returned rows"))),
    }
}
