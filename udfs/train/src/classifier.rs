//! The training loop of train_classifier() (docs/pipeline.md §8.2-8.3): AdamW (weight decay 0.01),
//! cosine learning rate per epoch (no warm-up, minimum 0), the winning recipe's augmentations and batch
//! mixing, evaluation on the held-out fold `evals_per_epoch` times per epoch, and a checkpoint
//! whenever validation macro-F1 improves. Runs on a blocking thread; reports each evaluation
//! through `report`, which returns false when the consumer is gone (cancelled query).
use std::sync::Arc;
use std::time::Instant;

use tch::{Device, Kind, Tensor};

use crate::dataset::{Dataset, Target};
use crate::error::{Result, TrainError};
use crate::loader::{self, Split};
use crate::metrics;
use crate::mix;
use cytologia_kernels::rng;
use cytologia_nn::checkpoint;
use cytologia_nn::loss::Loss;
use cytologia_nn::nets::{self, Net};
use cytologia_nn::optim::AdamW;

#[derive(Debug, Clone)]
pub enum Init {
    Random,
    /// A safetensors file: timm pretrained weights or an earlier checkpoint.
    Weights(String),
}

#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub name: String,
    pub architecture: String,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub weight_decay: f64,
    pub loss: Loss,
    pub mix: bool,
    pub augment: bool,
    pub init: Init,
    pub device: Device,
    pub seed: u64,
    pub evals_per_epoch: usize,
    pub checkpoint_dir: std::path::PathBuf,
    pub precision: cytologia_nn::autocast::Precision,
    /// Stop after this many steps (with an evaluation there), e.g. to time a run too long to
    /// finish; the schedule stays the full run's.
    pub max_steps: Option<usize>,
}

/// One evaluation, as a row of train_classifier()'s output.
#[derive(Debug, Clone)]
pub struct EvalRow {
    pub epoch: f64,
    pub step: i64,
    pub train_loss: f64,
    pub val_loss: f64,
    pub val_f1: f64,
    pub lr: f64,
    pub seconds: f64,
    pub images_per_s: f64,
    pub loader_wait_s: f64,
    /// The checkpoint written for this evaluation when it is the best so far.
    pub checkpoint: Option<String>,
}

const WARMUP_STEPS: i64 = 3;

/// Cosine annealing per epoch (PyTorch's CosineAnnealingLR, T_max = epochs, eta_min = 0).
pub fn cosine_lr(base: f64, epoch: usize, epochs: usize) -> f64 {
    base * (1.0 + (std::f64::consts::PI * epoch as f64 / epochs.max(1) as f64).cos()) / 2.0
}

/// Steps of an epoch after which to evaluate: evenly spaced, the last at the epoch's end.
pub fn eval_points(steps: usize, per_epoch: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (1..=per_epoch.max(1)).map(|k| steps * k / per_epoch.max(1)).filter(|&s| s > 0).collect();
    v.dedup();
    v
}

pub fn build_net(cfg: &TrainConfig, ds: &Dataset) -> Result<(Net, Option<nets::LoadReport>)> {
    tch::manual_seed(cfg.seed as i64);
    let mut net = nets::build(&cfg.architecture, ds.classes as i64, ds.size as i64, cfg.device)?;
    let report = match &cfg.init {
        Init::Random => None,
        Init::Weights(path) => Some(nets::load_safetensors(&mut net, path, false)?),
    };
    net.use_preferred_layout();
    Ok((net, report))
}

