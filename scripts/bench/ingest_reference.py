"""Reference for the ingest benchmark: what the winning recipe's notebook did per image (docs/pipeline.md §2.1):
PIL decode to RGB, numpy mean/std over all values and per channel, imagededup PHash. Single
process, as the winning recipe ran it; prints images/s and writes name,phash for a parity check.

usage: ingest_reference.py IMAGES_DIR OUT_CSV
"""
import glob
import importlib.util
import os
import sys
import time
import types

import numpy as np
from PIL import Image

# imagededup's package __init__ files import torch (for its CNN method) although PHash needs
# none of it: register the packages without running their __init__, then import the real,
# unmodified hashing module.
import imagededup  # noqa: E402  (the top-level __init__ only defines __version__)

for _name in ("imagededup.methods", "imagededup.utils"):
    _spec = importlib.util.find_spec(_name)
    _mod = types.ModuleType(_name)
    _mod.__path__ = list(_spec.submodule_search_locations)
    _mod.__spec__ = _spec
    sys.modules[_name] = _mod
from imagededup.methods.hashing import PHash  # noqa: E402

hasher = PHash(verbose=False)
files = sorted(glob.glob(os.path.join(sys.argv[1], "*")))
start = time.perf_counter()
rows = []
for f in files:
    try:
        img = Image.open(f)
        if img.mode != "RGB":
            img = img.convert("RGBA").convert("RGB")
        arr = np.asarray(img)
        mean, std = arr.mean(), arr.std()
        mean_c = arr.reshape(-1, 3).mean(axis=0)
        std_c = arr.reshape(-1, 3).std(axis=0)
        ph = hasher.encode_image(image_array=arr)
        rows.append((os.path.basename(f), ph, mean, std))
    except Exception as e:  # the winning recipe would have crashed; keep going for the benchmark
        rows.append((os.path.basename(f), "", float("nan"), float("nan")))
elapsed = time.perf_counter() - start
with open(sys.argv[2], "w") as out:
    for name, ph, mean, std in rows:
        out.write(f"{name},{ph}\n")
print(f"python (PIL + numpy + imagededup): {len(files)} images in {elapsed:.2f} s = {len(files) / elapsed:.1f} images/s")
