import { logSoftmax } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { expectAllZero, read } from '../../test/helpers';
import { l2Normalize, oneHotFloat, stopGradient, tokenCrossEntropy, weightedMean } from './numerics';

/** The textbook composite: −Σ log_softmax(x)·onehot(t) (core's crossEntropyPerRow formulation). */
function compositeCE(x: tf.Tensor2D, t: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(logSoftmax(x), oneHotFloat(t, x.shape[1])), 1)) as tf.Tensor1D);
}

describeEachBackend(
  'internal numerics',
  () => {
    test('oneHotFloat holds real float ones (wasm OneHot ignores dtype)', async () => {
      const h = oneHotFloat(tf.tensor1d([2, 0], 'int32'), 3);
      expect(h.dtype).toBe('float32');
      expect(await read(h)).toEqual([0, 0, 1, 1, 0, 0]);
      h.dispose();
    });

    test('fused tokenCrossEntropy equals the composite in value and vector-Jacobian product', async () => {
      const x = tf.randomNormal([6, 5], 0, 3, 'float32', 1) as tf.Tensor2D;
      const t = tf.tensor1d([0, 4, 2, 2, 1, 3], 'int32');
      const cot = tf.randomNormal([6], 0, 1, 'float32', 2);
      const f = (fn: typeof compositeCE) => (a: tf.Tensor) => tf.sum(tf.mul(fn(a as tf.Tensor2D, t), cot));
      const [a, b] = [tokenCrossEntropy(x, t), compositeCE(x, t)];
      expectClose(await read(a), await read(b), { rtol: 1e-6, atol: 1e-6 });
      const [ga] = tf.grads(f(tokenCrossEntropy))([x]);
      const [gb] = tf.grads(f(compositeCE))([x]);
      expectClose(await read(ga), await read(gb), { rtol: 1e-5, atol: 1e-6 });
      expectNoLeak(() => tf.grads(f(tokenCrossEntropy))([x]), 'tokenCrossEntropy grads');
      tf.dispose([x, t, cot, a, b, ga, gb]);
    });

    test('invalid ids: +Infinity values, gradient rows with no target term', async () => {
      const x = tf.zeros([3, 4]) as tf.Tensor2D;
      const t = tf.tensor1d([4, -1, 1], 'int32');
      const ce = tokenCrossEntropy(x, t);
      expect(await read(ce)).toEqual([
        Number.POSITIVE_INFINITY,
        Number.POSITIVE_INFINITY,
        Math.fround(Math.log(4)),
      ]);
      const [g] = tf.grads((a: tf.Tensor) => tf.sum(tokenCrossEntropy(a as tf.Tensor2D, t)))([x]);
      expectClose(await read(g), [0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, -0.75, 0.25, 0.25], {
        atol: 1e-7,
      });
      tf.dispose([x, t, ce, g]);
    });

    test('memory: forward + backward peaks at < 5 logits-sized buffers (the composite needs ~20)', async () => {
      const [r, v] = [256, 128];
      const x = tf.randomNormal([r, v], 0, 1, 'float32', 3) as tf.Tensor2D;
      const t = tf.randomUniform([r], 0, v, 'int32', 4) as tf.Tensor1D;
      const logitsBytes = r * v * 4;
      const peak = async (fn: typeof compositeCE) => {
        const start = tf.memory().numBytes;
        const info = await tf.profile(() =>
          tf.grads((a: tf.Tensor) => tf.mean(fn(a as tf.Tensor2D, t)))([x]),
        );
        tf.dispose(info.result as tf.Tensor[]);
        return (info.peakBytes - start) / logitsBytes;
      };
      const fused = await peak(tokenCrossEntropy);
      const composite = await peak(compositeCE);
      expect(fused).toBeLessThan(5);
      expect(fused).toBeLessThan(composite / 3);
      tf.dispose([x, t]);
    });

    test('weightedMean: plain mean, weighted mean, and 0 for zero total weight', async () => {
      const vals = tf.tensor1d([1, 2, 3]);
      const w = tf.tensor1d([0, 1, 3]);
      const z = tf.zeros([3]);
      const [a, b, c] = [weightedMean(vals), weightedMean(vals, w), weightedMean(vals, z)];
      expectClose(await read(a), 2, { rtol: 1e-7 });
      expectClose(await read(b), 11 / 4, { rtol: 1e-7 });
      expect(await read(c)).toEqual([0]);
      tf.dispose([vals, w, z, a, b, c]);
    });

    test('l2Normalize gives unit rows; stopGradient passes values and blocks gradients', async () => {
      const x = tf.tensor2d([
        [3, 4],
        [0, 0],
      ]);
      const n = l2Normalize(x);
      expect(await read(n)).toEqual([0.6000000238418579, 0.800000011920929, 0, 0]);
      const [g] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(stopGradient(a), a)))([x]);
      expect(await read(g)).toEqual(await read(x)); // d/da (sg(a)·a) = sg(a)
      const [g0] = tf.grads((a: tf.Tensor) => tf.sum(stopGradient(a)))([x]);
      await expectAllZero(g0, 'grad through stopGradient');
      tf.dispose([x, n, g, g0]);
    });
  },
  { webgpu: true },
);
