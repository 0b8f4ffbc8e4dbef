"""The closed-form weights every golden script fills its reference models with (see
timm_nets.py's docstring for the formula). Shared by timm_nets.py and yolox_nets.py, whose
venvs both have torch; the Rust goldens rebuild the same weights op for op, so any
'improvement' here breaks every golden."""
import math

import torch


def fill(model):
    """Deterministic closed-form weights (see the module docstring). Kept literally as specified:
    the Rust test reproduces it op for op, so any 'improvement' here breaks the goldens."""
    k = 0
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith('num_batches_tracked'):
                continue
            n = t.numel()
            base = torch.sin(torch.arange(n, dtype=torch.float64) * 0.1 + k * 0.7)
            if name.endswith('running_var'):
                v = 1.0 + 0.25 * (base + 1.0)
            elif name.endswith('running_mean'):
                v = 0.1 * base
            elif t.ndim == 1 and name.endswith('weight'):
                v = 1.0 + 0.1 * base
            elif t.ndim == 1:
                v = 0.05 * base
            else:
                fan_in = n // t.shape[0]
                v = base / math.sqrt(fan_in)
            # state_dict() tensors share storage with the parameters/buffers, so this fills the model.
            t.copy_(v.reshape(t.shape).to(t.dtype))
            k += 1
