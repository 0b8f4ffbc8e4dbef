"""Reference for the classify benchmark: the winning recipe's crop classifier at test time (docs/pipeline.md §8.2,
§8.5) with onnxruntime: per crop (sorted paths) PIL open -> RGB -> cv2.resize to 224x224 with
INTER_LANCZOS4 (albumentations' Resize) -> albumentations' Normalize (float32: x - mean*255,
times 1/(std*255), ImageNet mean/std) -> CHW; batches of 32; the model runs on the batch and on
its horizontal flip, logits averaged (TTA hflip, in logit space).

Timed: everything from the first file open to the last logits; the session is created and run
once before the clock starts. Prints a human line and a JSON line (seconds, images/s, pre /
onnx / post ms per image) and writes name,argmax,first_logit per crop for the cross-check.

usage: classify_reference.py MODEL CROPS_DIR OUT_CSV
"""
import glob
import json
import os
import sys
import time

import cv2
import numpy as np
import onnxruntime
from PIL import Image

SIZE, BATCH = 224, 32
MEAN = np.array((0.485, 0.456, 0.406), dtype=np.float32) * 255.0
DENOM = np.reciprocal(np.array((0.229, 0.224, 0.225), dtype=np.float32) * 255.0)


def load(path):
    img = np.asarray(Image.open(path).convert("RGB"))
    img = cv2.resize(img, (SIZE, SIZE), interpolation=cv2.INTER_LANCZOS4)
    img = img.astype(np.float32)
    img -= MEAN
    img *= DENOM
    return img.transpose(2, 0, 1)


def main():
    model, crops_dir, out_csv = sys.argv[1], sys.argv[2], sys.argv[3]
    files = sorted(glob.glob(os.path.join(crops_dir, "*.png")))
    t0 = time.perf_counter()
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    session.run(None, {input_name: np.zeros((1, 3, SIZE, SIZE), np.float32)})
    load_s = time.perf_counter() - t0

    pre = onnx = post = 0.0
    logits = []
    start = time.perf_counter()
    for i in range(0, len(files), BATCH):
        t1 = time.perf_counter()
        x = np.stack([load(f) for f in files[i:i + BATCH]])
        xf = np.ascontiguousarray(x[..., ::-1])
        t2 = time.perf_counter()
        (a,) = session.run(None, {input_name: x})
        (b,) = session.run(None, {input_name: xf})
        t3 = time.perf_counter()
        logits.append((a + b) / 2)
        t4 = time.perf_counter()
        pre += t2 - t1
        onnx += t3 - t2
        post += t4 - t3
    elapsed = time.perf_counter() - start

    logits = np.concatenate(logits) if logits else np.zeros((0, 23), np.float32)
    with open(out_csv, "w") as out:
        for f, row in zip(files, logits):
            out.write(f"{os.path.basename(f)},{int(row.argmax())},{float(row[0])!r}\n")
    n = len(files)
    print(f"python (PIL + OpenCV + onnxruntime, hflip TTA, batch {BATCH}): {n} crops in {elapsed:.2f} s = {n / elapsed:.1f} images/s; "
          f"per image {pre / n * 1e3:.2f} ms pre, {onnx / n * 1e3:.2f} ms onnx, {post / n * 1e3:.3f} ms post")
    print(json.dumps({"bench": "classify", "side": "python", "model": os.path.basename(model), "images": n, "batch": BATCH,
                      "seconds": round(elapsed, 4), "images_per_s": round(n / elapsed, 2), "pre_ms": round(pre / n * 1e3, 3),
                      "onnx_ms": round(onnx / n * 1e3, 3), "post_ms": round(post / n * 1e3, 4), "load_s": round(load_s, 3),
                      "ort": onnxruntime.__version__, "cv2": cv2.__version__}))


if __name__ == "__main__":
    main()
