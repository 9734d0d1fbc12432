import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { describeTokenizerContract } from '../test/contract';
import { syntheticBatches } from '../test/images';
import { fitRandomPatchesTokenizer } from './random-patches';
import { samplePatches } from './sampling';
import { decodeTokenizer, encodeTokenizer } from './serialize';

const make = () =>
  fitRandomPatchesTokenizer(syntheticBatches({ numBatches: 3, b: 4, size: 16 }), {
    vocabSize: 24,
    patchSize: 4,
    seed: 2,
  });

describeTokenizerContract('random patches', {
  make,
  patchLocal: true,
  roundTrip: async (tok) => decodeTokenizer(await encodeTokenizer(tok)),
});

describeEachBackend('random patches vocabulary', () => {
  test('the vocabulary is the seeded patch sample, ℓ2-normalised, stored [P, V]', async () => {
    const tok = await make();
    const sample = await samplePatches(syntheticBatches({ numBatches: 3, b: 4, size: 16 }), {
      numPatches: 24,
      patchSize: 4,
      channels: 3,
      seed: 2,
    });
    const cb = tok.toTensors().codebook;
    expect(cb.shape).toEqual([48, 24]);
    const rows = await tf.transpose(cb).data();
    expect(Array.from(rows)).toEqual(Array.from(sample.rows.chunk(0)));
    for (let v = 0; v < 24; v++) expect(Math.hypot(...rows.subarray(v * 48, (v + 1) * 48))).toBeCloseTo(1, 5);
    tok.dispose();
  });

  test('reports progress per batch', async () => {
    const seen: number[] = [];
    const tok = await fitRandomPatchesTokenizer(syntheticBatches({ numBatches: 3, b: 2, size: 8 }), {
      vocabSize: 4,
      patchSize: 4,
      onProgress: (p) => seen.push(p.patchesSeen),
    });
    expect(seen).toEqual([8, 16, 24]);
    tok.dispose();
  });
  test('a stream with fewer patches than V is an error naming both counts', async () => {
    await expect(
      fitRandomPatchesTokenizer(syntheticBatches({ numBatches: 1, b: 1, size: 8 }), {
        vocabSize: 10,
        patchSize: 4,
      }),
    ).rejects.toThrow(/need vocabSize=10 non-flat patches, the stream had only 4 \(1 images\)/);
  });
});
