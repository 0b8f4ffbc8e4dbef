#!/usr/bin/env python3
"""Generate differential goldens for the Rust training augmentations (udfs/src/train/augment/),
a bit-exact port of the winning recipe's `light_augmentation_train` as albumentations 1.4.22 runs it on
OpenCV 4.10 (uint8 paths, the x86-64 opencv-python wheel on an AVX2 CPU). The Rust test is
udfs/src/train/augment/augment_goldens.rs.

requirements: opencv-python-headless==4.10.0.84 albumentations==1.4.22 numpy==2.4.6
              (albucore 0.0.21, pydantic, PyYAML, scipy come along; Python 3.11, x86-64 Linux
              with AVX2 and without AVX-512: the port follows cv2's AVX2 kernels, and the
              script aborts on a CPU that would dispatch other ones)

Setup used to produce the committed goldens:

    python3 -m venv augvenv
    augvenv/bin/pip install opencv-python-headless==4.10.0.84 albumentations==1.4.22 numpy==2.4.6
    NO_ALBUMENTATIONS_UPDATE=1 augvenv/bin/python scripts/goldens/augment_goldens.py [OUT_DIR]

OUT_DIR defaults to tests/goldens/augment (relative to the current directory). The run is
deterministic (numpy default_rng(20241122)) and takes about a second; the goldens are ~300 KB.

What is checked (each op with explicit parameters, so the random streams do not matter):

  rot90                np.rot90(img, k), k = 1, 2, 3
  ssr                  ShiftScaleRotate: create_affine_transformation_matrix (the 2x3 matrix is
                       compared to 1e-12) and fgeo.warp_affine = cv2.warpAffine INTER_LINEAR,
                       BORDER_CONSTANT 0, whose fixed point (1/1024 px map rounded per row and
                       column, cut to 1/32 px, 15-bit weights) differs from float bilinear
  brightness_contrast  RandomBrightnessContrast.apply (albucore float32 LUT, truncating clip)
  gamma                fmain.gamma_transform (float64 power, truncating cast: even gamma 1.0
                       maps 24 of the 256 values one lower)
  hsv                  fmain.shift_hsv: cv2 RGB2HSV (H in [0, 180)), LUTs, HSV2RGB; cv2's
                       AVX2 HSV2RGB body (blocks of 32 pixels) truncates where its scalar tail
                       rounds, so the result depends on the column: widths 31 (all tail), 32
                       (all body), 33, 45, 64 and others
  color_jitter         ColorJitter.apply with a fixed order (brightness/contrast LUTs, contrast
                       mean of the cv2 grey image, addWeighted saturation, hue via HSV)
  to_gray              fmain.to_gray(weighted_average) = cv2 RGB2GRAY (15-bit fixed point)
  clahe                fmain.clahe: RGB -> Lab (8u integer path), cv2 CLAHE (8x8 tiles) on L, back;
                       sizes where neither, one or both sides are multiples of 8 (OpenCV's
                       REFLECT_101 tile padding) and images smaller than the tile grid
  gaussian_blur        fblur.gaussian_blur(k in 3, 5; sigma 0), REFLECT_101 borders
  motion_kernel        fblur.create_motion_kernel(k, angle, direction, allow_shifted) normalised
                       in float32, with the two shift draws fixed (no image)
  motion_blur          fmain.convolve = cv2.filter2D with those kernels (float32 FMA sums,
                       round half to even; ties on kernels with an even tap count)

Files (little endian):

  images.bin   the inputs, shared by all cases: b"AUGI", u32 n, then per image
               u8 name_len, name (ASCII), u32 w, u32 h, u32 c (= 3), u8 * (h*w*c) (HWC, RGB)
  <op>.bin     b"AUGG", u32 n, then per case
               u32 image (index into images.bin; 0xFFFFFFFF = no image), u32 np, f64 * np
               (parameters, see `PARAMS` below), u32 w, u32 h, u32 c, u8 * (h*w*c) (the output)
  versions.txt library versions, the CPU features cv2 ran with and the facts checked on the way

Inputs: `noise_WxH` (uniform bytes: every rounding edge), `smooth_WxH` (a radial blob plus sines
and gaussian noise, like a cell crop), `ramp` (16x16, each channel a permutation of 0..255:
covers a LUT completely).
"""
import os
import platform
import struct
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import cv2
import numpy as np
import albumentations as A
from albumentations.augmentations import functional as fmain
from albumentations.augmentations.blur import functional as fblur
from albumentations.augmentations.geometric import functional as fgeo

