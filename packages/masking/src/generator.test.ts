import { createPyRandom, createRng, InvalidArgumentError } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { blockMask } from './block-mask';
import { MaskSpecError } from './errors';
import { createMaskGenerator, parseMaskSpec } from './generator';
import { countMasked } from './top-up';

describe('createMaskGenerator', () => {
  test('block spec: resolved spec records every default and round-trips through JSON', () => {
    const gen = createMaskGenerator({
      kind: 'block',
      height: 14,
      width: 14,
      numMasking: 75,
      minNumPatches: 16,
    });
    expect(gen.spec).toEqual({
      kind: 'block',
      height: 14,
      width: 14,
      numMasking: 75,
      minNumPatches: 16,
      maxNumPatches: 75,
      minAspect: 0.3,
      maxAspect: 1 / 0.3,
      exact: false,
    });
    const again = createMaskGenerator(JSON.parse(JSON.stringify(gen.spec)));
    expect(again.sample(createRng(1))).toEqual(gen.sample(createRng(1)));
    expect(gen.numMasked).toBeNull();
  });
  test('block spec draws exactly blockMask (BEiT parity carries over)', () => {
    const gen = createMaskGenerator({
      kind: 'block',
      height: 14,
      width: 14,
      numMasking: 98,
      minNumPatches: 16,
      maxNumPatches: 75,
    });
    const opts = { height: 14, width: 14, numMasking: 98, minNumPatches: 16, maxNumPatches: 75 };
    expect(gen.sample(createPyRandom(3))).toEqual(blockMask(opts, createPyRandom(3)));
  });
  test('exact block spec tops up every mask', () => {
    const gen = createMaskGenerator({
      kind: 'block',
      height: 14,
      width: 14,
      numMasking: 98,
      minNumPatches: 16,
      maxNumPatches: 75,
      exact: true,
    });
    const rng = createRng(2);
    const counts = new Set(Array.from({ length: 200 }, () => countMasked(gen.sample(rng))));
    expect([...counts]).toEqual([98]);
    expect(gen.numMasked).toBe(98);
  });
  test('split spec: resolved block limits, batches stacked per branch as [B, K]', () => {
    const gen = createMaskGenerator({ kind: 'split', height: 8, width: 8 });
    expect(gen.spec).toEqual({
      kind: 'split',
      height: 8,
      width: 8,
      mode: 'block',
      minNumPatches: 5,
      maxNumPatches: 24,
      minAspect: 0.3,
      maxAspect: 1 / 0.3,
    });
    expect(gen.numVisible).toBe(32);
    const batch = gen.sampleBatch(createRng(0), 4);
    expect(batch.a.visible.length).toBe(4 * 32);
    expect(batch.b.masked.length).toBe(4 * 32);
    expect(batch.a.restore.length).toBe(4 * 64);
    const single = gen.sample(createRng(0));
    expect(Array.from(batch.a.visible.subarray(0, 32))).toEqual(Array.from(single.a.visible));
  });
  test("split spec mode 'random' resolves visibleFraction 0.25", () => {
    const gen = createMaskGenerator({ kind: 'split', height: 14, width: 14, mode: 'random' });
    expect(gen.spec).toEqual({ kind: 'split', height: 14, width: 14, mode: 'random', visibleFraction: 0.25 });
    expect(gen.numVisible).toBe(49);
    expect(gen.sample(createRng(0)).a.visible.length).toBe(49);
  });
  test('random spec: exact counts, batch as float weights [B, L]', () => {
    const gen = createMaskGenerator({ kind: 'random', height: 4, width: 4, numMasking: 12 });
    const w = gen.sampleBatch(createRng(0), 3);
    expect(w.length).toBe(48);
    expect(w.reduce((s, v) => s + v, 0)).toBe(36);
  });
});

describe('parseMaskSpec reports every bad field at once', () => {
  test('several bad fields in one error, each named with its value', () => {
    let err: unknown;
    try {
      parseMaskSpec({ kind: 'block', height: 14.5, width: '14', numMasking: -2, minAspect: 0, extra: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MaskSpecError);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    const issues = (err as MaskSpecError).issues;
    expect(issues).toEqual([
      "extra: unknown field for kind 'block'",
      'height: expected an integer >= 1, got 14.5',
      'width: expected an integer >= 1, got "14"',
      'numMasking: expected an integer >= 0, got -2',
      'minAspect: expected a finite number > 0, got 0',
    ]);
    expect((err as Error).message).toContain('height: expected an integer >= 1, got 14.5');
  });
  test.each([
    ['not an object', 42, /expected an object, got 42/],
    ['unknown kind', { kind: 'grid' }, /kind: expected 'block', 'random' or 'split', got "grid"/],
    [
      'numMasking > L',
      { kind: 'random', height: 2, width: 2, numMasking: 5 },
      /numMasking: must be <= L=height·width=4, got 5/,
    ],
    [
      'bad split mode',
      { kind: 'split', height: 4, width: 4, mode: 'cols' },
      /mode: expected 'block' or 'random', got "cols"/,
    ],
    [
      'bad visibleFraction',
      { kind: 'split', height: 4, width: 4, visibleFraction: 0.9 },
      /visibleFraction: .* got 0.9/,
    ],
    [
      'non-boolean exact',
      { kind: 'block', height: 4, width: 4, numMasking: 2, exact: 'yes' },
      /exact: expected a boolean, got "yes"/,
    ],
  ])('%s', (_n, spec, message) => {
    expect(() => createMaskGenerator(spec)).toThrow(MaskSpecError);
    expect(() => createMaskGenerator(spec)).toThrow(message);
  });
});

test('sampleBatch rejects a bad batch size, naming it', () => {
  const split = createMaskGenerator({ kind: 'split', height: 4, width: 4 });
  const rand = createMaskGenerator({ kind: 'random', height: 4, width: 4, numMasking: 2 });
  expect(() => split.sampleBatch(createRng(0), 2.5)).toThrow(/batchSize must be an integer >= 0, got 2.5/);
  expect(() => rand.sampleBatch(createRng(0), -1)).toThrow(InvalidArgumentError);
  expect(rand.sampleBatch(createRng(0), 0).length).toBe(0);
});
