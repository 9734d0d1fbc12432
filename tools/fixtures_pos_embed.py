"""Fixtures for @splitmask/vit's position-embedding resampling, both conventions.

Writes packages/vit/test/fixtures/pos_embed_resize.safetensors: random position embeddings
`src.<h>` of shape [1, 1 + h*h, D] and their resampled grids, for each (h -> gh x gw) case:
  aa.<h>_<gh>x<gw>     F.interpolate(..., mode='bicubic', antialias=True,  align_corners=False)
                       (timm's resample_abs_pos_embed default, antialias=True)
  noaa.<h>_<gh>x<gw>   F.interpolate(..., mode='bicubic', antialias=False, align_corners=False)
                       (DeiT / BEiT / DINO)
with the CLS row kept, as timm does. Run with Debian's python3 + torch 1.13 (apt python3-torch):
  /usr/bin/python3 tools/fixtures_pos_embed.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'packages', 'vit', 'test', 'fixtures', 'pos_embed_resize.safetensors')
D = 8
# (source side, target grid): up, down (strong and mild), non-square targets, identity.
CASES = [(14, (16, 16)), (14, (7, 7)), (4, (6, 6)), (4, (3, 5)), (5, (2, 2)), (6, (6, 6)), (3, (8, 2))]


def write_safetensors(path, tensors, metadata):
    header, blobs, off = {'__metadata__': metadata}, [], 0
    for k, v in tensors.items():
        a = np.ascontiguousarray(v, dtype=np.float32)
        raw = a.astype('<f4').tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(len(h).to_bytes(8, 'little'))
        f.write(h)
        for b in blobs:
            f.write(b)
    print(f'wrote {path} ({8 + len(h) + off} bytes)')


def resample(pe, side, gh, gw, antialias):
    grid = pe[:, 1:].reshape(1, side, side, D).permute(0, 3, 1, 2)
    r = F.interpolate(grid, size=(gh, gw), mode='bicubic', antialias=antialias, align_corners=False)
    return torch.cat([pe[:, :1], r.permute(0, 2, 3, 1).reshape(1, gh * gw, D)], 1)


def main():
    gen = torch.Generator().manual_seed(0)
    tensors = {}
    for side in sorted({s for s, _ in CASES}):
        tensors[f'src.{side}'] = torch.randn(1, 1 + side * side, D, generator=gen)
    for side, (gh, gw) in CASES:
        pe = tensors[f'src.{side}']
        tensors[f'aa.{side}_{gh}x{gw}'] = resample(pe, side, gh, gw, True)
        tensors[f'noaa.{side}_{gh}x{gw}'] = resample(pe, side, gh, gw, False)
    meta = {'torch': torch.__version__, 'script': 'tools/fixtures_pos_embed.py', 'cases': json.dumps(CASES)}
    write_safetensors(OUT, {k: v.numpy() for k, v in tensors.items()}, meta)


if __name__ == '__main__':
    main()