/// `stop` is polled every step (a cancelled query stops within one step); `on_step` drives
/// the progress display.
pub fn train(
    ds: Arc<Dataset>,
    cfg: &TrainConfig,
    net: Net,
    report: &mut dyn FnMut(EvalRow) -> Result<bool>,
    stop: &dyn Fn() -> bool,
    on_step: &dyn Fn(),
) -> Result<()> {
    let mut opt = AdamW::new(&net.vs, cfg.weight_decay);
    let n = ds.train.len();
    let mut steps = n.div_ceil(cfg.batch_size);
    // BatchNorm cannot train on a last batch of one image; drop it (drop_last for that case).
    let mut epoch_rows = n;
    if n > 1 && n % cfg.batch_size == 1 {
        steps -= 1;
        epoch_rows -= 1;
    }
    let points = eval_points(steps, cfg.evals_per_epoch);
    let start = Instant::now();
    let (mut best, mut step, mut train_time, mut seen, mut wait) = (f64::NEG_INFINITY, 0i64, 0f64, 0usize, 0f64);
    let size = ds.size as i64;
    for epoch in 0..cfg.epochs {
        let lr = cosine_lr(cfg.lr, epoch, cfg.epochs);
        let mut order = rng::permutation(&mut rng::derive(cfg.seed, 0, epoch as u64), n);
        order.truncate(epoch_rows);
        let rx = loader::spawn(ds.clone(), order, cfg.batch_size, cfg.augment, cfg.seed, epoch as u64);
        let (mut loss_sum, mut loss_n) = (0f64, 0usize);
        for s in 1..=steps {
            if stop() {
                return Ok(());
            }
            let t0 = Instant::now();
            let b = rx.recv().map_err(|_| TrainError::Other("the batch loader stopped".into()))??;
            let t1 = Instant::now();
            wait += (t1 - t0).as_secs_f64();
            let bn = b.n as i64;
            let x = net.layout(&Tensor::from_slice(&b.x).view([bn, 3, size, size]).to_device(cfg.device));
            let y = Tensor::from_slice(&b.y).view([bn, ds.classes as i64]).to_device(cfg.device);
            let mut r = rng::derive(cfg.seed, 1 << 32, step as u64);
            let m = if cfg.mix { mix::mix(&x, &y, &mut r) } else { mix::Mixed { x, partner: None } };
            let logits = {
                let _autocast = cytologia_nn::autocast::Guard::new(cfg.precision, cfg.device)?;
                net.model.forward_t(&m.x, true)
            }
            .to_kind(Kind::Float);
            let loss = match &m.partner {
                None => cfg.loss.compute(&logits, &y),
                Some((yb, lam)) => cfg.loss.compute(&logits, &y) * *lam + cfg.loss.compute(&logits, yb) * (1.0 - lam),
            };
            opt.zero_grad();
            loss.backward();
            opt.step(lr)?;
            let l = loss.double_value(&[]);
            if !l.is_finite() {
                return Err(TrainError::Other(format!("training diverged at step {} (loss {l}); try a lower lr", step + 1)));
            }
            loss_sum += l * b.n as f64;
            loss_n += b.n;
            step += 1;
            // Throughput as the PyTorch reference counts it: after 3 warm-up steps, from asking
            // for the batch to the end of the optimiser step (loader stalls count, evaluation
            // does not).
            if step > WARMUP_STEPS {
                seen += b.n;
                train_time += t0.elapsed().as_secs_f64();
            }
            on_step();
            let last = cfg.max_steps.is_some_and(|m| step as usize >= m);
            if points.contains(&s) || last {
                let (val_loss, val_f1, _) = evaluate(&net, &ds, cfg)?;
                let is_best = val_f1 > best || (best.is_nan() && !val_f1.is_nan());
                let checkpoint = if is_best {
                    best = val_f1;
                    Some(checkpoint::save(&net.vs, &cfg.checkpoint_dir, &cfg.name, step)?)
                } else {
                    None
                };
                let row = EvalRow {
                    epoch: epoch as f64 + s as f64 / steps as f64,
                    step,
                    train_loss: loss_sum / loss_n.max(1) as f64,
                    val_loss,
                    val_f1,
                    lr,
                    seconds: start.elapsed().as_secs_f64(),
                    images_per_s: if seen > 0 { seen as f64 / train_time.max(1e-9) } else { f64::NAN },
                    loader_wait_s: wait,
                    checkpoint,
                };
                if !report(row)? || last {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// Validation loss (cross-entropy or the training loss for multi-label) and macro-F1, plus
/// the logits (row order of the validation split).
pub fn evaluate(net: &Net, ds: &Dataset, cfg: &TrainConfig) -> Result<(f64, f64, Vec<f32>)> {
    let idx: Vec<usize> = (0..ds.val.len()).collect();
    let (size, c) = (ds.size as i64, ds.classes);
    let mut logits = Vec::with_capacity(ds.val.len() * c);
    let mut loss_sum = 0f64;
    for chunk in idx.chunks(cfg.batch_size.max(1)) {
        let b = loader::make_batch(ds, Split::Val, chunk, false, cfg.seed, 0)?;
        let bn = b.n as i64;
        let x = net.layout(&Tensor::from_slice(&b.x).view([bn, 3, size, size]).to_device(cfg.device));
        let y = Tensor::from_slice(&b.y).view([bn, c as i64]).to_device(cfg.device);
        let out = tch::no_grad(|| net.model.forward_t(&x, false)).to_kind(Kind::Float);
        let loss = if ds.multilabel { cfg.loss } else { Loss::Ce };
        loss_sum += tch::no_grad(|| loss.compute(&out, &y)).double_value(&[]) * b.n as f64;
        logits.extend(Vec::<f32>::try_from(out.to_device(Device::Cpu).flatten(0, -1)).map_err(|e| TrainError::Other(e.to_string()))?);
    }
    let truth: Vec<&Target> = ds.val.iter().map(|s| &s.target).collect();
    let f1 = if ds.multilabel { metrics::macro_f1_multilabel(&logits, c, &truth) } else { metrics::macro_f1_multiclass(&logits, c, &truth) };
    Ok((loss_sum / ds.val.len().max(1) as f64, f1, logits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_and_evaluation_points() {
        assert_eq!(cosine_lr(1.0, 0, 10), 1.0);
        assert!((cosine_lr(1.0, 5, 10) - 0.5).abs() < 1e-12);
        assert_eq!(eval_points(10, 2), vec![5, 10]);
        assert_eq!(eval_points(1, 2), vec![1]);
        assert_eq!(eval_points(7, 2), vec![3, 7]);
    }
}

/// Where a classifier training step's time goes (run by hand: `cargo test --release
/// --workspace --lib classifier_step_profile -- --ignored --nocapture`);
/// scripts/bench/step_profile.py times the same phases in PyTorch.
#[cfg(test)]
mod profile {
    use super::*;

    #[test]
    #[ignore]
    fn classifier_step_profile() {
        tch::set_num_threads(std::thread::available_parallelism().map(|n| n.get() as i32).unwrap_or(2));
        cytologia_nn::runtime::torch_cpu_cache::install();
        let net = nets::build("resnet18", 23, 224, Device::Cpu).unwrap();
        let mut opt = AdamW::new(&net.vs, 0.01);
        let mut theirs = {
            use tch::nn::OptimizerConfig;
            tch::nn::AdamW::default().wd(0.01).build(&net.vs, 2e-4).unwrap()
        };
        let x = Tensor::randn([32, 3, 224, 224], (Kind::Float, Device::Cpu));
        let y = Tensor::randint(23, [32], (Kind::Int64, Device::Cpu)).one_hot(23).to_kind(Kind::Float);
        for round in 0..6 {
            let t0 = Instant::now();
            let logits = net.model.forward_t(&x, true);
            let t1 = Instant::now();
            let loss = Loss::Ce.compute(&logits, &y);
            opt.zero_grad();
            loss.backward();
            let t2 = Instant::now();
            opt.step(2e-4).unwrap();
            let t3 = Instant::now();
            theirs.step();
            let t4 = Instant::now();
            let s = |a: Instant, b: Instant| (b - a).as_secs_f64();
            eprintln!(
                "round {round}: forward {:.3} backward {:.3} fused adamw {:.3} (libtorch's {:.3}) total {:.3}",
                s(t0, t1),
                s(t1, t2),
                s(t2, t3),
                s(t3, t4),
                s(t0, t3)
            );
        }
    }
}
