//! Printing results: an aligned table for people, CSV (one header line) and JSON for programs.
//! CSV and JSON stream batch by batch; the table collects to align columns.
use std::io::Write;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use futures::StreamExt;

use crate::engine::Output;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

/// Writes one statement's output; returns the number of rows printed.
pub async fn write(out: Output, format: Format, w: &mut dyn Write) -> Result<usize> {
    let (schema, mut stream) = match out {
        Output::Done(msg) => {
            if format == Format::Table {
                writeln!(w, "{msg}").map_err(|e| Error::io("stdout", e))?;
            }
            return Ok(0);
        }
        Output::Rows { schema, stream } => (schema, stream),
    };
    let io = |e: std::io::Error| Error::io("stdout", e);
    let mut rows = 0;
    match format {
        Format::Table => {
            let mut batches = Vec::new();
            while let Some(b) = stream.next().await {
                let b = b?;
                rows += b.num_rows();
                batches.push(readable(&b)?);
            }
            if batches.is_empty() {
                batches.push(readable(&RecordBatch::new_empty(schema))?);
            }
            writeln!(w, "{}", pretty_format_batches(&batches)?).map_err(io)?;
            writeln!(w, "{rows} row{}", if rows == 1 { "" } else { "s" }).map_err(io)?;
        }
        Format::Csv => {
            let mut writer = datafusion::arrow::csv::WriterBuilder::new().with_header(true).build(&mut *w);
            let mut wrote_any = false;
            while let Some(b) = stream.next().await {
                let b = flat(&b?)?;
                rows += b.num_rows();
                writer.write(&b)?;
                wrote_any = true;
            }
            if !wrote_any {
                writer.write(&flat(&RecordBatch::new_empty(schema))?)?;
            }
        }
        Format::Json => {
            let mut writer = datafusion::arrow::json::ArrayWriter::new(&mut *w);
            while let Some(b) = stream.next().await {
                let b = b?;
                rows += b.num_rows();
                writer.write(&b)?;
            }
            writer.finish()?;
            drop(writer);
            if rows == 0 {
                write!(w, "[]").map_err(io)?;
            }
            writeln!(w).map_err(io)?;
        }
    }
    Ok(rows)
}

/// For the table view: bytes are shown as their length (an image would fill the screen).
fn readable(b: &RecordBatch) -> Result<RecordBatch> {
    map_columns(b, &|a| match a.data_type() {
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => Some(binary_len(a)),
        _ => None,
    })
}

/// For CSV: nested values (lists, structs) become JSON text, bytes their length.
fn flat(b: &RecordBatch) -> Result<RecordBatch> {
    map_columns(b, &|a| match a.data_type() {
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => Some(binary_len(a)),
        DataType::List(_) | DataType::LargeList(_) | DataType::Struct(_) | DataType::FixedSizeList(..) | DataType::Map(..) => json_text(&readable_nested(a)),
        _ => None,
    })
}

/// One JSON document per row (NULL stays NULL), through arrow's JSON writer.
fn json_text(a: &ArrayRef) -> Option<ArrayRef> {
    let field = datafusion::arrow::datatypes::Field::new("v", a.data_type().clone(), true);
    let batch = RecordBatch::try_new(std::sync::Arc::new(datafusion::arrow::datatypes::Schema::new(vec![field])), vec![a.clone()]).ok()?;
    let mut buf = Vec::new();
    {
        let mut w = datafusion::arrow::json::LineDelimitedWriter::new(&mut buf);
        w.write(&batch).ok()?;
        w.finish().ok()?;
    }
    let text = String::from_utf8(buf).ok()?;
    let values: Vec<Option<String>> =
        text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).ok().and_then(|mut row| row.get_mut("v").map(|v| v.take().to_string()))).collect();
    (values.len() == a.len()).then(|| std::sync::Arc::new(StringArray::from(values)) as ArrayRef)
}

fn readable_nested(a: &ArrayRef) -> ArrayRef {
    if let DataType::Struct(fields) = a.data_type() {
        let s = a.as_struct();
        let cols: Vec<ArrayRef> = s
            .columns()
            .iter()
            .map(|c| match c.data_type() {
                DataType::Binary | DataType::LargeBinary | DataType::BinaryView => binary_len(c),
                _ => readable_nested(c),
            })
            .collect();
        let fields: Vec<Field> = fields.iter().zip(&cols).map(|(f, c)| Field::new(f.name(), c.data_type().clone(), true)).collect();
        if let Ok(s2) = StructArray::try_new(fields.into(), cols, s.nulls().cloned()) {
            return Arc::new(s2);
        }
    }
    a.clone()
}

fn binary_len(a: &ArrayRef) -> ArrayRef {
    let text: StringArray = (0..a.len())
        .map(|i| {
            if a.is_null(i) {
                return None;
            }
            let n = match a.data_type() {
                DataType::Binary => a.as_binary::<i32>().value(i).len(),
                DataType::LargeBinary => a.as_binary::<i64>().value(i).len(),
                _ => a.as_binary_view().value(i).len(),
            };
            Some(format!("<{n} bytes>"))
        })
        .collect();
    Arc::new(text)
}

fn map_columns(b: &RecordBatch, f: &dyn Fn(&ArrayRef) -> Option<ArrayRef>) -> Result<RecordBatch> {
    let mut fields = Vec::new();
    let mut cols = Vec::new();
    for (field, col) in b.schema().fields().iter().zip(b.columns()) {
        let col = match col.data_type() {
            DataType::Struct(_) if f(col).is_none() => readable_nested(col),
            _ => f(col).unwrap_or_else(|| col.clone()),
        };
        fields.push(Field::new(field.name(), col.data_type().clone(), true));
        cols.push(col);
    }
    Ok(RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        cols,
        &datafusion::arrow::array::RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
    )?)
}
