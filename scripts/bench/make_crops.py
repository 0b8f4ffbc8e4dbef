"""Writes N deterministic cell-crop-like PNGs for the classify benchmark: squares and near-squares
of 80..200 px (the winning recipe's crops are boxes plus a 16 px margin), a pale background, a cell of a
random colour and size with a darker nucleus, noise. Same N, same files, every run.

usage: make_crops.py OUT_DIR N
"""
import os
import sys

import numpy as np
from PIL import Image


def crop(rng):
    w = int(rng.integers(80, 201))
    h = int(np.clip(w + rng.integers(-12, 13), 80, 200))
    img = np.empty((h, w, 3), np.float32)
    img[:] = rng.uniform((200, 180, 190), (250, 240, 245))
    yy, xx = np.mgrid[0:h, 0:w]
    cx, cy = w / 2 + rng.normal(0, w * 0.05), h / 2 + rng.normal(0, h * 0.05)
    r = min(w, h) * rng.uniform(0.25, 0.45)
    for rr, col in ((r, rng.uniform((100, 90, 150), (235, 200, 235))),
                    (r * rng.uniform(0.3, 0.85), rng.uniform((60, 20, 90), (190, 130, 210)))):
        ox, oy = (0, 0) if rr == r else rng.normal(0, r * 0.15, 2)
        a = np.clip((rr - np.hypot(xx - cx - ox, yy - cy - oy)) / 2.0, 0, 1)[..., None]
        img = img * (1 - a) + col * a
    img += rng.normal(0, rng.uniform(2, 8), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def main():
    out_dir, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(12345)
    for i in range(n):
        Image.fromarray(crop(rng)).save(os.path.join(out_dir, f"crop_{i:06d}.png"))
    print(f"{n} crops in {out_dir}")


if __name__ == "__main__":
    main()
