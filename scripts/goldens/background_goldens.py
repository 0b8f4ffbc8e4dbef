#!/usr/bin/env python3
"""Generate differential goldens for the Rust `background` kernels (udfs/src/background/), a
bit-exact port of the winning recipe's synthetic background-image generator (docs/pipeline.md §5) except
for its random noise.

requirements: opencv-python-headless==4.10.0.84 scikit-image==0.26.0 numpy==1.26.4
              (scipy 1.17.1 and pillow 13.0.0 come along; Python 3.11, x86-64 Linux)

Setup used to produce the committed goldens:

    python3 -m venv bgvenv
    bgvenv/bin/pip install opencv-python-headless==4.10.0.84 scikit-image==0.26.0 "numpy<2" pillow
    bgvenv/bin/python scripts/goldens/background_goldens.py [OUT_DIR]

OUT_DIR defaults to tests/goldens/background (relative to the current directory). The run is
deterministic (fixed numpy RandomState seeds) and takes a few seconds (mostly the
exhaustive 2^24-colour grey check).

What is generated (plain text, one record per line, '#' lines are comments; a bit mask is
written as the hex of np.packbits(mask.ravel()), first pixel = most significant bit, '-' when
empty; fnv = FNV-1a 64 of the bytes, 16 hex digits):

  grey.txt      r g b grey       cv2.cvtColor(COLOR_RGB2GRAY) on 1,024 random colours (the script
                                 also checks all 2^24 colours against the 15-bit formula
                                 (9798 R + 19235 G + 3735 B + 2^14) >> 15 and aborts on a mismatch)
  otsu.txt      id n v:count ... threshold
                                 skimage.filters.threshold_otsu on the array with that histogram
  kernels.txt   w h bits         cv2.getStructuringElement(MORPH_ELLIPSE, (w, h))
  dilate.txt    id w h kw kh mask dilated
                                 cv2.dilate(mask, getStructuringElement(MORPH_ELLIPSE, (kw, kh)))
  contours.txt  id w h mask n points_fnv best filled areas
                                 cv2.findContours(mask, RETR_EXTERNAL, CHAIN_APPROX_NONE):
                                 n contours; points_fnv over, per contour in order, u32 LE count
                                 then i32 LE x, y per point; best = index of the largest
                                 cv2.contourArea (first max, Python max()); filled = 0/1 of
                                 cv2.drawContours(zeros, [best], -1, 255, -1) == 255 ('-' when
                                 no contour: all zeros); areas = comma list of 2*contourArea
  images.txt    one end-to-end case per line (see IMAGE CASES below):
                id w h seed bbox(4) npal pal(r g b amp)... nshapes shape... | expected
                expected = threshold fill_r fill_g fill_b fallback(3 x 0/1) crop(x1 y1 x2 y2)
                           in_fnv grey_fnv mask_fnv dilated_fnv cell_mask(bits, crop-sized) out_fnv
                (in_fnv: the generated input image, to tell a generator bug from a kernel bug)
  versions.txt  library versions and the facts checked on the way

IMAGE CASES: inputs are not stored but regenerated from their parameters by an integer-only
generator, implemented again by the Rust test:
  splitmix64 mix(z): z = (z ^ z>>30) * 0xBF58476D1CE4E5B9; z = (z ^ z>>27) * 0x94D049BB133111EB;
                     return z ^ z>>31                                      (all mod 2^64)
  label(y, x) = colour index of the last shape that contains (x, y), 0 (background) if none;
  shapes: "e cx cy a b col"          (x-cx)^2 b^2 + (y-cy)^2 a^2 <= a^2 b^2
          "s x0 y0 x1 y1 t col"      with d = (x1-x0, y1-y0), L2 = |d|^2, q = (x-x0, y-y0):
                                     0 <= q.d <= L2 and (q x d)^2 <= t^2 L2
          "r x0 y0 x1 y1 col"        x0 <= x < x1 and y0 <= y < y1
  pixel (y, x, c), k = (y*w + x)*3 + c, r = mix(seed + (k+1)*0x9E3779B97F4A7C15),
  (r, g, b, amp) = pal[label]: value = clamp(colour_c + r % (2 amp + 1) - amp, 0, 255).

The winning recipe algorithm run here (function `seed_background`) is the winning recipe's code without its noise
step, with the one deviation the Rust port documents: the grown box is clipped to the image.
When a channel has no value > 150 outside the dilated mask the winning recipe got NaN; both sides use the
documented fallback (mean of the channel outside the dilated mask, else of the whole image).
"""
import os
import sys

