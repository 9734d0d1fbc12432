"""The raw-pixel baselines of an exported split (export-split.mjs), computed with numpy and scikit-learn:
DINO's weighted k-NN on the flattened [0, 1] pixels, and StandardScaler + LogisticRegression(C) at each
label fraction and seed, C chosen on the validation split when there is one (else the first C).
An independent check of what fashion-mnist.mjs's `pixels` arm reports (fitLogisticRegression, knnClassify).

  /usr/bin/python3 packages/cli/experiments/sklearn-pixels.py /tmp/split
"""
import json
import os
import sys
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings('ignore')
d = sys.argv[1]
meta = json.load(open(os.path.join(d, 'split.json')))
P = meta['pixelsPerImage']


def load(k):
    if not os.path.exists(os.path.join(d, f'{k}.u8')):
        return None, None
    x = np.fromfile(os.path.join(d, f'{k}.u8'), np.uint8).reshape(-1, P).astype(np.float64) / 255
    return x, np.fromfile(os.path.join(d, f'{k}.labels.i32'), np.int32)


def knn(xa, ya, xb, yb, k, T, c=10):
    a = xa / np.maximum(np.linalg.norm(xa, axis=1, keepdims=True), 1e-12)
    b = xb / np.maximum(np.linalg.norm(xb, axis=1, keepdims=True), 1e-12)
    s = b @ a.T
    idx = np.argsort(-s, 1, kind='stable')[:, :k]
    w = np.exp(np.take_along_axis(s, idx, 1) / T)
    sc = np.zeros((len(b), c))
    for j in range(k):
        np.add.at(sc, (np.arange(len(b)), ya[idx[:, j]]), w[:, j])
    return (sc.argmax(1) == yb).mean() * 100


X, y = load('train')
Xv, yv = load('val')
Xt, yt = load('test')
out = {'knn': knn(X, y, Xt, yt, meta['knn']['k'], meta['knn']['temperature']), 'logreg': {}}
print(f"k-NN (k={meta['knn']['k']}, T={meta['knn']['temperature']}): {out['knn']:.2f}")
for f in meta['fractions']:
    accs = []
    for s in meta['seeds']:
        idx = np.fromfile(os.path.join(d, f'sub-{f}-{s}.i32'), np.int32)
        sc = StandardScaler().fit(X[idx])
        best = None
        for C in meta['Cs']:
            clf = LogisticRegression(C=C, max_iter=5000, tol=1e-6).fit(sc.transform(X[idx]), y[idx])
            v = (clf.predict(sc.transform(Xv)) == yv).mean() * 100 if Xv is not None and len(meta['Cs']) > 1 else 0
            if best is None or v > best[0]:
                best = (v, C, clf)
        acc = (best[2].predict(sc.transform(Xt)) == yt).mean() * 100
        accs.append(acc)
        out['logreg'][f'{f} {s}'] = {'C': best[1], 'top1': acc}
        print(f'logistic regression {f * 100:g}% seed {s}: C {best[1]} test {acc:.2f}', flush=True)
    print(f'  {f * 100:g}%: {np.mean(accs):.2f} ± {np.std(accs, ddof=1) if len(accs) > 1 else 0:.2f}')
json.dump(out, open(os.path.join(d, 'sklearn-pixels.json'), 'w'), indent=1)
