import { createPyRandom, createRng, InvalidArgumentError } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { blockMask, resolveBlockMaskConfig, traceBlockMask } from './block-mask';
import { pyRound } from './internal/sampler';
import { countMasked } from './top-up';

const OPTS = { height: 14, width: 14, numMasking: 98, minNumPatches: 16, maxNumPatches: 75 };

describe('resolveBlockMaskConfig', () => {
  test('fills BEiT defaults: min 4, max = numMasking, aspect [0.3, 1/0.3]', () => {
    expect(resolveBlockMaskConfig({ height: 14, width: 14, numMasking: 75 })).toEqual({
      height: 14,
      width: 14,
      numMasking: 75,
      minNumPatches: 4,
      maxNumPatches: 75,
      minAspect: 0.3,
      maxAspect: 1 / 0.3,
    });
  });
  test('maxAspect 0 falls back to 1/minAspect, like `max_aspect or 1 / min_aspect`', () => {
    expect(resolveBlockMaskConfig({ ...OPTS, minAspect: 0.5, maxAspect: 0 }).maxAspect).toBe(2);
  });
  test.each([
    ['numMasking > L', { ...OPTS, numMasking: 197 }, /numMasking must be an integer in \[0, 196\], got 197/],
    ['non-integer height', { ...OPTS, height: 14.5 }, /height must be an integer >= 1, got 14.5/],
    ['zero width', { ...OPTS, width: 0 }, /width must be an integer >= 1, got 0/],
    ['negative numMasking', { ...OPTS, numMasking: -1 }, /got -1/],
    ['minAspect 0', { ...OPTS, minAspect: -0.1 }, /minAspect must be a finite number > 0, got -0.1/],
    ['NaN minNumPatches', { ...OPTS, minNumPatches: Number.NaN }, /minNumPatches .* got NaN/],
    [
      'maxAspect < minAspect',
      { ...OPTS, minAspect: 0.5, maxAspect: 0.4 },
      /maxAspect \(0.4\) must be >= minAspect \(0.5\)/,
    ],
  ])('%s throws InvalidArgumentError naming the value', (_n, opts, message) => {
    expect(() => blockMask(opts, createRng(0))).toThrow(InvalidArgumentError);
    expect(() => blockMask(opts, createRng(0))).toThrow(message);
  });
});

describe('blockMask', () => {
  test('binary, length L, never more than numMasking, same under the same seed', () => {
    const rngA = createRng(3);
    const rngB = createRng(3);
    let ok = true;
    for (let k = 0; k < 200; k++) {
      const m = blockMask(OPTS, rngA);
      const again = blockMask(OPTS, rngB);
      ok &&= m.length === 196 && m.every((v, i) => (v === 0 || v === 1) && again[i] === v);
      ok &&= countMasked(m) <= 98;
    }
    expect(ok).toBe(true);
  });
  test('numMasking 0 gives an empty mask and draws nothing', () => {
    const rng = createPyRandom(1);
    expect(countMasked(blockMask({ ...OPTS, numMasking: 0 }, rng))).toBe(0);
    expect(rng.random()).toBe(createPyRandom(1).random());
  });
  test('a 1-row grid can never hold a block (h < height is strict): empty mask', () => {
    expect(
      countMasked(blockMask({ height: 1, width: 10, numMasking: 5, minNumPatches: 1 }, createRng(0))),
    ).toBe(0);
  });
  test('traceBlockMask draws the same mask and its blocks reassemble it', () => {
    const { mask, count, blocks } = traceBlockMask(OPTS, createPyRandom(11));
    expect(mask).toEqual(blockMask(OPTS, createPyRandom(11)));
    expect(count).toBe(countMasked(mask));
    expect(blocks.reduce((s, b) => s + b.added, 0)).toBe(count);
    const rebuilt = new Uint8Array(196);
    for (const b of blocks) {
      expect(b.h).toBeLessThan(14);
      expect(b.w).toBeLessThan(14);
      expect(b.added).toBeGreaterThan(0);
      expect(b.added).toBeLessThanOrEqual(75);
      for (let i = b.top; i < b.top + b.h; i++)
        for (let j = b.left; j < b.left + b.w; j++) rebuilt[i * 14 + j] = 1;
    }
    expect(rebuilt).toEqual(mask);
  });
  test('accepts a bare { random } source', () => {
    let x = 0;
    const rng = {
      random: () => {
        x = (x * 16807 + 12345) % 2147483647;
        return x / 2147483647;
      },
    };
    expect(countMasked(blockMask(OPTS, rng))).toBeGreaterThan(0);
  });
});

describe('pyRound is Python 3 round(): ties to even', () => {
  test.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [2.4999999999999996, 2],
    [2.5000000000000004, 3],
    [-0.5, -0],
    [-1.5, -2],
    [-2.5, -2],
    [7.2, 7],
  ])('round(%s) = %s', (x, want) => {
    expect(pyRound(x)).toBe(want);
  });
});
