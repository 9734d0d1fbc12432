import { describeEachBackend, expectCloseAsync, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { opsCase } from '../../test/ops-fixture';
import {
  type BatchedMatMulStrategy,
  batchedMatMul,
  batchedMatMulNaive,
  batchedMatMulStrategy,
  batchedMatMulWith,
} from './batched-matmul';

const STRATEGIES: BatchedMatMulStrategy[] = ['matmul', 'depthwise'];
const TOL = { rtol: 1e-4, atol: 1e-4 };

describeEachBackend(
  'batchedMatMul',
  (backend) => {
    test.each(STRATEGIES)('%s: values and gradients equal tf.matMul with its own gradient', async (s) => {
      const a = tf.randomNormal([2, 3, 5, 4], 0, 1, 'float32', 1);
      const b = tf.randomNormal([2, 3, 4, 6], 0, 1, 'float32', 2);
      const cot = tf.randomNormal([2, 3, 5, 6], 0, 1, 'float32', 3);
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(batchedMatMulWith(s, x, y), cot));
      const g = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), cot));
      await expectCloseAsync(batchedMatMulWith(s, a, b), tf.matMul(a, b), TOL);
      const [ga, gb] = tf.grads(f)([a, b]);
      const [ra, rb] = tf.grads(g)([a, b]);
      await expectCloseAsync(ga, ra, { ...TOL, label: 'dA' });
      await expectCloseAsync(gb, rb, { ...TOL, label: 'dB' });
      expectNoLeak(() => batchedMatMulWith(s, a, b), `batchedMatMulWith ${s}`);
      expectNoLeak(() => tf.grads(f)([a, b]), `batchedMatMulWith ${s} grads`);
    });

    test.each(STRATEGIES)('%s: matches the PyTorch fixture (values and vjp)', async (s) => {
      const c = opsCase('batchedMatMul');
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(batchedMatMulWith(s, x, y), c.cot));
      await expectCloseAsync(batchedMatMulWith(s, c.inputs.a, c.inputs.b), c.out, TOL);
      const [ga, gb] = tf.grads(f)([c.inputs.a, c.inputs.b]);
      await expectCloseAsync(ga, c.grads.a, { ...TOL, label: 'dA' });
      await expectCloseAsync(gb, c.grads.b, { ...TOL, label: 'dB' });
    });

    test.each([
      [
        [1, 7, 3],
        [1, 3, 2],
      ],
      [
        [7, 3],
        [3, 2],
      ],
    ])('one batch %j·%j runs the 2-D product', async (sa, sb) => {
      const a = tf.randomNormal(sa, 0, 1, 'float32', 4);
      const b = tf.randomNormal(sb, 0, 1, 'float32', 5);
      await expectCloseAsync(batchedMatMul(a, b), tf.matMul(a, b), TOL);
      expectNoLeak(() => batchedMatMul(a, b), 'batchedMatMul');
      expectNoLeak(() => batchedMatMulNaive(a, b), 'batchedMatMulNaive');
    });

    test('picks the measured strategy for this backend', () => {
      expect(batchedMatMulStrategy()).toBe(backend === 'wasm' ? 'depthwise' : 'matmul');
    });

    test.each([
      [[2, 5, 4], [2, 3, 6], /got a \[2,5,4\] and b \[2,3,6\]/],
      [[2, 5, 4], [3, 4, 6], /equal batch dims/],
      [[5, 4], [5, 6], /got a \[5,4\] and b \[5,6\]/],
      [[5], [5, 6], /equal batch dims/],
    ])('rejects a %j with b %j', (sa, sb, msg) => {
      expect(() => batchedMatMul(tf.zeros(sa), tf.zeros(sb))).toThrow(msg);
    });
  },
  { webgpu: true },
);
