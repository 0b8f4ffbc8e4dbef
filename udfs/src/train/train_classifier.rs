//! `train_classifier(rows, name => ..., ...)`: trains a crop classifier or a full-image
//! multi-label model on every fold but one, streaming one row per evaluation while it trains,
//! and registers each new best checkpoint in `models` before that row is returned, so a
//! cancelled query (Ctrl-C) leaves the best checkpoint so far registered.
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Documentation, LogicalPlan};

use super::classifier_rows;
use super::job;
use crate::env::EnvRef;
use crate::models::registry::Task;
use crate::tablefn::{Args, InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature};
use cytologia_nn::autocast::Precision;
use cytologia_nn::loss::Loss;
use cytologia_nn::nets::Arch;
use cytologia_train::classifier::{self as trainer, EvalRow, Init, TrainConfig};

const NAME: &str = "train_classifier";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Trains;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Trains a classifier on libtorch as the winning recipe (docs/pipeline.md §8.2-8.3) and streams one row per \
         evaluation (twice per epoch by default): train and validation loss, validation macro-F1, \
         learning rate, seconds, throughput, and whether the evaluation became the best checkpoint. \
         Input rows: `image` (bytes, pixel struct or path), optional `x1, y1, x2, y2` (the crop is \
         taken with margin 16), `label` (class id) or `labels` (list of ids: a multi-label model, \
         focal BCE, F1 at sigmoid > 0.5), `fold`, optional `background` (bool: a random square is \
         cut from the image each epoch, as the winning recipe's background images). Rows of the held-out \
         `fold` validate, the rest train. Images stay encoded in memory and each picture is made \
         when a batch needs it, through a cache of `cache_mb`; an image that cannot be decoded \
         skips its row, counted in `skipped_rows` and named in a warning. Recipe: Lanczos-4 resize, the winning recipe's augmentations, \
         ImageNet normalisation, MixUp/CutMix, AdamW (weight decay 0.01), cosine schedule per \
         epoch. Each improvement is written atomically as safetensors and registered in `models` \
         (format 'safetensors', with the call's arguments, the input tables' versions and the \
         metrics) before its row is returned; cancelling the query keeps the best so far.",
        "train_classifier(rows, name => 'clf_fold0'[, option => value ...])",
    )
    .with_sql_example(
        "SELECT epoch, val_f1, best FROM train_classifier((SELECT crop AS image, label, fold FROM train_crops), name => 'resnet18_f0', architecture => 'resnet18', input_size => 224, fold => 0, epochs => 10);",
    )
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| {
    let s = |v: &str| ScalarValue::Utf8(Some(v.to_string()));
    let i = |v: i64| ScalarValue::Int64(Some(v));
    TableFnSignature {
        input: InputKind::Plan,
        params: vec![
            Param::required("name", ParamKind::Str, "name to register the best checkpoint under"),
            Param::optional(
                "architecture",
                ParamKind::Str,
                s("resnet18"),
                "a timm name: resnet18/34/50, efficientnet_b0, tf_efficientnetv2_s/m, vit_{tiny,small,base,large}_patch16",
            ),
            Param::optional("input_size", ParamKind::Int, i(224), "square input side"),
            Param::optional("num_classes", ParamKind::Int, ScalarValue::Int64(None), "outputs; NULL = the `classes` table's count"),
            Param::optional("fold", ParamKind::Int, i(0), "the held-out (validation) fold"),
            Param::optional("epochs", ParamKind::Int, i(10), "epochs"),
            Param::optional("batch_size", ParamKind::Int, i(32), "images per training step"),
            Param::optional("lr", ParamKind::Float, ScalarValue::Float64(Some(2e-4)), "AdamW learning rate (cosine-annealed per epoch)"),
            Param::optional("weight_decay", ParamKind::Float, ScalarValue::Float64(Some(0.01)), "AdamW weight decay"),
            Param::optional("loss", ParamKind::Str, ScalarValue::Utf8(None), "'ce' or 'focal_bce'; NULL = 'ce' for `label`, 'focal_bce' for `labels`"),
            Param::optional("mix", ParamKind::Str, s("mixup_cutmix"), "'mixup_cutmix' (the winning recipe) or 'none'"),
            Param::optional("augment", ParamKind::Str, s("recipe"), "'recipe' (the winning recipe's train augmentations; 'seed' is an alias) or 'none'"),
            Param::optional(
                "init",
                ParamKind::Str,
                s("random"),
                "'random', a .safetensors file (e.g. timm pretrained weights), or a registered model to fine-tune",
            ),
            Param::optional("device", ParamKind::Str, ScalarValue::Utf8(None), "'auto', 'cpu' or 'cuda[:N]'; NULL = the engine's default"),
            Param::optional(
                "precision",
                ParamKind::Str,
                s("auto"),
                "'auto' (bf16 autocast on CUDA and on CPUs with AMX, else fp32), 'fp32' or 'bf16'; validation always runs in fp32, as classify()",
            ),
            Param::optional("seed", ParamKind::Int, i(42), "seed of initialisation, order, augmentation and mixing"),
            Param::optional("threads", ParamKind::Int, i(0), "libtorch threads; 0 = every core"),
            Param::optional("evals_per_epoch", ParamKind::Int, i(2), "validations per epoch (the winning recipe: 2)"),
            Param::optional(
                "checkpoint_dir",
                ParamKind::Str,
                ScalarValue::Utf8(None),
                "folder for checkpoints; NULL = <warehouse>/checkpoints (local warehouses) or ./checkpoints",
            ),
            Param::optional("is_default", ParamKind::Bool, ScalarValue::Boolean(Some(false)), "make the model its task's default"),
        ]
        .into_iter()
        .chain(job::loading_params())
        .collect(),
    }
});