import cv2
import numpy as np
import skimage
from skimage.filters import threshold_otsu

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/goldens/background"
facts = []


def fnv(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & M64
    return f"{h:016x}"


def bits(mask) -> str:
    m = (np.asarray(mask).ravel() != 0).astype(np.uint8)
    if m.size == 0:
        return "-"
    return np.packbits(m).tobytes().hex()


def kernel(kw, kh):
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kw, kh))


# ------------------------------------------------------------------------------------ grey
def gen_grey(rs):
    a = np.arange(1 << 24, dtype=np.uint32)
    img = np.stack([(a >> 16) & 255, (a >> 8) & 255, a & 255], -1).astype(np.uint8).reshape(4096, 4096, 3)
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.int64)
    r, gg, b = (img[..., i].astype(np.int64) for i in range(3))
    ref15 = (r * 9798 + gg * 19235 + b * 3735 + (1 << 14)) >> 15
    ref14 = (r * 4899 + gg * 9617 + b * 1868 + (1 << 13)) >> 14
    bad = int((ref15 != g).sum())
    assert bad == 0, f"RGB2GRAY differs from the 15-bit formula on {bad} colours"
    facts.append("RGB2GRAY == (9798R+19235G+3735B+2^14)>>15 on all 2^24 colours "
                 f"(the 14-bit formula differs on {int((ref14 != g).sum())})")
    cols = rs.randint(0, 256, (1024, 3)).astype(np.uint8)
    cols[:8] = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255], [0, 0, 250], [0, 5, 233], [128, 128, 128]]
    gy = cv2.cvtColor(cols.reshape(32, 32, 3), cv2.COLOR_RGB2GRAY).ravel()
    with open(os.path.join(OUT, "grey.txt"), "w") as f:
        f.write("# r g b cv2.cvtColor(COLOR_RGB2GRAY)\n")
        for (r_, g_, b_), y in zip(cols.tolist(), gy.tolist()):
            f.write(f"{r_} {g_} {b_} {y}\n")


# ------------------------------------------------------------------------------------ otsu
def gen_otsu(rs, extra_greys):
    arrays = []
    arrays.append(np.full(10, 7, np.uint8))
    arrays.append(np.full(1, 0, np.uint8))
    arrays.append(np.array([0, 255], np.uint8))
    arrays.append(np.array([3, 3, 4], np.uint8))
    arrays.append(np.array([10, 11, 12, 13], np.uint8))  # symmetric: tie candidates
    arrays.append(np.array([0, 0, 1, 1, 2, 2, 3, 3], np.uint8))
    arrays.append(np.repeat(np.array([0, 1, 254, 255], np.uint8), [5, 1, 1, 5]))
    arrays.append(np.repeat(np.array([20, 100, 180], np.uint8), [7, 7, 7]))
    arrays.append(np.repeat(np.array([100, 101], np.uint8), [3_000_000, 1_000_000]))
    for _ in range(40):
        lo = rs.randint(0, 256)
        hi = rs.randint(lo, 256)
        n = rs.choice([2, 5, 17, 100, 1000, 50_000])
        arrays.append(rs.randint(lo, hi + 1, n).astype(np.uint8))
    for _ in range(40):
        n = rs.choice([50, 500, 20_000, 130_000])
        f = rs.uniform(0.05, 0.6)
        m1, m2 = rs.uniform(20, 140), rs.uniform(120, 240)
        s1, s2 = rs.uniform(2, 30), rs.uniform(2, 30)
        k = int(n * f)
        v = np.concatenate([rs.normal(m1, s1, k), rs.normal(m2, s2, n - k)])
        arrays.append(np.clip(np.round(v), 0, 255).astype(np.uint8))
    for _ in range(20):  # symmetric random histograms (exact float ties are likely)
        half = rs.randint(0, 50, rs.randint(1, 6))
        counts = np.concatenate([half, half[::-1]]) + 0
        counts[0] = max(counts[0], 1)
        counts[-1] = max(counts[-1], 1)
        start = rs.randint(0, 256 - counts.size + 1)
        arrays.append(np.repeat(np.arange(start, start + counts.size, dtype=np.uint8), counts))
    arrays.extend(extra_greys)
    with open(os.path.join(OUT, "otsu.txt"), "w") as f:
        f.write("# id n value:count ... skimage.filters.threshold_otsu(array)\n")
        for i, a in enumerate(arrays):
            t = threshold_otsu(a.ravel())
            vals, counts = np.unique(a, return_counts=True)
            pairs = " ".join(f"{v}:{c}" for v, c in zip(vals.tolist(), counts.tolist()))
            f.write(f"{i} {vals.size} {pairs} {int(t)}\n")
            assert float(t) == int(t)


