//! `models` rows as Arrow, in the catalog's column order (catalog/tables/08_models.sql).
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, Int64Array, ListBuilder, RecordBatch, StringArray, StringBuilder, TimestampMicrosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::error::Result;

use super::registry::ModelInfo;

pub fn schema() -> SchemaRef {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let i = |n: &str| Field::new(n, DataType::Int64, true);
    Arc::new(Schema::new(vec![
        s("name"),
        s("task"),
        s("format"),
        s("architecture"),
        s("uri"),
        s("sha256"),
        i("input_size"),
        Field::new("classes", DataType::List(Arc::new(Field::new("element", DataType::Utf8, true))), true),
        i("fold"),
        s("preset"),
        Field::new("decoded", DataType::Boolean, true),
        Field::new("is_default", DataType::Boolean, true),
        Field::new("created_at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
        s("args"),
        s("inputs"),
        s("metrics"),
    ]))
}

pub fn batch(models: &[ModelInfo]) -> Result<RecordBatch> {
    let s = |f: &dyn Fn(&ModelInfo) -> Option<String>| -> ArrayRef { Arc::new(models.iter().map(f).collect::<StringArray>()) };
    let mut classes = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new("element", DataType::Utf8, true)));
    for m in models {
        for c in &m.classes {
            classes.values().append_value(c);
        }
        classes.append(true);
    }
    let cols: Vec<ArrayRef> = vec![
        s(&|m| Some(m.name.clone())),
        s(&|m| Some(m.task.clone())),
        s(&|m| Some(m.format.clone())),
        s(&|m| m.architecture.clone()),
        s(&|m| Some(m.uri.clone())),
        s(&|m| Some(m.sha256.clone())),
        Arc::new(models.iter().map(|m| m.input_size).collect::<Int64Array>()),
        Arc::new(classes.finish()),
        Arc::new(models.iter().map(|m| m.fold).collect::<Int64Array>()),
        s(&|m| m.preset.clone()),
        Arc::new(models.iter().map(|m| m.decoded).collect::<BooleanArray>()),
        Arc::new(models.iter().map(|m| Some(m.is_default)).collect::<BooleanArray>()),
        Arc::new(models.iter().map(|m| m.created_at_us).collect::<TimestampMicrosecondArray>().with_timezone("UTC")),
        s(&|m| m.args.clone()),
        s(&|m| m.inputs.clone()),
        s(&|m| m.metrics.clone()),
    ];
    Ok(RecordBatch::try_new(schema(), cols)?)
}
