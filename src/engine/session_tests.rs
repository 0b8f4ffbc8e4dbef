//! Sessions of one engine (`Engine::session`): their own roles and settings, one warehouse.
use datafusion::arrow::array::AsArray;
use futures::TryStreamExt;

use crate::engine::{Engine, Output};
use cytologia_udfs::access::Role;

async fn one_value(engine: &Engine, sql: &str) -> String {
    let Output::Rows { stream, .. } = engine.execute(sql).await.unwrap() else { panic!("{sql}: no rows") };
    let batches: Vec<_> = stream.try_collect().await.unwrap();
    let column = datafusion::arrow::compute::cast(batches[0].column(batches[0].num_columns() - 1), &datafusion::arrow::datatypes::DataType::Utf8).unwrap();
    column.as_string::<i32>().value(0).to_string()
}

/// Two sessions of one engine: their own roles and settings, one warehouse.
#[tokio::test]
async fn sessions_keep_their_settings_and_share_the_warehouse() {
    let dir = tempfile::tempdir().unwrap();
    let engine = crate::engine::build(&crate::Config::default().with_warehouse(dir.path().to_str().unwrap())).await.unwrap();
    let admin = engine.session(Role::Admin).unwrap();
    let analyst = engine.session(Role::Analyst).unwrap();

    admin.execute("SET datafusion.format.null = 'none-here'").await.unwrap();
    assert_eq!(one_value(&admin, "SHOW datafusion.format.null").await, "none-here");
    assert_eq!(one_value(&analyst, "SHOW datafusion.format.null").await, "");
    analyst.execute("SET datafusion.format.null = 'analyst'").await.unwrap();
    assert_eq!(one_value(&admin, "SHOW datafusion.format.null").await, "none-here");
    assert_eq!(one_value(&engine, "SHOW datafusion.format.null").await, "");

    admin.execute("CREATE TABLE shared AS SELECT 7 AS v").await.unwrap();
    assert_eq!(one_value(&analyst, "SELECT v FROM shared").await, "7");
    let refused = analyst.execute("DROP TABLE shared").await.err().unwrap().to_string();
    assert!(refused.contains("read-only session"), "{refused}");
    // The analyst session's role stayed its own.
    engine.execute("DROP TABLE shared").await.unwrap();
}
