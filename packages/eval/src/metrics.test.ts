import { describeEachBackend, expectNoLeakAsync } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { metricsFromLogits, metricsFromRanked } from './metrics';

test('hand-computed confusion, per-class and top-k', () => {
  // 3 classes, width 2: rows (true, ranked)
  const ranked = [0, 1, 1, 0, 2, 0, 1, 2];
  const labels = [0, 0, 1, 2];
  const m = metricsFromRanked(ranked, 2, labels, 3);
  expect(m.top1).toBe(25); // only row 0
  expect(m.top5).toBe(75); // rows 0, 1 and 3 (true class in the 2nd slot)
  expect(m.confusion).toEqual([
    [1, 1, 0],
    [0, 0, 1],
    [0, 1, 0],
  ]);
  expect(m.perClass).toEqual([50, 0, 0]);
});

test('class without rows gets NaN; bad label is named', () => {
  expect(metricsFromRanked([1], 1, [1], 3).perClass[0]).toBeNaN();
  expect(() => metricsFromRanked([1], 1, [7], 3)).toThrow(/label 0 is 7, outside \[0, 3\)/);
});

describeEachBackend('metricsFromLogits', () => {
  test('top-1 is argmax, top-5 covers 5 of 7 classes', async () => {
    const logits = tf.tensor2d([
      [0, 1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1, 0],
    ]);
    const m = await metricsFromLogits(logits, [6, 6]);
    expect(m.top1).toBe(50);
    expect(m.top5).toBe(50);
    await expectNoLeakAsync(() => metricsFromLogits(logits, [0, 1]));
    logits.dispose();
  });
});
