#!/usr/bin/env python3
"""Generate numerical goldens for the Rust (tch) re-implementations of timm architectures.

The Rust classifiers re-implement timm networks with timm's own state_dict names, so that a
checkpoint written by timm loads as is. These goldens prove the re-implementations compute the
same function: every network gets deterministic weights from a closed-form formula (no RNG, so
the Rust test rebuilds them op for op with libtorch instead of shipping hundreds of MB), runs on
a closed-form input, and the logits are recorded.

Environment: the training-reference venv (scripts/setup --train-ref, pinned in
scripts/requirements-train-ref.txt). Run from the repository root:

    .cytologia-env/torchref/bin/python scripts/goldens/timm_nets.py [OUT_DIR]

OUT_DIR defaults to tests/goldens/nets. Takes a couple of minutes on CPU (vit_large dominates).

Weights (`fill` of formula_weights.py; the Rust side must reproduce it exactly). Entries are visited in
state_dict order; k counts the visited entries (num_batches_tracked is skipped and not counted):

    base = sin(arange(n, float64) * 0.1 + k * 0.7)          n = numel
    *running_var                 1 + 0.25 * (base + 1)      (in [1, 1.5]: no division blow-up)
    *running_mean                0.1 * base
    1-D *weight (norm scales)    1 + 0.1 * base
    other 1-D (biases)           0.05 * base
    everything else              base / sqrt(numel // shape[0])   (fan-in scaled, keeps depth stable)
    then cast to the entry's dtype (float32) and reshaped row-major to its shape.

Input: x = sin(arange(2*3*S*S, float64) * 0.01).reshape(2, 3, S, S) cast to float32.

Outputs, one JSON per architecture, <arch>.json:
    timm, torch        library versions
    arch, input_size, num_classes (5)
    keys               [[name, shape], ...] for every state_dict entry except num_batches_tracked,
                       in state_dict order (= the fill order)
    logits             model(x) in eval mode, fp32, [2][5]
    pooled             forward_head(forward_features(x), pre_logits=True)[:, :8]: the first 8
                       pooled features per image, to tell a trunk bug from a head bug
    max_abs_logit      sanity figure
    input_sensitivity  max |logits(x) - logits(zeros)|: how much the logits depend on the input
    stages             [{name, shape, mean, mean_abs, sample[16]}, ...]: the outputs of the stem,
                       every residual block and the final norm (module paths as in the state_dict;
                       sample = values at 16 evenly spread row-major flat indices, see
                       stage_outputs), to localise a mismatch and to cover what the logits miss

Why stages: with these closed-form weights and the fixed eval-mode BN statistics, the signal
that depends on the input dies out in the EfficientNets (every stage transition has no skip and
shrinks it ~100x: by stage 3 it is below fp32 resolution, logits(x) == logits(0) to 1e-7), so
their logits check the head and the late stages' constant, bias-driven response but not the
early trunk (symmetric instead of TF 'SAME' padding moves them by 1e-7). In the ViTs the class
token, and with it the logits, depends on the input only at the 1e-4..1e-3 level (small, base,
large; tiny 0.2). The stage outputs are input-dependent early on and carry each block's own
response later, so a Rust test that compares the stages too covers the whole network (the same
padding bug moves the stage samples by ~1; BN eps 1e-3 vs 1e-5 by ~0.02; exact vs tanh GELU in
ViT-S by ~6e-5, so compare the ViT stages at a tolerance below that).

Plus a real timm-written checkpoint, to test the Rust safetensors loader on a file timm wrote
(not on one the Rust side wrote itself): a micro ViT (vit_micro.safetensors, 0.38 MB) with timm's
own random init under torch.manual_seed(0), and vit_micro.json with its config, keys and logits
on the 32x32 version of the same input. A micro ResNet (BasicBlock, layers [1,1,1,1]) was
considered too, but its checkpoint is ~19 MB (the 512-channel 3x3 convs), over the size budget
for committed goldens, so it is skipped (see MICRO_LIMIT).
"""
import json
import os
import sys
import time

import safetensors.torch
import timm
import torch
from timm.models.resnet import BasicBlock, ResNet
from timm.models.vision_transformer import VisionTransformer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from formula_weights import fill  # noqa: E402  (the shared formula)

