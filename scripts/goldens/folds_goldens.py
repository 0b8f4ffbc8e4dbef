#!/usr/bin/env python3
"""Generate golden files for the `folds` kernels (udfs/src/folds/).

Reference implementations:
  * iterstrat.ml_stratifiers.MultilabelStratifiedKFold(n_splits=k, shuffle=True,
    random_state=seed)  (PyPI `iterative-stratification`)
  * numpy legacy RandomState(seed): randint / choice / shuffle
  * pandas.cut(x, bins=k, labels=False)

Usage (from the repository root, inside a venv with
`pip install numpy pandas scikit-learn iterative-stratification`):

    python scripts/goldens/folds_goldens.py [--out tests/goldens/folds] \
        [--train-csv /work/shared/data/train.csv]

Outputs (all deterministic):
  versions.json     library versions used + iterstrat timing on the real matrix
  rng.json          numpy RandomState draws for a few seeds
  kfold_cases.json  random label matrices + iterstrat folds (+ error cases)
  real_labels.txt   48,417 image rows (NAME ascending), each line = comma-separated
                    class indices (class order in CLASSES below)
  real_folds.txt    one digit per image row: iterstrat fold, k=4, seed=42
  cut_bin.json      pandas.cut cases; floats stored as IEEE-754 bit patterns (hex)
"""
import argparse
import csv
import json
import os
import struct
import sys
import time
from importlib.metadata import version

import numpy as np
import pandas as pd
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold, IterativeStratification
from sklearn.utils import check_random_state

CLASSES = ["PNN", "LY", "MO", "EO", "BA", "Er", "PM", "Thromb", "LAM3", "Lysee", "LyB",
           "LLC", "MBL", "LGL", "B", "M", "MM", "LF", "MoB", "LH_lyAct", "LM", "LZMG", "SS"]
SEEDS = [0, 1, 42, 2024, 4294967295]


def f2hex(x):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", float(x)))[0]


def folds_public(y, k, seed):
    """Fold per row via the public API (test set membership)."""
    n = y.shape[0]
    folds = np.full(n, -1, dtype=np.int64)
    mskf = MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for f, (_, test) in enumerate(mskf.split(np.zeros((n, 1)), y)):
        assert (folds[test] == -1).all()
        folds[test] = f
    assert (folds >= 0).all()
    return folds


def folds_internal(y, k, seed):
    """Exactly MultilabelStratifiedKFold._make_test_folds minus the
    type_of_target check (which rejects a single label column as 'binary')."""
    y = np.asarray(y, dtype=bool)
    n = y.shape[0]
    rng = check_random_state(seed)
    indices = np.arange(n)
    rng.shuffle(indices)
    y = y[indices]
    r = np.asarray([1 / k] * k)
    tf = IterativeStratification(labels=y, r=r, random_state=rng)
    return tf[np.argsort(indices)]


def gen_rng():
    out = []
    highs = [2, 3, 5, 7, 10, 17, 100, 1000, 2**31 + 5, 2**32 - 1, 2**32, 2**33 + 7, 2**40]
    for seed in SEEDS:
        rs = np.random.RandomState(seed)
        raw = [int(rs.randint(0, 2**32, dtype=np.int64)) for _ in range(20)]
        rs = np.random.RandomState(seed)
        rint = []
        for i in range(20):
            for h in highs:
                rint.append([h, int(rs.randint(0, h))])
        rs = np.random.RandomState(seed)
        choice = []
        for i in range(20):
            for n in [1, 2, 3, 4, 5, 10]:
                choice.append([n, int(rs.choice(n))])
        rs = np.random.RandomState(seed)
        shuffles = []
        for n in [1, 2, 3, 10, 20, 50]:
            a = np.arange(n)
            rs.shuffle(a)
            shuffles.append([int(v) for v in a])
        out.append({"seed": seed, "raw_u32": raw, "randint": rint, "choice": choice,
                    "shuffle": shuffles})
    return out


