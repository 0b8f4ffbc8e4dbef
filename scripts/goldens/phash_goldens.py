#!/usr/bin/env python3
"""Generate differential goldens for the Rust `phash` kernel (imagededup PHash).

requirements: pillow==13.0.0 numpy==2.4.6 scipy==1.17.1 imagededup==0.3.3.post2 (installed with --no-deps) PyWavelets scikit-learn tqdm

Setup used to produce the committed goldens:

    python3 -m venv venv
    venv/bin/pip install pillow==13.0.0 numpy==2.4.6 scipy==1.17.1 PyWavelets scikit-learn tqdm
    venv/bin/pip install --no-deps imagededup==0.3.3.post2
    venv/bin/python scripts/goldens/phash_goldens.py [OUT_DIR]

OUT_DIR defaults to tests/goldens/phash (relative to the current directory).

imagededup's package `__init__` files import torch/torchvision (methods/cnn.py,
utils/models.py) and matplotlib (utils/plotter.py), although PHash itself needs
neither.  Instead of installing torch, this script registers *empty* package
objects for `imagededup.methods` and `imagededup.utils` (with the real
`__path__`), so the real, unmodified modules `imagededup/methods/hashing.py`
and `imagededup/utils/image_utils.py` are imported and run as-is; only the
package `__init__`s (which contain no hashing code) are skipped.

Outputs (all deterministic; numpy RandomState seeds):
  images/NNN_*.jpg|png  the test images
  phash.csv             file,hash   (PHash().encode_image(image_file=...))
  resize_l.csv          file,1024 space-separated uint8: imagededup's
                        load_image(target_size=(32,32), grayscale=True)
  dct8.csv              file,64 space-separated IEEE-754 bit patterns (hex u64)
                        of scipy.fftpack.dct(dct(x, axis=0), axis=1)[:8,:8]
  versions.txt          library versions
"""
import importlib.util
import io
import os
import struct
import sys
import types
import zlib

import numpy as np
import PIL
from PIL import Image
import scipy
from scipy.fftpack import dct


def _import_phash():
    import imagededup  # top-level __init__ only defines __version__

    for name in ("imagededup.methods", "imagededup.utils"):
        spec = importlib.util.find_spec(name)
        mod = types.ModuleType(name)
        mod.__path__ = list(spec.submodule_search_locations)
        mod.__spec__ = spec
        sys.modules[name] = mod
    from imagededup.methods.hashing import PHash
    from imagededup.utils.image_utils import load_image

    return imagededup.__version__, PHash, load_image


IDED_VERSION, PHash, load_image = _import_phash()

# ----------------------------------------------------------------------------
# content generators
# ----------------------------------------------------------------------------


def smooth_field(rs, w, h, cells=4):
    """Low-frequency random field in [0,1], shape (h, w)."""
    gy, gx = max(2, cells), max(2, cells)
    coarse = rs.rand(gy, gx)
    ys = np.linspace(0, gy - 1, h)
    xs = np.linspace(0, gx - 1, w)
    y0 = np.floor(ys).astype(int).clip(0, gy - 2)
    x0 = np.floor(xs).astype(int).clip(0, gx - 2)
    fy = (ys - y0)[:, None]
    fx = (xs - x0)[None, :]
    fy = fy * fy * (3 - 2 * fy)
    fx = fx * fx * (3 - 2 * fx)
    a = coarse[y0][:, x0]
    b = coarse[y0][:, x0 + 1]
    c = coarse[y0 + 1][:, x0]
    d = coarse[y0 + 1][:, x0 + 1]
    return a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + c * (1 - fx) * fy + d * fx * fy


