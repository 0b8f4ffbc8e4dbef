"""Builds the ONNX models of the detect/classify benchmarks with the `onnx` helper API (no torch,
no trained weights): random weights from a fixed seed, so every run writes the same files.

  yolox_d033_w025_416.onnx  YOLOX-shaped detector, depth 0.33 / width 0.25, input 416
  yolox_s_512.onnx          the same at depth 0.33 / width 0.50 (YOLOX-S), input 512
  resnet18_224.onnx         ResNet-18-shaped classifier, input 224, 23 logits

Detectors: CSPDarknet (Focus stem, CSP layers, SPP bottleneck), PAFPN neck and a decoupled head
per stride 8/16/32 (stem conv; cls and reg branches of two 3x3 convs; reg(4)/obj(1)/cls(1)
predictions). Convs carry their batch norm folded into a bias and are followed by SiLU. Input
`images` [N,3,S,S] (BGR 0..255, letterboxed with 114), output `output` [N,anchors,6] =
(tx, ty, tw, th, sigmoid(obj), sigmoid(cls)) without the grid decode, as YOLOX exports by
default; consumers decode strides 8/16/32. Classifier: input `input` [N,3,224,224] (ImageNet
normalisation), output `logits` [N,23]. N is dynamic everywhere.

The folded batch norms are what a trained network would have: each conv's statistics are taken
on deterministic calibration images (smear-like pictures for the detectors, cell-crop-like ones
for the classifier) with a numpy forward pass while the graph is built, so activations stay at a
fixed scale (BN gamma 3 on the SiLU convs keeps the random detector from amplifying what differs
between images). The detector heads give cell-sized boxes (about 110 input px), and one offset on
the obj logits, measured with onnxruntime on 16 fresh smear-like images, makes 0.5% of their
anchors score obj x cls >= 0.001 (on 300 of cytologia's synthetic smears, boxes per image before
NMS: mean 39 / median 18 at 416, mean 11 / median 7 for YOLOX-S at 512). The classifier's logits are standardised over its calibration crops so
the argmax spreads over the classes. Each model is then checked with onnxruntime (shapes,
latency at batch 1 on the CPU it runs on, detectors: anchors >= 0.001 and that a blank input leaves the
grid offsets small, which register_model reads as an undecoded export). Deterministic: the same
files every run.

usage: make_bench_models.py [OUT_DIR [FILE ...]]   (default .cytologia-env/bench/models, all three)
"""
import math
import os
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
SEED = 20240611


# --- numpy reference ops used for calibration ------------------------------------------------
def np_conv(x, w, stride, pad):
    """x [N,C,H,W], w [O,C,k,k] -> [N,O,Ho,Wo] (float32)."""
    k = w.shape[2]
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    if k == 1:
        xs = x[:, :, ::stride, ::stride]
        return np.einsum("nchw,oc->nohw", xs, w[:, :, 0, 0], optimize=True).astype(np.float32)
    ys = []
    for xi in x:  # one image at a time keeps the im2col copy small
        win = np.lib.stride_tricks.sliding_window_view(xi, (k, k), axis=(1, 2))[:, ::stride, ::stride]
        ys.append(np.tensordot(w, win, axes=([1, 2, 3], [0, 3, 4])))  # O,Ho,Wo
    return np.stack(ys).astype(np.float32)


def np_maxpool(x, k, stride, pad):
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    return win.max(axis=(4, 5))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class T:
    """A graph tensor: its name and its value on the calibration batch."""

    def __init__(self, name, val):
        self.name, self.val = name, val

    @property
    def c(self):
        return self.val.shape[1]


