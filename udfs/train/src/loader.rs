//! Batches for the training loop, made on the loader pool in a thread of their own and queued
//! a few ahead, so the training step never waits for decoding or augmentation when the CPU
//! allows. Every sample's randomness comes from (seed, epoch, position), not from the thread
//! that made it.
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use rayon::prelude::*;

use crate::dataset::{self, Dataset, Target};
use crate::error::Result;
use crate::loader_pool;
use cytologia_kernels::augment;
use cytologia_kernels::imagenet;
use cytologia_kernels::rng;

pub struct Batch {
    /// `n x 3 x size x size`, normalised.
    pub x: Vec<f32>,
    /// `n x classes`: one-hot or multi-hot.
    pub y: Vec<f32>,
    pub n: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Val,
}

pub fn target_row(t: &Target, classes: usize, out: &mut [f32]) {
    out[..classes].fill(0.0);
    match t {
        Target::Class(c) => out[*c] = 1.0,
        Target::Multi(v) => v.iter().for_each(|&c| out[c] = 1.0),
    }
}

/// Makes one batch from rows `idx` of a split; `augment` applies the winning recipe's train
/// pipeline. Fails when a picture cannot be loaded (its source changed since it was checked).
pub fn make_batch(ds: &Dataset, split: Split, idx: &[usize], augment: bool, seed: u64, epoch: u64) -> Result<Batch> {
    let (size, classes) = (ds.size, ds.classes);
    let plane = 3 * size * size;
    let rows = if split == Split::Train { &ds.train } else { &ds.val };
    let mut x = vec![0f32; idx.len() * plane];
    let mut y = vec![0f32; idx.len() * classes];
    x.par_chunks_mut(plane).zip(y.par_chunks_mut(classes)).zip(idx.par_iter()).try_for_each(|((xo, yo), &i)| -> Result<()> {
        let s = &rows[i];
        let mut r = rng::derive(seed, epoch + 1, i as u64);
        let pic = dataset::picture(ds, s, split == Split::Train, &mut r)?;
        let pic = if augment { augment::light_augmentation_train(&pic, &mut r) } else { pic };
        imagenet::normalize(&pic.data, size, false, xo);
        target_row(&s.target, classes, yo);
        Ok(())
    })?;
    Ok(Batch { x, y, n: idx.len() })
}

/// Batches of one epoch's training order, produced ahead in a background thread.
pub fn spawn(ds: Arc<Dataset>, order: Vec<usize>, batch: usize, augment: bool, seed: u64, epoch: u64) -> Receiver<Result<Batch>> {
    let (tx, rx) = sync_channel(3);
    std::thread::spawn(move || {
        for chunk in order.chunks(batch) {
            let b = loader_pool::run(|| make_batch(&ds, Split::Train, chunk, augment, seed, epoch));
            let failed = b.is_err();
            if tx.send(b).is_err() || failed {
                return; // the trainer stopped (cancelled or failed), or a picture failed to load
            }
        }
    });
    rx
}
