//! The training loop of train_detector(), as the winning recipe's YOLOX exp (docs/pipeline.md §4.3): SGD
//! (momentum 0.9, Nesterov, weight decay 5e-4 on conv weights only), lr = lr_per_image x
//! batch with a quadratic warm-up and cosine to 0.05x (`yoloxwarmcos`, constant in the
//! no-augmentation epochs), EMA of the weights (0.9998, ramped), mosaic/mixup until the last
//! `no_aug_epochs` (then L1 loss on), multiscale sizes every 10 steps, COCO AP of the EMA
//! model on the held-out fold, and a checkpoint of the EMA weights whenever AP50:95 improves.
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Instant;

use rand_mt::Mt64;
use rayon::prelude::*;
use tch::{Device, Kind, Tensor};

use super::dataset::{DetDataset, Sample};
use crate::error::{Result, TrainError};
use cytologia_kernels::augment::yolox::{self as augment, AugConfig, Label};
use cytologia_kernels::eval::coco::{CocoImage, coco_ap};
use cytologia_kernels::rng;
use cytologia_nn::optim::{Ema, Sgd};
use cytologia_nn::yolox::loss::yolox_loss;
use cytologia_nn::yolox::{Preset, Yolox};

#[derive(Debug, Clone)]
pub struct DetConfig {
    pub name: String,
    pub preset: Preset,
    pub classes: usize,
    pub input_size: usize,
    pub epochs: usize,
    pub batch_size: usize,
    pub no_aug_epochs: usize,
    pub warmup_epochs: usize,
    pub lr_per_image: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    pub ema: bool,
    pub eval_interval: usize,
    /// Multiscale: sizes (input/32 ± range)·32, redrawn every 10 steps; 0 = fixed size.
    pub multiscale_range: usize,
    pub init: Option<String>,
    pub device: Device,
    pub seed: u64,
    pub checkpoint_dir: std::path::PathBuf,
    pub aug: AugConfig,
    /// Stop after this many steps (with an evaluation there), e.g. to time a run too long to
    /// finish; the schedule stays the full run's.
    pub max_steps: Option<usize>,
}

/// One evaluation (one epoch), a row of train_detector()'s output.
#[derive(Debug, Clone)]
pub struct DetRow {
    pub epoch: i64,
    pub step: i64,
    pub loss: f64,
    pub iou_loss: f64,
    pub obj_loss: f64,
    pub cls_loss: f64,
    pub l1_loss: f64,
    pub val_ap: f64,
    pub val_ap50: f64,
    pub lr: f64,
    pub seconds: f64,
    pub images_per_s: f64,
    pub checkpoint: Option<String>,
}

/// Steps left out of `images_per_s`.
const WARMUP_STEPS: usize = 3;

/// `yolox_warm_cos_lr` at iteration `it` (1-based, as YOLOX counts), warm-up from 0.
pub fn warm_cos_lr(lr: f64, total: usize, warmup: usize, no_aug: usize, it: usize) -> f64 {
    let min_lr = lr * 0.05;
    if it <= warmup && warmup > 0 {
        lr * (it as f64 / warmup as f64).powi(2)
    } else if it >= total.saturating_sub(no_aug) {
        min_lr
    } else {
        let span = (total - warmup - no_aug).max(1) as f64;
        min_lr + 0.5 * (lr - min_lr) * (1.0 + (std::f64::consts::PI * (it - warmup) as f64 / span).cos())
    }
}

/// A training sample resized to fit the base input side, as YOLOX's dataset returns it.
fn pull(ds: &DetDataset, s: &Sample, side: usize) -> Result<(cytologia_kernels::augment::Rgb, Vec<Label>)> {
    let image = ds.store.get(s.key)?;
    let r = (side as f64 / image.height as f64).min(side as f64 / image.width as f64);
    let img = augment::scale_image(&image, r);
    Ok((img, s.labels.iter().map(|l| [l[0] * r, l[1] * r, l[2] * r, l[3] * r, l[4]]).collect()))
}

struct Batch {
    x: Vec<f32>,
    targets: Vec<Vec<[f32; 5]>>,
    size: usize,
}

