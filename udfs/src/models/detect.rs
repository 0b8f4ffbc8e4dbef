use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::async_udf::AsyncScalarUDF;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{Documentation, Expr, LogicalPlan, LogicalPlanBuilder, cast, col, lit};

use super::detect_boxes::DetectBoxes;
use super::registry::{self, Task};
use crate::sync::block_on;
use crate::tablefn::{InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature};

const NAME: &str = "detect";

// Model files, and images given as paths.
pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Runs a registered YOLOX detector over a table of images: one row per box with the image \
         name, width, height, `x1, y1, x2, y2` (float64, image pixels), score, model, model_sha256 \
         and `crop`, the box's crop (box rounded half to even, margin 16, clipped as docs/pipeline.md §7.1) \
         as a pixel struct that classify() takes directly. Images without a box give no row. \
         Semantics as detect_boxes(), whose table form this is (it plans detect_boxes + unnest over \
         the input, so the input streams and inference is batched). With `oof => true` each \
         detector sees only the rows of its own fold (the input's `fold` column): the out-of-fold \
         detections of docs/pipeline.md §4.5.",
        "detect(images[, model => NULL, confidence => 0.001, nms_iou => 0.30, ...])",
    )
    .with_argument("images", "A table, view or parenthesised query with a name column and an image column (path, bytes or pixel struct).")
    .with_sql_example("SELECT classify(crop) FROM detect(images);")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature {
    input: InputKind::Plan,
    params: vec![
        Param::optional(
            "model",
            ParamKind::Str,
            ScalarValue::Utf8(None),
            "a registered detector, several comma-separated, or a pattern with '*' ('*': every detector; 'yolox_s_fold*': all folds of one); NULL = the default detector",
        ),
        Param::optional("confidence", ParamKind::Float, ScalarValue::Float64(Some(0.001)), "minimum obj x class score"),
        Param::optional("nms_iou", ParamKind::Float, ScalarValue::Float64(Some(0.30)), "class-agnostic NMS IoU threshold (suppress IoU > it)"),
        Param::optional(
            "batch_size",
            ParamKind::Int,
            ScalarValue::Int64(Some(0)),
            "images per inference call; 0 = automatic (1 on CPU, where a pool of single-threaded sessions runs images side by side; on CUDA as many as three quarters of the free device memory holds, at most 64); every batch is capped by memory, and one that runs out of memory is split in half and run again",
        ),
        Param::optional("device", ParamKind::Str, ScalarValue::Utf8(None), "'auto', 'cpu' or 'cuda[:N]'; NULL = the engine's setting"),
        Param::optional("threads", ParamKind::Int, ScalarValue::Int64(Some(0)), "intra-op threads; 0 = one single-threaded session per core"),
        Param::optional(
            "precision",
            ParamKind::Str,
            ScalarValue::Utf8(Some("fp32".into())),
            "'fp32', 'bf16' (bfloat16 weights and activations, channels-last: for YOLOX weights run by libtorch, which pays on CPUs with AMX and on GPUs) or 'auto' (bf16 where it pays, else fp32)",
        ),
        Param::optional(
            "oof",
            ParamKind::Bool,
            ScalarValue::Boolean(Some(false)),
            "out-of-fold: each detector runs only on the input rows whose `fold` column equals its registered fold (docs/pipeline.md §4.5)",
        ),
        Param::optional(
            "crops",
            ParamKind::Bool,
            ScalarValue::Boolean(Some(true)),
            "fill the `crop` column with each box's crop (margin 16, a pixel struct), as `classify(crop)` needs; false leaves it NULL, which queries that keep only the boxes should say: at confidence 0.001 a weak detector returns thousands of boxes per image, and their crops may not fit in memory",
        ),
        Param::optional("name", ParamKind::Str, ScalarValue::Utf8(Some("name".into())), "the image name column"),
        Param::optional("image", ParamKind::Str, ScalarValue::Utf8(Some("path".into())), "the image column (path, bytes or pixel struct)"),
    ],
});

#[derive(Debug, Default)]
pub struct Detect;

