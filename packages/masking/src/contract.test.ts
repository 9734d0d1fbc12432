// Contract suite run against every mask generator kind: length, binary, counts, determinism per seed,
// and for splits disjointness, equal K and coverage.
import { createPyRandom, createRng } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { createMaskGenerator, type MaskGeneratorSpec, type SplitGenerator } from './generator';
import { indicesToMask } from './indices';
import { countMasked } from './top-up';

const MASK_SPECS: MaskGeneratorSpec[] = [
  { kind: 'block', height: 14, width: 14, numMasking: 75, minNumPatches: 16 },
  { kind: 'block', height: 14, width: 14, numMasking: 98, minNumPatches: 16, maxNumPatches: 75, exact: true },
  { kind: 'block', height: 7, width: 9, numMasking: 20, exact: true },
  { kind: 'random', height: 14, width: 14, numMasking: 147 },
  { kind: 'random', height: 5, width: 3, numMasking: 1 },
];
const SPLIT_SPECS: MaskGeneratorSpec[] = [
  { kind: 'split', height: 14, width: 14 },
  { kind: 'split', height: 7, width: 7 },
  { kind: 'split', height: 8, width: 8, mode: 'random' },
  { kind: 'split', height: 14, width: 14, mode: 'random', visibleFraction: 0.4 },
];
const RNGS = [
  ['createRng', createRng],
  ['createPyRandom', createPyRandom],
] as const;

describe.each(MASK_SPECS.map((s) => [JSON.stringify(s), s] as const))('mask generator %s', (_name, spec) => {
  const gen = createMaskGenerator(spec);
  if (gen.kind === 'split') throw new Error('unreachable');
  test.each(RNGS)('with %s: length L, binary, count within bounds, same per seed', (_r, make) => {
    const rngA = make(17);
    const rngB = make(17);
    const numMasking = (spec as { numMasking: number }).numMasking;
    for (let k = 0; k < 40; k++) {
      const m = gen.sample(rngA);
      expect(m.length).toBe(gen.numPatches);
      expect(m.every((v) => v === 0 || v === 1)).toBe(true);
      const c = countMasked(m);
      if (gen.numMasked !== null) expect(c).toBe(gen.numMasked);
      else expect(c).toBeLessThanOrEqual(numMasking);
      expect(gen.sample(rngB)).toEqual(m);
    }
  });
});

describe.each(SPLIT_SPECS.map((s) => [JSON.stringify(s), s] as const))(
  'split generator %s',
  (_name, spec) => {
    const gen = createMaskGenerator(spec) as SplitGenerator;
    test.each(RNGS)('with %s: K per branch, disjoint, covering, same per seed', (_r, make) => {
      const rngA = make(23);
      const rngB = make(23);
      const L = gen.numPatches;
      for (let k = 0; k < 40; k++) {
        const { a, b } = gen.sample(rngA);
        expect([a.visible.length, b.visible.length]).toEqual([gen.numVisible, gen.numVisible]);
        const inA = indicesToMask(a.visible, L);
        const inB = indicesToMask(b.visible, L);
        expect(inA.some((v, i) => v === 1 && inB[i] === 1)).toBe(false);
        const union = countMasked(inA) + countMasked(inB);
        if ((spec as { mode?: string }).mode !== 'random') expect(union).toBe(L - (L % 2));
        for (const s of [a, b])
          expect(indicesToMask(s.masked, L).every((v, i) => v + indicesToMask(s.visible, L)[i] === 1)).toBe(
            true,
          );
        expect(gen.sample(rngB)).toEqual({ a, b });
      }
    });
  },
);
