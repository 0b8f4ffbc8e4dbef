//! `train_detector(rows, name => ..., ...)`: trains a YOLOX on every fold but one, streaming
//! one row per evaluation (epoch), and registers each new best EMA checkpoint in `models`
//! before that row is returned, so a cancelled query keeps the best so far.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Documentation, LogicalPlan};

use super::detector_rows;
use super::job;
use crate::env::EnvRef;
use crate::models::registry::Task;
use crate::tablefn::{Args, InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature};
use cytologia_kernels::augment::yolox::SEED_AUG;
use cytologia_nn::yolox::{Preset, check_input_size};
use cytologia_train::yolox::trainer::{self, DetConfig, DetRow};

const NAME: &str = "train_detector";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Trains;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Trains a YOLOX detector on libtorch as the winning recipe's fork (docs/pipeline.md §4.1-4.3) and streams one \
         row per evaluation: mean training losses of the epoch (total, 5x(1 - GIoU), objectness, \
         classes, L1), COCO AP50:95 and AP50 of the EMA weights on the held-out fold, learning rate, \
         seconds, training-step throughput (images/s from the fourth step), and whether it became \
         the best checkpoint. Input rows: `image` (bytes, \
         pixel struct or path), `fold`, `boxes` (list of structs with x1, y1, x2, y2 in pixels and an \
         optional integer `class`; empty or NULL for a background image). Images stay encoded in \
         memory and are decoded when a batch needs them, through a cache of `cache_mb`; an image \
         that cannot be decoded skips its row, counted in `skipped_rows` and named in a warning. \
         Recipe: SimOTA assignment, \
         mosaic (p 1.0) + random affine (degrees 30, translate 0.1, scale 0.1-2, shear 2) + mixup \
         (p 0.8), HSV (p 0.05), flips, multiscale sizes, the last `no_aug_epochs` without mosaic/mixup \
         and with L1 loss; SGD Nesterov 0.9, weight decay 5e-4, lr = lr_per_image x batch with warm-up \
         and cosine to 0.05x; EMA 0.9998. Each improvement (by AP50:95) is written atomically as \
         safetensors with the official YOLOX parameter names and registered in `models` (task \
         'detector', format 'safetensors', architecture 'yolox_<preset>') with the call's arguments, \
         the input tables' versions and the metrics; detect() serves it.",
        "train_detector(rows, name => 'yolox_nano_f0'[, option => value ...])",
    )
    .with_sql_example(
        "SELECT epoch, loss, val_ap, val_ap50, best FROM train_detector((SELECT path AS image, fold, boxes FROM detector_rows), name => 'yolox_nano_f0', preset => 'nano', input_size => 416, fold => 0, epochs => 30);",
    )
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| {
    let s = |v: &str| ScalarValue::Utf8(Some(v.to_string()));
    let i = |v: i64| ScalarValue::Int64(Some(v));
    let f = |v: f64| ScalarValue::Float64(Some(v));
    TableFnSignature {
        input: InputKind::Plan,
        params: vec![
            Param::required("name", ParamKind::Str, "name to register the best checkpoint under"),
            Param::optional("preset", ParamKind::Str, s("nano"), "YOLOX size: nano, tiny, s, m, l, x"),
            Param::optional("input_size", ParamKind::Int, i(416), "square input side (multiple of 32); also the evaluation size"),
            Param::optional("num_classes", ParamKind::Int, i(1), "object classes (the winning recipe: 1, 'WBC')"),
            Param::optional("fold", ParamKind::Int, i(0), "the held-out (validation) fold"),
            Param::optional("epochs", ParamKind::Int, i(30), "epochs"),
            Param::optional("batch_size", ParamKind::Int, i(16), "images per step"),
            Param::optional("no_aug_epochs", ParamKind::Int, i(2), "last epochs without mosaic/mixup, with L1 loss (the winning recipe: 15 of 150)"),
            Param::optional("warmup_epochs", ParamKind::Int, i(1), "epochs of quadratic learning-rate warm-up (the winning recipe: 5 of 150)"),
            Param::optional("lr_per_image", ParamKind::Float, f(0.01 / 64.0), "learning rate per image of the batch"),
            Param::optional("weight_decay", ParamKind::Float, f(5e-4), "SGD weight decay (conv weights only)"),
            Param::optional("multiscale_range", ParamKind::Int, i(3), "training sizes (input_size/32 ± range) x 32, redrawn every 10 steps; 0 = fixed"),
            Param::optional("mosaic", ParamKind::Bool, ScalarValue::Boolean(Some(true)), "mosaic + mixup augmentation before the no-aug epochs"),
            Param::optional("ema", ParamKind::Bool, ScalarValue::Boolean(Some(true)), "evaluate and save the EMA of the weights (decay 0.9998)"),
            Param::optional("eval_interval", ParamKind::Int, i(1), "evaluate every N epochs (and every no-aug epoch, and the last)"),
            Param::optional(
                "init",
                ParamKind::Str,
                s("random"),
                "'random', a .safetensors file (e.g. a converted official yolox_s.pth), or a registered model",
            ),
            Param::optional("device", ParamKind::Str, ScalarValue::Utf8(None), "'auto', 'cpu' or 'cuda[:N]'; NULL = the engine's default"),
            Param::optional("seed", ParamKind::Int, i(42), "seed of initialisation, order, sizes and augmentation"),
            Param::optional("threads", ParamKind::Int, i(0), "libtorch threads; 0 = every core"),
            Param::optional(
                "checkpoint_dir",
                ParamKind::Str,
                ScalarValue::Utf8(None),
                "folder for checkpoints; NULL = <warehouse>/checkpoints (local warehouses) or ./checkpoints",
            ),
            Param::optional("is_default", ParamKind::Bool, ScalarValue::Boolean(Some(false)), "make the model the default detector"),
        ]
        .into_iter()
        .chain(job::loading_params())
        .collect(),
    }
});

