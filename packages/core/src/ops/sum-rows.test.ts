import { describeEachBackend, expectCloseAsync, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { sumRows } from './sum-rows';

describeEachBackend(
  'sumRows',
  () => {
    test.each([[[7, 5]], [[2, 3, 4]], [[6]]])(
      'equals tf.sum over leading axes for %j, with its gradient',
      async (shape) => {
        const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
        const lead = shape.slice(0, -1).map((_, i) => i);
        const d = shape[shape.length - 1];
        const cot = tf.randomNormal([d], 0, 1, 'float32', 2);
        await expectCloseAsync(sumRows(x), lead.length ? tf.sum(x, lead) : x, { rtol: 1e-5, atol: 1e-5 });
        const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(sumRows(xx), cot)))(x);
        await expectCloseAsync(g, tf.mul(tf.ones(shape), cot), { rtol: 1e-6, atol: 1e-6 });
        expectNoLeak(() => sumRows(x), 'sumRows');
        expectNoLeak(() => tf.grad((xx: tf.Tensor) => tf.sum(sumRows(xx)))(x), 'sumRows grad');
      },
    );

    test('rejects a scalar', () => {
      expect(() => sumRows(tf.scalar(1))).toThrow(/expected x \[\.\.\., D\], got a scalar/);
    });
  },
  { webgpu: true },
);
