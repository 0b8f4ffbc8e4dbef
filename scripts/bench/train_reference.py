#!/usr/bin/env python3
"""PyTorch side of the training benchmark: the winning recipe's crop-classifier training recipe, run with
timm + albumentations on CPU, against which the engine's libtorch (tch) trainer is compared in
the same run.

Environment: the training-reference venv (scripts/setup --train-ref, pinned in
scripts/requirements-train-ref.txt):

    .cytologia-env/torchref/bin/python scripts/bench/train_reference.py --data crops.parquet \\
        --fold 0 --arch resnet18 --size 224 --classes 23 --epochs 10 --batch 32 --lr 2e-4 \\
        --seed 42 --precision fp32 --workers 2 --threads 2 [--max-steps 15] [--json out.json]

Input: a parquet file with columns image (PNG or JPEG bytes of one crop), label (int class id),
fold (int). Rows with fold == --fold are the validation set, all others train.

Recipe (docs/pipeline.md; keep in step with the Rust trainer):
  * PIL decode -> RGB uint8 -> albumentations Resize(size, size, INTER_LANCZOS4), aspect not kept.
  * train-only augmentation (TRAIN_AUG below), then Normalize(ImageNet mean/std) -> CHW float32.
  * batch-level mix: with p 0.5 mix, then CutMix (lam ~ Beta(1,1)) or MixUp (lam ~ Beta(0.2,0.2))
    with p 0.5 each; loss = lam*CE(y_a) + (1-lam)*CE(y_b) (one-hot targets, no smoothing).
  * timm backbone (num_classes=0, pretrained=False) + Linear head (xavier_uniform_, zero bias).
  * AdamW(lr, weight_decay 0.01), CosineAnnealingLR(T_max=epochs, eta_min=0) stepped per epoch.
  * validation on the held-out fold twice per epoch (half-epoch step and epoch end): CE loss and
    macro-F1 of the argmax; the best F1 is kept.
  * --precision bf16: torch.autocast('cpu', bfloat16) around forward + loss.

Output (stdout, one JSON object per line):
  per evaluation  {"epoch", "step", "train_loss", "val_loss", "val_f1", "lr", "seconds"}
                  train_loss: mean of the batch losses since the start of the epoch;
                  step: global training step (1-based); seconds: wall time since training began.
  at the end      {"images_per_s", "best_val_f1", "loader_wait_s", ...}: images_per_s counts the
                  training steps after the first 3 (warm-up: allocator, oneDNN primitive caches,
                  worker start), timed from asking the loader for the batch to the end of
                  optimizer.step(), so loader stalls count but evaluation does not;
                  loader_wait_s is the total time the loop waited for batches (all steps,
                  worker start-up included); loader_wait_timed_s the part of it inside the
                  timed steps, timed_s their total time.
  --json PATH also writes the final object there.
With --max-steps N the run stops after N training steps and skips evaluation (throughput mode).
"""
import argparse
import io
import json
import os
import random
import sys
import time
import warnings

# albumentations checks PyPI for a newer release on import: a network round trip that has no
# place inside a benchmark (and fails offline). Must be set before the import.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
import albumentations as A  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import timm  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, Dataset, get_worker_info  # noqa: E402

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
WARMUP_STEPS = 3


class Rotate90or270(A.RandomRotate90):
    """RandomRotate90 restricted to k in {1, 3}: the winning recipe's branch rotates by 90 or 270 degrees
    only (the stock transform also draws 0 and 180, which would change the branch's effect)."""

    def get_params(self):
        # 1.4.22 draws from the transform's own generator (self.py_random), not the global one.
        return {"factor": self.py_random.choice((1, 3))}


def train_aug(size):
    """The winning recipe's train augmentation, with the winning recipe's argument spellings kept literally. Some are
    deprecated in albumentations 1.4.22, which translates them (the warnings are silenced in main):
      ShiftScaleRotate value=0      -> fill=0 (border colour, the default anyway)
      CoarseDropout max_holes=3, max_height=max_width=size//6
                                    -> num_holes_range=(3, 3), hole_*_range=(size//6, size//6):
                                       exactly 3 holes of exactly size//6 (min_* default to max_*)
      CoarseDropout fill_value=0    -> ignored with a warning; fill defaults to 0, same effect
      GaussNoise var_limit=(0, 2)   -> NOT (0, 2): 1.4.22 treats any var_limit with max > 1 as
                                       'legacy uint8' and replaces it by its default
                                       std_range = (sqrt(10/255), sqrt(50/255)) of 255, i.e. it
                                       draws var ~ U(10/255, 50/255), sigma = sqrt(var) * 255
                                       (51..113 grey levels). Kept, because this is what the winning recipe
                                       ran with this version; it hits 0.10 * 0.10 = 1% of images.
    OneOf picks a child with probability proportional to the child's p, then applies it."""
    return A.Compose([
        A.OneOf([
            A.HorizontalFlip(p=0.25),
            A.VerticalFlip(p=0.25),
            Rotate90or270(p=0.5),
        ], p=0.75),
        A.ShiftScaleRotate(shift_limit=0.10, scale_limit=0.2, rotate_limit=30, interpolation=cv2.INTER_LINEAR,
                           border_mode=cv2.BORDER_CONSTANT, value=0, p=0.5),
        A.OneOf([
            A.RandomBrightnessContrast(brightness_limit=0.35, contrast_limit=0.5, brightness_by_max=True, p=0.16),
            A.RandomGamma(gamma_limit=(80, 110), p=0.16),
            A.HueSaturationValue(hue_shift_limit=30, sat_shift_limit=30, val_shift_limit=20, p=0.16),
            A.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1, p=0.16),
            A.ToGray(p=0.05),
            A.CLAHE(p=0.16),
        ], p=0.30),
        A.OneOf([
            A.GaussianBlur(blur_limit=(3, 5), p=0.45),
            A.MotionBlur(blur_limit=(3, 5), p=0.45),
            A.GaussNoise(var_limit=(0, 2), p=0.10),
        ], p=0.10),
        A.CoarseDropout(max_holes=3, max_height=size // 6, max_width=size // 6, fill_value=0, p=0.25),
    ])


