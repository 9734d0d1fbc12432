// Bit-exact parity with BEiT's MaskingGenerator and MAE-style argsort masks under CPython's `random`
// (fixtures: tools/fixtures_masking.py, run with /usr/bin/python3 3.11 + numpy).
import { createPyRandom } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { blockMask, createBlockMasker } from './block-mask';
import { hexToMask, loadFixture } from './internal/test-fixtures';
import { randomMask } from './random-mask';
import { createSplitter } from './split-mask';

interface BlockFixture {
  name: string;
  height: number;
  width: number;
  numMasking: number;
  minNumPatches: number;
  maxNumPatches: number | null;
  minAspect: number;
  maxAspect: number | null;
  seed: number;
  masks: string[];
  nextRandom: number;
}
interface RandomFixture {
  height: number;
  width: number;
  numMasking: number;
  seed: number;
  masks: string[];
}

const blockFixtures = loadFixture<BlockFixture[]>('block-masks.json');
const randomFixtures = loadFixture<RandomFixture[]>('random-masks.json');

describe('blockMask reproduces BEiT MaskingGenerator bit for bit (createPyRandom, random.seed(s))', () => {
  test.each(blockFixtures.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const sample = createBlockMasker({
      height: f.height,
      width: f.width,
      numMasking: f.numMasking,
      minNumPatches: f.minNumPatches,
      maxNumPatches: f.maxNumPatches ?? undefined,
      minAspect: f.minAspect,
      maxAspect: f.maxAspect ?? undefined,
    });
    const rng = createPyRandom(f.seed);
    const L = f.height * f.width;
    let mismatches = 0;
    for (const hex of f.masks) {
      const got = sample(rng);
      if (got.join('') !== hexToMask(hex, L).join('')) mismatches++;
    }
    expect(mismatches).toBe(0);
    // Same number of random draws consumed as in Python.
    expect(rng.random()).toBe(f.nextRandom);
  });

  test('the fixtures exercise short masks (the generator can stop below numMasking)', () => {
    const f = blockFixtures.find((x) => x.name === 'splitmask-14x14-98')!;
    const counts = f.masks.map((h) => hexToMask(h, 196).reduce((s, v) => s + v, 0));
    expect(Math.max(...counts)).toBe(98);
    expect(Math.min(...counts)).toBeLessThan(98);
  });

  test('blockMask (one-shot) equals createBlockMasker draws', () => {
    const f = blockFixtures[0];
    const rng = createPyRandom(f.seed);
    const opts = { height: 14, width: 14, numMasking: 75, minNumPatches: 16 };
    expect(blockMask(opts, rng)).toEqual(hexToMask(f.masks[0], 196));
    expect(blockMask(opts, rng)).toEqual(hexToMask(f.masks[1], 196));
  });
});

describe('randomMask equals numpy stable argsort of random.random() noise', () => {
  test.each(randomFixtures.map((f) => [`${f.height}x${f.width} mask ${f.numMasking}`, f] as const))(
    '%s',
    (_n, f) => {
      const rng = createPyRandom(f.seed);
      const L = f.height * f.width;
      for (const hex of f.masks) expect(randomMask(f, rng)).toEqual(hexToMask(hex, L));
    },
  );
});

interface SplitFixture {
  height: number;
  width: number;
  seed: number;
  splits: [number[], number[]][];
}

describe("splitMask 'block' equals the Python reference split (BEiT + top-up) under createPyRandom", () => {
  const splitFixtures = loadFixture<SplitFixture[]>('splits.json');
  test.each(splitFixtures.map((f) => [`${f.height}x${f.width}`, f] as const))('%s', (_n, f) => {
    const split = createSplitter({ height: f.height, width: f.width });
    const rng = createPyRandom(f.seed);
    const got = f.splits.map(() => {
      const { a, b } = split(rng);
      return [Array.from(a.visible), Array.from(b.visible)];
    });
    expect(got).toEqual(f.splits);
  });
});