# --------------------------------------------------------------------------------- kernels
def gen_kernels():
    sizes = [(s, s) for s in range(1, 41)] + [(s, s) for s in (47, 48, 63, 64)]
    sizes += [(w, h) for w in (1, 2, 3, 5, 8, 13, 24, 31) for h in (1, 2, 4, 7, 8, 12, 24, 25) if w != h]
    with open(os.path.join(OUT, "kernels.txt"), "w") as f:
        f.write("# w h cv2.getStructuringElement(MORPH_ELLIPSE, (w, h)) as bits\n")
        for w, h in sizes:
            k = kernel(w, h)
            assert k.shape == (h, w) and set(np.unique(k).tolist()) <= {0, 1}
            f.write(f"{w} {h} {bits(k)}\n")


# --------------------------------------------------------------------------- random masks
def random_mask(rs, kind):
    if kind == "iid":
        h, w = rs.randint(1, 41), rs.randint(1, 41)
        return (rs.random_sample((h, w)) < rs.choice([0.05, 0.2, 0.4, 0.6, 0.85])).astype(np.uint8)
    if kind == "smooth":
        h, w = rs.randint(8, 49), rs.randint(8, 49)
        z = cv2.GaussianBlur(rs.random_sample((h, w)).astype(np.float32), (0, 0), rs.uniform(0.8, 3.0))
        return (z > np.quantile(z, rs.uniform(0.3, 0.8))).astype(np.uint8)
    if kind == "shapes":
        h, w = rs.randint(10, 49), rs.randint(10, 49)
        m = np.zeros((h, w), np.uint8)
        for _ in range(rs.randint(1, 7)):
            t = rs.randint(0, 5)
            c = (int(rs.randint(-5, w + 5)), int(rs.randint(-5, h + 5)))
            if t == 0:  # filled ellipse
                cv2.ellipse(m, c, (int(rs.randint(1, 15)), int(rs.randint(1, 15))), float(rs.uniform(0, 180)), 0, 360, 1, -1)
            elif t == 1:  # ring (holes)
                cv2.ellipse(m, c, (int(rs.randint(3, 20)), int(rs.randint(3, 20))), float(rs.uniform(0, 180)), 0, 360, 1, int(rs.randint(1, 4)))
            elif t == 2:  # thin line, 8- or 4-connected
                c2 = (int(rs.randint(-5, w + 5)), int(rs.randint(-5, h + 5)))
                cv2.line(m, c, c2, 1, 1, [cv2.LINE_8, cv2.LINE_4][rs.randint(0, 2)])
            elif t == 3:  # single pixels
                for _ in range(rs.randint(1, 6)):
                    m[rs.randint(0, h), rs.randint(0, w)] = 1
            else:  # erase a blob (creates holes / splits)
                cv2.circle(m, c, int(rs.randint(1, 8)), 0, -1)
        return m
    if kind == "ties":
        h, w = rs.randint(12, 41), rs.randint(12, 41)
        m = np.zeros((h, w), np.uint8)
        sh = rs.randint(1, 4), rs.randint(1, 4)
        for _ in range(rs.randint(2, 6)):
            y, x = rs.randint(0, h - sh[0] + 1), rs.randint(0, w - sh[1] + 1)
            m[y:y + sh[0], x:x + sh[1]] = 1
        return m
    raise ValueError(kind)