class Builder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.n = [], [], 0

    def uid(self, p):
        self.n += 1
        return f"{p}_{self.n}"

    def const(self, arr, p="c"):
        name = self.uid(p)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def op(self, op, inputs, val, p=None, **attrs):
        out = self.uid(p or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return T(out, val)

    # conv + folded batch norm: per output channel, the pre-activation on the calibration batch is
    # normalised to mean `beta`, std `gamma` (what BN does), then the activation.
    def conv(self, x, cout, k=1, s=1, act="silu", gamma=None, beta=None, p="conv"):
        gamma = 3.0 if gamma is None else gamma
        cin = x.c
        w = (self.rng.standard_normal((cout, cin, k, k)) / math.sqrt(cin * k * k)).astype(np.float32)
        pad = (k - 1) // 2
        y = np_conv(x.val, w, s, pad)
        mean = y.mean(axis=(0, 2, 3))
        # BN's eps, and a floor: a channel nearly constant on the calibration batch must not
        # amplify what other images put in it
        std = np.sqrt(y.var(axis=(0, 2, 3)) + 1e-3)
        std = np.maximum(std, 0.25 * np.median(std))
        g = np.broadcast_to(np.asarray(gamma, np.float32), (cout,)) * (1 + 0.1 * self.rng.standard_normal(cout))
        b = 0.1 * self.rng.standard_normal(cout) if beta is None else np.broadcast_to(np.asarray(beta, np.float32), (cout,))
        scale = (g / std).astype(np.float32)
        wf = (w * scale[:, None, None, None]).astype(np.float32)
        bf = (b - mean * scale).astype(np.float32)
        yv = (y * scale[None, :, None, None] + bf[None, :, None, None]).astype(np.float32)
        out = self.op("Conv", [x.name, self.const(wf, p + "_w"), self.const(bf, p + "_b")], yv, p,
                      kernel_shape=[k, k], strides=[s, s], pads=[pad] * 4)
        if act == "silu":
            sg = self.op("Sigmoid", [out.name], None)
            return self.op("Mul", [out.name, sg.name], (yv * sigmoid(yv)).astype(np.float32), "silu")
        if act == "relu":
            return self.op("Relu", [out.name], np.maximum(yv, 0), "relu")
        return out

    def concat(self, xs, axis=1):
        return self.op("Concat", [x.name for x in xs], np.concatenate([x.val for x in xs], axis=axis), axis=axis)

    def add(self, a, b):
        return self.op("Add", [a.name, b.name], a.val + b.val)

    def maxpool(self, x, k, s, pad):
        return self.op("MaxPool", [x.name], np_maxpool(x.val, k, s, pad), kernel_shape=[k, k], strides=[s, s], pads=[pad] * 4)

    def upsample2(self, x):
        v = x.val.repeat(2, axis=2).repeat(2, axis=3)
        return self.op("Resize", [x.name, "", self.const(np.array([1, 1, 2, 2], np.float32), "scales")], v,
                       mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")

    def slice2(self, x, r0, c0):
        big = np.iinfo(np.int64).max
        ins = [x.name, self.const(np.array([r0, c0], np.int64)), self.const(np.array([big, big], np.int64)),
               self.const(np.array([2, 3], np.int64)), self.const(np.array([2, 2], np.int64))]
        return self.op("Slice", ins, x.val[:, :, r0::2, c0::2])

    def model(self, inp_name, inp_shape, out, out_shape, graph_name):
        g = helper.make_graph(self.nodes, graph_name,
                              [helper.make_tensor_value_info(inp_name, TensorProto.FLOAT, inp_shape)],
                              [helper.make_tensor_value_info(out.name, TensorProto.FLOAT, out_shape)],
                              self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="cytologia-bench")
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def rename_output(model, old, new):
    for node in model.graph.node:
        node.output[:] = [new if o == old else o for o in node.output]
    model.graph.output[0].name = new


# --- calibration images ----------------------------------------------------------------------
def disc(img, cx, cy, r, colour, soft=2.0):
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
    a = np.clip((r - d) / soft, 0, 1)[..., None]
    img[:] = img * (1 - a) + np.asarray(colour, np.float32) * a


def disc_blend(img, cx, cy, r, colour, alpha, soft=2.0):
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    a = alpha * np.clip((r - np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)) / soft, 0, 1)[..., None]
    img[:] = img * (1 - a) + np.asarray(colour, np.float32) * a


def smear(rng, w, h):
    """A smear-like RGB picture with a random palette: pale background, translucent red cells,
    1-2 large white cells (cytoplasm, darker nucleus), noise. The palettes vary widely so the
    folded batch norms cover what stained smears (and cytologia's synthetic ones) look like."""
    img = np.empty((h, w, 3), np.float32)
    img[:] = rng.uniform((195, 175, 185), (250, 240, 245))
    s = w / 360
    rbc = rng.uniform((190, 70, 90), (245, 150, 160))
    for _ in range(rng.integers(10, 50)):
        disc_blend(img, rng.uniform(0, w), rng.uniform(0, h), s * rng.uniform(15, 25), rbc + rng.normal(0, 8, 3), rng.uniform(0.3, 0.9))
    for _ in range(rng.integers(1, 3)):
        r = s * rng.uniform(40, 90)
        cx, cy = rng.uniform(r, w - r), rng.uniform(r, h - r)
        disc(img, cx, cy, r, rng.uniform((100, 90, 160), (220, 190, 235)))
        disc(img, cx + rng.normal(0, 6), cy + rng.normal(0, 6), r * rng.uniform(0.4, 0.85), rng.uniform((80, 30, 110), (180, 120, 200)))
    img += rng.normal(0, rng.uniform(1, 8), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def letterbox_bgr_chw(rgb, size):
    """YOLOX's preproc with nearest-neighbour resize (calibration only needs the statistics)."""
    h, w = rgb.shape[:2]
    r = min(size / h, size / w)
    nw, nh = int(w * r), int(h * r)
    ys = np.minimum((np.arange(nh) / r).astype(int), h - 1)
    xs = np.minimum((np.arange(nw) / r).astype(int), w - 1)
    canvas = np.full((size, size, 3), 114, np.float32)
    canvas[:nh, :nw] = rgb[ys][:, xs][..., ::-1]
    return canvas.transpose(2, 0, 1)


def crop_like(rng, size):
    img = np.empty((size, size, 3), np.float32)
    img[:] = (228, 206, 214) + rng.normal(0, 6, 3)
    c = size / 2 + rng.normal(0, size * 0.05, 2)
    r = size * rng.uniform(0.25, 0.45)
    disc(img, c[0], c[1], r, rng.uniform((150, 110, 150), (235, 200, 235)))
    disc(img, c[0] + rng.normal(0, r * 0.15), c[1] + rng.normal(0, r * 0.15), r * rng.uniform(0.3, 0.8), rng.uniform((60, 20, 90), (180, 120, 200)))
    img += rng.normal(0, 4, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


# --- YOLOX-shaped detector -------------------------------------------------------------------
def build_yolox(depth, width, size, seed, target_frac=0.005):
    b = Builder(seed)
    crng = np.random.default_rng(seed + 1)
    calib = np.stack([letterbox_bgr_chw(smear(crng, 608, 608) if i % 4 == 3 else smear(crng, 360, 366), size) for i in range(8)])
    x = T("images", calib.astype(np.float32))
    ch = int(width * 64)
    n = max(round(depth * 3), 1)

    def bottleneck(x, cout, shortcut):
        y = b.conv(x, cout, 1, p="bneck")
        y = b.conv(y, cout, 3, p="bneck", gamma=0.5)
        return b.add(y, x) if shortcut and x.c == cout else y

    def csp(x, cout, nb, shortcut=True):
        hid = int(cout * 0.5)
        x1 = b.conv(x, hid, 1, p="csp")
        x2 = b.conv(x, hid, 1, p="csp")
        for _ in range(nb):
            x1 = bottleneck(x1, hid, shortcut)
        return b.conv(b.concat([x1, x2]), cout, 1, p="csp")

    def spp(x, cout):
        hid = x.c // 2
        y = b.conv(x, hid, 1, p="spp")
        y = b.concat([y] + [b.maxpool(y, k, 1, k // 2) for k in (5, 9, 13)])
        return b.conv(y, cout, 1, p="spp")

    # backbone: Focus (space to depth: top-left, bottom-left, top-right, bottom-right), dark2..5
    focus = b.concat([b.slice2(x, 0, 0), b.slice2(x, 1, 0), b.slice2(x, 0, 1), b.slice2(x, 1, 1)])
    stem = b.conv(focus, ch, 3, p="stem")
    d2 = csp(b.conv(stem, ch * 2, 3, 2), ch * 2, n)
    d3 = csp(b.conv(d2, ch * 4, 3, 2), ch * 4, n * 3)
    d4 = csp(b.conv(d3, ch * 8, 3, 2), ch * 8, n * 3)
    d5 = csp(spp(b.conv(d4, ch * 16, 3, 2), ch * 16), ch * 16, n, shortcut=False)

    # PAFPN
    c256, c512, c1024 = int(256 * width), int(512 * width), int(1024 * width)
    fpn0 = b.conv(d5, c512, 1, p="lateral")
    f0 = csp(b.concat([b.upsample2(fpn0), d4]), c512, n, False)
    fpn1 = b.conv(f0, c256, 1, p="reduce")
    pan2 = csp(b.concat([b.upsample2(fpn1), d3]), c256, n, False)
    p1 = b.conv(pan2, c256, 3, 2, p="bu")
    pan1 = csp(b.concat([p1, fpn1]), c512, n, False)
    p0 = b.conv(pan1, c512, 3, 2, p="bu")
    pan0 = csp(b.concat([p0, fpn0]), c1024, n, False)

    # decoupled heads; the obj bias is fixed after all levels are built (a shared offset)
    hid = int(256 * width)
    levels = []
    for feat, stride in ((pan2, 8), (pan1, 16), (pan0, 32)):
        s = b.conv(feat, hid, 1, p="head_stem")
        c = b.conv(b.conv(s, hid, 3, p="cls_conv"), hid, 3, p="cls_conv")
        r = b.conv(b.conv(s, hid, 3, p="reg_conv"), hid, 3, p="reg_conv")
        # tx, ty: offsets in the cell; tw, th: log of a cell-sized box (about 70..170 input px)
        tw = math.log(110.0 / stride)
        reg = b.conv(r, 4, 1, act=None, gamma=[0.25, 0.25, 0.3, 0.3], beta=[0.5, 0.5, tw, tw], p="reg_pred")
        obj = b.conv(r, 1, 1, act=None, gamma=1.5, beta=0.0, p="obj_pred")
        cls = b.conv(c, 1, 1, act=None, gamma=1.0, beta=1.0, p="cls_pred")
        levels.append((reg, obj, cls))

    outs = []
    obj_biases = []
    for reg, obj, cls in levels:
        node = next(nd for nd in b.nodes if nd.output[0] == obj.name)
        obj_biases.append(node.input[2])
        so = b.op("Sigmoid", [obj.name], sigmoid(obj.val))
        sc = b.op("Sigmoid", [cls.name], sigmoid(cls.val))
        cat = b.concat([reg, so, sc])
        nb = cat.val.shape[0]
        outs.append(b.op("Reshape", [cat.name, b.const(np.array([0, 6, -1], np.int64))], cat.val.reshape(nb, 6, -1)))
    allv = b.concat(outs, axis=2)
    out = b.op("Transpose", [allv.name], allv.val.transpose(0, 2, 1), perm=[0, 2, 1])
    anchors = sum((size // s) ** 2 for s in (8, 16, 32))
    m = b.model("images", ["N", 3, size, size], out, ["N", anchors, 6], "yolox")
    rename_output(m, out.name, "output")
    return calibrate_obj(m, obj_biases, size, seed, target_frac)


def calibrate_obj(m, bias_names, size, seed, target_frac):
    """Shifts the obj logits (one offset for all levels) so that `target_frac` of the anchors of
    16 fresh smear-like images score obj x cls >= 0.001, measured with onnxruntime."""
    import onnxruntime as ort

    rng = np.random.default_rng(seed + 2)
    imgs = [smear(rng, 608, 608) if i % 8 == 7 else smear(rng, 360, 366) for i in range(16)]
    x = np.stack([letterbox_bgr_chw(im, size) for im in imgs]).astype(np.float32)
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    (out,) = sess.run(None, {"images": x})
    logit = np.log(out[..., 4]) - np.log1p(-out[..., 4])
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        frac = (sigmoid(logit + mid) * out[..., 5] >= 0.001).mean()
        lo, hi = (lo, mid) if frac > target_frac else (mid, hi)
    shift = np.float32((lo + hi) / 2)
    for init in m.graph.initializer:
        if init.name in bias_names:
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) + shift, init.name))
    return m


# --- ResNet-18-shaped classifier -------------------------------------------------------------
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def build_resnet18(size, classes, seed, n_calib=12):
    b = Builder(seed)
    crng = np.random.default_rng(seed + 1)
    calib = np.stack([crop_like(crng, size) for _ in range(n_calib)]).astype(np.float32)
    calib = ((calib / 255.0 - IMAGENET_MEAN) / IMAGENET_STD).transpose(0, 3, 1, 2).astype(np.float32)
    x = T("input", calib)
    # conv1 is 7x7 stride 2 pad 3: Builder.conv pads (k-1)//2 = 3, as wanted
    y = b.conv(x, 64, 7, 2, act="relu", gamma=1.0, p="conv1")
    y = b.maxpool(y, 3, 2, 1)
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for blk in range(2):
            s = stride if blk == 0 else 1
            z = b.conv(y, cout, 3, s, act="relu", gamma=1.0, p="block")
            z = b.conv(z, cout, 3, 1, act=None, gamma=0.5, p="block")
            short = b.conv(y, cout, 1, s, act=None, gamma=0.5, p="downsample") if (s != 1 or y.c != cout) else y
            ssum = b.add(z, short)
            y = b.op("Relu", [ssum.name], np.maximum(ssum.val, 0))
    gap = b.op("GlobalAveragePool", [y.name], y.val.mean(axis=(2, 3), keepdims=True))
    flat = b.op("Flatten", [gap.name], gap.val.reshape(gap.val.shape[0], -1), axis=1)
    # fc, standardised per logit over the calibration crops so the argmax varies across crops
    w = (b.rng.standard_normal((classes, flat.val.shape[1])) / math.sqrt(flat.val.shape[1])).astype(np.float32)
    z = flat.val @ w.T
    mean, std = z.mean(axis=0), z.std(axis=0) + 1e-3
    wf = (w / std[:, None] * 2.0).astype(np.float32)
    bf = (-mean / std * 2.0 + 0.2 * b.rng.standard_normal(classes)).astype(np.float32)
    out = b.op("Gemm", [flat.name, b.const(wf, "fc_w"), b.const(bf, "fc_b")], flat.val @ wf.T + bf, transB=1)
    m = b.model("input", ["N", 3, size, size], out, ["N", classes], "resnet18")
    rename_output(m, out.name, "logits")
    return m


# --- checks with onnxruntime -----------------------------------------------------------------
def check(path, inp, size, expect, detector):
    import onnxruntime as ort

    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    if detector:
        x = np.stack([letterbox_bgr_chw(smear(rng, 360, 366), size) for _ in range(4)]).astype(np.float32)
    else:
        x = np.stack([crop_like(rng, size) for _ in range(4)]).astype(np.float32)
        x = ((x / 255.0 - IMAGENET_MEAN) / IMAGENET_STD).transpose(0, 3, 1, 2).astype(np.float32)
    (out,) = sess.run(None, {inp: x})
    assert out.shape == (4,) + expect, (out.shape, expect)
    assert np.isfinite(out).all()
    sess.run(None, {inp: x[:1]})
    reps = 10
    t = time.perf_counter()
    for _ in range(reps):
        sess.run(None, {inp: x[:1]})
    ms = (time.perf_counter() - t) / reps * 1000
    info = {"model": os.path.basename(path), "mb": round(os.path.getsize(path) / 1e6, 2), "output": list(out.shape), "ms_per_image_batch1": round(ms, 1)}
    if detector:
        score = out[..., 4] * out[..., 5]
        info["anchors_ge_0.001_per_image"] = [int(v) for v in (score >= 0.001).sum(axis=1)]
        (blank,) = sess.run(None, {inp: np.full((1, 3, size, size), 114, np.float32)})
        info["blank_max_tx"] = round(float(blank[0, :, 0].max()), 2)  # an undecoded head stays far below S/4
    else:
        info["argmax"] = [int(v) for v in out.argmax(axis=1)]
    print(info, flush=True)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else ".cytologia-env/bench/models"
    only = set(sys.argv[2:])
    os.makedirs(out_dir, exist_ok=True)
    specs = [
        ("yolox_d033_w025_416.onnx", lambda: build_yolox(0.33, 0.25, 416, SEED), "images", 416, (3549, 6), True),
        ("yolox_s_512.onnx", lambda: build_yolox(0.33, 0.50, 512, SEED + 10), "images", 512, (5376, 6), True),
        ("resnet18_224.onnx", lambda: build_resnet18(224, 23, SEED + 20), "input", 224, (23,), False),
    ]
    for fname, build, inp, size, expect, det in specs:
        if only and fname not in only:
            continue
        path = os.path.join(out_dir, fname)
        t = time.perf_counter()
        model = build()
        tmp = path + ".tmp"
        onnx.save(model, tmp)
        os.replace(tmp, path)
        print(f"built {path} in {time.perf_counter() - t:.1f} s", flush=True)
        check(path, inp, size, expect, det)


if __name__ == "__main__":
    main()
