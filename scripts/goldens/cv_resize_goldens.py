#!/usr/bin/env python3
"""Generate differential goldens for the Rust `cv_resize` kernel (udfs/src/image/cv_resize.rs),
a bit-exact port of OpenCV's `cv2.resize` for uint8 images with INTER_LINEAR and INTER_LANCZOS4.

requirements: opencv-python-headless==4.10.0.84 numpy==2.4.6 (Python 3.11, x86-64 Linux)

Setup used to produce the committed goldens:

    python3 -m venv venv
    venv/bin/pip install opencv-python-headless==4.10.0.84 numpy==2.4.6
    venv/bin/python scripts/goldens/cv_resize_goldens.py [OUT_DIR]

OUT_DIR defaults to tests/goldens/cv_resize (relative to the current directory).

To keep the committed goldens tiny, no pixels are stored: every input image comes from a
deterministic generator that the Rust test (udfs/src/image/cv_resize_goldens.rs) implements
too, and each case records only its parameters and the sha256 of cv2's output bytes (row-major
HWC, the layout of a C-contiguous numpy array). Generator (all arithmetic on integers):

  splitmix64(state): state += 0x9E3779B97F4A7C15; z = state;
                     z = (z ^ z>>30) * 0xBF58476D1CE4E5B9; z = (z ^ z>>27) * 0x94D049BB133111EB;
                     return z ^ z>>31                                  (all mod 2^64)
  The stream starts from state = seed. Pixel order is y, x, channel.
  noise     bytes of successive outputs, little-endian, truncated to h*w*c
  gradient  r = next(); sx = 1 + r%13; sy = 1 + (r>>8)%13; sc = (r>>16)%97; off = (r>>24)%512;
            t = (x*sx + y*sy + ch*sc + off) % 512; v = t if t < 256 else 511 - t
  textured  gradient's v, then the noise stream continues from the same state:
            v = clamp(v + b%33 - 16, 0, 255) with b the next noise byte
  checker   r = next(); p = 1 + r%4; v = 255 if (x//p + y//p + ch*((r>>8)&1)) % 2 else 0
  constant  r = next(); v = (r >> (8*(ch%8))) & 255

Outputs:
  cases.json    {"cases": [{id, gen, seed, w, h, c, dw, dh, interp, src, sha256}, ...]}; `src` is
                the first 16 hex digits of the input's sha256, to tell a generator bug from a
                resize bug.
  versions.txt  library versions, build facts, and the result of re-running every case with IPP
                and dispatched SIMD disabled (the kernel is expected not to depend on them).
"""
import hashlib
import json
import os
import platform
import random
import sys

import cv2
import numpy as np