def gen_content(rs, w, h, kind):
    if kind in ("hmirror", "vmirror"):
        # exact mirror symmetry: half of the DCT coefficients are exactly zero in exact
        # arithmetic, so the median falls among pocketfft rounding residues
        base = gen_content(rs, w, h, ["cells", "mixed"][rs.randint(2)])
        if kind == "hmirror":
            base[:, w - w // 2:] = base[:, : w // 2][:, ::-1]
        else:
            base[h - h // 2:, :] = base[: h // 2, :][::-1, :]
        return base
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    if kind == "flat":
        col = rs.randint(0, 256, 3)
        img = np.broadcast_to(col, (h, w, 3)).astype(np.float64)
    elif kind == "nearflat":
        col = rs.randint(10, 246, 3)
        img = np.broadcast_to(col, (h, w, 3)).astype(np.float64).copy()
        img += rs.randint(-1, 2, (h, w, 1))
    elif kind == "hgrad":
        c0 = rs.randint(0, 256, 3)
        c1 = rs.randint(0, 256, 3)
        t = (xx / max(1, w - 1))[..., None]
        img = c0 * (1 - t) + c1 * t
    elif kind == "vgrad":
        c0 = rs.randint(0, 256, 3)
        c1 = rs.randint(0, 256, 3)
        t = (yy / max(1, h - 1))[..., None]
        img = c0 * (1 - t) + c1 * t
    elif kind == "noise":
        img = rs.randint(0, 256, (h, w, 3)).astype(np.float64)
    elif kind == "cells":
        # blood-smear-like: pale background, pink discs with pale centres, purple nuclei
        bg = np.array([232, 222, 226]) + rs.randint(-15, 16, 3)
        img = np.broadcast_to(bg, (h, w, 3)).astype(np.float64).copy()
        img += (smooth_field(rs, w, h, 3)[..., None] - 0.5) * 20
        n = rs.randint(3, 25)
        for _ in range(n):
            cx, cy = rs.rand() * w, rs.rand() * h
            r = (0.04 + 0.08 * rs.rand()) * min(w, h) + 1
            d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / r
            disc = np.clip(1.3 - d, 0, 1) ** 0.7 * np.clip((1 - d) * 4, 0, 1)
            centre = np.clip(1 - d * 2.2, 0, 1) * 0.4
            m = (disc * (1 - centre))[..., None]
            col = np.array([205, 120, 140]) + rs.randint(-25, 26, 3)
            img = img * (1 - m) + col * m
        for _ in range(rs.randint(0, 4)):
            cx, cy = rs.rand() * w, rs.rand() * h
            r = (0.05 + 0.07 * rs.rand()) * min(w, h) + 1
            d = np.sqrt((xx - cx) ** 2 + ((yy - cy) * 1.3) ** 2) / r
            m = np.clip((1 - d) * 3, 0, 1)[..., None]
            col = np.array([110, 60, 150]) + rs.randint(-20, 21, 3)
            img = img * (1 - m) + col * m
        img += rs.randn(h, w, 1) * rs.choice([0.0, 0.8, 1.5])
    else:  # "mixed": gradients + blobs + noise
        img = np.zeros((h, w, 3))
        for c in range(3):
            a, b, k = rs.randn(3) * 80
            img[..., c] = 128 + a * (xx / w - 0.5) + b * (yy / h - 0.5)
            img[..., c] += (smooth_field(rs, w, h, rs.randint(2, 7)) - 0.5) * k
        for _ in range(rs.randint(0, 8)):
            cx, cy = rs.rand() * w, rs.rand() * h
            r = (0.03 + 0.2 * rs.rand()) * min(w, h) + 1
            d = ((xx - cx) ** 2 + (yy - cy) ** 2) / (r * r)
            img += np.exp(-d)[..., None] * (rs.randn(3) * 60)
        img += rs.randn(h, w, 3) * rs.choice([0.0, 0.5, 1.0, 2.0])
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------
# minimal PNG writer (for bit depths / colour types PIL cannot write)
# ----------------------------------------------------------------------------


def _chunk(typ, data):
    c = struct.pack(">I", len(data)) + typ + data
    return c + struct.pack(">I", zlib.crc32(typ + data) & 0xFFFFFFFF)


def write_png(path, rows_bytes, w, h, bit_depth, color_type, plte=None, trns=None):
    raw = b"".join(b"\x00" + r for r in rows_bytes)
    out = b"\x89PNG\r\n\x1a\n"
    out += _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0))
    if plte is not None:
        out += _chunk(b"PLTE", plte)
    if trns is not None:
        out += _chunk(b"tRNS", trns)
    out += _chunk(b"IDAT", zlib.compress(raw, 9))
    out += _chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(out)