def special_masks():
    out = [np.zeros((1, 1), np.uint8), np.ones((1, 1), np.uint8), np.zeros((5, 7), np.uint8),
           np.ones((6, 4), np.uint8), np.ones((1, 9), np.uint8), np.ones((9, 1), np.uint8),
           np.eye(12, dtype=np.uint8), np.eye(12, dtype=np.uint8)[::-1].copy()]
    cb = (np.add.outer(np.arange(11), np.arange(13)) % 2).astype(np.uint8)  # checkerboard
    out += [cb, 1 - cb]
    ring = np.zeros((15, 15), np.uint8)
    ring[2:13, 2:13] = 1
    ring[4:11, 4:11] = 0
    ring[6:9, 6:9] = 1  # blob in the hole
    out.append(ring)
    r2 = np.zeros((15, 15), np.uint8)
    r2[0:15, 0:15] = 1
    r2[3:12, 3:12] = 0
    r2[5:10, 5:10] = 1
    r2[7, 7] = 0
    out.append(r2)  # nested, touching the border
    thin = np.zeros((9, 9), np.uint8)
    for i in range(9):
        thin[i, 4] = 1
        thin[4, i] = 1
    out.append(thin)
    diag_ring = np.zeros((11, 11), np.uint8)
    for i in range(5):
        diag_ring[5 - i, i] = diag_ring[5 + i, i] = diag_ring[i, 5 + i] = diag_ring[10 - i, 5 + i] = 1
    diag_ring[5, 5] = 1
    out.append(diag_ring)
    sq = np.zeros((20, 20), np.uint8)  # equal squares: tie order
    for y, x in [(1, 1), (1, 10), (10, 1), (10, 10), (15, 15)]:
        sq[y:y + 3, x:x + 3] = 1
    out.append(sq)
    return out


# -------------------------------------------------------------------------------- dilate
def gen_dilate(rs):
    ks = [(24, 24), (8, 8), (3, 3), (1, 1), (2, 2), (5, 7), (7, 5), (24, 8), (8, 24), (25, 25), (1, 5), (6, 1), (4, 4)]
    with open(os.path.join(OUT, "dilate.txt"), "w") as f:
        f.write("# id w h kw kh mask cv2.dilate(mask, getStructuringElement(MORPH_ELLIPSE, (kw, kh)))\n")
        i = 0
        for kw, kh in ks:
            for rep in range(5):
                h, w = rs.randint(1, 70), rs.randint(1, 70)
                dens = [0.002, 0.01, 0.05, 0.3, 0.0][rep]
                m = (rs.random_sample((h, w)) < dens).astype(np.uint8)
                if rep == 4:
                    m[rs.randint(0, h), rs.randint(0, w)] = 1
                    m[0, 0] = m[-1, -1] = 1
                d = cv2.dilate(m, kernel(kw, kh))
                f.write(f"{i} {w} {h} {kw} {kh} {bits(m)} {bits(d)}\n")
                i += 1


