import { createRng, InvalidArgumentError } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { keepSmallest, kthSmallest, randomMask } from './random-mask';
import { countMasked } from './top-up';

describe('randomMask', () => {
  test('exact count every time; each patch masked with probability numMasking/L', () => {
    const rng = createRng(4);
    const freq = new Array(64).fill(0);
    const n = 4000;
    const counts = new Set<number>();
    for (let k = 0; k < n; k++) {
      const m = randomMask({ height: 8, width: 8, numMasking: 48 }, rng);
      counts.add(countMasked(m));
      m.forEach((v, i) => {
        freq[i] += v / n;
      });
    }
    expect([...counts]).toEqual([48]);
    for (const f of freq) expect(Math.abs(f - 0.75)).toBeLessThan(0.035); // σ ≈ 0.007
  });
  test('numMasking 0 and L', () => {
    expect(countMasked(randomMask({ height: 3, width: 3, numMasking: 0 }, createRng(0)))).toBe(0);
    expect(countMasked(randomMask({ height: 3, width: 3, numMasking: 9 }, createRng(0)))).toBe(9);
  });
  test('keepSmallest equals a stable argsort prefix, ties included', () => {
    const rng = createRng(12);
    for (let k = 0; k < 200; k++) {
      const noise = Float64Array.from({ length: 20 }, () => Math.floor(rng.random() * 5)); // many ties
      const keep = rng.int(21);
      const order = Array.from({ length: 20 }, (_, i) => i).sort((x, y) => noise[x] - noise[y] || x - y);
      const want = new Uint8Array(20).fill(1);
      for (const i of order.slice(0, keep)) want[i] = 0;
      expect(keepSmallest(noise, keep)).toEqual(want);
    }
  });
  test('kthSmallest equals the sorted order for every k, with and without ties', () => {
    const rng = createRng(13);
    for (let k = 0; k < 100; k++) {
      const n = 1 + rng.int(40);
      const ties = k % 2 === 0;
      const a = Float64Array.from({ length: n }, () => (ties ? rng.int(4) : rng.random()));
      const sorted = a.slice().sort();
      const j = rng.int(n);
      expect(kthSmallest(a.slice(), j)).toBe(sorted[j]);
    }
  });
  test.each([
    [{ height: 4, width: 4, numMasking: 17 }, /numMasking must be an integer in \[0, 16\], got 17/],
    [{ height: 4, width: -4, numMasking: 1 }, /width must be an integer >= 1, got -4/],
  ])('bad options %o throw naming the value', (opts, message) => {
    expect(() => randomMask(opts, createRng(0))).toThrow(InvalidArgumentError);
    expect(() => randomMask(opts, createRng(0))).toThrow(message);
  });
});