pub fn schema() -> SchemaRef {
    let f = |n: &str, t: DataType, null: bool| Field::new(n, t, null);
    let f64f = |n: &str| Field::new(n, DataType::Float64, false);
    Arc::new(Schema::new(vec![
        f("model", DataType::Utf8, false),
        f("fold", DataType::Int64, false),
        f("epoch", DataType::Int64, false),
        f("step", DataType::Int64, false),
        f64f("loss"),
        f64f("iou_loss"),
        f64f("obj_loss"),
        f64f("cls_loss"),
        f64f("l1_loss"),
        f64f("val_ap"),
        f64f("val_ap50"),
        f64f("lr"),
        f64f("seconds"),
        f("images_per_s", DataType::Float64, true),
        f("best", DataType::Boolean, false),
        f("checkpoint", DataType::Utf8, true),
        f("skipped_rows", DataType::Int64, false),
    ]))
}

#[derive(Debug, Default)]
pub struct TrainDetector;

#[derive(Debug, Clone)]
struct Call {
    common: job::CommonOptions,
    cfg: DetConfig,
    args: serde_json::Value,
}

fn plan_err(m: impl Into<String>) -> DataFusionError {
    job::plan_err(NAME, m)
}

impl Call {
    fn from_args(a: &Args, input: &LogicalPlan, env: &EnvRef) -> Result<Call> {
        let pos = |n: &str, min: i64| job::at_least(NAME, a, n, min);
        let common = job::CommonOptions::read(NAME, a, input, env, &["image", "fold", "boxes"])?;
        let preset = Preset::parse(a.str("preset")?).map_err(|e| plan_err(e.to_string()))?;
        let input_size = a.i64("input_size")?;
        check_input_size(input_size).map_err(|e| plan_err(e.to_string()))?;
        let epochs = pos("epochs", 1)? as usize;
        let no_aug_epochs = pos("no_aug_epochs", 0)? as usize;
        if no_aug_epochs > epochs {
            return Err(plan_err(format!("no_aug_epochs ({no_aug_epochs}) exceeds epochs ({epochs})")));
        }
        let lr = a.f64("lr_per_image")?;
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(plan_err(format!("lr_per_image must be positive, got {lr}")));
        }
        let range = pos("multiscale_range", 0)? as usize;
        if range as i64 >= input_size / 32 {
            return Err(plan_err(format!("multiscale_range {range} is too wide for input_size {input_size} (sizes must stay positive)")));
        }
        let args = serde_json::json!({
            "preset": preset.name, "input_size": input_size, "num_classes": a.i64("num_classes")?, "fold": common.fold,
            "epochs": epochs, "batch_size": a.i64("batch_size")?, "no_aug_epochs": no_aug_epochs, "warmup_epochs": a.i64("warmup_epochs")?,
            "lr_per_image": lr, "weight_decay": a.f64("weight_decay")?, "multiscale_range": range, "mosaic": a.bool("mosaic")?,
            "ema": a.bool("ema")?, "eval_interval": a.i64("eval_interval")?, "init": common.init, "device": a.opt_str("device"), "seed": common.seed, "max_steps": common.max_steps,
        });
        let mut aug = SEED_AUG;
        if !a.bool("mosaic")? {
            aug.mosaic_prob = 0.0;
        }
        let cfg = DetConfig {
            name: common.name.clone(),
            preset,
            classes: pos("num_classes", 1)? as usize,
            input_size: input_size as usize,
            epochs,
            batch_size: pos("batch_size", 1)? as usize,
            no_aug_epochs,
            warmup_epochs: pos("warmup_epochs", 0)? as usize,
            lr_per_image: lr,
            weight_decay: a.f64("weight_decay")?,
            momentum: 0.9,
            ema: a.bool("ema")?,
            eval_interval: pos("eval_interval", 1)? as usize,
            multiscale_range: range,
            init: None,
            device: tch::Device::Cpu,
            seed: common.seed,
            checkpoint_dir: common.checkpoint_dir.clone(),
            aug,
            max_steps: common.max_steps,
        };
        Ok(Call { common, cfg, args })
    }
}

