import { describeEachBackend, expectCloseAsync, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { opsCase } from '../../test/ops-fixture';
import { scaledDotAttention } from './attention';

describeEachBackend(
  'scaledDotAttention',
  () => {
    test('matches PyTorch softmax(q·kᵀ/√Dh)·v and its gradients for q, k, v', async () => {
      const c = opsCase('scaledDotAttention');
      const { q, k, v } = c.inputs;
      await expectCloseAsync(scaledDotAttention(q, k, v), c.out, { rtol: 1e-4, atol: 1e-5 });
      const f = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
        tf.sum(tf.mul(scaledDotAttention(a, b, d), c.cot));
      const g = tf.grads(f)([q, k, v]);
      for (const [i, name] of ['q', 'k', 'v'].entries()) {
        await expectCloseAsync(g[i], c.grads[name], { rtol: 1e-4, atol: 1e-4, label: `d${name}` });
      }
      expectNoLeak(() => scaledDotAttention(q, k, v), 'scaledDotAttention');
      expectNoLeak(() => tf.grads(f)([q, k, v]), 'scaledDotAttention grads');
    });

    test('names the shapes on mismatch', () => {
      expect(() =>
        scaledDotAttention(tf.zeros([1, 2, 5, 4]), tf.zeros([1, 2, 6, 4]), tf.zeros([1, 2, 5, 4])),
      ).toThrow(/got q \[1,2,5,4\], k \[1,2,6,4\], v \[1,2,5,4\]/);
    });
  },
  { webgpu: true },
);
