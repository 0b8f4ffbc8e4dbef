"""Where a classifier training step's time goes in PyTorch: ResNet-18 (timm) at 224, batch 32,
random inputs, forward / backward / AdamW timed apart. The engine's side is the ignored unit test
`classifier_step_profile` (`git grep -n classifier_step_profile udfs` finds it); run both one right
after the other on the same machine, so that both see the same load:
  cargo test --release --workspace --lib classifier_step_profile -- --ignored --nocapture
  .cytologia-env/torchref/bin/python scripts/bench/step_profile.py [--fused] [--rounds 6]
(`scripts/setup --train-ref` makes the venv.)"""
import argparse
import os
import time

import timm
import torch
import torch.nn.functional as F


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fused", action="store_true", help="AdamW(fused=True) instead of the default")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = timm.create_model("resnet18", pretrained=False, num_classes=23).train()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-4, weight_decay=0.01, fused=args.fused or None)
    x = torch.randn(32, 3, 224, 224)
    y = F.one_hot(torch.randint(0, 23, (32,)), 23).float()
    for r in range(args.rounds):
        t0 = time.perf_counter()
        logits = model(x)
        t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(logits, y).backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        print(f"round {r}: forward {t1 - t0:.3f} backward {t2 - t1:.3f} adamw {t3 - t2:.3f} total {t3 - t0:.3f}", flush=True)


if __name__ == "__main__":
    main()
