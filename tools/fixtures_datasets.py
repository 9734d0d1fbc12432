"""Reference fixtures for @splitmask/datasets (run with /usr/bin/python3: torch 1.13, torchvision 0.14, Pillow 9.4).

Writes packages/datasets/test/fixtures/transforms.json:
- crop boxes from torchvision's REAL `RandomResizedCrop.get_params`, fed a recorded stream of uniforms
  (torch.empty(1).uniform_ and torch.randint are patched to consume the stream), so the TS sampler can be
  fed identical numbers;
- Pillow resize outputs (bilinear / bicubic / lanczos; up- and down-scaling; crop boxes) as torchvision's
  F.resized_crop produces them on PIL images;
- torchvision functional colour ops on PIL images, greyscale, solarize, Pillow GaussianBlur, flips;
- the evaluation transform Resize(floor(size / 0.875), bicubic) + CenterCrop(size).
Images are stored base64 (uint8, channels-last).
"""
import base64
import json
import math
import os

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image, ImageFilter, ImageOps

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), '..', 'packages', 'datasets', 'test', 'fixtures')
rs = np.random.RandomState(1234)


def b64(arr):
    return base64.b64encode(np.ascontiguousarray(arr, dtype=np.uint8).tobytes()).decode()


def img_entry(pil):
    a = np.asarray(pil)
    c = 1 if a.ndim == 2 else a.shape[2]
    return {'width': pil.size[0], 'height': pil.size[1], 'channels': c, 'data': b64(a)}