assert A.__version__ == "1.4.22", A.__version__
assert cv2.__version__.startswith("4.10."), cv2.__version__
# cv2.CPU_AVX2 = 11, CPU_AVX_512F = 13 (not exported by the Python bindings). The port follows the
# AVX2 kernels; an AVX-512 CPU would run other dispatched cv2 code (not checked).
assert cv2.useOptimized() and cv2.checkHardwareSupport(11), "cv2 must run its AVX2 paths"
assert not cv2.checkHardwareSupport(13), "AVX-512 CPU: cv2 would not run the AVX2 kernels"

PARAMS = {
    "rot90": "k",
    "ssr": "m00 m01 m02 m10 m11 m12 tx ty sx sy angle  (m = forward 2x3 matrix)",
    "brightness_contrast": "alpha beta",
    "gamma": "gamma",
    "hsv": "hue_shift sat_shift val_shift",
    "color_jitter": "brightness contrast saturation hue order0..order3 (0 b, 1 c, 2 s, 3 h)",
    "to_gray": "(none)",
    "clahe": "clip_limit",
    "gaussian_blur": "ksize",
    "motion_kernel": "ksize angle direction shift_x shift_y weights(k*k, float32 values)",
    "motion_blur": "ksize weights(k*k, float32 values)",
}

OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/goldens/augment"
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20241122)
facts = []

# ------------------------------------------------------------------------------------ inputs
names, pixels = [], []


def add(name, img):
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    names.append(name)
    pixels.append(np.ascontiguousarray(img))
    return len(names) - 1