pub fn schema() -> SchemaRef {
    let f = |n: &str, t: DataType, null: bool| Field::new(n, t, null);
    Arc::new(Schema::new(vec![
        f("model", DataType::Utf8, false),
        f("fold", DataType::Int64, false),
        f("epoch", DataType::Float64, false),
        f("step", DataType::Int64, false),
        f("train_loss", DataType::Float64, false),
        f("val_loss", DataType::Float64, false),
        f("val_f1", DataType::Float64, true),
        f("lr", DataType::Float64, false),
        f("seconds", DataType::Float64, false),
        f("images_per_s", DataType::Float64, true),
        f("loader_wait_s", DataType::Float64, false),
        f("best", DataType::Boolean, false),
        f("checkpoint", DataType::Utf8, true),
        f("skipped_rows", DataType::Int64, false),
    ]))
}

#[derive(Debug, Default)]
pub struct TrainClassifier;

#[derive(Debug, Clone)]
struct Call {
    common: job::CommonOptions,
    cfg: TrainConfig,
    input_size: usize,
    num_classes: Option<usize>,
    loss: Option<Loss>,
    precision: String,
    multilabel: bool,
    args: serde_json::Value,
}

fn plan_err(m: impl Into<String>) -> DataFusionError {
    job::plan_err(NAME, m)
}

