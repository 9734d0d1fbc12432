#!/usr/bin/env python3
"""Reference fixtures for @splitmask/tokenizers (packages/tokenizers/test/fixtures/).

Run with Debian's torch: `/usr/bin/python3 tools/fixtures_tokenizers.py`.

- tokenize.json: images, a unit codebook [P, V] and a per-channel normalisation; the patches
  (row, column, channel order) and token ids computed in float64 numpy (argmax of dot product).
- kmeans.json: unit points, initial centroids (one of them, -e0, attracts no point, so the empty-cluster
  re-seeding runs) and the spherical Lloyd iterations run in float64 numpy: inertia per iteration,
  final centroids and the last assignment.
- dalle_small.safetensors + dalle_small.json: the DALL-E dVAE encoder (openai/DALL-E dall_e/encoder.py,
  rebuilt here in torch with small widths) with random weights and biases, converted by
  tools/convert_dalle.py from a *pickled module* whose `dall_e` classes are absent at load time (the
  path real users take with encoder.pkl); an input in [0, 1], the logits of encoder(map_pixels(x))
  (NHWC) and the argmax tokens.
"""
import json
import math
import os
import sys
import tempfile
import types
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import convert_dalle  # noqa: E402

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), "..", "packages", "tokenizers", "test", "fixtures")
os.makedirs(OUT, exist_ok=True)


def arr(x, digits=9):
    return [float(f"{v:.{digits}g}") for v in np.asarray(x, dtype=np.float64).reshape(-1)]


