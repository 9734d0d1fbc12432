#!/usr/bin/env python3
"""Reference fixtures for @splitmask/core state: safetensors, half floats, AdamW, clipping, schedules.

Run with Debian's Python (torch + numpy), from the repository root:

    SPLITMASK_WRITE_FIXTURES=1 pnpm --filter @splitmask/core exec vitest run src/io/safetensors.test.ts
    /usr/bin/python3 tools/fixtures_core_state.py

The first command makes our TypeScript encoder write test/fixtures/state_ts_written.safetensors; this
script then parses that file with its own numpy-only reader and checks it byte for byte against its own
writer (a transcription of the Rust `safetensors` serializer; the `safetensors` Python package is not
used). The committed file is re-encoded byte-identically by a test, so "files we write load in Python"
stays checked without running Python in tests.

Outputs (packages/core/test/fixtures/):
  state_half.json                    float32 bits -> F16 bits (numpy) and BF16 bits (torch), RNE
  state_py_written.safetensors       every dtype, written by the Python writer below
  state_py_written.json              the values in that file
  state_adamw.json                   torch.optim.AdamW, 10 steps, two param groups, lr changing per step
  state_clip.json                    torch.nn.utils.clip_grad_norm_ (and a per-tensor loop)
  state_schedules.json               BEiT utils.cosine_scheduler, reimplemented verbatim
  state_layer_decay.json             BEiT get_layer_id_for_vit / layer scales
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch

torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "packages", "core", "test", "fixtures")

# ---------------------------------------------------------------- safetensors (numpy only)
# Rust's Dtype enum order (derived Ord) and element sizes, for the dtypes used here.
RANK = {"BOOL": 0, "U8": 1, "F16": 7, "BF16": 8, "I32": 9, "F32": 11, "I64": 13}
SIZE = {"BOOL": 1, "U8": 1, "F16": 2, "BF16": 2, "I32": 4, "F32": 4, "I64": 8}


def bf16_bits(values):
    t = torch.tensor(np.asarray(values, dtype=np.float32)).to(torch.bfloat16)
    return t.view(torch.int16).numpy().astype(np.uint16)


def tensor_bytes(dtype, values):
    a = np.asarray(values)
    if dtype == "F32":
        return a.astype("<f4").tobytes()
    if dtype == "F16":
        return a.astype(np.float32).astype("<f2").tobytes()
    if dtype == "BF16":
        return bf16_bits(a).astype("<u2").tobytes()
    if dtype == "I32":
        return a.astype("<i4").tobytes()
    if dtype == "I64":
        return a.astype("<i8").tobytes()
    if dtype in ("U8", "BOOL"):
        return a.astype("u1").tobytes()
    raise ValueError(dtype)


def write_safetensors(tensors, metadata=None):
    """tensors: {name: (dtype, shape, values)}. Transcribes safetensors' Rust `prepare` + `serialize`."""
    order = sorted(tensors.items(), key=lambda kv: (-RANK[kv[1][0]], kv[0].encode("utf-8")))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset, blobs = 0, []
    for name, (dtype, shape, values) in order:
        b = tensor_bytes(dtype, values)
        assert len(b) == int(np.prod(shape, dtype=np.int64)) * SIZE[dtype], name
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    js = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    return struct.pack("<Q", len(js)) + js + b"".join(blobs)


