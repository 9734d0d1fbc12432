#!/usr/bin/env python3
"""Convert the DALL-E dVAE encoder (openai/DALL-E `encoder.pkl`) to a @splitmask/tokenizers safetensors file.

The weights (54M parameters, about 215 MB as float32) are not shipped with splitmask; download them
yourself:

    curl -LO https://cdn.openai.com/dall-e/encoder.pkl
    /usr/bin/python3 tools/convert_dalle.py encoder.pkl dalle-encoder.safetensors

then in TypeScript: `await loadTokenizer('dalle-encoder.safetensors')`.

`encoder.pkl` is a pickled `dall_e.encoder.Encoder` module. The `dall_e` package does not need to be
installed: its classes are mapped to plain `torch.nn.Module` stubs while unpickling, which is enough to
read the parameters. A plain state dict (`torch.save(encoder.state_dict())`) works too.

Name mapping (one rule, no exceptions): drop the `blocks.` prefix, `w` -> `weight`, `b` -> `bias`, e.g.
`blocks.group_1.block_1.res_path.conv_1.w` -> `group_1.block_1.res_path.conv_1.weight`.
Layout: conv weights OIHW (torch) -> HWIO (tfjs `conv2d` filter [fh, fw, in, out]); biases unchanged.
The architecture (group count, widths, blocks per group, channels, vocabulary) is inferred from the
shapes and stored in the header's `__metadata__` as the tokenizer config.
"""
import argparse
import json
import re
import struct
import sys
import types

import numpy as np


class _StubModules:
    """While active, `import dall_e.*` resolves to stub modules whose classes are plain nn.Module
    subclasses (unless the real package is installed). torch.load's `pickle_module` argument would be
    the cleaner hook, but some torch builds (Debian's 1.13) ignore it."""

    NAMES = ("dall_e", "dall_e.encoder", "dall_e.decoder", "dall_e.utils")

    def __enter__(self):
        import importlib.util

        import torch

        self.added = []
        if importlib.util.find_spec("dall_e") is not None:
            return self

        class _Stub(torch.nn.Module):
            def forward(self, *args):  # pragma: no cover - never called
                raise RuntimeError("stub module from encoder.pkl; convert it, do not run it")

        for name in self.NAMES:
            mod = types.ModuleType(name)
            cache = {}
            mod.__getattr__ = lambda attr, name=name, cache=cache: cache.setdefault(
                attr, type(attr, (_Stub,), {"__module__": name}))
            sys.modules[name] = mod
            self.added.append(name)
        return self

    def __exit__(self, *exc):
        for name in self.added:
            sys.modules.pop(name, None)


def load_state_dict(path):
    """Reads encoder.pkl (pickled module, with or without `dall_e` installed) or a state dict."""
    import torch

    with _StubModules():
        obj = torch.load(path, map_location="cpu")
    sd = obj.state_dict() if hasattr(obj, "state_dict") else obj
    return {k: v.detach().float().cpu().numpy() for k, v in sd.items()}


def convert_state_dict(sd):
    """torch names/layout -> ours. Returns (tensors: dict[str, np.float32 array], encoder config dict)."""
    out = {}
    for name, v in sd.items():
        m = re.fullmatch(r"(?:blocks\.)?(.+)\.(w|b)", name)
        if not m:
            raise ValueError(f"unexpected tensor name {name!r} in the DALL-E encoder state dict")
        ours = m.group(1) + (".weight" if m.group(2) == "w" else ".bias")
        if m.group(2) == "w":
            if v.ndim != 4:
                raise ValueError(f"{name}: expected an OIHW conv weight, got shape {v.shape}")
            v = np.transpose(v, (2, 3, 1, 0))  # OIHW -> HWIO
        out[ours] = np.ascontiguousarray(v, dtype=np.float32)
    groups = {k.split(".")[0] for k in out if k.startswith("group_")}
    blocks = {re.match(r"group_1\.(block_\d+)\.", k).group(1) for k in out if k.startswith("group_1.block_")}
    cfg = {
        "groupCount": len(groups),
        "nHid": int(out["input.weight"].shape[3]),
        "nBlkPerGroup": len(blocks),
        "inputChannels": int(out["input.weight"].shape[2]),
        "vocabSize": int(out["output.conv.weight"].shape[3]),
    }
    return out, cfg


def tokenizer_config(enc_cfg, eps=0.1):
    return {
        "kind": "dalle",
        "vocabSize": enc_cfg["vocabSize"],
        "patchSize": 2 ** (enc_cfg["groupCount"] - 1),
        "channels": enc_cfg["inputChannels"],
        "encoder": enc_cfg,
        "logitLaplaceEps": eps,
    }


def write_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer (F32 only), laid out like the reference: sorted names, compact JSON
    header padded with spaces to a multiple of 8."""
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def convert(src, dst):
    tensors, enc_cfg = convert_state_dict(load_state_dict(src))
    meta = {"format": "splitmask-tokenizer", "config": json.dumps(tokenizer_config(enc_cfg))}
    write_safetensors(dst, tensors, meta)
    return enc_cfg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", help="encoder.pkl (or a torch state dict)")
    ap.add_argument("dst", help="output .safetensors")
    args = ap.parse_args(argv)
    cfg = convert(args.src, args.dst)
    print(f"wrote {args.dst}: {json.dumps(cfg)}", file=sys.stderr)


if __name__ == "__main__":
    main()
