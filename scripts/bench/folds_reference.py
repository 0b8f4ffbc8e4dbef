"""Reference for the folds benchmark: iterstrat on the 23-class indicator matrix of a
train.csv (images sorted by NAME), as the winning recipe ran it. Prints seconds and writes the folds.

usage: folds_reference.py TRAIN_CSV OUT_TXT
"""
import sys
import time

import numpy as np
import pandas as pd
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

CLASSES = ["PNN", "LY", "MO", "EO", "BA", "Er", "PM", "Thromb", "LAM3", "Lysee", "LyB", "LLC",
           "MBL", "LGL", "B", "M", "MM", "LF", "MoB", "LH_lyAct", "LM", "LZMG", "SS"]

df = pd.read_csv(sys.argv[1])
names = sorted(df["NAME"].unique())
index = {n: i for i, n in enumerate(names)}
y = np.zeros((len(names), len(CLASSES)), dtype=np.int32)
cls = {c: i for i, c in enumerate(CLASSES)}
for n, c in zip(df["NAME"], df["class"]):
    y[index[n], cls[c]] = 1
X = np.zeros(len(names))
start = time.perf_counter()
folds = np.zeros(len(names), dtype=np.int64)
for f, (_, test) in enumerate(MultilabelStratifiedKFold(n_splits=4, shuffle=True, random_state=42).split(X, y)):
    folds[test] = f
elapsed = time.perf_counter() - start
with open(sys.argv[2], "w") as out:
    for n, f in zip(names, folds):
        out.write(f"{n},{f}\n")
print(f"iterstrat: {len(names)} images x {len(CLASSES)} labels in {elapsed:.3f} s")