impl TableFn for Detect {
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
        let a = &call.args;
        let input = call.input.clone().ok_or_else(|| a.error("missing input"))?;
        let (name_col, image_col) = (a.str("name")?, a.str("image")?);
        a.column(input.schema(), name_col)?;
        a.column(input.schema(), image_col)?;
        if a.f64("confidence")? < 0.0 || !(0.0..=1.0).contains(&a.f64("nms_iou")?) {
            return Err(a.error("confidence must be >= 0 and nms_iou within [0, 1]"));
        }
        if a.i64("batch_size")? < 0 || a.i64("threads")? < 0 {
            return Err(a.error("batch_size and threads must be >= 0"));
        }
        // Resolving the models now (a metadata read) fails early and names the model in each row.
        let env = call.env.clone();
        let all = block_on(async move { registry::load_all(env.as_ref()).await })?;
        let infos = match a.opt_str("model") {
            Some("*") => {
                let v: Vec<_> = all.iter().filter(|m| m.task == Task::Detector.as_str()).cloned().collect();
                if v.is_empty() {
                    registry::pick(&all, NAME, None, Task::Detector)?;
                }
                v
            }
            Some(list) => {
                let mut v: Vec<registry::ModelInfo> = Vec::new();
                for n in list.split(',').map(str::trim) {
                    let found: Vec<_> = if let Some(pattern) = model_pattern(n) {
                        let pattern = pattern.map_err(|e| a.error(format!("model pattern '{n}': {e}")))?;
                        let m: Vec<_> = all.iter().filter(|m| m.task == Task::Detector.as_str() && pattern.matches(&m.name)).cloned().collect();
                        if m.is_empty() {
                            return Err(a.error(format!("no registered detector matches '{n}'")));
                        }
                        m
                    } else {
                        vec![registry::pick(&all, NAME, Some(n), Task::Detector)?]
                    };
                    v.extend(found.into_iter().filter(|f| !v.iter().any(|m| m.name == f.name)).collect::<Vec<_>>());
                }
                v
            }
            None => vec![registry::pick(&all, NAME, None, Task::Detector)?],
        };
        let oof = a.bool("oof")?;
        if oof {
            a.column(input.schema(), "fold")?;
            if let Some(m) = infos.iter().find(|m| m.fold.is_none()) {
                return Err(a.error(format!("oof => true: detector '{}' has no fold", m.name)));
            }
        }
        let precision = a.str("precision")?.to_string();
        cytologia_nn::autocast::Precision::parse(&precision, tch::Device::Cpu).map_err(|e| a.error(e.to_string()))?;
        let device = a.opt_str("device").map(String::from).unwrap_or_else(|| call.env.config().device.clone());
        let mut plans = Vec::with_capacity(infos.len());
        for info in &infos {
            let udf = Arc::new(AsyncScalarUDF::new(Arc::new(DetectBoxes::new(Some(call.env.clone())))).into_scalar_udf());
            let call_expr = Expr::ScalarFunction(ScalarFunction::new_udf(
                udf,
                vec![
                    col(image_col),
                    lit(info.name.clone()),
                    lit(a.f64("confidence")?),
                    lit(a.f64("nms_iou")?),
                    lit(a.i64("batch_size")?),
                    lit(device.clone()),
                    lit(a.i64("threads")?),
                    lit(precision.clone()),
                    lit(a.bool("crops")?),
                ],
            ));
            let b = || col("__box");
            let rows = match info.fold.filter(|_| oof) {
                Some(fold) => LogicalPlanBuilder::from(input.clone()).filter(col("fold").eq(lit(fold)))?.build()?,
                None => input.clone(),
            };
            plans.push(
                LogicalPlanBuilder::from(rows)
                    .project(vec![cast(col(name_col), DataType::Utf8).alias("name"), call_expr.alias("__box")])?
                    .unnest_column("__box")?
                    .project(vec![
                        col("name"),
                        cast(get_field(b(), "width"), DataType::Int64).alias("width"),
                        cast(get_field(b(), "height"), DataType::Int64).alias("height"),
                        get_field(b(), "x1").alias("x1"),
                        get_field(b(), "y1").alias("y1"),
                        get_field(b(), "x2").alias("x2"),
                        get_field(b(), "y2").alias("y2"),
                        get_field(b(), "score").alias("score"),
                        lit(info.name.clone()).alias("model"),
                        lit(info.sha256.clone()).alias("model_sha256"),
                        get_field(b(), "crop").alias("crop"),
                    ])?
                    .build()?,
            );
        }
        let mut plans = plans.into_iter();
        let mut builder = LogicalPlanBuilder::from(plans.next().ok_or_else(|| a.error("no detector to run"))?);
        for p in plans {
            builder = builder.union(p)?;
        }
        builder.build()
    }
}

/// The pattern a model name is, when it is one ('*', '?' or '[...]' as in shell globs).
fn model_pattern(name: &str) -> Option<Result<glob::Pattern, glob::PatternError>> {
    name.contains(['*', '?', '[']).then(|| glob::Pattern::new(name))
}

#[cfg(test)]
mod tests {
    use super::model_pattern;

    fn glob(pattern: &str, name: &str) -> bool {
        match model_pattern(pattern) {
            Some(p) => p.unwrap().matches(name),
            None => pattern == name,
        }
    }

    #[test]
    fn model_patterns_are_shell_globs() {
        assert!(glob("*", "x"));
        assert!(glob("yolox_s_fold*", "yolox_s_fold3"));
        assert!(!glob("yolox_s_fold*", "yolox_nano_fold3"));
        assert!(glob("*_fold*", "a_fold1"));
        assert!(glob("a*b*c", "a_b_c") && glob("a*b*c", "abc") && !glob("a*b*c", "acb"));
        assert!(!glob("ab*ba", "aba"), "the prefix and suffix must not overlap");
        assert!(glob("exact", "exact") && !glob("exact", "exact1"));
        assert!(glob("yolox_fold[02]", "yolox_fold2") && !glob("yolox_fold[02]", "yolox_fold1"));
        assert!(model_pattern("bad[").unwrap().is_err());
    }
}