def noise(w, h):
    return add(f"noise_{w}x{h}", rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def smooth(w, h):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.hypot(xx - w * 0.4, yy - h * 0.6) / max(w, h)
    base = np.stack([200 - 150 * r, 120 + 80 * np.sin(xx / 7.0), 90 + 60 * np.cos(yy / 5.0)], -1)
    img = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    return add(f"smooth_{w}x{h}", img)


RAMP = add("ramp", np.stack([rng.permutation(256).astype(np.uint8).reshape(16, 16) for _ in range(3)], -1))
ROT = noise(5, 3)
TINY = [noise(w, h) for w, h in [(1, 1), (2, 3), (5, 4), (9, 7)]]
N37, S37 = noise(37, 29), smooth(37, 29)
N48, S48 = noise(48, 40), smooth(48, 40)
WIDE = [noise(w, 6) for w in (31, 32, 33, 45, 64)]  # around cv2's 32-pixel HSV2RGB blocks
S45 = smooth(45, 10)
CLAHE_ONLY = [smooth(17, 40), smooth(48, 29), noise(8, 8), smooth(61, 37)]

# ------------------------------------------------------------------------------------ output


def write(name, cases):
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(b"AUGG" + struct.pack("<I", len(cases)))
        for idx, params, out in cases:
            f.write(struct.pack("<II", 0xFFFFFFFF if idx is None else idx, len(params)))
            f.write(struct.pack("<%dd" % len(params), *[float(p) for p in params]))
            if out is None:
                f.write(struct.pack("<III", 0, 0, 3))
                continue
            out = np.ascontiguousarray(out)
            assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3, (name, out.shape)
            f.write(struct.pack("<III", out.shape[1], out.shape[0], 3) + out.tobytes())
    print(f"{name}: {len(cases)} cases")


# --- flips: np.rot90 direction (k counterclockwise quarter turns)
write("rot90", [(ROT, [k], np.rot90(pixels[ROT], k)) for k in (1, 2, 3)])

# --- ShiftScaleRotate
cases = []
for idx, n in [(N37, 3), (S37, 3), (N48, 2), (S48, 2)] + [(t, 2) for t in TINY]:
    im = pixels[idx]
    h, w = im.shape[:2]
    for _ in range(n):
        tr = {"x": int(rng.uniform(-0.1, 0.1) * w), "y": int(rng.uniform(-0.1, 0.1) * h)}
        sc = {"x": rng.uniform(0.8, 1.2), "y": rng.uniform(0.8, 1.2)}
        ang = rng.uniform(-30, 30)
        m = fgeo.create_affine_transformation_matrix(tr, {"x": -0.0, "y": -0.0}, sc, ang, fgeo.center((h, w)))
        out = fgeo.warp_affine(im, m, cv2.INTER_LINEAR, 0, cv2.BORDER_CONSTANT, (h, w))
        cases.append((idx, list(m[:2].ravel()) + [tr["x"], tr["y"], sc["x"], sc["y"], ang], out))
write("ssr", cases)

# --- colour ops. LUT ops on the ramp cover every table entry; the limits are the winning recipe's.
t_bc = A.RandomBrightnessContrast(0.35, 0.5, brightness_by_max=True, p=1)
cases = []
for a, b in [(1.0, 0.0), (0.5, -0.35 * 255), (1.5, 0.35 * 255)] + [
    (1 + rng.uniform(-0.5, 0.5), rng.uniform(-0.35, 0.35) * 255) for _ in range(13)
]:
    cases.append((RAMP, [a, b], t_bc.apply(pixels[RAMP], alpha=a, beta=b)))
cases.append((S37, [a, b], t_bc.apply(pixels[S37], alpha=a, beta=b)))
write("brightness_contrast", cases)

cases = []
for g in [1.0, 0.8, 1.1] + list(rng.uniform(80, 110, 13) / 100.0):
    cases.append((RAMP, [g], fmain.gamma_transform(pixels[RAMP], g)))
write("gamma", cases)
g1 = fmain.gamma_transform(pixels[RAMP], 1.0)
facts.append(f"gamma 1.0 maps {int((g1 != pixels[RAMP]).sum())} of the 768 ramp values (3 x 0..255) one lower (truncation)")

cases = []
fixed = [(0.0, 0.0, 0.0), (12.5, 0.0, 0.0), (-7.3, 0.0, 0.0), (0.0, 17.9, -9.4)]
for idx in WIDE + [S45, N37, S37] + TINY:
    draws = [tuple(rng.uniform([-30, -30, -20], [30, 30, 20])) for _ in range(2)]
    for hs, ss, vs in draws + (fixed if idx in (WIDE[3], S37) else []):
        cases.append((idx, [hs, ss, vs], fmain.shift_hsv(pixels[idx], hs, ss, vs)))
write("hsv", cases)

# The quirk itself: the same HSV pixels converted in a 31-wide row (scalar) and a 32-wide row.
hsv = cv2.cvtColor(pixels[WIDE[1]], cv2.COLOR_RGB2HSV)
body = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[:, :31]
tail = cv2.cvtColor(np.ascontiguousarray(hsv[:, :31]), cv2.COLOR_HSV2RGB)
ndiff = int((body != tail).sum())
assert ndiff > 0, "HSV2RGB body and tail agree: not the AVX2 cv2 the Rust port follows"
facts.append(f"HSV2RGB: {ndiff} of {body.size} values differ between a 32-wide row (SIMD body) and a 31-wide one (scalar tail)")

t_cj = A.ColorJitter(0.2, 0.2, 0.2, 0.1, p=1)
cases = []
for idx, n in [(N37, 3), (S37, 3), (WIDE[3], 2), (WIDE[2], 2), (S45, 2), (TINY[2], 1)]:
    for _ in range(n):
        b, c, s = rng.uniform(0.8, 1.2, 3)
        hh = rng.uniform(-0.1, 0.1)
        order = [int(o) for o in rng.permutation(4)]
        out = t_cj.apply(pixels[idx].copy(), brightness=b, contrast=c, saturation=s, hue=hh, order=order)
        cases.append((idx, [b, c, s, hh] + order, out))
write("color_jitter", cases)

write("to_gray", [(i, [], fmain.to_gray(pixels[i], 3, "weighted_average")) for i in [N37, S37, RAMP] + TINY])

# --- CLAHE
cases = []
for idx in [N37, S37, N48, S48] + CLAHE_ONLY + TINY:
    for clip in [rng.uniform(1, 4)] if idx in TINY else rng.uniform(1, 4, 2):
        cases.append((idx, [clip], fmain.clahe(pixels[idx], clip, (8, 8))))
write("clahe", cases)
kinds = {(pixels[i].shape[1] % 8 == 0, pixels[i].shape[0] % 8 == 0) for i, _, _ in cases}
assert len(kinds) == 4, kinds
facts.append("clahe: sizes with neither, only the width, only the height, and both sides multiples of 8")

# --- blur
write("gaussian_blur", [(i, [k], fblur.gaussian_blur(pixels[i], k, 0)) for i in [N37, S37] + TINY for k in (3, 5)])


class FixedShift:
    """Stands in for random_state: returns the given uniform(-1, 1) draws."""

    def __init__(self, vals):
        self.vals = list(vals)

    def uniform(self, a, b):
        assert (a, b) == (-1, 1), (a, b)
        return self.vals.pop(0)


def motion_kernel(k, ang, dirn, sx, sy):
    kern = fblur.create_motion_kernel(k, ang, dirn, True, FixedShift([sx, sy]))
    return kern.astype(np.float32) / np.sum(kern)


cases, taps = [], set()
special = [(k, a, d, sx, sy) for k in (3, 5) for a in (0.0, 45.0, 90.0, 180.0, 270.0)
           for d, sx, sy in [(0.0, 0.0, 0.0), (-0.5, 0.9, -0.9)]]
drawn = [(int(rng.choice([3, 5])), rng.uniform(0, 360), rng.uniform(-1, 1), *rng.uniform(-1, 1, 2)) for _ in range(100)]
for k, ang, dirn, sx, sy in special + drawn:
    kern = motion_kernel(k, ang, dirn, sx, sy)
    taps.add((k, int((kern != 0).sum()) % 2))
    cases.append((None, [k, ang, dirn, sx, sy] + [float(v) for v in kern.ravel()], None))
write("motion_kernel", cases)
assert len(taps) == 4, taps  # both sizes, odd and even tap counts

cases = []
for idx in [N37, S37, WIDE[3]] + TINY[1:]:
    for _ in range(3 if idx in (N37, S37) else 1):
        k = int(rng.choice([3, 5]))
        kern = motion_kernel(k, rng.uniform(0, 360), rng.uniform(-1, 1), *rng.uniform(-1, 1, 2))
        cases.append((idx, [k] + [float(v) for v in kern.ravel()], fmain.convolve(pixels[idx], kern)))
write("motion_blur", cases)

# --- inputs and versions
with open(os.path.join(OUT, "images.bin"), "wb") as f:
    f.write(b"AUGI" + struct.pack("<I", len(names)))
    for name, img in zip(names, pixels):
        h, w, c = img.shape
        f.write(struct.pack("<B", len(name)) + name.encode("ascii") + struct.pack("<III", w, h, c) + img.tobytes())
print(f"images: {len(names)}")

import albucore  # noqa: E402  (a dependency of albumentations)

cpu = [l.strip() for l in cv2.getBuildInformation().splitlines() if l.strip().startswith(("Baseline:", "Dispatched code"))]
with open(os.path.join(OUT, "versions.txt"), "w") as f:
    f.write(f"python {platform.python_version()} ({platform.machine()})\n")
    f.write(f"opencv {cv2.__version__} (opencv-python-headless)\n")
    f.write(f"albumentations {A.__version__}\nalbucore {albucore.__version__}\nnumpy {np.__version__}\n")
    f.write("cv2 build: " + "; ".join(" ".join(l.split()) for l in cpu) + "\n")
    f.write(f"cv2 CPU features (* dispatched, ? unavailable): {cv2.getCPUFeaturesLine()}\n")
    for k, v in PARAMS.items():
        f.write(f"params {k}: {v}\n")
    for fact in facts:
        f.write(f"- {fact}\n")