# ------------------------------------------------------------------------------ contours
def contour_record(m):
    cs, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    buf = bytearray()
    areas = []
    for c in cs:
        pts = c.reshape(-1, 2).astype("<i4")
        buf += np.uint32(len(pts)).astype("<u4").tobytes() + pts.tobytes()
        a2 = cv2.contourArea(c) * 2
        assert a2 == int(a2)
        areas.append(int(a2))
    if cs:
        best = max(range(len(cs)), key=lambda i: cv2.contourArea(cs[i]))
        filled = np.zeros_like(m)
        cv2.drawContours(filled, [cs[best]], -1, 255, -1)
        filled = (filled == 255).astype(np.uint8)
    else:
        best, filled = -1, None
    return cs, fnv(bytes(buf)), best, filled, areas


def gen_contours(rs):
    masks = special_masks()
    for kind, n in [("iid", 200), ("smooth", 80), ("shapes", 160), ("ties", 60)]:
        masks += [random_mask(rs, kind) for _ in range(n)]
    ties_with_order = 0
    with open(os.path.join(OUT, "contours.txt"), "w") as f:
        f.write("# id w h mask ncontours points_fnv best filled areas2 (see background_goldens.py)\n")
        for i, m in enumerate(masks):
            m = np.ascontiguousarray(m, dtype=np.uint8)
            cs, pf, best, filled, areas = contour_record(m)
            if areas and areas.count(max(areas)) > 1:
                ties_with_order += 1
            fb = bits(filled) if filled is not None else "-"
            f.write(f"{i} {m.shape[1]} {m.shape[0]} {bits(m)} {len(cs)} {pf} {best} {fb} "
                    f"{','.join(map(str, areas)) or '-'}\n")
    facts.append(f"contours: {len(masks)} masks, {ties_with_order} with a tie for the largest area")


# ------------------------------------------------------------------------- image cases
def mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def render(w, h, seed, pal, shapes):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.int64)
    label = np.zeros((h, w), np.int64)
    for s in shapes:
        if s[0] == "e":
            _, cx, cy, a, b, col = s
            inside = (xx - cx) ** 2 * b * b + (yy - cy) ** 2 * a * a <= a * a * b * b
        elif s[0] == "s":
            _, x0, y0, x1, y1, t, col = s
            dx, dy = x1 - x0, y1 - y0
            l2 = dx * dx + dy * dy
            qx, qy = xx - x0, yy - y0
            dot = qx * dx + qy * dy
            cr = qx * dy - qy * dx
            inside = (dot >= 0) & (dot <= l2) & (cr * cr <= t * t * l2)
        elif s[0] == "r":
            _, x0, y0, x1, y1, col = s
            inside = (xx >= x0) & (xx < x1) & (yy >= y0) & (yy < y1)
        else:
            raise ValueError(s)
        label[inside] = col
    k = np.arange(h * w * 3, dtype=np.uint64).reshape(h, w, 3)
    with np.errstate(over="ignore"):
        r = mix(np.uint64(seed) + (k + np.uint64(1)) * np.uint64(GOLDEN))
    p = np.array(pal, np.int64)  # (n, 4)
    col = p[label][..., :3]
    amp = p[label][..., 3:4]
    span = (2 * amp + 1).astype(np.uint64)
    noise = (r % span).astype(np.int64) - amp
    return np.clip(col + noise, 0, 255).astype(np.uint8)


def fill_fallback(img, dil):
    fill = np.zeros(3, np.uint8)
    fb = [0, 0, 0]
    keep = (1 - dil).astype(np.uint8)
    for c in range(3):
        v = img[..., c] * keep
        v = v[v > 150]
        if v.size:
            fill[c] = v.mean()
        else:  # documented fallback (the winning recipe: NaN -> 0)
            fb[c] = 1
            kept = img[..., c][dil == 0]
            fill[c] = kept.mean() if kept.size else img[..., c].mean()
    return fill, fb