def dump(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    print(name, os.path.getsize(os.path.join(OUT, name)), "bytes")


# ---------------------------------------------------------------- tokenize
def patches_np(images, p, mean, std):
    b, h, w, c = images.shape
    x = (images - mean) / std
    x = x.reshape(b, h // p, p, w // p, p, c).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(b * (h // p) * (w // p), p * p * c)


def tokenize_fixture():
    rng = np.random.default_rng(1)
    p, v = 8, 37
    mean = np.array([0.485, 0.456, 0.406])
    std = np.array([0.229, 0.224, 0.225])
    images = rng.random((2, 16, 24, 3)).astype(np.float32).astype(np.float64)
    cb = rng.uniform(-1, 1, (v, p * p * 3))
    cb = (cb / np.linalg.norm(cb, axis=1, keepdims=True)).astype(np.float32).astype(np.float64)
    x = patches_np(images, p, mean, std)
    s = x @ cb.T
    top2 = np.sort(s, axis=1)[:, -2:]
    assert (top2[:, 1] - top2[:, 0]).min() > 1e-3, "near tie: change the seed"
    dump("tokenize.json", {
        "patchSize": p, "vocabSize": v, "mean": mean.tolist(), "std": std.tolist(),
        "images": {"shape": list(images.shape), "data": arr(images)},
        "codebook": {"shape": [p * p * 3, v], "data": arr(cb.T)},
        "patches": {"shape": list(x.shape), "data": arr(x)},
        "tokens": {"shape": [2, 2, 3], "data": s.argmax(1).astype(int).tolist()},
    })


# ---------------------------------------------------------------- k-means
def spherical_kmeans(x, init, iterations):
    """Spherical Lloyd, the algorithm of packages/tokenizers/src/kmeans.ts written independently."""
    c = init.copy()
    inertia, prev, reseeded, it, labels = [], None, 0, 0, None
    while it < iterations:
        s = x @ c.T
        labels = s.argmax(1)
        best = s[np.arange(len(x)), labels]
        d2 = ((x - c[labels]) ** 2).sum(1)
        inertia.append(float(d2.sum()))
        changed = len(x) if prev is None else int((prev != labels).sum())
        empty = []
        for k in range(len(c)):
            members = x[labels == k]
            if len(members) == 0:
                empty.append(k)
                continue
            m = members.sum(0)
            c[k] = m / np.linalg.norm(m)
        far = np.argsort(best, kind="stable")[: len(empty)]
        if len(empty):
            order = np.sort(best)
            assert order[len(empty)] - order[len(empty) - 1] > 1e-4, "farthest-point tie: change the seed"
        for k, i in zip(empty, far):
            c[k] = x[i]
        reseeded += len(empty)
        it += 1
        if prev is not None and changed == 0 and not empty:
            break
        prev = labels
    return c, inertia, labels, it, reseeded


def kmeans_fixture():
    rng = np.random.default_rng(2)
    n, d, k, true_k = 240, 12, 6, 5
    centers = rng.normal(size=(true_k, d))
    centers[:, 0] = np.abs(centers[:, 0]) + 4.0  # every point ends with x0 > 0.5, so -e0 wins no point
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    x = centers[rng.integers(0, true_k, n)] + 0.25 * rng.normal(size=(n, d))
    x[:, 0] = np.maximum(x[:, 0], 0.6 * np.linalg.norm(x[:, 1:], axis=1))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32).astype(np.float64)
    assert (x[:, 0] > 0.5).all()
    init = x[rng.choice(n, k - 1, replace=False)].copy()
    init = np.concatenate([init, -np.eye(d)[:1]])
    # sanity: sklearn's inertia for the same centroids is the same quantity at iteration 0
    from sklearn.metrics import pairwise_distances_argmin_min

    _, dist = pairwise_distances_argmin_min(x, init)
    iterations = 8
    c, inertia, labels, it, reseeded = spherical_kmeans(x, init, iterations)
    assert reseeded >= 1
    # the assignment by max cosine equals sklearn's nearest-centroid for unit vectors at iteration 0
    assert abs(inertia[0] - (dist ** 2).sum()) < 1e-9 * inertia[0]
    dump("kmeans.json", {
        "dim": d, "k": k, "iterations": iterations,
        "points": {"shape": [n, d], "data": arr(x)},
        "init": {"shape": [k, d], "data": arr(init)},
        "inertia": inertia, "iterationsRun": it, "emptyClustersReseeded": reseeded,
        "centroids": {"shape": [k, d], "data": arr(c)},
        "assignments": labels.astype(int).tolist(),
    })


# ---------------------------------------------------------------- DALL-E encoder
class Conv2d(nn.Module):
    def __init__(self, n_in, n_out, kw):
        super().__init__()
        self.kw = kw
        self.w = nn.Parameter(torch.randn(n_out, n_in, kw, kw) / math.sqrt(n_in * kw * kw))
        self.b = nn.Parameter(0.1 * torch.randn(n_out))  # the reference zero-inits; random tests more

    def forward(self, x):
        return F.conv2d(x, self.w, self.b, padding=(self.kw - 1) // 2)


class EncoderBlock(nn.Module):
    def __init__(self, n_in, n_out, n_layers):
        super().__init__()
        n_hid = n_out // 4
        self.post_gain = 1 / (n_layers ** 2)
        self.id_path = Conv2d(n_in, n_out, 1) if n_in != n_out else nn.Identity()
        self.res_path = nn.Sequential(OrderedDict([
            ("relu_1", nn.ReLU()), ("conv_1", Conv2d(n_in, n_hid, 3)),
            ("relu_2", nn.ReLU()), ("conv_2", Conv2d(n_hid, n_hid, 3)),
            ("relu_3", nn.ReLU()), ("conv_3", Conv2d(n_hid, n_hid, 3)),
            ("relu_4", nn.ReLU()), ("conv_4", Conv2d(n_hid, n_out, 1))]))

    def forward(self, x):
        return self.id_path(x) + self.post_gain * self.res_path(x)


class Encoder(nn.Module):
    def __init__(self, group_count=4, n_hid=256, n_blk_per_group=2, input_channels=3, vocab_size=8192):
        super().__init__()
        n_layers = group_count * n_blk_per_group
        groups = [("input", Conv2d(input_channels, n_hid, 7))]
        width = n_hid
        for g in range(1, group_count + 1):
            out = 2 ** (g - 1) * n_hid
            layers = [(f"block_{i + 1}", EncoderBlock(width if i == 0 else out, out, n_layers))
                      for i in range(n_blk_per_group)]
            width = out
            if g < group_count:
                layers.append(("pool", nn.MaxPool2d(kernel_size=2)))
            groups.append((f"group_{g}", nn.Sequential(OrderedDict(layers))))
        groups.append(("output", nn.Sequential(OrderedDict([
            ("relu", nn.ReLU()), ("conv", Conv2d(width, vocab_size, 1))]))))
        self.blocks = nn.Sequential(OrderedDict(groups))

    def forward(self, x):
        return self.blocks(x)


def map_pixels(x, eps=0.1):
    return (1 - 2 * eps) * x + eps


def dalle_fixture():
    torch.manual_seed(3)
    cfg = dict(group_count=4, n_hid=8, n_blk_per_group=1, input_channels=3, vocab_size=32)
    enc = Encoder(**cfg).eval()
    # Pickle the whole module as if its classes lived in `dall_e.*`, then convert it with those classes
    # unavailable: the path of the real encoder.pkl.
    fake = types.ModuleType("dall_e.encoder")
    for cls in (Conv2d, EncoderBlock, Encoder):
        cls.__module__ = "dall_e.encoder"
        setattr(fake, cls.__name__, cls)
    sys.modules["dall_e"] = types.ModuleType("dall_e")
    sys.modules["dall_e.encoder"] = fake
    with tempfile.TemporaryDirectory() as tmp:
        pkl = os.path.join(tmp, "encoder.pkl")
        torch.save(enc, pkl)
        del sys.modules["dall_e"], sys.modules["dall_e.encoder"]
        enc_cfg = convert_dalle.convert(pkl, os.path.join(OUT, "dalle_small.safetensors"))
    assert enc_cfg == {"groupCount": 4, "nHid": 8, "nBlkPerGroup": 1, "inputChannels": 3, "vocabSize": 32}, enc_cfg
    print("dalle_small.safetensors", os.path.getsize(os.path.join(OUT, "dalle_small.safetensors")), "bytes")
    x = torch.rand(2, 3, 16, 24)
    with torch.no_grad():
        logits = enc(map_pixels(x))  # [B, V, h, w]
    dump("dalle_small.json", {
        "images": {"shape": [2, 16, 24, 3], "data": arr(x.permute(0, 2, 3, 1).numpy())},
        "logits": {"shape": [2, 2, 3, 32], "data": arr(logits.permute(0, 2, 3, 1).numpy())},
        "tokens": {"shape": [2, 2, 3], "data": logits.argmax(1).reshape(-1).tolist()},
    })
    n = sum(p.numel() for p in Encoder().parameters())
    print(f"full DALL-E encoder: {n} parameters ({n * 4 / 1e6:.0f} MB as float32)")


if __name__ == "__main__":
    tokenize_fixture()
    kmeans_fixture()
    dalle_fixture()
