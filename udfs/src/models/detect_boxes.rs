use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, Float32Array, Float64Array, Int32Array, ListArray, StructArray};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::async_udf::AsyncScalarUDFImpl;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use super::call_args::CallArgs;
use super::inference::detection::{self as detector, DetectOptions};
use super::registry::{self, Task};
use crate::env::EnvRef;
use crate::image::value::{ImageColumn, pixels_array, pixels_type};

pub const NAME: &str = "detect_boxes";
pub const PARAMS: &[&str] = &["image", "model", "confidence", "nms_iou", "batch_size", "device", "threads", "precision", "crops"];

// Model files, and images given as paths.
pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Runs a registered YOLOX detector on each image and returns its boxes as a list of structs \
         `{x1, y1, x2, y2 (float64, image pixels), score (float32), width, height (the image), crop \
         (the box's §7.1 crop as a pixel struct; NULL when `crops` is false)}` in descending score order, for use with `unnest`. \
         Semantics as the winning recipe (docs/pipeline.md §4.4): PIL-identical RGB decode then BGR, ratio-keeping \
         OpenCV INTER_LINEAR resize pasted top-left on a 114 canvas, raw 0-255 input, score = \
         obj x max class prob >= confidence, class-agnostic NMS (suppress IoU > nms_iou), boxes \
         divided by the ratio, no clipping. Works with exports that decode the grid in the graph \
         and with those that do not. `detect()` is the table form.",
        "detect_boxes(image[, model[, confidence[, nms_iou[, batch_size[, device[, threads[, precision[, crops]]]]]]]])",
    )
    .with_argument("image", "Encoded bytes, a pixel struct or a file path.")
    .with_argument("model", "A registered detector's name; NULL = the default detector.")
    .with_argument("confidence", "Minimum obj x class score. Default: 0.001.")
    .with_argument("nms_iou", "NMS IoU threshold. Default: 0.30.")
    .with_argument("batch_size", "Images per inference call; 0 = automatic (1 on CPU, 16 on CUDA). Default: 0.")
    .with_argument("device", "'auto', 'cpu' or 'cuda[:N]'. Default: 'auto'.")
    .with_argument("threads", "Intra-op threads; 0 = one single-threaded session per core. Default: 0.")
    .with_argument(
        "precision",
        "'fp32', 'bf16' (the whole network in bfloat16, channels-last; YOLOX safetensors weights on libtorch only, an error for others) or 'auto' (bf16 on CUDA and on CPUs with AMX, else fp32). Default: 'fp32'.",
    )
    .with_argument(
        "crops",
        "false: leave `crop` NULL. Queries that keep only the boxes should say so: at confidence 0.001 a weak detector returns thousands of boxes per image, and their crops may not fit in memory. Default: true.",
    )
    .with_sql_example("SELECT name, unnest(detect_boxes(path, 'yolox_fold0')) AS box FROM images WHERE src = 'test';")
    .build()
});

pub fn box_fields() -> Fields {
    Fields::from(vec![
        Field::new("x1", DataType::Float64, false),
        Field::new("y1", DataType::Float64, false),
        Field::new("x2", DataType::Float64, false),
        Field::new("y2", DataType::Float64, false),
        Field::new("score", DataType::Float32, false),
        Field::new("width", DataType::Int32, false),
        Field::new("height", DataType::Int32, false),
        Field::new("crop", pixels_type(), true),
    ])
}

pub fn return_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Struct(box_fields()), true)))
}

#[derive(Debug)]
pub struct DetectBoxes {
    signature: Signature,
    env: Option<EnvRef>,
}

impl DetectBoxes {
    pub fn new(env: Option<EnvRef>) -> Self {
        let signature = Signature::one_of((1..=9).map(datafusion::logical_expr::TypeSignature::Any).collect(), Volatility::Volatile);
        DetectBoxes { signature, env }
    }
}

impl PartialEq for DetectBoxes {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}
impl Eq for DetectBoxes {}
impl std::hash::Hash for DetectBoxes {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        NAME.hash(state)
    }
}

impl ScalarUDFImpl for DetectBoxes {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(return_type())
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Err(DataFusionError::Internal(format!("{NAME}() runs asynchronously")))
    }
}

#[async_trait]
impl AsyncScalarUDFImpl for DetectBoxes {
    fn ideal_batch_size(&self) -> Option<usize> {
        Some(256)
    }

    async fn invoke_async_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let env = self.env.clone().ok_or_else(|| DataFusionError::Internal(format!("{NAME}() has no engine")))?;
        let a = CallArgs::new(NAME, PARAMS, &args.args);
        let model = a.str(1)?;
        let opts = DetectOptions {
            confidence: a.f64(2, 0.001)? as f32,
            nms_iou: a.f64(3, 0.30)? as f32,
            batch_size: a.usize(4, 0, 0)?,
            device: a.str(5)?.unwrap_or_else(|| env.config().device.clone()),
            threads: a.usize(6, 0, 0)?,
            precision: a.str(7)?.unwrap_or_else(|| "fp32".into()),
            crops: a.bool(8, true)?,
        };
        let all = registry::load_all(env.as_ref()).await?;
        let info = registry::pick(&all, NAME, model.as_deref(), Task::Detector)?;
        let images = args.args[0].to_array(args.number_rows)?;
        let out = tokio::task::spawn_blocking(move || -> Result<ArrayRef> {
            let col = ImageColumn::new(NAME, &images)?;
            let results = detector::detect(&col, &info, &opts).map_err(|e| DataFusionError::Execution(format!("{NAME}(): {e}")))?;
            build(results)
        })
        .await
        .map_err(|e| DataFusionError::Execution(format!("{NAME}(): {e}")))??;
        Ok(ColumnarValue::Array(out))
    }
}

/// Arrow list of box structs from per-image results (None = NULL image).
pub fn build(results: Vec<Option<detector::ImageBoxes>>) -> Result<ArrayRef> {
    let mut offsets = vec![0i32];
    let (mut x1, mut y1, mut x2, mut y2, mut sc, mut w, mut h, mut crops) = (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut valid = Vec::with_capacity(results.len());
    for r in results {
        valid.push(r.is_some());
        if let Some(img) = r {
            for b in img.boxes {
                x1.push(b.det.x1 as f64);
                y1.push(b.det.y1 as f64);
                x2.push(b.det.x2 as f64);
                y2.push(b.det.y2 as f64);
                sc.push(b.det.score);
                w.push(img.width as i32);
                h.push(img.height as i32);
                crops.push(b.crop);
            }
        }
        offsets.push(x1.len() as i32);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Float64Array::from(x1)),
        Arc::new(Float64Array::from(y1)),
        Arc::new(Float64Array::from(x2)),
        Arc::new(Float64Array::from(y2)),
        Arc::new(Float32Array::from(sc)),
        Arc::new(Int32Array::from(w)),
        Arc::new(Int32Array::from(h)),
        pixels_array(crops)?,
    ];
    let structs = StructArray::try_new(box_fields(), cols, None)?;
    let field = Arc::new(Field::new_list_field(DataType::Struct(box_fields()), true));
    let list = ListArray::try_new(field, OffsetBuffer::new(offsets.into()), Arc::new(structs), Some(NullBuffer::from(valid)))?;
    Ok(Arc::new(list))
}
