use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, BinaryBuilder, Float64Builder, Int64Builder, ListBuilder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::ScalarValue;
use datafusion::datasource::provider_as_source;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Documentation, LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use sha2::{Digest, Sha256};

use super::object_urls::{self, Listed};
use super::value::MAX_FILE_BYTES;
use crate::env::ProgressSink;
use crate::tablefn::{InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature};
use cytologia_kernels::image::{codec, listing, perceptual_hash as phash, stats};

const NAME: &str = "read_images";
const BATCH: usize = 32;

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Reads every image file under a folder, glob or file: one row per file with its size, \
         mean and population std over all RGB values and per channel, the PHash of imagededup \
         (bit-identical), the file's sha256, and `error` (NULL, or why the file could not be read: \
         a corrupt, truncated, empty or non-image file never stops the scan unless `strict`). \
         Decoding runs in parallel on every core and streams batches. Non-RGB images are \
         converted as PIL's `convert(\"RGBA\").convert(\"RGB\")`.",
        "read_images(location [, content => false] [, strict => false])",
    )
    .with_argument(
        "location",
        "A folder (its files, sorted by name), a glob such as 'data/images/*.jpg', or a file; `file://` URLs too; or the same in \
         a bucket: 's3://bucket/images/', 's3://bucket/images/*.jpg', 's3://bucket/images/a.jpg' (credentials and endpoint \
         from the `AWS_*` environment, as for s3:// warehouses).",
    )
    .with_sql_example("CREATE TABLE images AS\nSELECT name, width, height, mean, std, phash FROM read_images('smears/images');")
    .with_related_udf("phash")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature {
    input: InputKind::None,
    params: vec![
        Param::required("location", ParamKind::Str, "folder, glob or file to read"),
        Param::optional("content", ParamKind::Bool, ScalarValue::Boolean(Some(false)), "add a `content` column with the file bytes"),
        Param::optional("strict", ParamKind::Bool, ScalarValue::Boolean(Some(false)), "fail on the first unreadable file instead of setting `error`"),
    ],
});

pub fn schema(content: bool) -> SchemaRef {
    let list = || DataType::List(Arc::new(Field::new("item", DataType::Float64, true)));
    let mut fields = vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("path", DataType::Utf8, false),
        Field::new("width", DataType::Int64, true),
        Field::new("height", DataType::Int64, true),
        Field::new("channels", DataType::Int64, true),
        Field::new("mean", DataType::Float64, true),
        Field::new("std", DataType::Float64, true),
        Field::new("mean_c", list(), true),
        Field::new("std_c", list(), true),
        Field::new("phash", DataType::Utf8, true),
        Field::new("sha256", DataType::Utf8, true),
        Field::new("error", DataType::Utf8, true),
    ];
    if content {
        fields.push(Field::new("content", DataType::Binary, true));
    }
    Arc::new(Schema::new(fields))
}

#[derive(Debug, Default)]
pub struct ReadImages;

impl TableFn for ReadImages {
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
        let location = call.args.str("location")?.to_string();
        let content = call.args.bool("content")?;
        let strict = call.args.bool("strict")?;
        let files: Vec<Source> = if object_urls::is_object_url(&location) {
            object_urls::list(&location).map_err(|e| call.args.error(e))?.into_iter().map(Source::Object).collect()
        } else {
            listing::list_files(&location).map_err(|e| call.args.error(e))?.into_iter().map(Source::File).collect()
        };
        let parts = call.env.config().threads.clamp(1, files.len().max(1));
        let progress = call.env.progress(NAME, files.len() as u64);
        let schema = schema(content);
        // Contiguous chunks keep each partition's rows in name order.
        let chunk = files.len().div_ceil(parts);
        let partitions: Vec<Arc<dyn PartitionStream>> = files
            .chunks(chunk.max(1))
            .map(|c| {
                Arc::new(ImagePartition { files: Arc::new(c.to_vec()), schema: schema.clone(), content, strict, progress: progress.clone() })
                    as Arc<dyn PartitionStream>
            })
            .collect();
        let table = StreamingTable::try_new(schema, partitions)?;
        LogicalPlanBuilder::scan(NAME, provider_as_source(Arc::new(table)), None)?.build()
    }
}

