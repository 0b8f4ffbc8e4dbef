"""Reference for the detect benchmark: the winning recipe's YOLOX inference (docs/pipeline.md §4.4) written the
way YOLOX's ONNX Runtime demo does it: per image (sorted paths) PIL decode -> numpy RGB ->
cv2.cvtColor(RGB2BGR) -> letterbox `preproc` (r = min(S/h, S/w), cv2.resize INTER_LINEAR to
(int(w*r), int(h*r)), top-left on a 114 canvas, HWC->CHW float32) -> onnxruntime session.run
(batch 1, default session options) -> numpy grid decode (`demo_postprocess`) -> score =
obj x cls -> keep >= 0.001 -> class-agnostic NMS at IoU 0.30 (numpy; torchvision's rule:
suppress IoU > thr, areas without +1) -> boxes / r, no clipping, keep score > 0.

Timed: the per-image loop (files to boxes); the session is created and run once on a blank
input before the clock starts. Prints a human line and a JSON line (seconds, images/s, pre /
onnx / post ms per image) and writes name,x1,y1,x2,y2,score per box (descending score inside an
image) for the cross-check.

usage: detect_reference.py MODEL IMAGES_DIR SIZE OUT_CSV
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

TEST_CONF, NMS_THR = 0.001, 0.30


def preproc(img, input_size, swap=(2, 0, 1)):
    padded_img = np.ones((input_size[0], input_size[1], 3), dtype=np.uint8) * 114
    r = min(input_size[0] / img.shape[0], input_size[1] / img.shape[1])
    resized_img = cv2.resize(img, (int(img.shape[1] * r), int(img.shape[0] * r)), interpolation=cv2.INTER_LINEAR).astype(np.uint8)
    padded_img[: int(img.shape[0] * r), : int(img.shape[1] * r)] = resized_img
    padded_img = padded_img.transpose(swap)
    padded_img = np.ascontiguousarray(padded_img, dtype=np.float32)
    return padded_img, r


def make_grids(img_size, strides=(8, 16, 32)):
    grids, expanded_strides = [], []
    for stride in strides:
        hsize, wsize = img_size[0] // stride, img_size[1] // stride
        xv, yv = np.meshgrid(np.arange(wsize), np.arange(hsize))
        grid = np.stack((xv, yv), 2).reshape(1, -1, 2)
        grids.append(grid)
        expanded_strides.append(np.full((*grid.shape[:2], 1), stride))
    return np.concatenate(grids, 1), np.concatenate(expanded_strides, 1)


def demo_postprocess(outputs, grids, expanded_strides):
    outputs[..., :2] = (outputs[..., :2] + grids) * expanded_strides
    outputs[..., 2:4] = np.exp(outputs[..., 2:4]) * expanded_strides
    return outputs


def nms(boxes, scores, nms_thr):
    """Single-class NMS; torchvision's IoU (no +1) and rule (suppress IoU > thr)."""
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order[1:]])
        yy1 = np.maximum(y1[i], y1[order[1:]])
        xx2 = np.minimum(x2[i], x2[order[1:]])
        yy2 = np.minimum(y2[i], y2[order[1:]])
        w = np.maximum(0.0, xx2 - xx1)
        h = np.maximum(0.0, yy2 - yy1)
        inter = w * h
        ovr = inter / (areas[i] + areas[order[1:]] - inter)
        inds = np.where(ovr <= nms_thr)[0]
        order = order[inds + 1]
    return np.array(keep, dtype=np.int64)


def postprocess(output, ratio, grids, expanded_strides):
    predictions = demo_postprocess(output, grids, expanded_strides)[0]
    boxes = predictions[:, :4]
    scores = predictions[:, 4] * predictions[:, 5:].max(axis=1)
    mask = scores >= TEST_CONF
    boxes, scores = boxes[mask], scores[mask]
    boxes_xyxy = np.empty_like(boxes)
    boxes_xyxy[:, 0] = boxes[:, 0] - boxes[:, 2] / 2.0
    boxes_xyxy[:, 1] = boxes[:, 1] - boxes[:, 3] / 2.0
    boxes_xyxy[:, 2] = boxes[:, 0] + boxes[:, 2] / 2.0
    boxes_xyxy[:, 3] = boxes[:, 1] + boxes[:, 3] / 2.0
    keep = nms(boxes_xyxy, scores, NMS_THR)
    dets, sc = boxes_xyxy[keep] / ratio, scores[keep]
    pos = sc > 0.0
    return dets[pos], sc[pos]


def main():
    model, images_dir, size, out_csv = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    files = sorted(glob.glob(os.path.join(images_dir, "*")))
    input_shape = (size, size)
    t0 = time.perf_counter()
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    session.run(None, {input_name: np.full((1, 3, size, size), 114, np.float32)})
    load_s = time.perf_counter() - t0
    grids, expanded_strides = make_grids(input_shape)

    pre = onnx = post = 0.0
    rows = []
    start = time.perf_counter()
    for f in files:
        t1 = time.perf_counter()
        origin_img = cv2.cvtColor(np.array(Image.open(f)), cv2.COLOR_RGB2BGR)
        img, ratio = preproc(origin_img, input_shape)
        t2 = time.perf_counter()
        output = session.run(None, {input_name: img[None, :, :, :]})
        t3 = time.perf_counter()
        dets, scores = postprocess(output[0], ratio, grids, expanded_strides)
        rows.append((os.path.basename(f), dets, scores))
        t4 = time.perf_counter()
        pre += t2 - t1
        onnx += t3 - t2
        post += t4 - t3
    elapsed = time.perf_counter() - start

    n_boxes = 0
    with open(out_csv, "w") as out:
        for name, dets, scores in rows:
            for (x1, y1, x2, y2), s in zip(dets.tolist(), scores.tolist()):
                out.write(f"{name},{x1!r},{y1!r},{x2!r},{y2!r},{s!r}\n")
                n_boxes += 1
    n = len(files)
    print(f"python (PIL + OpenCV + onnxruntime + numpy): {n} images in {elapsed:.2f} s = {n / elapsed:.1f} images/s; "
          f"per image {pre / n * 1e3:.2f} ms pre, {onnx / n * 1e3:.2f} ms onnx, {post / n * 1e3:.2f} ms post; {n_boxes} boxes")
    print(json.dumps({"bench": "detect", "side": "python", "model": os.path.basename(model), "size": size, "images": n,
                      "boxes": n_boxes, "seconds": round(elapsed, 4), "images_per_s": round(n / elapsed, 2),
                      "pre_ms": round(pre / n * 1e3, 3), "onnx_ms": round(onnx / n * 1e3, 3), "post_ms": round(post / n * 1e3, 3),
                      "load_s": round(load_s, 3), "ort": onnxruntime.__version__, "cv2": cv2.__version__}))


if __name__ == "__main__":
    main()
