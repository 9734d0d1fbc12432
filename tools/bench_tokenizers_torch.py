#!/usr/bin/env python3
"""PyTorch baseline for packages/tokenizers/bench/run.mjs: the same shapes, the same algorithms.

Run with Debian's torch + OpenBLAS: `/usr/bin/python3 tools/bench_tokenizers_torch.py [--quick]`.
Writes packages/tokenizers/bench-results/torch.json; run.mjs reads it and reports tfjs/torch ratios.
"""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixtures_tokenizers import Encoder, map_pixels  # noqa: E402

torch.set_num_threads(1)  # OpenBLAS threads by itself (BACKENDS.md)
QUICK = "--quick" in sys.argv
OUT = os.path.join(os.path.dirname(__file__), "..", "packages", "tokenizers", "bench-results", "torch.json")
results = []


def median_ms(fn, reps):
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)


def log(r):
    results.append(r)
    print(json.dumps(r))


def tokenize(images, codebook, p):
    b, h, w, c = images.shape
    x = (images - 0.5) / 0.5
    x = x.reshape(b, h // p, p, w // p, p, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, p * p * c)
    return (x @ codebook).argmax(1).reshape(b, h // p, w // p)


with torch.no_grad():
    for name, size, p, v, b in [
        ("codebook-112px-p8-V8192", 112, 8, 8192, 4 if QUICK else 32),
        ("codebook-16px-p2-V512", 16, 2, 512, 64),
        ("codebook-224px-p16-V8192", 224, 16, 8192, 2 if QUICK else 16),
    ]:
        cb = F.normalize(torch.rand(v, p * p * 3) * 2 - 1, dim=1).t().contiguous()
        x = torch.rand(b, size, size, 3)
        ms = median_ms(lambda: tokenize(x, cb, p), 2 if QUICK else 5)
        log({"case": f"tokenize {name}", "batch": b, "ms": ms, "imagesPerSec": 1000 * b / ms})

    kw = dict(n_hid=64, vocab_size=512) if QUICK else {}
    enc = Encoder(**kw).eval()
    b = 1 if QUICK else 2
    x = torch.rand(b, 3, 112, 112)
    ms = median_ms(lambda: enc(map_pixels(x)).argmax(1), 1 if QUICK else 2)
    log({"case": f"tokenize dalle-112px{'-nHid64' if QUICK else ''}", "batch": b, "ms": ms, "imagesPerSec": 1000 * b / ms})

    n, d, v = (20_000 if QUICK else 100_000), 192, 1024
    pts = F.normalize(torch.randn(n, d), dim=1)
    c = pts[torch.randperm(n)[:v]].clone()

    def lloyd():
        s = pts @ c.t()
        best, ids = s.max(1)
        sums = torch.zeros(v, d).index_add_(0, ids, pts)
        counts = torch.bincount(ids, minlength=v)
        inertia = (2 - 2 * best).sum().item()
        return F.normalize(sums, dim=1), counts, inertia

    ms = median_ms(lloyd, 1 if QUICK else 3)
    log({"case": f"kmeans iteration N={n} P={d} V={v}", "ms": ms})

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "quick": QUICK, "results": results}, f, indent=2)
