use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::datasource::{MemTable, provider_as_source};
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, LogicalPlan, LogicalPlanBuilder};

use crate::sync::block_on;
use crate::tablefn::{InputKind, TableFn, TableFnCall, TableFnSignature};

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsWarehouse;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Lists the committed versions of a warehouse table, newest first: version, commit time, \
         operation (WRITE, CREATE TABLE, ...) and its parameters as JSON.",
        "table_history(table)",
    )
    .with_argument("table", "A warehouse table name, bare or quoted.")
    .with_sql_example("SELECT version, operation FROM table_history(images);")
    .with_related_udf("table_at")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature { input: InputKind::TableName, params: vec![] });

#[derive(Debug, Default)]
pub struct TableHistory;

impl TableFn for TableHistory {
    fn name(&self) -> &'static str {
        "table_history"
    }
    fn effect(&self) -> crate::access::Effect {
        EFFECT
    }
    fn signature(&self) -> &TableFnSignature {
        &SIG
    }
    fn documentation(&self) -> &Documentation {
        &DOC
    }
    fn plan(&self, call: TableFnCall) -> Result<LogicalPlan> {
        let name = call.table_name.clone().unwrap_or_default();
        let env = call.env.clone();
        let versions = block_on(async { env.history(&name).await })?;
        let schema = Arc::new(Schema::new(vec![
            Field::new("version", DataType::Int64, false),
            Field::new("timestamp", DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())), true),
            Field::new("operation", DataType::Utf8, true),
            Field::new("parameters", DataType::Utf8, true),
        ]));
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(versions.iter().map(|v| v.version))),
            Arc::new(TimestampMillisecondArray::from(versions.iter().map(|v| v.timestamp_ms).collect::<Vec<_>>()).with_timezone("UTC")),
            Arc::new(StringArray::from(versions.iter().map(|v| v.operation.clone()).collect::<Vec<_>>())),
            Arc::new(StringArray::from(versions.iter().map(|v| v.parameters.clone()).collect::<Vec<_>>())),
        ];
        let batch = RecordBatch::try_new(schema.clone(), cols)?;
        let table = MemTable::try_new(schema, vec![vec![batch]])?;
        LogicalPlanBuilder::scan("table_history", provider_as_source(Arc::new(table)), None)?.build()
    }
}
