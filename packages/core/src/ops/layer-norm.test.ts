import { describeEachBackend, expectCloseAsync, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { opsCase } from '../../test/ops-fixture';
import { LAYER_NORM_EPS, layerNorm, layerNormNaive } from './layer-norm';

describeEachBackend(
  'layerNorm',
  (backend) => {
    // Inputs have mean ~5 and std ~3: float32 cancellation in x - mean bounds the agreement.
    const tol = backend === 'webgpu' ? { rtol: 1e-3, atol: 1e-3 } : { rtol: 1e-4, atol: 1e-5 };

    test('matches torch F.layer_norm(eps=1e-6): value, dx, dweight, dbias', async () => {
      const c = opsCase('layerNorm');
      const { x, weight, bias } = c.inputs;
      expect(LAYER_NORM_EPS).toBe(1e-6);
      await expectCloseAsync(
        layerNorm(x, { weight: weight as tf.Tensor1D, bias: bias as tf.Tensor1D }),
        c.out,
        tol,
      );
      const f = (xx: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(layerNorm(xx, { weight: w as tf.Tensor1D, bias: b as tf.Tensor1D }), c.cot));
      const g = tf.grads(f)([x, weight, bias]);
      await expectCloseAsync(g[0], c.grads.x, { ...tol, label: 'dx' });
      await expectCloseAsync(g[1], c.grads.weight, { ...tol, label: 'dweight' });
      await expectCloseAsync(g[2], c.grads.bias, { ...tol, label: 'dbias' });
      expectNoLeak(
        () => layerNorm(x, { weight: weight as tf.Tensor1D, bias: bias as tf.Tensor1D }),
        'layerNorm',
      );
      expectNoLeak(() => tf.grads(f)([x, weight, bias]), 'layerNorm grads');
    });

    test.each([1e-6, 1e-3])(
      'custom gradient equals autodiff of the naive formulation (eps %s, [2, 3, 5, 8])',
      async (eps) => {
        const x = tf.randomNormal([2, 3, 5, 8], 2, 3, 'float32', 7);
        const w = tf.randomNormal([8], 1, 0.5, 'float32', 8) as tf.Tensor1D;
        const b = tf.randomNormal([8], 0, 1, 'float32', 9) as tf.Tensor1D;
        const cot = tf.randomNormal([2, 3, 5, 8], 0, 1, 'float32', 10);
        const loss = (fn: typeof layerNorm) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(fn(xx, { weight: ww as tf.Tensor1D, bias: bb as tf.Tensor1D }, eps), cot));
        await expectCloseAsync(
          layerNorm(x, { weight: w, bias: b }, eps),
          layerNormNaive(x, { weight: w, bias: b }, eps),
          tol,
        );
        const ga = tf.grads(loss(layerNorm))([x, w, b]);
        const gb = tf.grads(loss(layerNormNaive))([x, w, b]);
        for (const i of [0, 1, 2]) await expectCloseAsync(ga[i], gb[i], { ...tol, label: `grad ${i}` });
        expectNoLeak(() => layerNormNaive(x, { weight: w, bias: b }, eps), 'layerNormNaive');
      },
    );

    // D not a multiple of 4 and D = 1 reach the scalar tails of the wasm kernel (gemm.c layer_norm).
    test.each([[[5, 7]], [[3, 2, 13]], [[6, 1]], [[1, 64]]])(
      'odd widths %j: value and gradients equal the naive formulation',
      async (shape) => {
        const d = shape[shape.length - 1];
        const x = tf.randomNormal(shape, 1, 2, 'float32', 11);
        const w = tf.randomNormal([d], 1, 0.5, 'float32', 12) as tf.Tensor1D;
        const b = tf.randomNormal([d], 0, 1, 'float32', 13) as tf.Tensor1D;
        const cot = tf.randomNormal(shape, 0, 1, 'float32', 14);
        const loss = (fn: typeof layerNorm) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(fn(xx, { weight: ww as tf.Tensor1D, bias: bb as tf.Tensor1D }), cot));
        await expectCloseAsync(
          layerNorm(x, { weight: w, bias: b }),
          layerNormNaive(x, { weight: w, bias: b }),
          tol,
        );
        const ga = tf.grads(loss(layerNorm))([x, w, b]);
        const gb = tf.grads(loss(layerNormNaive))([x, w, b]);
        for (const i of [0, 1, 2]) await expectCloseAsync(ga[i], gb[i], { ...tol, label: `grad ${i}` });
        expectNoLeak(() => tf.grads(loss(layerNorm))([x, w, b]), 'layerNorm grads (odd width)');
      },
    );

    test('a constant row normalises to the bias (eps keeps it finite)', async () => {
      const p = { weight: tf.ones([4]) as tf.Tensor1D, bias: tf.tensor1d([1, 2, 3, 4]) };
      await expectCloseAsync(layerNorm(tf.fill([2, 4], 7), p), tf.tensor2d([1, 2, 3, 4, 1, 2, 3, 4], [2, 4]));
    });
  },
  { webgpu: true },
);
