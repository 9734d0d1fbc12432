import { createRng } from '@splitmask/core';
import { describeEachBackend, expectNoLeakAsync, loadJsonFixture } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { trainLinearProbe } from './linear-probe';
import { metricsFromLogits } from './metrics';

const PKG = new URL('..', import.meta.url).pathname;
interface LogregCase {
  name: string;
  numClasses: number;
  dim: number;
  trainFeatures: number[];
  trainLabels: number[];
  testFeatures: number[];
  testLabels: number[];
  sklearnTop1: number;
}
const [blobs] = loadJsonFixture<LogregCase[]>(PKG, 'logreg.json') as [LogregCase];

/**
 * Linearly separable with a margin: class = argmax of the first 3 coordinates (rows whose top two are
 * closer than 0.3 are redrawn); features shifted/scaled so the probe must standardise.
 */
function separable(n: number, seed: number) {
  const rng = createRng(seed);
  const d = 5;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let s: number[];
    let margin: number;
    do {
      for (let j = 0; j < d; j++) x[i * d + j] = rng.normal();
      s = [x[i * d] as number, x[i * d + 1] as number, x[i * d + 2] as number];
      const [top, second] = [...s].sort((a, b) => b - a) as [number, number];
      margin = top - second;
    } while (margin < 0.3);
    y[i] = s.indexOf(Math.max(...s));
    for (let j = 0; j < d; j++) x[i * d + j] = 100 + 30 * (x[i * d + j] as number);
  }
  return { x: tf.tensor2d(x, [n, d]), y };
}

describeEachBackend('trainLinearProbe', () => {
  test.each(['adamw', 'sgd'] as const)('learns a separable set to ~100%% (%s)', async (optimizer) => {
    const { x, y } = separable(300, 1);
    const lr = optimizer === 'adamw' ? 0.05 : 0.5;
    const probe = await trainLinearProbe(x, y, {
      numClasses: 3,
      epochs: 40,
      batchSize: 64,
      lr,
      optimizer,
      weightDecay: 0,
    });
    const logits = probe.logits(x);
    const m = await metricsFromLogits(logits, y);
    expect(m.top1).toBeGreaterThanOrEqual(98);
    expect(probe.losses.at(-1)).toBeLessThan((probe.losses[0] as number) / 3);
    tf.dispose([x, logits]);
    probe.dispose();
  });

  test('matches scikit-learn LogisticRegression accuracy on overlapping blobs (±5 points)', async () => {
    const c = blobs;
    const tr = tf.tensor2d(c.trainFeatures, [c.trainLabels.length, c.dim]);
    const te = tf.tensor2d(c.testFeatures, [c.testLabels.length, c.dim]);
    const probe = await trainLinearProbe(tr, c.trainLabels, {
      numClasses: c.numClasses,
      epochs: 60,
      batchSize: 32,
      lr: 0.01,
    });
    const logits = probe.logits(te);
    const m = await metricsFromLogits(logits, c.testLabels);
    expect(Math.abs(m.top1 - c.sklearnTop1)).toBeLessThanOrEqual(5);
    tf.dispose([tr, te, logits]);
    probe.dispose();
  });

  test('deterministic under a seed, different across seeds', async () => {
    const { x, y } = separable(100, 2);
    const run = async (seed: number) => {
      const p = await trainLinearProbe(x, y, { numClasses: 3, epochs: 3, batchSize: 16, lr: 0.01, seed });
      const w = await p.weight.data();
      p.dispose();
      return Array.from(w);
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    x.dispose();
  });

  test('no leaks (training and logits)', async () => {
    const { x, y } = separable(40, 3);
    await expectNoLeakAsync(async () => {
      const p = await trainLinearProbe(x, y, {
        numClasses: 3,
        epochs: 2,
        batchSize: 16,
        optimizer: 'sgd',
        lr: 0.1,
      });
      tf.dispose(p.logits(x));
      p.dispose();
    });
    x.dispose();
  });

  test('rejects bad options, naming each', async () => {
    const { x, y } = separable(10, 4);
    await expect(trainLinearProbe(x, y, { numClasses: 3, epochs: 0, lr: -1 })).rejects.toThrow(
      /epochs must be a positive integer, got 0; lr must be > 0, got -1/,
    );
    await expect(trainLinearProbe(x, y, { numClasses: 2 })).rejects.toThrow(
      /label \d+ is 2, outside \[0, 2\)/,
    );
    x.dispose();
  });
});