def seed_background(img, box):
    """The winning recipe's generator without noise, the grown box clipped to the image."""
    x1, y1, x2, y2 = box
    x1 -= 16
    y1 -= 16
    x2 += 16
    y2 += 16
    x1, y1, x2, y2 = int(x1), int(y1), int(x2), int(y2)
    H, W = img.shape[:2]
    x1, y1, x2, y2 = max(x1, 0), max(y1, 0), min(x2, W), min(y2, H)
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    t = threshold_otsu(grey.flatten())
    mask = (grey < t).astype(np.uint8)
    dil = cv2.dilate(mask, kernel(24, 24))
    fill, fb = fill_fallback(img, dil)
    part_mask = mask[y1:y2, x1:x2].copy()
    contours, _ = cv2.findContours(part_mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if contours:
        c = max(contours, key=cv2.contourArea)
        cv2.drawContours(part_mask, [c], -1, 255, -1)
        m = np.where(part_mask == 255, 1, 0).astype(np.uint8)
        m = cv2.dilate(m, kernel(8, 8))
    else:
        m = np.zeros_like(part_mask)
    out = img.copy()
    part = out[y1:y2, x1:x2]
    part[:] = part - part * m[..., None]
    part += (np.full(part.shape, fill, np.uint8) * m[..., None]).astype(np.uint8)
    return out, dict(t=int(t), fill=fill, fb=fb, crop=(x1, y1, x2, y2), grey=grey, mask=mask, dil=dil, m=m)


PINK = (226, 196, 210, 6)
CELL = (118, 62, 150, 14)
NUC = (80, 30, 120, 10)
GREYBG = (200, 200, 204, 5)
IMAGE_CASES = [
    # id, w, h, seed, bbox, palette, shapes
    ("round", 120, 110, 1, (40.2, 35.7, 80.9, 75.1), [PINK, CELL], [("e", 60, 55, 20, 19, 1)]),
    ("irregular", 140, 130, 2, (38.0, 30.0, 100.0, 96.5),
     [PINK, CELL, NUC], [("e", 60, 60, 22, 15, 1), ("e", 78, 70, 14, 20, 1), ("e", 55, 78, 10, 9, 1), ("e", 66, 64, 8, 6, 2)]),
    ("hole", 130, 120, 3, (30.5, 28.5, 95.5, 90.5),
     [PINK, CELL], [("e", 63, 60, 28, 26, 1), ("e", 63, 60, 12, 9, 0)]),
    ("left_border", 110, 120, 4, (-8.3, 30.0, 28.0, 80.0), [GREYBG, CELL], [("e", 6, 55, 22, 24, 1)]),
    ("two_cells", 150, 140, 5, (30.0, 30.0, 90.0, 90.0),
     [PINK, CELL, NUC], [("e", 60, 60, 25, 24, 1), ("e", 103, 62, 7, 9, 2), ("e", 130, 120, 9, 9, 1)]),
    ("thin_lines", 140, 130, 6, (35.0, 35.0, 100.0, 95.0),
     [PINK, NUC], [("e", 65, 62, 18, 16, 1), ("s", 80, 75, 112, 110, 1, 1), ("s", 40, 100, 60, 118, 0, 1),
                   ("s", 100, 30, 120, 30, 0, 1)]),
    ("nested", 140, 140, 7, (30.0, 30.0, 110.0, 110.0),
     [GREYBG, CELL, NUC], [("e", 70, 70, 32, 30, 1), ("e", 70, 70, 22, 20, 0), ("e", 72, 68, 8, 7, 2)]),
    ("flat", 100, 90, 8, (20.0, 20.0, 60.0, 60.0), [(210, 190, 200, 0)], []),
    ("dark_blue", 120, 110, 9, (35.0, 30.0, 85.0, 80.0),
     [(205, 170, 120, 5), (90, 50, 60, 10)], [("e", 60, 55, 18, 20, 1)]),
    ("corner", 130, 120, 10, (96.0, 88.0, 140.7, 131.2), [PINK, CELL], [("e", 122, 112, 20, 18, 1)]),
    ("tiny", 100, 90, 11, (45.0, 40.0, 52.0, 47.0), [PINK, NUC], [("e", 48, 43, 2, 1, 1), ("r", 10, 10, 12, 11, 1)]),
    # Three equal squares in the crop: the largest-contour tie goes to the first in OpenCV's
    # order. (A two-valued image would give t = its minimum and an empty `grey < t` mask; the
    # slightly brighter dot outside the crop moves Otsu's first maximum above the squares.)
    ("tie", 140, 120, 12, (40.0, 40.0, 100.0, 80.0),
     [(230, 215, 220, 4), (60, 40, 90, 0), (70, 50, 100, 0)],
     [("r", 45, 50, 55, 60, 1), ("r", 80, 62, 90, 72, 1), ("r", 60, 70, 70, 80, 1), ("r", 130, 5, 131, 6, 2)]),
    ("dotted", 100, 90, 13, (20.0, 20.0, 70.0, 70.0),
     [(40, 40, 50, 4), (250, 250, 250, 0)], [("r", x, y, x + 1, y + 1, 1) for x in range(3, 100, 10) for y in range(3, 90, 10)]),
    ("no_cell_in_box", 150, 140, 14, (110.0, 100.0, 130.0, 122.0), [PINK, CELL], [("e", 40, 40, 20, 20, 1)]),
    ("big", 160, 150, 15, (25.0, 20.0, 135.0, 130.0),
     [PINK, CELL, NUC], [("e", 80, 75, 45, 42, 1), ("e", 70, 70, 20, 16, 2), ("e", 95, 85, 14, 12, 2),
                         ("s", 20, 20, 140, 130, 1, 1)]),
]


def gen_images():
    greys = []
    with open(os.path.join(OUT, "images.txt"), "w") as f:
        f.write("# id w h seed x1 y1 x2 y2 npal (r g b amp)* nshapes shape* | threshold fill(3) fallback(3) "
                "crop(4) in_fnv grey_fnv mask_fnv dilated_fnv cell_mask out_fnv\n")
        for cid, w, h, seed, box, pal, shapes in IMAGE_CASES:
            img = render(w, h, seed, pal, shapes)
            out, d = seed_background(img, box)
            greys.append(d["grey"].ravel().copy())
            # The output is the input with the cell mask painted in the fill colour.
            x1, y1, x2, y2 = d["crop"]
            exp = img.copy()
            exp[y1:y2, x1:x2][d["m"] == 1] = d["fill"]
            assert (exp == out).all()
            pal_s = " ".join(" ".join(map(str, p)) for p in pal)
            sh_s = " ".join(" ".join(map(str, s)) for s in shapes)
            spec = f"{cid} {w} {h} {seed} {' '.join(repr(float(v)) for v in box)} {len(pal)} {pal_s} {len(shapes)} {sh_s}".replace("  ", " ")
            expected = (f"{d['t']} {' '.join(map(str, d['fill'].tolist()))} {' '.join(map(str, d['fb']))} "
                        f"{x1} {y1} {x2} {y2} {fnv(img.tobytes())} {fnv(d['grey'].tobytes())} {fnv(d['mask'].tobytes())} "
                        f"{fnv(d['dil'].tobytes())} {bits(d['m'])} {fnv(out.tobytes())}")
            f.write(f"{spec} | {expected}\n")
            facts.append(f"image {cid}: t={d['t']} fill={d['fill'].tolist()} fallback={d['fb']} crop={d['crop']} "
                         f"mask={int(d['mask'].sum())} cell={int(d['m'].sum())}")
    return greys


def main():
    os.makedirs(OUT, exist_ok=True)
    rs = np.random.RandomState(20240611)
    gen_grey(rs)
    greys = gen_images()
    gen_otsu(rs, greys)
    gen_kernels()
    gen_dilate(rs)
    gen_contours(rs)
    with open(os.path.join(OUT, "versions.txt"), "w") as f:
        f.write(f"python {sys.version.split()[0]}\nopencv {cv2.__version__}\nscikit-image {skimage.__version__}\n"
                f"numpy {np.__version__}\n")
        f.write("".join(f"- {x}\n" for x in facts))
    print("\n".join(facts))


if __name__ == "__main__":
    main()
