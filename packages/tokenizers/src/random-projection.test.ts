import { createRng } from '@splitmask/core';
import { expect, test } from 'vitest';
import { describeTokenizerContract } from '../test/contract';
import { createRandomProjectionTokenizer, randomProjectionVectors } from './random-projection';
import { decodeTokenizer, encodeTokenizer } from './serialize';

describeTokenizerContract('random projection', {
  make: () => createRandomProjectionTokenizer({ vocabSize: 50, patchSize: 4, channels: 3, seed: 1 }),
  patchLocal: true,
  roundTrip: async (tok) => decodeTokenizer(await encodeTokenizer(tok)),
});

test('vocabulary vectors are unit rows drawn U(-1, 1) from the seeded RNG', () => {
  const e = randomProjectionVectors(4, 6, 7);
  const rng = createRng(7);
  for (let v = 0; v < 4; v++) {
    const raw = Array.from({ length: 6 }, () => rng.uniform(-1, 1));
    const n = Math.hypot(...raw);
    for (let j = 0; j < 6; j++) expect(e[v * 6 + j]).toBeCloseTo(raw[j] / n, 6);
  }
});

test('different seeds give different vocabularies', () => {
  expect(Array.from(randomProjectionVectors(3, 4, 0))).not.toEqual(
    Array.from(randomProjectionVectors(3, 4, 1)),
  );
});

test('rejects a bad vocabSize before allocating, naming it', () => {
  expect(() => createRandomProjectionTokenizer({ vocabSize: 0, patchSize: 8 })).toThrow(
    /vocabSize must be a positive integer, got 0/,
  );
  expect(() => createRandomProjectionTokenizer({ vocabSize: 8, patchSize: 2.5 })).toThrow(
    /patchSize must be a positive integer, got 2.5/,
  );
});
