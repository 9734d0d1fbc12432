"""Reference throughput of the BEiT two-view pipeline in PIL + torchvision, single process, 1 thread.

Usage: /usr/bin/python3 tools/bench_datasets_torch.py <jpeg-dir> <out.json>
Measures images/s of the same work as packages/datasets/bench/run.mjs:
- 'fmnist-32': 28x28 grey uint8 arrays (random stand-ins of the same size) -> PIL -> RGB ->
  RandomHorizontalFlip + RandomResizedCrop box -> 32 bicubic + 16 lanczos -> ToTensor + Normalize;
- 'jpeg-224': decode JPEG files with PIL (convert RGB) -> the same two-view transform at 224 bicubic + 112 lanczos.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image

torch.set_num_threads(1)


def two_view(size, second):
    norm = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    to_tensor = T.ToTensor()
    flip = T.RandomHorizontalFlip(0.5)

    def run(img):
        img = flip(img)
        i, j, h, w = T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3))
        a = F.resized_crop(img, i, j, h, w, [size, size], T.InterpolationMode.BICUBIC)
        b = F.resized_crop(img, i, j, h, w, [second, second], T.InterpolationMode.LANCZOS)
        return norm(a), to_tensor(b)

    return run


def bench(fn, items, min_seconds=3.0):
    """Images per wall-clock second and per CPU-second of this process (the machine may be shared)."""
    n = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    while True:
        for it in items:
            fn(it)
            n += 1
        dt = time.perf_counter() - t0
        if dt >= min_seconds:
            return {'wall': n / dt, 'cpu': n / (time.process_time() - c0)}


def main():
    jpeg_dir, out = sys.argv[1], sys.argv[2]
    rs = np.random.RandomState(0)
    small = [rs.randint(0, 256, (28, 28), dtype=np.uint8) for _ in range(256)]
    tv32 = two_view(32, 16)
    fm = bench(lambda a: tv32(Image.fromarray(a, 'L').convert('RGB')), small)
    files = sorted(os.path.join(jpeg_dir, f) for f in os.listdir(jpeg_dir) if f.endswith('.jpg'))
    blobs = [open(f, 'rb').read() for f in files]
    import io
    tv224 = two_view(224, 112)
    jp = bench(lambda b: tv224(Image.open(io.BytesIO(b)).convert('RGB')), blobs)
    decode_only = bench(lambda b: Image.open(io.BytesIO(b)).convert('RGB').load(), blobs)
    res = {'fmnist-32': fm, 'jpeg-224': jp, 'jpeg-decode': decode_only,
           'torch': torch.__version__, 'threads': torch.get_num_threads()}
    with open(out, 'w') as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res))


if __name__ == '__main__':
    main()
