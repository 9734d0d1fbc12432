#!/usr/bin/env python3
"""PyTorch reference fixtures for @splitmask/core's primitives (packages/core/test/fixtures/ops.json).

Run with Debian's torch: `/usr/bin/python3 tools/fixtures_core_ops.py`. Every case holds its inputs,
the forward output and the gradients of L = sum(out * cot) with respect to every input (and the
layer's weight/bias), where `cot` is a fixed random cotangent, so a test checks value and vector-Jacobian
product. Layouts are those of the TS API: linear weight [in, out] (torch stores [out, in]).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "packages", "core", "test", "fixtures", "ops.json")


def t(x):
    x = x.detach().to(torch.float32)
    return {"shape": list(x.shape), "data": [float(f"{v:.8g}") for v in x.reshape(-1).tolist()]}


def ti(x):
    return {"shape": list(x.shape), "data": [int(v) for v in x.reshape(-1).tolist()]}


def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_(True)


def vjp(out, named):
    cot = torch.randn(out.shape)
    (out * cot).sum().backward()
    return cot, {k: t(v.grad) for k, v in named.items()}


def case(out, named, extra=None):
    cot, grads = vjp(out, named)
    d = {"inputs": {k: t(v) for k, v in named.items()}, "out": t(out), "cot": t(cot), "grads": grads}
    if extra:
        d.update(extra)
    return d


cases = {}

# LayerNorm over the last axis, eps 1e-6 (timm ViT); inputs with a large mean to exercise centering.
x = (torch.randn(2, 3, 16) * 3 + 5).requires_grad_(True)
w = leaf(16)
b = leaf(16)
cases["layerNorm"] = case(F.layer_norm(x, (16,), w, b, eps=1e-6), {"x": x, "weight": w, "bias": b})

# Exact (erf) GELU, nn.GELU() default; range covers both tails.
x = leaf(4, 25, scale=3.0)
cases["gelu"] = case(F.gelu(x), {"x": x})
x = leaf(4, 25, scale=3.0)
cases["geluTanh"] = case(F.gelu(x, approximate="tanh"), {"x": x})

# log-softmax with large logits (a naive exp would overflow float32).
x = leaf(3, 4, 10, scale=30.0)
cases["logSoftmax"] = case(F.log_softmax(x, dim=-1), {"x": x})

# Per-row cross-entropy with integer targets.
x = leaf(6, 11, scale=4.0)
tg = torch.randint(0, 11, (6,))
cases["crossEntropyPerRow"] = case(F.cross_entropy(x, tg, reduction="none"), {"logits": x}, {"targets": ti(tg)})

# Linear with weight [in, out] (torch's [out, in] transposed) and bias.
x = leaf(2, 5, 7)
w = leaf(7, 6)
b = leaf(6)
cases["linear"] = case(x @ w + b, {"x": x, "weight": w, "bias": b})

# Batched matmul [B, H, M, K] @ [B, H, K, N].
a = leaf(2, 3, 5, 4)
bb = leaf(2, 3, 4, 6)
cases["batchedMatMul"] = case(torch.matmul(a, bb), {"a": a, "b": bb})

# Scaled dot-product attention core, [B, H, N, Dh].
q = leaf(2, 2, 5, 4)
k = leaf(2, 2, 5, 4)
v = leaf(2, 2, 5, 4)
att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(4), dim=-1) @ v
cases["scaledDotAttention"] = case(att, {"q": q, "k": k, "v": v})

meta = {"torch": torch.__version__, "script": "tools/fixtures_core_ops.py", "seed": 0}
with open(OUT, "w") as f:
    json.dump({"meta": meta, "cases": cases}, f, separators=(",", ":"))
print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")
