import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { describeTokenizerContract } from '../test/contract';
import { syntheticBatches } from '../test/images';
import { fitKMeansTokenizer, type KMeansFitProgress } from './kmeans-tokenizer';
import { decodeTokenizer, encodeTokenizer } from './serialize';

const make = (onProgress?: (p: KMeansFitProgress) => void) =>
  fitKMeansTokenizer(syntheticBatches({ numBatches: 4, b: 4, size: 16 }), {
    vocabSize: 12,
    patchSize: 4,
    seed: 3,
    numPatches: 200,
    iterations: 5,
    onProgress,
  });

describeTokenizerContract('k-means', {
  make: () => make(),
  patchLocal: true,
  roundTrip: async (tok) => decodeTokenizer(await encodeTokenizer(tok)),
});

describeEachBackend('fitKMeansTokenizer', () => {
  test('streams, seeds, iterates: progress by phase, decreasing inertia, fit info in the config', async () => {
    const events: KMeansFitProgress[] = [];
    const tok = await make((p) => events.push(p));
    expect(events.filter((e) => e.phase === 'sampling').length).toBe(4);
    expect(events.find((e) => e.phase === 'seeding')).toEqual({ phase: 'seeding', numPatches: 200 });
    const its = events.filter((e) => e.phase === 'iteration');
    expect(its.length).toBeGreaterThanOrEqual(2);
    const fit = tok.config.kind === 'kmeans' ? tok.config.fit : undefined;
    expect(fit?.numPatches).toBe(200);
    expect(fit?.inertia).toEqual(its.map((e) => e.inertia));
    expect(fit!.inertia.at(-1)!).toBeLessThan(fit!.inertia[0]);
    const cb = (await tf.transpose(tok.toTensors().codebook).data()) as Float32Array;
    for (let v = 0; v < 12; v++) expect(Math.hypot(...cb.subarray(v * 48, (v + 1) * 48))).toBeCloseTo(1, 5);
    tok.dispose();
  });

  test('cancellation rejects with the abort reason', async () => {
    const ctrl = new AbortController();
    const before = tf.memory().numTensors;
    const run = fitKMeansTokenizer(syntheticBatches({ numBatches: 4, b: 4, size: 16 }), {
      vocabSize: 12,
      patchSize: 4,
      numPatches: 200,
      signal: ctrl.signal,
      onProgress: (p) => p.phase === 'seeding' && ctrl.abort(new Error('user cancelled')),
    });
    await expect(run).rejects.toThrow('user cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });
});