# (timm name, input side). 64 keeps the CNN goldens fast while still going through every stage
# (output stride 32 -> 2x2 final maps). 66 for tf_efficientnetv2 on purpose: an odd intermediate
# size (66 -> 33 -> 17 -> ...) exercises TF "SAME" padding's asymmetric case, which an even
# power-of-two size would hide. The ViTs need their native 224 (fixed position embedding).
ARCHS = [
    ("resnet18", 64),
    ("resnet34", 64),
    ("resnet50", 64),
    ("efficientnet_b0", 64),
    ("tf_efficientnetv2_s", 66),
    ("tf_efficientnetv2_m", 66),
    ("vit_tiny_patch16_224", 224),
    ("vit_small_patch16_224", 224),
    ("vit_base_patch16_224", 224),
    ("vit_large_patch16_224", 224),
]
NUM_CLASSES = 5
MICRO_VIT = dict(img_size=32, patch_size=16, embed_dim=48, depth=2, num_heads=3, mlp_ratio=4, num_classes=NUM_CLASSES)
MICRO_LIMIT = 2 * 1024 * 1024  # bytes; a micro checkpoint above this is not committed (goldens stay small)


def make_input(side):
    # float64 arange/sin then cast, so the Rust side gets bit-identical inputs from the same ops.
    return torch.sin(torch.arange(2 * 3 * side * side, dtype=torch.float64) * 0.01).reshape(2, 3, side, side).to(torch.float32)


def key_list(model):
    return [[name, list(t.shape)] for name, t in model.state_dict().items() if not name.endswith('num_batches_tracked')]


def floats(t):
    # float() of a float32 value is exact, and json writes the shortest repr that round-trips the
    # double, which is exactly the float32 value: full precision without extra noise digits.
    return [[float(v) for v in row] for row in t.detach().to(torch.float32).cpu()]


def stage_names(model):
    """Modules whose outputs are recorded, by state_dict-style path: the stem, every residual
    block, and the final norm. See the module docstring for why the logits alone are not enough."""
    names = [n for n, _ in model.named_modules()]
    if "layer1" in names:  # ResNet: stem activation, max-pool, each BasicBlock / Bottleneck
        return ["act1", "maxpool"] + [n for n in names if n.count(".") == 1 and n.startswith("layer")]
    if "blocks" in names and "bn1" in names:  # EfficientNet(V2): stem BN+act, each block, head BN+act
        return ["bn1"] + [n for n in names if n.count(".") == 2 and n.startswith("blocks.")] + ["bn2"]
    if "blocks" in names and "pos_drop" in names:  # ViT: patch embedding, tokens after cls + pos, each block, final norm
        return ["patch_embed", "pos_drop"] + [n for n in names if n.count(".") == 1 and n.startswith("blocks.")] + ["norm"]
    raise ValueError(f"no stage list for {type(model).__name__}")


SAMPLES = 16


def stage_outputs(model, x):
    """Run the model once with forward hooks; per recorded module: shape, float64 mean and mean
    |v| of the whole output (batch included), and the values at SAMPLES evenly spread flat
    (row-major) indices round(j * (numel - 1) / (SAMPLES - 1)), j = 0..SAMPLES-1. Index 0 is the
    top-left corner of image 0, channel 0, where padding bugs show first."""
    modules = dict(model.named_modules())
    rows, hooks = [], []
    for name in stage_names(model):
        def hook(_mod, _inp, out, name=name):
            flat = out.detach().reshape(-1)
            idx = [round(j * (flat.numel() - 1) / (SAMPLES - 1)) for j in range(SAMPLES)]
            rows.append({"name": name, "shape": list(out.shape), "mean": float(flat.double().mean()),
                         "mean_abs": float(flat.double().abs().mean()), "sample": [float(flat[i]) for i in idx]})
        hooks.append(modules[name].register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return rows


def write_json(path, doc):
    # One top-level key per line, and one state_dict entry / stage per line, so diffs stay readable.
    lines = []
    for key, value in doc.items():
        if key in ("keys", "stages"):
            inner = ",\n  ".join(json.dumps(e) for e in value)
            lines.append(f'"{key}": [\n  {inner}\n]')
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value)}")
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def check(name, logits):
    m = float(logits.abs().max())
    ok = bool(torch.isfinite(logits).all()) and 1e-3 < m < 1e4
    print(f"{name:24s} max|logit| = {m:.6g}  {'ok' if ok else 'SUSPICIOUS (non-finite, ~0 or huge)'}", flush=True)
    return m, ok


