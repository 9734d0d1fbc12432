#!/usr/bin/python3
"""Fixtures for @splitmask/masking: BEiT's MaskingGenerator run under CPython's `random`.

`MaskingGenerator` below is `microsoft/unilm/beit/masking_generator.py` (commit 2312c6f) verbatim,
except `np.int` -> `int` (removed in NumPy 1.24) and an optional `trace` list that records accepted
blocks for the statistics fixture (it does not change any random call). BEiT calls the `random`
module's functions, so every config is seeded with `random.seed(seed)` and then drawn repeatedly.

Run with the system interpreter (CPython 3.11 + numpy):
  /usr/bin/python3 tools/fixtures_masking.py           # writes packages/masking/test/fixtures/*.json
  /usr/bin/python3 tools/fixtures_masking.py --bench N  # prints {"masksPerSec": ...} for 14x14 @ 98
"""
import json
import math
import os
import random
import sys
import time

import numpy as np

OUT_DIR = os.path.join(os.path.dirname(__file__), '..', 'packages', 'masking', 'test', 'fixtures')


class MaskingGenerator:
    def __init__(
            self, input_size, num_masking_patches, min_num_patches=4, max_num_patches=None,
            min_aspect=0.3, max_aspect=None):
        if not isinstance(input_size, tuple):
            input_size = (input_size, ) * 2
        self.height, self.width = input_size

        self.num_patches = self.height * self.width
        self.num_masking_patches = num_masking_patches

        self.min_num_patches = min_num_patches
        self.max_num_patches = num_masking_patches if max_num_patches is None else max_num_patches

        max_aspect = max_aspect or 1 / min_aspect
        self.log_aspect_ratio = (math.log(min_aspect), math.log(max_aspect))
        self.trace = None

    def get_shape(self):
        return self.height, self.width

    def _mask(self, mask, max_mask_patches):
        delta = 0
        for attempt in range(10):
            target_area = random.uniform(self.min_num_patches, max_mask_patches)
            aspect_ratio = math.exp(random.uniform(*self.log_aspect_ratio))
            h = int(round(math.sqrt(target_area * aspect_ratio)))
            w = int(round(math.sqrt(target_area / aspect_ratio)))
            if w < self.width and h < self.height:
                top = random.randint(0, self.height - h)
                left = random.randint(0, self.width - w)

                num_masked = mask[top: top + h, left: left + w].sum()
                # Overlap
                if 0 < h * w - num_masked <= max_mask_patches:
                    for i in range(top, top + h):
                        for j in range(left, left + w):
                            if mask[i, j] == 0:
                                mask[i, j] = 1
                                delta += 1
                    if self.trace is not None:
                        self.trace.append((h, w))

                if delta > 0:
                    break
        return delta

    def __call__(self):
        mask = np.zeros(shape=self.get_shape(), dtype=int)
        mask_count = 0
        while mask_count < self.num_masking_patches:
            max_mask_patches = self.num_masking_patches - mask_count
            max_mask_patches = min(max_mask_patches, self.max_num_patches)

            delta = self._mask(mask, max_mask_patches)
            if delta == 0:
                break
            else:
                mask_count += delta

        return mask


def to_hex(mask):
    """Row-major bits, 1 = masked, packed MSB-first into hex nibbles (zero-padded at the end)."""
    bits = ''.join(str(int(v)) for v in mask.reshape(-1))
    bits += '0' * (-len(bits) % 4)
    return ''.join('%x' % int(bits[i:i + 4], 2) for i in range(0, len(bits), 4))


# (name, grid (h, w), num_masking, min_num_patches, max_num_patches, min_aspect, max_aspect, seed, draws)
BLOCK_CONFIGS = [
    ('beit-14x14-75', (14, 14), 75, 16, None, 0.3, None, 0, 300),
    ('splitmask-14x14-98', (14, 14), 98, 16, 75, 0.3, None, 1, 300),
    ('grid-7x7-24', (7, 7), 24, 4, 19, 0.3, None, 2, 300),
    ('grid-8x8-32', (8, 8), 32, 5, 24, 0.3, None, 3, 300),
    ('rect-6x10-30-aspect', (6, 10), 30, 4, 12, 0.5, 3.0, 4, 200),
    ('defaults-5x5-10', (5, 5), 10, 4, None, 0.3, None, 5, 200),
]


def block_fixtures():
    out = []
    for name, grid, num, mn, mx, amin, amax, seed, draws in BLOCK_CONFIGS:
        gen = MaskingGenerator(grid, num, mn, mx, amin, amax)
        random.seed(seed)
        masks = [to_hex(gen()) for _ in range(draws)]
        out.append({
            'name': name, 'height': grid[0], 'width': grid[1], 'numMasking': num, 'minNumPatches': mn,
            'maxNumPatches': mx, 'minAspect': amin, 'maxAspect': amax, 'seed': seed, 'masks': masks,
            'nextRandom': random.random(),  # pins the number of random calls consumed
        })
    return out


