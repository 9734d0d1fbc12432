import {
  describeEachBackend,
  expectClose,
  expectNoLeak,
  expectNoLeakAsync,
  loadJsonFixture,
} from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { knnClassify, knnScores, l2Normalize } from './knn';

interface KnnCase {
  name: string;
  k: number;
  temperature: number;
  numClasses: number;
  dim: number;
  trainFeatures: number[];
  trainLabels: number[];
  testFeatures: number[];
  testLabels: number[];
  top1: number;
  top5: number;
  scores: number[];
  predictions: number[];
}
const PKG = new URL('..', import.meta.url).pathname;
const cases = loadJsonFixture<KnnCase[]>(PKG, 'knn.json');

function tensors(c: KnnCase) {
  const train = tf.tensor2d(c.trainFeatures, [c.trainLabels.length, c.dim]);
  const test = tf.tensor2d(c.testFeatures, [c.testLabels.length, c.dim]);
  return { train, test };
}

describeEachBackend('knn', () => {
  test.each(cases.map((c) => [c.name, c] as const))(
    'matches DINO knn_classifier (torch): %s',
    async (_, c) => {
      const { train, test: q } = tensors(c);
      const opts = { numClasses: c.numClasses, k: c.k, temperature: c.temperature, chunkSize: 16 };
      const r = await knnClassify(train, c.trainLabels, q, c.testLabels, opts);
      expect(r.top1).toBeCloseTo(c.top1, 6);
      expect(r.top5).toBeCloseTo(c.top5, 6);
      expect(Array.from(r.predictions)).toEqual(c.predictions);
      const s = tf.tidy(() =>
        knnScores(l2Normalize(train), tf.tensor1d(c.trainLabels, 'int32'), l2Normalize(q), opts),
      );
      expectClose(s, c.scores, { rtol: 1e-4, atol: 1e-3 });
      tf.dispose([train, q, s]);
    },
  );

  test('chunk size does not change the result', async () => {
    const c = cases[0] as KnnCase;
    const { train, test: q } = tensors(c);
    const a = await knnClassify(train, c.trainLabels, q, c.testLabels, { numClasses: 10, chunkSize: 7 });
    const b = await knnClassify(train, c.trainLabels, q, c.testLabels, { numClasses: 10, chunkSize: 1000 });
    expect(a.ranked).toEqual(b.ranked);
    tf.dispose([train, q]);
  });

  test('no leaks', async () => {
    const c = cases[1] as KnnCase;
    const { train, test: q } = tensors(c);
    await expectNoLeakAsync(() =>
      knnClassify(train, c.trainLabels, q, c.testLabels, { numClasses: 3, k: 5 }),
    );
    const labels = tf.tensor1d(c.trainLabels, 'int32');
    expectNoLeak(() => knnScores(train, labels, q, { numClasses: 3, k: 5, temperature: 0.07 }));
    expectNoLeak(() => l2Normalize(q));
    tf.dispose([train, q, labels]);
  });

  test.each([
    ['k larger than N', { k: 1000 }, /k must be an integer in \[1, N=60\], got 1000/],
    ['temperature 0', { temperature: 0 }, /temperature must be > 0, got 0/],
    ['label out of range', { numClasses: 2 }, /train label \d+ is 2, outside \[0, 2\)/],
  ] as const)('rejects %s', async (_, extra, msg) => {
    const c = cases[1] as KnnCase;
    const { train, test: q } = tensors(c);
    await expect(
      knnClassify(train, c.trainLabels, q, c.testLabels, { numClasses: 3, ...extra }),
    ).rejects.toThrow(msg);
    tf.dispose([train, q]);
  });
});
