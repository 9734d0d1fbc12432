import { describeEachBackend, expectCloseAsync, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { opsCase } from '../../test/ops-fixture';
import { linear, linearNaive } from './linear';

describeEachBackend(
  'linear',
  () => {
    test('forward and gradients equal the naive [out, in] formulation', async () => {
      const x = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 1);
      const w = tf.randomNormal([5, 4], 0, 1, 'float32', 2);
      const b = tf.randomNormal([4], 0, 1, 'float32', 3);
      const wT = tf.transpose(w) as tf.Tensor2D;
      const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(linear(xx, ww, bb)));
      const g = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.square(linearNaive(xx, tf.transpose(ww) as tf.Tensor2D, bb)));
      const ga = tf.grads(f)([x, w, b]);
      const gb = tf.grads(g)([x, w, b]);
      await expectCloseAsync(linear(x, w, b), linearNaive(x, wT, b), { rtol: 1e-5, atol: 1e-5 });
      for (let i = 0; i < 3; i++)
        await expectCloseAsync(ga[i], gb[i], { rtol: 1e-4, atol: 1e-4, label: `grad ${i}` });
      expectNoLeak(() => linear(x, w, b), 'linear');
      expectNoLeak(() => tf.grads(f)([x, w, b]), 'linear grads');
    });
    test('matches torch x·W + b (W [in, out]): value, dx, dweight, dbias', async () => {
      const c = opsCase('linear');
      const { x, weight, bias } = c.inputs;
      const tol = { rtol: 1e-4, atol: 1e-4 };
      await expectCloseAsync(linear(x, weight, bias), c.out, tol);
      const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(linear(xx, ww, bb), c.cot));
      const g = tf.grads(f)([x, weight, bias]);
      for (const [i, k] of ['x', 'weight', 'bias'].entries()) {
        await expectCloseAsync(g[i], c.grads[k], { ...tol, label: `d${k}` });
      }
      const wT = tf.transpose(weight) as tf.Tensor2D;
      await expectCloseAsync(linearNaive(x, wT, bias), c.out, { ...tol, label: 'linearNaive' });
      expectNoLeak(() => linearNaive(x, wT, bias), 'linearNaive');
    });

    test('rejects a bias of the wrong length, naming it', () => {
      expect(() => linear(tf.zeros([2, 3]), tf.zeros([3, 4]), tf.zeros([5]))).toThrow(
        /expected bias \[4\], got \[5\]/,
      );
    });

    test('names the shapes on mismatch', () => {
      expect(() => linear(tf.zeros([2, 3]), tf.zeros([4, 2]))).toThrow(
        /expected weight \[3, out\], got \[4,2\]/,
      );
    });
  },
  { webgpu: true },
);