class Crops(Dataset):
    def __init__(self, images, labels, size, train):
        self.images, self.labels = images, labels
        self.resize = A.Resize(size, size, interpolation=cv2.INTER_LANCZOS4)
        self.aug = train_aug(size) if train else None
        self.normalize = A.Normalize(mean=MEAN, std=STD)
        self.reseed(0)

    def reseed(self, seed):
        """Give the whole augmentation pipeline one shared pair of generators seeded with `seed`.
        albumentations 1.4.22 keeps a private generator per transform, seeded from OS entropy when
        Compose has no seed (not reproducible), or ALL with the same seed when it has one (every
        transform then draws the same stream: correlated decisions). DataLoader workers reseed only
        the global random / numpy / torch generators, so forked workers would also replay
        identical augmentation streams. Sharing one seeded pair, reseeded per worker, fixes all
        three."""
        if self.aug is not None:
            self.aug.set_random_state(np.random.default_rng(seed), random.Random(seed))

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = np.asarray(Image.open(io.BytesIO(self.images[i])).convert("RGB"))
        img = self.resize(image=img)["image"]
        if self.aug is not None:
            img = self.aug(image=img)["image"]
        img = self.normalize(image=img)["image"]
        return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))), self.labels[i]


class Classifier(nn.Module):
    def __init__(self, arch, classes):
        super().__init__()
        self.backbone = timm.create_model(arch, pretrained=False, num_classes=0)
        self.head = nn.Linear(self.backbone.num_features, classes)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x):
        return self.head(self.backbone(x))