def test_image(w, h, mode='RGB'):
    """Smooth gradients + noise + a sharp edge: exercises ringing of bicubic/lanczos and clipping."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = [128 + 120 * np.sin(x / 3.1 + k) * np.cos(y / 4.3 - k) for k in range(3)]
    a = np.stack(base, -1) + rs.normal(0, 20, (h, w, 3))
    a[:, w // 2:, 1] = 255
    a[h // 3: h // 3 + 2, :, 0] = 0
    a = np.clip(np.round(a), 0, 255).astype(np.uint8)
    pil = Image.fromarray(a, 'RGB')
    return pil.convert('L') if mode == 'L' else pil


# ---- crop boxes --------------------------------------------------------------------------------
class Stream:
    def __init__(self, values):
        self.values = values
        self.i = 0

    def next(self):
        v = self.values[self.i]
        self.i += 1
        return v


def crop_boxes():
    cases = []
    configs = [
        (224, 224, (0.08, 1.0), (3 / 4, 4 / 3)),
        (500, 375, (0.08, 1.0), (3 / 4, 4 / 3)),
        (28, 28, (0.08, 1.0), (3 / 4, 4 / 3)),
        (32, 32, (0.4, 1.0), (3 / 4, 4 / 3)),
        (640, 480, (0.08, 0.25), (3 / 4, 4 / 3)),
        (96, 300, (0.05, 0.4), (3 / 4, 4 / 3)),
        (400, 10, (0.08, 1.0), (3 / 4, 4 / 3)),  # extreme aspect: every try fails -> fallback
        (10, 400, (0.5, 1.0), (3 / 4, 4 / 3)),
        (33, 17, (0.9, 1.0), (0.2, 5.0)),
    ]
    orig_empty, orig_randint = torch.empty, torch.randint
    for (w, h, scale, ratio) in configs:
        for rep in range(3 if h == 10 else 16):
            values = rs.random_sample(64).tolist()
            stream = Stream(values)

            class FakeEmpty:
                def uniform_(self, a, b):
                    a, b = float(a), float(b)
                    return torch.tensor([a + (b - a) * stream.next()], dtype=torch.float32)

            def fake_empty(*args, **kw):
                return FakeEmpty()

            def fake_randint(low, high, size):
                return torch.tensor([low + int(math.floor(stream.next() * (high - low)))])

            torch.empty, torch.randint = fake_empty, fake_randint
            try:
                img = Image.new('RGB', (w, h))
                i, j, hh, ww = T.RandomResizedCrop.get_params(img, scale, ratio)
            finally:
                torch.empty, torch.randint = orig_empty, orig_randint
            cases.append({'width': w, 'height': h, 'scale': list(scale), 'ratio': list(ratio),
                          'uniforms': values[:stream.i], 'used': stream.i,
                          'box': {'top': i, 'left': j, 'height': hh, 'width': ww}})
    return cases


def crop_statistics(n=20000):
    """Moments of boxes drawn by torchvision's get_params with torch's own RNG (torch.manual_seed(0))."""
    torch.manual_seed(0)
    out = []
    for (w, h, scale, ratio) in [(224, 224, (0.08, 1.0), (3 / 4, 4 / 3)), (500, 375, (0.08, 1.0), (3 / 4, 4 / 3)),
                                 (28, 28, (0.08, 1.0), (3 / 4, 4 / 3)), (32, 32, (0.4, 1.0), (3 / 4, 4 / 3)),
                                 (96, 300, (0.05, 0.4), (3 / 4, 4 / 3))]:
        img = Image.new('L', (w, h))
        boxes = np.array([T.RandomResizedCrop.get_params(img, scale, ratio) for _ in range(n)], dtype=np.float64)
        i, j, hh, ww = boxes.T
        feats = {'wFrac': ww / w, 'hFrac': hh / h, 'area': ww * hh / (w * h), 'logAspect': np.log(ww / hh),
                 'cx': (j + ww / 2) / w, 'cy': (i + hh / 2) / h}
        out.append({'width': w, 'height': h, 'scale': list(scale), 'ratio': list(ratio), 'n': n,
                    'mean': {k: float(v.mean()) for k, v in feats.items()},
                    'std': {k: float(v.std()) for k, v in feats.items()}})
    return out


# ---- resampling ---------------------------------------------------------------------------------
FILTERS = {'bilinear': Image.BILINEAR, 'bicubic': Image.BICUBIC, 'lanczos': Image.LANCZOS}


def resizes():
    out = []
    rgb = test_image(61, 47)
    grey = test_image(28, 28, 'L')
    cases = [
        (rgb, (0, 0, 47, 61), (16, 16)),
        (rgb, (5, 9, 30, 41), (24, 24)),
        (rgb, (5, 9, 30, 41), (12, 12)),
        (rgb, (0, 0, 47, 61), (61, 20)),  # horizontal no-op, vertical downscale
        (rgb, (10, 3, 12, 9), (40, 40)),  # upscale a small crop
        (grey, (0, 0, 28, 28), (56, 56)),
        (grey, (3, 2, 20, 17), (32, 32)),
        (grey, (0, 0, 28, 28), (14, 14)),
    ]
    for pil, (top, left, h, w), (ow, oh) in cases:
        for name, flt in FILTERS.items():
            res = F.resized_crop(pil, top, left, h, w, [oh, ow], interpolation=T.InterpolationMode(name))
            out.append({'input': 'rgb' if pil.mode == 'RGB' else 'grey', 'box': {'top': top, 'left': left, 'height': h, 'width': w},
                        'size': [ow, oh], 'filter': name, 'output': img_entry(res)})
    return {'rgb': img_entry(rgb), 'grey': img_entry(grey)}, out


# ---- photometric ---------------------------------------------------------------------------------
def photometric():
    rgb = test_image(19, 13)
    grey = test_image(19, 13, 'L')
    ops = []

    def add(name, arg, fn, which='rgb'):
        src = rgb if which == 'rgb' else grey
        ops.append({'op': name, 'arg': arg, 'input': which, 'output': img_entry(fn(src))})

    for f in [0.0, 0.6, 1.0, 1.4]:
        add('brightness', f, lambda im: F.adjust_brightness(im, f))
        add('contrast', f, lambda im: F.adjust_contrast(im, f))
        add('saturation', f, lambda im: F.adjust_saturation(im, f))
    add('contrast', 1.3, lambda im: F.adjust_contrast(im, 1.3), 'grey')
    add('brightness', 0.7, lambda im: F.adjust_brightness(im, 0.7), 'grey')
    for hf in [-0.5, -0.1, 0.0, 0.05, 0.1, 0.37]:
        add('hue', hf, lambda im: F.adjust_hue(im, hf))
    add('grayscale', None, lambda im: F.rgb_to_grayscale(im, num_output_channels=3))
    add('solarize', 128, lambda im: ImageOps.solarize(im, 128))
    add('hflip', None, F.hflip)
    for r in [0.1, 0.5, 1.0, 1.7, 2.0]:
        add('blur', r, lambda im: im.filter(ImageFilter.GaussianBlur(radius=r)))
    add('blur', 1.3, lambda im: im.filter(ImageFilter.GaussianBlur(radius=1.3)), 'grey')
    return {'rgb': img_entry(rgb), 'grey': img_entry(grey)}, ops


def eval_transform():
    out = []
    for (w, h, size) in [(31, 23, 16), (28, 28, 32), (20, 45, 16)]:
        pil = test_image(w, h)
        t = T.Compose([T.Resize(int(size / 0.875), interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(size)])
        out.append({'input': img_entry(pil), 'size': size, 'output': img_entry(t(pil))})
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    resize_inputs, resize_cases = resizes()
    photo_inputs, photo_cases = photometric()
    data = {
        'versions': {'torch': torch.__version__, 'torchvision': torchvision.__version__, 'pillow': Image.__version__},
        'cropBoxes': crop_boxes(),
        'cropStatistics': crop_statistics(),
        'resizeInputs': resize_inputs,
        'resizes': resize_cases,
        'photometricInputs': photo_inputs,
        'photometric': photo_cases,
        'eval': eval_transform(),
    }
    path = os.path.join(OUT, 'transforms.json')
    with open(path, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
    print('wrote', path, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    main()
