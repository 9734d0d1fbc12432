import { createPyRandom, createRng, InvalidArgumentError } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { blockMask } from './block-mask';
import { indicesToMask } from './indices';
import { scaledBlockLimits, splitMask, splitToMasks } from './split-mask';
import type { SplitPair } from './types';

/** Checks the invariants of one pair and returns |A ∪ B|. */
function checkPair(pair: SplitPair, numPatches: number, k: number): void {
  const { a, b } = pair;
  for (const s of [a, b]) {
    expect(s.visible.length).toBe(k);
    expect(s.masked.length).toBe(numPatches - k);
    expect([...s.visible, ...s.masked].sort((x, y) => x - y)).toEqual(
      Array.from({ length: numPatches }, (_, i) => i),
    );
    expect(Array.from(s.visible)).toEqual([...s.visible].sort((x, y) => x - y));
  }
  const seenA = indicesToMask(a.visible, numPatches);
  expect(Array.from(b.visible).some((i) => seenA[i] === 1)).toBe(false); // disjoint
}

describe("splitMask mode 'block' (default)", () => {
  test.each([
    [14, 14],
    [8, 8],
    [4, 6],
    [2, 1],
  ])('%ix%i: |A| = |B| = L/2, disjoint, together cover the grid', (height, width) => {
    const rng = createRng(height * 100 + width);
    const numPatches = height * width;
    for (let k = 0; k < 30; k++) {
      const pair = splitMask({ height, width }, rng);
      checkPair(pair, numPatches, numPatches / 2);
      expect(pair.a.visible.length + pair.b.visible.length).toBe(numPatches);
      expect(Array.from(pair.a.masked)).toEqual(Array.from(pair.b.visible)); // B = complement of A
    }
  });
  test('odd L (7x7): both branches see 24, one patch is in neither', () => {
    const rng = createRng(77);
    for (let k = 0; k < 30; k++) {
      const pair = splitMask({ height: 7, width: 7 }, rng);
      checkPair(pair, 49, 24);
      expect(pair.a.visible.length + pair.b.visible.length).toBe(48);
    }
  });
  test("A is BEiT's block mask (same draws) topped up, so A contains the block mask", () => {
    const grid = { height: 14, width: 14 };
    for (let seed = 0; seed < 20; seed++) {
      const block = blockMask(
        { ...grid, numMasking: 98, minNumPatches: 16, maxNumPatches: 75 },
        createPyRandom(seed),
      );
      const { a } = splitMask(grid, createPyRandom(seed));
      const inA = indicesToMask(a.visible, 196);
      expect(block.every((v, i) => v === 0 || inA[i] === 1)).toBe(true);
    }
  });
  test('deterministic under a seed, different across seeds', () => {
    const grid = { height: 14, width: 14 };
    expect(splitMask(grid, createRng(5))).toEqual(splitMask(grid, createRng(5)));
    expect(splitMask(grid, createRng(5))).not.toEqual(splitMask(grid, createRng(6)));
  });
  test('A holds exactly half the patches on average; its coverage is mirror-symmetric and centre-heavy', () => {
    const rng = createRng(9);
    const freq = new Float64Array(196);
    const n = 3000;
    for (let k = 0; k < n; k++)
      for (const i of splitMask({ height: 14, width: 14 }, rng).a.visible) freq[i] += 1 / n;
    expect(freq.reduce((s, v) => s + v, 0) / 196).toBeCloseTo(0.5, 12);
    // BEiT blocks cannot span the grid and must fit inside it, so A (block mask + top-up) sees the centre
    // ~80% of the time and the corners <15%; B = complement gets the border. The generator is symmetric
    // under flips, so the coverage map is too (σ per cell ≈ 0.009 at n = 3000).
    let asym = 0;
    for (let r = 0; r < 14; r++) {
      for (let c = 0; c < 14; c++) {
        const f = freq[r * 14 + c];
        asym = Math.max(asym, Math.abs(f - freq[(13 - r) * 14 + c]), Math.abs(f - freq[r * 14 + 13 - c]));
      }
    }
    expect(asym).toBeLessThan(0.06);
    expect(freq[7 * 14 + 7]).toBeGreaterThan(0.7);
    expect(freq[0]).toBeLessThan(0.2);
  });
});

describe("splitMask mode 'random'", () => {
  test('each branch sees a disjoint random 25% (49 of 196) and predicts the other 147', () => {
    const rng = createRng(1);
    for (let k = 0; k < 30; k++)
      checkPair(splitMask({ height: 14, width: 14 }, rng, { mode: 'random' }), 196, 49);
  });
  test('visibleFraction 0.5 is a full random split; 0.1 of 8x8 gives 6', () => {
    checkPair(
      splitMask({ height: 8, width: 8 }, createRng(0), { mode: 'random', visibleFraction: 0.5 }),
      64,
      32,
    );
    checkPair(
      splitMask({ height: 8, width: 8 }, createRng(0), { mode: 'random', visibleFraction: 0.1 }),
      64,
      6,
    );
  });
  test('every patch is visible to A with probability 1/4', () => {
    const rng = createRng(2);
    const freq = new Float64Array(64);
    const n = 4000;
    for (let k = 0; k < n; k++) {
      for (const i of splitMask({ height: 8, width: 8 }, rng, { mode: 'random' }).a.visible) freq[i] += 1 / n;
    }
    for (const f of freq) expect(Math.abs(f - 0.25)).toBeLessThan(0.035); // σ ≈ 0.007
  });
});

describe('scaledBlockLimits', () => {
  test.each([
    [196, 16, 75],
    [64, 5, 24],
    [49, 4, 19],
    [16, 1, 6],
    [1, 1, 1],
  ])('L=%i → min %i, max %i', (numPatches, min, max) => {
    expect(scaledBlockLimits(numPatches)).toEqual({ minNumPatches: min, maxNumPatches: max });
  });
});

describe('splitMask errors and helpers', () => {
  test.each([
    ['L = 1 in block mode', { height: 1, width: 1 }, {}, /need L >= 2 patches, got L=1/],
    [
      'visibleFraction > 0.5',
      { height: 4, width: 4 },
      { mode: 'random' as const, visibleFraction: 0.6 },
      /got 0.6/,
    ],
    [
      'visibleFraction too small',
      { height: 2, width: 2 },
      { mode: 'random' as const, visibleFraction: 0.1 },
      /leaves no visible/,
    ],
    [
      'unknown mode',
      { height: 4, width: 4 },
      { mode: 'grid' as 'block' },
      /mode must be 'block' or 'random', got "grid"/,
    ],
    ['non-integer grid', { height: 4.2, width: 4 }, {}, /height must be an integer >= 1, got 4.2/],
  ])('%s throws InvalidArgumentError naming the value', (_n, grid, opts, message) => {
    expect(() => splitMask(grid, createRng(0), opts)).toThrow(InvalidArgumentError);
    expect(() => splitMask(grid, createRng(0), opts)).toThrow(message);
  });
  test('splitToMasks gives each branch its predicted patches as a 0/1 mask', () => {
    const pair = splitMask({ height: 4, width: 4 }, createRng(3));
    const { maskA, maskB } = splitToMasks(pair);
    expect(maskA.every((v, i) => v + maskB[i] === 1)).toBe(true);
    expect(Array.from(pair.a.visible).every((i) => maskA[i] === 0)).toBe(true);
  });
});