impl TableFn for TrainDetector {
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
        let input = call.input.ok_or_else(|| plan_err("expects a table of images with their fold and boxes as its first argument"))?;
        let c = Call::from_args(&call.args, &input, &call.env)?;
        job::plan(NAME, c.common.name.clone(), schema(), c, input, call.env, start)
    }
}

async fn start(mut call: Call, input: LogicalPlan, env: EnvRef) -> Result<job::Running<DetRow>> {
    let run = call.common.resolve(NAME, &env).await?;
    call.cfg.init = run.init;
    call.cfg.device = run.device;
    let classes = call.cfg.classes;
    // default_classes counts a detector's outputs per anchor: 5 + classes.
    let class_names = crate::models::default_classes(&env, Task::Detector, classes + 5).await?;
    let all = crate::tablefn::collect_all(env.as_ref(), input).await?;
    let model = job::ModelKind {
        architecture: call.cfg.preset.architecture(),
        input_size: call.cfg.input_size,
        classes: class_names,
        preset: "yolox",
        decoded: Some(false),
    };
    let template = call.common.template(Task::Detector, model, call.args.clone());
    let rows = all.num_rows();
    let decode = env.progress(&format!("{NAME}: checking {rows} images"), rows as u64);
    let env2 = env.clone();
    let (fold, cfg, cache_bytes) = (call.common.fold, call.cfg.clone(), call.common.cache_bytes);
    job::launch(NAME, env, template, &call.common, run.versions, move |rep: &job::Reporter<DetRow>| {
        let prepared = detector_rows::prepare(&all, classes, fold, cache_bytes, &|n| decode.inc(n))?;
        decode.finish();
        // The store keeps the image column; the other columns go.
        drop(all);
        if let Some(w) = prepared.warning(NAME, rows) {
            eprintln!("{w}");
        }
        let ds = prepared.data;
        let boxes: usize = ds.train.iter().map(|s| s.labels.len()).sum();
        let steps = (ds.train.len().div_ceil(cfg.batch_size) * cfg.epochs).min(cfg.max_steps.unwrap_or(usize::MAX)) as u64;
        let cache = ds.store.stats();
        rep.ready(serde_json::json!({
            "train_images": ds.train.len(), "train_boxes": boxes, "val_images": ds.val.len(), "skipped_rows": prepared.skipped.len(),
            "cached_pictures": cache.pictures, "cache_mb": cache.budget_bytes >> 20,
        }));
        let bar =
            env2.progress(&format!("{NAME}: {} ({} training images, {boxes} boxes; {} validation images)", cfg.name, ds.train.len(), ds.val.len()), steps);
        let r = trainer::train(Arc::new(ds), &cfg, &mut |row| Ok(rep.report(row)), &|| rep.cancelled(), &|| bar.inc(1));
        bar.finish();
        Ok(r?)
    })
    .await
}

impl job::Record for DetRow {
    fn checkpoint(&self) -> Option<&str> {
        self.checkpoint.as_deref()
    }

    fn metrics(&self) -> serde_json::Value {
        serde_json::json!({"val_ap": self.val_ap, "val_ap50": self.val_ap50, "loss": self.loss, "epoch": self.epoch, "step": self.step})
    }

    fn batch(&self, model: &str, fold: i64, skipped_rows: i64) -> Result<RecordBatch> {
        let col = |v: f64| -> ArrayRef { Arc::new(Float64Array::from(vec![v])) };
        RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(StringArray::from(vec![model.to_string()])),
                Arc::new(Int64Array::from(vec![fold])),
                Arc::new(Int64Array::from(vec![self.epoch])),
                Arc::new(Int64Array::from(vec![self.step])),
                col(self.loss),
                col(self.iou_loss),
                col(self.obj_loss),
                col(self.cls_loss),
                col(self.l1_loss),
                col(self.val_ap),
                col(self.val_ap50),
                col(self.lr),
                col(self.seconds),
                Arc::new(Float64Array::from(vec![(!self.images_per_s.is_nan()).then_some(self.images_per_s)])),
                Arc::new(BooleanArray::from(vec![self.checkpoint.is_some()])),
                Arc::new(StringArray::from(vec![self.checkpoint.clone()])),
                Arc::new(Int64Array::from(vec![skipped_rows])),
            ],
        )
        .map_err(Into::into)
    }
}
