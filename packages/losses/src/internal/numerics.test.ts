import '@splitmask/core'; // registers tfjs-core's gradients (the tests differentiate Sum)
import { describeEachBackend, expectClose } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { expectAllZero, read } from '../../test/helpers';
import { l2Normalize, oneHotFloat, stopGradient, weightedMean } from './numerics';

describeEachBackend(
  'internal numerics',
  () => {
    test('oneHotFloat holds real float ones (wasm OneHot ignores dtype)', async () => {
      const h = oneHotFloat(tf.tensor1d([2, 0], 'int32'), 3);
      expect(h.dtype).toBe('float32');
      expect(await read(h)).toEqual([0, 0, 1, 1, 0, 0]);
      h.dispose();
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