struct ImagePartition {
    files: Arc<Vec<Source>>,
    schema: SchemaRef,
    content: bool,
    strict: bool,
    progress: Arc<dyn ProgressSink>,
}

impl std::fmt::Debug for ImagePartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImagePartition({} files)", self.files.len())
    }
}

impl PartitionStream for ImagePartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<RecordBatch>>(2);
        let (files, schema, content, strict, progress) = (self.files.clone(), self.schema.clone(), self.content, self.strict, self.progress.clone());
        // Decoding is CPU-bound: it runs on a blocking thread, one per partition, and hands
        // batches over a small channel so it overlaps with whatever consumes them.
        tokio::task::spawn_blocking(move || {
            for chunk in files.chunks(BATCH) {
                let rows: Vec<Row> = chunk.iter().map(|p| read_one(p, content)).collect();
                if strict && let Some(r) = rows.iter().find(|r| r.error.is_some()) {
                    let msg = format!("{NAME}(): '{}': {}", r.path, r.error.as_deref().unwrap_or(""));
                    let _ = tx.blocking_send(Err(DataFusionError::Execution(msg)));
                    return;
                }
                progress.inc(rows.len() as u64);
                let batch = to_batch(&schema, &rows, content);
                if tx.blocking_send(batch).is_err() {
                    return; // the query was cancelled or finished early
                }
            }
        });
        let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
    }
}

struct Row {
    name: String,
    path: String,
    dims: Option<(u32, u32, u8)>,
    stats: Option<stats::ImageStats>,
    phash: Option<String>,
    sha256: Option<String>,
    error: Option<String>,
    bytes: Option<Vec<u8>>,
}

/// A file name as text: invalid UTF-8 bytes as `\xNN`, so two such names never collide.
fn escaped(os: &std::ffi::OsStr) -> String {
    let mut out = String::new();
    for chunk in os.as_encoded_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// A file on disk or an object in a bucket.
#[derive(Clone)]
enum Source {
    File(PathBuf),
    Object(Listed),
}

/// What a file's size and first bytes say, before it is read whole.
enum Probe {
    Image,
    /// Not a JPEG or PNG: hashed as a stream, never held whole for decoding.
    Unknown,
    Refused(String),
}

fn probe(path: &std::path::Path) -> Probe {
    use std::io::Read;
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return Probe::Refused(format!("cannot read file: {e}")),
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_FILE_BYTES {
        return Probe::Refused(format!("file of {len} bytes is larger than any image accepted ({MAX_FILE_BYTES} bytes)"));
    }
    let mut head = [0u8; 8];
    let n = f.read(&mut head).unwrap_or(0);
    if is_image_head(&head[..n]) { Probe::Image } else { Probe::Unknown }
}

fn stream_sha256(path: &std::path::Path) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).ok()?;
    Some(hex::encode(h.finalize()))
}

fn read_one(source: &Source, content: bool) -> Row {
    match source {
        Source::File(path) => read_file(path, content),
        Source::Object(object) => read_object(object, content),
    }
}

fn empty_row(name: String, path: String) -> Row {
    Row { name, path, dims: None, stats: None, phash: None, sha256: None, error: None, bytes: None }
}

fn read_file(path: &std::path::Path, content: bool) -> Row {
    let mut row = empty_row(path.file_name().map(escaped).unwrap_or_default(), escaped(path.as_os_str()));
    if path.to_str().is_none() {
        row.error = Some("the file name is not valid UTF-8 (shown with \\xNN escapes): rename the file".into());
        return row;
    }
    match probe(path) {
        Probe::Image => {}
        Probe::Refused(why) => {
            row.error = Some(why);
            return row;
        }
        Probe::Unknown => {
            row.error = Some(UNKNOWN_FORMAT.into());
            row.sha256 = stream_sha256(path);
            if content {
                row.bytes = std::fs::read(path).ok();
            }
            return row;
        }
    }
    match std::fs::read(path) {
        Ok(bytes) => decoded(row, bytes, content),
        Err(e) => {
            row.error = Some(format!("cannot read file: {e}"));
            row
        }
    }
}