fn make_batch(ds: &DetDataset, idx: &[usize], size: usize, cfg: &DetConfig, mosaic: bool, seed_epoch: (u64, u64)) -> Result<Batch> {
    let plane = 3 * size * size;
    let mut x = vec![0f32; idx.len() * plane];
    let targets: Vec<Vec<[f32; 5]>> = x
        .par_chunks_mut(plane)
        .zip(idx.par_iter())
        .map(|(out, &i)| -> Result<Vec<[f32; 5]>> {
            let mut r = rng::derive(seed_epoch.0, seed_epoch.1 + 1, i as u64);
            let n = ds.train.len() as i64;
            let first = pull(ds, &ds.train[i], cfg.input_size)?;
            let (img, labels) = if mosaic && rng::uniform(&mut r) < cfg.aug.mosaic_prob {
                // The mosaic asks for its other three images through a closure that cannot
                // fail: a load error is kept aside (a blank stands in), and the batch fails
                // after the mosaic.
                let mut failed = None;
                let (w, h) = (first.0.width, first.0.height);
                let mut pick = |r: &mut Mt64| {
                    pull(ds, &ds.train[rng::randint(r, 0, n - 1) as usize], cfg.input_size).unwrap_or_else(|e| {
                        failed = Some(e);
                        (cytologia_kernels::augment::Rgb { width: w, height: h, data: vec![0; w * h * 3] }, Vec::new())
                    })
                };
                let (img, labels) = augment::mosaic(first, &mut pick, (size, size), &cfg.aug, &mut r);
                if let Some(e) = failed {
                    return Err(e);
                }
                if !labels.is_empty() && rng::uniform(&mut r) < cfg.aug.mixup_prob {
                    // `load_anno` until an image with boxes: background images never mix in.
                    let other = (0..100).map(|_| rng::randint(&mut r, 0, n - 1) as usize).find(|&j| !ds.train[j].labels.is_empty()).unwrap_or(i);
                    augment::mixup(&img, labels, pull(ds, &ds.train[other], cfg.input_size)?, &cfg.aug, &mut r)
                } else {
                    (img, labels)
                }
            } else {
                first
            };
            let (input, t) = augment::train_transform(img, labels, (size, size), &cfg.aug, &mut r);
            out.copy_from_slice(&input);
            Ok(t)
        })
        .collect::<Result<_>>()?;
    Ok(Batch { x, targets, size })
}

/// An epoch's batches, built ahead on a background thread (three in flight).
fn spawn_loader(ds: Arc<DetDataset>, cfg: DetConfig, order: Vec<usize>, sizes: Vec<usize>, mosaic: bool, epoch: u64) -> Receiver<Result<Batch>> {
    let (tx, rx) = sync_channel(3);
    std::thread::spawn(move || {
        for (k, chunk) in order.chunks(cfg.batch_size).enumerate() {
            let b = crate::loader_pool::run(|| make_batch(&ds, chunk, sizes[k], &cfg, mosaic, (cfg.seed, epoch)));
            let failed = b.is_err();
            if tx.send(b).is_err() || failed {
                return;
            }
        }
    });
    rx
}

/// COCO AP50:95 and AP50 of `model` on the validation images at `size` (letterbox, conf 0.01,
/// NMS 0.65 as the YOLOX evaluator).
pub fn evaluate(model: &Yolox, ds: &DetDataset, size: usize, device: Device) -> Result<(f64, f64)> {
    let val = &ds.val;
    let classes = model.classes() as usize;
    let row = 5 + classes;
    let anchors = cytologia_kernels::yolox::anchors(size);
    let mut images = Vec::with_capacity(val.len());
    for chunk in val.chunks(16) {
        let inputs: Vec<(Vec<f32>, f64)> = chunk
            .par_iter()
            .map(|s| -> Result<(Vec<f32>, f64)> {
                let image = ds.store.get(s.key)?;
                Ok(augment::letterbox(&image, size, size))
            })
            .collect::<Result<_>>()?;
        let flat: Vec<f32> = inputs.iter().flat_map(|(x, _)| x.iter().copied()).collect();
        let x = Tensor::from_slice(&flat).view([chunk.len() as i64, 3, size as i64, size as i64]).to_device(device);
        let out = model.infer(&x).to_device(Device::Cpu).to_kind(Kind::Float).contiguous();
        let mut out =
            Vec::<f32>::try_from(out.flatten(0, -1)).map_err(|e| TrainError::Other(format!("validation: the detector's output cannot be read: {e}")))?;
        for (k, s) in chunk.iter().enumerate() {
            let pred = &mut out[k * anchors * row..(k + 1) * anchors * row];
            let dets = cytologia_kernels::yolox::postprocess(pred, anchors, row, size, false, 0.01, 0.65, inputs[k].1);
            images.push(CocoImage {
                truth: s.labels.iter().map(|l| [l[0], l[1], l[2], l[3]]).collect(),
                detections: dets.iter().map(|d| ([d.x1 as f64, d.y1 as f64, d.x2 as f64, d.y2 as f64], d.score as f64)).collect(),
            });
        }
    }
    let ap = coco_ap(&images);
    Ok((ap.ap, ap.ap50))
}