def random_mask_fixtures():
    """MAE's random_masking host-side: noise from random.random(), stable argsort, keep the first K."""
    out = []
    for h, w, num, seed in [(14, 14, 147, 10), (8, 8, 48, 11), (7, 7, 37, 12)]:
        random.seed(seed)
        masks = []
        for _ in range(50):
            L = h * w
            noise = [random.random() for _ in range(L)]
            ids_shuffle = np.argsort(np.array(noise), kind='stable')
            mask = np.ones(L, dtype=int)
            mask[ids_shuffle[:L - num]] = 0
            masks.append(to_hex(mask))
        out.append({'height': h, 'width': w, 'numMasking': num, 'seed': seed, 'masks': masks})
    return out


def py_round_limits(L):
    mn = max(1, round(16 * L / 196))
    return mn, max(mn, round(75 * L / 196))


def top_up(mask, need):
    """Partial Fisher-Yates over the free patches (ascending), as @splitmask/masking topUpMask."""
    free = [i for i in range(mask.size) if mask[i] == 0]
    n = len(free)
    for i in range(need):
        j = i + random.randrange(n - i)
        free[i], free[j] = free[j], free[i]
        mask[free[i]] = 1


def split_fixtures():
    """SplitMask 'block' split (project reading, paper.md Decisions 1): BEiT at floor(L/2) with blocks
    16..75 scaled by L/196, topped up; A = block mask, B = complement (odd L: minus one random patch)."""
    out = []
    for h, w, seed in [(14, 14, 20), (7, 7, 21), (8, 8, 22)]:
        L = h * w
        half = L // 2
        mn, mx = py_round_limits(L)
        gen = MaskingGenerator((h, w), half, mn, mx)
        random.seed(seed)
        splits = []
        for _ in range(60):
            block = gen().reshape(-1)
            top_up(block, half - int(block.sum()))
            a_visible = [i for i in range(L) if block[i] == 1]
            if L % 2 == 1:
                top_up(block, 1)
            b_visible = [i for i in range(L) if block[i] == 0]
            splits.append([a_visible, b_visible])
        out.append({'height': h, 'width': w, 'seed': seed, 'splits': splits})
    return out


def stats_fixture(n=10000, seed=2024):
    """Distribution of BEiT masks at 14x14, 98 patches, blocks of 16..75: the SplitMask setting."""
    gen = MaskingGenerator((14, 14), 98, 16, 75)
    gen.trace = []
    random.seed(seed)
    cell = np.zeros((14, 14))
    counts = np.zeros(99, dtype=int)
    blocks_per_mask = np.zeros(20, dtype=int)
    for _ in range(n):
        before = len(gen.trace)
        m = gen()
        cell += m
        counts[m.sum()] += 1
        blocks_per_mask[min(len(gen.trace) - before, 19)] += 1
    areas = np.zeros(14 * 14 + 1, dtype=int)
    for h, w in gen.trace:
        areas[h * w] += 1
    return {
        'n': n, 'seed': seed, 'height': 14, 'width': 14, 'numMasking': 98, 'minNumPatches': 16,
        'maxNumPatches': 75, 'countHistogram': counts.tolist(), 'blockAreaHistogram': areas.tolist(),
        'blocksPerMaskHistogram': blocks_per_mask.tolist(), 'numBlocks': len(gen.trace),
        'rowCoverage': (cell.sum(1) / (n * 14)).tolist(), 'colCoverage': (cell.sum(0) / (n * 14)).tolist(),
        'aspectLogRange': [min(math.log(h / w) for h, w in gen.trace), max(math.log(h / w) for h, w in gen.trace)],
    }


def bench(n):
    gen = MaskingGenerator((14, 14), 98, 16, 75)
    random.seed(0)
    t = time.perf_counter()
    for _ in range(n):
        gen()
    dt = time.perf_counter() - t
    print(json.dumps({'masksPerSec': n / dt, 'n': n, 'python': sys.version.split()[0]}))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == '--bench':
        bench(int(sys.argv[2]))
        return
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, data in [('block-masks.json', block_fixtures()), ('random-masks.json', random_mask_fixtures()),
                       ('splits.json', split_fixtures()), ('block-stats-14x14.json', stats_fixture())]:
        path = os.path.join(OUT_DIR, name)
        with open(path, 'w') as f:
            json.dump({'python': sys.version.split()[0], 'numpy': np.__version__, 'data': data}, f,
                      separators=(',', ':'))
        print(f'wrote {path} ({os.path.getsize(path)} bytes)')


if __name__ == '__main__':
    main()
