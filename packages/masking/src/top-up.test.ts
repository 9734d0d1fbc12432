import { createPyRandom, createRng, InvalidArgumentError } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { blockMask } from './block-mask';
import { countMasked, topUpMask } from './top-up';

describe('topUpMask', () => {
  test('reaches the exact count, keeps every existing masked patch, leaves the input untouched', () => {
    const rng = createRng(1);
    for (let k = 0; k < 100; k++) {
      const m = blockMask(
        { height: 14, width: 14, numMasking: 98, minNumPatches: 16, maxNumPatches: 75 },
        rng,
      );
      const before = m.slice();
      const t = topUpMask(m, 98, rng);
      expect(countMasked(t)).toBe(98);
      expect(m.every((v, i) => v === 0 || t[i] === 1)).toBe(true);
      expect(m).toEqual(before);
    }
  });
  test('added patches are uniform over the free ones (chi-square over 20,000 single picks)', () => {
    const rng = createRng(2);
    const base = new Uint8Array(10);
    base[3] = 1;
    const hits = new Array(10).fill(0);
    const n = 20000;
    for (let k = 0; k < n; k++) hits[topUpMask(base, 2, rng).findIndex((v, i) => v === 1 && i !== 3)]++;
    expect(hits[3]).toBe(0);
    const e = n / 9;
    const chi2 = hits.reduce((s, h, i) => (i === 3 ? s : s + (h - e) ** 2 / e), 0);
    expect(chi2).toBeLessThan(26.1); // p = 0.001 for 8 degrees of freedom
  });
  test('deterministic under a seed; already-exact masks draw nothing', () => {
    const m = new Uint8Array(16);
    expect(topUpMask(m, 8, createPyRandom(5))).toEqual(topUpMask(m, 8, createPyRandom(5)));
    const full = new Uint8Array(4).fill(1);
    const rng = createPyRandom(9);
    expect(topUpMask(full, 4, rng)).toEqual(full);
    expect(rng.random()).toBe(createPyRandom(9).random());
  });
  test.each([
    ['count > L', new Uint8Array(4), 5, /count must be an integer in \[0, 4\], got 5/],
    ['count below current', new Uint8Array([1, 1, 0]), 1, /already has 2 masked patches, more than count=1/],
    ['non-binary mask', new Uint8Array([0, 2, 0]), 2, /must be 0\/1, got 2 at index 1/],
    ['fractional count', new Uint8Array(4), 1.5, /got 1.5/],
  ])('%s throws InvalidArgumentError naming the value', (_n, mask, count, message) => {
    expect(() => topUpMask(mask, count, createRng(0))).toThrow(InvalidArgumentError);
    expect(() => topUpMask(mask, count, createRng(0))).toThrow(message);
  });
});
