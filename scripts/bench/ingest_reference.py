"""Reference for the ingest benchmark: what the seed's notebook did per image (seed-spec §2.1):
PIL decode to RGB, numpy mean/std over all values and per channel, imagededup PHash. Single
process, as the seed ran it; prints images/s and writes name,phash for a parity check.

usage: ingest_reference.py IMAGES_DIR OUT_CSV
"""
import glob
import os
import sys
import time

import numpy as np
from PIL import Image
from imagededup.methods import PHash

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
    except Exception as e:  # the seed would have crashed; keep going for the benchmark
        rows.append((os.path.basename(f), "", float("nan"), float("nan")))
elapsed = time.perf_counter() - start
with open(sys.argv[2], "w") as out:
    for name, ph, mean, std in rows:
        out.write(f"{name},{ph}\n")
print(f"python (PIL + numpy + imagededup): {len(files)} images in {elapsed:.2f} s = {len(files) / elapsed:.1f} images/s")
