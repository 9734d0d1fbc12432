#!/usr/bin/env python3
"""PyTorch reference timings for packages/core/bench (the same cases and shapes, float32, CPU).

Usage: /usr/bin/python3 tools/bench_torch.py cases.json  ->  JSON {"torch": version, "ms": {id: ms}}
Each case is timed like the tfjs runner: two warm-up calls, then the median of >= 3 calls and >= 0.25 s (at most 15).
torch.set_num_threads(1) as in BACKENDS.md (Debian's torch with libopenblas0-pthread: OpenBLAS threads by
itself, and 2 torch threads oversubscribe the 2 cores).
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
MIN_S = 0.25


def median_ms(fn):
    fn()
    fn()
    times = []
    t0 = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - t0 < MIN_S and len(times) < 15):
        s = time.perf_counter()
        fn()
        times.append((time.perf_counter() - s) * 1e3)
    times.sort()
    return times[len(times) // 2]


def fwd_bwd(f, *shapes):
    xs = [torch.randn(*s, requires_grad=True) for s in shapes]

    def run():
        for x in xs:
            x.grad = None
        f(*xs).sum().backward()

    return run


def runner(c):
    op, s = c["op"], c["shape"]
    if op == "matmul":
        m, k, n = s
        a, b = torch.randn(m, k), torch.randn(k, n)
        return lambda: torch.mm(a, b)
    if op == "linear":
        r, i, o = s
        return fwd_bwd(lambda x, w, b: x @ w + b, (r, i), (i, o), (o,))
    if op == "bmm":
        bn, m, k, n = s
        return fwd_bwd(torch.bmm, (bn, m, k), (bn, k, n))
    if op == "layerNorm":
        r, d = s
        return fwd_bwd(lambda x, w, b: F.layer_norm(x, (d,), w, b, eps=1e-6), (r, d), (d,), (d,))
    if op == "sumRows":
        x = torch.randn(*s)
        return lambda: x.sum(0)
    if op == "gelu":
        return fwd_bwd(F.gelu, tuple(s))
    raise ValueError(f"unknown op {op}")


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    out = {}
    for c in cases:
        if c["id"] not in out:
            out[c["id"]] = median_ms(runner(c))
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": out}, sys.stdout)


if __name__ == "__main__":
    main()