def rand_bbox(h, w, lam):
    # Box side proportional to sqrt(1 - lam) so its area is ~(1 - lam); centre uniform; clipped.
    cut = np.sqrt(1.0 - lam)
    cut_h, cut_w = int(h * cut), int(w * cut)
    cy, cx = np.random.randint(h), np.random.randint(w)
    y1, y2 = np.clip(cy - cut_h // 2, 0, h), np.clip(cy + cut_h // 2, 0, h)
    x1, x2 = np.clip(cx - cut_w // 2, 0, w), np.clip(cx + cut_w // 2, 0, w)
    return y1, y2, x1, x2


def mix(x, y):
    """Batch-level CutMix / MixUp. Returns (x, y_a, y_b, lam); lam = 1 means no mixing."""
    if not np.random.random() > 0.5:
        return x, y, y, 1.0
    perm = torch.randperm(x.size(0))
    if np.random.random() > 0.5:
        lam = np.random.beta(1.0, 1.0)
        y1, y2, x1, x2 = rand_bbox(x.size(2), x.size(3), lam)
        x[:, :, y1:y2, x1:x2] = x[perm, :, y1:y2, x1:x2]
        # The clipped box can be smaller than asked: the label weight follows the pasted area.
        lam = 1.0 - (y2 - y1) * (x2 - x1) / (x.size(2) * x.size(3))
    else:
        lam = np.random.beta(0.2, 0.2)
        x = lam * x + (1.0 - lam) * x[perm]
    return x, y, y[perm], float(lam)


def mixed_loss(logits, y_a, y_b, lam, classes):
    ce_a = F.cross_entropy(logits, F.one_hot(y_a, classes).to(logits.dtype))
    if lam == 1.0:
        return ce_a
    return lam * ce_a + (1.0 - lam) * F.cross_entropy(logits, F.one_hot(y_b, classes).to(logits.dtype))


def autocast(precision):
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")


def evaluate(model, loader, precision, memory_format=torch.contiguous_format):
    model.eval()
    losses, preds, truth = 0.0, [], []
    with torch.no_grad():
        for x, y in loader:
            x = x.contiguous(memory_format=memory_format)
            with autocast(precision):
                logits = model(x)
                loss = F.cross_entropy(logits, y, reduction="sum")
            losses += float(loss)
            preds.append(logits.float().argmax(1))
            truth.append(y)
    model.train()
    preds, truth = torch.cat(preds).numpy(), torch.cat(truth).numpy()
    # average='macro' without labels= averages over the union of labels in truth and prediction.
    f1 = f1_score(truth, preds, average="macro")
    return losses / len(truth), float(f1)


def worker_init(_):
    # info.seed = the loader's base seed (drawn from its seeded generator) + worker id: distinct
    # per worker, reproducible per --seed.
    info = get_worker_info()
    info.dataset.reseed(info.seed)


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--fold", type=int, default=0)
    p.add_argument("--arch", default="resnet18")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--classes", type=int, default=23)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--channels-last", action="store_true", help="model and inputs in torch.channels_last (as the engine trains)")
    p.add_argument("--max-steps", type=int, default=None, help="stop after N training steps, no evaluation")
    p.add_argument("--json", default=None, help="also write the final JSON object here")
    args = p.parse_args()

    # albumentations 1.4.22 flags some of the winning recipe's argument spellings as deprecated (see
    # train_aug); the warnings would only clutter the output. Filters are inherited by forked workers.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message="Argument 'fill_value' is not valid")
    torch.set_num_threads(args.threads)
    seed_everything(args.seed)

    table = pq.read_table(args.data, columns=["image", "label", "fold"])
    images = table.column("image").to_pylist()
    labels = np.asarray(table.column("label").to_pylist(), dtype=np.int64)
    folds = np.asarray(table.column("fold").to_pylist(), dtype=np.int64)
    tr, va = np.flatnonzero(folds != args.fold), np.flatnonzero(folds == args.fold)
    train_ds = Crops([images[i] for i in tr], labels[tr], args.size, train=True)
    train_ds.reseed(args.seed)  # used as is when --workers 0
    val_ds = Crops([images[i] for i in va], labels[va], args.size, train=False)
    throughput = args.max_steps is not None

    def loader(ds, shuffle):
        return DataLoader(ds, batch_size=args.batch, shuffle=shuffle, drop_last=False, num_workers=args.workers,
                          persistent_workers=args.workers > 0, worker_init_fn=worker_init if args.workers > 0 else None,
                          generator=torch.Generator().manual_seed(args.seed) if shuffle else None)

    train_dl = loader(train_ds, True)
    val_dl = None if throughput or len(val_ds) == 0 else loader(val_ds, False)

    model = Classifier(args.arch, args.classes)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs, eta_min=0)

    steps_per_epoch = len(train_dl)
    half = steps_per_epoch // 2
    step, best_f1 = 0, None
    loader_wait = timed_wait = timed_s = 0.0
    timed_images = 0
    start = time.perf_counter()
    epoch = 0
    done = False
    while not done:
        loss_sum, loss_n = 0.0, 0
        it = iter(train_dl)
        for i in range(steps_per_epoch):
            t0 = time.perf_counter()
            x, y = next(it)
            t1 = time.perf_counter()
            loader_wait += t1 - t0
            x, y_a, y_b, lam = mix(x, y)
            x = x.contiguous(memory_format=fmt)
            with autocast(args.precision):
                logits = model(x)
                loss = mixed_loss(logits, y_a, y_b, lam, args.classes)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            t2 = time.perf_counter()
            step += 1
            loss_sum += float(loss.detach())
            loss_n += 1
            if step > WARMUP_STEPS:
                timed_s += t2 - t0
                timed_wait += t1 - t0
                timed_images += x.size(0)
            if throughput and step >= args.max_steps:
                done = True
                break
            # Twice per epoch: at the half-epoch step (when the epoch has one) and at its end.
            if val_dl is not None and ((half > 0 and i + 1 == half) or i + 1 == steps_per_epoch):
                val_loss, val_f1 = evaluate(model, val_dl, args.precision, fmt)
                best_f1 = val_f1 if best_f1 is None else max(best_f1, val_f1)
                print(json.dumps({"epoch": epoch, "step": step, "train_loss": round(loss_sum / loss_n, 6),
                                  "val_loss": round(val_loss, 6), "val_f1": round(val_f1, 6),
                                  "lr": opt.param_groups[0]["lr"], "seconds": round(time.perf_counter() - start, 3)}),
                      flush=True)
        if done:
            break
        sched.step()
        epoch += 1
        # Throughput mode keeps cycling epochs until --max-steps; a normal run stops at --epochs.
        if not throughput and epoch >= args.epochs:
            done = True

    final = {
        "images_per_s": round(timed_images / timed_s, 3) if timed_s > 0 else None,
        "best_val_f1": best_f1,
        "loader_wait_s": round(loader_wait, 4),
        # the part of timed_s spent waiting: > 0 means the loader, not the model, set the pace
        "loader_wait_timed_s": round(timed_wait, 4), "timed_s": round(timed_s, 4),
        "steps": step, "timed_steps": max(0, step - WARMUP_STEPS), "seconds": round(time.perf_counter() - start, 3),
        "arch": args.arch, "size": args.size, "batch": args.batch, "precision": args.precision,
        "workers": args.workers, "threads": args.threads,
        "torch": torch.__version__, "timm": timm.__version__, "albumentations": A.__version__,
    }
    print(json.dumps(final), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            f.write(json.dumps(final) + "\n")


if __name__ == "__main__":
    sys.exit(main())
