import { describeEachBackend, expectNoLeakAsync } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { knnAccuracy } from './knn';

describeEachBackend('knnAccuracy', () => {
  test('separable clusters: 100%; weights favour near neighbours over the majority', async () => {
    const train = tf.tensor2d([
      [1, 0],
      [0.9, 0.1],
      [0, 1],
      [0.1, 0.9],
      [0.2, 0.95],
    ]);
    const labels = Int32Array.from([0, 0, 1, 1, 1]);
    const test = tf.tensor2d([
      [1, 0.05],
      [0.05, 1],
    ]);
    expect(await knnAccuracy(train, labels, test, Int32Array.from([0, 1]), 2, { k: 5 })).toBe(1);
    // k = 5 sees 3 votes of class 1 but exp(sim/0.07) lets the two near class-0 points win.
    expect(
      await knnAccuracy(train, labels, tf.tensor2d([[1, 0.02]]), Int32Array.from([0]), 2, { k: 5 }),
    ).toBe(1);
    await expectNoLeakAsync(
      () => knnAccuracy(train, labels, test, Int32Array.from([0, 1]), 2, { chunk: 1 }),
      'knn',
    );
    tf.dispose([train, test]);
  });
});