def read_safetensors(buf):
    """numpy-only reader with Rust's validation; returns ({name: (dtype, shape, ndarray)}, metadata)."""
    (n,) = struct.unpack("<Q", buf[:8])
    assert n <= 100_000_000 and 8 + n <= len(buf)
    header = json.loads(buf[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    np_dtype = {"F32": "<f4", "F16": "<f2", "BF16": "<u2", "I32": "<i4", "I64": "<i8", "U8": "u1", "BOOL": "u1"}
    out, expected = {}, 0
    data = buf[8 + n :]
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        b, e = info["data_offsets"]
        assert b == expected, f"{name}: gap/overlap"
        count = int(np.prod(info["shape"], dtype=np.int64))
        assert e - b == count * SIZE[info["dtype"]], f"{name}: size"
        arr = np.frombuffer(data[b:e], dtype=np_dtype[info["dtype"]]).reshape(info["shape"])
        out[name] = (info["dtype"], info["shape"], arr)
        expected = e
    assert expected == len(data), "trailing or missing bytes"
    return out, metadata


# The exact tensors the TypeScript test encodes into state_ts_written.safetensors.
TS_SPEC = {
    "a.f32": ("F32", [2, 3], [i * 0.5 - 1 for i in range(6)]),
    "b.f16": ("F16", [4], [0.1, -2.5, 65504.0, 1e-7]),
    "c.bf16": ("BF16", [3], [1.1, -3.3, 1e30]),
    "d.i32": ("I32", [2, 2], [-3, 0, 7, 2147483647]),
    "e.i64": ("I64", [3], [-2147483648, 0, 123456]),
    "f.u8": ("U8", [5], [0, 1, 127, 128, 255]),
    "g.bool": ("BOOL", [2, 2], [1, 0, 0, 1]),
    "h.scalar": ("F32", [], [3.25]),
    "i.empty": ("F32", [0, 3], []),
    "blocks.10.ü": ("F32", [1], [7.0]),
}
TS_METADATA = {"format": "pt", "written_by": "splitmask", "step": "12"}


def check_ts_written():
    path = os.path.join(OUT, "state_ts_written.safetensors")
    if not os.path.exists(path):
        sys.exit(f"missing {path}: run the vitest command in this script's docstring first")
    buf = open(path, "rb").read()
    tensors, metadata = read_safetensors(buf)
    assert metadata == TS_METADATA, metadata
    for name, (dtype, shape, values) in TS_SPEC.items():
        got_dtype, got_shape, arr = tensors[name]
        assert (got_dtype, got_shape) == (dtype, shape), name
        want = np.frombuffer(tensor_bytes(dtype, values), dtype=arr.dtype).reshape(shape)
        assert np.array_equal(arr, want), name
    assert buf == write_safetensors(TS_SPEC, TS_METADATA), "not byte-identical to the Rust layout"
    print(f"ok: {path} parses in numpy and matches the Rust layout byte for byte")


def py_written():
    rng = np.random.default_rng(0)
    f32 = rng.standard_normal((3, 4)).astype(np.float32)
    tensors = {
        "blocks.0.attn.qkv.weight": ("F32", [3, 4], f32.ravel().tolist()),
        "pos_embed": ("F16", [2, 3], rng.standard_normal(6).astype(np.float32).tolist()),
        "norm.weight": ("BF16", [4], rng.standard_normal(4).astype(np.float32).tolist()),
        "labels": ("I32", [5], [-7, 0, 3, 2**31 - 1, -(2**31)]),
        "step": ("I64", [], [1234]),
        "bytes": ("U8", [2, 2], [0, 17, 200, 255]),
        "mask": ("BOOL", [3], [1, 0, 1]),
        "empty": ("F32", [0], []),
    }
    buf = write_safetensors(tensors, {"format": "pt", "source": "python"})
    open(os.path.join(OUT, "state_py_written.safetensors"), "wb").write(buf)
    parsed, _ = read_safetensors(buf)
    # Expected decoded values: floats widened exactly as numpy/torch widen them.
    expected = {}
    for name, (dtype, shape, arr) in parsed.items():
        if dtype == "BF16":
            vals = (arr.astype(np.uint32) << 16).view(np.float32)
        else:
            vals = arr.astype(np.float64)
        expected[name] = {"dtype": dtype, "shape": shape, "data": [float(v) for v in np.ravel(vals)]}
    dump("state_py_written.json", {"metadata": {"format": "pt", "source": "python"}, "tensors": expected})


def half():
    rng = np.random.default_rng(1)
    vals = np.concatenate(
        [
            rng.standard_normal(200).astype(np.float32) * np.float32(10.0) ** rng.integers(-8, 6, 200).astype(np.float32),
            np.array([0.0, -0.0, 1.0, -1.0, 65504.0, 65519.99, 65520.0, 1e6, -1e6, 6.1e-5, 5.96e-8, 2.98e-8,
                      2.99e-8, 1e-9, 3e38, -3.4e38, np.inf, -np.inf, np.nan, 1.00048828125, 1.00146484375,
                      0.33325195, 2.0**-14, 2.0**-24 * 1.5, 2.0**-24 * 2.5], dtype=np.float32),
        ]
    ).astype(np.float32)
    with np.errstate(over="ignore"):
        f16 = vals.astype(np.float16).view(np.uint16)
    # Odd-halfway bf16 ties (rounding must go to even), built from bit patterns.
    ties = np.array([0x3F808000, 0x3F818000, 0xBF808000, 0x7F7F8000, 0x00018000], dtype=np.uint32)
    vals = np.concatenate([vals, ties.view(np.float32)])
    f16 = np.concatenate([f16, ties.view(np.float32).astype(np.float16).view(np.uint16)])
    dump(
        "state_half.json",
        {
            "bits": vals.view(np.uint32).tolist(),
            "f16": f16.tolist(),
            "bf16": bf16_bits(vals).tolist(),
        },
    )


def dump(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    print("wrote", name, os.path.getsize(os.path.join(OUT, name)), "bytes")




# ---------------------------------------------------------------- optimisation
def cosine_scheduler(base_value, final_value, epochs, niter_per_ep, warmup_epochs=0, start_warmup_value=0,
                     warmup_steps=-1):
    """BEiT utils.cosine_scheduler, verbatim (print removed)."""
    warmup_schedule = np.array([])
    warmup_iters = warmup_epochs * niter_per_ep
    if warmup_steps > 0:
        warmup_iters = warmup_steps
    if warmup_epochs > 0:
        warmup_schedule = np.linspace(start_warmup_value, base_value, warmup_iters)
    iters = np.arange(epochs * niter_per_ep - warmup_iters)
    schedule = np.array(
        [final_value + 0.5 * (base_value - final_value) * (1 + math.cos(math.pi * i / (len(iters)))) for i in iters])
    schedule = np.concatenate((warmup_schedule, schedule))
    assert len(schedule) == epochs * niter_per_ep
    return schedule


def adamw():
    """torch.optim.AdamW over 10 steps, BEiT-style groups (decay/no-decay x lr_scale), lr and wd per step."""
    g = torch.Generator().manual_seed(0)
    shapes = {
        "blocks.0.attn.qkv.weight": (4, 6),
        "blocks.0.attn.qkv.bias": (6,),
        "pos_embed": (1, 3, 4),
        "head.weight": (4, 3),
    }
    params = {n: torch.randn(*s, generator=g).requires_grad_() for n, s in shapes.items()}
    init = {n: p.detach().clone() for n, p in params.items()}
    lr_scale = {"blocks.0.attn.qkv.weight": 0.65, "blocks.0.attn.qkv.bias": 0.65, "pos_embed": 0.4225, "head.weight": 1.0}
    no_decay = {"blocks.0.attn.qkv.bias", "pos_embed"}
    groups = [
        {"params": [params[n]], "weight_decay": 0.0 if n in no_decay else 0.05, "lr_scale": lr_scale[n], "name": n}
        for n in shapes
    ]
    opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05)
    lrs = cosine_scheduler(0.05, 1e-3, 1, 10, warmup_epochs=1, warmup_steps=3)
    lrs[0] = 0.01  # linspace starts at 0; use a non-zero first step so it moves the params
    wds = cosine_scheduler(0.05, 0.2, 1, 10)
    steps = []
    for it in range(10):
        grads = {n: (torch.randn(*s, generator=g) * (0.1 if it % 2 else 3.0)) for n, s in shapes.items()}
        skipped = "head.weight" if it == 4 else None  # grad None: torch skips it (its step count lags)
        for n, p in params.items():
            p.grad = None if n == skipped else grads[n].clone()
        for group in opt.param_groups:
            group["lr"] = float(lrs[it]) * group["lr_scale"]
            if group["weight_decay"] > 0:
                group["weight_decay"] = float(wds[it])
        opt.step()
        steps.append({
            "lr": float(lrs[it]),
            "weight_decay": float(wds[it]),
            "grads": {n: grads[n].flatten().tolist() for n in shapes if n != skipped},
            "params": {n: p.detach().flatten().tolist() for n, p in params.items()},
        })
    state = {n: {"exp_avg": opt.state[p]["exp_avg"].flatten().tolist(),
                 "exp_avg_sq": opt.state[p]["exp_avg_sq"].flatten().tolist(),
                 "step": int(opt.state[p]["step"])} for n, p in params.items()}
    dump("state_adamw.json", {
        "shapes": {n: list(s) for n, s in shapes.items()},
        "init": {n: t.flatten().tolist() for n, t in init.items()},
        "lr_scale": lr_scale,
        "no_decay": sorted(no_decay),
        "steps": steps,
        "final_state": state,
    })


def clip():
    g = torch.Generator().manual_seed(1)
    shapes = [(3, 4), (5,), (2, 2, 2)]
    cases = []
    for max_norm, scale in [(1.0, 1.0), (100.0, 1.0), (0.5, 10.0), (3.0, 1e-3)]:
        grads = [torch.randn(*s, generator=g) * scale for s in shapes]
        ps = [torch.zeros(*s, requires_grad=True) for s in shapes]
        for p, gr in zip(ps, grads):
            p.grad = gr.clone()
        norm = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        per = [p.grad.clone() for p in ps]
        # per tensor: the same rule applied to each tensor alone
        per_tensor, per_norms = [], []
        for gr in grads:
            q = torch.zeros_like(gr, requires_grad=True)
            q.grad = gr.clone()
            per_norms.append(float(torch.nn.utils.clip_grad_norm_([q], max_norm)))
            per_tensor.append(q.grad.flatten().tolist())
        cases.append({
            "max_norm": max_norm,
            "grads": [gr.flatten().tolist() for gr in grads],
            "norm": float(norm),
            "clipped": [t.flatten().tolist() for t in per],
            "per_tensor_norms": per_norms,
            "per_tensor": per_tensor,
        })
    dump("state_clip.json", {"shapes": [list(s) for s in shapes], "cases": cases})


def schedules():
    cases = []
    for base, final, epochs, niter, warm_ep, start, warm_steps in [
        (1.5e-3, 1e-5, 10, 7, 2, 0.0, -1),     # BEiT pretraining shape
        (0.04, 0.4, 5, 3, 0, 0.0, -1),         # DINO weight decay (no warmup)
        (5e-4, 1e-6, 4, 5, 1, 1e-6, 3),        # warmup_steps overrides epochs, non-zero start
        (1.0, 0.0, 1, 2, 1, 0.5, -1),          # warmup covers the whole run
        (1.0, 0.1, 3, 1, 1, 0.0, 1),           # one warmup step (linspace of one point = start)
    ]:
        s = cosine_scheduler(base, final, epochs, niter, warm_ep, start, warm_steps)
        warmup = warm_steps if warm_steps > 0 else warm_ep * niter
        cases.append({"base": base, "final": final, "warmupSteps": warmup if warm_ep > 0 else 0,
                      "totalSteps": epochs * niter, "warmupStart": start, "values": s.tolist()})
    dump("state_schedules.json", {"cases": cases})


def get_layer_id_for_vit(var_name, num_max_layer):
    """BEiT run_class_finetuning.py, verbatim."""
    if var_name in ("cls_token", "mask_token", "pos_embed"):
        return 0
    elif var_name.startswith("patch_embed"):
        return 0
    elif var_name.startswith("rel_pos_bias"):
        return num_max_layer - 1
    elif var_name.startswith("blocks"):
        layer_id = int(var_name.split('.')[1])
        return layer_id + 1
    else:
        return num_max_layer - 1


def layer_decay():
    names = ["cls_token", "pos_embed", "mask_token", "patch_embed.proj.weight", "patch_embed.proj.bias"]
    for i in range(12):
        names += [f"blocks.{i}.norm1.weight", f"blocks.{i}.attn.qkv.weight", f"blocks.{i}.mlp.fc2.bias"]
    names += ["norm.weight", "fc_norm.bias", "head.weight", "head.bias", "rel_pos_bias.table"]
    out = []
    for num_layers, decay in [(12, 0.65), (12, 0.9), (3, 0.75)]:
        scales = [decay ** (num_layers + 1 - i) for i in range(num_layers + 2)]
        ns = [n for n in names if not n.startswith("blocks.") or int(n.split(".")[1]) < num_layers]
        ids = {n: get_layer_id_for_vit(n, num_layers + 2) for n in ns}
        out.append({"numLayers": num_layers, "decay": decay, "layerIds": ids,
                    "scales": {n: scales[ids[n]] for n in ns}})
    dump("state_layer_decay.json", {"cases": out})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    half()
    py_written()
    adamw()
    clip()
    schedules()
    layer_decay()
    check_ts_written()