M64 = (1 << 64) - 1
INTERP = {"linear": cv2.INTER_LINEAR, "lanczos4": cv2.INTER_LANCZOS4}


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & M64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def bytes(self, n):
        words = [self.next() for _ in range((n + 7) // 8)]
        return np.array(words, dtype="<u8").view(np.uint8)[:n]


def make_image(gen, seed, w, h, c):
    rng = SplitMix64(seed)
    y, x, ch = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    if gen == "noise":
        v = rng.bytes(h * w * c).reshape(h, w, c)
    elif gen in ("gradient", "textured"):
        r = rng.next()
        sx, sy, sc, off = 1 + r % 13, 1 + (r >> 8) % 13, (r >> 16) % 97, (r >> 24) % 512
        t = (x * sx + y * sy + ch * sc + off) % 512
        v = np.where(t < 256, t, 511 - t)
        if gen == "textured":
            b = rng.bytes(h * w * c).reshape(h, w, c).astype(np.int64)
            v = np.clip(v + b % 33 - 16, 0, 255)
    elif gen == "checker":
        r = rng.next()
        p, cflip = 1 + r % 4, (r >> 8) & 1
        v = np.where((x // p + y // p + ch * cflip) % 2 == 1, 255, 0)
    elif gen == "constant":
        r = rng.next()
        v = np.array([(r >> (8 * (k % 8))) & 255 for k in range(c)])[ch]
    else:
        raise ValueError(gen)
    return np.ascontiguousarray(v.astype(np.uint8))


def yolox_size(w, h, target):
    """Letterbox size exactly as YOLOX's preproc computes it."""
    r = min(target / h, target / w)
    return int(w * r), int(h * r)


def build_cases():
    rnd = random.Random(20240610)
    gens = ["noise", "gradient", "textured", "checker"]
    cases = []

    def add(gen, w, h, c, dw, dh, interp):
        cases.append(dict(gen=gen, seed=rnd.getrandbits(64), w=w, h=h, c=c, dw=dw, dh=dh, interp=interp))

    # YOLOX letterbox upscales (~360 px smears to 416/512/640, aspect kept).
    add("textured", 366, 360, 3, 512, 503, "linear")
    for i in range(54):
        w, h = rnd.randint(330, 400), rnd.randint(330, 400)
        dw, dh = yolox_size(w, h, (416, 512, 640)[i % 3])
        add(gens[i % 4], w, h, 3, dw, dh, "linear")
    # Downscales, including the exact 2x ones that OpenCV reroutes to its area-fast path.
    for (w, h, dw, dh) in [(608, 608, 512, 512), (608, 608, 416, 416), (608, 608, 304, 304),
                           (640, 640, 320, 320), (620, 400, 310, 200), (366, 360, 183, 180),
                           (608, 608, 304, 608), (608, 608, 608, 304), (608, 608, 152, 152),
                           (610, 604, 512, 507), (400, 360, 200, 181), (7, 9, 3, 4)]:
        for c in (1, 3):
            add(gens[len(cases) % 4], w, h, c, dw, dh, "linear")
    for c in (2, 4):  # OpenCV's area-fast vector kernel covers 1, 3 and 4 channels only
        add("noise", 64, 48, c, 32, 24, "linear")
        add("noise", 30, 6, c, 15, 3, "linear")

    # Classifier inputs: square Lanczos-4 resize of crops, aspect not preserved.
    for i in range(96):
        w = rnd.randint(40, 400)
        h = max(1, w + rnd.randint(-w // 8, w // 8)) if i % 3 else w
        t = (64, 224, 384, 512)[i % 4]
        add(gens[i % 4], w, h, 3, t, t, "lanczos4")
    add("textured", 130, 130, 3, 224, 224, "lanczos4")

    # Arbitrary sizes, both interpolations.
    for i in range(100):
        interp = ("linear", "lanczos4")[i % 2]
        w, h = rnd.randint(1, 620), rnd.randint(1, 620)
        if i % 5 == 0:
            dw, dh = rnd.randint(1, 12), rnd.randint(1, 12)
        elif i % 5 == 1:
            dw, dh = rnd.randint(1, 8) * w, rnd.randint(1, 3) * h
        else:
            dw, dh = rnd.randint(1, 640), rnd.randint(1, 640)
        if w * h * 4 > 700_000 and dw * dh > 300_000:
            dw, dh = dw // 2 + 1, dh // 2 + 1
        add(gens[i % 4], w, h, (1, 3)[(i // 2) % 2], dw, dh, interp)
    # Degenerate and tiny geometries, same size (a copy), one axis unchanged.
    for (w, h, dw, dh) in [(1, 1, 1, 1), (1, 1, 7, 5), (5, 7, 1, 1), (1, 9, 4, 3), (9, 1, 3, 4),
                           (2, 2, 3, 3), (3, 3, 2, 2), (2, 3, 1, 1), (50, 40, 50, 40),
                           (50, 40, 50, 77), (50, 40, 23, 40), (3, 3, 1000, 2), (1000, 3, 7, 3)]:
        for interp in ("linear", "lanczos4"):
            add(gens[len(cases) % 4], w, h, (1, 3)[len(cases) % 2], dw, dh, interp)
    # Constant colour. INTER_LINEAR keeps it exactly; INTER_LANCZOS4 does not always: its Q11
    # weights are not renormalised and may sum to 2045..2051 per axis, so a bright colour can come
    # out one higher or lower (e.g. 44x44 -> 384x384). The port must reproduce that too.
    for i, (w, h, dw, dh) in enumerate([(360, 366, 640, 629), (130, 130, 224, 224),
                                        (400, 400, 64, 64), (608, 608, 304, 304)]):
        for interp in ("linear", "lanczos4"):
            add("constant", w, h, (3, 1)[i % 2], dw, dh, interp)
    for (w, h, dw, dh) in [(44, 44, 384, 384), (52, 52, 384, 384), (100, 100, 384, 384)]:
        for interp in ("linear", "lanczos4"):
            seed = rnd.getrandbits(64)
            while min((SplitMix64(seed).next() >> (8 * k)) & 255 for k in range(3)) < 170:
                seed = rnd.getrandbits(64)  # bright colours show the Lanczos drift
            cases.append(dict(gen="constant", seed=seed, w=w, h=h, c=3, dw=dw, dh=dh, interp=interp))
    return cases


def resize(case):
    img = make_image(case["gen"], case["seed"], case["w"], case["h"], case["c"])
    arg = img[:, :, 0] if case["c"] == 1 else img
    out = cv2.resize(arg, (case["dw"], case["dh"]), interpolation=INTERP[case["interp"]])
    assert out.shape[:2] == (case["dh"], case["dw"]) and out.dtype == np.uint8
    return img, np.ascontiguousarray(out).tobytes()


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/goldens/cv_resize"
    os.makedirs(out_dir, exist_ok=True)
    cases = build_cases()
    lines = []
    outputs = []
    for i, case in enumerate(cases):
        img, out = resize(case)
        outputs.append(out)
        row = dict(id=i, **case, src=hashlib.sha256(img.tobytes()).hexdigest()[:16],
                   sha256=hashlib.sha256(out).hexdigest())
        lines.append(json.dumps(row, separators=(",", ":")))
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        f.write('{"cases":[\n' + ",\n".join(lines) + "\n]}\n")

    # The goldens should not depend on which optimisation OpenCV happened to pick.
    cv2.ipp.setUseIPP(False)
    cv2.setUseOptimized(False)
    same = all(resize(case)[1] == out for case, out in zip(cases, outputs))
    cv2.setUseOptimized(True)
    cv2.ipp.setUseIPP(True)

    build = cv2.getBuildInformation()
    facts = [l.strip() for l in build.splitlines() if l.strip().startswith(("Baseline", "Dispatched", "Intel IPP:"))]
    with open(os.path.join(out_dir, "versions.txt"), "w") as f:
        f.write(f"opencv-python-headless={version('opencv-python-headless')}\n")
        f.write(f"cv2={cv2.__version__}\nnumpy={np.__version__}\npython={platform.python_version()}\n")
        f.write(f"machine={platform.machine()}\n")
        for fact in facts:
            f.write(f"build: {' '.join(fact.split())}\n")
        f.write(f"identical_without_ipp_and_simd={str(same).lower()}\ncases={len(cases)}\n")
    print(f"{len(cases)} cases -> {out_dir} (identical without IPP/SIMD: {same})")


def version(dist):
    from importlib.metadata import version as v
    return v(dist)


if __name__ == "__main__":
    main()
