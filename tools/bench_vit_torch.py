#!/usr/bin/python3
"""PyTorch reference for packages/vit/bench/run.mjs: same configs, same step (CE on the head), one
thread (`torch.set_num_threads(1)`; OpenBLAS threads by itself, see BACKENDS.md).
Usage: /usr/bin/python3 tools/bench_vit_torch.py [ti4,s16b8,...] [out.json]
  → packages/vit/bench-results/vit-torch.json (or out.json). With OPENBLAS_NUM_THREADS=1 it measures a
  strictly single-threaded reference (what a single-threaded wasm step is compared with per core).
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixtures_vit import VisionTransformer  # noqa: E402  (timm-identical module tree)

torch.set_num_threads(1)
BASE = dict(mlpRatio=4, qkvBias=True, dropPathRate=0, posEmbed='learned', numClasses=10, pool='cls',
            fcNorm=False, layerScaleInit=0, inChans=3)
CASES = {
    'ti4': (dict(BASE, imageSize=32, patchSize=4, embedDim=192, depth=12, numHeads=3), 64),
    's16b8': (dict(BASE, imageSize=224, patchSize=16, embedDim=384, depth=12, numHeads=6), 8),
    's16b32': (dict(BASE, imageSize=224, patchSize=16, embedDim=384, depth=12, numHeads=6), 32),
}
STEPS = 3


def timed(fn):
    """Median wall time and mean process CPU time (all threads; OpenBLAS may use both cores)."""
    times, cpu = [], 0.0
    for i in range(STEPS + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        if i > 0:
            times.append(time.perf_counter() - t0)
            cpu += time.process_time() - c0
    return sorted(times)[len(times) // 2], cpu / STEPS


def run(name):
    c, b = CASES[name]
    model = VisionTransformer(c)
    S, L = c['imageSize'], (c['imageSize'] // c['patchSize']) ** 2
    x = torch.rand(b, 3, S, S)
    y = torch.arange(b) % 10
    vis = torch.stack([torch.randperm(L)[:L // 2].sort().values for _ in range(b)])
    out = {'case': name, 'batch': b}
    for mode, v in [('full', None), ('half', vis)]:
        loss = lambda: F.cross_entropy(model.head(model.pool(model.forward_features(x, v))), y)  # noqa: E731
        with torch.no_grad():
            fwd, fwd_cpu = timed(loss)

        def step():
            model.zero_grad(set_to_none=True)
            loss().backward()
        st, st_cpu = timed(step)
        # ru_maxrss (KiB on Linux) is the process's peak so far: cases run in order, so it is an upper bound.
        out[mode] = {'fwdImgsPerSec': b / fwd, 'trainImgsPerSec': b / st, 'trainImgsPerCpuSec': b / st_cpu,
                     'fwdMs': fwd * 1e3, 'stepMs': st * 1e3, 'stepCpuMs': st_cpu * 1e3,
                     'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        print(f"torch {name} b={b} {mode}: fwd {b / fwd:.1f} img/s, fwd+bwd {b / st:.2f} img/s", flush=True)
    return out


if __name__ == '__main__':
    names = sys.argv[1].split(',') if len(sys.argv) > 1 else ['ti4']
    out_name = sys.argv[2] if len(sys.argv) > 2 else 'vit-torch.json'
    res = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'loadavg': os.getloadavg(),
           'openblasThreads': os.environ.get('OPENBLAS_NUM_THREADS', 'default'),
           'results': [run(n) for n in names]}
    d = os.path.join(os.path.dirname(__file__), '..', 'packages', 'vit', 'bench-results')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, out_name), 'w') as f:
        json.dump(res, f, indent=2)