/// Trains; `report` gets each evaluation (false: the consumer is gone), `stop` is polled every
/// step, `on_step` drives the progress display.
pub fn train(ds: Arc<DetDataset>, cfg: &DetConfig, report: &mut dyn FnMut(DetRow) -> Result<bool>, stop: &dyn Fn() -> bool, on_step: &dyn Fn()) -> Result<()> {
    tch::manual_seed(cfg.seed as i64);
    let mut model = Yolox::new(cfg.preset, cfg.classes as i64, cfg.device)?;
    if let Some(path) = &cfg.init {
        let r = model.load(path, false)?;
        if r.head_reinitialised {
            eprintln!(
                "notice: train_detector(): the initial weights' class predictors do not fit {} classes; they start fresh ({} tensors loaded)",
                cfg.classes, r.loaded
            );
        }
    }
    let ema_model = Yolox::new(cfg.preset, cfg.classes as i64, cfg.device)?;
    let mut ema = Ema::new(&model.vs, &ema_model.vs);
    let mut opt = Sgd::new(&model.vs, cfg.momentum, cfg.weight_decay);
    let n = ds.train.len();
    let iters = n.div_ceil(cfg.batch_size);
    let total = iters * cfg.epochs;
    let (warmup, no_aug) = (iters * cfg.warmup_epochs, iters * cfg.no_aug_epochs);
    let base_lr = cfg.lr_per_image * cfg.batch_size as f64;
    let start = Instant::now();
    let (mut best, mut it, mut seen, mut train_time) = (f64::NEG_INFINITY, 0usize, 0usize, 0f64);
    let mut size_rng = rng::derive(cfg.seed, 3 << 32, 0);
    let mut size = cfg.input_size;
    let mut last_size = None;
    for epoch in 0..cfg.epochs {
        let aug_off = epoch + cfg.no_aug_epochs >= cfg.epochs;
        let order = rng::permutation(&mut rng::derive(cfg.seed, 0, epoch as u64), n);
        let sizes: Vec<usize> = (0..iters)
            .map(|k| {
                // YOLOX redraws the size after every 10th step.
                if (it + k) % 10 == 0 && (it + k) > 0 && cfg.multiscale_range > 0 {
                    let base = (cfg.input_size / 32) as i64;
                    let r = cfg.multiscale_range as i64;
                    size = 32 * rng::randint(&mut size_rng, (base - r).max(1), base + r) as usize;
                }
                size
            })
            .collect();
        let rx = spawn_loader(ds.clone(), cfg.clone(), order, sizes, !aug_off, epoch as u64);
        let mut sums = [0f64; 6];
        let mut steps = 0usize;
        for _ in 0..iters {
            if stop() {
                return Ok(());
            }
            let b = rx.recv().map_err(|_| TrainError::Other("the batch loader stopped".into()))??;
            let t0 = Instant::now();
            if last_size != Some(b.size) {
                crate::heap::release_free_pages();
                last_size = Some(b.size);
            }
            let bn = b.targets.len() as i64;
            let x = Tensor::from_slice(&b.x).view([bn, 3, b.size as i64, b.size as i64]).to_device(cfg.device);
            let targets: Vec<Tensor> = b
                .targets
                .iter()
                .map(|t| {
                    let flat: Vec<f32> = t.iter().flatten().copied().collect();
                    Tensor::from_slice(&flat).view([t.len() as i64, 5]).to_device(cfg.device)
                })
                .collect();
            it += 1;
            let lr = warm_cos_lr(base_lr, total, warmup, no_aug, it);
            let losses = yolox_loss(&model.levels(&x, true), &targets, aug_off);
            let total_loss = losses.total.double_value(&[]);
            if !total_loss.is_finite() {
                return Err(TrainError::Other(format!("the loss became {total_loss} at step {it} (epoch {epoch}): lower lr_per_image or check the boxes")));
            }
            opt.zero_grad();
            losses.total.backward();
            opt.step(lr);
            if cfg.ema {
                ema.update();
            }
            for (s, v) in sums.iter_mut().zip([total_loss, losses.iou, losses.obj, losses.cls, losses.l1, losses.num_fg]) {
                *s += v;
            }
            steps += 1;
            // The first steps build oneDNN's kernels; like train_classifier and the reference
            // scripts, images/s counts from the fourth step.
            if it > WARMUP_STEPS {
                seen += bn as usize;
                train_time += t0.elapsed().as_secs_f64();
            }
            on_step();
            if cfg.max_steps.is_some_and(|m| it >= m) {
                break;
            }
        }
        let last = cfg.max_steps.is_some_and(|m| it >= m);
        let evaluate_now = (epoch + 1) % cfg.eval_interval.max(1) == 0 || aug_off || epoch + 1 == cfg.epochs || last;
        if !evaluate_now {
            continue;
        }
        let eval_model = if cfg.ema { &ema_model } else { &model };
        let (ap, ap50) = evaluate(eval_model, &ds, cfg.input_size, cfg.device)?;
        // The next step starts from its own size's pages, not validation's.
        last_size = None;
        let checkpoint = if ap > best {
            best = ap;
            Some(cytologia_nn::checkpoint::save(&eval_model.vs, &cfg.checkpoint_dir, &cfg.name, it as i64)?)
        } else {
            None
        };
        let k = steps.max(1) as f64;
        let row = DetRow {
            epoch: epoch as i64 + 1,
            step: it as i64,
            loss: sums[0] / k,
            iou_loss: sums[1] / k,
            obj_loss: sums[2] / k,
            cls_loss: sums[3] / k,
            l1_loss: sums[4] / k,
            val_ap: ap,
            val_ap50: ap50,
            lr: warm_cos_lr(base_lr, total, warmup, no_aug, it),
            seconds: start.elapsed().as_secs_f64(),
            images_per_s: if train_time > 0.0 { seen as f64 / train_time } else { f64::NAN },
            checkpoint,
        };
        if !report(row)? || last {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::warm_cos_lr;

    #[test]
    fn warm_cos_matches_yolox() {
        // 10 iterations: 2 warm-up, 2 without augmentation.
        assert_eq!(warm_cos_lr(0.01, 10, 2, 2, 1), 0.01 * 0.25);
        assert_eq!(warm_cos_lr(0.01, 10, 2, 2, 2), 0.01);
        assert!((warm_cos_lr(0.01, 10, 2, 2, 3) - (0.0005 + 0.5 * 0.0095 * (1.0 + (std::f64::consts::PI / 6.0).cos()))).abs() < 1e-15);
        assert_eq!(warm_cos_lr(0.01, 10, 2, 2, 8), 0.0005);
        assert_eq!(warm_cos_lr(0.01, 10, 2, 2, 10), 0.0005);
    }
}

/// Where a training step's time goes (run by hand: `cargo test --release --workspace
/// step_profile -- --ignored --nocapture`).
#[cfg(test)]
mod profile {
    use super::*;
    use cytologia_kernels::augment::Rgb;

    #[test]
    #[ignore]
    fn step_profile() {
        let mut r = Mt64::new(1);
        let images: Vec<Rgb> =
            (0..65).map(|_| Rgb { width: 366, height: 360, data: (0..366 * 360 * 3).map(|_| (r.next_u64() % 255) as u8).collect() }).collect();
        let sample = |key| Sample { key, labels: vec![[100.0, 120.0, 180.0, 200.0, 0.0]] };
        let ds = DetDataset { train: (0..64).map(sample).collect(), val: vec![sample(64)], classes: 1, store: crate::store::Store::in_memory(images) };
        let cfg = DetConfig {
            name: "p".into(),
            preset: Preset::parse("nano").unwrap(),
            classes: 1,
            input_size: 416,
            epochs: 1,
            batch_size: 16,
            no_aug_epochs: 0,
            warmup_epochs: 0,
            lr_per_image: 0.01 / 64.0,
            weight_decay: 5e-4,
            momentum: 0.9,
            ema: true,
            eval_interval: 1,
            multiscale_range: 0,
            init: None,
            device: Device::Cpu,
            seed: 1,
            checkpoint_dir: std::env::temp_dir(),
            aug: augment::SEED_AUG,
            max_steps: None,
        };
        let idx: Vec<usize> = (0..16).collect();
        let t = Instant::now();
        let b = make_batch(&ds, &idx, 416, &cfg, true, (1, 0)).unwrap();
        let t_data = t.elapsed().as_secs_f64();
        let model = Yolox::new(cfg.preset, 1, Device::Cpu).unwrap();
        let ema_model = Yolox::new(cfg.preset, 1, Device::Cpu).unwrap();
        let mut ema = Ema::new(&model.vs, &ema_model.vs);
        let mut opt = Sgd::new(&model.vs, 0.9, 5e-4);
        let x = Tensor::from_slice(&b.x).view([16, 3, 416, 416]);
        let targets: Vec<Tensor> = b
            .targets
            .iter()
            .map(|t| {
                let flat: Vec<f32> = t.iter().flatten().copied().collect();
                Tensor::from_slice(&flat).view([t.len() as i64, 5])
            })
            .collect();
        for round in 0..3 {
            let t0 = Instant::now();
            let levels = model.levels(&x, true);
            let t1 = Instant::now();
            let l = yolox_loss(&levels, &targets, false);
            let t2 = Instant::now();
            opt.zero_grad();
            l.total.backward();
            let t3 = Instant::now();
            opt.step(0.001);
            ema.update();
            let t4 = Instant::now();
            eprintln!(
                "round {round}: data {t_data:.3}s/16 images, forward {:.3}s, loss {:.3}s, backward {:.3}s, sgd+ema {:.3}s",
                (t1 - t0).as_secs_f64(),
                (t2 - t1).as_secs_f64(),
                (t3 - t2).as_secs_f64(),
                (t4 - t3).as_secs_f64()
            );
        }
    }
}
