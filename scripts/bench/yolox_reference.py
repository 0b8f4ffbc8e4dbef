#!/usr/bin/env python3
"""YOLOX training-step reference for scripts/bench/detector.sh: the official YOLOX code
(yolox 0.3.0, .cytologia-env/yoloxref from `scripts/setup --yolox-ref`) trains the same preset
at the same size and batch on the same kind of input as train_detector(), and reports
images/s of the training step (forward, SimOTA + loss, backward, SGD step, EMA update), as
YOLOX's Trainer runs it, without the data loader (both sides load data in parallel threads).

    .cytologia-env/yoloxref/bin/python scripts/bench/yolox_reference.py --preset nano --size 416 \
        --batch 16 --steps 20 --threads 2 [--json out.json]

Input: synthetic BGR 0..255 images (uniform noise plus a bright square per image, the boxes as
YOLOX's TrainTransform returns them: [class, cx, cy, w, h] padded to 120 rows), redrawn every
step so no cache helps. The winning recipe's fork setting is used: IoU loss 'giou'.
"""
import argparse
import json
import time

import torch
from yolox.exp import get_exp
from yolox.models.losses import IOUloss
from yolox.utils import ModelEMA


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="nano")
    p.add_argument("--size", type=int, default=416)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    exp = get_exp(exp_name=f"yolox-{a.preset}")
    exp.num_classes = 1
    model = exp.get_model()
    model.head.iou_loss = IOUloss(reduction="none", loss_type="giou")
    model.train()
    opt = exp.get_optimizer(a.batch)
    ema = ModelEMA(model, 0.9998)
    g = torch.Generator().manual_seed(1)

    def batch():
        x = torch.randint(0, 256, (a.batch, 3, a.size, a.size), generator=g).float()
        t = torch.zeros(a.batch, 120, 5)
        for i in range(a.batch):
            w = float(torch.randint(40, 120, (1,), generator=g))
            cx = float(torch.randint(80, a.size - 80, (1,), generator=g))
            cy = float(torch.randint(80, a.size - 80, (1,), generator=g))
            x[i, :, int(cy - w / 2):int(cy + w / 2), int(cx - w / 2):int(cx + w / 2)] = 230.0
            t[i, 0] = torch.tensor([0.0, cx, cy, w, w])
        return x, t

    times = []
    for step in range(a.warmup + a.steps):
        x, t = batch()
        t0 = time.perf_counter()
        out = model(x, t)
        opt.zero_grad()
        out["total_loss"].backward()
        opt.step()
        ema.update(model)
        times.append(time.perf_counter() - t0)
    timed = times[a.warmup:]
    r = {"preset": a.preset, "size": a.size, "batch": a.batch, "threads": a.threads, "steps": a.steps,
         "seconds_per_step": sum(timed) / len(timed), "images_per_s": a.batch * len(timed) / sum(timed),
         "torch": torch.__version__}
    print(json.dumps(r))
    if a.json:
        json.dump(r, open(a.json, "w"))


if __name__ == "__main__":
    main()