def pack_bits(vals, bits):
    """Pack a 1-D array of small ints MSB-first into bytes."""
    per = 8 // bits
    n = len(vals)
    out = bytearray((n + per - 1) // per)
    for i, v in enumerate(vals):
        out[i // per] |= int(v) << (8 - bits * (i % per + 1))
    return bytes(out)


# ----------------------------------------------------------------------------
# image set
# ----------------------------------------------------------------------------


def build_images(img_dir):
    files = []
    rs = np.random.RandomState(20240611)

    def jpg(name, arr, **kw):
        path = os.path.join(img_dir, name)
        mode = "L" if arr.ndim == 2 else "RGB"
        Image.fromarray(arr, mode).save(path, "JPEG", **kw)
        files.append(name)

    idx = 0
    kinds = ["cells", "cells", "cells", "mixed", "mixed", "hgrad", "vgrad", "nearflat", "flat"]
    # ~270 JPEGs around the microscope crop size
    for i in range(270):
        seed = 1000 + i
        r = np.random.RandomState(seed)
        if i % 27 == 5:
            w, h = 608, 608
        else:
            w, h = r.randint(352, 369), r.randint(357, 371)
        kind = kinds[i % len(kinds)]
        arr = gen_content(r, w, h, kind)
        q = int(r.randint(70, 98))
        sub = [0, 1, 2][i % 3]
        kw = dict(quality=q, subsampling=sub)
        if i % 5 == 2:
            kw["progressive"] = True
        if i % 7 == 3:
            kw["optimize"] = True
        tag = f"{kind}_q{q}_s{sub}{'_p' if kw.get('progressive') else ''}"
        if i % 11 == 4:
            arr = np.asarray(Image.fromarray(arr).convert("L"))
            kw.pop("subsampling")
            tag = f"{kind}_q{q}_grey{'_p' if kw.get('progressive') else ''}"
        jpg(f"{idx:03d}_{tag}_{w}x{h}.jpg", arr, **kw)
        idx += 1

    # mirror-symmetric images (widths/heights multiple of 16 keep JPEG blocks symmetric)
    for j in range(24):
        r = np.random.RandomState(7000 + j)
        w, h = [(352, 360), (368, 357), (360, 368), (608, 608)][j % 4]
        kind = ["hmirror", "vmirror"][j % 2]
        arr = gen_content(r, w, h, kind)
        q = int(r.randint(70, 98))
        sub = j % 3
        if j % 6 == 5:
            arr = np.asarray(Image.fromarray(arr).convert("L"))
            jpg(f"{idx:03d}_{kind}_q{q}_grey_{w}x{h}.jpg", arr, quality=q)
        else:
            jpg(f"{idx:03d}_{kind}_q{q}_s{sub}_{w}x{h}.jpg", arr, quality=q, subsampling=sub)
        idx += 1

    # odd / small / extreme-aspect sizes (exercise every resample path)
    odd = [(1, 1), (7, 5), (33, 31), (31, 33), (32, 32), (16, 16), (64, 64), (2, 3),
           (100, 20), (20, 100), (40, 400), (400, 40), (32, 300), (300, 32), (33, 200),
           (500, 31), (96, 97), (129, 70), (8, 1), (1, 9), (352, 120), (120, 360)]
    for j, (w, h) in enumerate(odd):
        r = np.random.RandomState(5000 + j)
        kind = ["mixed", "cells", "noise", "mixed", "hgrad"][j % 5]
        arr = gen_content(r, w, h, kind)
        q = int(r.randint(70, 98))
        sub = j % 3
        jpg(f"{idx:03d}_odd_{kind}_q{q}_s{sub}_{w}x{h}.jpg", arr, quality=q, subsampling=sub,
            progressive=(j % 4 == 1))
        idx += 1
        if j % 3 == 0:
            g = np.asarray(Image.fromarray(arr).convert("L"))
            jpg(f"{idx:03d}_odd_{kind}_q{q}_grey_{w}x{h}.jpg", g, quality=q)
            idx += 1

    # PNGs
    def png_pil(name, im, **kw):
        im.save(os.path.join(img_dir, name), "PNG", **kw)
        files.append(name)

    for j in range(36):
        r = np.random.RandomState(9000 + j)
        w, h = int(r.randint(24, 100)), int(r.randint(24, 100))
        if j % 12 in (8, 9, 11):
            w, h = w // 2 + 3, h // 2 + 3
        base = gen_content(r, w, h, ["cells", "mixed", "hgrad", "flat", "hmirror", "cells"][(j + j // 12) % 6])
        variant = j % 12
        name = f"{idx:03d}_png"
        if variant == 0:
            png_pil(f"{name}_rgb_{w}x{h}.png", Image.fromarray(base, "RGB"))
        elif variant == 1:
            alpha = (r.rand(h, w) * 256).astype(np.uint8)
            png_pil(f"{name}_rgba_{w}x{h}.png", Image.fromarray(np.dstack([base, alpha]), "RGBA"))
        elif variant == 2:
            png_pil(f"{name}_l_{w}x{h}.png", Image.fromarray(base).convert("L"))
        elif variant == 3:
            la = Image.fromarray(base).convert("LA")
            a = Image.fromarray((r.rand(h, w) * 256).astype(np.uint8), "L")
            la.putalpha(a)
            png_pil(f"{name}_la_{w}x{h}.png", la)
        elif variant == 4:
            p = Image.fromarray(base).quantize(colors=int(r.randint(4, 256)))
            png_pil(f"{name}_p_{w}x{h}.png", p)
        elif variant == 5:
            p = Image.fromarray(base).quantize(colors=16)
            png_pil(f"{name}_p4bit_trns_{w}x{h}.png", p, bits=4, transparency=3)
        elif variant == 6:
            png_pil(f"{name}_1bit_{w}x{h}.png", Image.fromarray(base).convert("1"))
        elif variant == 7:
            g16 = (base[..., 0].astype(np.uint32) * r.randint(1, 3)).astype(np.uint16)
            g16[::3, ::2] = r.randint(0, 65536, g16[::3, ::2].shape)
            png_pil(f"{name}_i16_{w}x{h}.png", Image.fromarray(g16))
        elif variant == 8:
            v16 = (base.astype(np.uint16) << 8) | r.randint(0, 256, base.shape).astype(np.uint16)
            write_png(os.path.join(img_dir, f"{name}_rgb16_{w}x{h}.png"),
                      [v16[y].astype(">u2").tobytes() for y in range(h)], w, h, 16, 2)
            files.append(f"{name}_rgb16_{w}x{h}.png")
        elif variant == 9:
            v16 = (base.astype(np.uint16) << 8) | r.randint(0, 256, base.shape).astype(np.uint16)
            a16 = r.randint(0, 65536, (h, w, 1)).astype(np.uint16)
            rgba = np.concatenate([v16, a16], axis=2)
            fname = f"{name}_rgba16_{w}x{h}.png"
            write_png(os.path.join(img_dir, fname),
                      [rgba[y].astype(">u2").tobytes() for y in range(h)], w, h, 16, 6)
            files.append(fname)
        elif variant == 10:
            bits = [2, 4][j // 12 % 2]
            g = (base[..., 1] >> (8 - bits)).astype(np.uint8)
            fname = f"{name}_grey{bits}bit_{w}x{h}.png"
            write_png(os.path.join(img_dir, fname),
                      [pack_bits(g[y], bits) for y in range(h)], w, h, bits, 0)
            files.append(fname)
        else:
            # 16-bit grey+alpha
            g16 = (base[..., 2].astype(np.uint16) << 8) | r.randint(0, 256, (h, w)).astype(np.uint16)
            a16 = r.randint(0, 65536, (h, w)).astype(np.uint16)
            la = np.dstack([g16, a16])
            fname = f"{name}_la16_{w}x{h}.png"
            write_png(os.path.join(img_dir, fname),
                      [la[y].astype(">u2").tobytes() for y in range(h)], w, h, 16, 4)
            files.append(fname)
        idx += 1
    return files


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("tests", "goldens", "phash")
    img_dir = os.path.join(out, "images")
    os.makedirs(img_dir, exist_ok=True)
    for f in os.listdir(img_dir):
        os.remove(os.path.join(img_dir, f))
    files = build_images(img_dir)

    ph = PHash(verbose=False)
    hashes, inter, dcts = [], [], []
    for k, name in enumerate(files):
        path = os.path.join(img_dir, name)
        h = ph.encode_image(image_file=path)
        assert h is not None and len(h) == 16, (name, h)
        hashes.append((name, h))
        arr = load_image(image_file=path, target_size=(32, 32), grayscale=True)
        c = dct(dct(arr, axis=0), axis=1)[:8, :8]
        # self-check: recompute exactly as imagededup does
        med = np.median(np.ndarray.flatten(c)[1:])
        bits = c >= med
        assert "".join("%0.2x" % x for x in np.packbits(bits)) == h, name
        small = ("odd" in name) or ("png" in name)
        degenerate = any(t in name for t in ("flat", "grad", "mirror"))
        if small or degenerate or k % 10 == 0:
            dcts.append((name, " ".join("%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]
                                         for v in c.flatten())))
        if small or k % 12 == 0:
            inter.append((name, " ".join(str(int(v)) for v in arr.flatten())))

    with open(os.path.join(out, "phash.csv"), "w") as f:
        f.write("file,hash\n")
        for n, h in hashes:
            f.write(f"{n},{h}\n")
    with open(os.path.join(out, "resize_l.csv"), "w") as f:
        f.write("file,l32x32\n")
        for n, v in inter:
            f.write(f"{n},{v}\n")
    with open(os.path.join(out, "dct8.csv"), "w") as f:
        f.write("file,dct8x8_f64_bits\n")
        for n, v in dcts:
            f.write(f"{n},{v}\n")
    import PIL.features

    with open(os.path.join(out, "versions.txt"), "w") as f:
        f.write(f"pillow={PIL.__version__}\n")
        f.write(f"pillow_libjpeg_turbo={PIL.features.version('libjpeg_turbo')}\n")
        f.write(f"numpy={np.__version__}\nscipy={scipy.__version__}\nimagededup={IDED_VERSION}\n")
    total = sum(os.path.getsize(os.path.join(img_dir, n)) for n in files)
    print(f"{len(files)} images, {total / 1e6:.2f} MB; {len(inter)} resize goldens; {len(dcts)} dct goldens")


if __name__ == "__main__":
    main()
