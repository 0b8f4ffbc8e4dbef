use std::path::Path;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::ScalarValue;
use datafusion::datasource::provider_as_source;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Documentation, LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;

use crate::error::UdfError;
use crate::image::object_urls;
use crate::tablefn::{InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature};
use cytologia_kernels::ingest::annotations::{self, Kind, Record};

const NAME: &str = "read_annotations";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Reads one of the challenge's CSV files strictly, keeping the file's line order in \
         `row_number` (1 = first data line). `kind => 'train'` expects `NAME,x1,y1,x2,y2,class` and \
         returns `row_number, name, x1, y1, x2, y2, class`; `'test'` expects `trustii_id,NAME`; \
         `'test_truth'` expects `trustii_id,NAME,x1,y1,x2,y2,class`. A bad row is an error naming \
         the file, line and field; a class name outside the 23 is rejected with the valid list.",
        "read_annotations(path, kind => 'train' [, missing_ok => false])",
    )
    .with_argument("path", "The CSV file: a path, or an `s3://bucket/key` URL (credentials as for s3:// warehouses).")
    .with_sql_example("CREATE OR REPLACE TABLE labels AS SELECT * FROM read_annotations('smears/train.csv', kind => 'train');")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature {
    input: InputKind::None,
    params: vec![
        Param::required("path", ParamKind::Str, "the CSV file"),
        Param::optional("kind", ParamKind::Str, ScalarValue::Utf8(Some("train".into())), "'train', 'test' or 'test_truth'"),
        Param::optional("missing_ok", ParamKind::Bool, ScalarValue::Boolean(Some(false)), "a missing file gives zero rows instead of an error"),
    ],
});

fn schema(kind: Kind) -> SchemaRef {
    let i = |n: &str| Field::new(n, DataType::Int64, false);
    let t = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(match kind {
        Kind::Train => vec![i("row_number"), t("name"), i("x1"), i("y1"), i("x2"), i("y2"), t("class")],
        Kind::Test => vec![i("row_number"), i("trustii_id"), t("name")],
        Kind::TestTruth => vec![i("row_number"), i("trustii_id"), t("name"), i("x1"), i("y1"), i("x2"), i("y2"), t("class")],
    }))
}

#[derive(Debug, Default)]
pub struct ReadAnnotations;

impl TableFn for ReadAnnotations {
    fn name(&self) -> &'static str {
        NAME
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
        let path = call.args.str("path")?.to_string();
        let kind_s = call.args.str("kind")?;
        let kind = Kind::parse(kind_s).ok_or_else(|| call.args.error(format!("kind must be 'train', 'test' or 'test_truth', got '{kind_s}'")))?;
        let missing_ok = call.args.bool("missing_ok")?;
        // An object's absence shows when it is read.
        if !object_urls::is_object_url(&path) && !Path::new(&path).exists() && !missing_ok {
            return Err(call.args.error(format!("'{path}' does not exist")));
        }
        let schema = schema(kind);
        let part = CsvPartition { path, kind, missing_ok, schema: schema.clone() };
        let table = StreamingTable::try_new(schema, vec![Arc::new(part)])?;
        LogicalPlanBuilder::scan(NAME, provider_as_source(Arc::new(table)), None)?.build()
    }
}

#[derive(Debug)]
struct CsvPartition {
    path: String,
    kind: Kind,
    missing_ok: bool,
    schema: SchemaRef,
}

impl PartitionStream for CsvPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }
    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (path, kind, missing_ok, schema) = (self.path.clone(), self.kind, self.missing_ok, self.schema.clone());
        let fut = async move {
            let records = tokio::task::spawn_blocking(move || read(&path, kind, missing_ok))
                .await
                .map_err(|e| DataFusionError::Execution(e.to_string()))?
                .map_err(|e| DataFusionError::Execution(format!("{NAME}(): {e}")))?;
            to_batch(&schema, &records, kind)
        };
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), futures::stream::once(fut)))
    }
}

/// The records of a local file or an `s3://` object; none for a missing one when `missing_ok`.
fn read(path: &str, kind: Kind, missing_ok: bool) -> std::result::Result<Vec<Record>, UdfError> {
    if object_urls::is_object_url(path) {
        return match object_urls::read_optional(path, MAX_CSV_BYTES)? {
            Some(bytes) => Ok(annotations::parse(path, &bytes, kind)?),
            None if missing_ok => Ok(Vec::new()),
            None => Err(UdfError::Other(format!("'{path}' does not exist"))),
        };
    }
    if !Path::new(path).exists() {
        return Ok(Vec::new());
    }
    Ok(annotations::read(Path::new(path), kind)?)
}

/// The challenge's train.csv is 3 MB: a CSV object above this is not an annotation file.
const MAX_CSV_BYTES: u64 = 1 << 30;

fn to_batch(schema: &SchemaRef, r: &[Record], kind: Kind) -> Result<RecordBatch> {
    let ints = |f: &dyn Fn(&Record) -> i64| -> ArrayRef { Arc::new(Int64Array::from_iter_values(r.iter().map(f))) };
    let texts = |f: &dyn Fn(&Record) -> &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(r.iter().map(f))) };
    let rn = ints(&|x| x.row_number);
    let id = ints(&|x| x.trustii_id.unwrap_or_default());
    let name = texts(&|x| x.name.as_str());
    let b = |k: usize| ints(&move |x: &Record| x.bbox.map_or(0, |b| b[k]));
    let class = texts(&|x| x.class.as_deref().unwrap_or(""));
    let cols = match kind {
        Kind::Train => vec![rn, name, b(0), b(1), b(2), b(3), class],
        Kind::Test => vec![rn, id, name],
        Kind::TestTruth => vec![rn, id, name, b(0), b(1), b(2), b(3), class],
    };
    Ok(RecordBatch::try_new(schema.clone(), cols)?)
}
