import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { linear, linearNaive } from './linear';

describeEachBackend('linear', () => {
  test('forward and gradients equal the naive [out, in] formulation', () => {
    const x = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 1);
    const w = tf.randomNormal([5, 4], 0, 1, 'float32', 2);
    const b = tf.randomNormal([4], 0, 1, 'float32', 3);
    const wT = tf.transpose(w) as tf.Tensor2D;
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(linear(xx, ww, bb)));
    const g = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.square(linearNaive(xx, tf.transpose(ww) as tf.Tensor2D, bb)));
    const ga = tf.grads(f)([x, w, b]);
    const gb = tf.grads(g)([x, w, b]);
    expectClose(linear(x, w, b), linearNaive(x, wT, b), { rtol: 1e-5, atol: 1e-5 });
    for (let i = 0; i < 3; i++) expectClose(ga[i], gb[i], { rtol: 1e-4, atol: 1e-4, label: `grad ${i}` });
    expectNoLeak(() => linear(x, w, b), 'linear');
    expectNoLeak(() => tf.grads(f)([x, w, b]), 'linear grads');
  });
  test('names the shapes on mismatch', () => {
    expect(() => linear(tf.zeros([2, 3]), tf.zeros([4, 2]))).toThrow(
      /expected weight \[3, out\], got \[4,2\]/,
    );
  });
});
