import { createRng, InvalidArgumentError } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { argsortInto, randomMask } from './random-mask';
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
  test('argsort is stable on ties', () => {
    expect(Array.from(argsortInto(new Float64Array([0.5, 0.1, 0.5, 0.1]), new Int32Array(4)))).toEqual([
      1, 3, 0, 2,
    ]);
  });
  test.each([
    [{ height: 4, width: 4, numMasking: 17 }, /numMasking must be an integer in \[0, 16\], got 17/],
    [{ height: 4, width: -4, numMasking: 1 }, /width must be an integer >= 1, got -4/],
  ])('bad options %o throw naming the value', (opts, message) => {
    expect(() => randomMask(opts, createRng(0))).toThrow(InvalidArgumentError);
    expect(() => randomMask(opts, createRng(0))).toThrow(message);
  });
});