impl Call {
    fn from_args(a: &Args, input: &LogicalPlan, env: &EnvRef) -> Result<Call> {
        let pos = |n: &str, min: i64| job::at_least(NAME, a, n, min);
        let common = job::CommonOptions::read(NAME, a, input, env, &["image", "fold"])?;
        let architecture = a.str("architecture")?.to_string();
        let (arch, _) = Arch::parse(&architecture).map_err(|e| plan_err(e.to_string()))?;
        let input_size = pos("input_size", 16)?;
        arch.check_input_size(input_size).map_err(|e| plan_err(e.to_string()))?;
        let multilabel = input.schema().field_with_unqualified_name("labels").is_ok();
        if !multilabel && input.schema().field_with_unqualified_name("label").is_err() {
            return Err(plan_err("the input needs a 'label' column (class id) or a 'labels' column (list of ids)"));
        }
        let loss = match a.opt_str("loss") {
            None => None,
            Some(l) => Some(Loss::parse(l).ok_or_else(|| plan_err(format!("loss '{l}' is not 'ce' or 'focal_bce'")))?),
        };
        let mix = match a.str("mix")? {
            "mixup_cutmix" => true,
            "none" => false,
            m => return Err(plan_err(format!("mix '{m}' is not 'mixup_cutmix' or 'none'"))),
        };
        let augment = match a.str("augment")? {
            "recipe" | "seed" => true,
            "none" => false,
            m => return Err(plan_err(format!("augment '{m}' is not 'recipe' or 'none'"))),
        };
        let lr = a.f64("lr")?;
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(plan_err(format!("lr must be positive, got {lr}")));
        }
        let args = serde_json::json!({
            "architecture": architecture, "input_size": input_size, "num_classes": a.opt_i64("num_classes"), "fold": common.fold,
            "epochs": a.i64("epochs")?, "batch_size": a.i64("batch_size")?, "lr": lr, "weight_decay": a.f64("weight_decay")?,
            "loss": a.opt_str("loss"), "mix": a.str("mix")?, "augment": a.str("augment")?, "init": common.init,
            "device": a.opt_str("device"), "precision": a.str("precision")?, "seed": common.seed, "max_steps": common.max_steps, "evals_per_epoch": a.i64("evals_per_epoch")?,
        });
        let cfg = TrainConfig {
            name: common.name.clone(),
            architecture,
            epochs: pos("epochs", 1)? as usize,
            batch_size: pos("batch_size", 1)? as usize,
            lr,
            weight_decay: a.f64("weight_decay")?,
            loss: Loss::Ce,
            mix,
            augment,
            init: Init::Random,
            device: tch::Device::Cpu,
            seed: common.seed,
            evals_per_epoch: pos("evals_per_epoch", 1)? as usize,
            checkpoint_dir: common.checkpoint_dir.clone(),
            precision: Precision::Fp32,
            max_steps: common.max_steps,
        };
        Ok(Call {
            common,
            cfg,
            input_size: input_size as usize,
            num_classes: a.opt_i64("num_classes").map(|n| n.max(0) as usize),
            loss,
            precision: a.str("precision")?.to_string(),
            multilabel,
            args,
        })
    }
}

impl TableFn for TrainClassifier {
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
        let input = call.input.ok_or_else(|| plan_err("expects a table of training rows as its first argument"))?;
        let c = Call::from_args(&call.args, &input, &call.env)?;
        job::plan(NAME, c.common.name.clone(), schema(), c, input, call.env, start)
    }
}

fn exec_err(e: impl std::fmt::Display) -> DataFusionError {
    job::exec_err(NAME, e)
}

