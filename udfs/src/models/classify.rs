use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float32Builder, ListBuilder, UInt32Array};
use datafusion::arrow::compute::{cast, take};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::async_udf::AsyncScalarUDFImpl;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use super::call_args::CallArgs;
use super::inference::classification::{self as classifier, ClassifyOptions, Tta};
use super::registry::{self, Task};
use crate::env::EnvRef;
use crate::image::value::ImageColumn;

pub const NAME: &str = "classify";
pub const PARAMS: &[&str] = &["image", "model", "tta", "batch_size", "device", "threads"];

// Model files, and images given as paths.
pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Runs a registered classifier (or multi-label model) on each image and returns its logits as \
         a list of float32 in the model's class order. Input as the winning recipe (docs/pipeline.md §8.2, §8.5): \
         square resize to the model's size with OpenCV INTER_LANCZOS4 (aspect not kept), x/255, \
         ImageNet mean/std, RGB, CHW. `tta => 'hflip'` averages the logits of the image and its \
         mirror. Takes the `crop` column of detect() directly (no file is read again), PNG/JPEG \
         bytes from crop(), or a path.",
        "classify(image[, model[, tta[, batch_size[, device[, threads]]]]])",
    )
    .with_argument("image", "Encoded bytes, a pixel struct (e.g. detect()'s crop) or a file path.")
    .with_argument(
        "model",
        "A registered classifier's name (a constant, or a column to run several models, e.g. from a join with `models`); NULL = the default classifier.",
    )
    .with_argument("tta", "'none' or 'hflip'. Default: 'none'.")
    .with_argument("batch_size", "Images per inference call, capped by memory (an eighth of the machine's, and three quarters of a GPU's free memory); a batch that runs out of memory is split in half and run again. Default: 32.")
    .with_argument("device", "'auto', 'cpu' or 'cuda[:N]'. Default: 'auto'.")
    .with_argument("threads", "Intra-op threads; 0 = one single-threaded session per core. Default: 0.")
    .with_sql_example("SELECT name, argmax(classify(crop, 'clf_fold0', 'hflip')) AS class_id FROM detect(images);")
    .build()
});

#[derive(Debug)]
pub struct Classify {
    signature: Signature,
    env: Option<EnvRef>,
}

impl Classify {
    pub fn new(env: Option<EnvRef>) -> Self {
        let signature = Signature::one_of((1..=6).map(datafusion::logical_expr::TypeSignature::Any).collect(), Volatility::Volatile);
        Classify { signature, env }
    }
}

impl PartialEq for Classify {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}
impl Eq for Classify {}
impl std::hash::Hash for Classify {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        NAME.hash(state)
    }
}

impl ScalarUDFImpl for Classify {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(DataType::Float32, true))))
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Err(DataFusionError::Internal(format!("{NAME}() runs asynchronously")))
    }
}

#[async_trait]
impl AsyncScalarUDFImpl for Classify {
    fn ideal_batch_size(&self) -> Option<usize> {
        Some(512)
    }

    async fn invoke_async_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let env = self.env.clone().ok_or_else(|| DataFusionError::Internal(format!("{NAME}() has no engine")))?;
        let n = args.number_rows;
        // The model may be a column (e.g. a cross join with `models`): rows run per model.
        let model_col = match args.args.get(1) {
            Some(ColumnarValue::Array(m)) => Some(cast(m, &DataType::Utf8)?),
            _ => None,
        };
        let mut rest = args.args.clone();
        if model_col.is_some() {
            rest[1] = ColumnarValue::Scalar(datafusion::common::ScalarValue::Utf8(None));
        }
        let a = CallArgs::new(NAME, PARAMS, &rest);
        let fixed_model = a.str(1)?;
        let tta_s = a.str(2)?.unwrap_or_else(|| "none".into());
        let tta = Tta::parse(&tta_s).ok_or_else(|| DataFusionError::Plan(format!("{NAME}(): tta '{tta_s}' is not 'none' or 'hflip'")))?;
        let opts = ClassifyOptions {
            tta,
            batch_size: a.usize(3, 32, 1)?,
            device: a.str(4)?.unwrap_or_else(|| env.config().device.clone()),
            threads: a.usize(5, 0, 0)?,
        };
        let mut groups: BTreeMap<Option<String>, Vec<u32>> = BTreeMap::new();
        match &model_col {
            Some(m) => {
                let m = m.as_string::<i32>();
                for i in 0..n {
                    groups.entry((!m.is_null(i)).then(|| m.value(i).to_string())).or_default().push(i as u32);
                }
            }
            None => {
                groups.insert(fixed_model, (0..n as u32).collect());
            }
        }
        let all = registry::load_all(env.as_ref()).await?;
        let mut jobs = Vec::with_capacity(groups.len());
        for (model, rows) in groups {
            jobs.push((registry::pick(&all, NAME, model.as_deref(), Task::Classifier)?, rows));
        }
        let images = args.args[0].to_array(n)?;
        let out = tokio::task::spawn_blocking(move || -> Result<ArrayRef> {
            let mut logits: Vec<Option<Vec<f32>>> = vec![None; n];
            for (info, rows) in jobs {
                let idx = UInt32Array::from(rows.clone());
                let subset = take(&images, &idx, None)?;
                let col = ImageColumn::new(NAME, &subset)?;
                let res = classifier::classify(&col, &info, &opts).map_err(|e| DataFusionError::Execution(format!("{NAME}(): {e}")))?;
                for (r, l) in rows.into_iter().zip(res) {
                    logits[r as usize] = l;
                }
            }
            let mut b = ListBuilder::new(Float32Builder::new());
            for r in logits {
                match r {
                    Some(v) => {
                        b.values().append_slice(&v);
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Ok(Arc::new(b.finish()))
        })
        .await
        .map_err(|e| DataFusionError::Execution(format!("{NAME}(): {e}")))??;
        Ok(ColumnarValue::Array(out))
    }
}