def random_matrix(g, n, L, kind):
    if kind == "sparse":
        p = g.uniform(0.01, 0.15, size=L)
        y = (g.random((n, L)) < p).astype(np.int64)
    elif kind == "dense":
        p = g.uniform(0.3, 0.8, size=L)
        y = (g.random((n, L)) < p).astype(np.int64)
    elif kind == "onehot":  # one label per row (like most smear images)
        probs = g.dirichlet(np.ones(L) * 0.7)
        y = np.zeros((n, L), dtype=np.int64)
        y[np.arange(n), g.choice(L, size=n, p=probs)] = 1
    elif kind == "ints":  # small integers (counts) to check the bool cast
        y = g.poisson(g.uniform(0.05, 1.5, size=L), size=(n, L)).clip(0, 3).astype(np.int64)
    elif kind == "zeros_ones":  # many all-zero rows, an all-one column, an all-zero column
        y = (g.random((n, L)) < 0.1).astype(np.int64)
        y[g.random(n) < 0.4] = 0
        if L >= 2:
            y[:, g.integers(L)] = 1
        if L >= 3:
            y[:, (g.integers(L - 1) + 1) % L] = 0
    elif kind == "allzero":
        y = np.zeros((n, L), dtype=np.int64)
    elif kind == "ties":  # few distinct rows, many identical label counts -> many random ties
        base = (g.random((4, L)) < 0.5).astype(np.int64)
        y = base[g.integers(4, size=n)]
    else:
        raise ValueError(kind)
    return y


def gen_kfold():
    g = np.random.default_rng(20240601)
    shapes = [(5, 2), (6, 1), (7, 3), (10, 2), (12, 5), (20, 1), (25, 4), (33, 7), (50, 3),
              (64, 10), (100, 2), (128, 30), (200, 6), (257, 12), (400, 23), (500, 1),
              (750, 15), (1000, 5), (1500, 30), (2000, 23)]
    kinds = ["sparse", "dense", "onehot", "ints", "zeros_ones", "ties", "allzero"]
    ks = [2, 3, 4, 5, 10]
    cases = []
    i = 0
    for rep in range(3):
        for (n, L) in shapes:
            kind = kinds[i % len(kinds)] if not (rep == 2 and i % 11 == 0) else "allzero"
            k = ks[(i * 3 + rep) % len(ks)]
            if k > n:
                k = 2
            seed = SEEDS[(i + rep * 2) % len(SEEDS)]
            i += 1
            y = random_matrix(g, n, L, kind)
            internal = folds_internal(y, k, seed)
            if L >= 2:
                public = folds_public(y, k, seed)
                assert (public == internal).all()
                via = "public"
            else:
                try:
                    folds_public(y, k, seed)
                    raise AssertionError("expected iterstrat to reject a single label column")
                except ValueError:
                    pass
                via = "internal (iterstrat rejects 1 label column as 'binary')"
            cases.append({"n": n, "labels": L, "k": k, "seed": seed, "kind": kind, "via": via,
                          "y": ["".join(str(int(v)) for v in row) for row in y],
                          "folds": "".join(str(int(f)) for f in internal)})
    # error cases (sklearn raises ValueError)
    errors = []
    y = (g.random((5, 3)) < 0.5).astype(np.int64)
    for k in [1, 6, 10]:
        try:
            if k < 2:
                MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=0)
            folds_public(y, k, 0)
            raise AssertionError("expected error")
        except ValueError as e:
            errors.append({"k": k, "y": ["".join(str(int(v)) for v in row) for row in y],
                           "message": str(e)})
    return cases, errors


def gen_real(train_csv, out):
    per = {}
    with open(train_csv, newline="") as fh:
        for row in csv.DictReader(fh):
            per.setdefault(row["NAME"], set()).add(CLASSES.index(row["class"]))
    names = sorted(per)
    y = np.zeros((len(names), len(CLASSES)), dtype=np.int64)
    for i, nm in enumerate(names):
        for c in per[nm]:
            y[i, c] = 1
    with open(os.path.join(out, "real_labels.txt"), "w") as fh:
        for nm in names:
            fh.write(",".join(str(c) for c in sorted(per[nm])) + "\n")
    t0 = time.perf_counter()
    folds = folds_public(y, 4, 42)
    dt = time.perf_counter() - t0
    with open(os.path.join(out, "real_folds.txt"), "w") as fh:
        fh.write("".join(str(int(f)) for f in folds) + "\n")
    return {"rows": len(names), "labels": len(CLASSES), "k": 4, "seed": 42,
            "iterstrat_seconds": round(dt, 3), "fold_sizes": np.bincount(folds).tolist()}