async fn start(mut call: Call, input: LogicalPlan, env: EnvRef) -> Result<job::Running<EvalRow>> {
    let run = call.common.resolve(NAME, &env).await?;
    let task = if call.multilabel { Task::Multilabel } else { Task::Classifier };
    let table_classes = crate::env::class_names(env.as_ref()).await.unwrap_or_default();
    let classes = call.num_classes.unwrap_or(table_classes.len());
    if classes == 0 {
        return Err(exec_err("no `classes` table to count classes from: give num_classes"));
    }
    let class_names = crate::models::default_classes(&env, task, classes).await?;
    call.cfg.loss = call.loss.unwrap_or(if call.multilabel { Loss::FocalBce } else { Loss::Ce });
    call.cfg.init = run.init.map_or(Init::Random, Init::Weights);
    call.cfg.device = run.device;
    call.cfg.precision = Precision::parse(&call.precision, call.cfg.device).map_err(exec_err)?;
    // The index needs every row before the first step (shuffling, folds); images stay encoded
    // until the picture store decodes them.
    let all = crate::tablefn::collect_all(env.as_ref(), input).await?;
    let architecture = Arch::parse(&call.cfg.architecture).map_err(exec_err)?.1;
    let model = job::ModelKind { architecture, input_size: call.input_size, classes: class_names, preset: "imagenet", decoded: None };
    let template = call.common.template(task, model, call.args.clone());
    let rows = all.num_rows();
    let decode = env.progress(&format!("{NAME}: checking {rows} rows"), rows as u64);
    let env2 = env.clone();
    let label = format!("{NAME}: {}", call.cfg.name);
    let (size, fold, cfg, cache_bytes) = (call.input_size, call.common.fold, call.cfg.clone(), call.common.cache_bytes);
    job::launch(NAME, env, template, &call.common, run.versions, move |rep: &job::Reporter<EvalRow>| {
        let prepared = classifier_rows::prepare(&all, size, classes, fold, cache_bytes, &|n| decode.inc(n))?;
        decode.finish();
        // The store keeps the image column; the other columns go.
        drop(all);
        if let Some(w) = prepared.warning(NAME, rows) {
            eprintln!("{w}");
        }
        let ds = prepared.data;
        let (net, report) = trainer::build_net(&cfg, &ds)?;
        if let Some(r) = report.filter(|r| r.head_reinitialised) {
            eprintln!("notice: {NAME}(): the initial weights' head does not fit {classes} classes; it starts from a fresh head ({} tensors loaded)", r.loaded);
        }
        let steps = (ds.train.len().div_ceil(cfg.batch_size) * cfg.epochs).min(cfg.max_steps.unwrap_or(usize::MAX)) as u64;
        let cache = ds.store.stats();
        rep.ready(serde_json::json!({
            "train_rows": ds.train.len(), "val_rows": ds.val.len(), "skipped_rows": prepared.skipped.len(),
            "cached_pictures": cache.pictures, "cache_mb": cache.budget_bytes >> 20,
        }));
        let bar = env2.progress(&format!("{label} ({} training rows, {} validation rows)", ds.train.len(), ds.val.len()), steps);
        let r = trainer::train(Arc::new(ds), &cfg, net, &mut |row| Ok(rep.report(row)), &|| rep.cancelled(), &|| bar.inc(1));
        bar.finish();
        Ok(r?)
    })
    .await
}

impl job::Record for EvalRow {
    fn checkpoint(&self) -> Option<&str> {
        self.checkpoint.as_deref()
    }

    fn metrics(&self) -> serde_json::Value {
        serde_json::json!({"val_f1": self.val_f1, "val_loss": self.val_loss, "train_loss": self.train_loss, "epoch": self.epoch, "step": self.step})
    }

    fn batch(&self, model: &str, fold: i64, skipped_rows: i64) -> Result<RecordBatch> {
        let row = self;
        let col = |v: f64| -> ArrayRef { Arc::new(Float64Array::from(vec![v])) };
        RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(StringArray::from(vec![model.to_string()])),
                Arc::new(Int64Array::from(vec![fold])),
                col(row.epoch),
                Arc::new(Int64Array::from(vec![row.step])),
                col(row.train_loss),
                col(row.val_loss),
                Arc::new(Float64Array::from(vec![(!row.val_f1.is_nan()).then_some(row.val_f1)])),
                col(row.lr),
                col(row.seconds),
                Arc::new(Float64Array::from(vec![(!row.images_per_s.is_nan()).then_some(row.images_per_s)])),
                col(row.loader_wait_s),
                Arc::new(BooleanArray::from(vec![row.checkpoint.is_some()])),
                Arc::new(StringArray::from(vec![row.checkpoint.clone()])),
                Arc::new(Int64Array::from(vec![skipped_rows])),
            ],
        )
        .map_err(Into::into)
    }
}