fn read_object(object: &Listed, content: bool) -> Row {
    let mut row = empty_row(object.name.clone(), object.url.clone());
    if object.size > MAX_FILE_BYTES {
        row.error = Some(format!("object of {} bytes is larger than any image accepted ({MAX_FILE_BYTES} bytes)", object.size));
        return row;
    }
    match object_urls::read(&object.url, MAX_FILE_BYTES) {
        Ok(bytes) if is_image_head(&bytes) => decoded(row, bytes, content),
        Ok(bytes) => {
            row.error = Some(UNKNOWN_FORMAT.into());
            row.sha256 = Some(hex::encode(Sha256::digest(&bytes)));
            row.bytes = content.then_some(bytes);
            row
        }
        Err(e) => {
            row.error = Some(e.to_string());
            row
        }
    }
}

const UNKNOWN_FORMAT: &str = "unrecognised image format (only JPEG and PNG are supported)";

/// JPEG or PNG by their first bytes; an empty file counts as an image, to be reported as empty.
fn is_image_head(head: &[u8]) -> bool {
    head.is_empty() || head.starts_with(&[0xFF, 0xD8]) || head.starts_with(&[0x89, b'P', b'N', b'G'])
}

/// The row of a file whose bytes are read: its hash, then its pixels' statistics and PHash.
fn decoded(mut row: Row, bytes: Vec<u8>, content: bool) -> Row {
    row.sha256 = Some(hex::encode(Sha256::digest(&bytes)));
    if bytes.is_empty() {
        row.error = Some("empty file".into());
    } else {
        match codec::decode_rgb(&bytes) {
            Ok(px) => {
                row.dims = Some((px.width, px.height, 3));
                row.stats = Some(stats::rgb_stats(&px.data));
                row.phash = Some(phash::phash_rgb(px.width, px.height, &px.data));
            }
            Err(e) => row.error = Some(e.to_string()),
        }
    }
    if content {
        row.bytes = Some(bytes);
    }
    row
}

fn to_batch(schema: &SchemaRef, rows: &[Row], content: bool) -> Result<RecordBatch> {
    let mut name = StringBuilder::new();
    let mut path = StringBuilder::new();
    let (mut w, mut h, mut c) = (Int64Builder::new(), Int64Builder::new(), Int64Builder::new());
    let (mut mean, mut std) = (Float64Builder::new(), Float64Builder::new());
    let mut mean_c = ListBuilder::new(Float64Builder::new());
    let mut std_c = ListBuilder::new(Float64Builder::new());
    let (mut ph, mut sha, mut err) = (StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut bytes = BinaryBuilder::new();
    for r in rows {
        name.append_value(&r.name);
        path.append_value(&r.path);
        w.append_option(r.dims.map(|d| d.0 as i64));
        h.append_option(r.dims.map(|d| d.1 as i64));
        c.append_option(r.dims.map(|d| d.2 as i64));
        mean.append_option(r.stats.as_ref().map(|s| s.mean));
        std.append_option(r.stats.as_ref().map(|s| s.std));
        match &r.stats {
            Some(s) => {
                mean_c.append_value(s.mean_c.iter().map(|v| Some(*v)));
                std_c.append_value(s.std_c.iter().map(|v| Some(*v)));
            }
            None => {
                mean_c.append_null();
                std_c.append_null();
            }
        }
        ph.append_option(r.phash.as_deref());
        sha.append_option(r.sha256.as_deref());
        err.append_option(r.error.as_deref());
        bytes.append_option(r.bytes.as_deref());
    }
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(name.finish()),
        Arc::new(path.finish()),
        Arc::new(w.finish()),
        Arc::new(h.finish()),
        Arc::new(c.finish()),
        Arc::new(mean.finish()),
        Arc::new(std.finish()),
        Arc::new(mean_c.finish()),
        Arc::new(std_c.finish()),
        Arc::new(ph.finish()),
        Arc::new(sha.finish()),
        Arc::new(err.finish()),
    ];
    if content {
        cols.push(Arc::new(bytes.finish()));
    }
    Ok(RecordBatch::try_new(schema.clone(), cols)?)
}