def gen_cut():
    g = np.random.default_rng(7)
    datasets = [
        g.normal(10, 3, 30), g.uniform(-5, 5, 25), g.integers(0, 20, 40).astype(float),
        np.array([0.0, 1.0]), np.array([0.1, 0.2, 0.3, 0.7]), np.array([-1e9, 3.0, 1e9]),
        np.array([1e-300, 2e-300, 5e-300]), np.array([5e-324, 1e-323, 2e-323]),
        np.array([1.0, 1.0 + 2**-52]), np.array([3.0, np.nan, 7.0, 5.0]),
        np.array([123456.789, 123456.79]), g.exponential(2.0, 20),
        # degenerate ranges (mn == mx)
        np.array([5.0, 5.0, 5.0]), np.array([0.0]), np.array([-2.5, -2.5]), np.array([1e-12]),
        np.array([7.0, np.nan, 7.0]),
    ]
    cases = []
    for d in datasets:
        lo, hi = np.nanmin(d), np.nanmax(d)
        for k in [1, 2, 3, 4, 5, 7, 10]:
            try:
                res, bins = pd.cut(d, bins=k, labels=False, retbins=True)
            except ValueError as e:
                # pandas raises (e.g. non-unique edges for denormal data): cut_bin -> None
                cases.append({"lo": f2hex(lo), "hi": f2hex(hi), "k": k,
                              "lo_repr": repr(float(lo)), "hi_repr": repr(float(hi)),
                              "raises": str(e).splitlines()[0],
                              "x": [f2hex(x) for x in d], "expected": [None] * len(d)})
                continue
            # values from the data itself (authoritative path: bins=int)
            xs = list(d)
            exp = [None if np.isnan(v) else int(v) for v in res]
            # interior edges and neighbours, inside [lo, hi] -> add to data, same min/max
            probes = []
            for e in bins:
                for p in (e, np.nextafter(e, -np.inf), np.nextafter(e, np.inf)):
                    if lo <= p <= hi:
                        probes.append(p)
            if probes and lo < hi:
                res2 = pd.cut(np.concatenate([d, probes]), bins=k, labels=False)
                xs += probes
                exp += [None if np.isnan(v) else int(v) for v in res2[len(d):]]
            # outside / first-edge probes: same edges through the explicit-bins path
            outs = [bins[0], np.nextafter(bins[0], -np.inf), np.nextafter(bins[0], np.inf),
                    np.nextafter(bins[-1], np.inf), lo - 1.0, hi + 1.0, np.inf, -np.inf, np.nan]
            if lo == hi:
                outs += [lo, bins[-1], np.nextafter(bins[-1], -np.inf)]
            res3 = pd.cut(np.array(outs), bins=bins, labels=False)
            xs += outs
            exp += [None if np.isnan(v) else int(v) for v in res3]
            cases.append({"lo": f2hex(lo), "hi": f2hex(hi), "k": k,
                          "lo_repr": repr(float(lo)), "hi_repr": repr(float(hi)),
                          "bins": [f2hex(b) for b in bins],
                          "x": [f2hex(x) for x in xs], "expected": exp})
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/goldens/folds")
    ap.add_argument("--train-csv", default="/work/shared/data/train.csv")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    def dump(name, obj):
        with open(os.path.join(a.out, name), "w") as fh:
            json.dump(obj, fh, separators=(",", ":"))
            fh.write("\n")

    dump("rng.json", gen_rng())
    cases, errors = gen_kfold()
    dump("kfold_cases.json", {"cases": cases, "errors": errors})
    dump("cut_bin.json", gen_cut())
    real = gen_real(a.train_csv, a.out)
    vers = {p: version(p) for p in ["numpy", "pandas", "scikit-learn", "iterative-stratification"]}
    vers["python"] = sys.version.split()[0]
    dump("versions.json", {"versions": vers, "real": real,
                           "n_kfold_cases": len(cases), "n_kfold_errors": len(errors)})
    print(json.dumps({"versions": vers, "real": real, "kfold": len(cases)}, indent=1))


if __name__ == "__main__":
    main()