def golden(name, side, out_dir):
    t0 = time.time()
    model = timm.create_model(name, pretrained=False, num_classes=NUM_CLASSES).eval()
    fill(model)
    x = make_input(side)
    with torch.no_grad():
        logits = model(x)
        pooled = model.forward_head(model.forward_features(x), pre_logits=True)[:, :8]
        zero_delta = float((model(torch.zeros_like(x)) - logits).abs().max())
    assert tuple(logits.shape) == (2, NUM_CLASSES)
    m, ok = check(name, logits)
    print(f"  max|logits(x) - logits(0)| = {zero_delta:.3g}{'  (logits ~input-independent: rely on stages)' if zero_delta < 1e-3 else ''}")
    write_json(os.path.join(out_dir, f"{name}.json"), {
        "timm": timm.__version__, "torch": torch.__version__, "arch": name, "input_size": side,
        "num_classes": NUM_CLASSES, "max_abs_logit": m, "input_sensitivity": zero_delta,
        "logits": floats(logits), "pooled": floats(pooled), "stages": stage_outputs(model, x),
        "keys": key_list(model),
    })
    print(f"  {len(key_list(model))} keys, {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M params, {time.time() - t0:.1f} s", flush=True)
    return ok


def micro_checkpoint(stem, model, config, side, out_dir):
    """Save a timm-initialised model with safetensors plus its JSON (config, keys, logits).
    Returns False, writing nothing, when the checkpoint would exceed MICRO_LIMIT."""
    size = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    if size > MICRO_LIMIT:
        print(f"{stem}: checkpoint would be {size / 2**20:.1f} MiB > {MICRO_LIMIT / 2**20:.0f} MiB: not written", flush=True)
        return False
    model.eval()
    path = os.path.join(out_dir, f"{stem}.safetensors")
    safetensors.torch.save_file(model.state_dict(), path)
    x = make_input(side)
    with torch.no_grad():
        logits = model(x)
        pooled = model.forward_head(model.forward_features(x), pre_logits=True)[:, :8]
    check(stem, logits)
    write_json(os.path.join(out_dir, f"{stem}.json"), {
        "timm": timm.__version__, "torch": torch.__version__, "arch": type(model).__name__,
        "config": config, "input_size": side, "num_classes": NUM_CLASSES,
        "weights": f"{stem}.safetensors", "init": "timm default init after torch.manual_seed(0)",
        "logits": floats(logits), "pooled": floats(pooled), "stages": stage_outputs(model, x),
        "keys": key_list(model),
    })
    print(f"  {stem}.safetensors {os.path.getsize(path)} bytes", flush=True)
    return True


def micro_models(out_dir):
    # timm's own init (trunc_normal_ etc.) under a fixed seed: real-looking weights written by
    # timm + safetensors, for the loader test. Not reproducible on the Rust side, hence stored.
    torch.manual_seed(0)
    micro_checkpoint("vit_micro", VisionTransformer(**MICRO_VIT), MICRO_VIT, MICRO_VIT["img_size"], out_dir)
    torch.manual_seed(0)
    resnet = ResNet(block=BasicBlock, layers=[1, 1, 1, 1], num_classes=NUM_CLASSES)
    micro_checkpoint("resnet_micro", resnet, {"block": "BasicBlock", "layers": [1, 1, 1, 1], "num_classes": NUM_CLASSES}, 64, out_dir)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/goldens/nets"
    os.makedirs(out_dir, exist_ok=True)
    torch.set_grad_enabled(False)
    print(f"timm {timm.__version__}, torch {torch.__version__}", flush=True)
    bad = [name for name, side in ARCHS if not golden(name, side, out_dir)]
    micro_models(out_dir)
    if bad:
        raise SystemExit(f"suspicious outputs: {bad}")


if __name__ == "__main__":
    main()
